/**
 * GRU cell (PyTorch gate convention, but ONE bias per gate):
 *   r = σ(Wr h + Ur x + br)                 reset gate
 *   z = σ(Wz h + Uz x + bz)                 update gate
 *   n = φ(Un x + bn + r ⊙ (Wn h))           candidate (φ = the model's activation, tanh by default)
 *   f(h, x; θ) = (1 − z) ⊙ n + z ⊙ h
 * σ is the logistic sigmoid. θ = [Wr, Wz, Wn (N×N each), Ur, Uz, Un (N×D each), br, bz, bn (N each)],
 * all row-major, in this order (types.ts). PyTorch's separate `b_hn` inside `r ⊙ (·)` is not
 * modelled; to import PyTorch weights fold `b_hr + b_ir → br`, `b_hz + b_iz → bz`, `b_in → bn` and
 * require `b_hn = 0`.
 *
 * Weight sites (all with diagonal ∂f/∂a):
 *   r-gate  u = [h; x; 1] over (Wr, Ur, br),  β = σ′(a_r) ⊙ (Wn h) ⊙ φ′(a_n) ⊙ (1 − z)
 *   z-gate  u = [h; x; 1] over (Wz, Uz, bz),  β = σ′(a_z) ⊙ (h − n)
 *   Wn      u = h over Wn,                    β = (1 − z) ⊙ φ′(a_n) ⊙ r
 *   Un, bn  u = [x; 1] over (Un, bn),         β = (1 − z) ⊙ φ′(a_n)
 * Second and third derivatives use exact hyper-dual arithmetic (jet.ts).
 */
import type { Activation, Cell, ModelSpec, StepCache, WeightSite } from './types.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { getActivation, sigmoidActivation } from './activations.js';
import { checkLen, Slab } from './cell-util.js';
import { applyJet, linJet, mulJet, seedJet } from './jet.js';
import { gerAdd, mtvAdd, mulAdd, mulTAdd, mv, nativeProducts } from './kernels.js';

/** Step cache of the GRU: gates, candidate, `c = Wn h` and the needed derivatives. */
export interface GruCache extends StepCache {
  readonly r: Float64Array;
  readonly z: Float64Array;
  readonly n: Float64Array;
  /** `Wn h`. */
  readonly c: Float64Array;
  /** `σ′(a_r)`, `σ′(a_z)`, `φ′(a_n)`. */
  readonly sr: Float64Array;
  readonly sz: Float64Array;
  readonly dn: Float64Array;
  /** Candidate pre-activation `a_n = Un x + bn + r ⊙ (Wn h)`. */
  readonly an: Float64Array;
  /**
   * The row scalings `[β_r, β_z, β_Wn, z]` of `∂f/∂h` (unit i at `4i…4i+3`), filled on first use by
   * the block recurrences (`jvpHTrials`, `vjpHTrials`): a Fisher sweep's JVP and VJP read them at the
   * same steps.
   */
  rowScales?: Float64Array;
}

/** The GRU cell of a spec. */
export class GruCell implements Cell {
  readonly spec: ModelSpec;
  readonly N: number;
  readonly D: number;
  readonly P: number;
  /** 1 with tanh: `h' = (1 − z) n + z h` with `n ∈ (−1, 1)^N`, so fixed points and cycles have `|h_i| < 1` (see `Cell.fixedPointBox`). */
  readonly fixedPointBox: number | undefined;
  private readonly act: Activation;
  private readonly oWr: number; private readonly oWz: number; private readonly oWn: number;
  private readonly oUr: number; private readonly oUz: number; private readonly oUn: number;
  private readonly obr: number; private readonly obz: number; private readonly obn: number;
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  private readonly s3: Float64Array;
  private readonly s4: Float64Array;
  private readonly s5: Float64Array;
  /** Block scratch (3N·k), grown on demand. */
  private blk = new Float64Array(0);
  /** Where forward's cache vectors come from. */
  private readonly slab = new Slab();

  constructor(spec: ModelSpec) {
    this.spec = spec;
    const N = (this.N = spec.hiddenSize);
    const D = (this.D = spec.inputSize);
    const NN = N * N, ND = N * D;
    this.P = 3 * NN + 3 * ND + 3 * N;
    this.act = getActivation(spec.activation);
    this.fixedPointBox = this.act.name === 'tanh' ? 1 : undefined;
    this.oWr = 0; this.oWz = NN; this.oWn = 2 * NN;
    this.oUr = 3 * NN; this.oUz = 3 * NN + ND; this.oUn = 3 * NN + 2 * ND;
    this.obr = 3 * NN + 3 * ND; this.obz = this.obr + N; this.obn = this.obr + 2 * N;
    this.s1 = new Float64Array(N);
    this.s2 = new Float64Array(N);
    this.s3 = new Float64Array(N);
    this.s4 = new Float64Array(N);
    this.s5 = new Float64Array(N);
  }

  /** One GRU step. Cost O(3N² + 3ND). */
  forward(theta: Float64Array, h: Float64Array, x: Float64Array, out?: Float64Array): GruCache {
    const { N, D, act } = this;
    checkLen(theta, this.P, 'cell parameters θ');
    checkLen(h, N, 'state h');
    checkLen(x, D, 'input x');
    const o = out ?? new Float64Array(N);
    checkLen(o, N, 'output buffer');
    const sl = this.slab;
    const r = sl.take(N), z = sl.take(N), n = sl.take(N), c = sl.take(N);
    const sr = sl.take(N), sz = sl.take(N), dn = sl.take(N), anv = sl.take(N);
    const { oWr, oWz, oWn, oUr, oUz, oUn, obr, obz, obn } = this;
    // r, z first hold the pre-activations a_r, a_z; anv holds Un x before r ⊙ c is added
    mv(theta, oWr, N, N, h, r, false);
    mv(theta, oUr, N, D, x, r, true);
    mv(theta, oWz, N, N, h, z, false);
    mv(theta, oUz, N, D, x, z, true);
    mv(theta, oWn, N, N, h, c, false);
    mv(theta, oUn, N, D, x, anv, false);
    for (let i = 0; i < N; i++) {
      const ri = sigmoidActivation.phi(r[i]! + theta[obr + i]!);
      const zi = sigmoidActivation.phi(z[i]! + theta[obz + i]!);
      const an = anv[i]! + theta[obn + i]! + ri * c[i]!;
      const ni = act.phi(an);
      r[i] = ri; z[i] = zi; n[i] = ni;
      sr[i] = ri * (1 - ri);
      sz[i] = zi * (1 - zi);
      dn[i] = act.name === 'tanh' ? 1 - ni * ni : act.d1(an); // tanh: φ′ = 1 − φ², the same number without a second tanh
      anv[i] = an;
      o[i] = (1 - zi) * ni + zi * h[i]!;
    }
    return { h, x, out: o, r, z, n, c, sr, sz, dn, an: anv, rowScales: undefined };
  }

  /** `out = df` for a joint tangent (`dh` and/or `dθ`, null = 0). Cost O(3N² + 3ND). */
  private tangent(theta: Float64Array, c: GruCache, dh: Float64Array | null, dt: Float64Array | null, out: Float64Array): void {
    const { N, D, oWr, oWz, oWn, oUr, oUz, oUn, obr, obz, obn } = this;
    const { h, x } = c;
    const dar = this.s1, daz = this.s2, dc = this.s3, dun = this.s4;
    if (dh) {
      mv(theta, oWr, N, N, dh, dar, false);
      mv(theta, oWz, N, N, dh, daz, false);
      mv(theta, oWn, N, N, dh, dc, false);
    } else {
      dar.fill(0);
      daz.fill(0);
      dc.fill(0);
    }
    dun.fill(0);
    if (dt) {
      mv(dt, oWr, N, N, h, dar, true);
      mv(dt, oWz, N, N, h, daz, true);
      mv(dt, oWn, N, N, h, dc, true);
      mv(dt, oUr, N, D, x, dar, true);
      mv(dt, oUz, N, D, x, daz, true);
      mv(dt, oUn, N, D, x, dun, true);
      for (let i = 0; i < N; i++) {
        dar[i]! += dt[obr + i]!;
        daz[i]! += dt[obz + i]!;
        dun[i]! += dt[obn + i]!;
      }
    }
    // out may alias dh: dh[i] is read only at index i below
    for (let i = 0; i < N; i++) {
      const dr = c.sr[i]! * dar[i]!;
      const dz = c.sz[i]! * daz[i]!;
      const dan = dun[i]! + dr * c.c[i]! + c.r[i]! * dc[i]!;
      const dn = c.dn[i]! * dan;
      out[i] = dz * (h[i]! - c.n[i]!) + (1 - c.z[i]!) * dn + (dh ? c.z[i]! * dh[i]! : 0);
    }
  }

  /** `out = (∂f/∂h) dh`. Cost O(3N²). `out` may alias `dh`. */
  jvpH(theta: Float64Array, c: StepCache, dh: Float64Array, out: Float64Array): void {
    this.tangent(theta, c as GruCache, dh, null, out);
  }

  /** `out = (∂f/∂θ) dθ`. Cost O(3N² + 3ND). */
  jvpTheta(theta: Float64Array, c: StepCache, dtheta: Float64Array, out: Float64Array): void {
    this.tangent(theta, c as GruCache, null, dtheta, out);
  }

  /** Adjoint pre-activation cotangents: s1 = ḡ(a_r), s2 = ḡ(a_z), s3 = ḡ(Wn h), s4 = ḡ(a_n). */
  private cotangents(c: GruCache, e: Float64Array): void {
    const { N } = this;
    const gr = this.s1, gz = this.s2, gc = this.s3, gn = this.s4;
    const h = c.h;
    for (let i = 0; i < N; i++) {
      const ei = e[i]!;
      const gan = ei * (1 - c.z[i]!) * c.dn[i]!;
      gn[i] = gan;
      gc[i] = gan * c.r[i]!;
      gr[i] = gan * c.c[i]! * c.sr[i]!;
      gz[i] = ei * (h[i]! - c.n[i]!) * c.sz[i]!;
    }
  }

  /** `out = (∂f/∂h)ᵀ e = z ⊙ e + Wrᵀ ḡr + Wzᵀ ḡz + Wnᵀ ḡc`. Cost O(3N²). `out` may alias `e`. */
  vjpH(theta: Float64Array, c: StepCache, e: Float64Array, out: Float64Array): void {
    const { N, oWr, oWz, oWn } = this;
    const gc = c as GruCache;
    this.cotangents(gc, e);
    const gr = this.s1, gz = this.s2, gcn = this.s3;
    const res = this.s5;
    for (let j = 0; j < N; j++) res[j] = gc.z[j]! * e[j]!;
    mtvAdd(theta, oWr, N, N, gr, res);
    mtvAdd(theta, oWz, N, N, gz, res);
    mtvAdd(theta, oWn, N, N, gcn, res);
    out.set(res);
  }

  /** `grad += (∂f/∂θ)ᵀ e` (outer products of the gate cotangents with h, x, 1). Cost O(3N² + 3ND). */
  vjpTheta(_theta: Float64Array, c: StepCache, e: Float64Array, grad: Float64Array): void {
    const { N, D, oWr, oWz, oWn, oUr, oUz, oUn, obr, obz, obn } = this;
    const { h, x } = c;
    this.cotangents(c as GruCache, e);
    const gr = this.s1, gz = this.s2, gcn = this.s3, gn = this.s4;
    gerAdd(grad, oWr, N, N, gr, h);
    gerAdd(grad, oWz, N, N, gz, h);
    gerAdd(grad, oWn, N, N, gcn, h);
    gerAdd(grad, oUr, N, D, gr, x);
    gerAdd(grad, oUz, N, D, gz, x);
    gerAdd(grad, oUn, N, D, gn, x);
    for (let i = 0; i < N; i++) {
      grad[obr + i]! += gr[i]!;
      grad[obz + i]! += gz[i]!;
      grad[obn + i]! += gn[i]!;
    }
  }

  /** The four site β vectors (fresh arrays): [β_r, β_z, β_Wn, β_Un]. */
  private betas(c: GruCache): Float64Array[] {
    const N = this.N;
    const br = new Float64Array(N), bz = new Float64Array(N), bw = new Float64Array(N), bu = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const q = (1 - c.z[i]!) * c.dn[i]!;
      bu[i] = q;
      bw[i] = q * c.r[i]!;
      br[i] = q * c.c[i]! * c.sr[i]!;
      bz[i] = c.sz[i]! * (c.h[i]! - c.n[i]!);
    }
    return [br, bz, bw, bu];
  }

  private blockScratch(n: number): Float64Array {
    if (this.blk.length < n) this.blk = new Float64Array(n);
    // the same size call after call (a sweep's steps): the buffer itself, no new view per step
    return this.blk.length === n ? this.blk : this.blk.subarray(0, n);
  }

  /**
   * `out (+)= (∂f/∂h) dH = diag(β_r) Wr dH + diag(β_z) Wz dH + diag(β_Wn) Wn dH + diag(z) dH` for
   * `N × k` blocks: `jvpHTrials` with one trial (one `3N × N × k` product with `[Wr; Wz; Wn]`,
   * contiguous in θ, then row scalings). `out` must not overlap `dH`. Cost 6N²k + O(Nk) flops.
   */
  jvpHBlock(theta: Float64Array, c: StepCache, dH: Matrix, out: Matrix, accumulate: boolean): void {
    this.jvpHTrials(theta, [c], dH, out, accumulate);
  }

  /**
   * `out (+)= (∂f/∂h)ᵀ E = z ⊙ E + [Wr; Wz; Wn]ᵀ [β_r ⊙ E; β_z ⊙ E; β_Wn ⊙ E]` for `N × k`
   * blocks: `vjpHTrials` with one trial (row scalings, then one transposed `3N × N × k` product).
   * `out` must not overlap `E`. Cost 6N²k + O(Nk) flops.
   */
  vjpHBlock(theta: Float64Array, c: StepCache, E: Matrix, out: Matrix, accumulate: boolean): void {
    this.vjpHTrials(theta, [c], E, out, accumulate);
  }

  /**
   * The row scalings of `∂f/∂h` at a step: `[β_r, β_z, β_Wn, z]` of unit i at `4i…4i+3`, computed
   * once per step cache (kept in `gc.rowScales`, from the cell's slab). Cost O(N) the first time, O(1) after.
   */
  private rowScales(gc: GruCache): Float64Array {
    if (gc.rowScales) return gc.rowScales;
    const N = this.N;
    const rs = this.slab.take(4 * N);
    gc.rowScales = rs;
    for (let i = 0; i < N; i++) {
      const q = (1 - gc.z[i]!) * gc.dn[i]!;
      rs[4 * i] = q * gc.c[i]! * gc.sr[i]!;
      rs[4 * i + 1] = gc.sz[i]! * (gc.h[i]! - gc.n[i]!);
      rs[4 * i + 2] = q * gc.r[i]!;
      rs[4 * i + 3] = gc.z[i]!;
    }
    return rs;
  }

  /** `out (+)= (∂f/∂h) dH` for the S trials' column groups (Cell.jvpHTrials): one `3N × N × S·k` product, then each trial's row scalings. Cost 6N²·S·k + O(N·S·k) flops. */
  jvpHTrials(theta: Float64Array, cs: readonly StepCache[], dH: Matrix, out: Matrix, accumulate: boolean): void {
    const N = this.N;
    const m = dH.cols;
    const k = m / cs.length;
    const Nm = N * m;
    const sc = this.blockScratch(3 * Nm);
    sc.fill(0);
    mulAdd(nativeProducts(3 * N, m), theta, 0, 3 * N, N, dH.data, 0, m, sc, 0);
    const d = dH.data, o = out.data;
    for (let t = 0; t < cs.length; t++) {
      const rs = this.rowScales(cs[t] as GruCache);
      if (k === 3 && !accumulate) {
        // the natural gradient's three directions (a trial-batched Fisher sweep): unrolled
        for (let i = 0, r = t * 3; i < N; i++, r += m) {
          const br = rs[4 * i]!, bz = rs[4 * i + 1]!, bw = rs[4 * i + 2]!, zi = rs[4 * i + 3]!;
          o[r] = br * sc[r]! + bz * sc[Nm + r]! + bw * sc[2 * Nm + r]! + zi * d[r]!;
          o[r + 1] = br * sc[r + 1]! + bz * sc[Nm + r + 1]! + bw * sc[2 * Nm + r + 1]! + zi * d[r + 1]!;
          o[r + 2] = br * sc[r + 2]! + bz * sc[Nm + r + 2]! + bw * sc[2 * Nm + r + 2]! + zi * d[r + 2]!;
        }
        continue;
      }
      for (let i = 0; i < N; i++) {
        const br = rs[4 * i]!, bz = rs[4 * i + 1]!, bw = rs[4 * i + 2]!, zi = rs[4 * i + 3]!;
        const r = i * m + t * k;
        for (let j = r; j < r + k; j++) {
          const v = br * sc[j]! + bz * sc[Nm + j]! + bw * sc[2 * Nm + j]! + zi * d[j]!;
          if (accumulate) o[j]! += v;
          else o[j] = v;
        }
      }
    }
  }

  /** `out (+)= (∂f/∂h)ᵀ E` for the S trials' column groups (Cell.vjpHTrials): each trial's row scalings, then one transposed `3N × N × S·k` product. Cost 6N²·S·k + O(N·S·k) flops. */
  vjpHTrials(theta: Float64Array, cs: readonly StepCache[], E: Matrix, out: Matrix, accumulate: boolean): void {
    const N = this.N;
    const m = E.cols;
    const k = m / cs.length;
    const Nm = N * m;
    const g = this.blockScratch(3 * Nm);
    const e = E.data, o = out.data;
    for (let t = 0; t < cs.length; t++) {
      const rs = this.rowScales(cs[t] as GruCache);
      if (k === 3 && !accumulate) {
        // the natural gradient's three directions (a trial-batched Fisher sweep): unrolled
        for (let i = 0, r = t * 3; i < N; i++, r += m) {
          const br = rs[4 * i]!, bz = rs[4 * i + 1]!, bw = rs[4 * i + 2]!, zi = rs[4 * i + 3]!;
          const e0 = e[r]!, e1 = e[r + 1]!, e2 = e[r + 2]!;
          g[r] = br * e0;
          g[r + 1] = br * e1;
          g[r + 2] = br * e2;
          g[Nm + r] = bz * e0;
          g[Nm + r + 1] = bz * e1;
          g[Nm + r + 2] = bz * e2;
          g[2 * Nm + r] = bw * e0;
          g[2 * Nm + r + 1] = bw * e1;
          g[2 * Nm + r + 2] = bw * e2;
          o[r] = zi * e0;
          o[r + 1] = zi * e1;
          o[r + 2] = zi * e2;
        }
        continue;
      }
      for (let i = 0; i < N; i++) {
        const br = rs[4 * i]!, bz = rs[4 * i + 1]!, bw = rs[4 * i + 2]!, zi = rs[4 * i + 3]!;
        const r = i * m + t * k;
        for (let j = r; j < r + k; j++) {
          const ej = e[j]!;
          g[j] = br * ej;
          g[Nm + j] = bz * ej;
          g[2 * Nm + j] = bw * ej;
          if (accumulate) o[j]! += zi * ej;
          else o[j] = zi * ej;
        }
      }
    }
    mulTAdd(nativeProducts(3 * N, m), theta, 0, 3 * N, N, g, 0, m, o, 0);
  }

  /** Dense `∂f/∂h = diag(β_r) Wr + diag(β_z) Wz + diag(β_Wn) Wn + diag(z)`. */
  jacobianH(theta: Float64Array, c: StepCache): Matrix {
    const { N, oWr, oWz, oWn } = this;
    const gc = c as GruCache;
    const [br, bz, bw] = this.betas(gc) as [Float64Array, Float64Array, Float64Array];
    const M = zeros(N, N);
    const m = M.data;
    for (let i = 0; i < N; i++) {
      const wi = i * N;
      for (let j = 0; j < N; j++) {
        m[wi + j] = br[i]! * theta[oWr + wi + j]! + bz[i]! * theta[oWz + wi + j]! + bw[i]! * theta[oWn + wi + j]!;
      }
      m[wi + i]! += gc.z[i]!;
    }
    return M;
  }

  /** Dense `∂f/∂θ` (N × P), assembled from the weight sites. */
  jacobianTheta(theta: Float64Array, c: StepCache): Matrix {
    const { N, P } = this;
    const M = zeros(N, P);
    const m = M.data;
    for (const s of this.sites(theta, c)) {
      for (const seg of s.segments) {
        for (let i = 0; i < N; i++) {
          const bi = s.beta[i]!;
          const base = i * P + seg.offset + i * seg.cols;
          for (let q = 0; q < seg.cols; q++) m[base + q] = bi * s.u[seg.colStart + q]!;
        }
      }
    }
    return M;
  }

  /** The four weight sites (see the file comment). Cost O(N + D). */
  /**
   * The four sites of `sites` written in place (Cell.writeSites): `[h; x; 1]` for the r and z gates,
   * `h` for `Wn`, `[x; 1]` for the candidate's input part, with their β. Cost O(N + D).
   */
  writeSites(_theta: Float64Array, c: StepCache, U: readonly Float64Array[], uOff: readonly number[], beta: readonly Float64Array[], bOff: number): void {
    const { N, D } = this;
    const gc = c as GruCache;
    const { h, x } = c;
    const ur = U[0]!, uz = U[1]!, uw = U[2]!, uu = U[3]!;
    const or = uOff[0]!, oz = uOff[1]!, ow = uOff[2]!, ou = uOff[3]!;
    for (let i = 0; i < N; i++) {
      const hi = h[i]!;
      ur[or + i] = hi;
      uz[oz + i] = hi;
      uw[ow + i] = hi;
    }
    for (let i = 0; i < D; i++) {
      const xi = x[i]!;
      ur[or + N + i] = xi;
      uz[oz + N + i] = xi;
      uu[ou + i] = xi;
    }
    ur[or + N + D] = 1;
    uz[oz + N + D] = 1;
    uu[ou + D] = 1;
    const br = beta[0]!, bz = beta[1]!, bw = beta[2]!, bu = beta[3]!;
    for (let i = 0; i < N; i++) {
      const q = (1 - gc.z[i]!) * gc.dn[i]!;
      bu[bOff + i] = q;
      bw[bOff + i] = q * gc.r[i]!;
      br[bOff + i] = q * gc.c[i]! * gc.sr[i]!;
      bz[bOff + i] = gc.sz[i]! * (gc.h[i]! - gc.n[i]!);
    }
  }

  sites(_theta: Float64Array, c: StepCache): WeightSite[] {
    const { N, D, oWr, oWz, oWn, oUr, oUz, oUn, obr, obz, obn } = this;
    const [br, bz, bw, bu] = this.betas(c as GruCache) as [Float64Array, Float64Array, Float64Array, Float64Array];
    const hx1 = new Float64Array(N + D + 1);
    hx1.set(c.h, 0);
    hx1.set(c.x, N);
    hx1[N + D] = 1;
    const x1 = new Float64Array(D + 1);
    x1.set(c.x, 0);
    x1[D] = 1;
    const gate = (oW: number, oU: number, ob: number) => {
      const segs = [{ offset: oW, colStart: 0, cols: N }];
      if (D > 0) segs.push({ offset: oU, colStart: N, cols: D });
      segs.push({ offset: ob, colStart: N + D, cols: 1 });
      return segs;
    };
    const unSegs = D > 0 ? [{ offset: oUn, colStart: 0, cols: D }, { offset: obn, colStart: D, cols: 1 }] : [{ offset: obn, colStart: 0, cols: 1 }];
    return [
      { u: hx1, beta: br, segments: gate(oWr, oUr, obr) },
      { u: hx1, beta: bz, segments: gate(oWz, oUz, obz) },
      { u: c.h, beta: bw, segments: [{ offset: oWn, colStart: 0, cols: N }] },
      { u: x1, beta: bu, segments: unSegs },
    ];
  }

  /**
   * The GRU evaluated on hyper-dual numbers: h + Σ εᵢ hdirs[i], θ + Σ εᵢ tdirs[i]; returns the
   * 8-component jet of f. Cost ≈ 30 forward steps; for second/third derivatives only.
   */
  private jet(theta: Float64Array, c: StepCache, hdirs: (Float64Array | null)[], tdirs: (Float64Array | null)[]): Float64Array {
    const { N, D, act, oWr, oWz, oWn, oUr, oUz, oUn, obr, obz, obn } = this;
    const hJ = seedJet(c.h, hdirs, N);
    const xJ = new Float64Array(8 * D);
    xJ.set(c.x, 0);
    const oneJ = new Float64Array(8);
    oneJ[0] = 1;
    const affine = (oW: number, oU: number, ob: number): Float64Array => {
      const a = new Float64Array(8 * N);
      linJet(theta, tdirs, oW, N, N, hJ, a);
      linJet(theta, tdirs, oU, N, D, xJ, a);
      linJet(theta, tdirs, ob, N, 1, oneJ, a);
      return a;
    };
    const rJ = new Float64Array(8 * N);
    applyJet(sigmoidActivation, affine(oWr, oUr, obr), N, rJ);
    const zJ = new Float64Array(8 * N);
    applyJet(sigmoidActivation, affine(oWz, oUz, obz), N, zJ);
    const cJ = new Float64Array(8 * N);
    linJet(theta, tdirs, oWn, N, N, hJ, cJ);
    const an = new Float64Array(8 * N);
    mulJet(rJ, cJ, N, an);
    linJet(theta, tdirs, oUn, N, D, xJ, an);
    linJet(theta, tdirs, obn, N, 1, oneJ, an);
    const nJ = new Float64Array(8 * N);
    applyJet(act, an, N, nJ);
    // f = n + z ⊙ (h − n)
    const hm = new Float64Array(8 * N);
    for (let k = 0; k < 8 * N; k++) hm[k] = hJ[k]! - nJ[k]!;
    const f = new Float64Array(8 * N);
    mulJet(zJ, hm, N, f);
    for (let k = 0; k < 8 * N; k++) f[k]! += nJ[k]!;
    return f;
  }

  /** `out = f_hh[r, s]` (exact, hyper-dual). Cost O(N² ·const). */
  hessianH(theta: Float64Array, c: StepCache, r: Float64Array, s: Float64Array, out: Float64Array): void {
    const f = this.jet(theta, c, [r, s, null], [null, null, null]);
    out.set(f.subarray(3 * this.N, 4 * this.N));
  }

  /** `out = f_hhh[r, s, t]` (exact, hyper-dual). */
  thirdH(theta: Float64Array, c: StepCache, r: Float64Array, s: Float64Array, t: Float64Array, out: Float64Array): void {
    const f = this.jet(theta, c, [r, s, t], [null, null, null]);
    out.set(f.subarray(7 * this.N, 8 * this.N));
  }

  /** `out = f_hθ[r, dθ]` (exact, hyper-dual). */
  hessianHTheta(theta: Float64Array, c: StepCache, r: Float64Array, dtheta: Float64Array, out: Float64Array): void {
    const f = this.jet(theta, c, [r, null, null], [null, dtheta, null]);
    out.set(f.subarray(3 * this.N, 4 * this.N));
  }
}
