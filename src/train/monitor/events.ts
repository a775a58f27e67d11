/**
 * The monitor's event detectors.
 *
 * **Bifurcations between consecutive monitored checkpoints** (`segmentBifurcations`): on the
 * straight path `θ(s) = (1 − s)θ_prev + sθ_cur` at zero input, every fixed point of `θ_prev` is
 * continued forward (s: 0 → 1) and, when the number of fixed points differs at the two ends, every
 * fixed point of `θ_cur` backward (s: 1 → 0), with the dynamics layer's pseudo-arclength
 * continuation (detection, localisation, classification). Events are deduplicated by type and s.
 * A bias makes the pitchfork *imperfect*: the branch through the old fixed point passes smoothly
 * and the new pair is born in a saddle-node. Such a fold is reported as `pitchfork` with
 * `imperfect: true` when the fixed-point count changes by 2, the *symmetric part* of the path (the
 * same path with the bias block `b` set to 0, which makes `h ↦ φ(Wh)` odd for an odd φ such as
 * tanh, so that h = 0 stays a fixed point) has a pitchfork at the origin on the segment's line
 * close enough for a small imperfection (`SYMMETRIC_REACH`, measured on the symmetric part's critical
 * eigenvalue at the fold, `symmetricGap`) and the fold is a *small* imperfection of it (`isSmallImperfection`,
 * docs/theory.md §7): it sits where that pitchfork's cusp unfolding puts it and within its
 * perturbative range, the cubic term at most 5% of the linear one at the fold's amplitude. The
 * decision uses the located points and the normal-form coefficients, not the step size. Otherwise
 * (no symmetric pitchfork, or a fold beyond its perturbative range: a bias that is part of the
 * network's design, as in a latch) it stays a `saddle-node`; `cuspRatio` and `cubicShare` are
 * reported either way.
 *
 * **Rank collapse** (`RankCollapseTracker`): the state-space PR falling by `factor` from its
 * initial value (the onset, which also switches the adaptive natural gradient on), and the PR
 * minimum of each such dip, confirmed once the PR recovers by 10% or the run ends.
 */
import type { Model } from '../../models/types.js';
import { withParams } from '../../models/index.js';
import type { BifurcationEvent } from '../../dynamics/index.js';
import { continueBranch, eigenPair, linePath, pathSystem } from '../../dynamics/index.js';
import { generalEigen } from '../../linalg/index.js';
import { SntkError } from '../../errors.js';
import type { TrainEvent } from '../session.js';

/** One bifurcation found on a segment, in path coordinates. */
export interface SegmentBifurcation {
  type: string;
  /** Position on the segment in [0, 1] (0: previous checkpoint, 1: current). */
  s: number;
  /** Critical eigenvalue (first of a pair). */
  eigenvalue: { re: number; im: number };
  criticality: string | null;
  coefficients: Record<string, number>;
  /** True for a saddle-node reported as an imperfect pitchfork. */
  imperfect?: boolean;
  /** Imperfect pitchfork: where the symmetric part of the path (b = 0) has its pitchfork, in the same s coordinates. */
  symmetricS?: number;
  /** Imperfect pitchfork: the largest |b_i| on the segment (the symmetry-breaking term). */
  imperfection?: number;
  /** A fold of a cell with an odd symmetric part: `λ − 1` of that part's critical eigenvalue at the fold (`symmetricPitchfork`). */
  symmetricGap?: number;
  /** A fold with a symmetric pitchfork nearby: its offset from it over the cusp unfolding's prediction (1: where the unfolding puts it). */
  cuspRatio?: number;
  /** A fold with a symmetric pitchfork nearby: the cubic term's share at its amplitude (`CuspUnfolding`). */
  cubicShare?: number;
  /** The event as the dynamics layer classified it. */
  detectedAs: string;
  /** The located fixed point (state length N). */
  h: Float64Array;
}

/** The model at `s` on the straight segment from `prev` (s = 0) to `cur` (s = 1), all parameters interpolated. Cost O(P). */
export function segmentModel(prev: Model, cur: Model, s: number): Model {
  const p = new Float64Array(cur.params.length);
  for (let i = 0; i < p.length; i++) p[i] = (1 - s) * prev.params[i]! + s * cur.params[i]!;
  return withParams(cur, p);
}

function conv(e: BifurcationEvent): SegmentBifurcation {
  return { type: e.type, s: e.s, eigenvalue: { re: e.eigenvalues[0]!.re, im: e.eigenvalues[0]!.im }, criticality: e.criticality, coefficients: { ...e.coefficients }, detectedAs: e.type, h: e.h };
}

/**
 * Bifurcations at zero input on the straight path from `prev` to `cur` (see the module comment).
 * `prevPoints`/`curPoints` are the fixed points found at the two ends. Continuations that fail to
 * start or converge are skipped. Cost: up to `maxPoints` continuations per direction, each
 * O(steps·N³).
 */
export function segmentBifurcations(prev: Model, prevPoints: readonly { h: Float64Array }[], cur: Model, curPoints: readonly { h: Float64Array }[], opts: { maxPoints?: number; maxSteps?: number } = {}): SegmentBifurcation[] {
  const path = linePath(prev, cur);
  const maxPoints = opts.maxPoints ?? 6;
  const maxSteps = opts.maxSteps ?? 400;
  const found: SegmentBifurcation[] = [];
  const run = (h0: Float64Array, s0: number, s1: number): void => {
    try {
      const sys = pathSystem(path);
      const res = continueBranch(sys, { s0, s1, h0, maxSteps });
      for (const e of res.events) if (e.s >= -1e-9 && e.s <= 1 + 1e-9) found.push(conv(e));
    } catch (e) {
      if (!(e instanceof SntkError)) throw e;
    }
  };
  for (const p of prevPoints.slice(0, maxPoints)) run(p.h, 0, 1);
  const countChange = curPoints.length - prevPoints.length;
  if (countChange !== 0) for (const p of curPoints.slice(0, maxPoints)) run(p.h, 1, 0);
  // deduplicate (the same fold is met from both of its branches)
  const uniq: SegmentBifurcation[] = [];
  for (const e of found.sort((a, b) => a.s - b.s)) {
    if (!uniq.some((u) => u.detectedAs === e.detectedAs && Math.abs(u.s - e.s) < 1e-6)) uniq.push(e);
  }
  // imperfect pitchfork: one fold pair born/destroyed, a small imperfection of the symmetric part's pitchfork
  if (Math.abs(countChange) === 2) {
    const folds = uniq.filter((u) => u.detectedAs === 'saddle-node');
    if (folds.length === 1 && !uniq.some((u) => u.type === 'pitchfork')) {
      const f = folds[0]!;
      const sym = symmetricPitchfork(prev, cur, f.s, maxSteps);
      if (sym !== null) f.symmetricGap = sym.gap;
      if (sym !== null && 's' in sym) {
        f.symmetricS = sym.s;
        f.imperfection = sym.imperfection;
        const cusp = cuspUnfolding(prev, cur, sym, f.s);
        if (cusp !== null) {
          f.cuspRatio = cusp.ratio;
          f.cubicShare = cusp.cubicShare;
          if (isSmallImperfection(cusp)) {
            f.type = 'pitchfork';
            f.imperfect = true;
          }
        }
      }
    }
  }
  return uniq;
}

/** The cusp unfolding of a symmetric pitchfork at a located fold (`cuspUnfolding`). */
export interface CuspUnfolding {
  /** The fold's offset from the pitchfork over the unfolding's prediction (1: where it puts it). */
  ratio: number;
  /** `|b₃| z_f²`: the cubic term against the linear one at the fold's amplitude `z_f` (small: a small imperfection). */
  cubicShare: number;
}

/**
 * Largest `cubicShare` of a small imperfection: at the fold the cubic term of the pitchfork's
 * normal form is at most 5% of the linear one, so the fold lies in the perturbative range of that
 * pitchfork (docs/theory.md §7).
 */
export const SMALL_IMPERFECTION = 0.05;
/** Largest |ratio − 1| for the fold to be the unfolding of that pitchfork and not of another one. */
export const CUSP_TOLERANCE = 0.1;

/**
 * Whether a fold is a small imperfection of the symmetric pitchfork: it sits where the cusp
 * unfolding puts it (`|ratio − 1| ≤ CUSP_TOLERANCE`) and in that pitchfork's perturbative range
 * (`cubicShare ≤ SMALL_IMPERFECTION`). Cost O(1).
 */
export function isSmallImperfection(c: CuspUnfolding): boolean {
  return Math.abs(c.ratio - 1) <= CUSP_TOLERANCE && c.cubicShare <= SMALL_IMPERFECTION;
}

/**
 * The cusp unfolding of the symmetric part's pitchfork at a located fold (docs/theory.md §7): the
 * fold's distance from the pitchfork, `s_f − s_p`, over the distance the unfolding predicts, and
 * the cubic term's share at the fold's amplitude. On the symmetric path the
 * reduced map is `z ↦ z + ν (s − s_p) z + b₃ z³ + ε`, with `ν = lᵀ (∂J/∂s) r` (`J` at the origin is
 * affine in s for a vanilla or leaky cell with an odd activation at b = 0, so `∂J/∂s = J(1) − J(0)`
 * exactly), `b₃` the pitchfork's cubic coefficient and `ε = lᵀ f(0)` the bias's push at the
 * origin at the fold (`‖r‖ = 1`, `lᵀ r = 1`). Its fold sits at amplitude `z_f = (|ε| / 2|b₃|)^{1/3}` and
 * `ν (s_f − s_p) = −sign(b₃)·(27 |b₃| ε² / 4)^{1/3}`, where the cubic term is `|b₃| z_f² = (|b₃| ε² / 4)^{1/3}`
 * of the linear one. Null when `ν`, `b₃` or `ε` vanish. Cost O(N²).
 */
export function cuspUnfolding(prev: Model, cur: Model, sym: SymmetricPitchfork, sFold: number): CuspUnfolding | null {
  const N = prev.cell.N;
  const l = sym.left, r = sym.right;
  const zero = new Float64Array(N);
  const x = new Float64Array(prev.spec.inputSize);
  const nu = bilinear(l, sym.dJds, r);
  const fold = segmentModel(prev, cur, sFold);
  const f0 = fold.cell.forward(fold.params.subarray(0, fold.layout.cellSize), zero, x).out;
  let eps = 0;
  for (let i = 0; i < N; i++) eps += l[i]! * f0[i]!;
  const b3 = sym.b3;
  if (!(Math.abs(nu) > 0) || !(Math.abs(b3) > 0) || !(Math.abs(eps) > 0)) return null;
  const predicted = Math.cbrt((27 * Math.abs(b3) * eps * eps) / 4); // |ν Δs| at the fold
  return { ratio: (-Math.sign(b3) * nu * (sFold - sym.s)) / predicted, cubicShare: Math.cbrt((Math.abs(b3) * eps * eps) / 4) };
}

const ODD = new Set(['tanh', 'identity']);

/** The pitchfork of a segment's symmetric part (`symmetricPitchfork`). */
export interface SymmetricPitchfork {
  /** Where it lies, in the segment's s coordinates. */
  s: number;
  /** `λ − 1` of the symmetric part's critical eigenvalue at the fold's parameters. */
  gap: number;
  /** The largest |b_i| on the segment (the symmetry-breaking term). */
  imperfection: number;
  /** Its right and left critical eigenvectors (`‖r‖ = 1`, `lᵀ r = 1`) and cubic coefficient `b₃`. */
  right: Float64Array;
  left: Float64Array;
  b3: number;
  /** `∂J/∂s = J(1) − J(0)` of the origin's Jacobian on the symmetric path (row-major N × N; exact, `J` is affine in s there). */
  dJds: Float64Array;
}

/**
 * The largest `|λ − 1|` of the symmetric part's critical eigenvalue at the fold's parameters for
 * which the fold can be a small imperfection: on the cusp unfolding `ν (s_f − s_p) = 3·ratio·cubicShare`
 * (docs/theory.md §7), so a small imperfection has `|λ(s_f) − 1| ≤ 3·SMALL_IMPERFECTION·(1 + CUSP_TOLERANCE)`.
 * The symmetric pitchfork is searched for only within that reach, measured on the eigenvalue, not in steps.
 */
export const SYMMETRIC_REACH = 3 * SMALL_IMPERFECTION * (1 + CUSP_TOLERANCE);

/** `lᵀ A r` for a row-major square `A` (length n²). Cost O(n²). */
function bilinear(l: Float64Array, A: Float64Array, r: Float64Array): number {
  const n = l.length;
  let v = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += A[i * n + j]! * r[j]!;
    v += l[i]! * row;
  }
  return v;
}

/** The origin's Jacobian of a model at zero input (row-major N × N data). Cost O(N²) (vanilla/leaky). */
function originJacobian(m: Model): Float64Array {
  const N = m.cell.N;
  const th = m.params.subarray(0, m.layout.cellSize);
  return m.cell.jacobianH(th, m.cell.forward(th, new Float64Array(N), new Float64Array(m.spec.inputSize))).data;
}

/**
 * The pitchfork of the symmetric part of the segment (bias zeroed; vanilla/leaky cells with an odd
 * activation only) near the fold at `sFold`. At b = 0 the origin stays a fixed point and its
 * Jacobian is affine in s (`φ′(0)` does not depend on θ), `J(s) = J(0) + s (J(1) − J(0))`. The real
 * eigenvalue of `J(sFold)` nearest 1 gives the gap `λ − 1` and, with its eigenvectors, the slope
 * `ν = lᵀ (J(1) − J(0)) r`; when the gap is within `SYMMETRIC_REACH`, the origin is continued over
 * `sFold − gap/ν ± 2|gap/ν|` (at least ±0.05) and the pitchfork found there is returned. Null when
 * the cell has no bias or an even part, when the gap is beyond the reach (reported as
 * `gap` alone), or when no pitchfork is found. Cost O(N³) plus one continuation.
 */
export function symmetricPitchfork(prev: Model, cur: Model, sFold: number, maxSteps = 400): SymmetricPitchfork | { gap: number } | null {
  const blk = prev.layout.blocks.find((b) => b.name === 'b');
  if (!blk || !ODD.has(prev.spec.activation) || (prev.spec.cell !== 'vanilla' && prev.spec.cell !== 'leaky')) return null;
  const zeroB = (m: Model): { m: Model; maxB: number } => {
    const p = m.params.slice();
    let maxB = 0;
    for (let i = 0; i < blk.rows * blk.cols; i++) {
      maxB = Math.max(maxB, Math.abs(p[blk.offset + i]!));
      p[blk.offset + i] = 0;
    }
    return { m: withParams(m, p), maxB };
  };
  const a = zeroB(prev), b = zeroB(cur);
  const N = prev.cell.N;
  const J0 = originJacobian(a.m);
  const dJds = originJacobian(b.m).map((x, k) => x - J0[k]!);
  const Jf = { rows: N, cols: N, data: J0.map((x, k) => x + sFold * dJds[k]!) };
  try {
    const e = generalEigen(Jf, { vectors: false });
    let lambda: number | null = null;
    for (let i = 0; i < e.re.length; i++) {
      if (Math.abs(e.im[i]!) > 1e-12 * Math.max(1, Math.abs(e.re[i]!))) continue;
      if (lambda === null || Math.abs(e.re[i]! - 1) < Math.abs(lambda - 1)) lambda = e.re[i]!;
    }
    if (lambda === null) return null;
    const gap = lambda - 1;
    if (Math.abs(gap) > SYMMETRIC_REACH) return { gap };
    const pair = eigenPair(Jf, { re: lambda, im: 0 });
    const nu = bilinear(pair.left.re, dJds, pair.right.re);
    if (!(Math.abs(nu) > 0)) return null;
    const guess = sFold - gap / nu, half = Math.max(2 * Math.abs(gap / nu), 0.05);
    const res = continueBranch(pathSystem(linePath(a.m, b.m)), { s0: guess - half, s1: guess + half, h0: new Float64Array(N), maxSteps });
    const ev = res.events.filter((x) => x.type === 'pitchfork').sort((x, y) => Math.abs(x.s - guess) - Math.abs(y.s - guess))[0];
    return ev ? { s: ev.s, gap, imperfection: Math.max(a.maxB, b.maxB), right: ev.right.re, left: ev.left.re, b3: ev.coefficients['b3'] ?? 0, dJds } : null;
  } catch (e) {
    if (e instanceof SntkError) return null;
    throw e;
  }
}

/** A rank-collapse event produced by the tracker. */
export interface CollapseEvent extends TrainEvent {
  type: 'rank-collapse-onset' | 'rank-collapse';
  pr: number;
  prInitial: number;
}

/** Serializable state of a `RankCollapseTracker`. */
export interface RankCollapseState {
  initial: number | null;
  inDip: boolean;
  minPr: number | null;
  minStep: number | null;
}

/**
 * Online detection of state-space PR collapses (see the module comment). `factor` > 1: a dip
 * starts when `PR ≤ PR₀/factor`; it ends (and its minimum is reported) when `PR ≥ 1.1·min`.
 */
export class RankCollapseTracker {
  private s: RankCollapseState = { initial: null, inDip: false, minPr: null, minStep: null };
  constructor(private readonly factor: number) {}

  /** Feeds the PR of a monitored step; returns the events it completes. Cost O(1). */
  push(step: number, pr: number): CollapseEvent[] {
    const out: CollapseEvent[] = [];
    const s = this.s;
    if (!Number.isFinite(pr)) return out;
    if (s.initial === null) s.initial = pr;
    const init = s.initial;
    if (!s.inDip) {
      if (pr <= init / this.factor) {
        s.inDip = true;
        s.minPr = pr;
        s.minStep = step;
        out.push({ type: 'rank-collapse-onset', step, pr, prInitial: init, factor: init / pr });
      }
      return out;
    }
    if (pr < s.minPr!) {
      s.minPr = pr;
      s.minStep = step;
    } else if (pr >= 1.1 * s.minPr!) {
      out.push(this.minimumEvent(step));
      s.inDip = false;
      s.minPr = null;
      s.minStep = null;
    }
    return out;
  }

  /** At the end of a run: the minimum of an unfinished dip, if any. */
  finish(step: number): CollapseEvent[] {
    if (!this.s.inDip) return [];
    const e = this.minimumEvent(step);
    this.s.inDip = false;
    return [e];
  }

  private minimumEvent(detectedAt: number): CollapseEvent {
    const s = this.s;
    return { type: 'rank-collapse', step: s.minStep!, pr: s.minPr!, prInitial: s.initial!, factor: s.initial! / s.minPr!, detectedAt };
  }

  getState(): RankCollapseState {
    return { ...this.s };
  }

  setState(st: RankCollapseState): void {
    this.s = { ...st };
  }
}
