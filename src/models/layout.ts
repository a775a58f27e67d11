/**
 * The flat parameter vector's layout (documented, stable; see types.ts):
 * vanilla/leaky/rate: `W` (N×N), `U` (N×D), `b` (N); GRU: `Wr, Wz, Wn` (N×N each), `Ur, Uz, Un`
 * (N×D each), `br, bz, bn` (N each); then the readout `C` (O×N) and `d` (O) when O > 0.
 * All blocks row-major, contiguous, in this order.
 */
import type { Model, ModelSpec, ParamBlock, ParamLayout } from './types.js';
import type { Matrix } from '../linalg/matrix.js';
import { InputError } from '../errors.js';

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
  const shapes: [string, number, number][] =
    spec.cell === 'gru'
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
    blocks.push({ name: 'C', offset, rows: O, cols: N });
    offset += O * N;
    blocks.push({ name: 'd', offset, rows: O, cols: 1 });
    offset += O;
  }
  return { blocks, cellSize, size: offset };
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
