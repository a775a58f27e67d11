import { describe, expect, it } from 'vitest';
import { inputErrorMessage } from './helpers.js';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseModelData, modelDataToJson } from '../../src/io/model-doc.js';
import { parseModelJson, modelToJson, readModelFile, writeModelFile } from '../../src/io/model-json.js';
import { createLayout, randomModel, defineSpec } from '../../src/models/index.js';
import type { CellKind, ActivationName } from '../../src/models/index.js';
import { InputError } from '../../src/errors.js';

const message = inputErrorMessage;

const base = () => ({
  format: 'sntk-model/1',
  cell: 'vanilla',
  activation: 'tanh',
  hiddenSize: 2,
  inputSize: 3,
  params: { W: [[0.5, -0.25], [0.125, 1]], U: [[1, 2, 3], [4, 5, 6]], b: [0.1, -0.2] } as Record<string, unknown>,
});
const txt = (v: unknown) => JSON.stringify(v);

describe('sntk-model/1 JSON: parsing', () => {
  it('packs a vanilla model in layout order', () => {
    const d = parseModelData(txt(base()), 'm.json');
    expect(d.spec).toEqual({ cell: 'vanilla', activation: 'tanh', hiddenSize: 2, inputSize: 3, outputSize: 0, alpha: 1 });
    expect(Array.from(d.params)).toEqual([0.5, -0.25, 0.125, 1, 1, 2, 3, 4, 5, 6, 0.1, -0.2]);
  });
  it('infers outputSize from C and reads the readout', () => {
    const m = base();
    m.params['C'] = [[1, 2]];
    m.params['d'] = [3];
    const d = parseModelData(txt(m), 'm.json');
    expect(d.spec.outputSize).toBe(1);
    expect(Array.from(d.params.subarray(12))).toEqual([1, 2, 3]);
  });
  it('wrong shape: names file, field path, expected vs actual', () => {
    const m = base();
    m.params['W'] = [[0.5, -0.25], [0.125]];
    expect(message(() => parseModelData(txt(m), 'net.json'))).toBe('net.json: params.W[1]: expected 2 numbers (2×2 (hiddenSize × hiddenSize)), got 1');
    m.params['W'] = [[0.5, -0.25]];
    expect(message(() => parseModelData(txt(m), 'net.json'))).toBe('net.json: params.W: expected 2×2 (hiddenSize × hiddenSize), got 1 rows');
    const m2 = base();
    m2.params['b'] = [1, 2, 3];
    expect(message(() => parseModelData(txt(m2), 'net.json'))).toBe('net.json: params.b: expected 2 entries (hiddenSize), got 3 entries');
    const m3 = base();
    delete m3.params['U'];
    expect(message(() => parseModelData(txt(m3), 'net.json'))).toBe('net.json: params.U: missing (expected 2×3 (hiddenSize × inputSize))');
  });
  it('NaN / Infinity / null / string weights are rejected by name', () => {
    const nanText = txt(base()).replace('0.125', 'NaN');
    expect(message(() => parseModelData(nanText, 'n.json'))).toBe('n.json: params.W[1][0] is NaN (weights must be finite numbers)');
    const infText = txt(base()).replace('-0.2]', '-Infinity]');
    expect(message(() => parseModelData(infText, 'n.json'))).toBe('n.json: params.b[1] is -Infinity (weights must be finite numbers)');
    expect(message(() => parseModelData(txt(base()).replace('1e999', '').replace('0.5', '1e999'), 'n.json'))).toBe(
      'n.json: params.W[0][0] is Infinity (weights must be finite)',
    );
    const m = base();
    (m.params['U'] as unknown[][])[1]![2] = null;
    expect(message(() => parseModelData(txt(m), 'n.json'))).toBe('n.json: params.U[1][2] is null (expected a number)');
    (m.params['U'] as unknown[][])[1]![2] = '6';
    expect(message(() => parseModelData(txt(m), 'n.json'))).toBe('n.json: params.U[1][2] is the string "6" (expected a number)');
  });
  it('unknown cell names the allowed list', () => {
    const m = { ...base(), cell: 'lstm' };
    expect(message(() => parseModelData(txt(m), 'c.json'))).toBe('c.json: cell: unknown cell "lstm" (allowed: vanilla, leaky, rate, gru, torch-rnn, torch-gru, torch-lstm)');
  });
  it('leaky/rate need alpha in (0, 1]', () => {
    expect(message(() => parseModelData(txt({ ...base(), cell: 'leaky' }), 'a.json'))).toMatch(/^a\.json: alpha: a leaky cell needs "alpha" in \(0, 1\]/);
    expect(message(() => parseModelData(txt({ ...base(), cell: 'rate', alpha: 1.5 }), 'a.json'))).toBe('a.json: alpha: must be in (0, 1] for a rate cell, got 1.5');
    expect(parseModelData(txt({ ...base(), cell: 'rate', alpha: 0.2 }), 'a.json').spec.alpha).toBe(0.2);
  });
  it('other top-level problems', () => {
    expect(message(() => parseModelData('{"format": ', 'x.json'))).toMatch(/^x\.json: not valid JSON/);
    expect(message(() => parseModelData(txt({ ...base(), format: 'v2' }), 'x.json'))).toBe('x.json: format: expected "sntk-model/1", got the string "v2"');
    expect(message(() => parseModelData(txt({ ...base(), hiddenSize: 0 }), 'x.json'))).toBe('x.json: hiddenSize: must be an integer ≥ 1, got 0');
    expect(message(() => parseModelData(txt({ ...base(), activation: 'gelu' }), 'x.json'))).toBe(
      'x.json: activation: unknown activation "gelu" (allowed: tanh, relu, identity, softplus)',
    );
    const m = base();
    m.params['Wr'] = [];
    expect(message(() => parseModelData(txt(m), 'x.json'))).toBe('x.json: params.Wr: unknown weight for a vanilla cell (expected W, U, b)');
  });
});

describe('sntk-model/1 JSON: round trips through Model', () => {
  const cells: CellKind[] = ['vanilla', 'leaky', 'rate', 'gru'];
  const acts: ActivationName[] = ['tanh', 'relu', 'identity', 'softplus'];
  it('modelToJson → parseModelJson is bit-identical for every cell (−0 included)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...cells),
        fc.constantFrom(...acts),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer(),
        (cell, activation, N, D, O, seed) => {
          const spec = defineSpec({ cell, activation, hiddenSize: N, inputSize: D, outputSize: O, alpha: 0.3 });
          const m = randomModel(spec, seed);
          m.params[0] = -0;
          const back = parseModelJson(modelToJson(m), 'rt.json');
          expect(back.spec).toEqual(m.spec);
          expect(Object.is(back.params[0], -0)).toBe(true);
          expect(Buffer.from(back.params.buffer).equals(Buffer.from(m.params.buffer))).toBe(true);
          expect(modelDataToJson(back)).toBe(modelToJson(m));
        },
      ),
      { numRuns: 60 },
    );
  });
  it('layout block order agrees with createLayout (GRU names)', () => {
    const spec = defineSpec({ cell: 'gru', hiddenSize: 2, inputSize: 1, outputSize: 1 });
    const json = JSON.parse(modelToJson(randomModel(spec, 1)));
    expect(Object.keys(json.params)).toEqual(createLayout(spec).blocks.map((b) => b.name));
    expect(Object.keys(json.params)).toEqual(['Wr', 'Wz', 'Wn', 'Ur', 'Uz', 'Un', 'br', 'bz', 'bn', 'C', 'd']);
  });
  it('writeModelFile is atomic and readModelFile reads .json and .safetensors (both layouts)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-model-'));
    for (const [cell, activation] of [['vanilla', 'tanh'], ['vanilla', 'softplus'], ['leaky', 'relu'], ['gru', 'tanh']] as const) {
      const alpha = cell === 'leaky' ? 0.25 : undefined;
      const m = randomModel(defineSpec({ cell, activation, hiddenSize: 3, inputSize: 2, outputSize: 2, alpha }), 5);
      for (const ext of ['json', 'safetensors']) {
        const p = join(dir, `${cell}-${activation}.${ext}`);
        writeModelFile(m, p);
        const back = readModelFile(p);
        expect(back.spec).toEqual(m.spec);
        expect(Buffer.from(back.params.buffer).equals(Buffer.from(m.params.buffer))).toBe(true);
      }
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    writeFileSync(join(dir, 'x.txt'), '{}');
    expect(message(() => readModelFile(join(dir, 'x.txt')))).toMatch(/x\.txt: unknown model file extension '\.txt' \(expected \.json, \.safetensors or \.npz\)/);
  });
});

describe('model files: claimed sizes and the sntk safetensors layout', () => {
  it('a huge hiddenSize with small params fails with a shape message, without allocating', () => {
    const before = process.memoryUsage().arrayBuffers;
    expect(message(() => parseModelData(txt({ ...base(), hiddenSize: 50000 }), 'big.json'))).toBe(
      'big.json: params.W: expected 50000×50000 (hiddenSize × hiddenSize), got 2 rows',
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });
  it('sntk layout: metadata and tensor shapes are checked by name', async () => {
    const { modelDataToSntkSafetensors, modelDataFromSntkSafetensors } = await import('../../src/io/model-safetensors.js');
    const { readSafetensors, writeSafetensors } = await import('../../src/io/safetensors.js');
    const m = randomModel(defineSpec({ cell: 'rate', hiddenSize: 3, inputSize: 2, alpha: 0.5 }), 2);
    const s = modelDataToSntkSafetensors(m);
    const read = (tensors: typeof s.tensors, meta: Record<string, string>) =>
      modelDataFromSntkSafetensors(readSafetensors(writeSafetensors(tensors, meta)), 'r.safetensors');
    expect(Array.from(read(s.tensors, s.metadata).params)).toEqual(Array.from(m.params));
    expect(message(() => read(s.tensors, { ...s.metadata, hiddenSize: '100000' }))).toBe(
      "r.safetensors: tensor 'W' has shape (3, 3), expected (100000, 100000)",
    );
    expect(message(() => read(s.tensors, { ...s.metadata, alpha: '0' }))).toBe('r.safetensors: __metadata__.alpha must be in (0, 1] for a rate cell, got "0"');
    expect(message(() => read(s.tensors, { ...s.metadata, cell: 'lstm' }))).toBe(
      'r.safetensors: __metadata__.cell: unknown cell "lstm" (allowed: vanilla, leaky, rate, gru, torch-rnn, torch-gru, torch-lstm)',
    );
    expect(message(() => read(s.tensors.filter(([k]) => k !== 'b'), s.metadata))).toBe("r.safetensors: tensor 'b' missing (expected shape (3,))");
    expect(message(() => read([...s.tensors, ['Q', { data: [1], shape: [1] }]], s.metadata))).toBe(
      "r.safetensors: unexpected tensor 'Q' for a rate cell (expected W, U, b)",
    );
    const nan = s.tensors.map(([k, v]): [string, typeof v] => [k, k === 'U' ? { ...v, data: Float64Array.from([1, 2, NaN, 4, 5, 6]) } : v]);
    expect(message(() => read(nan, s.metadata))).toBe("r.safetensors: tensor 'U' entry 2 is NaN (weights must be finite)");
  });
});
