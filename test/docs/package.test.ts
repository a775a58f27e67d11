/**
 * What a library user gets from the package: every export subpath points at a compiled file of an
 * existing source entry, the shipped files include the examples and the legal/citation files, the
 * licence agrees with package.json, and `sntk --version` prints the package version.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { repoRoot } from './snippets.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
  exports: Record<string, string | { types: string; default: string }>;
  files: string[];
  repository?: { url: string };
  homepage?: string;
  bugs?: { url: string };
  keywords?: string[];
};

describe('package', () => {
  it('maps each export subpath to the compiled form of a source entry, with types', () => {
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');
    expect(subpaths).toEqual(['.', './linalg', './operators', './io', './train', './report']);
    for (const k of subpaths) {
      const target = pkg.exports[k] as { types: string; default: string };
      expect(target.types, k).toBe(target.default.replace(/\.js$/, '.d.ts'));
      const source = target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
      expect(existsSync(join(repoRoot, source)), `${k} → ${source}`).toBe(true);
    }
  });

  it('ships the examples, the docs and the licence, and names where the project lives', () => {
    for (const f of ['examples', 'LICENSE', 'CHANGELOG.md', 'CITATION.cff', 'README.md', 'dist', 'bin']) expect(pkg.files).toContain(f);
    expect(pkg.files.some((f) => f.startsWith('docs/'))).toBe(true);
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\//);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs?.url).toMatch(/^https:\/\//);
    expect(pkg.keywords?.length).toBeGreaterThan(3);
  });

  it('the LICENSE is the licence package.json declares, and CITATION.cff cites the paper and the version', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(repoRoot, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    const cff = readFileSync(join(repoRoot, 'CITATION.cff'), 'utf8');
    expect(cff).toContain('arXiv:2605.12763');
    expect(cff).toContain(`version: ${pkg.version}`);
  });

  it('sntk --version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(pkg.version);
  });
});
