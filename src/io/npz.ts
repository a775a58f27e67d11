/**
 * NumPy `.npz` archives (`np.savez`, `np.savez_compressed`): a zip file of `.npy` members, read
 * without any dependency. Members may be stored (method 0) or deflated (method 8, inflated with
 * Node's zlib `inflateRawSync`); ZIP64 size fields (NumPy writes them with `force_zip64`) are
 * understood. Every member is parsed by `readNpy`, so the same dtypes and checks apply (float64 /
 * float32, C order; object arrays are refused by name).
 *
 * Sizes come from the central directory and are checked against the bytes present before any
 * inflation; inflated members must have exactly the size the directory claims.
 */
import { inflateRawSync } from 'node:zlib';
import { InputError } from '../errors.js';
import { readFileBytes } from './bytes.js';
import { readNpy, type NdArray } from './npy.js';

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const ZIP64_LOC_SIG = 0x07064b50;

/** One member of a zip archive (central directory fields). */
interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** Reads a 64-bit little-endian size as a safe integer; InputError beyond 2⁵³. */
function u64(dv: DataView, off: number, source: string): number {
  const v = dv.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError(`${source}: zip size field ${v} is too large`);
  return Number(v);
}

/** The central directory entries of a zip archive. Throws InputError for anything malformed. Cost O(directory). */
function zipEntries(bytes: Uint8Array, source: string): ZipEntry[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new InputError(`${source}: not a .npz (zip) file: no end-of-central-directory record`);
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOff = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOff === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== ZIP64_LOC_SIG) throw new InputError(`${source}: ZIP64 archive without its locator`);
    const z = u64(dv, loc + 8, source);
    if (z + 56 > bytes.length || dv.getUint32(z, true) !== ZIP64_EOCD_SIG) throw new InputError(`${source}: bad ZIP64 end-of-central-directory record`);
    count = u64(dv, z + 32, source);
    cdSize = u64(dv, z + 40, source);
    cdOff = u64(dv, z + 48, source);
  }
  if (cdOff + cdSize > bytes.length) throw new InputError(`${source}: central directory (${cdSize} bytes at ${cdOff}) goes beyond the end of the file (${bytes.length} bytes)`);
  const out: ZipEntry[] = [];
  let p = cdOff;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== CEN_SIG) throw new InputError(`${source}: corrupt central directory (entry ${k})`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localOffset = dv.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen > bytes.length) throw new InputError(`${source}: corrupt central directory (entry ${k})`);
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra field (id 1): the 0xFFFFFFFF fields, in the order size, compressed size, offset
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 1) {
        let q = e + 4;
        if (size === 0xffffffff) { size = u64(dv, q, source); q += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = u64(dv, q, source); q += 8; }
        if (localOffset === 0xffffffff) { localOffset = u64(dv, q, source); q += 8; }
      }
      e += 4 + len;
    }
    if (flags & 0x1) throw new InputError(`${source}: member '${name}' is encrypted`);
    out.push({ name, method, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** The uncompressed bytes of one member. Cost O(member size). */
function memberBytes(bytes: Uint8Array, e: ZipEntry, source: string): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const p = e.localOffset;
  if (p + 30 > bytes.length || dv.getUint32(p, true) !== LOC_SIG) throw new InputError(`${source}: member '${e.name}': bad local header`);
  const start = p + 30 + dv.getUint16(p + 26, true) + dv.getUint16(p + 28, true);
  if (start + e.compressedSize > bytes.length) {
    throw new InputError(`${source}: member '${e.name}' (${e.compressedSize} bytes) goes beyond the end of the file`);
  }
  const raw = bytes.subarray(start, start + e.compressedSize);
  if (e.method === 0) {
    if (e.size !== e.compressedSize) throw new InputError(`${source}: stored member '${e.name}' has inconsistent sizes`);
    return raw;
  }
  if (e.method !== 8) throw new InputError(`${source}: member '${e.name}' uses zip compression method ${e.method} (sntk reads stored and deflate members)`);
  let out: Buffer;
  try {
    out = inflateRawSync(raw, { maxOutputLength: Math.max(e.size, 1) });
  } catch (err) {
    throw new InputError(`${source}: member '${e.name}': corrupt deflate data (${(err as Error).message})`);
  }
  if (out.length !== e.size) throw new InputError(`${source}: member '${e.name}' inflates to ${out.length} bytes, the directory says ${e.size}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * Parses `.npz` bytes into named arrays (the member name without `.npy`, as `np.load(...)[name]`).
 * Throws InputError naming the file and member for a malformed archive, a member that is not a
 * `.npy`, or an array sntk cannot read (object arrays, integer dtypes, Fortran order…). Cost O(file size).
 */
export function readNpz(bytes: Uint8Array, source = '<npz>'): Map<string, NdArray> {
  const out = new Map<string, NdArray>();
  for (const e of zipEntries(bytes, source)) {
    if (e.name.endsWith('/')) continue;
    if (!e.name.endsWith('.npy')) throw new InputError(`${source}: member '${e.name}' is not a .npy array`);
    const name = e.name.slice(0, -4);
    out.set(name, readNpy(memberBytes(bytes, e, source), `${source}: array '${name}'`));
  }
  return out;
}

/** Reads a `.npz` file (see readNpz). */
export function readNpzFile(path: string): Map<string, NdArray> {
  return readNpz(readFileBytes(path), path);
}
