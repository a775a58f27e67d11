import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { main } from '../../src/cli/main.js';
import { readModelFile, writeModelFile } from '../../src/io/model-json.js';
import { readSafetensorsFile } from '../../src/io/safetensors.js';
import { defineSpec, randomModel } from '../../src/models/index.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');

const run = runCli;

afterEach(() => vi.restoreAllMocks());

describe('sntk convert', () => {
  it('PyTorch state dict → JSON → safetensors (torch layout) keeps every number', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-conv-'));
    const j = join(dir, 'm.json');
    const s = join(dir, 'm.safetensors');
    const r1 = await run(['convert', join(FIX, 'torch-rnn.safetensors'), j, '--json']);
    expect(r1.code).toBe(0);
    const info = JSON.parse(r1.out);
    expect(info).toMatchObject({ layout: 'json', parameters: 9 + 6 + 3 + 3 + 1, spec: { cell: 'vanilla', hiddenSize: 3 } });
    const r2 = await run(['convert', j, s]);
    expect(r2.code).toBe(0);
    expect(r2.out).toMatch(/wrote .*m\.safetensors \(PyTorch nn\.RNN state dict\): vanilla tanh, N=3, D=2, O=1, 22 parameters/);
    expect([...readSafetensorsFile(s).tensors.keys()]).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'fc.weight', 'fc.bias']);
    const a = readModelFile(join(FIX, 'torch-rnn.safetensors'));
    const b = readModelFile(s);
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
  });
  it('--nonlinearity relu and --layout sntk; auto: the one-bias gru → sntk layout (torch on request), GRU/softplus → sntk layout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-conv-'));
    const s = join(dir, 'relu.safetensors');
    expect((await run(['convert', join(FIX, 'torch-rnn.safetensors'), s, '--nonlinearity', 'relu', '--layout', 'sntk'])).code).toBe(0);
    expect(readSafetensorsFile(s).metadata['format']).toBe('sntk-model/1');
    expect(readModelFile(s).spec.activation).toBe('relu');
    const g = join(dir, 'gru.json');
    writeModelFile(randomModel(defineSpec({ cell: 'gru', hiddenSize: 2, inputSize: 1 }), 3), join(dir, 'gru-tanh.json'));
    const rt0 = await run(['convert', join(dir, 'gru-tanh.json'), join(dir, 'gru-tanh-auto.safetensors'), '--json']);
    expect(JSON.parse(rt0.out).layout).toBe('sntk');
    const rt = await run(['convert', join(dir, 'gru-tanh.json'), join(dir, 'gru-tanh.safetensors'), '--json', '--layout', 'torch']);
    expect(JSON.parse(rt.out).layout).toBe('torch');
    expect(readSafetensorsFile(join(dir, 'gru-tanh.safetensors')).tensors.get('weight_hh_l0')!.shape).toEqual([6, 2]);
    writeModelFile(randomModel(defineSpec({ cell: 'gru', activation: 'softplus', hiddenSize: 2, inputSize: 1 }), 3), g);
    const r = await run(['convert', g, join(dir, 'gru.safetensors'), '--json']);
    expect(JSON.parse(r.out).layout).toBe('sntk');
    const bad = await run(['convert', g, join(dir, 'gru2.safetensors'), '--layout', 'torch']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--layout torch needs a vanilla tanh\/relu model \(nn\.RNN\) or a GRU with tanh/);
  });
  it('bad input gives exit code 2 and one clear message, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-conv-'));
    const p = join(dir, 'bad.json');
    const m = JSON.parse(readFileSync(join(FIX, 'torch-rnn-equivalent.json'), 'utf8'));
    m.params.W[2] = [1, 2];
    writeFileSync(p, JSON.stringify(m));
    const r = await run(['convert', p, join(dir, 'o.safetensors')]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`sntk: ${p}: params.W[2]: expected 3 numbers (3×3 (hiddenSize × hiddenSize)), got 2\n`);
    const r2 = await run(['convert', p, join(dir, 'o.txt')]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/unknown model file extension '\.txt'/);
    copyFileSync(join(FIX, 'npy-i8.npy'), join(dir, 'x.safetensors'));
    const r3 = await run(['convert', join(dir, 'x.safetensors'), join(dir, 'o.json')]);
    expect(r3.code).toBe(2);
    expect(r3.err).toMatch(/^sntk: .*x\.safetensors: header length \d+ goes beyond the end of the file/);
    const r4 = await run(['convert', p, join(dir, 'o.json'), '--nonlinearity', 'gelu']);
    expect(r4.code).toBe(2);
  });
});
