/**
 * The README's command lines run on a fresh clone: every file a code block refers to ships in the
 * repository (or is written by an earlier command of the same block), every `sntk` subcommand
 * exists, and every npm script is defined.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../src/cli/main.js';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The shell code blocks' command lines (comments dropped). */
function commandLines(md: string): string[] {
  const lines: string[] = [];
  for (const m of md.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    for (const raw of m[1]!.split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (line && !line.startsWith('#')) lines.push(line);
    }
  }
  return lines;
}

const FILE_FLAGS = new Set(['--model', '--to', '--inputs', '--config', '--direction', '--target', '--run', '--set']);
const PATHY = /^(examples|docs|src|scripts|bench|test|web)\/[\w./-]+$/;

/** The files a command reads (flag arguments and repository paths) and the folders it writes. */
function references(line: string): { reads: string[]; writes: string[] } {
  const reads: string[] = [];
  const writes: string[] = [];
  for (const cmd of line.split(/&&|\|/).map((c) => c.trim())) {
    const words = cmd.split(/\s+/);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (w === '>') {
        writes.push(words[++i]!);
        continue;
      }
      if (w === '--out') {
        writes.push(words[++i]!);
        continue;
      }
      if (FILE_FLAGS.has(w)) {
        let j = i + 1;
        for (; j < words.length && !words[j]!.startsWith('-'); j++) if (w !== '--set' || /\.json$/.test(words[j]!)) reads.push(words[j]!);
        i = j - 1;
        continue;
      }
      if (PATHY.test(w)) reads.push(w);
    }
    // sntk report <run folder>; sntk demo without --out writes ./sntk-demo
    if (words[0] === 'npx' && words[1] === 'sntk' && words[2] === 'report' && words[3]) reads.push(words[3]);
    if (words[0] === 'npx' && words[1] === 'sntk' && words[2] === 'demo' && !words.includes('--out')) writes.push('sntk-demo');
  }
  return { reads, writes };
}

describe('README', () => {
  const lines = commandLines(readme);

  it('has a quick tour with command lines', () => {
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.some((l) => l.startsWith('npx sntk continuation --run '))).toBe(true);
  });

  it('every file a command line reads ships in the repository or is written by an earlier line', () => {
    // files a Python block of the README writes (np.save / save_file), e.g. in "Use from Python"
    const written: string[] = [...readme.matchAll(/```python\n([\s\S]*?)```/g)].flatMap((m) =>
      [...m[1]!.matchAll(/(?:np\.save|save_file)\([\s\S]*?"([\w.-]+\.(?:npy|npz|safetensors))"/g)].map((w) => w[1]!),
    );
    const missing: string[] = [];
    for (const line of lines) {
      const { reads, writes } = references(line);
      for (const f of reads) {
        const produced = written.some((w) => f === w || f.startsWith(w.replace(/\/$/, '') + '/'));
        if (!produced && !existsSync(join(root, f))) missing.push(`${f} (in: ${line})`);
      }
      written.push(...writes);
    }
    expect(missing).toEqual([]);
  });

  it('every file an `npx sntk` line reads ships in the npm package (package.json "files"), so the tour runs from an install, not only from a clone', () => {
    const files = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] }).files;
    const shipped = (f: string): boolean =>
      files.some((e) => (e.endsWith('/*.md') ? f.startsWith(e.slice(0, -4) + '/') && f.endsWith('.md') && !f.slice(e.length - 4 + 1).includes('/') : f === e || f.startsWith(e + '/')));
    const written: string[] = [];
    const bad: string[] = [];
    for (const line of lines) {
      const { reads, writes } = references(line);
      if (line.startsWith('npx sntk ')) for (const f of reads) if (!written.some((w) => f === w || f.startsWith(w.replace(/\/$/, '') + '/')) && existsSync(join(root, f)) && !shipped(f)) bad.push(`${f} (in: ${line})`);
      written.push(...writes);
    }
    expect(bad).toEqual([]);
  });

  it('every sntk subcommand and option of the tour exists; every npm script is defined', () => {
    const program = buildProgram();
    const scripts = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const bad: string[] = [];
    for (const line of lines) {
      for (const cmd of line.split(/&&/).map((c) => c.trim())) {
        const words = cmd.split(/\s+/);
        if (words[0] === 'npx' && words[1] === 'sntk') {
          const name = words[2]!;
          if (name.startsWith('-')) {
            if (!program.options.some((o) => o.long === name || o.short === name)) bad.push(`sntk ${name}`);
            continue;
          }
          const sub = program.commands.find((c) => c.name() === name);
          if (!sub) {
            bad.push(`sntk ${name}`);
            continue;
          }
          for (const w of words.slice(3)) if (w.startsWith('--') && !sub.options.some((o) => o.long === w) && !program.options.some((o) => o.long === w)) bad.push(`sntk ${name} ${w}`);
        } else if (words[0] === 'npm' && words[1] === 'run') {
          if (!scripts.includes(words[2]!)) bad.push(`npm run ${words[2]}`);
        } else if (words[0] === 'npm' && words[1] === 'test') {
          if (!scripts.includes('test')) bad.push('npm test');
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('a missing file is caught (the check can fail)', () => {
    const nope = ['examples', 'nope.json'].join('/'); // a path that does not exist, built so that no scan of the sources finds it
    const { reads } = references(`npx sntk kernel --model ${nope} --inputs examples/pulses.json`);
    expect(reads).toEqual([nope, 'examples/pulses.json']);
    expect(existsSync(join(root, reads[0]!))).toBe(false);
  });
});
