/**
 * The sweep engine of training (docs/theory.md §3 and §10): a rollout with its readout, and the
 * Jacobian of the predictions `J_y = ∂y/∂θ` applied to blocks, for any `Cell`:
 * - predictions `y = C h + d` (target 'output') or `y = h` (target 'state'), `R × O`, `R = B·T`;
 * - `J_y V` for directions `V` (`P × k`, all parameters: cell then readout), `(R·O) × k`;
 * - `J_yᵀ E` for cotangents `E` (`(R·O) × k`), `P × k` — the loss gradient with k = 1, Fisher
 *   products `J_yᵀ J_y V` with the JVP's output.
 * The cell part runs on the block sweeps of block-sweep.ts (one GEMM per weight site over all
 * steps for the θ part, the sites stacked on first use; the recurrence per step as one
 * `N × N × k` block product, over all trials at once or per column, `recurrenceFor`); the
 * PyTorch cells' blocks of 2–16 columns run on their layer sweeps (layer-sweep.ts: the same
 * GEMM-over-all-steps form for the gate pre-activations); single columns at small N (where
 * stacking the sites costs more than it saves), and cells whose weight sites are not of a fixed
 * structure, run per step on `jvpTheta`/`vjpTheta`. The readout part is GEMMs over all
 * rows. A sweep can be restricted to a subset of the trials (`restrictTrials`), sharing the
 * rollout. Directions and cotangents are `Matrix` blocks throughout.
 */
import type { Model, Trajectory } from './types.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { gemm, getBackend } from '../linalg/index.js';
import { ShapeError } from '../errors.js';
import { paramBlock } from './layout.js';
import { readoutSlice } from './spec.js';
import { preferBlockSweep, rollout } from './rollout.js';
import { hasBlockSweep, hasTrialSweep, jvpBlockSweep, stackSites, vjpBlockSweep, SweepWorkspace, type StackedSite, type SweepRecurrence } from './block-sweep.js';
import { hasLayerSweep, layerJvpSweep, layerVjpSweep } from './layer-sweep.js';
import { stepsProduct, stepsProductT } from './kernels.js';

/** What the predictions are: the readout's outputs or the hidden states. */
export type PredictionTarget = 'output' | 'state';

/** A rollout prepared for output sweeps: trajectory, stacked weight sites and readout view. */
export interface OutputSweep {
  readonly model: Model;
  readonly traj: Trajectory;
  readonly target: PredictionTarget;
  /** Width of the predictions (`O`, or `N` for the state target). */
  readonly O: number;
  /**
   * The stacked weight sites: undefined until first needed (`sweepSites`), null when the cell's
   * sites change structure (per-step fallback).
   */
  sites: StackedSite[] | null | undefined;
  /** Readout `C` (`O × N`: a view on the parameters, or zero-padded outside the read slice `[off, off + W)`) and the offsets of C and d, or null for the state target. */
  readonly readout: { C: Float64Array; d: Float64Array; cOff: number; dOff: number; off: number; W: number } | null;
}

/**
 * Prepares output sweeps on a trajectory of `model` (views the readout; the weight sites are
 * stacked on first use). Throws ShapeError when the target is 'output' and the model has no
 * readout. Cost O(1).
 */
export function prepareOutputSweep(model: Model, traj: Trajectory, target: PredictionTarget): OutputSweep {
  const N = traj.N;
  let readout: OutputSweep['readout'] = null;
  let O = N;
  if (target === 'output') {
    O = model.spec.outputSize;
    if (O === 0) throw new ShapeError('output sweep: the model has no readout (outputSize = 0)');
    const cOff = paramBlock(model.layout, 'C').offset;
    const dOff = paramBlock(model.layout, 'd').offset;
    // C (O × W) reads the state slice [off, off + W) (spec.ts readoutSlice: all of h for the sntk
    // cells, the top layer's h for PyTorch cells); the sweeps use it zero-padded to O × N.
    const { offset: off, width: W } = readoutSlice(model.spec);
    const Cw = model.params.subarray(cOff, cOff + O * W);
    const C = W === N && off === 0 ? Cw : new Float64Array(O * N);
    if (C !== Cw) for (let o = 0; o < O; o++) C.set(Cw.subarray(o * W, (o + 1) * W), o * N + off);
    readout = { C, d: model.params.subarray(dOff, dOff + O), cOff, dOff, off, W };
  }
  return { model, traj, target, O, sites: undefined, readout };
}

/** The stacked weight sites of a sweep, stacked on first call (O(R·Σ_s(L_s + N))); null when their structure changes along the trajectory. */
export function sweepSites(sw: OutputSweep): StackedSite[] | null {
  if (sw.sites === undefined) sw.sites = stackSites(sw.model, sw.traj);
  return sw.sites;
}

/**
 * Whether a k-column sweep uses the stacked sites (one GEMM per site) rather than per-step θ
 * products: always for k ≥ 2 and for cells that write their sites in place (`Cell.writeSites`:
 * stacking costs O(R·(L + N)) copies, the per-step products O(R·L·N) scalar work); otherwise for
 * one column from N = 32. O(1).
 */
function wantsSites(sw: OutputSweep, k: number): boolean {
  return k >= 2 || sw.traj.N >= 32 || typeof sw.model.cell.writeSites === 'function';
}

/**
 * Rolls `model` over inputs `X` (`B × T × D`) from `h0` and prepares the output sweeps. Throws
 * as `rollout` (ShapeError, NonFiniteError). Cost one forward sweep plus the site stacking.
 */
export function rolloutForSweeps(model: Model, X: Float64Array, opts: { B: number; T: number; h0?: Float64Array; target: PredictionTarget }): OutputSweep {
  const traj = rollout(model, X, { B: opts.B, T: opts.T, ...(opts.h0 ? { h0: opts.h0 } : {}) });
  return prepareOutputSweep(model, traj, opts.target);
}

/** Predictions `y` (`R × O` row-major, row `(b, t)`). Cost O(R·N·O). */
export function sweepPredictions(sw: OutputSweep): Float64Array {
  const { traj, O, readout } = sw;
  if (!readout) return traj.H.slice();
  const R = traj.B * traj.T;
  const out = gemm({ rows: R, cols: traj.N, data: traj.H }, { rows: O, cols: traj.N, data: readout.C }, { transB: true });
  const y = out.data;
  const d = readout.d;
  for (let r = 0; r < R; r++) for (let o = 0; o < O; o++) y[r * O + o]! += d[o]!;
  return y;
}

/**
 * The same sweep on trials `trials` only (in that order; rows `(s, t)`), sharing the caches of the
 * rollout (states and inputs copied, O(S·T·(N + D)); sites sliced, O(S·T·Σ_s(L_s + N))). Throws
 * ShapeError for an index out of range. Cost as stated.
 */
export function restrictTrials(sw: OutputSweep, trials: ArrayLike<number>): OutputSweep {
  const { traj } = sw;
  const { B, T, N, D } = traj;
  const S = trials.length;
  let identity = S === B;
  for (let s = 0; s < S; s++) {
    const b = trials[s]!;
    if (!Number.isInteger(b) || b < 0 || b >= B) throw new ShapeError(`restrictTrials: trial ${b} is not in [0, ${B})`);
    if (b !== s) identity = false;
  }
  if (identity) return sw;
  // consecutive trials (a rotating Fisher block): views of the rollout's rows instead of copies
  let run = S > 0;
  for (let s = 1; s < S && run; s++) if (trials[s] !== trials[0]! + s) run = false;
  if (run) return restrictRun(sw, trials[0]!, S);
  const H = new Float64Array(S * T * N);
  const X = new Float64Array(S * T * D);
  const h0 = new Float64Array(S * N);
  const caches = new Array<Trajectory['caches'][number]>(S * T);
  for (let s = 0; s < S; s++) {
    const b = trials[s]!;
    H.set(traj.H.subarray(b * T * N, (b + 1) * T * N), s * T * N);
    X.set(traj.X.subarray(b * T * D, (b + 1) * T * D), s * T * D);
    h0.set(traj.h0.subarray(b * N, (b + 1) * N), s * N);
    for (let t = 0; t < T; t++) caches[s * T + t] = traj.caches[b * T + t]!;
  }
  const sub: Trajectory = { B: S, T, N, D, h0, X, H, caches };
  let sites: StackedSite[] | null | undefined = sw.sites === null ? null : undefined;
  if (sw.sites) {
    sites = sw.sites.map((site) => {
      const L = site.U.cols;
      const U = zeros(S * T, L);
      const beta = new Float64Array(S * T * N);
      for (let s = 0; s < S; s++) {
        const b = trials[s]!;
        U.data.set(site.U.data.subarray(b * T * L, (b + 1) * T * L), s * T * L);
        beta.set(site.beta.subarray(b * T * N, (b + 1) * T * N), s * T * N);
      }
      return { U, beta, segments: site.segments };
    });
  }
  return { ...sw, traj: sub, sites };
}

/**
 * `restrictTrials` for the consecutive trials `b0 … b0 + S − 1`: their rows are contiguous in every
 * stacked array, so states, inputs, initial states and sites are views (the sweeps only read them;
 * the same numbers as the copies). Cost O(S·T) for the cache list, O(sites) views.
 */
function restrictRun(sw: OutputSweep, b0: number, S: number): OutputSweep {
  const { traj } = sw;
  const { T, N, D } = traj;
  const r0 = b0 * T, r1 = (b0 + S) * T;
  const sub: Trajectory = {
    B: S,
    T,
    N,
    D,
    h0: traj.h0.subarray(b0 * N, (b0 + S) * N),
    X: traj.X.subarray(r0 * D, r1 * D),
    H: traj.H.subarray(r0 * N, r1 * N),
    caches: traj.caches.slice(r0, r1),
  };
  let sites: StackedSite[] | null | undefined = sw.sites === null ? null : undefined;
  if (sw.sites) {
    sites = sw.sites.map((site) => {
      const L = site.U.cols;
      return { U: { rows: S * T, cols: L, data: site.U.data.subarray(r0 * L, r1 * L) }, beta: site.beta.subarray(r0 * N, r1 * N), segments: site.segments };
    });
  }
  return { ...sw, traj: sub, sites };
}

/**
 * The recurrence of a k-column sweep: for k ≥ 2 (Fisher blocks) over all trials at once when the
 * cell has the trial-batched products (`Cell.jvpHTrials`: one `N × N × B·k` product per step
 * instead of B products of k columns); else block products per step when the cell has them and they
 * are the faster — with the native backend from `N·k ≥ 64` (also k = 1: its GEMV beats the cells'
 * TypeScript matrix–vector loops from N ≈ 64; measured N = 128, k = 1: VJP 12.6 ms vs 46.8 ms on
 * 4 × 100 steps), with the pure TypeScript backend by `preferBlockSweep` (k ≥ 4, N·k ≥ 1024).
 * Cost O(1).
 */
function recurrenceFor(sw: OutputSweep, k: number): SweepRecurrence {
  if (k >= 2 && sw.traj.B >= 2 && hasTrialSweep(sw.model.cell)) return 'trials';
  if (!hasBlockSweep(sw.model.cell)) return 'columns';
  const N = sw.traj.N;
  if (getBackend().name === 'native') return N * k >= 64 ? 'block' : 'columns';
  return preferBlockSweep(N, k) ? 'block' : 'columns';
}

/**
 * Whether a k-column sweep of a PyTorch cell runs on the whole-trajectory layer sweeps
 * (layer-sweep.ts) rather than per column and step: for 2 ≤ k ≤ 16 (their gate blocks take
 * O(R·G·H·k) memory, so wide blocks such as dense Jacobians keep the per-column route). O(layers).
 */
function wantsLayerSweep(sw: OutputSweep, k: number): boolean {
  return k >= 2 && k <= 16 && hasLayerSweep(sw.model.cell);
}

/**
 * The block sweeps' buffers of each model, kept across calls: a training loop sweeps its Fisher
 * blocks (k ≥ 2) at the same shapes every step, and a fresh large array costs its page faults
 * again at first touch (block-sweep.ts `SweepWorkspace`). Single columns allocate as before.
 */
const blockWork = new WeakMap<Model, SweepWorkspace>();

/** The kept workspace of `model` for a k-column block sweep (k ≥ 2), else undefined. O(1). */
function workFor(model: Model, k: number): SweepWorkspace | undefined {
  if (k < 2) return undefined;
  let w = blockWork.get(model);
  if (!w) {
    w = new SweepWorkspace();
    blockWork.set(model, w);
  }
  return w;
}

/**
 * `dH/dθ · V` for the cell rows of `V` (`P × k`): the block or layer sweep, or per step without
 * sites. With `work` the block sweep's result may be a workspace buffer (valid until its next use).
 */
function stateJvp(sw: OutputSweep, V: Matrix, work?: SweepWorkspace): Matrix {
  const { model, traj } = sw;
  const k = V.cols;
  if (wantsLayerSweep(sw, k)) return layerJvpSweep(model, traj, V, work);
  const sites = wantsSites(sw, k) ? sweepSites(sw) : null;
  if (sites) return jvpBlockSweep(model, traj, V, sites, recurrenceFor(sw, k), work);
  const { cell } = model;
  const Pc = model.layout.cellSize;
  const theta = model.params.subarray(0, Pc);
  const { B, T, N, caches } = traj;
  const out = zeros(B * T * N, k);
  const col = new Float64Array(Pc);
  const dh = new Float64Array(N);
  const a = new Float64Array(N);
  const q = new Float64Array(N);
  for (let j = 0; j < k; j++) {
    for (let p = 0; p < Pc; p++) col[p] = V.data[p * k + j]!;
    for (let b = 0; b < B; b++) {
      dh.fill(0);
      for (let t = 0; t < T; t++) {
        const r = b * T + t;
        if (cell.jvpStep) {
          // one fused tangent pass per step (a is the new dh)
          cell.jvpStep(theta, caches[r]!, t > 0 ? dh : null, col, a);
          dh.set(a);
          for (let i = 0; i < N; i++) out.data[(r * N + i) * k + j] = a[i]!;
          continue;
        }
        if (t > 0) cell.jvpH(theta, caches[r]!, dh, a);
        else a.fill(0);
        cell.jvpTheta(theta, caches[r]!, col, q);
        for (let i = 0; i < N; i++) {
          dh[i] = a[i]! + q[i]!;
          out.data[(r * N + i) * k + j] = dh[i]!;
        }
      }
    }
  }
  return out;
}

/**
 * `(dH/dθ)ᵀ E` (`cellSize × k`) for state cotangents `E` (`(R·N) × k`, consumed); `work` for the
 * block sweep's scratch; the layer and block sweeps write it into `into` (a `cellSize × k` view) when given.
 */
function stateVjp(sw: OutputSweep, E: Matrix, work?: SweepWorkspace, into?: Matrix): Matrix {
  const { model, traj } = sw;
  const k = E.cols;
  if (wantsLayerSweep(sw, k)) return layerVjpSweep(model, traj, E, work, into);
  const sites = wantsSites(sw, k) ? sweepSites(sw) : null;
  if (sites) return vjpBlockSweep(model, traj, E, sites, recurrenceFor(sw, k), true, work, into);
  const { cell } = model;
  const Pc = model.layout.cellSize;
  const theta = model.params.subarray(0, Pc);
  const { B, T, N, caches } = traj;
  const out = zeros(Pc, k);
  const g = new Float64Array(Pc);
  const lam = new Float64Array(N);
  const c2 = new Float64Array(N);
  for (let j = 0; j < k; j++) {
    g.fill(0);
    for (let b = 0; b < B; b++) {
      lam.fill(0);
      if (cell.vjpStep) {
        // λ_t = E_t + J_{t+1}ᵀ λ_{t+1}: one fused adjoint pass per step gives the θ-gradient of
        // step t and J_tᵀ λ_t for the step before
        for (let t = T - 1; t >= 0; t--) {
          const r = b * T + t;
          for (let i = 0; i < N; i++) lam[i]! += E.data[(r * N + i) * k + j]!;
          if (t > 0) {
            cell.vjpStep(theta, caches[r]!, lam, c2, g);
            lam.set(c2);
          } else cell.vjpTheta(theta, caches[r]!, lam, g);
        }
        continue;
      }
      for (let t = T - 1; t >= 0; t--) {
        const r = b * T + t;
        if (t < T - 1) {
          cell.vjpH(theta, caches[r + 1]!, lam, c2);
          lam.set(c2);
        }
        for (let i = 0; i < N; i++) lam[i]! += E.data[(r * N + i) * k + j]!;
        cell.vjpTheta(theta, caches[r]!, lam, g);
      }
    }
    for (let p = 0; p < Pc; p++) out.data[p * k + j] = g[p]!;
  }
  return out;
}

/**
 * `J_y V`: directions `V` (`P × k`, P = layout.size, cell rows then readout rows) to prediction
 * tangents `(R·O) × k` (row `(r, o)`): `C (dH/dθ V) + dC h + dd` (output) or `dH/dθ V` (state).
 * Throws ShapeError on a wrong shape. Cost `2·R·k·(N·N_J + Σ_s L_s·N + 2·N·O)` flops.
 */
export function outputJvpBlock(sw: OutputSweep, V: Matrix): Matrix {
  const { model, traj, O, readout } = sw;
  const P = model.layout.size;
  if (V.rows !== P) throw new ShapeError(`outputJvpBlock: directions have ${V.rows} rows, expected ${P} (all parameters)`);
  // with a readout dH is consumed here, so it may live in the model's kept workspace
  const dH = stateJvp(sw, V, readout ? workFor(model, V.cols) : undefined);
  if (!readout) return dH;
  const { N } = traj;
  const R = traj.B * traj.T;
  const k = V.cols;
  const Ok = O * k;
  // dC h: H (R × N) times DC (N × O·k), DC[i, o·k + j] = V[cOff + o·N + i, j]; then + dd
  const DC = zeros(N, Ok);
  for (let o = 0; o < O; o++) {
    for (let i = readout.off; i < readout.off + readout.W; i++) {
      const src = (readout.cOff + o * readout.W + i - readout.off) * k;
      const dst = i * Ok + o * k;
      for (let j = 0; j < k; j++) DC.data[dst + j] = V.data[src + j]!;
    }
  }
  // blocks (k ≥ 2): the register tile where it beats the GEMM on these thin shapes (the same numbers)
  const Hm = { rows: R, cols: N, data: traj.H };
  const Y = k >= 2 ? stepsProduct(Hm, DC, zeros(R, Ok), false) : gemm(Hm, DC);
  const y = Y.data;
  const dd = V.data.subarray(readout.dOff * k, (readout.dOff + O) * k);
  const C = readout.C;
  const h = dH.data;
  for (let r = 0; r < R; r++) {
    const yr = r * Ok;
    const hr = r * N * k;
    for (let o = 0; o < O; o++) {
      const yo = yr + o * k;
      if (k === 3) {
        // the natural gradient's three directions: the three sums in locals, in the same order
        let y0 = y[yo]! + dd[o * 3]!, y1 = y[yo + 1]! + dd[o * 3 + 1]!, y2 = y[yo + 2]! + dd[o * 3 + 2]!;
        for (let i = 0, hi = hr; i < N; i++, hi += 3) {
          const c = C[o * N + i]!;
          if (c === 0) continue;
          y0 += c * h[hi]!;
          y1 += c * h[hi + 1]!;
          y2 += c * h[hi + 2]!;
        }
        y[yo] = y0;
        y[yo + 1] = y1;
        y[yo + 2] = y2;
        continue;
      }
      for (let j = 0; j < k; j++) y[yo + j]! += dd[o * k + j]!;
      for (let i = 0; i < N; i++) {
        const c = C[o * N + i]!;
        if (c === 0) continue;
        const hi = hr + i * k;
        for (let j = 0; j < k; j++) y[yo + j]! += c * h[hi + j]!;
      }
    }
  }
  return { rows: R * O, cols: k, data: y };
}

/**
 * `J_yᵀ E`: prediction cotangents `E` (`(R·O) × k`, row `(r, o)`) to parameter cotangents
 * `P × k` (P = layout.size; readout rows zero for the state target). Throws ShapeError on a wrong
 * shape. Cost `2·R·k·(N·N_J + Σ_s L_s·N + 2·N·O)` flops, O(R·N·k) memory.
 */
export function outputVjpBlock(sw: OutputSweep, E: Matrix): Matrix {
  const { model, traj, O, readout } = sw;
  const { N } = traj;
  const R = traj.B * traj.T;
  const k = E.cols;
  if (E.rows !== R * O) throw new ShapeError(`outputVjpBlock: cotangents have ${E.rows} rows, expected B·T·O = ${R * O}`);
  const P = model.layout.size;
  const Pc = model.layout.cellSize;
  const out = zeros(P, k);
  let Eh: Matrix;
  if (!readout) {
    Eh = { rows: R * N, cols: k, data: E.data.slice() };
  } else {
    const C = readout.C;
    const e = E.data;
    const Ok = O * k;
    const work = workFor(model, k);
    const eh = work ? work.take('cotangent', R * N * k).fill(0) : new Float64Array(R * N * k);
    if (k === 1) {
      gemm({ rows: R, cols: O, data: e }, { rows: O, cols: N, data: C }, { out: { rows: R, cols: N, data: eh } });
    } else {
      for (let r = 0; r < R; r++) {
        for (let o = 0; o < O; o++) {
          const eo = r * Ok + o * k;
          if (k === 3) {
            const e0 = e[eo]!, e1 = e[eo + 1]!, e2 = e[eo + 2]!;
            for (let i = 0, hi = r * N * 3; i < N; i++, hi += 3) {
              const c = C[o * N + i]!;
              if (c === 0) continue;
              eh[hi]! += c * e0;
              eh[hi + 1]! += c * e1;
              eh[hi + 2]! += c * e2;
            }
            continue;
          }
          for (let i = 0; i < N; i++) {
            const c = C[o * N + i]!;
            if (c === 0) continue;
            const hi = (r * N + i) * k;
            for (let j = 0; j < k; j++) eh[hi + j]! += c * e[eo + j]!;
          }
        }
      }
    }
    Eh = { rows: R * N, cols: k, data: eh };
    // dC = Eᵀ H per direction: Hᵀ (N × R) times E (R × O·k) → N × O·k; dd = column sums of E
    const Hm = { rows: R, cols: N, data: traj.H };
    const Em = { rows: R, cols: Ok, data: e };
    const G = k >= 2 ? stepsProductT(Hm, Em, zeros(N, Ok)) : gemm(Hm, Em, { transA: true });
    const o2 = out.data;
    for (let o = 0; o < O; o++) {
      for (let i = readout.off; i < readout.off + readout.W; i++) {
        const src = i * Ok + o * k;
        const dst = (readout.cOff + o * readout.W + i - readout.off) * k;
        for (let j = 0; j < k; j++) o2[dst + j] = G.data[src + j]!;
      }
    }
    for (let r = 0; r < R; r++) {
      for (let o = 0; o < O; o++) {
        const eo = r * Ok + o * k;
        const dst = (readout.dOff + o) * k;
        for (let j = 0; j < k; j++) o2[dst + j]! += e[eo + j]!;
      }
    }
  }
  // blocks (k ≥ 2, the Fisher products): the cell rows are written in place
  const cellRows = k >= 2 ? { rows: Pc, cols: k, data: out.data.subarray(0, Pc * k) } : undefined;
  const g = stateVjp(sw, Eh, workFor(model, k), cellRows);
  if (g.data !== cellRows?.data) out.data.set(g.data.subarray(0, Pc * k), 0);
  return out;
}
