/**
 * The loss mask (`Batch.lossMask`, the data task's `mask`): masked target entries contribute
 * nothing to the loss, its gradient and the Fisher products; the loss is the mean over the kept
 * entries, `½ Σ m (y − y*)² / Σ m`.
 * - gradient = central differences of that masked loss computed here from rollout + readout
 *   (step 1e-6, relative 1e-6 of the gradient's largest entry);
 * - Fisher products = `J_yᵀ M J_y V · O / Σ_S m` from the unmasked dense `J_y` (relative 1e-12);
 * - an all-ones mask gives exactly (bit for bit) the numbers of no mask;
 * - a mask that drops every entry is an InputError saying so; so are a wrong size and non-0/1 values.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fusedSweep, outputJacobian } from '../../src/train/sweep.js';
import { trainingLoss } from '../../src/train/loss.js';
import { dataTask, expandMask } from '../../src/train/tasks/data.js';
import { loadTaskData } from '../../src/io/train-data.js';
import { writeSafetensorsFile } from '../../src/io/safetensors.js';
import { defineSpec, randomModel, readout, rollout, withParams } from '../../src/models/index.js';
import { InputError } from '../../src/errors.js';
import type { Batch } from '../../src/train/batch.js';

const B = 3, T = 5, D = 2, O = 2;
const X = Float64Array.from({ length: B * T * D }, (_, i) => Math.sin(0.9 * i + 0.2));
const Y = Float64Array.from({ length: B * T * O }, (_, i) => 0.4 * Math.cos(0.5 * i));
// a fixed 0/1 pattern with both values in every trial
const M = Float64Array.from({ length: B * T * O }, (_, i) => ((i * 7) % 5 < 3 ? 1 : 0));
const model = randomModel(defineSpec({ cell: 'torch-lstm', hiddenSize: 3, inputSize: D, outputSize: O, numLayers: 2 }), 'mask-test', { gain: 1.1 });

function maskedLoss(params: Float64Array): number {
  const m = withParams(model, params);
  const y = readout(m, rollout(m, X, { B, T }));
  let s = 0, c = 0;
  for (let i = 0; i < y.length; i++) {
    s += M[i]! * (y[i]! - Y[i]!) ** 2;
    c += M[i]!;
  }
  return (0.5 * s) / c;
}

describe('loss mask', () => {
  const batch: Batch = { B, T, X, Y, lossMask: M };

  it('loss is ½ Σ m r² / Σ m, and the gradient equals its central differences (step 1e-6, relative 1e-6)', () => {
    const r = fusedSweep(model, batch);
    expect(Math.abs(r.loss - maskedLoss(model.params)) / r.loss).toBeLessThanOrEqual(1e-13);
    expect(r.count).toBe(M.reduce((a, v) => a + v, 0));
    let scale = 0;
    for (const g of r.grad) scale = Math.max(scale, Math.abs(g));
    for (let q = 0; q < model.layout.size; q += 3) {
      const p = model.params.slice(), m = model.params.slice();
      p[q]! += 1e-6;
      m[q]! -= 1e-6;
      const fd = (maskedLoss(p) - maskedLoss(m)) / 2e-6;
      expect(Math.abs(fd - r.grad[q]!)).toBeLessThanOrEqual(1e-6 * scale);
    }
    // the targets at masked entries do not matter at all
    const Y2 = Y.map((v, i) => (M[i] ? v : 1e3));
    const r2 = fusedSweep(model, { ...batch, Y: Y2 });
    expect(r2.loss).toBe(r.loss);
    expect(Array.from(r2.grad)).toEqual(Array.from(r.grad));
  });

  it('Fisher products are J_yᵀ M J_y V · O / Σ_S m over the Fisher trials (relative 1e-12)', () => {
    const P = model.layout.size;
    const k = 2;
    const V = { rows: P, cols: k, data: Float64Array.from({ length: P * k }, (_, i) => Math.cos(1.3 * i)) };
    const trials = [2, 0];
    const r = fusedSweep(model, batch, { directions: V, grad: false, fisherTrials: trials });
    const { J } = outputJacobian(model, { B, T, X, Y }); // unmasked, all parameters, (B·T·O) × P
    let kept = 0;
    for (const b of trials) for (let i = 0; i < T * O; i++) kept += M[b * T * O + i]!;
    const want = new Float64Array(P * k);
    for (const b of trials) {
      for (let row = b * T * O; row < (b + 1) * T * O; row++) {
        if (!M[row]) continue;
        for (let j = 0; j < k; j++) {
          let jv = 0;
          for (let p = 0; p < P; p++) jv += J.data[row * P + p]! * V.data[p * k + j]!;
          for (let p = 0; p < P; p++) want[p * k + j]! += (J.data[row * P + p]! * jv * O) / kept;
        }
      }
    }
    let nrm = 0;
    for (const w of want) nrm = Math.max(nrm, Math.abs(w));
    for (let i = 0; i < want.length; i++) expect(Math.abs(r.FvBlock.data[i]! - want[i]!)).toBeLessThanOrEqual(1e-12 * nrm);
  });

  it('an all-ones mask gives exactly the numbers of no mask (loss, gradient, Fisher products, J_y V)', () => {
    const P = model.layout.size;
    const V = { rows: P, cols: 2, data: Float64Array.from({ length: P * 2 }, (_, i) => Math.sin(0.3 * i)) };
    const a = fusedSweep(model, { B, T, X, Y }, { directions: V, keepJV: true, fisherTrials: [1, 2] });
    const b = fusedSweep(model, { B, T, X, Y, lossMask: new Float64Array(B * T * O).fill(1) }, { directions: V, keepJV: true, fisherTrials: [1, 2] });
    expect(b.loss).toBe(a.loss);
    expect(Array.from(b.grad)).toEqual(Array.from(a.grad));
    expect(Array.from(b.FvBlock.data)).toEqual(Array.from(a.FvBlock.data));
    expect(Array.from(b.JV!.data)).toEqual(Array.from(a.JV!.data));
    expect(trainingLoss(model, { B, T, X, Y, lossMask: new Float64Array(B * T * O).fill(1) })).toBe(trainingLoss(model, { B, T, X, Y }));
  });

  it('a mask that drops every entry, a wrong size or a value other than 0/1 is an InputError', () => {
    expect(() => fusedSweep(model, { ...batch, lossMask: new Float64Array(B * T * O) })).toThrow(InputError);
    expect(() => fusedSweep(model, { ...batch, lossMask: new Float64Array(B * T * O) })).toThrow(/loss mask is 0 everywhere/);
    expect(() => fusedSweep(model, { ...batch, lossMask: M.subarray(1) })).toThrow(/lossMask has length 29, expected the targets' B·T·O = 30/);
    expect(() => fusedSweep(model, { ...batch, lossMask: M.map((v) => v * 0.5) })).toThrow(/lossMask entry 0 is 0.5, expected 0 or 1/);
    expect(() => dataTask({ X, Y, B, T, D, O, mask: new Float64Array(B * T) }, { validation: 0 })).toThrow(/task\.mask: every entry of the training trials \(0\.\.2\) is masked/);
    expect(() => dataTask({ X, Y, B, T, D, O, mask: new Float64Array(7) })).toThrow(/task\.mask: 7 numbers, expected B·T = 3·5 or B·T·O = 3·5·2/);
    expect(() => dataTask({ X, Y, B, T, D, O, mask: new Float64Array(B * T).fill(2) })).toThrow(/task\.mask: entry 0 is 2, expected 0 or 1/);
  });
});

describe('data task with a mask', () => {
  const BB = 8;
  const XX = Float64Array.from({ length: BB * T * D }, (_, i) => Math.sin(0.37 * i));
  const YY = Float64Array.from({ length: BB * T * O }, (_, i) => Math.cos(0.21 * i));
  // B × T mask: trial 1 fully masked, the rest keep their first 3 steps
  const m2 = Float64Array.from({ length: BB * T }, (_, r) => (Math.floor(r / T) === 1 ? 0 : r % T < 3 ? 1 : 0));

  it('a B × T mask covers every output; fully masked trials are left out; mini-batches carry their mask rows', () => {
    const e = expandMask(m2, BB, T, O);
    for (let r = 0; r < BB * T; r++) for (let o = 0; o < O; o++) expect(e[r * O + o]).toBe(m2[r]);
    const task = dataTask({ X: XX, Y: YY, B: BB, T, D, O, mask: m2 }, { cell: 'torch-lstm', hiddenSize: 3, validation: 0.25, batchSize: 2 });
    expect(task.B).toBe(5); // 6 training trials, trial 1 dropped
    expect(task.validation!.B).toBe(2);
    expect(Array.from(task.X.subarray(0, T * D))).toEqual(Array.from(XX.subarray(0, T * D)));
    expect(Array.from(task.X.subarray(T * D, 2 * T * D))).toEqual(Array.from(XX.subarray(2 * T * D, 3 * T * D)));
    for (let step = 0; step < 4; step++) {
      const b = task.batchAt!(step);
      expect(b.lossMask!.length).toBe(2 * T * O);
      // each row of the mini-batch's mask matches its trial (found by its inputs)
      for (let i = 0; i < 2; i++) {
        const xi = b.X.subarray(i * T * D, (i + 1) * T * D);
        const src = [...Array(BB).keys()].find((t) => XX.subarray(t * T * D, (t + 1) * T * D).every((v, j) => v === xi[j]))!;
        expect(Array.from(b.lossMask!.subarray(i * T * O, (i + 1) * T * O))).toEqual(Array.from(e.subarray(src * T * O, (src + 1) * T * O)));
      }
    }
    // the loss of the full training set ignores the dropped trial: equal to the masked loss with it kept
    const full: Batch = { B: 6, T, X: XX.slice(0, 6 * T * D), Y: YY.slice(0, 6 * T * O), lossMask: e.slice(0, 6 * T * O) };
    const lt = trainingLoss(task.student, task);
    expect(Math.abs(lt - trainingLoss(task.student, full)) / lt).toBeLessThanOrEqual(1e-14);
  });

  it('loadTaskData takes the array named mask in task.file by default, or a named array; a shape mismatch names task.mask', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-mask-'));
    writeSafetensorsFile(join(dir, 'd.safetensors'), {
      inputs: { data: XX, shape: [BB, T, D] },
      targets: { data: YY, shape: [BB, T, O] },
      mask: { data: m2, shape: [BB, T] },
      m3: { data: expandMask(m2, BB, T, O), shape: [BB, T, O] },
      bad: { data: new Float64Array(BB * (T - 1)), shape: [BB, T - 1] },
    });
    const a = loadTaskData({ file: 'd.safetensors', inputs: 'inputs', targets: 'targets', teacher: null }, dir);
    expect(Array.from(a.mask!)).toEqual(Array.from(m2));
    const b = loadTaskData({ file: 'd.safetensors', inputs: 'inputs', targets: 'targets', teacher: null, mask: 'm3' }, dir);
    expect(b.mask!.length).toBe(BB * T * O);
    expect(() => loadTaskData({ file: 'd.safetensors', inputs: 'inputs', targets: 'targets', teacher: null, mask: 'bad' }, dir)).toThrow(/task\.mask: array 'bad' of d\.safetensors has shape \(8, 4\), expected \(B, T\) = \(8, 5\) or \(B, T, O\) = \(8, 5, 2\)/);
  });
});

describe('sntk train with a mask in the data file', () => {
  it('picks up the array named mask, ignores the garbage targets it masks, and reaches 0.1·L₀', async () => {
    const { runCli } = await import('../cli/run-cli.js');
    const data = loadTaskData({ file: 'data-task.npz', inputs: 'inputs', targets: 'targets', teacher: null }, join(import.meta.dirname, '..', '..', 'examples'));
    const { B: nb, T: nt, D: nd } = data;
    // keep the second half of every trial; the first half's targets are garbage
    const mask = Float64Array.from({ length: nb * nt }, (_, r) => (r % nt >= nt / 2 ? 1 : 0));
    const Yg = data.Y!.map((v, i) => (mask[i] ? v : 1e3));
    const dir = mkdtempSync(join(tmpdir(), 'sntk-mask-run-'));
    writeSafetensorsFile(join(dir, 'd.safetensors'), {
      inputs: { data: data.X, shape: [nb, nt, nd] },
      targets: { data: Yg, shape: [nb, nt, 1] },
      mask: { data: mask, shape: [nb, nt] },
    });
    const cfg = { seed: 0, steps: 60, task: { name: 'data', file: 'd.safetensors', cell: 'torch-gru', hiddenSize: 8, batchSize: 8 }, optimizer: { kind: 'adam', learningRate: 0.03 }, monitorEvery: 20, monitor: { trials: 2, top: 3, fixedPointStarts: 2 } };
    const { writeFileSync, readFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'c.json'), JSON.stringify(cfg));
    const r = await runCli(['train', '--config', join(dir, 'c.json'), '--out', join(dir, 'run'), '--json', '--quiet']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.initialLoss).toBeLessThan(1); // the masked 1e3 targets would give ≈ 2.5e5
    expect(s.finalLoss).toBeLessThanOrEqual(0.1 * s.initialLoss);
    // the monitor's loss column is the masked loss too
    const first = JSON.parse(readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').split('\n')[0]!);
    expect(first.loss).toBe(s.initialLoss);
  }, 60_000);
});

describe('boolean masks', () => {
  /** A `.npy` v1.0 file of NumPy booleans (`|b1`), as `np.save` writes a bool array. */
  function boolNpy(values: number[], shape: number[]): Uint8Array {
    let header = `{'descr': '|b1', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
    const total = 10 + header.length + 1;
    header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
    const head = new TextEncoder().encode(header);
    const out = new Uint8Array(10 + head.length + values.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, head.length & 0xff, head.length >> 8]);
    out.set(head, 10);
    out.set(values, 10 + head.length);
    return out;
  }
  /** A safetensors file with one BOOL tensor `mask`. */
  function boolSafetensors(values: number[], shape: number[]): Uint8Array {
    const h = new TextEncoder().encode(JSON.stringify({ mask: { dtype: 'BOOL', shape, data_offsets: [0, values.length] } }));
    const out = new Uint8Array(8 + h.length + values.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    out.set(values, 8 + h.length);
    return out;
  }

  it('a bool .npy (|b1) or a BOOL safetensors tensor reads as 0/1 and serves as the mask; another byte is an InputError', async () => {
    const { writeFileSync } = await import('node:fs');
    const { readNpy } = await import('../../src/io/npy.js');
    const { readSafetensors } = await import('../../src/io/safetensors.js');
    const dir = mkdtempSync(join(tmpdir(), 'sntk-boolmask-'));
    const m = Array.from({ length: B * T }, (_, i) => (i % 3 === 0 ? 0 : 1));
    writeFileSync(join(dir, 'm.npy'), boolNpy(m, [B, T]));
    writeFileSync(join(dir, 'm.safetensors'), boolSafetensors(m, [B, T]));
    const { writeNpyFile } = await import('../../src/io/npy.js');
    writeNpyFile(join(dir, 'x.npy'), X, [B, T, D]);
    writeNpyFile(join(dir, 'y.npy'), Y, [B, T, O]);
    for (const f of ['m.npy', 'm.safetensors']) {
      const a = loadTaskData({ file: null, inputs: 'x.npy', targets: 'y.npy', teacher: null, mask: f }, dir);
      expect(Array.from(a.mask!)).toEqual(m);
      expect(dataTask(a).lossMask!.length).toBe(B * T * O);
    }
    const npy = readNpy(boolNpy([0, 1, 1], [3]), 'b.npy');
    expect(npy.dtype).toBe('b1');
    expect(Array.from(npy.data)).toEqual([0, 1, 1]);
    expect(() => readNpy(boolNpy([0, 2], [2]), 'b.npy')).toThrow(/^b\.npy: bool entry 1 has byte value 2, expected 0 or 1$/);
    expect(() => readSafetensors(boolSafetensors([1, 7], [2]), 's.safetensors')).toThrow(/^s\.safetensors: tensor 'mask': BOOL entry 1 has byte value 7, expected 0 or 1$/);
  });
});
