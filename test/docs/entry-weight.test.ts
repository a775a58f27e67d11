/**
 * The main entry loads no plotting code: importing 'sntk' (src/index.ts) in a fresh Node process
 * resolves no `vega*` or `@resvg/*` module, while `sntk/report` (the control) does. A resolve hook
 * records every bare specifier the import graph asks for.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './snippets.js';

const tsxEsm = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

// Hooks run off the main thread; they report each bare specifier on stderr, one per line.
const hooks = `
import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (!/^(\\.|\\/|node:|file:|data:)/.test(specifier)) writeSync(2, 'RESOLVE ' + specifier + '\\n');
  return next(specifier, context);
}`;
const register = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));`;

/** The bare specifiers resolved while importing `entry` (a path under src/) in a fresh process. */
function bareSpecifiers(entry: string): string[] {
  const url = pathToFileURL(join(repoRoot, entry)).href;
  const r = spawnSync(
    process.execPath,
    ['--import', 'data:text/javascript,' + encodeURIComponent(register), '--import', tsxEsm, '--input-type=module', '-e', `await import(${JSON.stringify(url)});`],
    { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, SNTK_BACKEND: 'js' } },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stderr.split('\n').filter((l) => l.startsWith('RESOLVE ')).map((l) => l.slice(8));
}

const plotting = (s: string): boolean => /^(vega|@resvg\/)/.test(s);

describe('entry points', () => {
  it("importing 'sntk' loads no vega or resvg module", () => {
    const specs = bareSpecifiers('src/index.ts');
    expect(specs).toContain('zod'); // the hook sees the entry's dependencies
    expect(specs.filter(plotting)).toEqual([]);
  });

  it("'sntk/report' does load them (control)", () => {
    const specs = bareSpecifiers('src/report/index.ts');
    expect(specs.filter(plotting)).toEqual(expect.arrayContaining(['vega', 'vega-lite', '@resvg/resvg-js']));
  });
});
