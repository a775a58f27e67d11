/**
 * sntk's own safetensors layout of a model: one tensor per parameter block, named as in the
 * layout (`W`, `U`, `b`, `C`, `d`; GRU `Wr, Wz, Wn, Ur, Uz, Un, br, bz, bn`), matrices 2-D
 * `[rows, cols]`, vectors 1-D, and `__metadata__` `{format: "sntk-model/1", cell, activation,
 * hiddenSize, inputSize, outputSize, alpha}` (numbers as shortest round-trip decimal strings).
 * Holds every cell kind; F64 round trips are bit-exact.
 */
import { InputError } from '../errors.js';
import type { ActivationName, CellKind, ModelSpec } from '../models/types.js';
import { createLayout } from '../models/layout.js';
import { validateSpec } from '../models/spec.js';
import { ACTIVATIONS, CELLS, MODEL_FORMAT, type ModelData } from './model-doc.js';
import { fmtShape } from './bytes.js';
import type { SafetensorsContent, SafeWriteDtype, TensorToWrite } from './safetensors.js';

const isVectorBlock = (name: string, cols: number) => cols === 1 && (name === 'd' || name.startsWith('b'));

/** True when the file's metadata says it is sntk's own layout. */
export function isSntkSafetensors(content: SafetensorsContent): boolean {
  return content.metadata['format'] === MODEL_FORMAT;
}

/** Tensors and metadata of sntk's safetensors layout for a model. Cost O(1) (views, no copy). */
export function modelDataToSntkSafetensors(
  data: ModelData,
  dtype: SafeWriteDtype = 'F64',
): { tensors: [string, TensorToWrite][]; metadata: Record<string, string> } {
  const { spec, params } = data;
  const layout = createLayout(spec);
  if (params.length !== layout.size) throw new InputError(`model has ${params.length} parameters but its spec needs ${layout.size}`);
  const tensors: [string, TensorToWrite][] = layout.blocks.map((b) => [
    b.name,
    {
      data: params.subarray(b.offset, b.offset + b.rows * b.cols),
      shape: isVectorBlock(b.name, b.cols) ? [b.rows] : [b.rows, b.cols],
      dtype,
    },
  ]);
  const metadata: Record<string, string> = {
    format: MODEL_FORMAT,
    cell: spec.cell,
    activation: spec.activation,
    hiddenSize: String(spec.hiddenSize),
    inputSize: String(spec.inputSize),
    outputSize: String(spec.outputSize),
    alpha: JSON.stringify(spec.alpha),
    ...(spec.numLayers !== undefined && spec.numLayers !== 1 ? { numLayers: String(spec.numLayers) } : {}),
    ...(spec.bias === false ? { bias: 'false' } : {}),
  };
  return { tensors, metadata };
}

function metaInt(meta: Record<string, string>, key: string, min: number, source: string): number {
  const v = meta[key];
  const n = v === undefined ? NaN : Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new InputError(`${source}: __metadata__.${key} must be an integer ≥ ${min}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  return n;
}

/**
 * Reads a model from sntk's safetensors layout, checking the metadata like the JSON format and
 * every tensor's shape against the layout. Throws `InputError` naming the tensor. Cost O(P).
 */
export function modelDataFromSntkSafetensors(content: SafetensorsContent, source: string): ModelData {
  const meta = content.metadata;
  const cell = meta['cell'] as CellKind;
  if (!CELLS.includes(cell)) throw new InputError(`${source}: __metadata__.cell: unknown cell ${JSON.stringify(meta['cell'] ?? null)} (allowed: ${CELLS.join(', ')})`);
  const activation = (meta['activation'] ?? 'tanh') as ActivationName;
  if (!ACTIVATIONS.includes(activation)) throw new InputError(`${source}: __metadata__.activation: unknown activation ${JSON.stringify(activation)} (allowed: ${ACTIVATIONS.join(', ')})`);
  const leakyLike = cell === 'leaky' || cell === 'rate';
  const given = Number(meta['alpha']);
  let alpha = meta['alpha'] !== undefined && Number.isFinite(given) ? given : 1;
  if (leakyLike) {
    alpha = Number(meta['alpha']);
    if (!(alpha > 0 && alpha <= 1)) throw new InputError(`${source}: __metadata__.alpha must be in (0, 1] for a ${cell} cell, got ${JSON.stringify(meta['alpha'] ?? null)}`);
  }
  const spec: ModelSpec = {
    cell,
    activation,
    hiddenSize: metaInt(meta, 'hiddenSize', 1, source),
    inputSize: metaInt(meta, 'inputSize', 0, source),
    outputSize: meta['outputSize'] === undefined ? 0 : metaInt(meta, 'outputSize', 0, source),
    alpha,
    ...(meta['numLayers'] !== undefined ? { numLayers: metaInt(meta, 'numLayers', 1, source) } : {}),
    ...(meta['bias'] === 'false' ? { bias: false } : {}),
  };
  try {
    validateSpec(spec);
  } catch (e) {
    throw new InputError(`${source}: __metadata__: ${(e as Error).message}`);
  }
  const layout = createLayout(spec);
  const names = new Set(layout.blocks.map((b) => b.name));
  for (const k of content.tensors.keys()) {
    if (!names.has(k)) throw new InputError(`${source}: unexpected tensor '${k}' for a ${cell} cell (expected ${[...names].join(', ')})`);
  }
  for (const b of layout.blocks) {
    const t = content.tensors.get(b.name);
    const want = isVectorBlock(b.name, b.cols) ? [b.rows] : [b.rows, b.cols];
    if (!t) throw new InputError(`${source}: tensor '${b.name}' missing (expected shape ${fmtShape(want)})`);
    if (t.shape.length !== want.length || t.shape.some((s, i) => s !== want[i])) {
      throw new InputError(`${source}: tensor '${b.name}' has shape ${fmtShape(t.shape)}, expected ${fmtShape(want)}`);
    }
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i]!)) throw new InputError(`${source}: tensor '${b.name}' entry ${i} is ${t.data[i]} (weights must be finite)`);
    }
  }
  // Every block matched a tensor present in the file, so this allocation is bounded by the file size.
  const params = new Float64Array(layout.size);
  for (const b of layout.blocks) params.set(content.tensors.get(b.name)!.data, b.offset);
  return { spec, params };
}
