/**
 * PyTorch `nn.RNN` state dicts saved as safetensors ↔ sntk models (vanilla cell, tanh or relu).
 *
 * PyTorch's single-layer `nn.RNN` computes `h' = φ(W_ih x + b_ih + W_hh h + b_hh)`, so
 * `weight_hh_l0` (N×N) → `W`, `weight_ih_l0` (N×D) → `U`, `bias_ih_l0 + bias_hh_l0` → `b`
 * (summed; a missing bias counts as zero, `bias=False`). All RNN keys may share one prefix
 * (`rnn.weight_ih_l0` when saved from a module holding `self.rnn`). The nonlinearity comes from
 * the `nonlinearity` option, else `__metadata__.nonlinearity`, else tanh.
 *
 * Optional readout (an `nn.Linear(N, O)`): `<name>.weight` (O×N) → `C` and `<name>.bias` (O) → `d`
 * for `<name>` one of {@link READOUT_NAMES}, with the same prefix as the RNN keys or none.
 * `nn.GRU` state dicts (`weight_hh_l0` of 3N×N, gates stacked r, z, n) become sntk's GRU with
 * `br = b_ir + b_hr`, `bz = b_iz + b_hz`, `bn = b_in`, which is exact only when `b_hn = 0`
 * (sntk's GRU has one bias per gate); a nonzero `b_hn` is refused, naming the entry.
 * Multi-layer (`*_l1`, …), bidirectional (`*_reverse`), LSTM-shaped weights and any other
 * tensor are rejected with an `InputError` naming the key.
 */
import { InputError } from '../errors.js';
import type { ModelSpec } from '../models/types.js';
import { createLayout } from '../models/layout.js';
import type { ModelData } from './model-doc.js';
import { fmtShape } from './bytes.js';
import type { SafetensorsContent, SafeTensor, TensorToWrite } from './safetensors.js';

/** Module names accepted for the readout `nn.Linear` (`fc.weight`, `readout.weight`, …). */
export const READOUT_NAMES = ['fc', 'readout', 'linear', 'out', 'output', 'head', 'decoder'] as const;

/** Nonlinearities of `nn.RNN`. */
export type TorchNonlinearity = 'tanh' | 'relu';

/** Options of `modelDataFromTorch`. */
export interface TorchLoadOptions {
  /** Overrides `__metadata__.nonlinearity` (default tanh). */
  nonlinearity?: TorchNonlinearity;
}

/** True when the file holds `weight_hh_l0` under some prefix (a PyTorch RNN state dict). */
export function isTorchStateDict(content: SafetensorsContent): boolean {
  for (const k of content.tensors.keys()) if (k.endsWith('weight_hh_l0')) return true;
  return false;
}

function need2d(t: SafeTensor, key: string, source: string, rows: number | null, cols: number | null, what: string): void {
  const ok = t.shape.length === 2 && (rows === null || t.shape[0] === rows) && (cols === null || t.shape[1] === cols);
  if (!ok) {
    const exp = `${rows ?? '?'}×${cols ?? '?'}`;
    throw new InputError(`${source}: tensor '${key}' has shape ${fmtShape(t.shape)}, expected ${exp} (${what})`);
  }
}

function need1d(t: SafeTensor, key: string, source: string, n: number, what: string): void {
  if (t.shape.length !== 1 || t.shape[0] !== n) {
    throw new InputError(`${source}: tensor '${key}' has shape ${fmtShape(t.shape)}, expected (${n},) (${what})`);
  }
}

/**
 * Builds an sntk vanilla (or GRU) model (spec + flat params) from a PyTorch `nn.RNN`/`nn.GRU` (+
 * optional Linear readout) state dict. Throws `InputError` naming the offending key for multi-layer,
 * bidirectional, GRU/LSTM, wrongly shaped, non-finite or unexpected tensors. Cost O(P).
 */
export function modelDataFromTorch(content: SafetensorsContent, source: string, opts: TorchLoadOptions = {}): ModelData {
  const keys = [...content.tensors.keys()];
  const hhKeys = keys.filter((k) => k.endsWith('weight_hh_l0'));
  if (hhKeys.length === 0) throw new InputError(`${source}: no 'weight_hh_l0' tensor: not a PyTorch nn.RNN state dict (found ${keys.join(', ') || 'no tensors'})`);
  if (hhKeys.length > 1) throw new InputError(`${source}: several RNNs in one file (${hhKeys.join(', ')}); save the state dict of one nn.RNN`);
  const prefix = hhKeys[0]!.slice(0, -'weight_hh_l0'.length);
  for (const k of keys) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    if (/_reverse$/.test(rest)) {
      throw new InputError(`${source}: bidirectional nn.RNN is not supported (found '${k}'); use bidirectional=False`);
    }
    if (/^(weight|bias)_(ih|hh|hr)_l[1-9][0-9]*$/.test(rest)) {
      throw new InputError(`${source}: multi-layer nn.RNN is not supported (found '${k}'); sntk analyses one layer (num_layers=1)`);
    }
  }
  const get = (name: string) => content.tensors.get(prefix + name);
  const hh = get('weight_hh_l0')!;
  const ih = get('weight_ih_l0');
  if (!ih) throw new InputError(`${source}: '${prefix}weight_hh_l0' present but '${prefix}weight_ih_l0' missing`);
  if (hh.shape.length !== 2) throw new InputError(`${source}: tensor '${prefix}weight_hh_l0' has shape ${fmtShape(hh.shape)}, expected N×N`);
  const [r, N] = hh.shape as [number, number];
  if (N < 1) throw new InputError(`${source}: tensor '${prefix}weight_hh_l0' has shape ${fmtShape(hh.shape)}: a model needs hidden_size ≥ 1`);
  const isGru = r === 3 * N && r !== N;
  if (r === 4 * N && r !== N) throw new InputError(`${source}: '${prefix}weight_hh_l0' is ${r}×${N}: this is an nn.LSTM state dict; sntk reads nn.RNN only`);
  const G = isGru ? 3 : 1;
  const gs = isGru ? '3·hidden_size' : 'hidden_size';
  need2d(hh, prefix + 'weight_hh_l0', source, G * N, N, `${gs} × hidden_size`);
  need2d(ih, prefix + 'weight_ih_l0', source, G * N, null, `${gs} × input_size`);
  const D = ih.shape[1]!;
  const bih = get('bias_ih_l0');
  const bhh = get('bias_hh_l0');
  if (bih) need1d(bih, prefix + 'bias_ih_l0', source, G * N, gs);
  if (bhh) need1d(bhh, prefix + 'bias_hh_l0', source, G * N, gs);

  const used = new Set(['weight_hh_l0', 'weight_ih_l0', 'bias_ih_l0', 'bias_hh_l0'].map((n) => prefix + n));
  const readouts: string[] = [];
  for (const name of READOUT_NAMES) {
    for (const p of new Set([prefix, ''])) {
      if (content.tensors.has(`${p}${name}.weight`)) readouts.push(`${p}${name}`);
    }
  }
  if (readouts.length > 1) throw new InputError(`${source}: several readout candidates (${readouts.map((x) => x + '.weight').join(', ')}); keep one`);
  let C: SafeTensor | undefined;
  let d: SafeTensor | undefined;
  if (readouts.length === 1) {
    const ro = readouts[0]!;
    C = content.tensors.get(`${ro}.weight`)!;
    d = content.tensors.get(`${ro}.bias`);
    need2d(C, `${ro}.weight`, source, null, N, 'out_features × hidden_size');
    if (d) need1d(d, `${ro}.bias`, source, C.shape[0]!, 'out_features');
    used.add(`${ro}.weight`);
    used.add(`${ro}.bias`);
  }
  const extra = keys.filter((k) => !used.has(k));
  if (extra.length > 0) {
    throw new InputError(
      `${source}: unexpected tensor${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')}; sntk reads one nn.RNN ` +
        `(weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0) and an optional Linear readout named ${READOUT_NAMES.join(', ')}`,
    );
  }
  let nl = opts.nonlinearity ?? content.metadata['nonlinearity'] ?? 'tanh';
  if (isGru) {
    if (opts.nonlinearity === 'relu') throw new InputError(`${source}: nn.GRU always uses tanh; --nonlinearity relu does not apply`);
    nl = 'tanh';
  }
  if (nl !== 'tanh' && nl !== 'relu') throw new InputError(`${source}: nonlinearity '${nl}' is not one of nn.RNN's (tanh, relu)`);
  const O = C ? C.shape[0]! : 0;
  const spec: ModelSpec = { cell: isGru ? 'gru' : 'vanilla', activation: nl, hiddenSize: N, inputSize: D, outputSize: O, alpha: 1 };
  const layout = createLayout(spec);
  const params = new Float64Array(layout.size);
  const put = (name: string, src: Float64Array) => params.set(src, layout.blocks.find((b) => b.name === name)!.offset);
  // Summed biases per gate row; for a GRU the n-gate's hidden bias b_hn sits inside r ⊙ (W_hn h + b_hn)
  // and cannot be folded into sntk's one-bias-per-gate GRU, so it must be zero.
  const b = new Float64Array(G * N);
  for (let i = 0; i < G * N; i++) {
    const hb = bhh ? bhh.data[i]! : 0;
    if (isGru && i >= 2 * N && hb !== 0) {
      throw new InputError(
        `${source}: nn.GRU '${prefix}bias_hh_l0'[${i}] (b_hn, entry ${i - 2 * N} of the n gate) is ${hb}, not 0: sntk's GRU has one bias per gate ` +
          `(n = tanh(W_in x + b_n + r ⊙ (W_hn h))), so b_hn must be zero (train with it frozen at 0, or fold it approximately yourself)`,
      );
    }
    b[i] = (bih ? bih.data[i]! : 0) + hb;
  }
  if (isGru) {
    const NN = N * N;
    const ND = N * D;
    ['Wr', 'Wz', 'Wn'].forEach((name, g) => put(name, hh.data.subarray(g * NN, (g + 1) * NN)));
    ['Ur', 'Uz', 'Un'].forEach((name, g) => put(name, ih.data.subarray(g * ND, (g + 1) * ND)));
    ['br', 'bz', 'bn'].forEach((name, g) => put(name, b.subarray(g * N, (g + 1) * N)));
  } else {
    put('W', hh.data);
    put('U', ih.data);
    put('b', b);
  }
  if (C) {
    put('C', C.data);
    if (d) put('d', d.data);
  }
  for (let i = 0; i < params.length; i++) {
    if (!Number.isFinite(params[i]!)) {
      const blk = layout.blocks.find((bk) => i >= bk.offset && i < bk.offset + bk.rows * bk.cols)!;
      throw new InputError(`${source}: non-finite weight ${params[i]} in ${blk.name} (entry ${i - blk.offset}) of the state dict`);
    }
  }
  return { spec, params };
}

/** True for the models PyTorch can hold: vanilla with tanh/relu (nn.RNN) and GRU with tanh (nn.GRU). */
export function hasTorchEquivalent(spec: ModelSpec): boolean {
  if (spec.cell === 'vanilla') return spec.activation === 'tanh' || spec.activation === 'relu';
  return spec.cell === 'gru' && spec.activation === 'tanh';
}

/**
 * The PyTorch layout of a vanilla tanh/relu model (nn.GRU: gates stacked r, z, n; biases in
 * `bias_ih_l0`, `bias_hh_l0` = 0): `weight_ih_l0` (U), `weight_hh_l0` (W),
 * `bias_ih_l0` (b), `bias_hh_l0` (zeros), and `fc.weight`/`fc.bias` when it has a readout, with
 * `__metadata__` `{nonlinearity, hidden_size, input_size, output_size}`. Loadable by
 * `nn.RNN(D, N, nonlinearity=…, batch_first=…)` via `load_state_dict`. Throws `InputError` for
 * other cells or activations. Cost O(P).
 */
export function modelDataToTorch(data: ModelData): { tensors: [string, TensorToWrite][]; metadata: Record<string, string> } {
  const { spec, params } = data;
  if (!hasTorchEquivalent(spec)) {
    throw new InputError(
      `a ${spec.cell} cell with ${spec.activation} has no PyTorch equivalent (nn.RNN is the vanilla cell with tanh or relu, nn.GRU the gru cell with tanh); use the sntk layout`,
    );
  }
  const layout = createLayout(spec);
  const blk = (name: string) => {
    const b = layout.blocks.find((x) => x.name === name)!;
    return params.subarray(b.offset, b.offset + b.rows * b.cols);
  };
  const N = spec.hiddenSize;
  const D = spec.inputSize;
  const gru = spec.cell === 'gru';
  const G = gru ? 3 : 1;
  const stack = (names: string[]) => {
    const parts = names.map(blk);
    const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  const tensors: [string, TensorToWrite][] = [
    ['weight_ih_l0', { data: gru ? stack(['Ur', 'Uz', 'Un']) : blk('U'), shape: [G * N, D] }],
    ['weight_hh_l0', { data: gru ? stack(['Wr', 'Wz', 'Wn']) : blk('W'), shape: [G * N, N] }],
    ['bias_ih_l0', { data: gru ? stack(['br', 'bz', 'bn']) : blk('b'), shape: [G * N] }],
    ['bias_hh_l0', { data: new Float64Array(G * N), shape: [G * N] }],
  ];
  if (spec.outputSize > 0) {
    tensors.push(['fc.weight', { data: blk('C'), shape: [spec.outputSize, N] }]);
    tensors.push(['fc.bias', { data: blk('d'), shape: [spec.outputSize] }]);
  }
  const metadata = {
    nonlinearity: spec.activation,
    hidden_size: String(N),
    input_size: String(D),
    output_size: String(spec.outputSize),
  };
  return { tensors, metadata };
}
