import { describe, expect, it } from 'vitest';
import { inputErrorMessage } from './helpers.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseInputsJson, readInputsFile, inputsFromNpy } from '../../src/io/inputs.js';
import { writeNpy } from '../../src/io/npy.js';
import { InputError } from '../../src/errors.js';

const message = inputErrorMessage;

describe('inputs files', () => {
  it('[T][D] is one trial, [B][T][D] a batch, flattened row-major', () => {
    const a = parseInputsJson('[[1,2],[3,4],[5,6]]', 'x.json', 2);
    expect([a.B, a.T, a.D]).toEqual([1, 3, 2]);
    expect(Array.from(a.X)).toEqual([1, 2, 3, 4, 5, 6]);
    const b = parseInputsJson('[[[1],[2]],[[3],[4]]]', 'x.json', 1);
    expect([b.B, b.T, b.D]).toEqual([2, 2, 1]);
    expect(Array.from(b.X)).toEqual([1, 2, 3, 4]);
  });
  it('width mismatch says both numbers', () => {
    expect(message(() => parseInputsJson('[[1,2,3],[4,5,6]]', 'in.json', 2))).toBe("in.json: inputs have width 3 but the model's inputSize is 2");
    expect(message(() => inputsFromNpy(writeNpy(new Float64Array(12), [2, 3, 2]), 'in.npy', 4))).toBe(
      "in.npy: inputs have width 2 but the model's inputSize is 4",
    );
  });
  it('ragged, empty, non-finite, non-numeric', () => {
    expect(message(() => parseInputsJson('[[1,2],[3]]', 'r.json', 2))).toBe('r.json: ragged inputs: inputs[1] has 1 numbers, expected 2');
    expect(message(() => parseInputsJson('[[[1],[2]],[[3]]]', 'r.json', 1))).toBe('r.json: ragged inputs: trial 1 has 1 time steps, trial 0 has 2');
    expect(message(() => parseInputsJson('[]', 'e.json', 2))).toBe('e.json: inputs are empty');
    expect(message(() => parseInputsJson('[[1, NaN]]', 'n.json', 2))).toBe('n.json: inputs contain NaN (inputs must be finite numbers)');
    expect(message(() => parseInputsJson('[[1, 1e400]]', 'n.json', 2))).toBe('n.json: inputs[0][1] is Infinity (inputs must be finite numbers)');
    expect(message(() => parseInputsJson('[[1, "2"]]', 'n.json', 2))).toBe('n.json: inputs[0][1] is the string "2" (inputs must be finite numbers)');
    expect(message(() => inputsFromNpy(writeNpy([1, NaN], [1, 2]), 'n.npy', 2))).toBe('n.npy: inputs[0][0][1] is NaN (inputs must be finite numbers)');
    expect(message(() => inputsFromNpy(writeNpy([1, 2], [2]), 'n.npy', 2))).toBe('n.npy: inputs array has 1 dimensions, expected (T, D) or (B, T, D)');
    expect(message(() => inputsFromNpy(writeNpy([], [0, 2]), 'n.npy', 2))).toBe('n.npy: inputs are empty (shape (0, 2))');
  });
  it('readInputsFile dispatches on the extension', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-in-'));
    writeFileSync(join(dir, 'a.json'), '[[0.5],[0.25]]');
    writeFileSync(join(dir, 'a.npy'), writeNpy([0.5, 0.25], [2, 1], { dtype: 'f4' }));
    writeFileSync(join(dir, 'a.csv'), '1');
    expect(Array.from(readInputsFile(join(dir, 'a.json'), 1).X)).toEqual([0.5, 0.25]);
    expect(Array.from(readInputsFile(join(dir, 'a.npy'), 1).X)).toEqual([0.5, 0.25]);
    expect(message(() => readInputsFile(join(dir, 'a.csv'), 1))).toMatch(/a\.csv: unknown inputs file extension '\.csv' \(expected \.json or \.npy\)/);
  });
});
