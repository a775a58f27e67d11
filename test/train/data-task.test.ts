/**
 * The data task: validation split, mini-batches (each training trial exactly once per epoch,
 * deterministic in the seed), teacher targets (= the teacher's readout outputs), and the checks
 * on inconsistent arrays; loadTaskData reading .npz/.npy files.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dataTask } from '../../src/train/tasks/data.js';
import { loadTaskData } from '../../src/io/train-data.js';
import { writeNpyFile } from '../../src/io/npy.js';
import { defineSpec, randomModel, readout, rollout } from '../../src/models/index.js';

const B = 10, T = 4, D = 2, O = 1;
const X = Float64Array.from({ length: B * T * D }, (_, i) => Math.sin(i));
const Y = Float64Array.from({ length: B * T * O }, (_, i) => i); // trial b has targets b·T … b·T + T − 1

describe('data task', () => {
  it('validation split holds the last trials; mini-batches cover each training trial once per epoch', () => {
    const task = dataTask({ X, Y, B, T, D, O }, { seed: 3, validation: 0.2, batchSize: 4, hiddenSize: 5 });
    expect(task.B).toBe(8);
    expect(task.validation!.B).toBe(2);
    expect(Array.from(task.validation!.Y)).toEqual(Array.from(Y.subarray(8 * T)));
    const trialsOf = (step: number) => {
      const b = task.batchAt!(step);
      expect(b.B).toBe(4);
      return Array.from({ length: 4 }, (_, i) => b.Y[i * T]! / T);
    };
    const epoch0 = [...trialsOf(0), ...trialsOf(1)].sort((a, b) => a - b);
    expect(epoch0).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const epoch1 = [...trialsOf(2), ...trialsOf(3)].sort((a, b) => a - b);
    expect(epoch1).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // deterministic, and the inputs travel with their targets
    const again = dataTask({ X, Y, B, T, D, O }, { seed: 3, validation: 0.2, batchSize: 4, hiddenSize: 5 });
    expect(Array.from(again.batchAt!(5).X)).toEqual(Array.from(task.batchAt!(5).X));
    const b = task.batchAt!(1);
    const trial = b.Y[0]! / T;
    expect(Array.from(b.X.subarray(0, T * D))).toEqual(Array.from(X.subarray(trial * T * D, (trial + 1) * T * D)));
  });

  it('teacher targets are the teacher readout on the inputs', () => {
    const teacher = randomModel(defineSpec({ cell: 'torch-gru', hiddenSize: 3, inputSize: D, outputSize: 2 }), 1, { biasScale: 0.3 });
    const task = dataTask({ X, B, T, D, teacher }, { hiddenSize: 4 });
    expect(Array.from(task.Y)).toEqual(Array.from(readout(teacher, rollout(teacher, X, { B, T }))));
    expect(task.student.spec.outputSize).toBe(2);
  });

  it('inconsistent arrays and sizes are InputErrors naming the field', () => {
    expect(() => dataTask({ X, Y: Y.subarray(1), B, T, D, O })).toThrow(/task\.targets: 39 numbers, expected B·T·O/);
    expect(() => dataTask({ X, B, T, D })).toThrow(/task\.targets: no targets and no teacher/);
    expect(() => dataTask({ X, Y, B, T, D, O }, { batchSize: 11 })).toThrow(/task\.batchSize must be an integer in \[1, 10\]/);
  });

  it('loadTaskData: .npz by array name, .npy paths, B/T mismatches named', () => {
    const fix = join(import.meta.dirname, '..', 'fixtures');
    const a = loadTaskData({ file: 'npz-stored.npz', inputs: 'inputs', targets: 'targets', teacher: null }, fix);
    expect([a.B, a.T, a.D, a.O]).toEqual([2, 4, 3, 2]);
    const dir = mkdtempSync(join(tmpdir(), 'sntk-data-'));
    writeNpyFile(join(dir, 'x.npy'), X, [B, T, D]);
    writeNpyFile(join(dir, 'y.npy'), Y, [B, T, O]);
    writeNpyFile(join(dir, 'y2.npy'), Y.subarray(0, T * O), [T, O]);
    const b = loadTaskData({ file: null, inputs: 'x.npy', targets: 'y.npy', teacher: null }, dir);
    expect(Array.from(b.Y!)).toEqual(Array.from(Y));
    expect(() => loadTaskData({ file: null, inputs: 'x.npy', targets: 'y2.npy', teacher: null }, dir)).toThrow(/task\.targets \(y2\.npy\) has shape \(4, 1\): B = 1 trials but the inputs have B = 10/);
    expect(() => loadTaskData({ file: null, inputs: 'inputs', targets: 'y.npy', teacher: null }, dir)).toThrow(/task\.inputs: 'inputs' is an array name but task\.file is not set/);
    expect(() => loadTaskData({ file: 'npz-stored.npz', inputs: 'nope', targets: 'targets', teacher: null }, fix)).toThrow(/task\.inputs: npz-stored\.npz has no array 'nope' \(it has inputs, targets\)/);
  });
});
