/**
 * The raw addon and the registration entry points: bad arguments throw (TypeError/RangeError)
 * instead of touching memory out of bounds; BLAS works in place on subarray views without copying;
 * `tryRegisterNativeBackend` makes `native` selectable. Skipped, visibly, without the addon.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadNativeBackend, nativeBackendStatus, tryRegisterNativeBackend, type NativeAddon } from '../../src/linalg/native.js';
import { availableBackends, getBackend, setBackend } from '../../src/linalg/registry.js';

const addonPath = fileURLToPath(new URL('../../native/build/Release/sntk_native.node', import.meta.url));
const built = existsSync(addonPath) && loadNativeBackend() !== undefined;
const addon = built ? (createRequire(import.meta.url)(addonPath) as NativeAddon) : undefined;
const suite = built ? 'native addon' : `native addon (SKIPPED: ${nativeBackendStatus()})`;

describe.skipIf(!built)(suite, () => {
  it('rejects wrong types and too-short buffers with TypeError/RangeError', () => {
    const a = addon!;
    const x = new Float64Array(4);
    expect(() => a.dgemm(false, false, 3, 2, 2, 1, x, 2, x, 2, 0, x, 2)).toThrow(RangeError);
    expect(() => a.dgemm(false, false, 2, 2, 2, 1, x, 1, x, 2, 0, x, 2)).toThrow(RangeError); // lda < cols
    expect(() => a.dgemv(false, 2, 2, 1, x, 2, new Float64Array(1), 0, x)).toThrow(RangeError);
    expect(() => a.dsyevd(true, 3, x, new Float64Array(3))).toThrow(RangeError);
    expect(() => a.dgesv(-1, 1, x, x)).toThrow(RangeError);
    expect(() => a.dpotrf(2.5, x)).toThrow(RangeError);
    expect(() => a.dgemm(false, false, 2, 2, 2, 1, new Float32Array(4) as unknown as Float64Array, 2, x, 2, 0, x, 2)).toThrow(TypeError);
    expect(() => (a.dpotrf as unknown as (n: number) => number)(2)).toThrow(TypeError);
  });

  it('works in place on subarray views (no copy): C block of a larger buffer', () => {
    const buf = new Float64Array(10).fill(7);
    const C = buf.subarray(3, 7); // 2×2
    const A = Float64Array.from([1, 2, 3, 4]);
    addon!.dgemm(false, false, 2, 2, 2, 1, A, 2, A, 2, 0, C, 2);
    expect(Array.from(buf)).toEqual([7, 7, 7, 7, 10, 15, 22, 7, 7, 7]);
  });

  it('allocZeroed maps zeroed, writable memory of the asked size (huge pages advised on Linux) and rejects bad sizes', () => {
    const a = addon!;
    const len = (5 << 20) + 3; // not a multiple of the 2 MiB alignment
    const buf = a.allocZeroed!(8 * len)!;
    expect(buf.byteLength).toBe(8 * len);
    const x = new Float64Array(buf);
    let nonzero = 0;
    for (let i = 0; i < len; i += 4099) if (x[i] !== 0) nonzero++;
    expect(nonzero).toBe(0);
    x[len - 1] = 2.5;
    x[0] = -1;
    expect(x[len - 1]! + x[0]!).toBe(1.5);
    // BLAS works on it like on any Float64Array
    const y = new Float64Array(a.allocZeroed!(8 * 4)!);
    a.dgemm(false, false, 2, 2, 2, 1, Float64Array.from([1, 2, 3, 4]), 2, Float64Array.from([1, 0, 0, 1]), 2, 0, y, 2);
    expect(Array.from(y)).toEqual([1, 2, 3, 4]);
    expect(() => a.allocZeroed!(0)).toThrow(RangeError);
    expect(() => a.allocZeroed!(1.5)).toThrow(RangeError);
    expect(() => a.allocZeroed!(2 ** 49)).toThrow(RangeError);
    expect(() => a.allocZeroed!(2 ** 47)).toThrow(RangeError); // beyond a 47-bit user address space
  });

  it('the native backend\'s allocateZeroed and largeZeros hand out zeroed buffers of the asked shape', async () => {
    const { largeZeros, LARGE_BUFFER } = await import('../../src/linalg/index.js');
    const before = getBackend().name;
    tryRegisterNativeBackend();
    setBackend('native');
    try {
      const M = largeZeros(LARGE_BUFFER / 1024, 1024);
      expect([M.rows, M.cols, M.data.length]).toEqual([LARGE_BUFFER / 1024, 1024, LARGE_BUFFER]);
      expect(M.data[0]! + M.data[LARGE_BUFFER - 1]!).toBe(0);
      expect(largeZeros(3, 4).data.length).toBe(12);
    } finally {
      setBackend(before);
    }
  });

  it('describes its BLAS build', () => {
    expect(addon!.config()).toMatch(/OpenBLAS|CBLAS/);
  });

  it('tryRegisterNativeBackend registers it; SNTK-style selection switches between js and native', () => {
    expect(tryRegisterNativeBackend()).toBe(true);
    expect(nativeBackendStatus()).toMatch(/^native backend loaded from .*sntk_native\.node/);
    expect(availableBackends()).toContain('native');
    setBackend('native');
    expect(getBackend().name).toBe('native');
  });
});
