/**
 * Issue case 4: the memory budget is checked from sizes before any allocation. A long inputs file is
 * refused from its .npy header (a sparse file: nothing is read), `--seeds` and `--starts` have stated
 * limits and enter the estimate, and budget messages show two different numbers.
 */
import { describe, expect, it } from 'vitest';
import { closeSync, openSync, ftruncateSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { expectOneLineFailure, tmp } from './helpers.js';
import { defineSpec, randomModel } from '../../src/models/index.js';
import { modelToJson } from '../../src/io/model-json.js';
import { writeNpy } from '../../src/io/npy.js';
import { checkMemory, remainingBudget } from '../../src/sntk/budget.js';
import { MemoryBudgetError } from '../../src/errors.js';

const dir = tmp();
const modelFile = join(dir, 'm.json');
writeFileSync(modelFile, modelToJson(randomModel(defineSpec({ cell: 'vanilla', hiddenSize: 8, inputSize: 1, outputSize: 1 }), 2, { gain: 0.9 })));

describe('memory budget before allocation', () => {
  it('a .npy of T = 2·10⁶ steps is refused from its header without reading the data (exit 2)', async () => {
    const T = 2_000_000;
    const npy = writeNpy(new Float64Array(T), [T, 1]);
    const headerLength = npy.length - 8 * T;
    // the header of shape (T, 1), the data left as a hole: the file is 16 MB long but nothing is stored
    const file = join(dir, 'long.npy');
    const fd = openSync(file, 'w');
    writeSync(fd, npy.subarray(0, headerLength));
    ftruncateSync(fd, npy.length);
    closeSync(fd);
    const r = await runCli(['kernel', '--model', modelFile, '--inputs', file, '--memory-budget', '64MiB', '--quiet']);
    expectOneLineFailure(r, 2, /would need about .* \(largest part: the trajectory \(1 trials × 2000000 steps of 8 units.*over the memory budget of 64\.0 MiB/);
  });

  it('a large .json inputs file is refused from its size before it is parsed', async () => {
    const file = join(dir, 'big.json');
    writeFileSync(file, '[' + new Array(400_000).fill('[0.25]').join(',') + ']');
    const r = await runCli(['kernel', '--model', modelFile, '--inputs', file, '--memory-budget', '4MiB', '--quiet']);
    expectOneLineFailure(r, 2, /the inputs file .*big\.json \(\d+ bytes, as text while parsed\) needs/);
    expect(r.err).toMatch(/over the memory budget of 4\.0 MiB/);
  });

  it('demo --seeds and fixed-points --starts have stated limits (exit 2 at once)', async () => {
    expectOneLineFailure(await runCli(['demo', '--seeds', '1e9', '--out', join(dir, 'demo'), '--quiet']), 2, /--seeds must be an integer in 1\.\.1000/);
    expectOneLineFailure(await runCli(['fixed-points', '--model', modelFile, '--starts', '1000000000', '--quiet']), 2, /--starts must be at most 1000000/);
    expectOneLineFailure(await runCli(['fixed-points', '--model', modelFile, '--starts', '1000000', '--memory-budget', '64MiB', '--quiet']), 2, /1000000 starts of the fixed-point search .* over the memory budget of 64\.0 MiB/);
  });

  it('messages never read "needs X, over the budget of X"; the remaining budget subtracts what is held', () => {
    let msg = '';
    try {
      checkMemory({ 'a dense kernel': (1.3 * 1024 ** 3) / 8 + 1000 }, 1.3 * 1024 ** 3, 'use less');
    } catch (e) {
      expect(e).toBeInstanceOf(MemoryBudgetError);
      msg = (e as Error).message;
    }
    const m = /needs (.*), over the memory budget of (.*);/.exec(msg)!;
    expect(m[1]).not.toBe(m[2]);
    expect(remainingBudget(1024 * 1024, 1024)).toBe(1024 * 1024 - 8192);
    expect(remainingBudget(1024, 1e9)).toBe(1);
  });
});
