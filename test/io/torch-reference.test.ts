/**
 * PyTorch modules read from their state dicts against PyTorch float64 autograd (fixtures made by
 * test/fixtures/make_torch_fixtures.py): nn.GRU with nonzero b_hn, nn.LSTM, 2-layer nn.RNN /
 * nn.GRU / nn.LSTM, each with and without biases. The state trajectory must agree within 1e-12
 * (absolute, states are O(1)); the sNTK's trace, Frobenius norm, PR and top-5 eigenvalues within
 * 1e-10 relative, for all state rows, the LSTM's h rows and each layer of 2-layer models.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { readModelFile } from '../../src/io/model-json.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { modelDataFromTorch, modelDataToTorch } from '../../src/io/torch.js';
import { readout, rollout, stateSize } from '../../src/models/index.js';
import { analyzeSntk, denseSntk, restrictedDenseSntk, restrictedSntkOperator, stateRows } from '../../src/sntk/index.js';
import { symmetricEigen } from '../../src/linalg/index.js';
import type { Matrix } from '../../src/linalg/matrix.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');

interface Stats {
  trace: number;
  frobenius: number;
  pr: number;
  top5: number[];
}
interface Case {
  kind: 'RNN' | 'GRU' | 'LSTM';
  layers: number;
  bias: boolean;
  hidden: number;
  input: number;
  B: number;
  T: number;
  N: number;
  parameters: number;
  X: number[];
  H: number[];
  Y?: number[];
  outputs?: number;
  sntk: Stats;
  sntkH?: Stats;
  sntkLayers?: Stats[];
}

const REF = JSON.parse(readFileSync(join(FIX, 'torch-cells-reference.json'), 'utf8')) as Record<string, Case>;

function stats(K: Matrix): Stats {
  const n = K.rows;
  let tr = 0, fro = 0;
  for (let i = 0; i < n; i++) tr += K.data[i * n + i]!;
  for (let k = 0; k < n * n; k++) fro += K.data[k]! ** 2;
  fro = Math.sqrt(fro);
  const ev = Array.from(symmetricEigen(K, { vectors: false }).values).sort((a, b) => b - a);
  return { trace: tr, frobenius: fro, pr: (tr * tr) / (fro * fro), top5: ev.slice(0, 5) };
}


const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

function expectStats(got: Stats, want: Stats): void {
  expect(rel(got.trace, want.trace)).toBeLessThanOrEqual(1e-10);
  expect(rel(got.frobenius, want.frobenius)).toBeLessThanOrEqual(1e-10);
  expect(rel(got.pr, want.pr)).toBeLessThanOrEqual(1e-10);
  for (let k = 0; k < 5; k++) expect(rel(got.top5[k]!, want.top5[k]!)).toBeLessThanOrEqual(1e-10);
}

describe.each(Object.keys(REF))('PyTorch %s vs float64 autograd', (name) => {
  const ref = REF[name]!;
  const m = readModelFile(join(FIX, `torch-${name}.safetensors`));
  const X = Float64Array.from(ref.X);
  const tr = rollout(m, X, { B: ref.B, T: ref.T });

  it('reads as the PyTorch cell with PyTorch parameter count and state size', () => {
    expect(m.spec.cell).toBe(`torch-${ref.kind.toLowerCase()}`);
    expect(m.spec.numLayers ?? 1).toBe(ref.layers);
    expect(m.spec.bias !== false).toBe(ref.bias);
    expect(m.layout.cellSize).toBe(ref.parameters);
    expect(stateSize(m.spec)).toBe(ref.N);
    expect(m.spec.outputSize).toBe(ref.outputs ?? 0);
  });

  it('state trajectory within 1e-12, readout outputs within 1e-12', () => {
    let err = 0;
    for (let i = 0; i < ref.H.length; i++) err = Math.max(err, Math.abs(tr.H[i]! - ref.H[i]!));
    expect(err).toBeLessThanOrEqual(1e-12);
    if (ref.Y) {
      const Y = readout(m, tr);
      let ey = 0;
      for (let i = 0; i < ref.Y.length; i++) ey = Math.max(ey, Math.abs(Y[i]! - ref.Y[i]!));
      expect(ey).toBeLessThanOrEqual(1e-12);
    }
  });

  it('sNTK trace, Frobenius norm, PR and top-5 eigenvalues within 1e-10 relative (all rows, h rows, per layer)', () => {
    const { K } = denseSntk(m, tr);
    expectStats(stats(K), ref.sntk);
    // the h rows (LSTM) and each layer, by sntk's state selection
    if (ref.sntkH) expectStats(stats(restrictedDenseSntk(m, tr, stateRows(m.spec, 'h'))), ref.sntkH);
    ref.sntkLayers?.forEach((want, l) => expectStats(stats(restrictedDenseSntk(m, tr, stateRows(m.spec, { layer: l }))), want));
    // the restricted operator applies the same matrix
    const rows = stateRows(m.spec, ref.sntkH ? 'h' : 'all');
    const Kd = restrictedDenseSntk(m, tr, rows);
    const n = Kd.rows;
    const I = { rows: n, cols: n, data: new Float64Array(n * n) };
    for (let i = 0; i < n; i++) I.data[i * n + i] = 1;
    const Ko = restrictedSntkOperator(m, tr, rows).matmat(I);
    let d = 0, f = 0;
    for (let k = 0; k < n * n; k++) {
      d = Math.max(d, Math.abs(Ko.data[k]! - Kd.data[k]!));
      f = Math.max(f, Math.abs(Kd.data[k]!));
    }
    expect(d / f).toBeLessThanOrEqual(1e-12);
    expect(K.rows).toBe(ref.B * ref.T * ref.N);
  });

  it('sntk kernel analysis (analyzeSntk) gives the same trace, PR and top eigenvalues', () => {
    const a = analyzeSntk(m, tr, { top: 5 });
    expect(rel(a.trace, ref.sntk.trace)).toBeLessThanOrEqual(1e-10);
    expect(rel(a.frobenius, ref.sntk.frobenius)).toBeLessThanOrEqual(1e-10);
    expect(rel(a.participationRatio, ref.sntk.pr)).toBeLessThanOrEqual(1e-10);
    for (let k = 0; k < 5; k++) expect(rel(a.top[k]!, ref.sntk.top5[k]!)).toBeLessThanOrEqual(1e-10);
  });

  it('exports back to the same state dict, bit for bit', () => {
    const tt = modelDataToTorch({ spec: m.spec, params: m.params });
    const back = modelDataFromTorch(readSafetensors(writeSafetensors(tt.tensors, tt.metadata)), 's');
    expect(back.spec).toEqual(m.spec);
    expect(Buffer.from(back.params.buffer).equals(Buffer.from(m.params.buffer))).toBe(true);
    const orig = readSafetensors(readFileSync(join(FIX, `torch-${name}.safetensors`)));
    for (const [k, v] of tt.tensors) {
      const o = orig.tensors.get(k.startsWith('fc.') ? k : `rnn.${k}`)!;
      expect(Array.from(v.data as Float64Array)).toEqual(Array.from(o.data));
    }
  });
});
