/**
 * The sweep file (`sntk sweep --config sweep.json`): a base training config (src/train/config.ts),
 * axes that vary fields of it, seeds, the metrics the sweep page plots, and a limit on the grid.
 *
 * ```json
 * { "base": { "steps": 40, "task": { "name": "pitchfork" } },
 *   "axes": { "optimizer.learningRate": [0.1, 0.3, 1], "optimizer.kind": ["sgd", "natgrad"] },
 *   "seeds": 5,
 *   "metrics": ["finalLoss", "prMin", "collapseFactor", "lossIncreases"] }
 * ```
 *
 * An axis is a dotted path into the training config and a non-empty list of values, or
 * `{"linspace": [a, b, n]}`, `{"logspace": [a, b, n]}` (n values from a to b, geometric) or
 * `{"range": [start, stop, step]}` (stop excluded). `seeds` is shorthand for the `seed` axis
 * (n → 0 … n−1, or a list). Every problem is an InputError naming the field.
 */
import { z } from 'zod';
import { InputError } from '../errors.js';

/** The summary columns a sweep can plot (src/sweep/summary.ts `SweepRow`). */
export const SWEEP_METRICS = [
  'finalLoss',
  'initialLoss',
  'prBefore',
  'prMin',
  'collapseFactor',
  'rankCollapseStep',
  'firstBifurcationStep',
  'dominantAlignment',
  'lossIncreases',
  'maxLossJump',
  'stepsToTarget',
] as const;
/** One of `SWEEP_METRICS`. */
export type SweepMetric = (typeof SWEEP_METRICS)[number];

/** Default largest number of runs a sweep may expand to (`maxRuns` or `--max-runs` raise it). */
export const DEFAULT_MAX_RUNS = 10_000;

const num = z.number().finite();
const AxisSchema = z.union([
  z.array(z.unknown()),
  z.strictObject({ linspace: z.tuple([num, num, z.number().int().min(1)]) }),
  z.strictObject({ logspace: z.tuple([z.number().positive().finite(), z.number().positive().finite(), z.number().int().min(1)]) }),
  z.strictObject({ range: z.tuple([num, num, num.refine((s) => s !== 0, 'step must not be 0')]) }),
]);

/** The sweep file schema (zod v4; unknown fields rejected). */
export const SweepFileSchema = z.strictObject({
  format: z.literal('sntk-sweep/1').optional().describe('Format tag (optional).'),
  name: z.string().min(1).optional().describe('Name shown on the sweep page.'),
  base: z.record(z.string(), z.unknown()).default({}).describe('Base training config (src/train/config.ts); every run starts from it.'),
  axes: z.record(z.string(), AxisSchema).default({}).describe('Dotted config path → values.'),
  seeds: z.union([z.number().int().min(1), z.array(z.number().int().min(0)).min(1)]).optional().describe('Seed axis: n (0 … n−1) or a list.'),
  metrics: z.array(z.enum(SWEEP_METRICS)).min(1).default(['finalLoss', 'prMin', 'collapseFactor', 'lossIncreases']).describe('Summary columns plotted against each axis.'),
  maxRuns: z.number().int().positive().default(DEFAULT_MAX_RUNS).describe('Largest grid accepted.'),
});

/** A parsed sweep file. */
export type SweepFile = z.output<typeof SweepFileSchema>;

/** One axis with its values resolved. */
export interface SweepAxis {
  /** Dotted path into the training config (`optimizer.learningRate`, `seed`). */
  path: string;
  values: unknown[];
}

/** A validated sweep: the file and its axes (seed axis last when `seeds` is given). */
export interface SweepSpec {
  file: SweepFile;
  axes: SweepAxis[];
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, '; ');

function axisValues(path: string, a: z.output<typeof AxisSchema>): unknown[] {
  const where = `sweep.axes['${path}']`;
  let vals: unknown[];
  if (Array.isArray(a)) vals = a;
  else if ('linspace' in a) {
    const [x0, x1, n] = a.linspace;
    vals = Array.from({ length: n }, (_, i) => (n === 1 ? x0 : x0 + ((x1 - x0) * i) / (n - 1)));
  } else if ('logspace' in a) {
    const [x0, x1, n] = a.logspace;
    vals = Array.from({ length: n }, (_, i) => (n === 1 ? x0 : Math.exp(Math.log(x0) + ((Math.log(x1) - Math.log(x0)) * i) / (n - 1))));
  } else {
    const [s0, s1, st] = a.range;
    const n = Math.max(0, Math.ceil((s1 - s0) / st - 1e-12));
    if (n > 1e7) throw new InputError(`${where}: range has ${n} values`);
    vals = Array.from({ length: n }, (_, i) => s0 + i * st);
  }
  if (vals.length === 0) throw new InputError(`${where}: empty axis (no values)`);
  const seen = new Set<string>();
  for (const v of vals) {
    const k = JSON.stringify(v);
    if (seen.has(k)) throw new InputError(`${where}: value ${k} appears twice`);
    seen.add(k);
  }
  return vals;
}

/**
 * Validates a sweep file (already JSON-parsed) and resolves its axes. Throws InputError with one
 * line naming the field. Cost O(size of the file + total axis length).
 */
export function parseSweepFile(input: unknown): SweepSpec {
  const r = SweepFileSchema.safeParse(input ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    const path = ['sweep', ...i.path.map(String)].join('.');
    const msg = i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}` : i.message;
    throw new InputError(oneLine(`${path}: ${msg}`));
  }
  const file = r.data;
  const axes: SweepAxis[] = [];
  for (const [path, a] of Object.entries(file.axes)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(path)) throw new InputError(`sweep.axes['${path}']: not a dotted config path like 'optimizer.learningRate'`);
    axes.push({ path, values: axisValues(path, a) });
  }
  if (file.seeds !== undefined) {
    if (axes.some((a) => a.path === 'seed')) throw new InputError("sweep: both 'seeds' and axes['seed'] are given; use one");
    const seeds = typeof file.seeds === 'number' ? Array.from({ length: file.seeds }, (_, i) => i) : file.seeds;
    axes.push({ path: 'seed', values: axisValues('seed', seeds) });
  }
  return { file, axes };
}

/** Number of runs of the grid (product of the axis lengths; 1 with no axes). */
export function gridSize(spec: SweepSpec): number {
  return spec.axes.reduce((n, a) => n * a.values.length, 1);
}
