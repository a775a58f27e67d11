/**
 * BENCH BASELINE ONLY: a faithful copy of the vanilla-only fused training sweep that sntk used
 * before the one sweep engine (models/output-sweep.ts) replaced it, kept so that
 * bench/natgrad.bench.ts can time the general engine's vanilla step against it in the same run.
 * Library code does not import this file. Original module comment follows.
 *
 * The fused training sweep (docs/theory.md §10): one forward pass gives the loss and carries the JVPs
 * `J v_i` of k directions; one block backward pass with cotangents `[ε, J_y v_1/(BT), …]` gives the
 * loss gradient `g = J_yᵀ ε` and the Fisher products `F_y v_i = J_yᵀ J_y v_i / (BT)` together.
 *
 * Loss: `L = ½ · mean over (b, t, o) of (y − y*)²`, `y = C h + d` (target 'output') or `y = h`
 * (target 'state'); `ε = (y − y*) / (B·T·O)`. Fisher: `F_y = J_yᵀ J_y / (B·T)` with `J_y` the
 * Jacobian of the targets' predictions w.r.t. the flat parameters (cell then readout). Gradients
 * and Fisher products are restricted to the trainable mask (zero elsewhere); the directions
 * should already be zero outside it.
 *
 * Two implementations: a generic one through the Cell methods (forward, jvpH, jvpTheta, vjpH,
 * vjpTheta; any cell), and a fast vanilla one that batches the parameter-side products of all
 * (b, t) rows into GEMMs (`Hprev·dWᵀ` in the JVP, `Δᵀ·Hprev` for the weight gradients) and, with
 * `directionGemms` (default on), runs the k directions' JVP and
 * backward recurrences as one `(S·k) × N × N` GEMM per step over all Fisher trials and directions.
 */
import type { Model } from '../src/models/types.js';
import { getActivation } from '../src/models/index.js';
import type { Matrix } from '../src/linalg/matrix.js';
import { zeros } from '../src/linalg/matrix.js';
import { gemm } from '../src/linalg/index.js';
import { ShapeError, NonFiniteError } from '../src/errors.js';
import type { Batch, LossTarget } from '../src/train/batch.js';
import { checkBatch } from '../src/train/batch.js';

/** Options of `fusedSweep`. */
export interface FusedOptions {
  /** Loss on outputs (default) or hidden states. */
  target?: LossTarget;
  /** Directions `v_i` (each of length `layout.size`) whose `J_y v_i` and `F_y v_i` are wanted. */
  directions?: readonly Float64Array[];
  /** Trainable mask (length `layout.size`); all trainable when absent. */
  mask?: Uint8Array;
  /** Compute the loss gradient (default true). */
  grad?: boolean;
  /** Compute the Fisher products `F_y v_i` (default true when directions are given). */
  fisher?: boolean;
  /** Also return `J_y V` (`(B·T·O) × k`, unscaled). */
  keepJV?: boolean;
  /**
   * Trials carried for the Fisher products (default all): `F_y` is then estimated as
   * `J_Sᵀ J_S / (|S|·T)` over these trials only, which makes the extra columns |S|/B as costly.
   * `JV` rows are those trials' rows, in this order.
   */
  fisherTrials?: readonly number[];
  /** 'auto' (vanilla fast path when possible), 'generic' or 'vanilla'. */
  impl?: 'auto' | 'generic' | 'vanilla';
  /**
   * Vanilla path: run the k directions' JVP and Fisher-backward recurrences as one
   * `(S·k) × N × N` GEMM per step over all Fisher trials and directions (and the JVPs' θ parts as
   * one GEMM), instead of per-row loops. 'auto' (default): whenever there are ≥ 4 rows
   * (`directionGemms`); same flops, far faster with BLAS (native N = 16: full-batch Fisher step
   * 4.0× → 1.9× SGD's; N = 128: ≈ 5× → 1.3×) and ≈ 5% faster on the pure TypeScript backend.
   */
  directionGemms?: 'auto' | boolean;
}

/**
 * Whether the vanilla fused sweep runs the direction recurrences on GEMMs (see
 * `FusedOptions.directionGemms`): forced by a boolean; 'auto': at least 4 rows (S·k) per GEMM.
 * `N` is kept for future size rules. O(1).
 */
export function directionGemms(N: number, rows: number, opt: 'auto' | boolean | undefined): boolean {
  if (typeof opt === 'boolean') return opt;
  return N >= 1 && rows >= 4;
}

/** What one fused sweep returns. */
export interface FusedResult {
  /** `½ mean (y − y*)²`. */
  loss: number;
  /** Masked loss gradient, length `layout.size` (zeros when not requested). */
  grad: Float64Array;
  /** Masked `F_y v_i`, one per direction. */
  Fv: Float64Array[];
  /** `J_y V` (`(B·T·O) × k`) when `keepJV`. */
  JV?: Matrix;
  /** Predictions `y` (`B × T × O`). */
  outputs: Float64Array;
  /** Residual `y − y*` (`B × T × O`). */
  residual: Float64Array;
}

function blockOffset(model: Model, name: string): number {
  const b = model.layout.blocks.find((x) => x.name === name);
  if (!b) throw new ShapeError(`model layout has no block '${name}'`);
  return b.offset;
}

interface Readout {
  O: number;
  C: Float64Array | null;
  d: Float64Array | null;
  cOff: number;
  dOff: number;
}

function readoutOf(model: Model, target: LossTarget): Readout {
  const N = model.spec.hiddenSize;
  if (target === 'state') return { O: N, C: null, d: null, cOff: -1, dOff: -1 };
  const O = model.spec.outputSize;
  const cOff = blockOffset(model, 'C');
  const dOff = blockOffset(model, 'd');
  return { O, C: model.params.subarray(cOff, cOff + O * N), d: model.params.subarray(dOff, dOff + O), cOff, dOff };
}

/**
 * Loss, masked gradient and Fisher products `F_y v_i` in one forward + one block backward sweep.
 * Cost O(B·T·(1 + 2k)(N² + ND)) for the JVPs/VJPs plus O(B·T·O·N·k) for the readout; memory
 * O(B·T·N·(k + 2)) (vanilla) or O(T·(N + cache)) per trial (generic).
 */
export function fusedSweep(model: Model, batch: Batch, opts: FusedOptions = {}): FusedResult {
  const target = opts.target ?? 'output';
  checkBatch(model, batch, target);
  const P = model.layout.size;
  const dirs = opts.directions ?? [];
  for (let i = 0; i < dirs.length; i++) {
    if (dirs[i]!.length !== P) throw new ShapeError(`fusedSweep: direction ${i} has length ${dirs[i]!.length}, expected ${P}`);
  }
  if (opts.mask && opts.mask.length !== P) throw new ShapeError(`fusedSweep: mask has length ${opts.mask.length}, expected ${P}`);
  const impl = opts.impl ?? 'auto';
  const vanillaOk = model.spec.cell === 'vanilla';
  if (impl === 'vanilla' && !vanillaOk) throw new ShapeError(`fusedSweep: impl 'vanilla' requested for a ${model.spec.cell} cell`);
  const res = impl === 'generic' || !vanillaOk ? sweepGeneric(model, batch, target, dirs, opts) : sweepVanilla(model, batch, target, dirs, opts);
  if (!Number.isFinite(res.loss)) throw new NonFiniteError(`training loss is not finite (${res.loss})`);
  if (opts.mask) {
    const m = opts.mask;
    for (let p = 0; p < P; p++) {
      if (!m[p]) {
        res.grad[p] = 0;
        for (const f of res.Fv) f[p] = 0;
      }
    }
  }
  return res;
}

function lossAndCotangent(Yhat: Float64Array, Y: Float64Array): { loss: number; residual: Float64Array; eps: Float64Array } {
  const n = Yhat.length;
  const residual = new Float64Array(n);
  const eps = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const r = Yhat[i]! - Y[i]!;
    residual[i] = r;
    s += r * r;
  }
  const inv = 1 / n;
  for (let i = 0; i < n; i++) eps[i] = residual[i]! * inv;
  return { loss: (0.5 * s) / n, residual, eps };
}

// ---------------------------------------------------------------- generic (any Cell)

function sweepGeneric(model: Model, batch: Batch, target: LossTarget, dirs: readonly Float64Array[], opts: FusedOptions): FusedResult {
  const { cell, params } = model;
  const N = model.spec.hiddenSize;
  const D = model.spec.inputSize;
  const Pc = model.layout.cellSize;
  const P = model.layout.size;
  const { B, T, X, Y } = batch;
  const ro = readoutOf(model, target);
  const O = ro.O;
  const k = dirs.length;
  const wantGrad = opts.grad ?? true;
  const wantFisher = (opts.fisher ?? true) && k > 0;
  const theta = params.subarray(0, Pc);

  // Forward over all trials (states and outputs).
  const H = new Float64Array(B * T * N);
  const Yhat = new Float64Array(B * T * O);
  const caches: ReturnType<typeof cell.forward>[] = new Array(B * T);
  for (let b = 0; b < B; b++) {
    let h: Float64Array = batch.h0 ? batch.h0.slice(b * N, (b + 1) * N) : new Float64Array(N);
    for (let t = 0; t < T; t++) {
      const row = b * T + t;
      const c = cell.forward(theta, h, X.subarray(row * D, (row + 1) * D));
      caches[row] = c;
      h = c.out;
      H.set(h, row * N);
      readoutApply(ro, N, h, Yhat, row * O);
    }
  }
  const { loss, residual, eps } = lossAndCotangent(Yhat, Y);

  // JVPs of the directions on the Fisher trials.
  const trials = trialList(opts.fisherTrials, B);
  const S = trials.length;
  const invST = 1 / (S * T);
  const JV = new Float64Array(S * T * O * k); // row-major (S·T·O) × k
  const dh = new Float64Array(N);
  const t1 = new Float64Array(N);
  const t2 = new Float64Array(N);
  const dy = new Float64Array(O);
  for (let i = 0; i < k; i++) {
    const v = dirs[i]!;
    const vc = v.subarray(0, Pc);
    for (let si = 0; si < S; si++) {
      const b = trials[si]!;
      dh.fill(0);
      for (let t = 0; t < T; t++) {
        const row = b * T + t;
        const c = caches[row]!;
        if (t > 0) cell.jvpH(theta, c, dh, t1);
        else t1.fill(0);
        cell.jvpTheta(theta, c, vc, t2);
        for (let n = 0; n < N; n++) dh[n] = t1[n]! + t2[n]!;
        readoutJvp(ro, N, v, dh, H.subarray(row * N, (row + 1) * N), dy);
        const sr = si * T + t;
        for (let o = 0; o < O; o++) JV[(sr * O + o) * k + i] = dy[o]!;
      }
    }
  }

  // Block backward: column ε over all trials (gradient), columns J_y v_i/(S·T) over the Fisher trials.
  const cols: { cot: (row: number, sr: number, o: number) => number; out: Float64Array; trials: ArrayLike<number> }[] = [];
  const grad = new Float64Array(P);
  const all = Int32Array.from({ length: B }, (_, b) => b);
  if (wantGrad) cols.push({ cot: (row, _sr, o) => eps[row * O + o]!, out: grad, trials: all });
  const Fv: Float64Array[] = [];
  if (wantFisher) {
    for (let i = 0; i < k; i++) {
      const out = new Float64Array(P);
      Fv.push(out);
      cols.push({ cot: (_row, sr, o) => JV[(sr * O + o) * k + i]! * invST, out, trials });
    }
  }
  const slot = new Int32Array(B).fill(-1);
  for (let si = 0; si < S; si++) slot[trials[si]!] = si;
  const carry = new Float64Array(N);
  const a = new Float64Array(N);
  for (const col of cols) {
    const gc = col.out.subarray(0, Pc);
    for (let ti = 0; ti < col.trials.length; ti++) {
      const b = col.trials[ti]!;
      carry.fill(0);
      for (let t = T - 1; t >= 0; t--) {
        const row = b * T + t;
        const sr = slot[b]! * T + t;
        const c = caches[row]!;
        for (let n = 0; n < N; n++) a[n] = carry[n]!;
        if (ro.C) {
          const C = ro.C;
          for (let o = 0; o < O; o++) {
            const e = col.cot(row, sr, o);
            if (e === 0) continue;
            for (let n = 0; n < N; n++) a[n]! += C[o * N + n]! * e;
            const hrow = row * N;
            for (let n = 0; n < N; n++) col.out[ro.cOff + o * N + n]! += e * H[hrow + n]!;
            col.out[ro.dOff + o]! += e;
          }
        } else {
          for (let n = 0; n < N; n++) a[n]! += col.cot(row, sr, n);
        }
        cell.vjpTheta(theta, c, a, gc);
        if (t > 0) cell.vjpH(theta, c, a, carry);
      }
    }
  }
  const result: FusedResult = { loss, grad, Fv, outputs: Yhat, residual };
  if (opts.keepJV) result.JV = { rows: S * T * O, cols: k, data: JV };
  return result;
}

function readoutApply(ro: Readout, N: number, h: Float64Array, out: Float64Array, off: number): void {
  if (!ro.C) {
    out.set(h, off);
    return;
  }
  const C = ro.C;
  const d = ro.d!;
  for (let o = 0; o < ro.O; o++) {
    let s = d[o]!;
    for (let n = 0; n < N; n++) s += C[o * N + n]! * h[n]!;
    out[off + o] = s;
  }
}

/** `dy = C dh + dC h + dd` (output target) or `dy = dh` (state target). */
function readoutJvp(ro: Readout, N: number, v: Float64Array, dh: Float64Array, h: Float64Array, dy: Float64Array): void {
  if (!ro.C) {
    dy.set(dh);
    return;
  }
  const C = ro.C;
  for (let o = 0; o < ro.O; o++) {
    let s = v[ro.dOff + o]!;
    const cb = ro.cOff + o * N;
    for (let n = 0; n < N; n++) s += C[o * N + n]! * dh[n]! + v[cb + n]! * h[n]!;
    dy[o] = s;
  }
}

// ---------------------------------------------------------------- vanilla fast path

function sweepVanilla(model: Model, batch: Batch, target: LossTarget, dirs: readonly Float64Array[], opts: FusedOptions): FusedResult {
  const { params } = model;
  const N = model.spec.hiddenSize;
  const D = model.spec.inputSize;
  const P = model.layout.size;
  const { B, T, X, Y } = batch;
  const BT = B * T;
  const ro = readoutOf(model, target);
  const O = ro.O;
  const k = dirs.length;
  const wantGrad = opts.grad ?? true;
  const wantFisher = (opts.fisher ?? true) && k > 0;
  const act = getActivation(model.spec.activation);
  const isTanh = model.spec.activation === 'tanh';
  const wOff = blockOffset(model, 'W');
  const uOff = blockOffset(model, 'U');
  const bOff = blockOffset(model, 'b');
  const W = params.subarray(wOff, wOff + N * N);
  const U = params.subarray(uOff, uOff + N * D);
  const bias = params.subarray(bOff, bOff + N);
  const C = ro.C;
  const dvec = ro.d;
  const trials = trialList(opts.fisherTrials, B);
  const S = trials.length;
  const ST = S * T;
  const invST = 1 / ST;
  const WT = new Float64Array(N * N);
  for (let r = 0; r < N; r++) for (let c = 0; c < N; c++) WT[c * N + r] = W[r * N + c]!;

  // Forward: Hprev (BT × N, row (b,t) = h_{t−1}), H, φ'(a), predictions.
  const Hprev = new Float64Array(BT * N);
  const H = new Float64Array(BT * N);
  const Dp = new Float64Array(BT * N);
  const Yhat = new Float64Array(BT * O);
  const h0 = batch.h0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = b * T + t;
      const hp = row * N;
      if (t > 0) for (let c = 0; c < N; c++) Hprev[hp + c] = H[hp - N + c]!;
      else if (h0) for (let c = 0; c < N; c++) Hprev[hp + c] = h0[b * N + c]!;
      const xo = row * D;
      for (let i = 0; i < N; i++) {
        let s = bias[i]!;
        const wi = i * N;
        for (let c = 0; c < N; c++) s += W[wi + c]! * Hprev[hp + c]!;
        const ui = i * D;
        for (let c = 0; c < D; c++) s += U[ui + c]! * X[xo + c]!;
        if (isTanh) {
          const y = Math.tanh(s);
          H[hp + i] = y;
          Dp[hp + i] = 1 - y * y;
        } else {
          H[hp + i] = act.phi(s);
          Dp[hp + i] = act.d1(s);
        }
      }
      if (C) {
        for (let o = 0; o < O; o++) {
          let s = dvec![o]!;
          const co = o * N;
          for (let n = 0; n < N; n++) s += C[co + n]! * H[hp + n]!;
          Yhat[row * O + o] = s;
        }
      } else for (let n = 0; n < N; n++) Yhat[hp + n] = H[hp + n]!;
    }
  }
  const { loss, residual, eps } = lossAndCotangent(Yhat, Y);

  // JVPs on the Fisher trials: dh_t = φ' ⊙ (dW h_{t−1} + dU x_t + db + W dh_{t−1}); JV row (s·T + t, o), column i.
  const JV = new Float64Array(ST * O * k);
  const useGemm = k > 0 && directionGemms(N, S * k, opts.directionGemms);
  if (useGemm) jvpDirectionsGemm();
  else jvpDirectionsLoops();

  function jvpDirectionsLoops(): void {
  let dhPrev = new Float64Array(N);
  let dhCur = new Float64Array(N);
  for (let i = 0; i < k; i++) {
    const v = dirs[i]!;
    const dW = v.subarray(wOff, wOff + N * N);
    const dU = v.subarray(uOff, uOff + N * D);
    const db = v.subarray(bOff, bOff + N);
    const dC = C ? v.subarray(ro.cOff, ro.cOff + O * N) : null;
    const dd = C ? v.subarray(ro.dOff, ro.dOff + O) : null;
    for (let si = 0; si < S; si++) {
      const b = trials[si]!;
      for (let t = 0; t < T; t++) {
        const row = b * T + t;
        const hp = row * N;
        const xo = row * D;
        for (let r = 0; r < N; r++) {
          let s = db[r]!;
          const wr = r * N;
          for (let c = 0; c < N; c++) s += dW[wr + c]! * Hprev[hp + c]!;
          if (t > 0) for (let c = 0; c < N; c++) s += W[wr + c]! * dhPrev[c]!;
          const ur = r * D;
          for (let c = 0; c < D; c++) s += dU[ur + c]! * X[xo + c]!;
          dhCur[r] = Dp[hp + r]! * s;
        }
        const jr = (si * T + t) * O;
        if (C) {
          for (let o = 0; o < O; o++) {
            let s = dd![o]!;
            const co = o * N;
            for (let n = 0; n < N; n++) s += C[co + n]! * dhCur[n]! + dC![co + n]! * H[hp + n]!;
            JV[(jr + o) * k + i] = s;
          }
        } else for (let n = 0; n < N; n++) JV[(jr + n) * k + i] = dhCur[n]!;
        const tmp = dhPrev;
        dhPrev = dhCur;
        dhCur = tmp;
      }
    }
  }
  }

  // The same JVPs on GEMMs: the θ parts of all k directions and all Fisher rows in one GEMM
  // (`Q = Hprev_S · [dW_1ᵀ … dW_kᵀ] + X_S · [dU_1ᵀ … dU_kᵀ] + db`, (S·T) × (k·N)), then per step one
  // `(S·k) × N × N` GEMM for `W dh_{t−1}` over all trials and directions at once.
  function jvpDirectionsGemm(): void {
    const kN = k * N;
    const HpS = zeros(ST, N);
    const XS = zeros(ST, D);
    for (let si = 0; si < S; si++) {
      const b = trials[si]!;
      HpS.data.set(Hprev.subarray(b * T * N, (b + 1) * T * N), si * T * N);
      XS.data.set(X.subarray(b * T * D, (b + 1) * T * D), si * T * D);
    }
    const DW = zeros(N, kN); // DW[c, i·N + r] = dW_i[r, c]
    const DU = zeros(D, kN);
    const DB = new Float64Array(kN);
    for (let i = 0; i < k; i++) {
      const v = dirs[i]!;
      for (let r = 0; r < N; r++) {
        for (let c = 0; c < N; c++) DW.data[c * kN + i * N + r] = v[wOff + r * N + c]!;
        for (let c = 0; c < D; c++) DU.data[c * kN + i * N + r] = v[uOff + r * D + c]!;
        DB[i * N + r] = v[bOff + r]!;
      }
    }
    const Q = gemm(HpS, DW);
    if (D > 0) gemm(XS, DU, { out: Q, beta: 1 });
    const Sk = S * k;
    let prev = zeros(Sk, N); // row (s, i) = dh_{t−1} of trial s, direction i
    let cur = zeros(Sk, N);
    const Wm: Matrix = { rows: N, cols: N, data: W };
    for (let t = 0; t < T; t++) {
      if (t > 0) gemm(prev, Wm, { transB: true, out: cur }); // cur = dh_{t−1} Wᵀ (rows)
      else cur.data.fill(0);
      for (let si = 0; si < S; si++) {
        const b = trials[si]!;
        const row = b * T + t;
        const hp = row * N;
        const qRow = (si * T + t) * kN;
        for (let i = 0; i < k; i++) {
          const o0 = (si * k + i) * N;
          for (let r = 0; r < N; r++) cur.data[o0 + r] = Dp[hp + r]! * (cur.data[o0 + r]! + Q.data[qRow + i * N + r]! + DB[i * N + r]!);
          const v = dirs[i]!;
          const jr = (si * T + t) * O;
          if (C) {
            for (let o = 0; o < O; o++) {
              let s2 = v[ro.dOff + o]!;
              const co = o * N;
              const cOff = ro.cOff + co;
              for (let n = 0; n < N; n++) s2 += C[co + n]! * cur.data[o0 + n]! + v[cOff + n]! * H[hp + n]!;
              JV[(jr + o) * k + i] = s2;
            }
          } else for (let n = 0; n < N; n++) JV[(jr + n) * k + i] = cur.data[o0 + n]!;
        }
      }
      const tmp = prev;
      prev = cur;
      cur = tmp;
    }
  }

  // Backward. Gradient column over all trials (DeltaG, BT × N); Fisher columns over the Fisher
  // trials (DeltaF, (S·T) × (k·N), column block i), cotangents J_y v_i/(S·T).
  const grad = new Float64Array(P);
  const Fv: Float64Array[] = [];
  const DeltaG = wantGrad ? new Float64Array(BT * N) : null;
  const DeltaF = wantFisher ? new Float64Array(ST * k * N) : null;
  const slot = new Int32Array(B).fill(-1);
  for (let si = 0; si < S; si++) slot[trials[si]!] = si;
  const a = new Float64Array(N);
  const carryG = new Float64Array(N);
  const carryF = new Float64Array(k * N);
  for (let b = 0; b < B; b++) {
    const si = wantFisher && !useGemm ? slot[b]! : -1;
    if (!DeltaG && si < 0) continue;
    carryG.fill(0);
    carryF.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const row = b * T + t;
      const hp = row * N;
      if (DeltaG) {
        for (let n = 0; n < N; n++) a[n] = carryG[n]!;
        if (C) {
          for (let o = 0; o < O; o++) {
            const e = eps[row * O + o]!;
            const co = o * N;
            for (let n = 0; n < N; n++) a[n]! += C[co + n]! * e;
          }
        } else for (let n = 0; n < N; n++) a[n]! += eps[hp + n]!;
        for (let n = 0; n < N; n++) DeltaG[hp + n] = Dp[hp + n]! * a[n]!;
        if (t > 0) {
          for (let c = 0; c < N; c++) {
            let s = 0;
            const wc = c * N;
            for (let r = 0; r < N; r++) s += WT[wc + r]! * DeltaG[hp + r]!;
            carryG[c] = s;
          }
        }
      }
      if (si >= 0) {
        const sr = si * T + t;
        for (let i = 0; i < k; i++) {
          const ci = i * N;
          for (let n = 0; n < N; n++) a[n] = carryF[ci + n]!;
          if (C) {
            for (let o = 0; o < O; o++) {
              const e = JV[(sr * O + o) * k + i]! * invST;
              const co = o * N;
              for (let n = 0; n < N; n++) a[n]! += C[co + n]! * e;
            }
          } else for (let n = 0; n < N; n++) a[n]! += JV[(sr * N + n) * k + i]! * invST;
          const dOut = (sr * k + i) * N;
          for (let n = 0; n < N; n++) DeltaF![dOut + n] = Dp[hp + n]! * a[n]!;
          if (t > 0) {
            for (let c = 0; c < N; c++) {
              let s = 0;
              const wc = c * N;
              for (let r = 0; r < N; r++) s += WT[wc + r]! * DeltaF![dOut + r]!;
              carryF[ci + c] = s;
            }
          }
        }
      }
    }
  }
  if (DeltaF && useGemm) {
    // Fisher cotangents of all trials and directions together: per step (descending) the rows
    // (s, i) of `a = carry + Cᵀ J_y v_i/(S·T)`, `Δ = φ' ⊙ a`, and one `(S·k) × N × N` GEMM
    // `carry ← Δ W` (= Wᵀ Δ per row) for the step before.
    const Sk = S * k;
    const carry = zeros(Sk, N);
    const delta = zeros(Sk, N);
    const Wm: Matrix = { rows: N, cols: N, data: W };
    for (let t = T - 1; t >= 0; t--) {
      for (let si = 0; si < S; si++) {
        const b = trials[si]!;
        const hp = (b * T + t) * N;
        const sr = si * T + t;
        for (let i = 0; i < k; i++) {
          const o0 = (si * k + i) * N;
          for (let n = 0; n < N; n++) a[n] = t < T - 1 ? carry.data[o0 + n]! : 0;
          if (C) {
            for (let o = 0; o < O; o++) {
              const e = JV[(sr * O + o) * k + i]! * invST;
              const co = o * N;
              for (let n = 0; n < N; n++) a[n]! += C[co + n]! * e;
            }
          } else for (let n = 0; n < N; n++) a[n]! += JV[(sr * N + n) * k + i]! * invST;
          const dOut = (sr * k + i) * N;
          for (let n = 0; n < N; n++) {
            const dv = Dp[hp + n]! * a[n]!;
            DeltaF[dOut + n] = dv;
            delta.data[o0 + n] = dv;
          }
        }
      }
      if (t > 0) gemm(delta, Wm, { out: carry });
    }
  }
  const Hp: Matrix = { rows: BT, cols: N, data: Hprev };
  const Xm: Matrix = { rows: BT, cols: D, data: X };
  if (DeltaG) {
    const Dm: Matrix = { rows: BT, cols: N, data: DeltaG };
    grad.set(gemm(Dm, Hp, { transA: true }).data, wOff);
    if (D > 0) grad.set(gemm(Dm, Xm, { transA: true }).data, uOff);
    for (let row = 0; row < BT; row++) for (let n = 0; n < N; n++) grad[bOff + n]! += DeltaG[row * N + n]!;
    if (C) {
      for (let row = 0; row < BT; row++) {
        for (let o = 0; o < O; o++) {
          const e = eps[row * O + o]!;
          const cb = ro.cOff + o * N;
          for (let n = 0; n < N; n++) grad[cb + n]! += e * H[row * N + n]!;
          grad[ro.dOff + o]! += e;
        }
      }
    }
  }
  if (DeltaF) {
    // Rows of the Fisher trials.
    let HpS: Matrix = Hp;
    let XS: Matrix = Xm;
    let HS = H;
    if (S !== B || trials.some((b, i) => b !== i)) {
      HpS = zeros(ST, N);
      XS = zeros(ST, D);
      HS = new Float64Array(ST * N);
      for (let si = 0; si < S; si++) {
        const b = trials[si]!;
        HpS.data.set(Hprev.subarray(b * T * N, (b + 1) * T * N), si * T * N);
        HS.set(H.subarray(b * T * N, (b + 1) * T * N), si * T * N);
        XS.data.set(X.subarray(b * T * D, (b + 1) * T * D), si * T * D);
      }
    }
    const Dm: Matrix = { rows: ST, cols: k * N, data: DeltaF };
    const GW = gemm(Dm, HpS, { transA: true }); // (k·N) × N
    const GU = D > 0 ? gemm(Dm, XS, { transA: true }) : null;
    for (let i = 0; i < k; i++) {
      const out = new Float64Array(P);
      Fv.push(out);
      out.set(GW.data.subarray(i * N * N, (i + 1) * N * N), wOff);
      if (GU) out.set(GU.data.subarray(i * N * D, (i + 1) * N * D), uOff);
      for (let sr = 0; sr < ST; sr++) {
        const dOut = (sr * k + i) * N;
        for (let n = 0; n < N; n++) out[bOff + n]! += DeltaF[dOut + n]!;
      }
      if (C) {
        for (let sr = 0; sr < ST; sr++) {
          for (let o = 0; o < O; o++) {
            const e = JV[(sr * O + o) * k + i]! * invST;
            const cb = ro.cOff + o * N;
            for (let n = 0; n < N; n++) out[cb + n]! += e * HS[sr * N + n]!;
            out[ro.dOff + o]! += e;
          }
        }
      }
    }
  }
  const result: FusedResult = { loss, grad, Fv, outputs: Yhat, residual };
  if (opts.keepJV) result.JV = { rows: ST * O, cols: k, data: JV };
  return result;
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
