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

/** The layout of a spec's flat parameter vector. Cost O(1). */
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

/** The block called `name`; throws InputError listing the block names otherwise. Cost O(#blocks). */
export function paramBlock(layout: ParamLayout, name: string): ParamBlock {
  const b = layout.blocks.find((x) => x.name === name);
  if (!b) throw new InputError(`no parameter block "${name}" (this model has ${layout.blocks.map((x) => x.name).join(', ')})`);
  return b;
}

/** The block `name` of `model.params` as a `rows × cols` Matrix sharing memory with the params (no copy). */
export function paramView(model: Model, name: string): Matrix {
  const b = paramBlock(model.layout, name);
  return { rows: b.rows, cols: b.cols, data: model.params.subarray(b.offset, b.offset + b.rows * b.cols) };
}
