/**
 * The monitor's event detectors.
 *
 * **Bifurcations between consecutive monitored checkpoints** (`segmentBifurcations`): on the
 * straight path `θ(s) = (1 − s)θ_prev + sθ_cur` at zero input, every fixed point of `θ_prev` is
 * continued forward (s: 0 → 1) and, when the number of fixed points differs at the two ends, every
 * fixed point of `θ_cur` backward (s: 1 → 0), with the dynamics layer's pseudo-arclength
 * continuation (detection, localisation, classification). Events are deduplicated by type and s.
 * A trained bias makes the pitchfork *imperfect*: the branch through the old fixed point passes
 * smoothly and the new pair is born in a saddle-node. Such a fold is reported as `pitchfork` with
 * `imperfect: true` when the fixed-point count changes by 2 and the *symmetric part* of the path
 * (the same path with the bias block `b` set to 0, which makes `h ↦ φ(Wh)` odd for an odd φ such
 * as tanh, so that h = 0 stays a fixed point) has a pitchfork at the origin within one segment of
 * this one (`symmetricS` ∈ [−1, 2]): the fold is then the bias's unfolding of that pitchfork, not an
 * isolated saddle-node. Otherwise it stays a `saddle-node`.
 *
 * **Rank collapse** (`RankCollapseTracker`): the state-space PR falling by `factor` from its
 * initial value (the onset, which also switches the adaptive natural gradient on), and the PR
 * minimum of each such dip, confirmed once the PR recovers by 10% or the run ends.
 */
import type { Model } from '../../models/types.js';
import { withParams } from '../../models/index.js';
import type { BifurcationEvent } from '../../dynamics/index.js';
import { continueBranch, linePath, pathSystem } from '../../dynamics/index.js';
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
  /** The event as the dynamics layer classified it. */
  detectedAs: string;
}

function dist(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

function conv(e: BifurcationEvent): SegmentBifurcation {
  return { type: e.type, s: e.s, eigenvalue: { re: e.eigenvalues[0]!.re, im: e.eigenvalues[0]!.im }, criticality: e.criticality, coefficients: { ...e.coefficients }, detectedAs: e.type };
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
  // imperfect pitchfork: one fold pair born/destroyed, unfolding the pitchfork of the symmetric part
  if (Math.abs(countChange) === 2) {
    const folds = uniq.filter((u) => u.detectedAs === 'saddle-node');
    if (folds.length === 1 && !uniq.some((u) => u.type === 'pitchfork')) {
      const sym = symmetricPitchfork(prev, cur, maxSteps);
      if (sym !== null) {
        const f = folds[0]!;
        f.type = 'pitchfork';
        f.imperfect = true;
        f.symmetricS = sym.s;
        f.imperfection = sym.imperfection;
      }
    }
  }
  return uniq;
}

const ODD = new Set(['tanh', 'identity']);

/**
 * The pitchfork of the symmetric part of the segment (bias zeroed; vanilla/leaky cells with an odd
 * activation only): continuation of h = 0 over s ∈ [−1, 2]; null when there is none or the cell
 * has no bias or an even part. Cost: one continuation.
 */
export function symmetricPitchfork(prev: Model, cur: Model, maxSteps = 400): { s: number; imperfection: number } | null {
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
  try {
    const res = continueBranch(pathSystem(linePath(a.m, b.m)), { s0: -1, s1: 2, h0: new Float64Array(prev.cell.N), maxSteps });
    const e = res.events.find((x) => x.type === 'pitchfork');
    return e ? { s: e.s, imperfection: Math.max(a.maxB, b.maxB) } : null;
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
