/**
 * Reader of an analysis JSON file: what `sntk kernel | fixed-points | continuation | channel |
 * scan --json` print, optionally tagged with `kind`. Shapes accepted (extra fields are kept):
 * - kernel:       {kind?: "kernel", rows, params, method, trace, frobenius, participationRatio,
 *                  entropyRank, top: number[] (descending), standardErrors?, seconds,
 *                  eigenvalues?: number[] (full spectrum), matrix?: number[][] (the kernel, small)}
 * - fixed-points: {kind?: "fixed-points", time?: "discrete"|"continuous",
 *                  fixedPoints: [{point|h: number[], residual?, eigenvalues: Complex[],
 *                  stability?: "stable"|"unstable"|"saddle" | stable?: boolean, spectralRadius?, spectralAbscissa?}]}
 * - continuation: {kind?: "continuation", time?, parameterLabel?, valueLabel?,
 *                  branch?: BranchPointIn[] | branches?: [{name?, points: BranchPointIn[]}],
 *                  events: [{type, s, value?, point?, eigenvalues?, coefficients?, criticality?}]}
 *                  with BranchPointIn = {s, value? | norm? | point|h?, stable?|stability?, eigenvalues?}
 * - channel:      {kind?: "channel", fixedPoint, criticalEigenvalue, sigma, amplification,
 *                  channelShare, prBefore, prAfter, dominantDirection, nearestBifurcation, ...}
 * - scan:         {kind?: "scan", alpha, kappa, loss?, alphaC?, exponentBelow?, exponentAbove?, r2?,
 *                  prediction?: {type?, constants?, exponent?, constant?, kappa?, loss?, label?}}
 * Complex numbers may be {re, im}, [re, im] or a real number. Without `kind` the kind is inferred
 * from the fields present.
 */
import { z } from 'zod';
import { InputError } from '../errors.js';
import { check, complexSchema, numOrNull, parseJson, readText, toComplex } from './parse.js';
import { fixedPointSchema, toFixedPoint, type FixedPointRecord } from './run-folder.js';
import type { Complex, TimeKind } from './types.js';

/** The analysis kinds the report understands. */
export type AnalysisKind = 'kernel' | 'fixed-points' | 'continuation' | 'channel' | 'scan';

/** Kernel analysis (the `sntk kernel --json` object). */
export interface KernelAnalysis {
  kind: 'kernel';
  /** All scalar fields (rows, params, method, trace, ...) for the summary table. */
  fields: Record<string, unknown>;
  /** Top eigenvalues (descending) or the full spectrum when `full`. */
  eigenvalues: number[];
  /** True when `eigenvalues` is the full spectrum. */
  full: boolean;
  /** Participation ratio as reported (exact or estimated). */
  pr: number | null;
  /** The kernel matrix, when included (small kernels). */
  matrix: number[][] | null;
}

/** Fixed-points analysis. */
export interface FixedPointsAnalysis {
  kind: 'fixed-points';
  fields: Record<string, unknown>;
  time: TimeKind;
  fixedPoints: (FixedPointRecord & { residual?: number })[];
}

/** Continuation analysis. */
export interface ContinuationAnalysis {
  kind: 'continuation';
  fields: Record<string, unknown>;
  time: TimeKind;
  branches: { name?: string; points: { s: number; value: number; stable: boolean; eigenvalues?: Complex[] }[] }[];
  events: ({ type: string; s: number; value: number | null } & Record<string, unknown>)[];
  parameterLabel?: string;
  valueLabel?: string;
  /** Branches the producer reported as failed (shown as notes). */
  branchErrors: string[];
}

/** Channel analysis. */
export interface ChannelAnalysis {
  kind: 'channel';
  fields: Record<string, unknown>;
  criticalEigenvalue: Complex | null;
  time: TimeKind;
}

/** Scan analysis. */
export interface ScanAnalysis {
  kind: 'scan';
  fields: Record<string, unknown>;
  alpha: number[];
  kappa: number[];
  loss: (number | null)[] | null;
  alphaC: number | null;
  prediction: {
    type?: string;
    kappa?: (number | null)[];
    loss?: (number | null)[];
    exponent?: number;
    constant?: number;
    label?: string;
  } | null;
}

/** Any analysis. */
export type Analysis = KernelAnalysis | FixedPointsAnalysis | ContinuationAnalysis | ChannelAnalysis | ScanAnalysis;

/** Infers the kind of an untagged analysis object from its fields; null if unknown. */
export function inferKind(o: Record<string, unknown>): AnalysisKind | null {
  if (typeof o.kind === 'string') return o.kind as AnalysisKind;
  if ('alpha' in o && 'kappa' in o) return 'scan';
  if ('channelShare' in o || 'amplification' in o) return 'channel';
  if ('branch' in o || 'branches' in o) return 'continuation';
  if ('fixedPoints' in o || 'points' in o || 'cycles' in o) return 'fixed-points';
  if ('participationRatio' in o || 'top' in o) return 'kernel';
  if ('events' in o) return 'continuation';
  return null;
}

const timeSchema = z.enum(['discrete', 'continuous']).optional();
const stab = z.union([z.boolean(), z.string()]).optional();
const branchPointSchema = z.looseObject({
  s: z.number(),
  value: z.number().optional(),
  norm: z.number().optional(),
  point: z.array(z.number()).optional(),
  h: z.array(z.number()).optional(),
  stable: stab,
  stability: stab,
  eigenvalues: z.array(complexSchema).optional(),
});

function scalars(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === null || typeof v !== 'object') out[k] = v;
    else if (!Array.isArray(v)) out[k] = v;
    else if (v.length <= 8 && v.every((x) => typeof x === 'number')) out[k] = v;
  }
  return out;
}

function stableOf(x: { stable?: boolean | string; stability?: boolean | string }): boolean {
  const s = x.stable ?? x.stability;
  if (typeof s === 'boolean') return s;
  if (typeof s === 'string') return s.toLowerCase() === 'stable';
  return true;
}

/** Signed norm ‖h‖·sign(Σh) (0 for the origin): a scalar that separates ± branches. Cost O(n). */
export function signedNorm(h: number[]): number {
  let s = 0;
  let q = 0;
  for (const x of h) {
    s += x;
    q += x * x;
  }
  return (s < 0 ? -1 : 1) * Math.sqrt(q);
}

/** Validates an analysis object (already parsed JSON); `where` names it in errors. */
export function parseAnalysis(raw: unknown, where: string): Analysis {
  const o = check(z.record(z.string(), z.unknown()), raw, where);
  const kind = inferKind(o);
  if (kind === null) throw new InputError(`${where}: not a run folder or a recognised analysis (no "kind" and none of alpha/kappa, fixedPoints, branch, participationRatio)`);
  const fields = scalars(o);
  switch (kind) {
    case 'kernel': {
      const k = check(
        z.looseObject({
          top: z.array(z.number()).optional(),
          eigenvalues: z.array(z.number()).optional(),
          participationRatio: numOrNull,
          matrix: z.array(z.array(z.number())).optional(),
        }),
        o,
        where,
      );
      const eig = k.eigenvalues ?? k.top;
      if (!eig) throw new InputError(`${where}: kernel analysis without "top" or "eigenvalues"`);
      return { kind, fields, eigenvalues: eig, full: k.eigenvalues !== undefined, pr: k.participationRatio ?? null, matrix: k.matrix ?? null };
    }
    case 'fixed-points': {
      // `sntk fixed-points --json` prints `points` (or `cycles` with `orbit`/`multipliers` for --period k)
      const fpItem = z.looseObject({ ...fixedPointSchema.shape, residual: z.number().optional() });
      const f = check(
        z.looseObject({
          time: timeSchema,
          fixedPoints: z.array(fpItem).optional(),
          points: z.array(fpItem).optional(),
          cycles: z
            .array(z.looseObject({ orbit: z.array(z.array(z.number())), residual: z.number().optional(), multipliers: z.array(complexSchema), stability: stab }))
            .optional(),
        }),
        o,
        where,
      );
      let items = f.fixedPoints ?? f.points;
      if (!items && f.cycles) {
        items = f.cycles.map((c) => ({
          h: c.orbit[0] ?? [],
          eigenvalues: c.multipliers,
          ...(c.stability !== undefined ? { stability: c.stability } : {}),
          ...(c.residual !== undefined ? { residual: c.residual } : {}),
        }));
      }
      if (!items) throw new InputError(`${where}: fixed-points analysis without "points", "fixedPoints" or "cycles"`);
      return {
        kind,
        fields,
        time: f.time ?? 'discrete',
        fixedPoints: items.map((p) => ({ ...toFixedPoint(p), ...(p.residual !== undefined ? { residual: p.residual } : {}) })),
      };
    }
    case 'continuation': {
      const c = check(
        z.looseObject({
          time: timeSchema,
          parameterLabel: z.string().optional(),
          valueLabel: z.string().optional(),
          branch: z.array(branchPointSchema).optional(),
          // `sntk continuation --json`: branches[k] = {start, points: count, branch: [...]} or {start, error}
          branches: z
            .array(
              z.looseObject({
                name: z.string().optional(),
                points: z.union([z.array(branchPointSchema), z.number()]).optional(),
                branch: z.array(branchPointSchema).optional(),
                error: z.string().optional(),
              }),
            )
            .optional(),
          events: z
            .array(
              z.looseObject({
                type: z.string(),
                s: z.number(),
                value: z.number().optional(),
                point: z.array(z.number()).optional(),
                h: z.array(z.number()).optional(),
              }),
            )
            .optional(),
        }),
        o,
        where,
      );
      const branchErrors = (c.branches ?? []).filter((b) => b.error).map((b, i) => `branch ${i + 1}: ${b.error}`);
      const rawBranches = (c.branches ?? (c.branch ? [{ points: c.branch }] : []))
        .map((b) => ({ name: b.name, points: Array.isArray(b.points) ? b.points : ('branch' in b && Array.isArray(b.branch) ? b.branch : []) }))
        .filter((b) => b.points.length > 0);
      let usesNorm = false;
      const branches = rawBranches.map((b) => ({
        ...(typeof b.name === 'string' ? { name: b.name } : {}),
        points: b.points.map((p, i) => {
          let value = p.value;
          if (value === undefined && p.norm !== undefined) {
            value = p.norm;
            usesNorm = true;
          }
          const h = p.point ?? p.h;
          if (value === undefined && h) value = h.length === 1 ? h[0]! : signedNorm(h);
          if (value === undefined) throw new InputError(`${where}: branch point ${i} has none of value, norm, point`);
          const out: { s: number; value: number; stable: boolean; eigenvalues?: Complex[] } = { s: p.s, value, stable: stableOf(p) };
          if (p.eigenvalues) out.eigenvalues = p.eigenvalues.map(toComplex);
          return out;
        }),
      }));
      const allPts = branches.flatMap((b) => b.points);
      const events = (c.events ?? []).map((e) => {
        let value: number | null = e.value ?? null;
        const h = e.point ?? e.h;
        if (value === null && h) value = h.length === 1 ? h[0]! : signedNorm(h);
        if (value === null && allPts.length) {
          // nearest branch point in s
          let best = allPts[0]!;
          for (const p of allPts) if (Math.abs(p.s - e.s) < Math.abs(best.s - e.s)) best = p;
          value = best.value;
        }
        return { ...e, value };
      });
      const res: ContinuationAnalysis = { kind, fields, time: c.time ?? 'discrete', branches, events, branchErrors };
      if (c.parameterLabel) res.parameterLabel = c.parameterLabel;
      if (c.valueLabel) res.valueLabel = c.valueLabel;
      else res.valueLabel = usesNorm ? '‖h*‖' : allPts.length && rawBranches[0]?.points[0]?.value === undefined ? 'h* (signed norm if N > 1)' : 'h*';
      return res;
    }
    case 'channel': {
      const c = check(z.looseObject({ criticalEigenvalue: complexSchema.nullable().optional(), time: timeSchema }), o, where);
      return { kind, fields, criticalEigenvalue: c.criticalEigenvalue == null ? null : toComplex(c.criticalEigenvalue), time: c.time ?? 'discrete' };
    }
    case 'scan': {
      const s = check(
        z.looseObject({
          alpha: z.array(z.number()),
          kappa: z.array(z.number()),
          loss: z.array(z.number().nullable()).optional(),
          alphaC: numOrNull,
          exponentAbove: numOrNull,
          prediction: z
            .looseObject({
              type: z.string().optional(),
              constants: z.record(z.string(), z.unknown()).optional(),
              exponent: z.number().optional(),
              constant: z.number().optional(),
              kappa: z.array(z.number().nullable()).optional(),
              loss: z.array(z.number().nullable()).optional(),
              label: z.string().optional(),
            })
            .nullable()
            .optional(),
        }),
        o,
        where,
      );
      if (s.kappa.length !== s.alpha.length) throw new InputError(`${where}: ${s.kappa.length} kappa values for ${s.alpha.length} alpha values`);
      if (s.loss && s.loss.length !== s.alpha.length) throw new InputError(`${where}: ${s.loss.length} loss values for ${s.alpha.length} alpha values`);
      let prediction: ScanAnalysis['prediction'] = null;
      if (s.prediction) {
        const p = s.prediction;
        prediction = {};
        if (p.type) prediction.type = p.type;
        if (p.kappa) prediction.kappa = p.kappa;
        if (p.loss) prediction.loss = p.loss;
        const consts = p.constants ?? {};
        const e = p.exponent ?? (typeof consts.exponent === 'number' ? consts.exponent : undefined) ?? PREDICTED_EXPONENT[p.type ?? ''];
        if (e !== undefined) prediction.exponent = e;
        const cst = p.constant ?? (typeof consts.constant === 'number' ? consts.constant : typeof consts.C === 'number' ? consts.C : undefined);
        if (cst !== undefined) prediction.constant = cst;
        prediction.label = p.label ?? `${p.type ?? 'normal form'}${e !== undefined ? `: κ ∝ |α−α_c|^${e}` : ''}`;
      }
      return { kind, fields, alpha: s.alpha, kappa: s.kappa, loss: s.loss ?? null, alphaC: s.alphaC ?? null, prediction };
    }
    default:
      throw new InputError(`${where}: unknown analysis kind "${String(kind)}" (expected kernel, fixed-points, continuation, channel or scan)`);
  }
}

/** Restricted-kernel exponents of the normal forms past the bifurcation (docs/theory.md §9). */
export const PREDICTED_EXPONENT: Record<string, number> = {
  pitchfork: -1,
  'saddle-node': -1,
  transcritical: -2,
  hopf: -1,
};

/** Reads and validates an analysis JSON file; InputError naming the file. Cost O(file size). */
export function readAnalysisFile(file: string): Analysis {
  return parseAnalysis(parseJson(readText(file), file), file);
}
