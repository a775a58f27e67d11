/** Shared helpers of the io tests. */
import { expect } from 'vitest';
import { InputError } from '../../src/errors.js';

/** Runs `f`, asserts it throws an InputError, and returns the message. */
export function inputErrorMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected an InputError');
}

/** Asserts that `f` throws an InputError whose message matches `pattern`. */
export function expectInputError(f: () => unknown, pattern: RegExp): void {
  expect(inputErrorMessage(f)).toMatch(pattern);
}

/** True when two float64 arrays are bit-identical (−0 and NaN payloads included). */
export function bitsEqual(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
