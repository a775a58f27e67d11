/**
 * No file in the repository refers to a document that is not in it: no design notes or issue
 * numbers from outside, every `docs/theory.md §n` citation names a section that exists, every
 * relative markdown link resolves, and every repository path that a file mentions exists.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './snippets.js';

const self = relative(repoRoot, import.meta.filename);
const TEXT = /\.(ts|mts|mjs|js|cjs|md|html|json|cff|yml|yaml|py|c|gyp|css)$|^\.ci\/run$|(^|\/)[A-Z]+$/;

/** The repository's tracked text files (git), fixtures, lock file and this test excluded. */
function trackedTextFiles(): string[] {
  const r = spawnSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' });
  expect(r.status, 'git ls-files').toBe(0);
  return r.stdout
    .split('\n')
    .filter((f) => f && TEXT.test(f) && f !== self && f !== 'package-lock.json' && !f.startsWith('test/fixtures/'))
    .filter((f) => existsSync(join(repoRoot, f)));
}

const files = trackedTextFiles().map((f) => ({ f, text: readFileSync(join(repoRoot, f), 'utf8') }));

/** `file:line: text` of each match of `re` (global) in the files. */
function hits(re: RegExp, keep: (m: RegExpMatchArray, f: string) => boolean = () => true): string[] {
  const out: string[] = [];
  for (const { f, text } of files) {
    for (const m of text.matchAll(re)) {
      if (!keep(m, f)) continue;
      const line = text.slice(0, m.index).split('\n').length;
      out.push(`${f}:${line}: ${m[0]}`);
    }
  }
  return out;
}

describe('references to documents', () => {
  it('scans the repository', () => {
    expect(files.map((x) => x.f)).toEqual(expect.arrayContaining(['README.md', 'docs/theory.md', 'src/index.ts']));
  });

  it('cite no design notes, seed text or issue numbers from outside the repository (cite docs/theory.md §n instead)', () => {
    const outside = /\bDESIGN(\.md)?\b|\bdesign notes\b|\bseed\/[\w.-]+\.txt|\.\.\/shared\/|\b[Ii]ssue \d+\b/g;
    expect(hits(outside)).toEqual([]);
  });

  it('cite only sections that docs/theory.md has', () => {
    const theory = readFileSync(join(repoRoot, 'docs', 'theory.md'), 'utf8');
    const sections = new Set([...theory.matchAll(/^## §(\d+) /gm)].map((m) => Number(m[1])));
    expect(sections.size).toBeGreaterThanOrEqual(12);
    const bad = hits(/docs\/theory\.md((?: ?(?:§\d+(?:[–-]§?\d+)?|and|,) ?)+)/g, (m) => {
      const nums = [...m[1]!.matchAll(/\d+/g)].map((x) => Number(x[0]));
      return nums.some((n) => !sections.has(n));
    });
    expect(bad).toEqual([]);
  });

  it('link only to files that exist (relative markdown links)', () => {
    const bad = hits(/\]\(([^)\s]+)\)/g, (m, f) => {
      const target = m[1]!.split('#')[0]!;
      if (!target || /^[a-z]+:/i.test(target) || !f.endsWith('.md')) return false;
      return !existsSync(resolve(repoRoot, dirname(f), target));
    });
    expect(bad).toEqual([]);
  });

  it('mention only repository paths that exist', () => {
    const path = /(?<![\w./<>*{-])(?:docs|examples|src|test|bench|scripts|web|native)\/[\w./-]*[\w-]\.(?:md|ts|mjs|json|npy|safetensors|html|py|c|gyp)\b/g;
    const built = /(^|\/)(dist|build)\//; // build outputs (ignored by git) are made by the scripts that name them
    const bad = hits(path, (m, f) => !built.test(m[0]) && !existsSync(join(repoRoot, m[0])) && !existsSync(join(repoRoot, dirname(f), m[0])));
    expect(bad).toEqual([]);
  });
});
