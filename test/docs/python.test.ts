/**
 * README's "Use from Python": the sntk commands it shows, run on a PyTorch nn.RNN state dict and
 * .npy inputs, produce files that its NumPy snippet reads back — the participation ratio NumPy
 * computes from `K.npy` equals the one in `kernel.json`. The CLI runs in-process; the NumPy part
 * needs `python3` with NumPy (skipped otherwise).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { repoRoot } from './snippets.js';

const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const work = mkdtempSync(join(tmpdir(), 'sntk-python-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The README's code blocks of one language under the "Use from Python" heading. */
function readmeBlocks(lang: string): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Use from Python'));
  expect(section, 'README has a "Use from Python" section').toBeDefined();
  return [...section!.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]!);
}

describe('README: Use from Python', () => {
  it('shows the export, the commands and the NumPy read-back', () => {
    expect(readmeBlocks('python')).toHaveLength(2);
    expect(readmeBlocks('sh')[0]).toContain('--out K.npy --json > kernel.json');
  });

  it.skipIf(!numpy)('NumPy reads back what sntk wrote', async () => {
    copyFileSync(join(repoRoot, 'test', 'fixtures', 'torch-rnn.safetensors'), join(work, 'rnn.safetensors'));
    copyFileSync(join(repoRoot, 'test', 'fixtures', 'inputs-2x5x2.npy'), join(work, 'x.npy'));
    const kernel = await runCli(['kernel', '--model', join(work, 'rnn.safetensors'), '--inputs', join(work, 'x.npy'), '--out', join(work, 'K.npy'), '--json']);
    expect(kernel.code).toBe(0);
    writeFileSync(join(work, 'kernel.json'), kernel.out);
    const fixed = await runCli(['fixed-points', '--model', join(work, 'rnn.safetensors'), '--json']);
    expect(fixed.code).toBe(0);
    writeFileSync(join(work, 'fixed-points.json'), fixed.out);
    const readBack = readmeBlocks('python')[1]! + '\nprint(f"{pr:.12g} {K.shape[0]} {len(fps[\'points\'])}")\n';
    const py = spawnSync('python3', ['-c', readBack], { cwd: work, encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const [pr, rows, points] = py.stdout.trim().split(' ').map(Number);
    expect(rows).toBe(30); // B·T·N = 2·5·3
    expect(points).toBe(1);
    expect(Math.abs(pr! - JSON.parse(kernel.out).participationRatio)).toBeLessThan(1e-9 * pr!);
  });
});
