/**
 * The monitor's sNTK statistics at one training step: trace, state-space and output-space
 * participation ratios, top eigenvalues, the top eigenvalue's share of the trace, and the top
 * parameter direction (top eigenvector of `JᵀJ` with `J = dH/dθ` restricted to the trainable cell
 * parameters). Same nonzero spectrum as the state-space sNTK `J Jᵀ` of those parameters.
 *
 * Both routes are `analyzeSntk` (src/sntk/analyze.ts) over the trainable cell parameters:
 * - `dense` (exact): `J` by forward sensitivities, `G = JᵀJ` (`p × p`, p trainable cell params)
 *   by one block VJP of J's columns (pure TS) or one SYRK (native BLAS) — `parameterGram`,
 *   re-exported here as `stateGram` —, its eigenvalues and the top eigenvector by shifted inverse
 *   iteration (`gramSpectrumAndTop`);
 *   `PR = (tr G)²/‖G‖_F²`. Output space: `J_y = (I ⊗ C) J` (plus
 *   the readout's own columns when C or d are trained), `PR_y = (tr G_y)²/‖G_y‖_F²`.
 * - `operator` (matrix-free, large problems): block Lanczos on the masked state-space Fisher
 *   operator for the top eigenpairs, deflated Hutchinson for `‖G‖_F²` (hence PR) with standard
 *   errors; the output-space PR is reported only when the loss is on the states (then it equals
 *   the state-space one), else null.
 * The kernel is taken over the first `trials` trials of the batch (all by default) — state which.
 */
import type { Model, Trajectory } from '../../models/types.js';
import { paramBlock, readoutSlice, rollout } from '../../models/index.js';
import type { Matrix } from '../../linalg/matrix.js';
import { zeros } from '../../linalg/matrix.js';
import { syrk } from '../../linalg/index.js';
import { analyzeSntk } from '../../sntk/analyze.js';
import { InputError } from '../../errors.js';
import type { Batch, LossTarget } from '../batch.js';

/** The dense Gram and top-direction kernels live in the sNTK layer; re-exported for the monitor's callers. */
export { parameterGram as stateGram, gramSpectrumAndTop } from '../../sntk/gram.js';

/** Options of `monitorKernel`. */
export interface MonitorKernelOptions {
  /** Loss target of the run (decides the output space). Default 'output'. */
  target?: LossTarget;
  /** Trainable mask over the flat parameters (all trainable when absent). */
  mask?: Uint8Array;
  /** Use the first `trials` trials of the batch (null/absent: all). */
  trials?: number | null;
  /** 'auto' (dense when `M·p²` ≤ `denseFlops`), 'dense' or 'operator'. */
  method?: 'auto' | 'dense' | 'operator';
  /** Largest `M·p²` (M = trials·T·N rows) for which `auto` picks the dense route (default 1e10). */
  denseFlops?: number;
  /** Number of top eigenvalues to return (default 10, capped at p). */
  top?: number;
  /** Operator route: Hutchinson probes for `‖G‖_F²` (default 64). */
  probes?: number;
  /** Operator route: seed of the probes and starting vectors (default 0). */
  seed?: number;
  /** Operator route: warm start for the top eigenvector (length `layout.size`). */
  warmStart?: Float64Array | null;
}

/** What `monitorKernel` returns. */
export interface MonitorKernelResult {
  method: 'dense' | 'operator';
  /** Trials the kernel was taken over. */
  trials: number;
  /** Trainable cell parameters p (columns of J). */
  params: number;
  trace: number;
  pr: number;
  /** Output-space PR, or null when not computed (operator route with an output loss). */
  prOutput: number | null;
  /** Top eigenvalues, descending. */
  top: number[];
  /** `top[0] / trace`. */
  topShare: number;
  /** Top eigenvector of `JᵀJ` as a unit vector over the flat parameters (zero outside the trainable cell params). */
  topVector: Float64Array;
  /** Full spectrum (dense route only), descending. */
  spectrum: Float64Array | null;
  /** Standard errors (operator route). */
  standardErrors?: { trace: number; pr: number };
}

/** Indices of the trainable cell parameters. */
export function trainableCellIndex(model: Model, mask: Uint8Array | undefined): Int32Array {
  const P = model.layout.cellSize;
  const idx: number[] = [];
  for (let i = 0; i < P; i++) if (!mask || mask[i]) idx.push(i);
  return Int32Array.from(idx);
}

function subBatchTrajectory(model: Model, batch: Batch, n: number): Trajectory {
  const { T } = batch;
  const D = model.spec.inputSize;
  const N = model.cell.N; // the full state: [h; c] per LSTM layer, all layers of a stacked cell
  const X = batch.X.subarray(0, n * T * D);
  return rollout(model, X, batch.h0 ? { B: n, T, h0: batch.h0.subarray(0, n * N) } : { B: n, T });
}

function prOfGram(G: Matrix): number {
  const n = G.rows;
  let tr = 0, f2 = 0;
  for (let i = 0; i < n; i++) tr += G.data[i * n + i]!;
  for (let i = 0; i < G.data.length; i++) f2 += G.data[i]! * G.data[i]!;
  return f2 > 0 ? (tr * tr) / f2 : 0;
}

/**
 * `J_y` (`(n·T·O) × (p + readout)`) from the state Jacobian `J` (`(n·T·N) × p`) and the
 * trajectory; `C` (`O × W`) reads the state slice `[off, off + W)` (`readoutSlice`).
 */
function outputJacobian(model: Model, traj: Trajectory, J: Matrix, mask: Uint8Array | undefined): Matrix {
  const N = traj.N;
  const O = model.spec.outputSize;
  const { offset: off, width: W } = readoutSlice(model.spec);
  const cOff = paramBlock(model.layout, 'C').offset;
  const dOff = paramBlock(model.layout, 'd').offset;
  const C = model.params.subarray(cOff, cOff + O * W);
  const rd: { o: number; i: number }[] = []; // readout columns: i = -1 for d_o
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < W; i++) if (!mask || mask[cOff + o * W + i]) rd.push({ o, i });
    if (!mask || mask[dOff + o]) rd.push({ o, i: -1 });
  }
  const p = J.cols;
  const cols = p + rd.length;
  const BT = traj.B * traj.T;
  const Jy = zeros(BT * O, cols);
  for (let r = 0; r < BT; r++) {
    for (let o = 0; o < O; o++) {
      const dst = (r * O + o) * cols;
      for (let i = 0; i < W; i++) {
        const c = C[o * W + i]!;
        if (c === 0) continue;
        const src = (r * N + off + i) * p;
        for (let q = 0; q < p; q++) Jy.data[dst + q]! += c * J.data[src + q]!;
      }
      for (let k = 0; k < rd.length; k++) {
        const e = rd[k]!;
        if (e.o !== o) continue;
        Jy.data[dst + p + k] = e.i < 0 ? 1 : traj.H[r * N + off + e.i]!;
      }
    }
  }
  return Jy;
}

/**
 * The sNTK statistics of `model` on (the first `trials` trials of) `batch`. Cost: dense
 * O(M·N·P) for J, then O(M·(N·p + P·p/N)) for G by the block VJP (pure TS) or O(M·p²/2) by SYRK
 * (native), O(p³) for the spectrum, with M = trials·T·N; operator O((top + probes)·(forward + backward sweep)).
 * Throws InputError when no cell parameter is trainable or `trials` is out of range.
 *
 * @param model - the student network.
 * @param batch - the training batch (inputs `B·T·D`, targets).
 * @param opts - number of trials, dense or operator method, top eigenvalues, trainable mask.
 * @returns PR, trace, top eigenvalues and the top parameter direction of the sNTK (docs/theory.md §5, §11).
 * @throws {@link sntk!InputError} when no cell parameter is trainable or `trials` is out of range.
 */
export function monitorKernel(model: Model, batch: Batch, opts: MonitorKernelOptions = {}): MonitorKernelResult {
  const n = opts.trials ?? batch.B;
  if (!Number.isInteger(n) || n < 1 || n > batch.B) throw new InputError(`monitor: trials must be an integer in 1..${batch.B}, got ${n}`);
  const idx = trainableCellIndex(model, opts.mask);
  const p = idx.length;
  if (p === 0) throw new InputError('monitor: no trainable cell parameter (the sNTK is empty)');
  const traj = subBatchTrajectory(model, batch, n);
  const M = n * batch.T * model.cell.N;
  const method = opts.method ?? 'auto';
  const dense = method === 'dense' || (method === 'auto' && M * p * p <= (opts.denseFlops ?? 1e10));
  const top = Math.min(opts.top ?? 10, p);
  const target = opts.target ?? 'output';
  const needOutput = dense && !(target === 'state' || model.spec.outputSize === 0);
  // one analyser (src/sntk/analyze.ts): JᵀJ over the trainable cell parameters with its top direction
  const r = analyzeSntk(model, traj, {
    method: dense ? 'dense' : 'operator',
    top,
    params: idx,
    topVector: { warm: opts.warmStart ?? null },
    ranks: false,
    operatorGram: 'JtJ',
    lanczosTol: 1e-8,
    probes: opts.probes ?? 64,
    seed: opts.seed ?? 0,
    ...(needOutput ? { keepJacobian: true } : {}),
  });
  const tr = r.trace;
  const topVector = r.topVector!;
  if (r.method === 'dense') {
    const spectrum = r.spectrum!;
    let f2 = 0;
    for (const v of spectrum) f2 += v * v;
    const pr = f2 > 0 ? (tr * tr) / f2 : 0;
    const prOutput = needOutput ? prOfGram(syrk(outputJacobian(model, traj, r.jacobian!, opts.mask), true)) : pr;
    return {
      method: 'dense',
      trials: n,
      params: p,
      trace: tr,
      pr,
      prOutput,
      top: r.top,
      topShare: tr > 0 ? spectrum[0]! / tr : 0,
      topVector,
      spectrum,
    };
  }
  const pr = r.participationRatio;
  return {
    method: 'operator',
    trials: n,
    params: p,
    trace: tr,
    pr,
    prOutput: target === 'state' ? pr : null,
    top: r.top,
    topShare: tr > 0 ? r.top[0]! / tr : 0,
    topVector,
    spectrum: null,
    standardErrors: { trace: r.standardErrors!.trace, pr: r.standardErrors!.participationRatio },
  };
}
