/**
 * The training step's sweep (docs/theory.md §10, loss mask included), composed from the models layer's sweep engine
 * (models/output-sweep.ts) for any cell: one rollout gives the predictions and the loss; one
 * block VJP of the cotangent `ε` gives the loss gradient `g = J_yᵀ ε`; the k directions `V` give
 * the Fisher products `F_y V = J_yᵀ J_y V / (S·T)` by one block JVP and one block VJP on the
 * Fisher trials (all B, or a subset S).
 *
 * Loss: `L = ½ · mean over (b, t, o) of (y − y*)²`, `y = C h + d` (target 'output') or `y = h`
 * (target 'state'); `ε = (y − y*) / (B·T·O)`. With a loss mask `m` (the batch's `lossMask`, 0/1
 * per target entry) the mean is over the kept entries, `L = ½ Σ m (y − y*)² / Σ m`,
 * `ε = m (y − y*) / Σ m`, and the Fisher products use the kept rows only,
 * `F_y V = J_yᵀ M J_y V · O / Σ_S m` (without a mask `Σ_S m = |S|·T·O`, the unmasked scale). An
 * all-ones mask is no mask (the same numbers, bit for bit). Gradients and Fisher products are
 * restricted to the trainable mask (zero elsewhere); the directions should already be zero outside it.
 */
import type { Model } from '../models/types.js';
import { outputJvpBlock, outputVjpBlock, restrictTrials, rolloutForSweeps, sweepPredictions } from '../models/output-sweep.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { ShapeError, NonFiniteError } from '../errors.js';
import type { Batch, LossTarget } from './batch.js';
import { checkBatch, lossMaskCount } from './batch.js';

/** Options of `fusedSweep`. */
export interface FusedOptions {
  /** Loss on outputs (default) or hidden states. */
  target?: LossTarget;
  /**
   * Directions whose `J_y v_i` and `F_y v_i` are wanted: a `P × k` block (P = layout.size, column
   * i = `v_i`), or k vectors of length P.
   */
  directions?: Matrix | readonly Float64Array[];
  /** Trainable mask (length `layout.size`); all trainable when absent. */
  mask?: Uint8Array;
  /** Compute the loss gradient (default true). */
  grad?: boolean;
  /** Compute the Fisher products `F_y v_i` (default true when directions are given). */
  fisher?: boolean;
  /** Also return `J_y V` (`(S·T·O) × k`, unscaled; rows of masked loss entries are 0). */
  keepJV?: boolean;
  /**
   * Trials carried for the Fisher products (default all): `F_y` is then estimated as
   * `J_Sᵀ J_S / (|S|·T)` over these trials only, which makes the extra columns |S|/B as costly.
   * `JV` rows are those trials' rows, in this order.
   */
  fisherTrials?: readonly number[];
}

/** What one fused sweep returns. */
export interface FusedResult {
  /** `½ mean (y − y*)²` (over the loss mask's kept entries when there is one). */
  loss: number;
  /** Entries the mean is over: `B·T·O`, or the kept entries of the loss mask. */
  count: number;
  /** Masked loss gradient, length `layout.size` (zeros when not requested). */
  grad: Float64Array;
  /** Masked `F_y V` as a `P × k` block (`P × 0` without directions). */
  FvBlock: Matrix;
  /** The columns of `FvBlock`, one vector per direction. */
  Fv: Float64Array[];
  /** `J_y V` (`(S·T·O) × k`) when `keepJV`. */
  JV?: Matrix;
  /** Predictions `y` (`B × T × O`). */
  outputs: Float64Array;
  /** Residual `y − y*` (`B × T × O`; 0 at masked loss entries). */
  residual: Float64Array;
}

/** The directions as a `P × k` block (copied from vectors; a block is used as is). Throws ShapeError on a wrong length. Cost O(P·k). */
export function directionBlock(dirs: Matrix | readonly Float64Array[] | undefined, P: number): Matrix {
  if (!dirs) return zeros(P, 0);
  if (!Array.isArray(dirs)) {
    const m = dirs as Matrix;
    if (m.cols === 0) return zeros(P, 0);
    if (m.rows !== P || m.data.length !== m.rows * m.cols) throw new ShapeError(`fusedSweep: directions are ${m.rows}×${m.cols}, expected ${P} rows`);
    return m;
  }
  const list = dirs as readonly Float64Array[];
  const k = list.length;
  const V = zeros(P, k);
  for (let j = 0; j < k; j++) {
    const v = list[j]!;
    if (v.length !== P) throw new ShapeError(`fusedSweep: direction ${j} has length ${v.length}, expected ${P}`);
    for (let p = 0; p < P; p++) V.data[p * k + j] = v[p]!;
  }
  return V;
}

/** The columns of a `P × k` block as vectors. Cost O(P·k). */
export function blockColumns(M: Matrix): Float64Array[] {
  const { rows, cols, data } = M;
  const out: Float64Array[] = [];
  for (let j = 0; j < cols; j++) {
    const v = new Float64Array(rows);
    for (let p = 0; p < rows; p++) v[p] = data[p * cols + j]!;
    out.push(v);
  }
  return out;
}

/**
 * Loss, masked gradient and Fisher products `F_y V` for any cell: one rollout, one single-column
 * VJP over all trials, one k-column JVP and VJP over the Fisher trials. Throws ShapeError on
 * wrong shapes, NonFiniteError when the rollout diverges or the loss is not finite. Cost
 * O(B·T·(N·N_J + P)) for the loss and gradient plus O(S·T·k·(N·N_J + P)) for the Fisher
 * products (models/output-sweep.ts); memory O(B·T·(N + cache) + S·T·N·k).
 */
export function fusedSweep(model: Model, batch: Batch, opts: FusedOptions = {}): FusedResult {
  const target = opts.target ?? 'output';
  checkBatch(model, batch, target);
  const P = model.layout.size;
  const V = directionBlock(opts.directions, P);
  const k = V.cols;
  if (opts.mask && opts.mask.length !== P) throw new ShapeError(`fusedSweep: mask has length ${opts.mask.length}, expected ${P}`);
  const trials = trialList(opts.fisherTrials, batch.B);
  const wantGrad = opts.grad ?? true;
  const wantFisher = (opts.fisher ?? true) && k > 0;

  const { B, T, Y } = batch;
  const sw = rolloutForSweeps(model, batch.X, { B, T, ...(batch.h0 ? { h0: batch.h0 } : {}), target });
  const outputs = sweepPredictions(sw);
  const n = outputs.length;
  // the loss mask (checked by checkBatch: 0/1, at least one 1); all ones is no mask
  const lm = batch.lossMask && lossMaskCount(batch.lossMask) < n ? batch.lossMask : null;
  const count = lm ? lossMaskCount(lm) : n;
  const residual = new Float64Array(n);
  const eps = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const r = lm && lm[i] === 0 ? 0 : outputs[i]! - Y[i]!;
    residual[i] = r;
    s += r * r;
  }
  const loss = (0.5 * s) / count;
  if (!Number.isFinite(loss)) throw new NonFiniteError(`training loss is not finite (${loss})`);
  const inv = 1 / count;
  for (let i = 0; i < n; i++) eps[i] = residual[i]! * inv;

  const grad = wantGrad ? outputVjpBlock(sw, { rows: n, cols: 1, data: eps }).data : new Float64Array(P);
  let FvBlock: Matrix | null = null;
  let JV: Matrix | undefined;
  if (wantFisher || opts.keepJV) {
    const sub = restrictTrials(sw, trials);
    const jv = k > 0 ? outputJvpBlock(sub, V) : zeros(sub.traj.B * T * sw.O, 0);
    let scale = 1 / (trials.length * T);
    if (lm) scale = maskFisherRows(jv, lm, trials, T * sw.O, sw.O);
    if (opts.keepJV) JV = { rows: jv.rows, cols: jv.cols, data: jv.data.slice() };
    if (wantFisher) {
      for (let i = 0; i < jv.data.length; i++) jv.data[i]! *= scale;
      FvBlock = outputVjpBlock(sub, jv);
    }
  }
  FvBlock ??= zeros(P, k);
  if (opts.mask) {
    const m = opts.mask;
    const f = FvBlock.data;
    for (let p = 0; p < P; p++) {
      if (!m[p]) {
        grad[p] = 0;
        for (let j = p * k; j < (p + 1) * k; j++) f[j] = 0;
      }
    }
  }
  const result: FusedResult = { loss, count, grad, FvBlock, Fv: wantFisher ? blockColumns(FvBlock) : [], outputs, residual };
  if (JV) result.JV = JV;
  return result;
}

/**
 * Zeroes the rows of `J_S V` (`(|S|·T·O) × k`, trial `trials[j]`'s rows at `j·T·O`) whose loss
 * entries the mask drops, and returns the Fisher scale `O / Σ_S m` (0 when the Fisher trials keep
 * no entry). Cost O(|S|·T·O·k).
 */
function maskFisherRows(jv: Matrix, lm: Float64Array, trials: Int32Array, rowsPerTrial: number, O: number): number {
  const k = jv.cols;
  let kept = 0;
  for (let j = 0; j < trials.length; j++) {
    const src = trials[j]! * rowsPerTrial;
    for (let r = 0; r < rowsPerTrial; r++) {
      if (lm[src + r] === 1) kept++;
      else jv.data.fill(0, (j * rowsPerTrial + r) * k, (j * rowsPerTrial + r + 1) * k);
    }
  }
  return kept > 0 ? O / kept : 0;
}

/** The Fisher trials: all `0..B−1` when absent; checked and deduplicated otherwise. */
function trialList(list: readonly number[] | undefined, B: number): Int32Array {
  if (!list) return Int32Array.from({ length: B }, (_, i) => i);
  const seen = new Set<number>();
  for (const b of list) {
    if (!Number.isInteger(b) || b < 0 || b >= B) throw new ShapeError(`fusedSweep: fisherTrials entry ${b} is not a trial index in [0, ${B})`);
    if (seen.has(b)) throw new ShapeError(`fusedSweep: fisherTrials repeats trial ${b}`);
    seen.add(b);
  }
  if (list.length === 0) throw new ShapeError('fusedSweep: fisherTrials is empty');
  return Int32Array.from(list);
}

/**
 * Dense `J_y` restricted to the trainable parameters: `(B·T·O) × p` with `p` = number of
 * trainable entries, column c = `J_y e_{idx[c]}`. For small problems (Woodbury reference, tests).
 * Cost: one p-column block JVP, O(p·B·T·(N·N_J + P)).
 */
export function outputJacobian(model: Model, batch: Batch, opts: { target?: LossTarget; mask?: Uint8Array } = {}): { J: Matrix; index: Int32Array } {
  const P = model.layout.size;
  const idx: number[] = [];
  for (let p = 0; p < P; p++) if (!opts.mask || opts.mask[p]) idx.push(p);
  const p = idx.length;
  const V = zeros(P, p);
  idx.forEach((q, c) => (V.data[q * p + c] = 1));
  const target = opts.target ?? 'output';
  const r = fusedSweep(model, batch, { target, directions: V, grad: false, fisher: false, keepJV: true });
  return { J: r.JV!, index: Int32Array.from(idx) };
}
