import { describe, expect, it } from 'vitest';
import { inputErrorMessage } from './helpers.js';
import { join } from 'node:path';
import { readModelFile } from '../../src/io/model-json.js';
import { modelDataFromTorch, modelDataToTorch, READOUT_NAMES } from '../../src/io/torch.js';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '../../src/io/safetensors.js';
import { readInputsFile } from '../../src/io/inputs.js';
import { readNpyFile } from '../../src/io/npy.js';
import { modelDataFromBytes } from '../../src/io/model-file.js';
import { createModel, defineSpec, randomModel, rollout } from '../../src/models/index.js';
import { InputError } from '../../src/errors.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');

const message = inputErrorMessage;

/** A state dict as safetensors content (via real bytes, so the reader is exercised too). */
function dict(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>) {
  return readSafetensors(writeSafetensors(tensors, metadata));
}
const t = (shape: number[], f: (i: number) => number = (i) => 0.1 * (i + 1)): TensorToWrite => ({
  shape,
  data: Float64Array.from({ length: shape.reduce((p, s) => p * s, 1) }, (_, i) => f(i)),
});
const rnn = (N: number, D: number, prefix = '') => ({
  [`${prefix}weight_ih_l0`]: t([N, D]),
  [`${prefix}weight_hh_l0`]: t([N, N], (i) => -0.05 * i),
  [`${prefix}bias_ih_l0`]: t([N], (i) => i),
  [`${prefix}bias_hh_l0`]: t([N], (i) => 10 * i),
});

describe('PyTorch nn.RNN state dicts', () => {
  it('a model from the PyTorch-layout fixture gives the same trajectory as the JSON model with the same numbers', () => {
    const fromTorch = readModelFile(join(FIX, 'torch-rnn.safetensors'));
    const fromJson = readModelFile(join(FIX, 'torch-rnn-equivalent.json'));
    expect(fromTorch.spec).toEqual(fromJson.spec);
    expect(fromTorch.spec).toEqual({ cell: 'vanilla', activation: 'tanh', hiddenSize: 3, inputSize: 2, outputSize: 1, alpha: 1 });
    expect(Array.from(fromTorch.params)).toEqual(Array.from(fromJson.params));
    const inp = readInputsFile(join(FIX, 'inputs-2x5x2.npy'), 2);
    expect([inp.B, inp.T, inp.D]).toEqual([2, 5, 2]);
    const a = rollout(fromTorch, inp.X, { B: inp.B, T: inp.T });
    const b = rollout(fromJson, inp.X, { B: inp.B, T: inp.T });
    expect(Array.from(a.H)).toEqual(Array.from(b.H));
    // and NumPy's float64 trajectory of the same RNN (tanh implementations may differ in the last ulp)
    const ref = readNpyFile(join(FIX, 'torch-rnn-trajectory.npy'));
    expect(ref.shape).toEqual([2, 5, 3]);
    for (let i = 0; i < ref.data.length; i++) expect(Math.abs(a.H[i]! - ref.data[i]!)).toBeLessThan(1e-14);
  });
  it('an nn.GRU state dict gives the trajectory of PyTorch\'s GRU equations (torch-gru cell)', () => {
    const m = readModelFile(join(FIX, 'torch-gru.safetensors'));
    expect(m.spec).toEqual({ cell: 'torch-gru', activation: 'tanh', hiddenSize: 3, inputSize: 2, outputSize: 0, alpha: 1 });
    const inp = readInputsFile(join(FIX, 'inputs-2x5x2.npy'), 2);
    const a = rollout(m, inp.X, { B: inp.B, T: inp.T });
    const ref = readNpyFile(join(FIX, 'torch-gru-trajectory.npy'));
    let maxErr = 0;
    for (let i = 0; i < ref.data.length; i++) maxErr = Math.max(maxErr, Math.abs(a.H[i]! - ref.data[i]!));
    expect(maxErr).toBeLessThan(1e-13);
    // export back to the nn.GRU layout and read again: bit-identical
    const tt = modelDataToTorch({ spec: m.spec, params: m.params });
    expect(tt.tensors.map(([k, v]) => `${k}:${v.shape.join('x')}`)).toEqual(['weight_ih_l0:9x2', 'weight_hh_l0:9x3', 'bias_ih_l0:9', 'bias_hh_l0:9']);
    const back = modelDataFromTorch(readSafetensors(writeSafetensors(tt.tensors, tt.metadata)), 's');
    expect(Buffer.from(back.params.buffer).equals(Buffer.from(m.params.buffer))).toBe(true);
  });
  it('an nn.GRU with a nonzero b_hn keeps it (both bias vectors are parameter blocks)', () => {
    const N = 2;
    const sd = { weight_ih_l0: t([3 * N, 1]), weight_hh_l0: t([3 * N, N]), bias_ih_l0: t([3 * N]), bias_hh_l0: t([3 * N], (i) => (i === 5 ? 0.5 : 0)) };
    const d = modelDataFromTorch(dict(sd), 'g.st');
    expect(d.spec.cell).toBe('torch-gru');
    expect(Array.from(d.params.subarray(d.params.length - 3 * N))).toEqual([0, 0, 0, 0, 0, 0.5]);
  });
  it('sntk\'s one-bias GRU exports as an nn.GRU with b_hh = 0 that reads back with the same trajectory', () => {
    const g = randomModel(defineSpec({ cell: 'gru', hiddenSize: 3, inputSize: 2 }), 3, { biasScale: 0.5 });
    const tt = modelDataToTorch({ spec: g.spec, params: g.params });
    const back = createModel(modelDataFromTorch(readSafetensors(writeSafetensors(tt.tensors, tt.metadata)), 's').spec, modelDataFromTorch(readSafetensors(writeSafetensors(tt.tensors, tt.metadata)), 's').params);
    const X = Float64Array.from({ length: 2 * 5 * 2 }, (_, i) => Math.sin(i));
    const a = rollout(g, X, { B: 2, T: 5 }), b = rollout(back, X, { B: 2, T: 5 });
    let err = 0;
    for (let i = 0; i < a.H.length; i++) err = Math.max(err, Math.abs(a.H[i]! - b.H[i]!));
    expect(err).toBeLessThan(1e-15);
  });
  it('sums the two biases, maps ih → U and hh → W, accepts a prefix', () => {
    const d = modelDataFromTorch(dict(rnn(2, 3, 'rnn.')), 's');
    expect(d.spec).toMatchObject({ cell: 'vanilla', hiddenSize: 2, inputSize: 3, outputSize: 0, activation: 'tanh' });
    expect(Array.from(d.params.subarray(0, 4))).toEqual([-0, -0.05, -0.1, -0.15000000000000002]);
    expect(Array.from(d.params.subarray(4, 10))).toEqual(Array.from(t([2, 3]).data as Float64Array));
    expect(Array.from(d.params.subarray(10))).toEqual([0, 11]);
  });
  it('bias=False (no biases) gives b = 0', () => {
    const d = modelDataFromTorch(dict({ weight_ih_l0: t([2, 1]), weight_hh_l0: t([2, 2]) }), 's');
    expect(Array.from(d.params.subarray(6))).toEqual([0, 0]);
  });
  it('nonlinearity: metadata, option (wins), default tanh, invalid', () => {
    expect(modelDataFromTorch(dict(rnn(2, 1), { nonlinearity: 'relu' }), 's').spec.activation).toBe('relu');
    expect(modelDataFromTorch(dict(rnn(2, 1), { nonlinearity: 'relu' }), 's', { nonlinearity: 'tanh' }).spec.activation).toBe('tanh');
    expect(modelDataFromTorch(dict(rnn(2, 1)), 's').spec.activation).toBe('tanh');
    expect(message(() => modelDataFromTorch(dict(rnn(2, 1), { nonlinearity: 'gelu' }), 's'))).toBe("s: nonlinearity 'gelu' is not one of nn.RNN's (tanh, relu)");
  });
  it('readout from fc.* / readout.* (with or without the RNN prefix)', () => {
    for (const name of ['fc', 'readout', 'rnn.fc']) {
      const d = modelDataFromTorch(dict({ ...rnn(3, 2, 'rnn.'), [`${name}.weight`]: t([2, 3]), [`${name}.bias`]: t([2], (i) => -i) }), 's');
      expect(d.spec.outputSize).toBe(2);
      expect(Array.from(d.params.subarray(d.params.length - 2))).toEqual([-0, -1]);
    }
    expect(READOUT_NAMES).toContain('fc');
    expect(READOUT_NAMES).toContain('readout');
    expect(message(() => modelDataFromTorch(dict({ ...rnn(3, 2), 'fc.weight': t([2, 4]) }), 's'))).toBe(
      "s: tensor 'fc.weight' has shape (2, 4), expected ?×3 (out_features × hidden_size)",
    );
  });
  it('multi-layer, bidirectional, GRU, LSTM, extra tensors, bad shapes are named', () => {
    expect(message(() => modelDataFromTorch(dict({ ...rnn(2, 1), weight_ih_l1: t([2, 2]), weight_hh_l1: t([2, 2]) }), 's'))).toBe(
      "s: tensor 'bias_ih_l1' missing (the other layers have biases: bias=True needs bias_ih and bias_hh in every layer)",
    );
    expect(modelDataFromTorch(dict({ ...rnn(2, 1), weight_ih_l1: t([2, 2]), weight_hh_l1: t([2, 2]), bias_ih_l1: t([2]), bias_hh_l1: t([2]) }), 's').spec).toMatchObject({ cell: 'torch-rnn', numLayers: 2 });
    expect(message(() => modelDataFromTorch(dict({ ...rnn(2, 1), weight_ih_l0_reverse: t([2, 1]) }), 's'))).toBe(
      "s: bidirectional modules are not supported (found 'weight_ih_l0_reverse'); use bidirectional=False",
    );
    expect(modelDataFromTorch(dict({ weight_ih_l0: t([8, 1]), weight_hh_l0: t([8, 2]) }), 's').spec).toMatchObject({ cell: 'torch-lstm', hiddenSize: 2, bias: false });
    expect(message(() => modelDataFromTorch(dict({ ...rnn(2, 1), 'encoder.weight': t([1]) }), 's'))).toMatch(/^s: unexpected tensor 'encoder\.weight'; sntk reads one nn\.RNN/);
    expect(message(() => modelDataFromTorch(dict({ ...rnn(2, 1), bias_hh_l0: t([3]) }), 's'))).toBe(
      "s: tensor 'bias_hh_l0' has shape (3,), expected (2,) (hidden_size)",
    );
    expect(message(() => modelDataFromBytes(writeSafetensors({ x: t([1]) }), 'safetensors', 'q.safetensors'))).toMatch(
      /^q\.safetensors: neither an sntk model .* nor a PyTorch nn\.RNN\/nn\.GRU\/nn\.LSTM state dict \(weight_hh_l0\) nor a flax\.linen cell .*; tensors: x$/,
    );
  });
  it('export to the PyTorch layout reads back to the same model (b in bias_ih, zeros in bias_hh)', () => {
    for (const activation of ['tanh', 'relu'] as const) {
      const m = randomModel(defineSpec({ cell: 'vanilla', activation, hiddenSize: 4, inputSize: 3, outputSize: 2 }), 11);
      const tt = modelDataToTorch({ spec: m.spec, params: m.params });
      expect(tt.tensors.map(([k, v]) => `${k}:${v.shape.join('x')}`)).toEqual([
        'weight_ih_l0:4x3', 'weight_hh_l0:4x4', 'bias_ih_l0:4', 'bias_hh_l0:4', 'fc.weight:2x4', 'fc.bias:2',
      ]);
      const back = modelDataFromTorch(readSafetensors(writeSafetensors(tt.tensors, tt.metadata)), 's');
      expect(back.spec).toEqual(m.spec);
      expect(Buffer.from(back.params.buffer).equals(Buffer.from(m.params.buffer))).toBe(true);
    }
    const leaky = createModel(defineSpec({ cell: 'leaky', hiddenSize: 2, inputSize: 1, alpha: 0.5 }));
    expect(message(() => modelDataToTorch(leaky))).toMatch(/a leaky cell with tanh has no PyTorch equivalent/);
  });
});
