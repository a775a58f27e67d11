import { describe, expect, it } from 'vitest';
import { bitsEqual, expectInputError } from './helpers.js';
import fc from 'fast-check';
import { readFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readNpy, writeNpy, readNpyFile, saveArrayNpy } from '../../src/io/npy.js';
import { InputError } from '../../src/errors.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIX, name)));

/** Bytes of a .npy file assembled by hand: magic, version, header length, header text, data. */
function handMade(version: 1 | 2, header: string, data: Uint8Array): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const out = new Uint8Array(pre + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  out.set(data, pre + header.length);
  return out;
}
const f64le = (xs: number[]) => new Uint8Array(new Float64Array(xs).buffer);
const f32le = (xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);


describe('npy: files written by NumPy', () => {
  it('reads format 1.0 float64 (3, 4) written by np.save', () => {
    const a = readNpy(fixture('npy-v1-f8-3x4.npy'));
    expect(a.shape).toEqual([3, 4]);
    expect(a.dtype).toBe('f8');
    expect(Array.from(a.data)).toEqual(Array.from({ length: 12 }, (_, i) => i * 0.5 - 1.25));
  });
  it('reads format 2.0 float32 (2, 3) and widens exactly', () => {
    const a = readNpy(fixture('npy-v2-f4-2x3.npy'));
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('f4');
    expect(Array.from(a.data)).toEqual(Array.from({ length: 6 }, (_, i) => Math.fround(i / 3)));
  });
  it('reads a 1-D array', () => {
    const a = readNpy(fixture('npy-v1-f8-1d.npy'));
    expect(a.shape).toEqual([3]);
    expect(Array.from(a.data)).toEqual([1.5, -2.0, Math.PI]);
  });
  it('writeNpy reproduces np.save byte for byte (1-D and 2-D)', () => {
    const a = readNpy(fixture('npy-v1-f8-3x4.npy'));
    expect(Buffer.from(writeNpy(a.data, a.shape)).equals(Buffer.from(fixture('npy-v1-f8-3x4.npy')))).toBe(true);
    const b = readNpy(fixture('npy-v1-f8-1d.npy'));
    expect(Buffer.from(writeNpy(b.data, b.shape)).equals(Buffer.from(fixture('npy-v1-f8-1d.npy')))).toBe(true);
    const c = readNpy(fixture('npy-v2-f4-2x3.npy'));
    expect(Buffer.from(writeNpy(c.data, c.shape, { dtype: 'f4', version: 2 })).equals(Buffer.from(fixture('npy-v2-f4-2x3.npy')))).toBe(true);
  });
});

describe('npy: hand-made byte buffers', () => {
  it('format 1.0 with a minimal header (no alignment padding) and (2, 2) <f8', () => {
    const bytes = handMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }\n", f64le([1, 2, 3, -4.5]));
    const a = readNpy(bytes);
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, -4.5]);
  });
  it('format 2.0, keys in another order, double quotes, <f4', () => {
    const bytes = handMade(2, `{"shape": (3,), "fortran_order": False, "descr": "<f4"}   \n`, f32le([0.25, -1, 7]));
    const a = readNpy(bytes);
    expect(a.shape).toEqual([3]);
    expect(Array.from(a.data)).toEqual([0.25, -1, 7]);
  });
  it('format 3.0 (utf-8 header) and a 0-d scalar', () => {
    const bytes = handMade(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }\n", f64le([42]));
    bytes[6] = 3;
    const a = readNpy(bytes);
    expect(a.shape).toEqual([]);
    expect(Array.from(a.data)).toEqual([42]);
  });
  it('zero-size arrays', () => {
    const a = readNpy(writeNpy(new Float64Array(0), [0, 5]));
    expect(a.shape).toEqual([0, 5]);
    expect(a.data.length).toBe(0);
  });
});

describe('npy: round trips', () => {
  it('float64 arrays written by sntk read back bit-identical (NaN payloads, −0, subnormals)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 }),
        fc.integer(),
        (shape, seed) => {
          const n = shape.reduce((p, s) => p * s, 1);
          const data = new Float64Array(n);
          const u32 = new Uint32Array(data.buffer);
          let s = seed >>> 0;
          for (let i = 0; i < u32.length; i++) {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            u32[i] = s;
          }
          const back = readNpy(writeNpy(data, shape));
          expect(back.shape).toEqual(shape);
          expect(bitsEqual(back.data, data)).toBe(true);
          // and the file itself is stable: write(read(file)) == file
          expect(Buffer.from(writeNpy(back.data, back.shape)).equals(Buffer.from(writeNpy(data, shape)))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
  it('header data offset is a multiple of 64 for any shape', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100000 }), { maxLength: 6 }), (shape) => {
        const bytes = writeNpy(new Float64Array(0), [...shape, 0]);
        const hlen = bytes[8]! | (bytes[9]! << 8);
        expect((10 + hlen) % 64).toBe(0);
        expect(bytes[10 + hlen - 1]).toBe(0x0a);
      }),
      { numRuns: 50 },
    );
  });
  it('saveArrayNpy writes atomically (no temp files left) and reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-npy-'));
    const p = join(dir, 'k.npy');
    saveArrayNpy(p, new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(readdirSync(dir)).toEqual(['k.npy']);
    const a = readNpyFile(p);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('writeNpy rejects a shape/data mismatch', () => {
    expectInputError(() => writeNpy(new Float64Array(5), [2, 3]), /shape \(2, 3\) has 6 entries but the data has 5/);
  });
});

describe('npy: malformed files → InputError', () => {
  const good = () => fixture('npy-v1-f8-3x4.npy');
  it('Fortran order', () => expectInputError(() => readNpy(fixture('npy-fortran.npy'), 'f.npy'), /f\.npy: Fortran-order arrays are not supported/));
  it('big-endian', () => expectInputError(() => readNpy(fixture('npy-bigendian.npy'), 'be.npy'), /big-endian dtype '>f8'/));
  it('integer dtype', () => expectInputError(() => readNpy(fixture('npy-i8.npy'), 'i.npy'), /i\.npy: unsupported dtype '<i8'/));
  it('truncated data', () => {
    const b = good();
    expectInputError(() => readNpy(b.subarray(0, b.length - 8), 't.npy'), /t\.npy: truncated data: shape \(3, 4\) of '<f8' needs 96 bytes but the file has 88/);
  });
  it('trailing bytes (shape mismatch)', () => {
    const b = good();
    const longer = new Uint8Array(b.length + 8);
    longer.set(b);
    expectInputError(() => readNpy(longer), /needs 96 bytes but the file has 104.*mismatch/);
  });
  it('header length beyond the file', () => {
    const b = good().slice(0, 40);
    expectInputError(() => readNpy(b, 'h.npy'), /h\.npy: header length 118 goes beyond the end of the file \(40 bytes\)/);
    const v2 = handMade(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n", f64le([1]));
    new DataView(v2.buffer).setUint32(8, 0xfffffff0, true);
    expectInputError(() => readNpy(v2), /header length 4294967280 goes beyond the end of the file/);
  });
  it('header that is not a dict literal', () => {
    expectInputError(() => readNpy(handMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2}\n", f64le([1, 2, 3, 4]))), /not a valid Python dict literal/);
    expectInputError(() => readNpy(handMade(1, "{'descr': '<f8', 'shape': (4,)}\n", f64le([1, 2, 3, 4]))), /no 'fortran_order' key/);
    expectInputError(() => readNpy(handMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}\n", f64le([1]))), /'shape' must be a tuple of non-negative integers/);
  });
  it('a 10 GB claimed size on a small file fails fast without allocating', () => {
    const bytes = handMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (50000, 25000), }\n", f64le([1, 2, 3]));
    const before = process.memoryUsage().arrayBuffers;
    expectInputError(() => readNpy(bytes, 'huge.npy'), /huge\.npy: truncated data: shape \(50000, 25000\) of '<f8' needs 10000000000 bytes but the file has 24/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    // an absurd shape whose product overflows safe integers is still just "truncated"
    expectInputError(() => readNpy(handMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (9007199254740991, 9007199254740991), }\n", f64le([]))), /truncated data/);
  });
  it('not an npy file / unsupported version', () => {
    expectInputError(() => readNpy(new TextEncoder().encode('hello world, not numpy'), 'x.npy'), /x\.npy: not a \.npy file/);
    const b = good();
    b[6] = 9;
    expectInputError(() => readNpy(b), /unsupported \.npy format version 9\.0/);
  });
  it('missing file', () => expectInputError(() => readNpyFile('/nonexistent/k.npy'), /\/nonexistent\/k\.npy: no such file/));
});
