/**
 * The tutorials in docs/tutorials run: each one's ```ts blocks, joined in order, run as one module
 * in a folder holding the files the tutorial reads (the 3-unit PyTorch nn.RNN fixture as
 * `rnn.safetensors`, its inputs as `x.npy`), and print what their `// prints:` comments say.
 */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectedPrints, markdownTsBlocks, repoRoot, runSnippet } from './snippets.js';

const dir = join(repoRoot, 'docs', 'tutorials');
const tutorials = readdirSync(dir).filter((f) => f.endsWith('.md')).sort();
const work = mkdtempSync(join(tmpdir(), 'sntk-tutorial-'));
copyFileSync(join(repoRoot, 'test', 'fixtures', 'torch-rnn.safetensors'), join(work, 'rnn.safetensors'));
copyFileSync(join(repoRoot, 'test', 'fixtures', 'inputs-2x5x2.npy'), join(work, 'x.npy'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('tutorials', () => {
  it('there are three, each with code and stated outputs', () => {
    expect(tutorials).toEqual(['01-analyse-a-pytorch-rnn.md', '02-bifurcations.md', '03-natural-gradient.md']);
  });

  for (const name of tutorials) {
    it(`${name} runs and prints what it says`, async () => {
      const code = markdownTsBlocks(readFileSync(join(dir, name), 'utf8')).join('\n');
      const expected = expectedPrints(code);
      expect(expected.length).toBeGreaterThan(2);
      expect(await runSnippet(code, { cwd: work })).toEqual(expected);
    });
  }
});
