/**
 * `sntk kernel --rows all|h|layer:K`: the kernel over a subset of the state entries, checked
 * against PyTorch float64 autograd (test/fixtures/torch-cells-reference.json, made by
 * test/fixtures/make_torch_fixtures.py): trace, PR and top eigenvalues of the `h` rows and of each
 * layer of a 2-layer nn.LSTM within 1e-10 relative (dense path); the operator path's top
 * eigenvalue within 1e-8 relative; `--json` says which rows were used; bad selections exit 2
 * with one line. And the library: analyzeSntk with `stateRows` = the sub-block of the full dense
 * sNTK (trace = the trace over those rows, relative 1e-12).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runCli as run } from './run-cli.js';
import { writeNpyFile, readNpyFile } from '../../src/io/npy.js';
import { readModelFile } from '../../src/io/model-json.js';
import { rollout } from '../../src/models/index.js';
import { analyzeSntk, denseSntk, stateRows } from '../../src/sntk/index.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const REF = JSON.parse(readFileSync(join(FIX, 'torch-cells-reference.json'), 'utf8')) as Record<string, {
  B: number; T: number; input: number; hidden: number; N: number; X: number[];
  sntk: { trace: number; pr: number; top5: number[] };
  sntkH?: { trace: number; pr: number; top5: number[] };
  sntkLayers?: { trace: number; pr: number; top5: number[] }[];
}>;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

const name = 'lstm-l2-bias';
const ref = REF[name]!;
const dir = mkdtempSync(join(tmpdir(), 'sntk-rows-'));
const xFile = join(dir, 'x.npy');
writeNpyFile(xFile, Float64Array.from(ref.X), [ref.B, ref.T, ref.input]);
const modelFile = join(FIX, `torch-${name}.safetensors`);

function oneLine(err: string): void {
  expect(err.trim().split('\n')).toHaveLength(1);
}

describe('sntk kernel --rows', () => {
  it('--rows h on a 2-layer LSTM: the h rows, as PyTorch autograd (relative 1e-10), and --json names them', async () => {
    const r = await run(['kernel', '--model', modelFile, '--inputs', xFile, '--rows', 'h', '--method', 'dense', '--top', '5', '--json', '--quiet']);
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out);
    expect(o.stateRows.selection).toBe('h');
    expect(o.stateRows.of).toBe(ref.N);
    const H = ref.hidden; // layer l's h is [2lH, 2lH + H), its c the next H entries
    expect(o.stateRows.indices).toEqual([...Array.from({ length: H }, (_, i) => i), ...Array.from({ length: H }, (_, i) => 2 * H + i)]);
    expect(o.rows).toBe(ref.B * ref.T * 2 * ref.hidden);
    expect(rel(o.trace, ref.sntkH!.trace)).toBeLessThanOrEqual(1e-10);
    expect(rel(o.participationRatio, ref.sntkH!.pr)).toBeLessThanOrEqual(1e-10);
    for (let k = 0; k < 5; k++) expect(rel(o.top[k], ref.sntkH!.top5[k]!)).toBeLessThanOrEqual(1e-10);
  });

  it('--rows layer:K: each layer as PyTorch autograd; --out writes that block', async () => {
    for (const K of [0, 1]) {
      const out = join(dir, `K${K}.npy`);
      const r = await run(['kernel', '--model', modelFile, '--inputs', xFile, '--rows', `layer:${K}`, '--top', '5', '--out', out, '--json', '--quiet']);
      expect(r.code).toBe(0);
      const o = JSON.parse(r.out);
      const want = ref.sntkLayers![K]!;
      expect(o.stateRows.indices).toEqual(Array.from({ length: 2 * ref.hidden }, (_, i) => K * 2 * ref.hidden + i));
      expect(rel(o.trace, want.trace)).toBeLessThanOrEqual(1e-10);
      expect(rel(o.participationRatio, want.pr)).toBeLessThanOrEqual(1e-10);
      const Kd = readNpyFile(out);
      const M = ref.B * ref.T * 2 * ref.hidden;
      expect(Kd.shape).toEqual([M, M]);
      let tr = 0;
      for (let i = 0; i < M; i++) tr += Kd.data[i * M + i]!;
      expect(rel(tr, want.trace)).toBeLessThanOrEqual(1e-10);
    }
  });

  it('--rows all (the default) is the whole kernel; the operator path on the h rows finds the top eigenvalue (relative 1e-8)', async () => {
    const a = JSON.parse((await run(['kernel', '--model', modelFile, '--inputs', xFile, '--json', '--quiet'])).out);
    expect(a.stateRows).toEqual({ selection: 'all', indices: Array.from({ length: ref.N }, (_, i) => i), of: ref.N });
    expect(rel(a.trace, ref.sntk.trace)).toBeLessThanOrEqual(1e-10);
    const r = await run(['kernel', '--model', modelFile, '--inputs', xFile, '--rows', 'h', '--method', 'operator', '--top', '2', '--json', '--quiet']);
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out);
    expect(o.method).toBe('operator');
    expect(o.rows).toBe(ref.B * ref.T * 2 * ref.hidden);
    expect(rel(o.top[0], ref.sntkH!.top5[0]!)).toBeLessThanOrEqual(1e-8);
    // the Hutchinson trace is within 4 standard errors of the exact one
    expect(Math.abs(o.trace - ref.sntkH!.trace)).toBeLessThanOrEqual(4 * o.standardErrors.trace + 1e-9 * ref.sntkH!.trace);
  });

  it('a bad selection exits 2 with one line; --help shows --rows', async () => {
    const r1 = await run(['kernel', '--model', modelFile, '--inputs', xFile, '--rows', 'layer:2']);
    expect(r1.code).toBe(2);
    oneLine(r1.err);
    expect(r1.err).toMatch(/layer 2 is out of range \(the model has 2 layers\)/);
    const r2 = await run(['kernel', '--model', modelFile, '--inputs', xFile, '--rows', 'c']);
    expect(r2.code).toBe(2);
    oneLine(r2.err);
    expect(r2.err).toMatch(/--rows must be all, h or layer:K/);
    const h = await run(['kernel', '--help']);
    expect(h.out).toMatch(/--rows <sel>/);
  });
});

describe('analyzeSntk with stateRows', () => {
  const m = readModelFile(modelFile);
  const tr = rollout(m, Float64Array.from(ref.X), { B: ref.B, T: ref.T });
  const { K } = denseSntk(m, tr);
  it('h-only trace and PR = those of the h-row block of the full kernel (relative 1e-12)', () => {
    const rows = stateRows(m.spec, 'h');
    let t = 0, f = 0;
    const idx: number[] = [];
    for (let bt = 0; bt < ref.B * ref.T; bt++) for (const i of rows) idx.push(bt * ref.N + i);
    for (const a of idx) {
      t += K.data[a * K.cols + a]!;
      for (const b of idx) f += K.data[a * K.cols + b]! ** 2;
    }
    const d = analyzeSntk(m, tr, { stateRows: rows, method: 'dense', top: 3 });
    expect(d.rows).toBe(idx.length);
    expect(rel(d.trace, t)).toBeLessThanOrEqual(1e-12);
    expect(rel(d.participationRatio, (t * t) / f)).toBeLessThanOrEqual(1e-12);
    // a subset of the rows and a parameter subset on the operator path is refused
    expect(() => analyzeSntk(m, tr, { stateRows: rows, method: 'operator', params: Int32Array.of(0, 1), top: 1 })).toThrow(/state-row subset cannot be combined/);
    expect(() => analyzeSntk(m, tr, { stateRows: [3, 1], method: 'dense' })).toThrow(/state rows must be ascending/);
  });
});
