/**
 * Reader of a training run folder (written by `sntk train`):
 * - `config.json`    (required) the run's config, any JSON object;
 * - `metrics.jsonl`  (required) one JSON object per monitored step, see `MetricsRow`;
 * - `events.json`    (optional) array of `{type, step, ...}`;
 * - `summary.json`   (optional) any JSON object;
 * - `eigenvalues.jsonl` (optional) one object per checkpoint, see `EigenvaluesLine`.
 * Missing required files and malformed files give an InputError naming the file (and line).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { check, complexSchema, numOrNull, parseJson, readJsonLines, readText, toComplex } from './parse.js';
import type { Complex, TimeKind, TrainingEvent, TrainingPoint } from './types.js';

/** A fixed point as the monitor may record it (all fields optional except what is used). */
export interface FixedPointRecord {
  /** The state h*. */
  point?: number[];
  /** A scalar to plot for it (coordinate or norm); default: signed norm ‖h*‖·sign(Σh*). */
  value?: number;
  /** ‖h*‖. */
  norm?: number;
  /** Jacobian eigenvalues at h*. */
  eigenvalues?: Complex[];
  /** Stability; `stability` strings "stable" / "unstable" / "saddle" are accepted too. */
  stable?: boolean;
}

/** One line of metrics.jsonl after validation: the TrainingPoint fields plus the fixed-point ones. */
export interface MetricsRow extends TrainingPoint {
  /** Nearest-to-critical Jacobian eigenvalue of the fixed point(s) at zero input ({re, im}, [re, im],
   *  a real number, or the flat columns `criticalRe` / `criticalIm`). */
  criticalEigenvalue?: Complex | null;
  /** Number of fixed points (a number) or the list of them. */
  fixedPoints?: number | FixedPointRecord[] | null;
  /** Other fields are kept as they are. */
  [key: string]: unknown;
}

/** One line of eigenvalues.jsonl after validation. */
export interface EigenvaluesLine {
  /** Training step. */
  step: number;
  /** sNTK eigenvalues at this step (any order; full or top-k). */
  sntk?: number[];
  /** True when `sntk` is the full spectrum. */
  full?: boolean;
  /** sNTK participation ratio at this step (if known exactly). */
  pr?: number | null;
  /** Jacobian eigenvalues of the fixed points, one list per fixed point. */
  jacobian?: Complex[][];
  /** Stability of each fixed point (same order as `jacobian`), if known. */
  stable?: boolean[];
  /** Map or flow, if stated. */
  time?: TimeKind;
}

/** Everything read from a run folder. */
export interface RunData {
  /** The folder. */
  folder: string;
  /** config.json. */
  config: Record<string, unknown>;
  /** metrics.jsonl rows, sorted by step. */
  metrics: MetricsRow[];
  /** events.json ([] when absent). */
  events: TrainingEvent[];
  /** summary.json (null when absent). */
  summary: Record<string, unknown> | null;
  /** eigenvalues.jsonl (null when absent). */
  eigenvalues: EigenvaluesLine[] | null;
  /** Map or flow: from config `time` ("discrete"/"continuous"), default discrete. */
  time: TimeKind;
}

const stabilitySchema = z.union([z.boolean(), z.string()]).optional();
const fixedPointSchema = z.looseObject({
  point: z.array(z.number()).optional(),
  h: z.array(z.number()).optional(),
  value: z.number().optional(),
  norm: z.number().optional(),
  eigenvalues: z.array(complexSchema).optional(),
  stable: stabilitySchema,
  stability: stabilitySchema,
});
/** Parsed shape of one fixed point in any input (exported for the analysis reader). */
export type FixedPointInput = z.infer<typeof fixedPointSchema>;
export { fixedPointSchema };

/** Normalises a fixed point record: `h` → `point`, stability strings → boolean. */
export function toFixedPoint(f: FixedPointInput): FixedPointRecord {
  const out: FixedPointRecord = {};
  const point = f.point ?? f.h;
  if (point) out.point = point;
  if (f.value !== undefined) out.value = f.value;
  if (f.norm !== undefined) out.norm = f.norm;
  if (f.eigenvalues) out.eigenvalues = f.eigenvalues.map(toComplex);
  const st = f.stable ?? f.stability;
  if (typeof st === 'boolean') out.stable = st;
  else if (typeof st === 'string') out.stable = st.toLowerCase() === 'stable';
  return out;
}

const metricsSchema = z.looseObject({
  step: z.number(),
  loss: numOrNull,
  gradNorm: numOrNull,
  trace: numOrNull,
  pr: numOrNull,
  prOutput: numOrNull,
  topEigenvalue: numOrNull,
  topShare: numOrNull,
  sigma: numOrNull,
  criticalEigenvalue: complexSchema.nullable().optional(),
  criticalRe: numOrNull,
  criticalIm: numOrNull,
  fixedPoints: z.union([z.number(), z.array(fixedPointSchema)]).nullable().optional(),
});

const eventSchema = z.looseObject({ type: z.string(), step: z.number(), label: z.string().optional() });

const eigenLineSchema = z.looseObject({
  step: z.number(),
  sntk: z.array(z.number()).optional(),
  kernel: z.array(z.number()).optional(),
  full: z.boolean().optional(),
  pr: numOrNull,
  jacobian: z.union([z.array(z.array(complexSchema)), z.array(complexSchema)]).optional(),
  fixedPoints: z.array(fixedPointSchema).optional(),
  time: z.enum(['discrete', 'continuous']).optional(),
});

function isNested(a: unknown[]): a is unknown[][] {
  return a.length > 0 && Array.isArray(a[0]) && (a[0] as unknown[]).every((x) => typeof x !== 'number');
}

/** Reads one JSON file of the run; InputError naming it when missing (if required) or malformed. */
function readJsonFile(folder: string, name: string, required: boolean): unknown | undefined {
  const file = join(folder, name);
  if (!existsSync(file)) {
    if (required) throw new InputError(`${name}: missing from run folder ${folder}`);
    return undefined;
  }
  return parseJson(readText(file), name);
}

/** True if `path` is a folder that looks like a run folder (has metrics.jsonl or config.json). */
export function isRunFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && (existsSync(join(path, 'metrics.jsonl')) || existsSync(join(path, 'config.json')));
}

/**
 * Reads and validates a run folder (see the module comment). Cost: linear in the file sizes.
 * Throws InputError naming the file (and line) for anything missing or malformed.
 */
export function readRunFolder(folder: string): RunData {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new InputError(`${folder}: not a run folder (no such directory)`);
  const config = check(z.record(z.string(), z.unknown()), readJsonFile(folder, 'config.json', true), 'config.json');
  const metricsFile = join(folder, 'metrics.jsonl');
  if (!existsSync(metricsFile)) throw new InputError(`metrics.jsonl: missing from run folder ${folder}`);
  const metrics: MetricsRow[] = readJsonLines(metricsFile).map((row, i) => {
    const r = check(metricsSchema, row, `metrics.jsonl row ${i + 1}`);
    const out: MetricsRow = { ...r, criticalEigenvalue: r.criticalEigenvalue == null ? r.criticalEigenvalue : toComplex(r.criticalEigenvalue), fixedPoints: undefined };
    // flat-column spelling (metrics rows with scalar columns only): criticalRe / criticalIm
    if (out.criticalEigenvalue == null && typeof r.criticalRe === 'number') out.criticalEigenvalue = { re: r.criticalRe, im: r.criticalIm ?? 0 };
    if (r.fixedPoints === null || typeof r.fixedPoints === 'number') out.fixedPoints = r.fixedPoints;
    else if (r.fixedPoints) out.fixedPoints = r.fixedPoints.map(toFixedPoint);
    else delete out.fixedPoints;
    return out;
  });
  if (metrics.length === 0) throw new InputError(`metrics.jsonl: no rows in ${metricsFile}`);
  metrics.sort((a, b) => a.step - b.step);
  const evRaw = readJsonFile(folder, 'events.json', false);
  const events = evRaw === undefined ? [] : (check(z.array(eventSchema), evRaw, 'events.json') as TrainingEvent[]);
  const sumRaw = readJsonFile(folder, 'summary.json', false);
  const summary = sumRaw === undefined ? null : check(z.record(z.string(), z.unknown()), sumRaw, 'summary.json');
  let eigenvalues: EigenvaluesLine[] | null = null;
  const eigFile = join(folder, 'eigenvalues.jsonl');
  if (existsSync(eigFile)) {
    eigenvalues = readJsonLines(eigFile).map((row, i) => {
      const r = check(eigenLineSchema, row, `eigenvalues.jsonl row ${i + 1}`);
      const line: EigenvaluesLine = { step: r.step };
      const s = r.sntk ?? r.kernel;
      if (s) line.sntk = s;
      if (r.full !== undefined) line.full = r.full;
      if (r.pr !== undefined) line.pr = r.pr;
      if (r.time) line.time = r.time;
      if (r.jacobian) {
        const jac = r.jacobian as unknown[];
        line.jacobian = isNested(jac)
          ? (jac as z.infer<typeof complexSchema>[][]).map((l) => l.map(toComplex))
          : [(jac as z.infer<typeof complexSchema>[]).map(toComplex)];
      } else if (r.fixedPoints) {
        const fps = r.fixedPoints.map(toFixedPoint);
        line.jacobian = fps.map((f) => f.eigenvalues ?? []);
        if (fps.every((f) => f.stable !== undefined)) line.stable = fps.map((f) => f.stable!);
      }
      return line;
    });
    eigenvalues.sort((a, b) => a.step - b.step);
  }
  const time: TimeKind = config.time === 'continuous' ? 'continuous' : 'discrete';
  return { folder, config, metrics, events, summary, eigenvalues, time };
}
