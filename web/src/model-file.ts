/**
 * Analysis of a loaded `sntk-model/1` JSON file: validated by the library's browser-safe parser
 * (`io/model-doc.ts`, zod), then its fixed points at zero input with their Jacobian spectra, and
 * the state-space sNTK participation ratio on a short seeded pulse input.
 */
import { createModel, rollout } from '../../src/models/index.js';
import { parseModelData } from '../../src/io/model-doc.js';
import { syrk } from '../../src/linalg/index.js';
import { denseJacobian } from '../../src/sntk/sensitivity.js';
import { kernelDiagnostics } from '../../src/sntk/diagnostics.js';
import { findFixedPoints, modelSystem } from '../../src/dynamics/index.js';
import { createRng } from '../../src/linalg/random.js';
import type { FixedPointView } from './engine.js';

/** What the page shows for a loaded model. */
export interface ModelAnalysis {
  source: string;
  cell: string;
  activation: string;
  hiddenSize: number;
  inputSize: number;
  outputSize: number;
  params: number;
  fixedPoints: FixedPointView[];
  /** PR and top eigenvalue of the sNTK on `B × T` seeded ±1 pulses, or null when too large. */
  pr: number | null;
  topEigenvalue: number | null;
  B: number;
  T: number;
}

/** Largest `M·P` (doubles of the dense Jacobian) analysed in the page. */
export const MAX_JACOBIAN_ENTRIES = 4_000_000;

/**
 * Parses and analyses a model file; throws the library's InputError (naming the field) on a
 * malformed file. Cost O(P) to parse, a fixed-point search, and O(B·T·N·P²) for the PR.
 */
export function analyzeModelText(text: string, source: string, opts: { B?: number; T?: number; seed?: number } = {}): ModelAnalysis {
  const data = parseModelData(text, source);
  const model = createModel(data.spec);
  model.params.set(data.params);
  const { hiddenSize: N, inputSize: D, outputSize: O } = data.spec;
  const rep = findFixedPoints(modelSystem(model), { seed: opts.seed ?? 0 });
  let best = -1;
  let bn = Infinity;
  rep.points.forEach((p, i) => {
    const n = Math.hypot(...p.h);
    if (n < bn) {
      bn = n;
      best = i;
    }
  });
  const fixedPoints: FixedPointView[] = rep.points.map((p, i) => ({
    norm: Math.hypot(...p.h),
    stability: p.stability,
    eigenvalues: p.eigenvalues.map((e) => [e.re, e.im] as [number, number]),
    tracked: i === best,
  }));
  const B = opts.B ?? 4;
  const T = opts.T ?? 30;
  const P = model.layout.cellSize;
  let pr: number | null = null;
  let top: number | null = null;
  if (B * T * N * P <= MAX_JACOBIAN_ENTRIES) {
    const rng = createRng(`explorer-model:${opts.seed ?? 0}`);
    const X = new Float64Array(B * T * D);
    for (let i = 0; i < X.length; i++) X[i] = rng.uniform() < 0.1 ? (rng.uniform() < 0.5 ? -1 : 1) : 0;
    const traj = rollout(model, X, { B, T });
    const d = kernelDiagnostics(syrk(denseJacobian(model, traj), true), { top: 1 });
    pr = d.participationRatio;
    top = d.top[0] ?? null;
  }
  return { source, cell: data.spec.cell, activation: data.spec.activation, hiddenSize: N, inputSize: D, outputSize: O, params: model.layout.size, fixedPoints, pr, topEigenvalue: top, B, T };
}
