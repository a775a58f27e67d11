/**
 * Model files as data (spec + flat params), format chosen by extension:
 * `.json` → sntk JSON (`sntk-model/1`); `.safetensors` → sntk's own layout when
 * `__metadata__.format` is `sntk-model/1`, otherwise a PyTorch `nn.RNN`/`nn.GRU`/`nn.LSTM` state dict.
 */
import { extname } from 'node:path';
import { InputError } from '../errors.js';
import { readFileBytes, writeFileAtomic } from './bytes.js';
import { modelDataToJson, parseModelData, type ModelData } from './model-doc.js';
import { readSafetensors, writeSafetensors, type SafeWriteDtype, type SafetensorsContent } from './safetensors.js';
import { readNpz } from './npz.js';
import { flaxToTorchContent, isFlaxParams } from './flax.js';
import { isSntkSafetensors, modelDataFromSntkSafetensors, modelDataToSntkSafetensors } from './model-safetensors.js';
import { hasTorchEquivalent, isTorchStateDict, modelDataFromTorch, modelDataToTorch, type TorchNonlinearity } from './torch.js';

/** Model file formats, by extension (`npz`: read only, arrays named like a state dict). */
export type ModelFileFormat = 'json' | 'safetensors' | 'npz';

/** Options of `readModelData`. */
export interface ReadModelOptions {
  /** nn.RNN nonlinearity for PyTorch state dicts (overrides the file's metadata; default tanh). */
  nonlinearity?: TorchNonlinearity;
}

/** Options of `writeModelData`. */
export interface WriteModelOptions {
  /**
   * safetensors layout: `torch` (PyTorch state dict), `sntk` (every cell kind), or `auto`
   * (default: torch for a vanilla tanh/relu model and the PyTorch cells, sntk otherwise). Ignored for `.json`.
   */
  layout?: 'auto' | 'torch' | 'sntk';
  /** safetensors dtype (default F64, bit-exact). */
  dtype?: SafeWriteDtype;
}

/** The model format of a path from its extension; `InputError` for anything else. */
export function modelFormatOf(path: string): ModelFileFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.safetensors') return 'safetensors';
  if (ext === '.npz') return 'npz';
  throw new InputError(`${path}: unknown model file extension '${ext || '(none)'}' (expected .json, .safetensors or .npz)`);
}

/** Parses a model from file bytes of the given format (see module doc). Cost O(file size). */
export function modelDataFromBytes(bytes: Uint8Array, format: ModelFileFormat, source: string, opts: ReadModelOptions = {}): ModelData {
  if (format === 'json') return parseModelData(new TextDecoder('utf-8').decode(bytes), source);
  // .npz: the arrays of a state dict (np.savez(path, **state_dict)); no metadata
  const content: SafetensorsContent =
    format === 'npz'
      ? { tensors: new Map([...readNpz(bytes, source)].map(([k, a]) => [k, { data: a.data, shape: a.shape, dtype: a.dtype === 'f4' ? 'F32' : 'F64' }])), metadata: {} }
      : readSafetensors(bytes, source);
  if (isSntkSafetensors(content)) return modelDataFromSntkSafetensors(content, source);
  if (isTorchStateDict(content)) return modelDataFromTorch(content, source, opts);
  if (isFlaxParams(content)) return modelDataFromTorch(flaxToTorchContent(content, source), source);
  throw new InputError(
    `${source}: neither an sntk model (__metadata__.format = "sntk-model/1") nor a PyTorch nn.RNN/nn.GRU/nn.LSTM state dict (weight_hh_l0) nor a flax.linen cell (ir/kernel, ii/kernel or i/kernel); tensors: ${[...content.tensors.keys()].join(', ') || 'none'}`,
  );
}

/** Serialises a model in the given format (see WriteModelOptions). Cost O(P). */
export function modelDataToBytes(data: ModelData, format: ModelFileFormat, opts: WriteModelOptions = {}): Uint8Array {
  if (format === 'json') return new TextEncoder().encode(modelDataToJson(data));
  if (format === 'npz') throw new InputError('sntk reads .npz models but does not write them; write .safetensors (safetensors.numpy.load_file reads it as arrays)');
  const layout = opts.layout ?? 'auto';
  // auto: the PyTorch layout where reading it back gives the same cell (not sntk's one-bias GRU,
  // which reads back as torch-gru)
  if (layout === 'torch' || (layout === 'auto' && hasTorchEquivalent(data.spec) && data.spec.cell !== 'gru')) {
    const t = modelDataToTorch(data);
    const dtype = opts.dtype ?? 'F64';
    return writeSafetensors(t.tensors.map(([k, v]) => [k, { ...v, dtype }]), t.metadata);
  }
  const s = modelDataToSntkSafetensors(data, opts.dtype ?? 'F64');
  return writeSafetensors(s.tensors, s.metadata);
}

/** Reads a model file (format from the extension). Throws `InputError` naming the file. */
export function readModelData(path: string, opts: ReadModelOptions = {}): ModelData {
  const format = modelFormatOf(path);
  return modelDataFromBytes(readFileBytes(path), format, path, opts);
}

/** Writes a model file atomically (temp file + rename), format from the extension. */
export function writeModelData(data: ModelData, path: string, opts: WriteModelOptions = {}): void {
  writeFileAtomic(path, modelDataToBytes(data, modelFormatOf(path), opts));
}
