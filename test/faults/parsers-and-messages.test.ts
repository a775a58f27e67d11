/**
 * Issue cases 7 and 9: parsers that hostile input cannot crash (an .npy header nested thousands
 * deep), and the exit-code and message items: a bad SNTK_BACKEND, one-line config errors,
 * configs refused before config.json is written, `__proto__` in --set, unknown model fields,
 * duplicate safetensors keys, a hidden size of 0, the big-endian hint.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { configFile, expectOneLineFailure, tinyConfig, tmp, train } from './helpers.js';
import { readNpy } from '../../src/io/npy.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { InputError } from '../../src/errors.js';
import { defineSpec, randomModel } from '../../src/models/index.js';
import { modelToJson } from '../../src/io/model-json.js';

const env = process.env.SNTK_BACKEND;
afterEach(() => {
  if (env === undefined) delete process.env.SNTK_BACKEND;
  else process.env.SNTK_BACKEND = env;
});

/** A v2 .npy file with the given header text and no data. */
function npyWithHeader(header: string): Uint8Array {
  const h = new TextEncoder().encode(header + '\n');
  const b = new Uint8Array(12 + h.length);
  b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
  new DataView(b.buffer).setUint32(8, h.length, true);
  b.set(h, 12);
  return b;
}

describe('parsers', () => {
  it('an .npy header nested 5000 deep (10 KB) is an InputError, not a RangeError', () => {
    for (const deep of ['['.repeat(5000) + ']'.repeat(5000), '('.repeat(5000) + ')'.repeat(5000), "{'a': ".repeat(3000) + '1' + '}'.repeat(3000)]) {
      const bytes = npyWithHeader(`{'descr': '<f8', 'fortran_order': False, 'shape': ${deep}, }`);
      expect(() => readNpy(bytes, 'deep.npy')).toThrow(InputError);
    }
    // unbalanced nesting is a syntax error with a position, also without recursion
    expect(() => readNpy(npyWithHeader(`{'shape': ${'['.repeat(20000)}`), 'open.npy')).toThrow(/deep|open\.npy: header is not a valid Python dict literal/);
  });

  it('the big-endian hint names the right dtype', () => {
    expect(() => readNpy(new Uint8Array(readFileSync('test/fixtures/npy-bigendian.npy')), 'be.npy')).toThrow(/astype\('<f8'\)/);
  });

  it('duplicate safetensors keys are refused', () => {
    const ok = writeSafetensors(new Map([['a', { data: Float64Array.of(1, 2), shape: [2] }]]));
    const n = Number(new DataView(ok.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(ok.subarray(8, 8 + n)).trim();
    const entry = header.slice(1, -1);
    const dup = new TextEncoder().encode(`{${entry},${entry}}`);
    const bytes = new Uint8Array(8 + dup.length + 16);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(dup.length), true);
    bytes.set(dup, 8);
    bytes.set(ok.subarray(8 + n), 8 + dup.length);
    expect(() => readSafetensors(bytes, 'dup.safetensors')).toThrow(/header names tensor 'a' twice/);
  });
});

describe('exit codes and one-line messages', () => {
  it('SNTK_BACKEND=bogus: exit 2, one line', async () => {
    process.env.SNTK_BACKEND = 'bogus';
    expectOneLineFailure(await runCli(['info']), 2, /SNTK_BACKEND must be 'js' or 'native', got 'bogus'/);
  });

  it('a config with many errors is one line: the first failing field plus a count', async () => {
    const cfg = configFile({ steps: 0, stepz: 1, optimizer: { learningRate: -1, lr: 2 }, task: { name: 'pitchfork', hiddenSize: 1 } });
    expectOneLineFailure(await train(cfg, tmp()), 2, /^sntk: invalid training config: config\.\S+: .* \(and [1-9]\d* more problems?\)$/);
  });

  it('a template config whose default input rank exceeds inputSize fails validation before config.json is written', async () => {
    const out = tmp();
    const cfg = configFile(tinyConfig({ seed: 1, task: { name: 'template', hiddenSize: 8, inputSize: 4, T: 5, B: 4 } }));
    expectOneLineFailure(await train(cfg, out), 2, /config\.task\.inputSize: 4 is below the default input rank 5 \(4 \+ seed mod 3\)/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('demo --set with __proto__ is refused like train does', async () => {
    const out = join(tmp(), 'demo');
    expectOneLineFailure(await runCli(['demo', '--out', out, '--set', '{"__proto__":{"steps":1}}', '--quiet']), 2, /--set: the key '__proto__' is not allowed/);
    expect(existsSync(out)).toBe(false);
    expect(({} as Record<string, unknown>)['steps']).toBeUndefined();
  });

  it('extra top-level model fields are refused; a hidden size of 0 is refused when read', async () => {
    const d = tmp();
    const model = JSON.parse(modelToJson(randomModel(defineSpec({ cell: 'vanilla', hiddenSize: 2, inputSize: 1, outputSize: 1 }), 1)));
    writeFileSync(join(d, 'extra.json'), JSON.stringify({ ...model, hidenSize: 3 }));
    writeFileSync(join(d, 'x.json'), JSON.stringify([[0.1], [0.2]]));
    expectOneLineFailure(await runCli(['kernel', '--model', join(d, 'extra.json'), '--inputs', join(d, 'x.json'), '--quiet']), 2, /hidenSize/);
    const st = writeSafetensors(new Map([
      ['weight_ih_l0', { data: new Float64Array(0), shape: [0, 1] }],
      ['weight_hh_l0', { data: new Float64Array(0), shape: [0, 0] }],
    ]));
    writeFileSync(join(d, 'zero.safetensors'), st);
    expectOneLineFailure(await runCli(['convert', join(d, 'zero.safetensors'), join(d, 'zero.json')]), 2, /hidden_size ≥ 1/);
    expect(existsSync(join(d, 'zero.json'))).toBe(false);
  });
});
