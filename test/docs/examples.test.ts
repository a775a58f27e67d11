/**
 * The `@example` blocks of the public doc comments run, and print what their `// prints:`
 * comments say. The main entry points must each have one.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docExamples, expectedPrints, repoRoot, runSnippet, type DocExample } from './snippets.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const examples: DocExample[] = sourceFiles(join(repoRoot, 'src')).flatMap((f) =>
  docExamples(relative(repoRoot, f), readFileSync(f, 'utf8')),
);

describe('doc-comment examples', () => {
  it('cover the main entry points', () => {
    const names = new Set(examples.map((e) => e.name));
    for (const fn of ['rollout', 'analyzeSntk', 'findFixedPoints', 'continueBranch', 'channelDecomposition', 'createTrainingSession', 'trainRun']) {
      expect(names, fn).toContain(fn);
    }
  });

  for (const ex of examples) {
    it(`${ex.name} (${ex.file}) prints what its comments say`, async () => {
      const expected = expectedPrints(ex.code);
      expect(expected.length, 'an example states its output with // prints:').toBeGreaterThan(0);
      const printed = await runSnippet(ex.code);
      expect(printed).toEqual(expected);
    });
  }
});
