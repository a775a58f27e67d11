/**
 * JAX/Flax parameter trees and .npz state dicts as model files: a flax.linen GRUCell / LSTMCell
 * tree built from the PyTorch fixtures by the documented mapping (docs/interop.md) gives PyTorch's
 * trajectory within 1e-12; an nn.GRU state dict saved with np.savez_compressed reads as the same
 * model as its safetensors twin.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { readModelFile } from '../../src/io/model-json.js';
import { modelDataFromBytes } from '../../src/io/model-file.js';
import { readSafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/io/safetensors.js';
import { createModel, rollout } from '../../src/models/index.js';
import { inputErrorMessage as message } from './helpers.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const REF = JSON.parse(readFileSync(join(FIX, 'torch-cells-reference.json'), 'utf8')) as Record<string, { X: number[]; H: number[]; B: number; T: number }>;

/** Rows [g·H, (g+1)·H) of an (rows × cols) tensor, transposed to Flax's in × out. */
function flaxKernel(data: Float64Array, cols: number, g: number, H: number): TensorToWrite {
  const out = new Float64Array(cols * H);
  for (let i = 0; i < H; i++) for (let j = 0; j < cols; j++) out[j * H + i] = data[(g * H + i) * cols + j]!;
  return { data: out, shape: [cols, H] };
}

function flaxTree(name: string, kind: 'gru' | 'lstm'): Record<string, TensorToWrite> {
  const sd = readSafetensorsFile(join(FIX, `torch-${name}.safetensors`)).tensors;
  const wih = sd.get('rnn.weight_ih_l0')!, whh = sd.get('rnn.weight_hh_l0')!;
  const bih = sd.get('rnn.bias_ih_l0')!.data, bhh = sd.get('rnn.bias_hh_l0')!.data;
  const H = whh.shape[1]!, D = wih.shape[1]!;
  const gates = kind === 'gru' ? ['r', 'z', 'n'] : ['i', 'f', 'g', 'o'];
  const t: Record<string, TensorToWrite> = {};
  const vec = (f: (i: number) => number): TensorToWrite => ({ data: Float64Array.from({ length: H }, (_, i) => f(i)), shape: [H] });
  gates.forEach((g, k) => {
    t[`params/cell/i${g}/kernel`] = flaxKernel(wih.data, D, k, H);
    t[`params/cell/h${g}/kernel`] = flaxKernel(whh.data, H, k, H);
    if (kind === 'gru') {
      // Flax folds b_hr, b_hz into the input-side biases; b_hn stays on hn
      t[`params/cell/i${g}/bias`] = vec((i) => bih[k * H + i]! + (g === 'n' ? 0 : bhh[k * H + i]!));
      if (g === 'n') t['params/cell/hn/bias'] = vec((i) => bhh[k * H + i]!);
    } else {
      t[`params/cell/h${g}/bias`] = vec((i) => bih[k * H + i]! + bhh[k * H + i]!);
    }
  });
  return t;
}

describe('flax.linen parameter trees', () => {
  for (const [name, kind] of [['gru-l1-bias', 'gru'], ['lstm-l1-bias', 'lstm']] as const) {
    it(`${kind.toUpperCase()}Cell tree → PyTorch's trajectory within 1e-12`, () => {
      const bytes = writeSafetensors(flaxTree(name, kind));
      const d = modelDataFromBytes(bytes, 'safetensors', 'flax.safetensors');
      expect(d.spec.cell).toBe(kind === 'gru' ? 'torch-gru' : 'torch-lstm');
      const m = readModelFile(join(FIX, `torch-${name}.safetensors`));
      const ref = REF[name]!;
      const fm = createModel(d.spec, d.params);
      const tr = rollout(fm, Float64Array.from(ref.X), { B: ref.B, T: ref.T });
      let err = 0;
      for (let i = 0; i < ref.H.length; i++) err = Math.max(err, Math.abs(tr.H[i]! - ref.H[i]!));
      expect(err).toBeLessThanOrEqual(1e-12);
      expect(fm.layout.cellSize).toBe(m.layout.cellSize);
    });
  }
  it('a missing gate kernel is named', () => {
    const t = flaxTree('gru-l1-bias', 'gru');
    delete t['params/cell/hz/kernel'];
    expect(message(() => modelDataFromBytes(writeSafetensors(t), 'safetensors', 'f.st'))).toBe("f.st: Flax gru cell: 'params/cell/hz/kernel' missing");
  });
});

describe('.npz state dicts', () => {
  it('np.savez_compressed(**state_dict) reads as the same model as the safetensors file', () => {
    const a = readModelFile(join(FIX, 'torch-gru-l1-bias.npz'));
    const b = readModelFile(join(FIX, 'torch-gru-l1-bias.safetensors'));
    expect(a.spec).toEqual(b.spec);
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
  });
});
