/**
 * `safetensors` files (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length `n`, `n` bytes of UTF-8 JSON (may be padded with trailing spaces)
 * `{"__metadata__": {str: str}?, "<name>": {"dtype": "F64", "shape": [..], "data_offsets": [b, e]}, …}`,
 * then the little-endian tensor data; offsets are relative to the start of the data and must
 * cover it exactly, without overlaps or holes.
 *
 * Read: F64, F32, F16, BF16 (all widened to float64). Write: F64 (default, bit-exact) or F32.
 * Every size and offset is checked against the bytes actually present before anything is
 * allocated, so malformed or hostile files fail fast with an `InputError`.
 */
import { InputError } from '../errors.js';
import { decodeFloatsLE, encodeFloatsLE, fmtShape, readFileBytes, shapeProduct, writeFileAtomic } from './bytes.js';

/** Dtypes sntk reads (BOOL as 0/1, e.g. a loss mask). */
export type SafeReadDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'BOOL';
/** Dtypes sntk writes. */
export type SafeWriteDtype = 'F64' | 'F32';

const DTYPE_BYTES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1,
  BOOL: 1, F8_E4M3: 1, F8_E5M2: 1, C64: 8,
};

/** One tensor read from a file: float64 data in C order, its shape and stored dtype. */
export interface SafeTensor {
  data: Float64Array;
  shape: number[];
  dtype: SafeReadDtype;
}

/** A parsed safetensors file. Tensors keep the order of their data offsets. */
export interface SafetensorsContent {
  tensors: Map<string, SafeTensor>;
  /** The `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
}

/** A tensor to write: C-order data and shape; dtype F64 unless given. */
export interface TensorToWrite {
  data: ArrayLike<number>;
  shape: readonly number[];
  dtype?: SafeWriteDtype;
}

function f16ToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function decodeTensor(bytes: Uint8Array, offset: number, count: number, dtype: SafeReadDtype, where: string): Float64Array {
  if (dtype === 'F64') return decodeFloatsLE(bytes, offset, count, 'f8');
  if (dtype === 'F32') return decodeFloatsLE(bytes, offset, count, 'f4');
  const out = new Float64Array(count);
  if (dtype === 'BOOL') {
    for (let i = 0; i < count; i++) {
      const b = bytes[offset + i]!;
      if (b > 1) throw new InputError(`${where}: BOOL entry ${i} has byte value ${b}, expected 0 or 1`);
      out[i] = b;
    }
    return out;
  }
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < count; i++) {
    const h = bytes[offset + 2 * i]! | (bytes[offset + 2 * i + 1]! << 8);
    if (dtype === 'F16') out[i] = f16ToNumber(h);
    else {
      u32[0] = h << 16;
      out[i] = f32[0]!;
    }
  }
  return out;
}

/**
 * The first key that occurs twice at the top level of a JSON object text (JSON.parse keeps the last
 * silently), or null. A linear scan with a depth counter (no recursion). Cost O(length).
 */
function duplicateTopLevelKey(text: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return null;
}

/**
 * Parses the bytes of a safetensors file; `source` names it in error messages. Throws
 * `InputError` for: a header length beyond the file, a header that is not JSON (or not an
 * object), a bad `__metadata__`, a tensor entry without a valid dtype/shape/offsets, an
 * unsupported dtype, a shape whose size differs from its byte range, offsets outside the data,
 * overlapping offsets or holes. Cost O(file size); allocates only the decoded tensors.
 */
export function readSafetensors(bytes: Uint8Array, source = '<safetensors>'): SafetensorsContent {
  if (bytes.length < 8) throw new InputError(`${source}: too short for a safetensors file (${bytes.length} bytes, need at least 8)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  if (n > bytes.length - 8) {
    throw new InputError(`${source}: header length ${n} goes beyond the end of the file (${bytes.length} bytes)`);
  }
  let header: unknown;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${source}: header is not valid JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new InputError(`${source}: header must be a JSON object`);
  }
  const dup = duplicateTopLevelKey(text);
  if (dup !== null) throw new InputError(`${source}: header names tensor '${dup}' twice`);
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafeReadDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(`${source}: __metadata__ must be an object of strings`);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new InputError(`${source}: __metadata__.${k} must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    const where = `${source}: tensor '${name}'`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(`${where} must be an object with dtype, shape, data_offsets`);
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e.dtype !== 'string') throw new InputError(`${where} has no string 'dtype'`);
    if (!['F64', 'F32', 'F16', 'BF16', 'BOOL'].includes(e.dtype)) {
      const known = Object.hasOwn(DTYPE_BYTES, e.dtype) ? '' : ' (not a safetensors dtype)';
      throw new InputError(`${where} has unsupported dtype '${e.dtype}'${known}; sntk reads F64, F32, F16, BF16 (and BOOL as 0/1)`);
    }
    const dtype = e.dtype as SafeReadDtype;
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) {
      throw new InputError(`${where}: 'shape' must be an array of non-negative integers, got ${JSON.stringify(e.shape)}`);
    }
    const shape = e.shape as number[];
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || off.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) {
      throw new InputError(`${where}: 'data_offsets' must be [begin, end] non-negative integers, got ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    if (begin > end) throw new InputError(`${where}: data_offsets [${begin}, ${end}] are out of order (begin > end)`);
    if (end > dataLen) {
      throw new InputError(`${where}: data_offsets [${begin}, ${end}] go beyond the data (${dataLen} bytes after the header)`);
    }
    const need = shapeProduct(shape) * DTYPE_BYTES[dtype]!;
    if (need !== end - begin) {
      throw new InputError(`${where}: shape ${fmtShape(shape)} of ${dtype} needs ${need} bytes but data_offsets span ${end - begin} (shape mismatch)`);
    }
    entries.push({ name, dtype, shape, begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of entries) {
    if (e.begin < pos) throw new InputError(`${source}: tensor '${e.name}' data_offsets [${e.begin}, ${e.end}] overlap the previous tensor (ends at ${pos})`);
    if (e.begin > pos) throw new InputError(`${source}: hole in the data before tensor '${e.name}' (bytes ${pos}..${e.begin} belong to no tensor)`);
    pos = e.end;
  }
  if (pos !== dataLen) {
    throw new InputError(`${source}: tensors cover ${pos} bytes of data but the file has ${dataLen} after the header (trailing or truncated data)`);
  }
  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    tensors.set(e.name, { data: decodeTensor(bytes, dataStart + e.begin, shapeProduct(e.shape), e.dtype, `${source}: tensor '${e.name}'`), shape: e.shape, dtype: e.dtype });
  }
  return { tensors, metadata };
}

/**
 * Serialises named tensors (written in the given order) and optional string metadata as
 * safetensors bytes; the header is padded with spaces to a multiple of 8 bytes so the data is
 * 8-byte aligned. F64 (default) is bit-exact. Throws `InputError` on a shape/data length
 * mismatch or a reserved name. Cost O(total size).
 */
export function writeSafetensors(
  tensors: Iterable<[string, TensorToWrite]> | Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Uint8Array {
  const list: [string, TensorToWrite][] =
    Symbol.iterator in Object(tensors) ? [...(tensors as Iterable<[string, TensorToWrite]>)] : Object.entries(tensors);
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (metadata && Object.keys(metadata).length > 0) header['__metadata__'] = { ...metadata };
  let offset = 0;
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new InputError(`writeSafetensors: '__metadata__' is not a valid tensor name`);
    if (name in header) throw new InputError(`writeSafetensors: duplicate tensor name '${name}'`);
    const count = shapeProduct(t.shape);
    if (count !== t.data.length) {
      throw new InputError(`writeSafetensors: tensor '${name}' has shape ${fmtShape(t.shape)} (${count} entries) but ${t.data.length} values`);
    }
    const dtype = t.dtype ?? 'F64';
    const nbytes = count * DTYPE_BYTES[dtype]!;
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + nbytes] };
    offset += nbytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, n % 2 ** 32, true);
  dv.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let pos = 8 + n;
  for (const [, t] of list) {
    const dtype = t.dtype ?? 'F64';
    encodeFloatsLE(t.data, dtype === 'F64' ? 'f8' : 'f4', out, pos);
    pos += t.data.length * DTYPE_BYTES[dtype]!;
  }
  return out;
}

/**
 * Reads a safetensors file from disk (see readSafetensors).
 *
 * @param path - a `.safetensors` file.
 * @returns its tensors (widened to float64) with shapes, and the metadata.
 * @throws {@link sntk!InputError} naming the file: unreadable, malformed header, or an unsupported dtype.
 */
export function readSafetensorsFile(path: string): SafetensorsContent {
  return readSafetensors(readFileBytes(path), path);
}

/** Writes a safetensors file atomically (see writeSafetensors). */
export function writeSafetensorsFile(
  path: string,
  tensors: Iterable<[string, TensorToWrite]> | Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomic(path, writeSafetensors(tensors, metadata));
}
