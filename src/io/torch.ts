/**
 * PyTorch `nn.RNN`, `nn.GRU` and `nn.LSTM` state dicts saved as safetensors ↔ sntk models
 * (docs/interop.md). The parameter convention, in one place:
 *
 * - `nn.RNN` with `num_layers = 1` → sntk's vanilla cell `h' = φ(W h + U x + b)`:
 *   `weight_hh_l0` → `W`, `weight_ih_l0` → `U`, `bias_ih_l0 + bias_hh_l0` → `b` (the two biases
 *   are summed: they enter only as a sum, and the sNTK counts that sum once).
 * - `nn.RNN` with `num_layers > 1`, every `nn.GRU`, every `nn.LSTM` → the PyTorch cells
 *   `torch-rnn`, `torch-gru`, `torch-lstm` (models/cell-torch.ts) with PyTorch's own tensors as
 *   parameter blocks, same names, same order (`weight_ih_l{l}`, `weight_hh_l{l}`, `bias_ih_l{l}`,
 *   `bias_hh_l{l}` per layer): both bias vectors are kept, so the sNTK is the one PyTorch autograd
 *   gives over `module.parameters()`. `bias=False` (no bias tensors) gives a cell without biases.
 * - The kind comes from `weight_hh_l0`'s rows: H (RNN), 3H (GRU, gates r, z, n), 4H (LSTM, gates
 *   i, f, g, o). The state of an LSTM layer is `[h; c]`; layers are stacked bottom first.
 *
 * All module keys may share one prefix (`rnn.weight_ih_l0` when saved from a module holding
 * `self.rnn`). The RNN nonlinearity comes from the `nonlinearity` option, else
 * `__metadata__.nonlinearity`, else tanh. Optional readout (an `nn.Linear(H, O)` on the top
 * layer's h): `<name>.weight` → `C`, `<name>.bias` → `d` for `<name>` in {@link READOUT_NAMES},
 * with the module's prefix or none. Bidirectional modules (`*_reverse`), LSTM projections
 * (`weight_hr_l*`) and any other tensor are refused with an `InputError` naming the key.
 */
import { InputError } from '../errors.js';
import type { ModelSpec } from '../models/types.js';
import { createLayout } from '../models/layout.js';
import { isTorchCell } from '../models/spec.js';
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

/** The PyTorch module kind of a G (gates per unit). */
function kindOfGates(G: number): 'RNN' | 'GRU' | 'LSTM' {
  return G === 1 ? 'RNN' : G === 3 ? 'GRU' : 'LSTM';
}

/**
 * Builds an sntk model (spec + flat params) from a PyTorch `nn.RNN`/`nn.GRU`/`nn.LSTM` (+ optional
 * Linear readout) state dict, any `num_layers`, with or without biases (see the file comment).
 * Throws `InputError` naming the offending tensor for missing or mismatched gate blocks, layer
 * sizes that do not chain, partial biases, bidirectional or projected modules, non-finite or
 * unexpected tensors. Cost O(P).
 */
export function modelDataFromTorch(content: SafetensorsContent, source: string, opts: TorchLoadOptions = {}): ModelData {
  const keys = [...content.tensors.keys()];
  const hhKeys = keys.filter((k) => k.endsWith('weight_hh_l0'));
  if (hhKeys.length === 0) throw new InputError(`${source}: no 'weight_hh_l0' tensor: not a PyTorch nn.RNN/nn.GRU/nn.LSTM state dict (found ${keys.join(', ') || 'no tensors'})`);
  if (hhKeys.length > 1) throw new InputError(`${source}: several recurrent modules in one file (${hhKeys.join(', ')}); save the state dict of one`);
  const prefix = hhKeys[0]!.slice(0, -'weight_hh_l0'.length);
  let L = 0;
  for (const k of keys) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    if (/_reverse$/.test(rest)) {
      throw new InputError(`${source}: bidirectional modules are not supported (found '${k}'); use bidirectional=False`);
    }
    if (/^weight_hr_l[0-9]+$/.test(rest)) throw new InputError(`${source}: LSTM projections (proj_size > 0) are not supported (found '${k}')`);
    const m = /^(?:weight|bias)_(?:ih|hh)_l([0-9]+)$/.exec(rest);
    if (m) L = Math.max(L, Number(m[1]) + 1);
  }
  const get = (name: string) => content.tensors.get(prefix + name);
  const hh0 = get('weight_hh_l0')!;
  if (hh0.shape.length !== 2) throw new InputError(`${source}: tensor '${prefix}weight_hh_l0' has shape ${fmtShape(hh0.shape)}, expected (G·hidden_size, hidden_size)`);
  const [rows0, H] = hh0.shape as [number, number];
  if (H < 1) throw new InputError(`${source}: tensor '${prefix}weight_hh_l0' has shape ${fmtShape(hh0.shape)}: a model needs hidden_size ≥ 1`);
  const G = rows0 / H;
  if (![1, 3, 4].includes(G)) {
    throw new InputError(
      `${source}: tensor '${prefix}weight_hh_l0' has shape ${fmtShape(hh0.shape)}: its rows must be hidden_size (nn.RNN), 3·hidden_size (nn.GRU: r, z, n) or 4·hidden_size (nn.LSTM: i, f, g, o)`,
    );
  }
  const kind = kindOfGates(G);
  const gs = G === 1 ? 'hidden_size' : `${G}·hidden_size`;
  const gateNote = G === 1 ? '' : kind === 'GRU' ? ', gate blocks r, z, n' : ', gate blocks i, f, g, o';
  const ih0 = get('weight_ih_l0');
  if (!ih0) throw new InputError(`${source}: '${prefix}weight_hh_l0' present but '${prefix}weight_ih_l0' missing`);
  if (ih0.shape.length === 2 && ih0.shape[0] !== G * H && ih0.shape[0]! % H === 0) {
    throw new InputError(
      `${source}: tensor '${prefix}weight_ih_l0' has ${ih0.shape[0]} rows but '${prefix}weight_hh_l0' has ${rows0} (${G} gate block${G > 1 ? 's' : ''} of hidden_size ${H}): ` +
        `the gate blocks do not match (nn.RNN 1, nn.GRU 3, nn.LSTM 4 blocks); is a gate block missing?`,
    );
  }
  need2d(ih0, prefix + 'weight_ih_l0', source, G * H, null, `${gs} × input_size${gateNote}`);
  const D = ih0.shape[1]!;
  const hasBias = get('bias_ih_l0') !== undefined || get('bias_hh_l0') !== undefined;
  const used = new Set<string>();
  const layerTensors: Float64Array[] = [];
  for (let l = 0; l < L; l++) {
    const din = l === 0 ? D : H;
    const names = [`weight_ih_l${l}`, `weight_hh_l${l}`, ...(hasBias ? [`bias_ih_l${l}`, `bias_hh_l${l}`] : [])];
    for (const n of names) {
      const tns = get(n);
      if (!tns) {
        const why = n.startsWith('bias') ? ` (the other layers have biases: bias=True needs bias_ih and bias_hh in every layer)` : ` (layer ${l} of ${L})`;
        throw new InputError(`${source}: tensor '${prefix}${n}' missing${why}`);
      }
      if (n.startsWith('weight_ih')) {
        need2d(tns, prefix + n, source, G * H, din, `${gs} × ${l === 0 ? 'input_size' : `hidden_size (layer ${l} reads layer ${l - 1}'s h)`}${gateNote}`);
      } else if (n.startsWith('weight_hh')) need2d(tns, prefix + n, source, G * H, H, `${gs} × hidden_size${gateNote}`);
      else need1d(tns, prefix + n, source, G * H, gs + gateNote);
      used.add(prefix + n);
      layerTensors.push(tns.data);
    }
  }
  if (!hasBias) {
    for (let l = 1; l < L; l++) {
      for (const n of [`bias_ih_l${l}`, `bias_hh_l${l}`]) if (get(n)) throw new InputError(`${source}: tensor '${prefix}${n}' present but layer 0 has no biases`);
    }
  }

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
    need2d(C, `${ro}.weight`, source, null, H, 'out_features × hidden_size');
    if (d) need1d(d, `${ro}.bias`, source, C.shape[0]!, 'out_features');
    used.add(`${ro}.weight`);
    used.add(`${ro}.bias`);
  }
  const extra = keys.filter((k) => !used.has(k));
  if (extra.length > 0) {
    throw new InputError(
      `${source}: unexpected tensor${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')}; sntk reads one nn.${kind} ` +
        `(weight_ih_l*, weight_hh_l*, bias_ih_l*, bias_hh_l*) and an optional Linear readout named ${READOUT_NAMES.join(', ')}`,
    );
  }
  let nl = opts.nonlinearity ?? content.metadata['nonlinearity'] ?? 'tanh';
  if (kind !== 'RNN') {
    if (opts.nonlinearity === 'relu') throw new InputError(`${source}: nn.${kind} always uses tanh; --nonlinearity relu does not apply`);
    nl = 'tanh';
  }
  if (nl !== 'tanh' && nl !== 'relu') throw new InputError(`${source}: nonlinearity '${nl}' is not one of nn.RNN's (tanh, relu)`);
  const O = C ? C.shape[0]! : 0;
  const legacyVanilla = kind === 'RNN' && L === 1;
  const spec: ModelSpec = legacyVanilla
    ? { cell: 'vanilla', activation: nl, hiddenSize: H, inputSize: D, outputSize: O, alpha: 1 }
    : {
        cell: kind === 'RNN' ? 'torch-rnn' : kind === 'GRU' ? 'torch-gru' : 'torch-lstm',
        activation: nl,
        hiddenSize: H,
        inputSize: D,
        outputSize: O,
        alpha: 1,
        ...(L > 1 ? { numLayers: L } : {}),
        ...(hasBias ? {} : { bias: false }),
      };
  const layout = createLayout(spec);
  const params = new Float64Array(layout.size);
  const put = (name: string, src: Float64Array) => params.set(src, layout.blocks.find((b) => b.name === name)!.offset);
  if (legacyVanilla) {
    const bih = get('bias_ih_l0'), bhh = get('bias_hh_l0');
    const b = new Float64Array(H);
    for (let i = 0; i < H; i++) b[i] = (bih ? bih.data[i]! : 0) + (bhh ? bhh.data[i]! : 0);
    put('W', get('weight_hh_l0')!.data);
    put('U', ih0.data);
    put('b', b);
  } else {
    // the PyTorch cells' blocks are the state dict's tensors, in the same order
    let o = 0;
    for (const t of layerTensors) {
      params.set(t, o);
      o += t.length;
    }
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

/** True for the models PyTorch can hold: vanilla with tanh/relu (nn.RNN), GRU with tanh (nn.GRU, b_hn = 0) and the PyTorch cells. */
export function hasTorchEquivalent(spec: ModelSpec): boolean {
  if (isTorchCell(spec.cell)) return true;
  if (spec.cell === 'vanilla') return spec.activation === 'tanh' || spec.activation === 'relu';
  return spec.cell === 'gru' && spec.activation === 'tanh';
}

/**
 * The PyTorch state dict of a model: the PyTorch cells write their blocks under their own
 * (PyTorch) names; a vanilla tanh/relu model is an `nn.RNN` (`bias_ih_l0` = b, `bias_hh_l0` = 0);
 * sntk's one-bias GRU is an `nn.GRU` with gates stacked r, z, n (`bias_ih_l0` = [br; bz; bn],
 * `bias_hh_l0` = 0, so b_hn = 0). A readout is written as `fc.weight`, `fc.bias`. `__metadata__`
 * holds `{module, nonlinearity, hidden_size, input_size, output_size, num_layers, bias}`.
 * Loadable with `load_state_dict` (without the `fc.` keys) into the module named in `module`.
 * Throws `InputError` for other cells or activations. Cost O(P).
 */
export function modelDataToTorch(data: ModelData): { tensors: [string, TensorToWrite][]; metadata: Record<string, string> } {
  const { spec, params } = data;
  if (!hasTorchEquivalent(spec)) {
    throw new InputError(
      `a ${spec.cell} cell with ${spec.activation} has no PyTorch equivalent (nn.RNN is the vanilla or torch-rnn cell with tanh or relu, nn.GRU the gru or torch-gru cell, nn.LSTM the torch-lstm cell); use the sntk layout`,
    );
  }
  const layout = createLayout(spec);
  const blk = (name: string) => {
    const b = layout.blocks.find((x) => x.name === name)!;
    return params.subarray(b.offset, b.offset + b.rows * b.cols);
  };
  const N = spec.hiddenSize;
  const D = spec.inputSize;
  const tensors: [string, TensorToWrite][] = [];
  let module: string;
  if (isTorchCell(spec.cell)) {
    module = spec.cell === 'torch-rnn' ? 'RNN' : spec.cell === 'torch-gru' ? 'GRU' : 'LSTM';
    for (const b of layout.blocks) {
      if (b.name === 'C' || b.name === 'd') continue;
      tensors.push([b.name, { data: blk(b.name), shape: b.name.startsWith('bias') ? [b.rows] : [b.rows, b.cols] }]);
    }
  } else {
    const gru = spec.cell === 'gru';
    module = gru ? 'GRU' : 'RNN';
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
    tensors.push(
      ['weight_ih_l0', { data: gru ? stack(['Ur', 'Uz', 'Un']) : blk('U'), shape: [G * N, D] }],
      ['weight_hh_l0', { data: gru ? stack(['Wr', 'Wz', 'Wn']) : blk('W'), shape: [G * N, N] }],
      ['bias_ih_l0', { data: gru ? stack(['br', 'bz', 'bn']) : blk('b'), shape: [G * N] }],
      ['bias_hh_l0', { data: new Float64Array(G * N), shape: [G * N] }],
    );
  }
  if (spec.outputSize > 0) {
    tensors.push(['fc.weight', { data: blk('C'), shape: [spec.outputSize, N] }]);
    tensors.push(['fc.bias', { data: blk('d'), shape: [spec.outputSize] }]);
  }
  const metadata = {
    module,
    nonlinearity: spec.activation,
    hidden_size: String(N),
    input_size: String(D),
    output_size: String(spec.outputSize),
    num_layers: String(spec.numLayers ?? 1),
    bias: String(spec.bias !== false),
  };
  return { tensors, metadata };
}
