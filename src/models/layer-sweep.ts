/**
 * Whole-trajectory k-column Jacobian sweeps of the PyTorch cells (one torch layer, or a stack of
 * them; docs/theory.md §2–§3), the block counterpart of their per-step `jvpStep`/`vjpStep`.
 *
 * A torch layer's parameters enter a step only through the gate pre-activations
 * `gi = W_ih x + b_ih`, `gh = W_hh h + b_hh` (cell-torch.ts), so their tangents
 * `dgi = dW_ih x + db_ih (+ W_ih dx)`, `dgh = dW_hh h + db_hh + W_hh dh` split into a θ part that
 * does not depend on the recursion — ONE GEMM per pre-activation over all steps,
 * `[x, 1] Θ′_ih` and `[h, 1] Θ′_hh` (`R × (L·…)` times `L × (G·H·k)`, the site-row regrouping of
 * block-sweep.ts with G·H rows) — and the recursion, one `G·H × H × k` product per step. The state
 * tangent is then the layer's gate coefficients applied to `dgi`, `dgh` (plus its direct term).
 * The adjoint runs the same way backwards: per step the gate cotangents `ḡi`, `ḡh` and
 * `W_hhᵀ ḡh`; the θ-gradient is again one GEMM per pre-activation over all steps,
 * `[x, 1]ᵀ Ḡi`, `[h, 1]ᵀ Ḡh`. A stack runs layer by layer (bottom-up for the JVP — a layer's
 * input tangent is the new output tangent of the layer below at the same step — top-down for the
 * VJP, adding `W_ihᵀ ḡi` to the layer below's cotangent of the same step).
 *
 * Layout as in block-sweep.ts: tangents and cotangents `(R·N) × k` row-major (`R = B·T`, row r is
 * the `N × k` block of step r; a layer's rows at its state offset). Cost of either sweep
 * `2·R·k·Σ_l G·H·(H + D_l + 2)` flops — the flops of k per-step passes, but on GEMMs — plus
 * O(R·Σ_l G·N_l·k) elementwise work; memory O(R·Σ_l G·H·k).
 */
import type { Cell, Model, StepCache, Trajectory } from './types.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { mulAdd, mulTAdd, nativeProducts, stepsProduct, stepsProductT } from './kernels.js';
import { TorchLayerCell, type LayerSweepInfo, type TorchLayerCache } from './cell-torch.js';
import { StackedCell, type StackedCache } from './cell-stacked.js';
import { gatherSiteRows, scatterSiteRows, stepOfTrials, type StackedSite, type SweepWorkspace } from './block-sweep.js';

/** One layer of a cell as the sweeps see it: sizes, offset of its state, its cache of step r. */
interface LayerView {
  readonly info: LayerSweepInfo;
  readonly stateOff: number;
  readonly cache: (c: StepCache) => TorchLayerCache;
}

/** The layers of a torch cell (one TorchLayerCell or a StackedCell of them), or null for other cells. O(layers). */
function layerViews(cell: Cell): LayerView[] | null {
  if (cell instanceof TorchLayerCell) return [{ info: cell.sweepInfo(), stateOff: 0, cache: (c) => c as TorchLayerCache }];
  if (cell instanceof StackedCell) {
    const out: LayerView[] = [];
    for (let l = 0; l < cell.layers.length; l++) {
      const L = cell.layers[l]!;
      if (!(L instanceof TorchLayerCell)) return null;
      out.push({ info: L.sweepInfo(), stateOff: cell.stateOffsets[l]!, cache: (c) => (c as StackedCache).layers[l] as TorchLayerCache });
    }
    return out;
  }
  return null;
}

/** Whether `cell` has the whole-trajectory layer sweeps (a PyTorch cell, single or stacked). O(layers). */
export function hasLayerSweep(cell: Cell): boolean {
  return layerViews(cell) !== null;
}

/**
 * The two pre-activation "sites" of a layer: `[x, 1]` for `(W_ih, b_ih)`, `[h, 1]` for `(W_hh, b_hh)`,
 * stacked over the R steps (in `work`'s buffers when given: valid until their next use). O(R·(D + H)).
 */
function preactivationSites(v: LayerView, traj: Trajectory, work?: SweepWorkspace): [StackedSite, StackedSite] {
  const { D, H, oIh, oHh, oBi, oBh, bias } = v.info;
  const R = traj.B * traj.T;
  const Lx = D + (bias ? 1 : 0);
  const Lh = H + (bias ? 1 : 0);
  // every entry is written below, so kept buffers need no clearing
  const Ux = work ? { rows: R, cols: Lx, data: work.take('ux', R * Lx) } : zeros(R, Lx);
  const Uh = work ? { rows: R, cols: Lh, data: work.take('uh', R * Lh) } : zeros(R, Lh);
  for (let r = 0; r < R; r++) {
    const c = v.cache(traj.caches[r]!);
    Ux.data.set(c.x.subarray(0, D), r * Lx);
    Uh.data.set(c.h.subarray(0, H), r * Lh);
    if (bias) {
      Ux.data[r * Lx + D] = 1;
      Uh.data[r * Lh + H] = 1;
    }
  }
  const empty = new Float64Array(0);
  const segX = [{ offset: oIh, colStart: 0, cols: D }, ...(bias ? [{ offset: oBi, colStart: D, cols: 1 }] : [])];
  const segH = [{ offset: oHh, colStart: 0, cols: H }, ...(bias ? [{ offset: oBh, colStart: H, cols: 1 }] : [])];
  return [
    { U: Ux, beta: empty, segments: segX },
    { U: Uh, beta: empty, segments: segH },
  ];
}

/**
 * `dH/dθ · V` of a PyTorch cell (single or stacked layers) for directions `V` (`P × k`, the first
 * `cellSize` rows used): `(B·T·N) × k`, bottom layer first. With `work` the large buffers are the
 * workspace's and so is the result (valid until the workspace's next use). Throws nothing beyond
 * the shape errors of the GEMMs (shapes are the caller's: output-sweep.ts). Cost as in the file comment.
 */
export function layerJvpSweep(model: Model, traj: Trajectory, V: Matrix, work?: SweepWorkspace): Matrix {
  const views = layerViews(model.cell)!;
  const theta = model.params;
  const { B, T, N: Nt, caches } = traj;
  const R = B * T;
  const k = V.cols;
  const NK = Nt * k;
  const out = work ? { rows: R * Nt, cols: k, data: work.take('sweep', R * Nt * k).fill(0) } : zeros(R * Nt, k);
  if (k === 0 || R === 0) return out;
  const y = out.data;
  let below: LayerView | null = null;
  for (const v of views) {
    const { kind, H, G, D, N, oIh, oHh } = v.info;
    const GH = G * H;
    const GHk = GH * k;
    const split = kind === 'gru'; // GRU's n gate weighs gh by r: gi and gh apart; RNN, LSTM: their sum
    const [sx, sh] = preactivationSites(v, traj, work);
    // θ parts of all steps: DGI = [x, 1] Θ′_ih, DGH = [h, 1] Θ′_hh (summed into DGI unless split)
    const gather = (site: StackedSite): Matrix => gatherSiteRows(site, V.data, GH, k, work?.take('site', site.U.cols * GHk));
    const block = (name: string): Matrix => (work ? { rows: R, cols: GHk, data: work.take(name, R * GHk) } : zeros(R, GHk));
    const DGI = stepsProduct(sx.U, gather(sx), block('gi'), false);
    const DGH = split ? stepsProduct(sh.U, gather(sh), block('gh'), false) : stepsProduct(sh.U, gather(sh), DGI, true);
    const dgi = DGI.data;
    const dgh = DGH.data;
    const Bk = B * k;
    const nat = nativeProducts(GH, Bk);
    const sOff = v.stateOff * k;
    const xOff = below ? below.stateOff * k : 0;
    const gbuf = new Float64Array(GH * Bk);
    const sbuf = new Float64Array(Math.max(H, D) * Bk);
    for (let t = 0; t < T; t++) {
      // step t of all trials at once: input tangents from the layer below (same step), state
      // tangents from the step before, each one G·H × (·) × B·k product
      if (below) {
        stepOfTrials(y, sbuf, B, T, t, NK, xOff, D, k, true);
        gbuf.fill(0);
        mulAdd(nat, theta, oIh, GH, D, sbuf, 0, Bk, gbuf, 0);
        stepOfTrials(dgi, gbuf, B, T, t, GHk, 0, GH, k, false);
      }
      if (t > 0) {
        stepOfTrials(y, sbuf, B, T, t - 1, NK, sOff, H, k, true);
        gbuf.fill(0);
        mulAdd(nat, theta, oHh, GH, H, sbuf, 0, Bk, gbuf, 0);
        stepOfTrials(split ? dgh : dgi, gbuf, B, T, t, GHk, 0, GH, k, false);
      }
      for (let b = 0; b < B; b++) {
        const r = b * T + t;
        const c = v.cache(caches[r]!);
        const prev = t > 0 ? (r - 1) * NK + sOff : -1;
        if (split) gruTangentStep(y, dgi, dgh, c, r * NK + sOff, r * GHk, prev, H, k);
        else gateTangentStep(y, dgi, c, r * NK + sOff, r * GHk, prev, kind === 'lstm', H, G, N, k);
      }
    }
    below = v;
  }
  return out;
}

/**
 * `(dH/dθ)ᵀ E` of a PyTorch cell for state cotangents `E` (`(B·T·N) × k`, consumed as the
 * workspace): `cellSize × k` (written into `out` when it is a `cellSize × k` block); `work` for the
 * gate cotangents and site buffers. Shapes are the
 * caller's (output-sweep.ts). Cost as in the file comment.
 */
export function layerVjpSweep(model: Model, traj: Trajectory, E: Matrix, work?: SweepWorkspace, out?: Matrix): Matrix {
  const views = layerViews(model.cell)!;
  const theta = model.params;
  const Pc = model.layout.cellSize;
  const { B, T, N: Nt, caches } = traj;
  const R = B * T;
  const k = E.cols;
  const NK = Nt * k;
  // `out` (cellSize × k, nobody else's): the gradient is accumulated there instead of a fresh block
  const grad = out && out.rows === Pc && out.cols === k ? (out.data.fill(0), out) : zeros(Pc, k);
  if (k === 0 || R === 0) return grad;
  const lam = E.data;
  for (let l = views.length - 1; l >= 0; l--) {
    const v = views[l]!;
    const below = l > 0 ? views[l - 1]! : null;
    const { kind, H, G, D, N, oIh, oHh } = v.info;
    const GH = G * H;
    const GHk = GH * k;
    const split = kind === 'gru';
    const block = (name: string): Matrix => (work ? { rows: R, cols: GHk, data: work.take(name, R * GHk).fill(0) } : zeros(R, GHk));
    const GIb = block('gi');
    const GHb = split ? block('gh') : GIb;
    const gib = GIb.data;
    const ghb = GHb.data;
    const Bk = B * k;
    const nat = nativeProducts(GH, Bk);
    const sOff = v.stateOff * k;
    const gbuf = new Float64Array(GH * Bk);
    const sbuf = new Float64Array(Math.max(H, D) * Bk);
    for (let t = T - 1; t >= 0; t--) {
      for (let b = 0; b < B; b++) {
        const r = b * T + t;
        const c = v.cache(caches[r]!);
        const prev = t > 0 ? (r - 1) * NK + sOff : -1;
        // gate cotangents ḡi = Σ_s ki λ_s, ḡh = Σ_s kh λ_s; the direct term to the step before
        if (split) gruCotangentStep(lam, gib, ghb, c, r * NK + sOff, r * GHk, prev, H, k);
        else gateCotangentStep(lam, gib, c, r * NK + sOff, r * GHk, prev, kind === 'lstm', H, G, N, k);
      }
      // W_hhᵀ ḡh to the step before and W_ihᵀ ḡi to the layer below, all trials at once
      if (t > 0) {
        stepOfTrials(ghb, gbuf, B, T, t, GHk, 0, GH, k, true);
        sbuf.fill(0, 0, H * Bk);
        mulTAdd(nat, theta, oHh, GH, H, gbuf, 0, Bk, sbuf, 0);
        stepOfTrials(lam, sbuf, B, T, t - 1, NK, sOff, H, k, false);
      }
      if (below) {
        stepOfTrials(gib, gbuf, B, T, t, GHk, 0, GH, k, true);
        sbuf.fill(0, 0, D * Bk);
        mulTAdd(nat, theta, oIh, GH, D, gbuf, 0, Bk, sbuf, 0);
        stepOfTrials(lam, sbuf, B, T, t, NK, below.stateOff * k, D, k, false);
      }
    }
    // θ-gradient of all steps: [x, 1]ᵀ Ḡi and [h, 1]ᵀ Ḡh, scattered to the layer's rows
    const [sx, sh] = preactivationSites(v, traj, work);
    const siteGrad = (site: StackedSite, Gb: Matrix): Matrix => stepsProductT(site.U, Gb, work ? { rows: site.U.cols, cols: GHk, data: work.take('site', site.U.cols * GHk) } : zeros(site.U.cols, GHk));
    scatterSiteRows(sx, siteGrad(sx, GIb), grad.data, GH, k);
    scatterSiteRows(sh, siteGrad(sh, GHb), grad.data, GH, k);
  }
  return grad;
}

/**
 * One step of one trial of a GRU layer's tangent: `y_s += Σ_g (ki_{s,g} dgi_{g,s} + kh_{s,g} dgh_{g,s})`
 * then `+= direct_s · y_prev,s` (when `prev ≥ 0`) for the H rows of k columns at `o` (gate rows at
 * `gOff`). Per entry the same additions in the same order as gate by gate, held in a local. Cost O(H·k).
 */
function gruTangentStep(y: Float64Array, dgi: Float64Array, dgh: Float64Array, c: TorchLayerCache, o: number, gOff: number, prev: number, H: number, k: number): void {
  const { ki, kh, direct } = c;
  const Hk = H * k;
  for (let s = 0; s < H; s++) {
    const a0 = ki[3 * s]!, a1 = ki[3 * s + 1]!, a2 = ki[3 * s + 2]!;
    const e0 = kh[3 * s]!, e1 = kh[3 * s + 1]!, e2 = kh[3 * s + 2]!;
    const g0 = gOff + s * k, g1 = g0 + Hk, g2 = g1 + Hk;
    const os = o + s * k;
    if (prev >= 0) {
      const d = direct[s]!;
      const pf = prev + s * k;
      for (let j = 0; j < k; j++) {
        let acc = y[os + j]!;
        acc += a0 * dgi[g0 + j]! + e0 * dgh[g0 + j]!;
        acc += a1 * dgi[g1 + j]! + e1 * dgh[g1 + j]!;
        acc += a2 * dgi[g2 + j]! + e2 * dgh[g2 + j]!;
        y[os + j] = acc + d * y[pf + j]!;
      }
    } else {
      for (let j = 0; j < k; j++) {
        let acc = y[os + j]!;
        acc += a0 * dgi[g0 + j]! + e0 * dgh[g0 + j]!;
        acc += a1 * dgi[g1 + j]! + e1 * dgh[g1 + j]!;
        y[os + j] = acc + (a2 * dgi[g2 + j]! + e2 * dgh[g2 + j]!);
      }
    }
  }
}

/**
 * One step of one trial of an RNN or LSTM layer's tangent (gate sums in `dgi`): `y_s += Σ_g ki_{s,g}
 * dgi_{g,u}` over the nonzero coefficients (u = s mod H), then the LSTM's direct term from c_u of
 * the step before. Same order of additions as gate by gate. Cost O(N·G·k).
 */
function gateTangentStep(y: Float64Array, dgi: Float64Array, c: TorchLayerCache, o: number, gOff: number, prev: number, lstm: boolean, H: number, G: number, N: number, k: number): void {
  const { ki, direct } = c;
  for (let s = 0; s < N; s++) {
    const u = s < H ? s : s % H;
    const os = o + s * k;
    const pf = lstm && prev >= 0 ? prev + (H + u) * k : -1;
    const d = pf >= 0 ? direct[s]! : 0;
    for (let j = 0; j < k; j++) {
      let acc = y[os + j]!;
      for (let g = 0; g < G; g++) {
        const a = ki[s * G + g]!;
        if (a !== 0) acc += a * dgi[gOff + (g * H + u) * k + j]!;
      }
      if (pf >= 0) acc += d * y[pf + j]!;
      y[os + j] = acc;
    }
  }
}

/**
 * One step of one trial of a GRU layer's adjoint: the gate cotangents `ḡi_{g,s} += ki_{s,g} λ_s`,
 * `ḡh_{g,s} += kh_{s,g} λ_s` and, when `prev ≥ 0`, `λ_prev,s += direct_s λ_s`, for H rows of k
 * columns (every target updated once, as gate by gate). Cost O(H·k).
 */
function gruCotangentStep(lam: Float64Array, gib: Float64Array, ghb: Float64Array, c: TorchLayerCache, o: number, gOff: number, prev: number, H: number, k: number): void {
  const { ki, kh, direct } = c;
  const Hk = H * k;
  for (let s = 0; s < H; s++) {
    const a0 = ki[3 * s]!, a1 = ki[3 * s + 1]!, a2 = ki[3 * s + 2]!;
    const e0 = kh[3 * s]!, e1 = kh[3 * s + 1]!, e2 = kh[3 * s + 2]!;
    const g0 = gOff + s * k, g1 = g0 + Hk, g2 = g1 + Hk;
    const os = o + s * k;
    for (let j = 0; j < k; j++) {
      const x = lam[os + j]!;
      gib[g0 + j]! += a0 * x;
      ghb[g0 + j]! += e0 * x;
      gib[g1 + j]! += a1 * x;
      ghb[g1 + j]! += e1 * x;
      gib[g2 + j]! += a2 * x;
      ghb[g2 + j]! += e2 * x;
    }
    if (prev >= 0) {
      const d = direct[s]!;
      const pf = prev + s * k;
      for (let j = 0; j < k; j++) lam[pf + j]! += d * lam[os + j]!;
    }
  }
}

/**
 * One step of one trial of an RNN or LSTM layer's adjoint: `ḡi_{g,u} += ki_{s,g} λ_s` over the
 * nonzero coefficients, then the LSTM's direct term `λ_prev,c_u += direct_s λ_s`. Cost O(N·G·k).
 */
function gateCotangentStep(lam: Float64Array, gib: Float64Array, c: TorchLayerCache, o: number, gOff: number, prev: number, lstm: boolean, H: number, G: number, N: number, k: number): void {
  const { ki, direct } = c;
  for (let s = 0; s < N; s++) {
    const u = s < H ? s : s % H;
    const os = o + s * k;
    for (let g = 0; g < G; g++) {
      const a = ki[s * G + g]!;
      if (a === 0) continue;
      const gi = gOff + (g * H + u) * k;
      for (let j = 0; j < k; j++) gib[gi + j]! += a * lam[os + j]!;
    }
    if (lstm && prev >= 0) {
      const d = direct[s]!;
      const pf = prev + (H + u) * k;
      for (let j = 0; j < k; j++) lam[pf + j]! += d * lam[os + j]!;
    }
  }
}
