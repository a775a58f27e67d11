/**
 * Block (many-vector) Jacobian sweeps through time on GEMMs (docs/theory.md §3).
 *
 * With `R = B·T` steps, tangents `Θ` (`P × k`) and the weight sites of each step
 * (`∂f/∂θ · dθ = Σ_s β_s ⊙ (dW_s u_s)`, types.ts `WeightSite`):
 *
 * - **JVP** `Y_t = J_t Y_{t−1} + Q_t`, `Q_t = Σ_s diag(β_{s,t}) Z_{s,t}` with
 *   `Z_{s,t}[i, :] = Σ_l u_{s,t}[l] Θ[(i, l), :]`. The `Q_t` do not depend on the recursion, so
 *   all of them come from ONE GEMM per site over time: `Z_s = U_s Θ′_s` with `U_s` the stacked site
 *   vectors (`R × L_s`) and `Θ′_s` the site's rows of Θ regrouped as `L_s × (N·k)`. The recursion
 *   then costs one `N × N × k` GEMM per step (`Cell.jvpHBlock`).
 * - **VJP** `Λ_t = E_t + J_{t+1}ᵀ Λ_{t+1}` with one transposed GEMM per step (`Cell.vjpHBlock`);
 *   the θ-gradient `Σ_t (∂f/∂θ)_tᵀ Λ_t` is again ONE GEMM per site over time:
 *   `grad′_s = U_sᵀ (β_s ⊙ Λ)` (`L_s × (N·k)`), scattered back to the site's rows of θ.
 *
 * Layouts: tangent/cotangent blocks `(B·T·N) × k` row-major, i.e. an `R × (N·k)` matrix whose row
 * `r` is the `N × k` block of step r — the natural operand of the GEMMs above. Cost of either
 * sweep: `2·R·k·(N·N_J + Σ_s L_s·N)` flops (`N_J = N`, GRU `3N`) + O(R·N·k), i.e. the same
 * flops as k single-vector sweeps but on GEMMs; memory O(R·N·k) (one extra block for cells with
 * several sites).
 */
import type { Cell, Model, StepCache, Trajectory } from './types.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { gemm } from '../linalg/index.js';
import { InputError } from '../errors.js';
import { stepsProduct, stepsProductT } from './kernels.js';

/** Whether a cell implements the block methods the block sweeps need (`jvpHBlock`, `vjpHBlock`). Cost O(1). */
export function hasBlockSweep(cell: Cell): boolean {
  return typeof cell.jvpHBlock === 'function' && typeof cell.vjpHBlock === 'function';
}

/** One site stacked over the `R = B·T` steps of a trajectory. */
export interface StackedSite {
  /** Site vectors, `R × L` (row r = `u` of step r). */
  readonly U: Matrix;
  /** Diagonal factors, `R × N` (row r = `β` of step r). */
  readonly beta: Float64Array;
  /** Column ranges of the site's weight matrix and the θ blocks that hold them (types.ts). */
  readonly segments: readonly { offset: number; colStart: number; cols: number }[];
}

function sameSegments(a: StackedSite['segments'], b: StackedSite['segments']): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x.offset !== y.offset || x.colStart !== y.colStart || x.cols !== y.cols) return false;
  }
  return true;
}

/**
 * Stacks the weight sites of every step of `traj` (`R = B·T` rows). Returns null when the sites
 * do not have the same structure (count, lengths, segments) at every step, in which case the
 * block sweep cannot use one GEMM per site. Cost O(R·Σ_s(L_s + N)) time and memory.
 */
export function stackSites(model: Model, traj: Trajectory): StackedSite[] | null {
  const { cell } = model;
  const theta = model.params.subarray(0, model.layout.cellSize);
  const R = traj.B * traj.T;
  const N = traj.N;
  let out: StackedSite[] = [];
  if (cell.writeSites && R > 0) {
    // the structure from the first step, then every step written in place (no per-step arrays)
    const first = cell.sites(theta, traj.caches[0]!);
    if (first === null) return null;
    out = first.map((s) => ({ U: zeros(R, s.u.length), beta: new Float64Array(R * N), segments: s.segments.map((g) => ({ ...g })) }));
    const Us = out.map((s) => s.U.data);
    const betas = out.map((s) => s.beta);
    const L = out.map((s) => s.U.cols);
    const off = L.map(() => 0);
    for (let r = 0; r < R; r++) {
      for (let s = 0; s < L.length; s++) off[s] = r * L[s]!;
      cell.writeSites(theta, traj.caches[r]!, Us, off, betas, r * N);
    }
    return out;
  }
  for (let r = 0; r < R; r++) {
    const sites = cell.sites(theta, traj.caches[r]!);
    if (sites === null) return null;
    if (r === 0) {
      out = sites.map((s) => ({ U: zeros(R, s.u.length), beta: new Float64Array(R * N), segments: s.segments.map((g) => ({ ...g })) }));
    } else if (sites.length !== out.length) return null;
    for (let s = 0; s < sites.length; s++) {
      const site = sites[s]!;
      const st = out[s]!;
      if (site.u.length !== st.U.cols || site.beta.length !== N || (r > 0 && !sameSegments(site.segments, st.segments))) return null;
      st.U.data.set(site.u, r * st.U.cols);
      st.beta.set(site.beta, r * N);
    }
  }
  return out;
}

/**
 * Buffers that the block sweeps reuse across calls, for a caller that applies them many times
 * (an operator inside an eigensolver): a fresh large array is paid for again at first touch, one
 * page fault per 4 KiB page, which on virtual machines can cost several times the pass that
 * fills it. Contents between calls are unspecified.
 */
export class SweepWorkspace {
  private readonly bufs = new Map<string, Float64Array>();

  /** A buffer of at least `len` doubles under `name` (grown, never shrunk), as a view of exactly `len`. Cost O(1) unless it grows. */
  take(name: string, len: number): Float64Array {
    let b = this.bufs.get(name);
    if (!b || b.length < len) {
      b = new Float64Array(len);
      this.bufs.set(name, b);
    }
    return b.length === len ? b : b.subarray(0, len);
  }
}

/** Tile edge (in `i` and `q`) of the site-row gather/scatter: the (i, q) → (q, i) reordering touches one `TILE × TILE` patch of `k`-runs at a time instead of writing a new row of `Θ′` (`N·k` apart) for every run. */
const TILE = 16;

/** `Θ′` (`L × (N·k)`): `Θ′[colStart + q, i·k + j] = Θ[offset + i·cols + q, j]` over the site's segments. Cost O(L·N·k), tiled. */
export function gatherSiteRows(site: StackedSite, dth: Float64Array, N: number, k: number, into?: Float64Array): Matrix {
  const L = site.U.cols;
  const Nk = N * k;
  const M = into ? { rows: L, cols: Nk, data: into.fill(0) } : zeros(L, Nk);
  const m = M.data;
  for (const { offset, colStart, cols } of site.segments) {
    for (let i0 = 0; i0 < N; i0 += TILE) {
      const i1 = Math.min(N, i0 + TILE);
      for (let q0 = 0; q0 < cols; q0 += TILE) {
        const q1 = Math.min(cols, q0 + TILE);
        for (let q = q0; q < q1; q++) {
          for (let i = i0; i < i1; i++) {
            const src = (offset + i * cols + q) * k;
            const dst = (colStart + q) * Nk + i * k;
            for (let j = 0; j < k; j++) m[dst + j] = dth[src + j]!;
          }
        }
      }
    }
  }
  return M;
}

/** The adjoint of gatherSiteRows, accumulating: `G[offset + i·cols + q, j] += Γ[colStart + q, i·k + j]`. Cost O(L·N·k), tiled. */
export function scatterSiteRows(site: StackedSite, Gam: Matrix, grad: Float64Array, N: number, k: number): void {
  const Nk = N * k;
  const g = Gam.data;
  for (const { offset, colStart, cols } of site.segments) {
    for (let i0 = 0; i0 < N; i0 += TILE) {
      const i1 = Math.min(N, i0 + TILE);
      for (let q0 = 0; q0 < cols; q0 += TILE) {
        const q1 = Math.min(cols, q0 + TILE);
        for (let i = i0; i < i1; i++) {
          for (let q = q0; q < q1; q++) {
            const dst = (offset + i * cols + q) * k;
            const src = (colStart + q) * Nk + i * k;
            for (let j = 0; j < k; j++) grad[dst + j]! += g[src + j]!;
          }
        }
      }
    }
  }
}

/**
 * How the recurrences through time run: one block product per step and trial (`'block'`), one
 * product per step over all trials at once (`'trials'`, `Cell.jvpHTrials`/`vjpHTrials`), or one
 * single-vector product per column, step and trial (`'columns'`).
 */
export type SweepRecurrence = 'block' | 'trials' | 'columns';

/** Whether a cell implements the trial-batched recurrences (`jvpHTrials`, `vjpHTrials`). Cost O(1). */
export function hasTrialSweep(cell: Cell): boolean {
  return typeof cell.jvpHTrials === 'function' && typeof cell.vjpHTrials === 'function';
}

/**
 * Copies step blocks between a sweep layout (step `r = b·T + t` a row of `rowLen` entries, holding
 * `rows × k` blocks from entry `off`) and one step of all trials (`rows × (B·k)`, column group b =
 * trial b): `toStep` gathers step t of every trial into `buf`, else `buf` is added into step t of
 * every trial. Cost O(B·rows·k).
 */
export function stepOfTrials(y: Float64Array, buf: Float64Array, B: number, T: number, t: number, rowLen: number, off: number, rows: number, k: number, toStep: boolean): void {
  const Bk = B * k;
  if (k === 3) {
    // the natural gradient's three directions (k = 2 damped plus one for λ̄): unrolled runs
    for (let b = 0; b < B; b++) {
      let src = (b * T + t) * rowLen + off;
      let dst = b * 3;
      if (toStep) {
        for (let i = 0; i < rows; i++, src += 3, dst += Bk) {
          buf[dst] = y[src]!;
          buf[dst + 1] = y[src + 1]!;
          buf[dst + 2] = y[src + 2]!;
        }
      } else {
        for (let i = 0; i < rows; i++, src += 3, dst += Bk) {
          y[src]! += buf[dst]!;
          y[src + 1]! += buf[dst + 1]!;
          y[src + 2]! += buf[dst + 2]!;
        }
      }
    }
    return;
  }
  for (let b = 0; b < B; b++) {
    const base = (b * T + t) * rowLen + off;
    for (let i = 0; i < rows; i++) {
      const src = base + i * k;
      const dst = i * Bk + b * k;
      if (toStep) for (let j = 0; j < k; j++) buf[dst + j] = y[src + j]!;
      else for (let j = 0; j < k; j++) y[src + j]! += buf[dst + j]!;
    }
  }
}

/**
 * The site scalings of the block sweeps on runs of k entries: `out[p·k + j] (=|+=) β[p] · x[p·k + j]`
 * for p < n, j < k (`x` may be `out`); one flat pass, three-entry runs unrolled (the natural
 * gradient's k = 3). The same products (and sums) as entry by entry. Cost O(n·k).
 */
function scaleRuns(x: Float64Array, beta: Float64Array, n: number, k: number, out: Float64Array, add: boolean): void {
  if (k === 3) {
    if (add) {
      for (let p = 0, o = 0; p < n; p++, o += 3) {
        const b = beta[p]!;
        out[o]! += b * x[o]!;
        out[o + 1]! += b * x[o + 1]!;
        out[o + 2]! += b * x[o + 2]!;
      }
    } else {
      for (let p = 0, o = 0; p < n; p++, o += 3) {
        const b = beta[p]!;
        out[o] = b * x[o]!;
        out[o + 1] = b * x[o + 1]!;
        out[o + 2] = b * x[o + 2]!;
      }
    }
    return;
  }
  for (let p = 0, o = 0; p < n; p++, o += k) {
    const b = beta[p]!;
    if (add) for (let j = o; j < o + k; j++) out[j]! += b * x[j]!;
    else for (let j = o; j < o + k; j++) out[j] = b * x[j]!;
  }
}

/**
 * Block forward sensitivity on GEMMs: `dthetas` `P′ × k` (its first `cellSize` rows are used),
 * returns `(B·T·N) × k` = `dH/dθ · Θ`. The θ part is one GEMM per weight site over all steps
 * (needs `sites`: an exact decomposition of `∂f/∂θ` with a fixed structure, `stackSites` not
 * null); the recurrence runs on `Cell.jvpHBlock` (`recurrence: 'block'`, default) or on
 * `Cell.jvpH` per column (`'columns'`: cheaper for few columns, see rollout.ts `preferBlockSweep`).
 * Throws InputError when the cell lacks what is asked or the sites change structure. Shapes are
 * the caller's responsibility (rollout.ts checks them). Cost `2·B·T·k·(N·N_J + Σ_s L_s·N)` flops.
 */
export function jvpBlockSweep(model: Model, traj: Trajectory, dthetas: Matrix, sites?: StackedSite[], recurrence: SweepRecurrence = 'block', work?: SweepWorkspace): Matrix {
  const { cell } = model;
  if (recurrence === 'block' && !cell.jvpHBlock) throw new InputError('jvpBlockSweep: the cell has no jvpHBlock');
  const st = sites ?? stackSites(model, traj);
  if (!st) throw new InputError('jvpBlockSweep: the weight sites change structure along the trajectory');
  const theta = model.params.subarray(0, model.layout.cellSize);
  const { B, T, N, caches } = traj;
  const R = B * T;
  const k = dthetas.cols;
  const Nk = N * k;
  // with a workspace the result is its buffer: valid until the next call with the same workspace
  const out = work && st.length > 0 ? { rows: R * N, cols: k, data: work.take('sweep', R * N * k) } : zeros(R * N, k);
  if (k === 0 || R === 0) return out;
  const y = out.data;
  const Y = { rows: R, cols: Nk, data: y };
  // Q = Σ_s β_s ⊙ (U_s Θ′_s), written straight into the output
  let Z: Matrix | null = null;
  for (let s = 0; s < st.length; s++) {
    const site = st[s]!;
    const Th = gatherSiteRows(site, dthetas.data, N, k, work?.take('site', site.U.cols * Nk));
    const beta = site.beta;
    if (s === 0) {
      stepsProduct(site.U, Th, Y, false);
      scaleRuns(y, beta, R * N, k, y, false);
    } else {
      Z = stepsProduct(site.U, Th, Z ?? (work ? { rows: R, cols: Nk, data: work.take('scratch', R * Nk) } : zeros(R, Nk)), false);
      scaleRuns(Z.data, beta, R * N, k, y, true);
    }
  }
  // Y_t = Q_t + J_t Y_{t−1}, one block product per step (or one vector product per column)
  if (recurrence === 'columns') {
    const prev = new Float64Array(N);
    const next = new Float64Array(N);
    for (let b = 0; b < B; b++) {
      for (let t = 1; t < T; t++) {
        const r = b * T + t;
        const c = caches[r]!;
        for (let j = 0; j < k; j++) {
          for (let i = 0, q = (r - 1) * Nk + j; i < N; i++, q += k) prev[i] = y[q]!;
          cell.jvpH(theta, c, prev, next);
          for (let i = 0, q = r * Nk + j; i < N; i++, q += k) y[q]! += next[i]!;
        }
      }
    }
    return out;
  }
  if (recurrence === 'trials' && cell.jvpHTrials) {
    // step t of all trials at once: Y_t += J_t Y_{t−1}, one N × N × B·k product
    const Bk = B * k;
    const prev = { rows: N, cols: Bk, data: new Float64Array(N * Bk) };
    const next = { rows: N, cols: Bk, data: new Float64Array(N * Bk) };
    const cs = new Array<StepCache>(B);
    for (let t = 1; t < T; t++) {
      for (let b = 0; b < B; b++) cs[b] = caches[b * T + t]!;
      stepOfTrials(y, prev.data, B, T, t - 1, Nk, 0, N, k, true);
      cell.jvpHTrials(theta, cs, prev, next, false);
      stepOfTrials(y, next.data, B, T, t, Nk, 0, N, k, false);
    }
    return out;
  }
  if (cell.jvpHRun) {
    // the whole trial in one call: the backend keeps the weights in place across steps
    for (let b = 0; b < B; b++) cell.jvpHRun(theta, caches, b * T, T, y, b * T * Nk, k);
    return out;
  }
  const view = (r: number): Matrix => ({ rows: N, cols: k, data: y.subarray(r * Nk, (r + 1) * Nk) });
  for (let b = 0; b < B; b++) {
    let prev = view(b * T);
    for (let t = 1; t < T; t++) {
      const r = b * T + t;
      const cur = view(r);
      cell.jvpHBlock!(theta, caches[r]!, prev, cur, true);
      prev = cur;
    }
  }
  return out;
}

/**
 * Block BPTT on GEMMs: `E` `(B·T·N) × k`, returns `(dH/dθ)ᵀ E` (`cellSize × k`). Same
 * requirements and `recurrence` choice as jvpBlockSweep (`'columns'` runs `Cell.vjpH` per column).
 * `overwrite`: E's data may be used as the workspace (saves one copy); `work`: buffers kept
 * between calls; `out`: a `cellSize × k` block the result is written into. Cost
 * `2·B·T·k·(N·N_J + Σ_s L_s·N)` flops, O(B·T·N·k) memory.
 */
export function vjpBlockSweep(model: Model, traj: Trajectory, E: Matrix, sites?: StackedSite[], recurrence: SweepRecurrence = 'block', overwrite = false, work?: SweepWorkspace, out?: Matrix): Matrix {
  const { cell } = model;
  if (recurrence === 'block' && !cell.vjpHBlock) throw new InputError('vjpBlockSweep: the cell has no vjpHBlock');
  const st = sites ?? stackSites(model, traj);
  if (!st) throw new InputError('vjpBlockSweep: the weight sites change structure along the trajectory');
  const P = model.layout.cellSize;
  const theta = model.params.subarray(0, P);
  const { B, T, N, caches } = traj;
  const R = B * T;
  const k = E.cols;
  const Nk = N * k;
  // `out` (P × k, nobody else's): the gradient is accumulated there instead of a fresh block
  const grad = out && out.rows === P && out.cols === k ? (out.data.fill(0), out) : zeros(P, k);
  if (k === 0 || R === 0) return grad;
  // Λ_t = E_t + J_{t+1}ᵀ Λ_{t+1}, in place on a copy of E
  const lam = overwrite ? E.data : E.data.slice();
  if (recurrence === 'columns') {
    const next = new Float64Array(N);
    const cur = new Float64Array(N);
    for (let b = 0; b < B; b++) {
      for (let t = T - 2; t >= 0; t--) {
        const r = b * T + t;
        const c = caches[r + 1]!;
        for (let j = 0; j < k; j++) {
          for (let i = 0, q = (r + 1) * Nk + j; i < N; i++, q += k) next[i] = lam[q]!;
          cell.vjpH(theta, c, next, cur);
          for (let i = 0, q = r * Nk + j; i < N; i++, q += k) lam[q]! += cur[i]!;
        }
      }
    }
  } else if (recurrence === 'trials' && cell.vjpHTrials) {
    // step t of all trials at once: Λ_t += J_{t+1}ᵀ Λ_{t+1}, one transposed N × N × B·k product
    const Bk = B * k;
    const next = { rows: N, cols: Bk, data: new Float64Array(N * Bk) };
    const cur = { rows: N, cols: Bk, data: new Float64Array(N * Bk) };
    const cs = new Array<StepCache>(B);
    for (let t = T - 2; t >= 0; t--) {
      for (let b = 0; b < B; b++) cs[b] = caches[b * T + t + 1]!;
      stepOfTrials(lam, next.data, B, T, t + 1, Nk, 0, N, k, true);
      cell.vjpHTrials(theta, cs, next, cur, false);
      stepOfTrials(lam, cur.data, B, T, t, Nk, 0, N, k, false);
    }
  } else if (cell.vjpHRun) {
    for (let b = 0; b < B; b++) cell.vjpHRun(theta, caches, b * T, T, lam, b * T * Nk, k);
  } else {
    const view = (r: number): Matrix => ({ rows: N, cols: k, data: lam.subarray(r * Nk, (r + 1) * Nk) });
    for (let b = 0; b < B; b++) {
      let next = view(b * T + T - 1);
      for (let t = T - 2; t >= 0; t--) {
        const r = b * T + t;
        const cur = view(r);
        cell.vjpHBlock!(theta, caches[r + 1]!, next, cur, true);
        next = cur;
      }
    }
  }
  // grad′_s = U_sᵀ (β_s ⊙ Λ); the last site may overwrite Λ
  let scratch: Float64Array | null = null;
  for (let s = 0; s < st.length; s++) {
    const site = st[s]!;
    const beta = site.beta;
    const last = s === st.length - 1;
    const g = last ? lam : (scratch ??= work ? work.take('scratch', R * Nk) : new Float64Array(R * Nk));
    scaleRuns(lam, beta, R * N, k, g, false);
    const L = site.U.cols;
    const G = { rows: R, cols: Nk, data: g };
    // blocks (k ≥ 2): the register tile where it beats the packed GEMM (the same numbers); one column as before
    const Gam = k >= 2 ? stepsProductT(site.U, G, work ? { rows: L, cols: Nk, data: work.take('site', L * Nk) } : zeros(L, Nk)) : gemm(site.U, G, { transA: true, ...(work ? { out: { rows: L, cols: Nk, data: work.take('site', L * Nk) } } : {}) });
    scatterSiteRows(site, Gam, grad.data, N, k);
  }
  return grad;
}
