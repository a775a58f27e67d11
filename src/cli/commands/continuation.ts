/**
 * `sntk continuation --model a.json --to b.json [c.json ...]` (piecewise-linear path through the
 * models, knot k at s = k) or `--model a.json --direction d.json --range s0,s1` (θ₀ + s d):
 * continues every fixed point found at the start of the path, detects and classifies bifurcations,
 * and prints the branch summary and `{"events": [...]}`. Default time `discrete` (the map).
 * `--switch` also continues the branches crossing at pitchfork/transcritical points (one level;
 * those branches carry `switchedFrom: {type, s, side}`).
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { emit, type CommonOptions } from '../context.js';
import { InputError, SntkError, UsageError } from '../../errors.js';
import { readModelFile } from '../../io/model-json.js';
import { continueBranch, continueNewBranches, directionPath, findFixedPoints, pathSystem, piecewisePath } from '../../dynamics/index.js';
import type { BifurcationEvent, ContinuationResult, ParameterPath, TimeKind } from '../../dynamics/index.js';
import { parseInput, parseNumberList } from './fixed-points.js';

interface ContinuationCliOptions extends CommonOptions {
  model: string;
  to?: string[];
  direction?: string;
  range?: string;
  input?: string;
  time: TimeKind;
  branches: string;
  maxSteps: string;
  switch?: boolean;
}

/** Reads a direction: a JSON array, `{"direction": [...]}`, or a model file whose cell parameters are the direction. */
function readDirection(path: string): Float64Array {
  if (path.endsWith('.json')) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new InputError(`${path}: cannot read JSON (${(err as Error).message})`);
    }
    const arr = Array.isArray(doc) ? doc : doc && typeof doc === 'object' && Array.isArray((doc as { direction?: unknown }).direction) ? (doc as { direction: unknown[] }).direction : undefined;
    if (arr) {
      if (!arr.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new InputError(`${path}: direction entries must be finite numbers`);
      return Float64Array.from(arr as number[]);
    }
  }
  return readModelFile(path).params;
}

function sameEvent(a: BifurcationEvent, b: BifurcationEvent): boolean {
  if (a.type !== b.type || Math.abs(a.s - b.s) > 1e-6 * (1 + Math.abs(a.s))) return false;
  let d = 0;
  for (let i = 0; i < a.h.length; i++) d += (a.h[i]! - b.h[i]!) ** 2;
  return Math.sqrt(d) <= 1e-4 * (1 + Math.hypot(...a.h));
}

/** Registers `sntk continuation`. */
export function registerContinuation(program: Command): void {
  program
    .command('continuation')
    .description('continue fixed points along a parameter path between models and detect/classify bifurcations')
    .requiredOption('--model <file>', 'model at the start of the path (s = 0)')
    .option('--to <files...>', 'models the path runs through (knot k at s = k)')
    .option('--direction <file>', 'direction d (JSON array, {"direction": [...]}, or a model file): θ(s) = θ₀ + s d')
    .option('--range <s0,s1>', 'range of s for --direction (default 0,1)')
    .option('--input <x>', 'constant input "x1,x2,.." (default zeros)')
    .addOption(new Option('--time <kind>', 'discrete: the cell map (default); continuous: the flow of leaky/rate cells').choices(['discrete', 'continuous']).default('discrete'))
    .option('--branches <n>', 'continue at most this many fixed points found at the start', '4')
    .option('--max-steps <n>', 'continuation steps per branch', '2000')
    .option('--switch', 'at each pitchfork/transcritical point, also continue the crossing branch on both sides (one level)')
    .option('--json', 'print one JSON object')
    .option('--quiet', 'no progress output')
    .action((opts: ContinuationCliOptions) => {
      if (opts.to && opts.direction) throw new UsageError('give either --to or --direction, not both');
      if (!opts.to && !opts.direction) throw new UsageError('give --to <model...> or --direction <file> --range s0,s1');
      if (opts.range && !opts.direction) throw new UsageError('--range goes with --direction');
      const start = readModelFile(opts.model);
      let path: ParameterPath;
      let kind: string;
      if (opts.to) {
        path = piecewisePath([start, ...opts.to.map((f) => readModelFile(f))]);
        kind = opts.to.length === 1 ? 'line' : 'piecewise-linear';
      } else {
        const range = opts.range ? parseNumberList(opts.range, '--range') : Float64Array.of(0, 1);
        if (range.length !== 2 || range[0] === range[1]) throw new UsageError(`--range must be two different numbers s0,s1, got "${opts.range}"`);
        path = directionPath(start, readDirection(opts.direction!), [range[0]!, range[1]!]);
        kind = 'direction';
      }
      const input = parseInput(opts.input, start.spec.inputSize);
      const sys = pathSystem(path, { time: opts.time, ...(input ? { input } : {}) });
      const s0 = opts.range ? parseNumberList(opts.range, '--range')[0]! : path.sMin;
      const s1 = opts.range ? parseNumberList(opts.range, '--range')[1]! : path.sMax;
      const maxBranches = Number(opts.branches);
      const maxSteps = Number(opts.maxSteps);
      if (!Number.isInteger(maxBranches) || maxBranches < 1) throw new UsageError(`--branches must be a positive integer, got "${opts.branches}"`);
      if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new UsageError(`--max-steps must be a positive integer, got "${opts.maxSteps}"`);
      const fps = findFixedPoints(sys, { s: s0 });
      const startsH = fps.points.slice(0, maxBranches).map((p) => p.h);
      const branches: { start: number[]; result?: ContinuationResult; error?: string; from?: { type: string; s: number; side: number } }[] = [];
      const events: (BifurcationEvent & { branch: number })[] = [];
      startsH.forEach((h0, b) => {
        try {
          const r = continueBranch(sys, { s0, s1, h0, maxSteps });
          branches.push({ start: Array.from(h0), result: r });
          for (const e of r.events) if (!events.some((x) => sameEvent(x, e))) events.push({ ...e, branch: b });
        } catch (err) {
          if (!(err instanceof SntkError)) throw err;
          branches.push({ start: Array.from(h0), error: err.message });
        }
      });
      if (opts.switch) {
        const points = events.filter((e) => e.type === 'pitchfork' || e.type === 'transcritical');
        for (const ev of points) {
          const from = { type: ev.type, s: ev.s };
          try {
            const nb = continueNewBranches(sys, ev, { sMin: Math.min(s0, s1), sMax: Math.max(s0, s1) }, { maxSteps });
            for (const b of nb.branches) {
              const index = branches.length;
              branches.push({ start: Array.from(b.result.branch[0]?.h ?? []), result: b.result, from: { ...from, side: b.side } });
              for (const e of b.result.events) if (!events.some((x) => sameEvent(x, e))) events.push({ ...e, branch: index });
            }
          } catch (err) {
            if (!(err instanceof SntkError)) throw err;
            branches.push({ start: Array.from(ev.h), error: `branch switching at the ${ev.type} at s = ${ev.s}: ${err.message}`, from: { ...from, side: 0 } });
          }
        }
      }
      events.sort((a, b) => a.s - b.s);
      const result = {
        time: opts.time,
        path: { kind, sRange: [s0, s1], length: path.distance(s0, s1) },
        branches: branches.map((b) => ({
          start: b.start,
          ...(b.from ? { switchedFrom: b.from } : {}),
          ...(b.result
            ? {
                points: b.result.branch.length,
                sRange: [Math.min(...b.result.branch.map((p) => p.s)), Math.max(...b.result.branch.map((p) => p.s))],
                turningPoints: b.result.events.filter((e) => e.type === 'saddle-node').length,
                stopReason: b.result.stopReason,
                branch: b.result.branch.map((p) => ({ s: p.s, h: Array.from(p.h), stability: p.stability, sigma: p.sigma, eigenvalues: p.eigenvalues })),
              }
            : { error: b.error }),
        })),
        events: events.map((e) => ({
          type: e.type,
          s: e.s,
          distance: e.distance,
          branch: e.branch,
          eigenvalues: e.eigenvalues,
          coefficients: e.coefficients,
          criticality: e.criticality,
          h: Array.from(e.h),
          right: { re: Array.from(e.right.re), im: Array.from(e.right.im) },
          left: { re: Array.from(e.left.re), im: Array.from(e.left.im) },
        })),
      };
      emit(opts, result, () => {
        const lines = [`${kind} path, s ∈ [${s0}, ${s1}], parameter length ${path.distance(s0, s1).toPrecision(6)}, ${opts.time} time`];
        branches.forEach((b, i) => {
          const via = b.from ? ` (switched at the ${b.from.type} at s = ${b.from.s.toPrecision(8)}${b.from.side ? `, side ${b.from.side > 0 ? '+' : '−'}` : ''})` : '';
          if (b.error) lines.push(`branch ${i}${via}: not continued (${b.error})`);
          else lines.push(`branch ${i}${via}: ${b.result!.branch.length} points, s ∈ [${Math.min(...b.result!.branch.map((p) => p.s)).toPrecision(6)}, ${Math.max(...b.result!.branch.map((p) => p.s)).toPrecision(6)}], stop: ${b.result!.stopReason}`);
        });
        if (events.length === 0) lines.push('no bifurcations detected');
        for (const e of events) {
          const coeffs = Object.entries(e.coefficients).map(([k, v]) => `${k}=${v.toPrecision(6)}`).join(' ');
          lines.push(`${e.type.padEnd(15)} s = ${e.s.toPrecision(10)}  distance ${e.distance.toPrecision(6)}  λ = ${e.eigenvalues.map((l) => `${l.re.toPrecision(6)}${l.im ? (l.im > 0 ? '+' : '') + l.im.toPrecision(6) + 'i' : ''}`).join(', ')}  ${coeffs}${e.criticality ? '  ' + e.criticality : ''}`);
        }
        return lines.join('\n');
      });
    });
}
