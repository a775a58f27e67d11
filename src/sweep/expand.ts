/**
 * Expansion of a sweep into runs: the Cartesian product of its axes (first axis outermost), each
 * point merged into the base config (objects deeply, like `sntk demo --set`), validated by the
 * training-config schema and named by its run id (hash.ts). Axes are checked one value at a time
 * before the product is formed, and the product's size against the limit before it is built, so a
 * bad axis or an oversized grid is refused at once with the field or the count.
 */
import { parseTrainConfig, type TrainConfig } from '../train/config.js';
import { mergeConfig } from '../train/demo.js';
import { InputError, SntkError } from '../errors.js';
import { runId } from './hash.js';
import { gridSize, type SweepSpec } from './spec.js';

/** One run of a sweep. */
export interface SweepRun {
  /** Stable id (hash of `config`); the run folder is `<out>/runs/<id>`. */
  id: string;
  /** Position in the grid (expansion order). */
  index: number;
  /** The axis values of this run, by axis path. */
  axes: Record<string, unknown>;
  /** The resolved training config (all defaults filled). */
  config: TrainConfig;
}

/** `{a: {b: v}}` for path `a.b`. */
export function pathObject(path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  let obj: Record<string, unknown> = { [keys[keys.length - 1]!]: value };
  for (let i = keys.length - 2; i >= 0; i--) obj = { [keys[i]!]: obj };
  return obj;
}

const oneLine = (s: string): string => s.replace(/^invalid training config:\s*/, '').replace(/\s*\n\s*/g, '; ');

function parseOrExplain(input: unknown, where: string): TrainConfig {
  try {
    return parseTrainConfig(input);
  } catch (e) {
    if (e instanceof SntkError) throw new InputError(`${where}: ${oneLine(e.message)}`);
    throw e;
  }
}

/**
 * Expands `spec` into its runs (validated, with ids). `maxRuns` overrides the file's limit.
 * Throws InputError naming the axis and value for a field the config does not have or a value it
 * refuses, and refuses a grid over the limit with its count. Cost O(runs · config size).
 */
export function expandSweep(spec: SweepSpec, opts: { maxRuns?: number } = {}): SweepRun[] {
  const base = spec.file.base;
  parseOrExplain(base, 'sweep.base');
  for (const a of spec.axes) {
    for (const v of a.values) parseOrExplain(mergeConfig(base, pathObject(a.path, v)), `sweep.axes['${a.path}'] = ${JSON.stringify(v)}`);
  }
  const limit = opts.maxRuns ?? spec.file.maxRuns;
  const n = gridSize(spec);
  if (n > limit) {
    throw new InputError(`sweep: the grid has ${n} runs (${spec.axes.map((a) => `${a.values.length} ${a.path}`).join(' × ')}), over the limit of ${limit} runs (raise maxRuns in the sweep file or --max-runs)`);
  }
  const runs: SweepRun[] = [];
  const byId = new Map<string, SweepRun>();
  const idx = new Array<number>(spec.axes.length).fill(0);
  for (let k = 0; k < n; k++) {
    let input: Record<string, unknown> = base;
    const axes: Record<string, unknown> = {};
    spec.axes.forEach((a, j) => {
      const v = a.values[idx[j]!];
      axes[a.path] = v;
      input = mergeConfig(input, pathObject(a.path, v));
    });
    const config = parseOrExplain(input, `sweep run ${JSON.stringify(axes)}`);
    const id = runId(config);
    const prev = byId.get(id);
    if (prev) throw new InputError(`sweep: runs ${JSON.stringify(prev.axes)} and ${JSON.stringify(axes)} resolve to the same config (id ${id})`);
    const run: SweepRun = { id, index: k, axes, config };
    byId.set(id, run);
    runs.push(run);
    for (let j = spec.axes.length - 1; j >= 0; j--) {
      if (++idx[j]! < spec.axes[j]!.values.length) break;
      idx[j] = 0;
    }
  }
  return runs;
}
