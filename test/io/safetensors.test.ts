import { describe, expect, it } from 'vitest';
import { bitsEqual, expectInputError } from './helpers.js';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors, readSafetensorsFile } from '../../src/io/safetensors.js';
import { InputError } from '../../src/errors.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');

/** A safetensors file assembled by hand: u64 LE header length, header text (as given), data. */
function handMade(header: string, data: Uint8Array, claimedLen?: number): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  const dv = new DataView(out.buffer);
  const n = claimedLen ?? h.length;
  dv.setUint32(0, n % 2 ** 32, true);
  dv.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
const f64le = (xs: number[]) => new Uint8Array(new Float64Array(xs).buffer);
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};


describe('safetensors: hand-made files', () => {
  it('fixture with F32 + F64 tensors, __metadata__ and a space-padded header', () => {
    const st = readSafetensorsFile(join(FIX, 'st-mixed.safetensors'));
    expect(st.metadata).toEqual({ format: 'pt', note: 'hand-made' });
    expect([...st.tensors.keys()]).toEqual(['alpha', 'beta']);
    const a = st.tensors.get('alpha')!;
    expect(a.dtype).toBe('F32');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, -2.5, 3.25, 0.5, 0, -1]);
    const b = st.tensors.get('beta')!;
    expect(b.dtype).toBe('F64');
    expect(Array.from(b.data)).toEqual([Math.PI, Math.E]);
  });
  it('byte buffer built in the test: padding, metadata, keys not in offset order, unaligned data', () => {
    const header =
      '{"z":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"__metadata__":{"k":"v"},' +
      '"a":{"dtype":"F64","shape":[1,1],"data_offsets":[16,24]},"e":{"dtype":"F32","shape":[0],"data_offsets":[24,24]}}     ';
    const st = readSafetensors(handMade(header, f64le([1.5, -2, 9])));
    expect(st.metadata).toEqual({ k: 'v' });
    expect([...st.tensors.keys()]).toEqual(['z', 'a', 'e']);
    expect(Array.from(st.tensors.get('z')!.data)).toEqual([1.5, -2]);
    expect(Array.from(st.tensors.get('a')!.data)).toEqual([9]);
    expect(st.tensors.get('e')!.data.length).toBe(0);
  });
  it('F16 and BF16 are widened exactly', () => {
    const data = new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0x80, 0x3f, 0x40, 0xc0]); // f16 1, -2 ; bf16 1, -3
    const st = readSafetensors(
      handMade('{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"g":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]}}', data),
    );
    expect(Array.from(st.tensors.get('h')!.data)).toEqual([1, -2]);
    expect(Array.from(st.tensors.get('g')!.data)).toEqual([1, -3]);
  });
});

describe('safetensors: round trips', () => {
  it('F64 tensors written by sntk read back bit-identical, and rewriting gives the same bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), fc.integer()), { minLength: 1, maxLength: 4 }),
        (specs) => {
          const tensors: [string, { data: Float64Array; shape: number[] }][] = specs.map(([shape, seed], k) => {
            const n = shape.reduce((p, s) => p * s, 1);
            const data = new Float64Array(n);
            const u32 = new Uint32Array(data.buffer);
            let s = seed >>> 0;
            for (let i = 0; i < u32.length; i++) u32[i] = s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            return [`t${k}`, { data, shape }];
          });
          const bytes = writeSafetensors(tensors, { who: 'sntk' });
          const n = new DataView(bytes.buffer).getUint32(0, true);
          expect(n % 8).toBe(0);
          const st = readSafetensors(bytes);
          expect(st.metadata).toEqual({ who: 'sntk' });
          for (const [name, t] of tensors) {
            expect(st.tensors.get(name)!.shape).toEqual(t.shape);
            expect(bitsEqual(st.tensors.get(name)!.data, t.data)).toBe(true);
          }
          const again = writeSafetensors([...st.tensors].map(([k, v]) => [k, { data: v.data, shape: v.shape }]), st.metadata);
          expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });
  it('F32 writing rounds to nearest float32', () => {
    const st = readSafetensors(writeSafetensors({ x: { data: [0.1, 1 / 3], shape: [2], dtype: 'F32' } }));
    expect(st.tensors.get('x')!.dtype).toBe('F32');
    expect(Array.from(st.tensors.get('x')!.data)).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
  });
});

describe('safetensors: malformed files → InputError', () => {
  const one = '{"x":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}';
  it('header length beyond the file', () => {
    expectInputError(() => readSafetensors(handMade(one, f64le([1, 2]), 5000), 'a.st'), /a\.st: header length 5000 goes beyond the end of the file \(79 bytes\)/);
  });
  it('a 10 GB header length or tensor claim fails fast without allocating', () => {
    const before = process.memoryUsage().arrayBuffers;
    expectInputError(() => readSafetensors(handMade(one, f64le([1, 2]), 10e9)), /header length 10000000000 goes beyond the end of the file/);
    const big = '{"x":{"dtype":"F64","shape":[50000,25000],"data_offsets":[0,10000000000]}}';
    expectInputError(() => readSafetensors(handMade(big, f64le([1, 2]))), /data_offsets \[0, 10000000000\] go beyond the data \(16 bytes after the header\)/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });
  it('header that is not JSON', () => {
    expectInputError(() => readSafetensors(handMade('{"x": nope}', new Uint8Array(0)), 'b.st'), /b\.st: header is not valid JSON/);
    expectInputError(() => readSafetensors(handMade('[1,2]', new Uint8Array(0))), /header must be a JSON object/);
    expectInputError(() => readSafetensors(new Uint8Array(3)), /too short/);
  });
  it('truncated data', () => {
    const b = handMade(one, f64le([1, 2]));
    expectInputError(() => readSafetensors(b.subarray(0, b.length - 3)), /tensor 'x': data_offsets \[0, 16\] go beyond the data \(13 bytes after the header\)/);
  });
  it('wrong dtype', () => {
    expectInputError(
      () => readSafetensors(handMade('{"x":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}', f64le([1, 2]))),
      /tensor 'x' has unsupported dtype 'I64'; sntk reads F64, F32, F16, BF16/,
    );
    expectInputError(
      () => readSafetensors(handMade('{"x":{"dtype":"Q7","shape":[2],"data_offsets":[0,16]}}', f64le([1, 2]))),
      /unsupported dtype 'Q7' \(not a safetensors dtype\)/,
    );
  });
  it('shape mismatch', () => {
    expectInputError(
      () => readSafetensors(handMade('{"x":{"dtype":"F64","shape":[3],"data_offsets":[0,16]}}', f64le([1, 2]))),
      /tensor 'x': shape \(3,\) of F64 needs 24 bytes but data_offsets span 16 \(shape mismatch\)/,
    );
  });
  it('overlapping, unordered and holey offsets', () => {
    const d = f64le([1, 2, 3]);
    expectInputError(
      () => readSafetensors(handMade('{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"F64","shape":[2],"data_offsets":[8,24]}}', d)),
      /tensor 'b' data_offsets \[8, 24\] overlap the previous tensor/,
    );
    expectInputError(() => readSafetensors(handMade('{"a":{"dtype":"F64","shape":[0],"data_offsets":[16,0]}}', d)), /out of order \(begin > end\)/);
    expectInputError(() => readSafetensors(handMade('{"a":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}', d)), /hole in the data before tensor 'a'/);
    expectInputError(() => readSafetensors(handMade('{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}', d)), /cover 16 bytes of data but the file has 24/);
  });
  it('bad entries and metadata', () => {
    expectInputError(() => readSafetensors(handMade('{"a":{"shape":[1],"data_offsets":[0,8]}}', f64le([1]))), /tensor 'a' has no string 'dtype'/);
    expectInputError(() => readSafetensors(handMade('{"a":{"dtype":"F64","shape":[1.5],"data_offsets":[0,8]}}', f64le([1]))), /'shape' must be an array of non-negative integers/);
    expectInputError(() => readSafetensors(handMade('{"a":{"dtype":"F64","shape":[1],"data_offsets":[0]}}', f64le([1]))), /'data_offsets' must be \[begin, end\]/);
    expectInputError(() => readSafetensors(handMade('{"__metadata__":{"n":3}}', new Uint8Array(0))), /__metadata__\.n must be a string/);
  });
  it('fuzz: random corruption of a valid file never throws anything but InputError', () => {
    const base = writeSafetensors({ w: { data: [1, 2, 3, 4], shape: [2, 2] }, b: { data: [5], shape: [1] } }, { m: 'x' });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(base.length), (edits, cut) => {
        const b = base.slice(0, cut);
        for (const [i, v] of edits) if (i < b.length) b[i] = v;
        try {
          readSafetensors(b);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
