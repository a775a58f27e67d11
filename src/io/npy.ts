/**
 * NumPy `.npy` files (format 1.0 and 2.0 read/write, 3.0 read), dtypes `<f8` and `<f4` (and `|b1`
 * booleans read as 0/1)
 * (f4 is widened to float64 on read), C order only.
 *
 * Layout: magic `\x93NUMPY`, major, minor, header length (u16 LE for 1.0, u32 LE for 2.0/3.0),
 * a Python dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` padded
 * with spaces and a final `\n` so that the data starts at a multiple of 64 bytes, then the data.
 *
 * Every size a file claims is compared with the bytes actually present before anything is
 * allocated, so a malformed or hostile header fails fast with an `InputError`.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { InputError } from '../errors.js';
import {
  HOST_LITTLE_ENDIAN,
  decodeFloatsLE,
  encodeFloatsLE,
  fmtShape,
  itemSize,
  readFileBytes,
  shapeProduct,
  writeFileAtomic,
  type FloatDtype,
} from './bytes.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;
/** NumPy reserves room for the growth axis to reach 21 digits (numpy/lib/format.py). */
const GROWTH_AXIS_MAX_DIGITS = 21;

/** A float64 array with its C-order shape. */
export interface NdArray {
  /** Row-major (C order) data, length = product of `shape`. */
  data: Float64Array;
  shape: number[];
  /** The dtype stored in the file (`f4` data has been widened to float64, `b1` booleans read as 0/1). */
  dtype: NpyReadDtype;
}

/** Options of `writeNpy`. */
export interface WriteNpyOptions {
  /** Stored dtype (default `f8`; `f4` rounds to nearest). */
  dtype?: FloatDtype;
  /** Force a format version (default 1.0, or 2.0 when the header does not fit 1.0). */
  version?: 1 | 2;
}

// ---------------------------------------------------------------------------------------------
// Header dict: a tiny parser for the Python literal subset NumPy writes.

type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

class PyLiteralParser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly where: string,
  ) {}

  private fail(msg: string): never {
    throw new InputError(`${this.where}: header is not a valid Python dict literal (${msg} at character ${this.i})`);
  }
  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  /**
   * Parses the whole text as one literal. Iterative (an explicit stack of open containers), so a
   * hostile header nested thousands deep cannot overflow the call stack. Cost O(length).
   */
  parseTop(): PyValue {
    type Frame = { kind: 'seq'; close: string; out: PyValue[] } | { kind: 'dict'; out: { [k: string]: PyValue }; key: string };
    const stack: Frame[] = [];
    let value: PyValue;
    for (;;) {
      this.ws();
      const c = this.s[this.i];
      if (c === '{' || c === '(' || c === '[') {
        this.i++;
        const frame: Frame = c === '{' ? { kind: 'dict', out: Object.create(null) as { [k: string]: PyValue }, key: '' } : { kind: 'seq', close: c === '(' ? ')' : ']', out: [] };
        this.ws();
        if (this.s[this.i] === (frame.kind === 'dict' ? '}' : frame.close)) {
          this.i++;
          value = frame.out;
        } else {
          stack.push(frame);
          if (frame.kind === 'dict') this.key(frame);
          continue;
        }
      } else {
        value = this.scalar();
      }
      // hand the value to the enclosing containers, closing those that end here
      for (;;) {
        const top = stack[stack.length - 1];
        if (!top) {
          this.ws();
          if (this.i !== this.s.length) this.fail('unexpected trailing text');
          return value;
        }
        if (top.kind === 'seq') top.out.push(value);
        else top.out[top.key] = value;
        const close = top.kind === 'dict' ? '}' : top.close;
        this.ws();
        if (this.s[this.i] === ',') {
          this.i++;
          this.ws();
        } else if (this.s[this.i] !== close) this.fail(`expected ',' or '${close}'`);
        if (this.s[this.i] === close) {
          this.i++;
          stack.pop();
          value = top.out;
          continue;
        }
        if (top.kind === 'dict') this.key(top);
        break;
      }
    }
  }
  /** Reads `'key':` of a dict entry into `frame.key`. */
  private key(frame: { key: string }): void {
    this.ws();
    const k = this.s[this.i] === "'" || this.s[this.i] === '"' ? this.str() : this.fail('dict key is not a string');
    this.ws();
    if (this.s[this.i] !== ':') this.fail("expected ':'");
    this.i++;
    frame.key = k;
  }
  private scalar(): PyValue {
    const c = this.s[this.i];
    if (c === undefined) this.fail('unexpected end');
    if (c === "'" || c === '"') return this.str();
    if (/[-0-9]/.test(c)) return this.num();
    for (const [word, val] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return val;
      }
    }
    return this.fail(`unexpected ${JSON.stringify(c)}`);
  }
  private str(): string {
    const q = this.s[this.i++]!;
    let out = '';
    while (this.i < this.s.length && this.s[this.i] !== q) {
      if (this.s[this.i] === '\\') this.i++;
      out += this.s[this.i++] ?? '';
    }
    if (this.s[this.i] !== q) this.fail('unterminated string');
    this.i++;
    return out;
  }
  private num(): number {
    const m = /^-?[0-9]+L?/.exec(this.s.slice(this.i, this.i + 40));
    if (!m) this.fail('bad number');
    this.i += m[0].length;
    return Number(m[0].replace('L', ''));
  }
}

/** A short text of a parsed header value for messages (iterative: depth does not matter). */
function pyPreview(v: PyValue): string {
  if (typeof v !== 'object' || v === null) return JSON.stringify(v) ?? String(v);
  if (Array.isArray(v)) return `a sequence of ${v.length} item(s)${v.some((x) => typeof x === 'object' && x !== null) ? ' (nested)' : `: ${v.slice(0, 8).map((x) => JSON.stringify(x)).join(', ')}`}`;
  return 'a dict';
}

/** The dtypes sntk reads from `.npy`: float64, float32 and NumPy booleans (`|b1`, read as 0/1, e.g. masks). */
export type NpyReadDtype = FloatDtype | 'b1';

function parseDescr(descr: PyValue, where: string): NpyReadDtype {
  if (typeof descr !== 'string') {
    throw new InputError(`${where}: structured dtype (${pyPreview(descr)}) is not supported (sntk reads '<f8' and '<f4')`);
  }
  if (descr === '<f8') return 'f8';
  if (descr === '|O' || descr === '<O' || descr === '>O' || descr === 'O') {
    throw new InputError(`${where}: object array (dtype '${descr}', Python objects behind pickles) cannot be read; save numbers: np.asarray(a, dtype=np.float64)`);
  }
  if (descr === '<f4') return 'f4';
  if (descr === '|b1') return 'b1';
  if (descr === '>f8' || descr === '>f4') {
    throw new InputError(`${where}: big-endian dtype '${descr}' is not supported; save with arr.astype('<${descr.slice(1)}')`);
  }
  throw new InputError(`${where}: unsupported dtype '${descr}' (sntk reads '<f8' float64 and '<f4' float32, and '|b1' bool)`);
}

// ---------------------------------------------------------------------------------------------

/**
 * Parses the bytes of a `.npy` file. `source` names the file in error messages. Throws
 * `InputError` for a bad magic, unsupported version, header length beyond the file, a header
 * that is not a dict literal, Fortran order, big-endian or non-float dtypes, and data that is
 * shorter or longer than the shape says. Cost O(file size); allocates only the decoded data.
 */
export function readNpy(bytes: Uint8Array, source = '<npy>'): NdArray {
  const h = parseNpyHeader(bytes, source, bytes.length);
  const data = h.dtype === 'b1' ? decodeBools(bytes, h.dataStart, h.count, source) : decodeFloatsLE(bytes, h.dataStart, h.count, h.dtype);
  return { data, shape: h.shape, dtype: h.dtype };
}

/** NumPy booleans (one byte each, 0 or 1) as 0/1 float64; InputError for another byte. Cost O(count). */
function decodeBools(bytes: Uint8Array, offset: number, count: number, source: string): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const b = bytes[offset + i]!;
    if (b > 1) throw new InputError(`${source}: bool entry ${i} has byte value ${b}, expected 0 or 1`);
    out[i] = b;
  }
  return out;
}

/** What a `.npy` header says: the shape, dtype, where the data start and how many values follow. */
export interface NpyHeader {
  shape: number[];
  dtype: NpyReadDtype;
  dataStart: number;
  count: number;
}

/**
 * Parses and checks the header of a `.npy` file from its first bytes (`bytes`, at least the
 * header) and the file's total length; the same checks as `readNpy` except decoding the data, so
 * sizes can be checked before a large file is read. Cost O(header length).
 */
export function parseNpyHeader(bytes: Uint8Array, source: string, fileLength: number): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new InputError(`${source}: not a .npy file (missing the \\x93NUMPY magic)`);
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (![1, 2, 3].includes(major) || minor !== 0) {
    throw new InputError(`${source}: unsupported .npy format version ${major}.${minor} (sntk reads 1.0, 2.0, 3.0)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else {
    if (bytes.length < 12) throw new InputError(`${source}: truncated .npy header (file has ${bytes.length} bytes)`);
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > fileLength) {
    throw new InputError(`${source}: header length ${headerLen} goes beyond the end of the file (${fileLength} bytes)`);
  }
  if (dataStart > bytes.length) throw new InputError(`${source}: header of ${headerLen} bytes is longer than sntk reads (${bytes.length - headerStart})`);
  const headerBytes = bytes.subarray(headerStart, dataStart);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const dict = new PyLiteralParser(header, source).parseTop();
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) {
    throw new InputError(`${source}: header is not a dict`);
  }
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!(key in dict)) throw new InputError(`${source}: header has no '${key}' key`);
  }
  const dtype = parseDescr(dict['descr']!, source);
  const fortran = dict['fortran_order'];
  if (fortran !== false) {
    if (fortran === true) {
      throw new InputError(`${source}: Fortran-order arrays are not supported; save with np.save(path, np.ascontiguousarray(a))`);
    }
    throw new InputError(`${source}: header 'fortran_order' must be True or False`);
  }
  const shapeV = dict['shape'];
  if (!Array.isArray(shapeV) || shapeV.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) {
    throw new InputError(`${source}: header 'shape' must be a tuple of non-negative integers, got ${pyPreview(shapeV!)}`);
  }
  const shape = shapeV as number[];
  const count = shapeProduct(shape);
  const need = count * (dtype === 'b1' ? 1 : itemSize(dtype));
  const descr = dtype === 'b1' ? '|b1' : `<${dtype}`;
  const have = fileLength - dataStart;
  if (need > have) {
    throw new InputError(
      `${source}: truncated data: shape ${fmtShape(shape)} of '${descr}' needs ${need} bytes but the file has ${have} after the header`,
    );
  }
  if (need < have) {
    throw new InputError(
      `${source}: shape ${fmtShape(shape)} of '${descr}' needs ${need} bytes but the file has ${have} after the header (shape/size mismatch)`,
    );
  }
  return { shape: [...shape], dtype, dataStart, count };
}

/**
 * Serialises a C-order array of `shape` as `.npy` bytes, exactly as NumPy's `np.save` lays them
 * out (same header text and padding). Throws `InputError` if `data.length` differs from the shape
 * product. Cost O(n).
 */
export function writeNpy(data: ArrayLike<number>, shape: readonly number[], opts: WriteNpyOptions = {}): Uint8Array {
  const dtype = opts.dtype ?? 'f8';
  const head = npyHeaderBytes(shape, opts);
  const count = shapeProduct(shape);
  if (count !== data.length) {
    throw new InputError(`writeNpy: shape ${fmtShape(shape)} has ${count} entries but the data has ${data.length}`);
  }
  const out = new Uint8Array(head.length + count * itemSize(dtype));
  out.set(head, 0);
  encodeFloatsLE(data, dtype, out, head.length);
  return out;
}

/**
 * The bytes of a `.npy` file before its data (magic, version, header dict, padding), as `writeNpy`
 * lays them out for `shape`. Cost O(header length).
 */
export function npyHeaderBytes(shape: readonly number[], opts: WriteNpyOptions = {}): Uint8Array {
  const dtype = opts.dtype ?? 'f8';
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new InputError(`writeNpy: shape ${fmtShape(shape)} must hold non-negative integers`);
  }
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<${dtype}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) header += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  let version = opts.version ?? 1;
  const prefixLen = (v: number) => (v === 1 ? 10 : 12);
  let total = prefixLen(version) + header.length + 1;
  // NumPy pads by ALIGN - (total % ALIGN), i.e. a full 64 bytes when already aligned.
  let pad = ALIGN - (total % ALIGN);
  if (version === 1 && header.length + 1 + pad > 0xffff) {
    if (opts.version === 1) throw new InputError(`writeNpy: header too long for format 1.0`);
    version = 2;
    total = prefixLen(version) + header.length + 1;
    pad = ALIGN - (total % ALIGN);
  }
  const hlen = header.length + pad + 1;
  const dataStart = prefixLen(version) + hlen;
  const out = new Uint8Array(dataStart);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, hlen, true);
  else dv.setUint32(8, hlen, true);
  const hstart = prefixLen(version);
  for (let i = 0; i < header.length; i++) out[hstart + i] = header.charCodeAt(i);
  out.fill(0x20, hstart + header.length, dataStart - 1);
  out[dataStart - 1] = 0x0a;
  return out;
}

/** Largest `.npy` header `readNpyHeaderFile` reads (NumPy's own limit for format 2.0 headers is far larger, but real headers are < 1 KiB). */
const MAX_HEADER_BYTES = 1 << 20;

/**
 * The header of a `.npy` file on disk (shape, dtype), read without its data (see parseNpyHeader);
 * InputError naming the file when it is missing, not a regular file or malformed. Cost O(header).
 */
export function readNpyHeaderFile(path: string): NpyHeader {
  let fd: number;
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new InputError(`${path}: not a regular file`);
    size = st.size;
    fd = openSync(path, 'r');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const head = new Uint8Array(Math.min(size, MAX_HEADER_BYTES + 12));
    readSync(fd, head, 0, head.length, 0);
    return parseNpyHeader(head, path, size);
  } finally {
    closeSync(fd);
  }
}

/** Reads a `.npy` file from disk (see readNpy). */
export function readNpyFile(path: string): NdArray {
  return readNpy(readFileBytes(path), path);
}

/**
 * Writes a `.npy` file atomically (see writeNpy).
 *
 * @param path - destination `.npy` file.
 * @param data - values in row-major order, `prod(shape)` of them.
 * @param shape - the array shape.
 * @param opts - the dtype written (default float64).
 * @throws {@link sntk!InputError} when `data` does not have `prod(shape)` values.
 */
export function writeNpyFile(path: string, data: ArrayLike<number>, shape: readonly number[], opts: WriteNpyOptions = {}): void {
  writeFileAtomic(path, writeNpy(data, shape, opts));
}

/**
 * Saves a float64 array (kernel, Jacobian, trajectory, …) as a `.npy` file of C-order `shape`,
 * bit-exact float64. The helper other layers call to export arrays. Cost O(n).
 */
export function saveArrayNpy(path: string, data: ArrayLike<number>, shape: readonly number[]): void {
  if (data instanceof Float64Array && HOST_LITTLE_ENDIAN && shapeProduct(shape) === data.length && shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    // the header, then the array's own bytes: no second copy of a large array (its size is in the memory budget once)
    writeFileAtomic(path, [npyHeaderBytes(shape), new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]);
    return;
  }
  writeNpyFile(path, data, shape);
}
