/**
 * The training layer's browser entry (`src/train/browser.ts`) and the explorer engine
 * (`web/src/engine.ts`) must not reach a Node built-in: this walks their import graphs (reading
 * the files, following every relative `import`/`export … from`, type-only ones included) and
 * asserts that no `node:` module (nor a bare built-in name like `fs`) is imported anywhere in it.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const SPEC = /(?:^|[\s;}])(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gs;

/** The module specifiers a TypeScript file imports or re-exports. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(SPEC)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** Resolves a relative specifier (`./x.js` → `./x.ts`, a folder → its index.ts). */
function resolveRelative(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  const cands = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
  const hit = cands.find((c) => existsSync(c) && c.endsWith('.ts'));
  if (!hit) throw new Error(`${relative(ROOT, from)}: cannot resolve ${spec}`);
  return hit;
}

/** Walks the graph from `entry`: every file reached and every non-relative specifier with the file importing it. */
function walk(entry: string): { files: Set<string>; external: { spec: string; file: string }[] } {
  const files = new Set<string>();
  const external: { spec: string; file: string }[] = [];
  const stack = [resolve(ROOT, entry)];
  while (stack.length) {
    const f = stack.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    for (const s of specifiers(readFileSync(f, 'utf8'))) {
      if (s.startsWith('.')) stack.push(resolveRelative(f, s));
      else external.push({ spec: s, file: relative(ROOT, f) });
    }
  }
  return { files, external };
}

const builtins = new Set(builtinModules);
const isNode = (s: string): boolean => s.startsWith('node:') || builtins.has(s) || builtins.has(s.split('/')[0]!);

describe('browser entry has no Node built-in in its import graph', () => {
  it('the walker sees node: imports (a Node-side module reaches node:fs)', () => {
    const g = walk('src/train/index.ts');
    expect(g.external.filter((e) => isNode(e.spec)).length).toBeGreaterThan(0);
  });

  for (const entry of ['src/train/browser.ts', 'web/src/engine.ts']) {
    it(`${entry}: no node: module reachable`, () => {
      const g = walk(entry);
      expect(g.files.size).toBeGreaterThan(10);
      expect(g.external.filter((e) => isNode(e.spec))).toEqual([]);
    });
  }

  it('the browser entry reaches the session and the monitor core, not trainRun or createMonitor', () => {
    const files = [...walk('src/train/browser.ts').files].map((f) => relative(ROOT, f));
    expect(files).toContain('src/train/session.ts');
    expect(files).toContain('src/train/monitor/core.ts');
    expect(files).not.toContain('src/train/run.ts');
    expect(files).not.toContain('src/train/monitor/monitor.ts');
    expect(files).not.toContain('src/train/checkpoint.ts');
  });
});
