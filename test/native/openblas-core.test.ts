import { describe, expect, it } from 'vitest';
import { preferredOpenblasCore } from '../../src/linalg/native.js';

const cpu = (vendor: string, flags: string): string => `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: 26\nflags\t\t: ${flags}\n\nprocessor\t: 1\n`;
const AVX512 = 'fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16';

describe('preferredOpenblasCore (the OpenBLAS kernel set asked for before the addon loads)', () => {
  it('asks for the AVX-512 SkylakeX kernels on an AMD CPU with the five AVX-512 subsets', () => {
    expect(preferredOpenblasCore(cpu('AuthenticAMD', AVX512), {})).toBe('SkylakeX');
  });
  it('keeps OpenBLAS’s own choice without AVX-512, with a subset missing, or on Intel', () => {
    expect(preferredOpenblasCore(cpu('AuthenticAMD', 'fpu sse2 avx avx2 fma'), {})).toBeUndefined();
    expect(preferredOpenblasCore(cpu('AuthenticAMD', AVX512.replace('avx512vl', '')), {})).toBeUndefined();
    expect(preferredOpenblasCore(cpu('GenuineIntel', AVX512), {})).toBeUndefined();
    expect(preferredOpenblasCore('', {})).toBeUndefined();
  });
  it('never overrides an OPENBLAS_CORETYPE the user set', () => {
    expect(preferredOpenblasCore(cpu('AuthenticAMD', AVX512), { OPENBLAS_CORETYPE: 'Haswell' })).toBeUndefined();
    expect(preferredOpenblasCore(cpu('AuthenticAMD', AVX512), { OPENBLAS_CORETYPE: '' })).toBe('SkylakeX');
  });
});
