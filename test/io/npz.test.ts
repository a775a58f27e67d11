/** .npz archives (stored and deflate members, ZIP64 extras as NumPy writes them) and their errors. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { readNpz, readNpzFile } from '../../src/io/npz.js';
import { inputErrorMessage as message } from './helpers.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const x = Array.from({ length: 24 }, (_, i) => (i - 11.5) / 7);
const y = Array.from({ length: 16 }, (_, i) => Math.cos(i));

describe('.npz archives', () => {
  it('np.savez (stored) gives the arrays bit for bit', () => {
    const a = readNpzFile(join(FIX, 'npz-stored.npz'));
    expect([...a.keys()].sort()).toEqual(['inputs', 'targets']);
    expect(a.get('inputs')!.shape).toEqual([2, 4, 3]);
    expect(Array.from(a.get('inputs')!.data)).toEqual(x);
    // NumPy's cos and V8's may differ in the last ulp
    Array.from(a.get('targets')!.data).forEach((v, i) => expect(Math.abs(v - y[i]!)).toBeLessThanOrEqual(1e-15));
  });
  it('np.savez_compressed (deflate) gives the same arrays; float32 widened exactly', () => {
    const a = readNpzFile(join(FIX, 'npz-deflate.npz'));
    expect(Array.from(a.get('inputs')!.data)).toEqual(x);
    Array.from(a.get('targets')!.data).forEach((v, i) => expect(Math.abs(v - Math.fround(y[i]!))).toBeLessThanOrEqual(1e-7));
    expect(Array.from(a.get('targets')!.data).every((v) => Math.fround(v) === v)).toBe(true);
    expect(a.get('mask')!.shape).toEqual([2, 4]);
  });
  it('object arrays, truncated and non-zip files are refused with one line naming the problem', () => {
    expect(message(() => readNpzFile(join(FIX, 'npz-object.npz')))).toMatch(/npz-object\.npz: array 'targets': object array \(dtype '\|O'/);
    const b = readFileSync(join(FIX, 'npz-deflate.npz'));
    expect(message(() => readNpz(b.subarray(0, b.length - 30), 't.npz'))).toMatch(/^t\.npz: /);
    expect(message(() => readNpz(new Uint8Array(100), 'z.npz'))).toBe('z.npz: not a .npz (zip) file: no end-of-central-directory record');
    const corrupt = Uint8Array.from(b);
    // flip bytes inside the first member's deflate stream
    for (let i = 80; i < 120; i++) corrupt[i] = corrupt[i]! ^ 0x5a;
    expect(message(() => readNpz(corrupt, 'c.npz'))).toMatch(/^c\.npz: (member|array) '/);
  });
});
