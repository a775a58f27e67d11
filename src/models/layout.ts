/**
 * The flat parameter vector's layout (documented, stable; see types.ts):
 * vanilla/leaky/rate: `W` (N×N), `U` (N×D), `b` (N); GRU: `Wr, Wz, Wn` (N×N each), `Ur, Uz, Un`
 * (N×D each), `br, bz, bn` (N each); then the readout `C` (O×N) and `d` (O) when O > 0.
 * PyTorch cells (`torch-rnn`, `torch-gru`, `torch-lstm`) use PyTorch's names and order, per layer
 * l: `weight_ih_l{l}` (G·H × D_l), `weight_hh_l{l}` (G·H × H), then with biases `bias_ih_l{l}`,
 * `bias_hh_l{l}` (G·H), with G = 1, 3, 4 and D_l = D for l = 0, H above; the readout `C` is then
 * O × H and reads the top layer's h (`readoutSlice`). All blocks row-major, contiguous, in this order.
 */
import type { Model, ModelSpec, ParamBlock, ParamLayout } from './types.js';
import type { Matrix } from '../linalg/matrix.js';
import { InputError } from '../errors.js';
import { isTorchCell, layerCount, readoutSlice } from './spec.js';
import { gateCount, type TorchLayerKind } from './cell-torch.js';

/** The layer kind of a PyTorch cell kind. */
export function torchLayerKind(spec: ModelSpec): TorchLayerKind {
  return spec.cell === 'torch-gru' ? 'gru' : spec.cell === 'torch-lstm' ? 'lstm' : 'rnn';
}

/**
 * The layout of a spec's flat parameter vector. Cost O(1).
 *
 * @param spec - the model's spec.
 * @returns the named blocks with offsets and shapes, the cell-parameter count `P` and the total size (docs/theory.md §1).
 */
export function createLayout(spec: ModelSpec): ParamLayout {
  const N = spec.hiddenSize;
  const D = spec.inputSize;
  const O = spec.outputSize;
  const shapes: [string, number, number][] = isTorchCell(spec.cell)
    ? torchShapes(spec)
    : spec.cell === 'gru'
      ? [
          ['Wr', N, N], ['Wz', N, N], ['Wn', N, N],
          ['Ur', N, D], ['Uz', N, D], ['Un', N, D],
          ['br', N, 1], ['bz', N, 1], ['bn', N, 1],
        ]
      : [['W', N, N], ['U', N, D], ['b', N, 1]];
  const blocks: ParamBlock[] = [];
  let offset = 0;
  for (const [name, rows, cols] of shapes) {
    blocks.push({ name, offset, rows, cols });
    offset += rows * cols;
  }
  const cellSize = offset;
  if (O > 0) {
    const W = readoutSlice(spec).width;
    blocks.push({ name: 'C', offset, rows: O, cols: W });
    offset += O * W;
    blocks.push({ name: 'd', offset, rows: O, cols: 1 });
    offset += O;
  }
  return { blocks, cellSize, size: offset };
}

function torchShapes(spec: ModelSpec): [string, number, number][] {
  const H = spec.hiddenSize;
  const GH = gateCount(torchLayerKind(spec)) * H;
  const out: [string, number, number][] = [];
  for (let l = 0; l < layerCount(spec); l++) {
    out.push([`weight_ih_l${l}`, GH, l === 0 ? spec.inputSize : H], [`weight_hh_l${l}`, GH, H]);
    if (spec.bias !== false) out.push([`bias_ih_l${l}`, GH, 1], [`bias_hh_l${l}`, GH, 1]);
  }
  return out;
}

/**
 * The block called `name`; throws InputError listing the block names otherwise. Cost O(#blocks).
 *
 * @param layout - the model's parameter layout.
 * @param name - the block name (e.g. `W`, `U`, `b`, `C`, `d`).
 * @returns the block's offset in the flat vector and its `rows × cols` shape.
 * @throws {@link sntk!InputError} listing the block names when `name` is not one of them.
 */
export function paramBlock(layout: ParamLayout, name: string): ParamBlock {
  const b = layout.blocks.find((x) => x.name === name);
  if (!b) throw new InputError(`no parameter block "${name}" (this model has ${layout.blocks.map((x) => x.name).join(', ')})`);
  return b;
}

/**
 * The block `name` of `model.params` as a `rows × cols` Matrix sharing memory with the params (no copy).
 *
 * @param model - the model.
 * @param name - a block name: `W`, `U`, `b`, `C`, `d` (GRU: `Wr`, `Wz`, `Wn`, `Ur`, `Uz`, `Un`, `br`, `bz`, `bn`).
 * @returns the block as a row-major `rows × cols` matrix whose `data` aliases `model.params`.
 * @throws {@link sntk!InputError} listing the block names when `name` is not one of them.
 */
export function paramView(model: Model, name: string): Matrix {
  const b = paramBlock(model.layout, name);
  return { rows: b.rows, cols: b.cols, data: model.params.subarray(b.offset, b.offset + b.rows * b.cols) };
}

/** One block of `parameterLayout`: where it sits, whether the sNTK counts it, and its PyTorch source. */
export interface ParameterLayoutBlock {
  name: string;
  offset: number;
  shape: [number, number] | [number];
  /** True for cell parameters (the sNTK's θ); the readout C, d is not in the sNTK. */
  inSntk: boolean;
  /** The PyTorch tensor(s) the block corresponds to, or null for sntk-only cells. */
  torch: string | null;
}

/** The parameter convention of a model, as `sntk kernel --json` prints it (`parameterLayout`). */
export interface ParameterLayout {
  cell: ModelSpec['cell'];
  /** How PyTorch's parameters map to θ (the one statement of the convention). */
  convention: string;
  /** The state entries, in order (the sNTK's rows per time step). */
  state: string[];
  /** Cell parameters P (the sNTK's columns). */
  sntkParameters: number;
  blocks: ParameterLayoutBlock[];
}

/** The convention statements, one per cell family (docs/interop.md "Parameter convention"). */
export const PARAMETER_CONVENTIONS = {
  vanilla:
    'sntk vanilla cell h′ = φ(W h + U x + b); from a 1-layer nn.RNN: W = weight_hh_l0, U = weight_ih_l0, b = bias_ih_l0 + bias_hh_l0 (summed, counted once)',
  gru: 'sntk one-bias GRU (n = φ(Un x + bn + r ⊙ (Wn h))): nn.GRU with b_hn = 0, br = b_ir + b_hr, bz = b_iz + b_hz, bn = b_in (counted once)',
  sntk: 'sntk cell parameters W, U, b (no PyTorch counterpart)',
  torch:
    "PyTorch's own parameters, same names and order as module.named_parameters(): weight_ih_l{l}, weight_hh_l{l}, bias_ih_l{l}, bias_hh_l{l} per layer; both bias vectors kept (the sNTK equals PyTorch autograd's over all of them)",
} as const;

/**
 * The parameter layout and convention of a spec (see ParameterLayout): block offsets and shapes,
 * whether the sNTK counts each block, the PyTorch tensor behind it, and the state entries
 * (`h[i]`, LSTM `c[i]`, with `@l` for layer l of a stack). Cost O(#blocks + N).
 */
export function parameterLayout(spec: ModelSpec): ParameterLayout {
  const layout = createLayout(spec);
  const torch = isTorchCell(spec.cell);
  const N = spec.hiddenSize;
  const gruNames: Record<string, string> = {
    Wr: 'weight_hh_l0[0:N]', Wz: 'weight_hh_l0[N:2N]', Wn: 'weight_hh_l0[2N:3N]',
    Ur: 'weight_ih_l0[0:N]', Uz: 'weight_ih_l0[N:2N]', Un: 'weight_ih_l0[2N:3N]',
    br: 'bias_ih_l0[0:N] + bias_hh_l0[0:N]', bz: 'bias_ih_l0[N:2N] + bias_hh_l0[N:2N]', bn: 'bias_ih_l0[2N:3N] (b_hn = 0)',
  };
  const vanillaNames: Record<string, string> = { W: 'weight_hh_l0', U: 'weight_ih_l0', b: 'bias_ih_l0 + bias_hh_l0' };
  const blocks = layout.blocks.map((b): ParameterLayoutBlock => {
    let src: string | null = null;
    if (b.name === 'C') src = 'fc.weight';
    else if (b.name === 'd') src = 'fc.bias';
    else if (torch) src = b.name;
    else if (spec.cell === 'gru') src = gruNames[b.name] ?? null;
    else if (spec.cell === 'vanilla') src = vanillaNames[b.name] ?? null;
    const vector = b.cols === 1 && (b.name === 'd' || b.name.startsWith('b'));
    return { name: b.name, offset: b.offset, shape: vector ? [b.rows] : [b.rows, b.cols], inSntk: b.offset < layout.cellSize, torch: src };
  });
  const state: string[] = [];
  const L = layerCount(spec);
  for (let l = 0; l < L; l++) {
    const at = L > 1 ? `@${l}` : '';
    for (let i = 0; i < N; i++) state.push(`h${at}[${i}]`);
    if (spec.cell === 'torch-lstm') for (let i = 0; i < N; i++) state.push(`c${at}[${i}]`);
  }
  const convention = torch ? PARAMETER_CONVENTIONS.torch : spec.cell === 'vanilla' ? PARAMETER_CONVENTIONS.vanilla : spec.cell === 'gru' ? PARAMETER_CONVENTIONS.gru : PARAMETER_CONVENTIONS.sntk;
  return { cell: spec.cell, convention, state, sntkParameters: layout.cellSize, blocks };
}
