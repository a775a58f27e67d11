/**
 * Runs the TypeScript code that the documentation shows — `@example` blocks of doc comments and
 * the ```ts blocks of the tutorials — inside the test process, where `'sntk'` resolves to the
 * sources (vitest.config.ts). A snippet states its expected output with `// prints: …` comments on
 * its `console.log` lines; `expectedPrints` collects them and the tests compare them with what
 * the snippet printed, line by line.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { vi } from 'vitest';

export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** One `@example` block of a doc comment: the function it documents and its code. */
export interface DocExample {
  file: string;
  name: string;
  code: string;
}

/** The ```ts blocks after `@example` tags in the doc comments of `text` (comment prefixes removed). */
export function docExamples(file: string, text: string): DocExample[] {
  const out: DocExample[] = [];
  const comment = /\/\*\*([\s\S]*?)\*\/\s*export\s+(?:async\s+)?(?:function|const|class)\s+(\w+)/g;
  for (let m = comment.exec(text); m; m = comment.exec(text)) {
    const lines = m[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
    const body = lines.join('\n');
    const block = /@example\s*\n```ts\n([\s\S]*?)\n```/g;
    for (let b = block.exec(body); b; b = block.exec(body)) out.push({ file, name: m[2]!, code: b[1]! });
  }
  return out;
}

/** The ```ts code blocks of a markdown document, in order. */
export function markdownTsBlocks(text: string): string[] {
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** The `// prints: …` annotations of a snippet, one expected output line each, in order. */
export function expectedPrints(code: string): string[] {
  return [...code.matchAll(/\/\/ prints: (.*)$/gm)].map((m) => m[1]!.trim());
}

/**
 * Writes `code` to a module file under the repository's ignored `tmp/` folder, imports it with
 * `cwd` as the working directory, and returns the lines it printed with `console.log`.
 */
export async function runSnippet(code: string, opts: { cwd?: string } = {}): Promise<string[]> {
  mkdirSync(join(repoRoot, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, 'tmp', 'snippet-'));
  const file = join(dir, 'snippet.ts');
  writeFileSync(file, code + '\nexport {};\n');
  const printed: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(...format(...args).split('\n'));
  });
  const cwd = process.cwd();
  try {
    if (opts.cwd) process.chdir(opts.cwd);
    await import(pathToFileURL(file).href);
  } finally {
    process.chdir(cwd);
    spy.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
  return printed;
}
