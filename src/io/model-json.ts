/**
 * Model-level entry points of the model file formats: JSON text ↔ `Model`, and model files
 * (`.json`, `.safetensors`) ↔ `Model`. The data-level work is in model-doc.ts, model-file.ts,
 * model-safetensors.ts and torch.ts.
 */
import type { Model } from '../models/types.js';
import { createModel } from '../models/index.js';
import { modelDataToJson, parseModelData } from './model-doc.js';
import { readModelData, writeModelData, type ReadModelOptions, type WriteModelOptions } from './model-file.js';

/**
 * Parses `sntk-model/1` JSON text into a Model. `sourceName` names the file in `InputError`
 * messages (field path and expected vs actual shape). Cost O(text length).
 */
export function parseModelJson(text: string, sourceName: string): Model {
  const d = parseModelData(text, sourceName);
  return createModel(d.spec, d.params);
}

/**
 * The model as `sntk-model/1` JSON text; `parseModelJson(modelToJson(m))` has bit-identical params. Cost O(P).
 *
 * @param model - the model.
 * @returns the JSON text (float64 values round-trip exactly).
 */
export function modelToJson(model: Model): string {
  return modelDataToJson({ spec: model.spec, params: model.params });
}

/**
 * Reads a model file: `.json` (sntk JSON) or `.safetensors` (sntk layout or PyTorch nn.RNN state
 * dict; `opts.nonlinearity` for the latter). Throws `InputError` naming the file. Cost O(file size).
 *
 * @param path - a `.json` or `.safetensors` file.
 * @param opts - the nonlinearity of a PyTorch state dict without metadata (`'tanh'` or `'relu'`).
 * @returns the model, float64 (float32/16 tensors are widened exactly).
 * @throws {@link sntk!InputError} naming the file and the problem (unreadable, malformed, unsupported layout).
 */
export function readModelFile(path: string, opts: ReadModelOptions = {}): Model {
  const d = readModelData(path, opts);
  return createModel(d.spec, d.params);
}

/**
 * Writes a model file atomically (temp file + rename), format from the extension; safetensors
 * layout per `opts.layout` (auto: PyTorch nn.RNN for vanilla tanh/relu, sntk otherwise). Cost O(P).
 *
 * @param model - the model to write.
 * @param path - destination; `.json` or `.safetensors` decides the format.
 * @param opts - the safetensors layout (`'auto'`, `'torch'`, `'sntk'`).
 * @throws {@link sntk!InputError} for an unknown extension or a layout the model cannot have.
 */
export function writeModelFile(model: Model, path: string, opts: WriteModelOptions = {}): void {
  writeModelData({ spec: model.spec, params: model.params }, path, opts);
}
