/**
 * The CLI on PyTorch models and the data task: `sntk kernel --json` on an nn.LSTM state dict
 * (sNTK trace within 1e-10 of PyTorch autograd, parameterLayout printed), `sntk convert` both
 * ways, `sntk train` on the example data task (reaches 0.1·L₀, writes the run folder and report),
 * and bad input (exit 2, one line naming the tensor).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runCli as run } from './run-cli.js';
import { writeNpyFile } from '../../src/io/npy.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../../src/io/safetensors.js';
import { readModelFile } from '../../src/io/model-json.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const EX = join(import.meta.dirname, '..', '..', 'examples');
const REF = JSON.parse(readFileSync(join(FIX, 'torch-cells-reference.json'), 'utf8')) as Record<string, { X: number[]; B: number; T: number; input: number; sntk: { trace: number } }>;

afterEach(() => vi.restoreAllMocks());

function oneLine(err: string): void {
  expect(err.split('\n').filter((l) => l.length > 0)).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at /);
}

/**
 * Runs `sntk train` on an example config into a fresh folder and checks the shared claims: exit 0,
 * status completed, final loss ≤ 0.1·L₀ and a step at which the target was reached.
 */
async function trainReachingTenth(config: string, prefix: string): Promise<{ out: string; s: any }> {
  const out = mkdtempSync(join(tmpdir(), prefix));
  const r = await run(['train', '--config', join(EX, config), '--out', out, '--json', '--quiet']);
  expect(r.code).toBe(0);
  const s = JSON.parse(r.out);
  expect(s.status).toBe('completed');
  expect(s.finalLoss).toBeLessThanOrEqual(0.1 * s.initialLoss);
  expect(s.stepsToTarget).not.toBeNull();
  return { out, s };
}

describe('sntk on PyTorch models and the data task', () => {
  it('kernel --json on a 2-layer nn.LSTM: trace of PyTorch autograd, parameterLayout with both biases kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-tcli-'));
    const ref = REF['lstm-l2-bias']!;
    const x = join(dir, 'x.npy');
    writeNpyFile(x, ref.X, [ref.B, ref.T, ref.input]);
    const r = await run(['kernel', '--model', join(FIX, 'torch-lstm-l2-bias.safetensors'), '--inputs', x, '--method', 'dense', '--json', '--quiet']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Math.abs(j.trace - ref.sntk.trace) / ref.sntk.trace).toBeLessThanOrEqual(1e-10);
    expect(j.parameterLayout.cell).toBe('torch-lstm');
    expect(j.parameterLayout.convention).toMatch(/both bias vectors kept/);
    expect(j.parameterLayout.state.slice(0, 1)).toEqual(['h@0[0]']);
    expect(j.parameterLayout.state).toHaveLength(16);
    expect(j.parameterLayout.blocks.map((b: { name: string }) => b.name)).toEqual([
      'weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_ih_l1', 'weight_hh_l1', 'bias_ih_l1', 'bias_hh_l1', 'C', 'd',
    ]);
    expect(j.parameterLayout.blocks.filter((b: { inSntk: boolean }) => b.inSntk)).toHaveLength(8);
  });

  it('convert both ways: nn.GRU state dict → sntk JSON → nn.GRU state dict, same numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-tcli-'));
    const j = join(dir, 'g.json'), s = join(dir, 'g.safetensors');
    expect((await run(['convert', join(FIX, 'torch-gru-l2-bias.safetensors'), j])).code).toBe(0);
    const r = await run(['convert', j, s]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/PyTorch nn\.GRU state dict\): torch-gru tanh, N=4, D=2, O=2, 2 layers/);
    const orig = readSafetensorsFile(join(FIX, 'torch-gru-l2-bias.safetensors'));
    const back = readSafetensorsFile(s);
    for (const [k, v] of back.tensors) expect(Array.from(v.data)).toEqual(Array.from(orig.tensors.get(k.startsWith('fc.') ? k : `rnn.${k}`)!.data));
    expect(readModelFile(j).spec).toEqual(readModelFile(s).spec);
  });

  it('train on examples/data-task.json (a .npz) reaches 0.1·L₀ and writes the run folder and report', async () => {
    const { out, s } = await trainReachingTenth('data-task.json', 'sntk-data-run-');
    expect(s.validationLoss.final).toBeLessThan(0.1 * s.validationLoss.initial);
    for (const f of ['config.json', 'metrics.jsonl', 'events.json', 'summary.json', 'eigenvalues.jsonl', join('report', 'report.html')]) expect(existsSync(join(out, f))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).task.file).toMatch(/^\/.*data-task\.npz$/);
  }, 120_000);

  it('train on examples/data-task-lstm.json (a 2-layer LSTM student) reaches 0.1·L₀; sntk report rebuilds its report', async () => {
    const { out, s } = await trainReachingTenth('data-task-lstm.json', 'sntk-lstm-run-');
    // the monitor's rows: kernel and fixed points over the full state (2 layers × [h; c] = 32 entries)
    const line = JSON.parse(readFileSync(join(out, 'eigenvalues.jsonl'), 'utf8').split('\n')[0]!);
    expect(line.jacobian[0]).toHaveLength(2 * 2 * 8);
    rmSync(join(out, 'report'), { recursive: true, force: true });
    const rep = await run(['report', out, '--quiet']);
    expect(rep.code).toBe(0);
    expect(existsSync(join(out, 'report', 'report.html'))).toBe(true);
  }, 120_000);

  it('bad input: exit 2 with one line naming the tensor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-tcli-'));
    const x = join(dir, 'x.npy');
    writeNpyFile(x, new Float64Array(2 * 7 * 3), [2, 7, 3]);
    // an LSTM state dict with one gate block of weight_hh_l0 missing
    const lstm = readSafetensorsFile(join(FIX, 'torch-lstm-l1-bias.safetensors'));
    const tensors = Object.fromEntries([...lstm.tensors].map(([k, v]) => [k, { data: v.data, shape: v.shape }]));
    tensors['rnn.weight_hh_l0'] = { data: lstm.tensors.get('rnn.weight_hh_l0')!.data.slice(0, 15 * 5), shape: [15, 5] };
    const bad1 = join(dir, 'lstm-gate.safetensors');
    writeSafetensorsFile(bad1, tensors);
    const r1 = await run(['kernel', '--model', bad1, '--inputs', x]);
    expect(r1.code).toBe(2);
    oneLine(r1.err);
    expect(r1.err).toMatch(/tensor 'rnn\.weight_ih_l0' has 20 rows but 'rnn\.weight_hh_l0' has 15 .* is a gate block missing\?/);
    // a 2-layer GRU whose second layer reads the wrong width
    const gru = readSafetensorsFile(join(FIX, 'torch-gru-l2-nobias.safetensors'));
    const t2 = Object.fromEntries([...gru.tensors].map(([k, v]) => [k, { data: v.data, shape: v.shape }]));
    t2['rnn.weight_ih_l1'] = { data: new Float64Array(12 * 3), shape: [12, 3] };
    const bad2 = join(dir, 'gru-layers.safetensors');
    writeSafetensorsFile(bad2, t2);
    const r2 = await run(['convert', bad2, join(dir, 'o.json')]);
    expect(r2.code).toBe(2);
    oneLine(r2.err);
    expect(r2.err).toMatch(/tensor 'rnn\.weight_ih_l1' has shape \(12, 3\), expected 12×4 .*layer 1 reads layer 0's h/);
    // a .npz with an object array
    const cfg = (task: Record<string, unknown>) => {
      const p = join(dir, `cfg-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(p, JSON.stringify({ steps: 2, task: { name: 'data', ...task }, monitor: { enabled: false } }));
      return p;
    };
    copyFileSync(join(FIX, 'npz-object.npz'), join(dir, 'obj.npz'));
    const r3 = await run(['train', '--config', cfg({ file: 'obj.npz' }), '--out', join(dir, 'run3'), '--quiet']);
    expect(r3.code).toBe(2);
    oneLine(r3.err);
    expect(r3.err).toMatch(/obj\.npz: array 'targets': object array \(dtype '\|O'/);
    // targets whose B or T differ from the inputs'
    const yB = join(dir, 'yB.npy'), yT = join(dir, 'yT.npy');
    writeNpyFile(yB, new Float64Array(3 * 7 * 1), [3, 7, 1]);
    writeNpyFile(yT, new Float64Array(2 * 6 * 1), [2, 6, 1]);
    const r4 = await run(['train', '--config', cfg({ inputs: 'x.npy', targets: 'yB.npy' }), '--out', join(dir, 'run4'), '--quiet']);
    expect(r4.code).toBe(2);
    oneLine(r4.err);
    expect(r4.err).toMatch(/task\.targets \(.*yB\.npy\) has shape \(3, 7, 1\): B = 3 trials but the inputs have B = 2/);
    const r5 = await run(['train', '--config', cfg({ inputs: 'x.npy', targets: 'yT.npy' }), '--out', join(dir, 'run5'), '--quiet']);
    expect(r5.code).toBe(2);
    oneLine(r5.err);
    expect(r5.err).toMatch(/yT\.npy\) has shape \(2, 6, 1\): T = 6 steps but the inputs have T = 7/);
    // a 2-layer LSTM whose second layer's recurrent weights have the wrong hidden size
    const l2 = readSafetensorsFile(join(FIX, 'torch-lstm-l2-bias.safetensors'));
    const t6 = Object.fromEntries([...l2.tensors].map(([k, v]) => [k, { data: v.data, shape: v.shape }]));
    const hh1 = l2.tensors.get('rnn.weight_hh_l1')!;
    t6['rnn.weight_hh_l1'] = { data: hh1.data.slice(0, hh1.shape[0]! * (hh1.shape[1]! - 1)), shape: [hh1.shape[0]!, hh1.shape[1]! - 1] };
    const bad6 = join(dir, 'lstm-layers.safetensors');
    writeSafetensorsFile(bad6, t6);
    const r6 = await run(['kernel', '--model', bad6, '--inputs', x]);
    expect(r6.code).toBe(2);
    oneLine(r6.err);
    expect(r6.err).toMatch(/tensor 'rnn\.weight_hh_l1' has shape \(16, 3\), expected 16×4/);
    // a loss mask whose T differs from the inputs'
    const mT = join(dir, 'mT.npy'), y = join(dir, 'y.npy');
    writeNpyFile(y, new Float64Array(2 * 7 * 1), [2, 7, 1]);
    writeNpyFile(mT, new Float64Array(2 * 6).fill(1), [2, 6]);
    const r7 = await run(['train', '--config', cfg({ inputs: 'x.npy', targets: 'y.npy', mask: 'mT.npy' }), '--out', join(dir, 'run7'), '--quiet']);
    expect(r7.code).toBe(2);
    oneLine(r7.err);
    expect(r7.err).toMatch(/task\.mask \(.*mT\.npy\) has shape \(2, 6\), expected \(B, T\) = \(2, 7\) or \(B, T, O\) = \(2, 7, 1\)/);
    // a mask that keeps nothing
    const m0 = join(dir, 'm0.npy');
    writeNpyFile(m0, new Float64Array(2 * 7), [2, 7]);
    const r8 = await run(['train', '--config', cfg({ inputs: 'x.npy', targets: 'y.npy', mask: 'm0.npy' }), '--out', join(dir, 'run8'), '--quiet']);
    expect(r8.code).toBe(2);
    oneLine(r8.err);
    expect(r8.err).toMatch(/task\.mask: every entry of the training trials \(0\.\.1\) is masked/);
  });
});
