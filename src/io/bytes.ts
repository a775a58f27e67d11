/**
 * Low-level helpers shared by the file formats: little-endian float copies that keep every bit,
 * file reads that turn OS errors into `InputError`, and atomic writes (temp file + rename).
 */
import { readFileSync, writeFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.js';

/** True on little-endian hosts (all platforms Node supports in practice). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Element type of a stored float array. */
export type FloatDtype = 'f8' | 'f4';

/** Bytes per element of a float dtype. */
export function itemSize(dtype: FloatDtype): number {
  return dtype === 'f8' ? 8 : 4;
}

/**
 * Decodes `count` little-endian floats of `dtype` starting at `bytes[offset]` into a new
 * Float64Array (f4 widened exactly). Bit-exact for f8 (NaN payloads included). The caller must
 * have checked that `offset + count·itemSize ≤ bytes.length`. Cost O(count).
 */
export function decodeFloatsLE(bytes: Uint8Array, offset: number, count: number, dtype: FloatDtype): Float64Array {
  const size = itemSize(dtype);
  const nbytes = count * size;
  if (offset + nbytes > bytes.length) throw new InputError(`internal: float data [${offset}, ${offset + nbytes}) beyond ${bytes.length} bytes`);
  const out = new Float64Array(count);
  if (dtype === 'f8' && HOST_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + nbytes));
    return out;
  }
  if (dtype === 'f4' && HOST_LITTLE_ENDIAN) {
    const tmp = new Float32Array(count);
    new Uint8Array(tmp.buffer).set(bytes.subarray(offset, offset + nbytes));
    for (let i = 0; i < count; i++) out[i] = tmp[i]!;
    return out;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, nbytes);
  for (let i = 0; i < count; i++) out[i] = dtype === 'f8' ? dv.getFloat64(i * 8, true) : dv.getFloat32(i * 4, true);
  return out;
}

/**
 * Encodes `data` as little-endian floats of `dtype` into `dst` at `offset` (f4 rounds to nearest).
 * Bit-exact for f8. Cost O(n).
 */
export function encodeFloatsLE(data: ArrayLike<number>, dtype: FloatDtype, dst: Uint8Array, offset: number): void {
  const n = data.length;
  if (dtype === 'f8' && HOST_LITTLE_ENDIAN && data instanceof Float64Array) {
    dst.set(new Uint8Array(data.buffer, data.byteOffset, n * 8), offset);
    return;
  }
  if (HOST_LITTLE_ENDIAN) {
    const tmp = dtype === 'f8' ? new Float64Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) tmp[i] = data[i]!;
    dst.set(new Uint8Array(tmp.buffer), offset);
    return;
  }
  const dv = new DataView(dst.buffer, dst.byteOffset + offset, n * itemSize(dtype));
  for (let i = 0; i < n; i++) {
    if (dtype === 'f8') dv.setFloat64(i * 8, data[i]!, true);
    else dv.setFloat32(i * 4, data[i]!, true);
  }
}

/** Reads a whole file; a missing or unreadable file becomes an `InputError` naming the path. Cost O(file size). */
export function readFileBytes(path: string): Uint8Array {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new InputError(`${path}: not a regular file`);
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${path}: no such file`);
    throw new InputError(`${path}: cannot read (${(err as Error).message})`);
  }
}

/** Reads a whole file as UTF-8 text (see readFileBytes for errors). */
export function readFileText(path: string): string {
  return new TextDecoder('utf-8').decode(readFileBytes(path));
}

export { writeFileAtomic } from '../util/atomic-write.js';

/** Product of a shape's dimensions (1 for the empty shape). */
export function shapeProduct(shape: readonly number[]): number {
  let p = 1;
  for (const s of shape) p *= s;
  return p;
}

/** Formats a shape like `(3, 4)` for messages. */
export function fmtShape(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}
