/**
 * `sntk fixed-points --model m.json [--input "x1,.."] [--time discrete|continuous] [--period k]`:
 * fixed points (or k-cycles) of a model's map or flow at constant input, each with its residual,
 * eigenvalues (`{"re","im"}`), stability and spectral radius (maps) / abscissa (flows).
 * The default time is `discrete` (the cell's map) for every cell; `continuous` needs leaky/rate.
 */
import { Option, type Command } from 'commander';
import { emit, type CommonOptions } from '../context.js';
import { UsageError } from '../../errors.js';
import { readModelFile } from '../../io/model-json.js';
import { findCycles, findFixedPoints, modelSystem } from '../../dynamics/index.js';
import type { TimeKind } from '../../dynamics/index.js';
import { checkMemory, parseBytes } from '../../sntk/budget.js';

/** Largest `--starts`: each start is a Newton solve of O(N³), so more would run for days anyway. */
export const MAX_STARTS = 1_000_000;

interface FixedPointsCliOptions extends CommonOptions {
  model: string;
  input?: string;
  time: TimeKind;
  period: string;
  seed: string;
  starts: string;
  memoryBudget?: string;
}

/** Parses `"x1,x2,.."` into numbers; throws UsageError naming the option. */
export function parseNumberList(text: string, what: string): Float64Array {
  const parts = text.split(',').map((t) => t.trim());
  const out = Float64Array.from(parts.map(Number));
  if (parts.some((p) => p === '') || !out.every(Number.isFinite)) throw new UsageError(`${what} must be comma-separated finite numbers, got "${text}"`);
  return out;
}

function parseInt0(text: string, what: string, min: number): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`${what} must be an integer ≥ ${min}, got "${text}"`);
  return v;
}

const fmt = (x: number) => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(6) : x.toExponential(3));
const fmtC = (l: { re: number; im: number }) => (l.im === 0 ? fmt(l.re) : `${fmt(l.re)}${l.im < 0 ? '−' : '+'}${fmt(Math.abs(l.im))}i`);

/** Parses `--input` for a model with D inputs; UsageError on a wrong length. */
export function parseInput(text: string | undefined, D: number): Float64Array | undefined {
  if (text === undefined) return undefined;
  const x = parseNumberList(text, '--input');
  if (x.length !== D) throw new UsageError(`--input has ${x.length} value(s), the model has ${D} input(s)`);
  return x;
}

/** Registers `sntk fixed-points`. */
export function registerFixedPoints(program: Command): void {
  program
    .command('fixed-points')
    .description('fixed points (or k-cycles) of a model at constant input, with residuals, eigenvalues and stability')
    .requiredOption('--model <file>', 'model file (.json or .safetensors)')
    .option('--input <x>', 'constant input "x1,x2,.." (default zeros)')
    .addOption(new Option('--time <kind>', 'discrete: the cell map (default); continuous: the flow of leaky/rate cells').choices(['discrete', 'continuous']).default('discrete'))
    .option('--period <k>', 'find cycles of minimal period k of the map instead of fixed points', '1')
    .option('--seed <n>', 'seed of the start sampler', '0')
    .option('--starts <n>', `number of sampled starts (at most ${MAX_STARTS})`, '32')
    .option('--memory-budget <bytes>', 'largest memory the search may hold, e.g. 512M (default 2G or SNTK_MEMORY_BUDGET)')
    .option('--json', 'print one JSON object')
    .option('--quiet', 'no progress output')
    .action((opts: FixedPointsCliOptions) => {
      const model = readModelFile(opts.model);
      const input = parseInput(opts.input, model.spec.inputSize);
      const sys = modelSystem(model, { time: opts.time, ...(input ? { input } : {}) });
      const period = parseInt0(opts.period, '--period', 1);
      const fpOpts = { seed: parseInt0(opts.seed, '--seed', 0), nStarts: parseInt0(opts.starts, '--starts', 0) };
      if (fpOpts.nStarts > MAX_STARTS) throw new UsageError(`--starts must be at most ${MAX_STARTS}, got ${fpOpts.nStarts}`);
      // each start holds its point, its Newton result and their object overhead until the end (≈ 24N + 64 doubles, fitted to peak RSS)
      const N = model.cell.N; // the full state ([h; c] per LSTM layer, every layer of a stacked cell)
      checkMemory({ [`${fpOpts.nStarts} starts of the fixed-point search (N = ${N})`]: (fpOpts.nStarts + 8) * (24 * N + 64) + 4 * N * N }, parseBytes(opts.memoryBudget), 'use fewer --starts or raise the budget (--memory-budget / SNTK_MEMORY_BUDGET)');
      const radiusKey = opts.time === 'discrete' ? 'spectralRadius' : 'spectralAbscissa';
      if (period > 1) {
        if (opts.time !== 'discrete') throw new UsageError('--period applies to maps (--time discrete) only');
        const cycles = findCycles(sys, period, fpOpts);
        const result = {
          model: opts.model,
          time: opts.time,
          period,
          cycles: cycles.map((c) => ({
            orbit: c.orbit.map((h) => Array.from(h)),
            residual: c.residual,
            multipliers: c.multipliers.eigenvalues,
            stability: c.multipliers.stability,
            [radiusKey]: c.multipliers.radius,
          })),
        };
        emit(opts, result, () =>
          cycles.length === 0
            ? `no cycles of minimal period ${period} found`
            : cycles.map((c, i) => `cycle ${i}: period ${c.period}, residual ${c.residual.toExponential(2)}, ${c.multipliers.stability}, max|μ| ${fmt(c.multipliers.radius)}`).join('\n'),
        );
        return;
      }
      const rep = findFixedPoints(sys, fpOpts);
      const result = {
        model: opts.model,
        time: opts.time,
        input: Array.from(input ?? new Float64Array(model.spec.inputSize)),
        points: rep.points.map((p) => ({
          h: Array.from(p.h),
          residual: p.residual,
          eigenvalues: p.eigenvalues,
          stability: p.stability,
          [radiusKey]: p.radius,
          sigma: p.sigma,
          hits: p.hits,
        })),
        slowPoints: rep.slowPoints.map((p) => ({ h: Array.from(p.h), residual: p.residual })),
        notConverged: rep.notConverged,
        rejected: rep.rejected,
        starts: rep.starts,
      };
      emit(opts, result, () => {
        const lines = [`${rep.points.length} fixed point(s) of the ${opts.time === 'discrete' ? 'map' : 'flow'} (${rep.starts} starts, ${rep.notConverged} not converged, ${rep.slowPoints.length} slow point(s))`];
        rep.points.forEach((p, i) => {
          lines.push(`#${i}  ${p.stability.padEnd(8)} ${radiusKey} ${fmt(p.radius)}  σ ${fmt(p.sigma)}  residual ${p.residual.toExponential(2)}  ‖h‖ ${fmt(Math.hypot(...p.h))}`);
          lines.push(`    eigenvalues: ${p.eigenvalues.slice(0, 6).map(fmtC).join(', ')}${p.eigenvalues.length > 6 ? ', …' : ''}`);
        });
        return lines.join('\n');
      });
    });
}
