/**
 * `sntk continuation --model a.json --to b.json [c.json ...]` (piecewise-linear path through the
 * models, knot k at s = k), `--run DIR` (the same through a training run's checkpoints
 * `model-<step>.json` in step order: the training path θ(k); events also carry the training
 * `step` and the monitor's bifurcation events are listed beside them) or
 * `--model a.json --direction d.json --range s0,s1` (θ₀ + s d):
 * continues every fixed point found at the start of the path, detects and classifies bifurcations,
 * and prints the branch summary and `{"events": [...]}`. Default time `discrete` (the map).
 * `--switch` also continues the branches crossing at pitchfork/transcritical points (one level;
 * those branches carry `switchedFrom: {type, s, side}`).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { emit, type CommonOptions } from '../context.js';
import { createProgress } from '../progress.js';
import { InputError, SntkError, UsageError } from '../../errors.js';
import { readModelFile } from '../../io/model-json.js';
import { continueBranch, continueNewBranches, directionPath, findFixedPoints, pathSystem, piecewisePath } from '../../dynamics/index.js';
import type { BifurcationEvent, ContinuationResult, ParameterPath, TimeKind } from '../../dynamics/index.js';
import { parseInput, parseNumberList } from './fixed-points.js';
import { segmentBifurcations, type SegmentBifurcation } from '../../train/monitor/events.js';
import type { Model } from '../../models/types.js';

interface ContinuationCliOptions extends CommonOptions {
  model?: string;
  run?: string;
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

/** A run folder's checkpointed models `model-<step>.json`, in step order (at least two). */
export function runCheckpointModels(dir: string): { step: number; file: string }[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`--run ${dir}: no such run folder`);
  const found = readdirSync(dir)
    .map((f) => /^model-(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), file: join(dir, m[0]) }))
    .sort((a, b) => a.step - b.step);
  if (found.length < 2) throw new InputError(`--run ${dir}: needs at least two checkpointed models model-<step>.json, found ${found.length}`);
  return found;
}

/** The training step at path parameter `s` of the path through `steps` (knot k at s = k), linear within a segment. */
export function stepAtS(steps: readonly number[], s: number): number {
  const k = Math.min(Math.max(0, Math.floor(s)), steps.length - 2);
  return steps[k]! + (s - k) * (steps[k + 1]! - steps[k]!);
}

/** The monitor's bifurcation events of a run folder (`events.json`), as `{type, step}`. */
function monitorBifurcations(dir: string): { type: string; step: number; stepAt: number | null }[] {
  const f = join(dir, 'events.json');
  if (!existsSync(f)) return [];
  let ev: unknown;
  try {
    ev = JSON.parse(readFileSync(f, 'utf8'));
  } catch (err) {
    throw new InputError(`${f}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(ev)) throw new InputError(`${f}: expected an array of events`);
  const kinds = new Set(['saddle-node', 'transcritical', 'pitchfork', 'hopf', 'period-doubling', 'neimark-sacker']);
  return (ev as Record<string, unknown>[])
    .filter((e) => typeof e['type'] === 'string' && kinds.has(e['type']) && typeof e['step'] === 'number')
    .map((e) => ({ type: e['type'] as string, step: e['step'] as number, stepAt: typeof e['stepAt'] === 'number' ? e['stepAt'] : null }));
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
    .option('--model <file>', 'model at the start of the path (s = 0)')
    .option('--to <files...>', 'models the path runs through (knot k at s = k)')
    .option('--run <dir>', "a training run folder: the path through its checkpoints model-<step>.json in step order (the training path); events also report the training step")
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
      if (opts.run && (opts.model || opts.to || opts.direction)) throw new UsageError('--run takes the whole path from the run folder: give it without --model, --to or --direction');
      if (!opts.run && !opts.model) throw new UsageError('give --model <file> with --to or --direction, or --run <dir>');
      if (opts.to && opts.direction) throw new UsageError('give either --to or --direction, not both');
      if (!opts.run && !opts.to && !opts.direction) throw new UsageError('give --to <model...> or --direction <file> --range s0,s1 (or --run <dir>)');
      if (opts.range && !opts.direction) throw new UsageError('--range goes with --direction');
      const checkpoints = opts.run ? runCheckpointModels(opts.run) : null;
      const start = readModelFile(checkpoints ? checkpoints[0]!.file : opts.model!);
      let path: ParameterPath;
      let kind: string;
      let knots: Model[] = [];
      if (checkpoints) {
        knots = [start, ...checkpoints.slice(1).map((c) => readModelFile(c.file))];
        path = piecewisePath(knots);
        kind = `training path (${checkpoints.length} checkpoints, steps ${checkpoints[0]!.step}…${checkpoints[checkpoints.length - 1]!.step})`;
      } else if (opts.to) {
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
      const segments = checkpoints ? checkpoints.length - 1 : 0;
      const progress = createProgress(opts, 'continuation', startsH.length + segments);
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
        progress.update(b + 1, `branch ${b + 1}/${startsH.length}`);
      });
      // --run: per checkpoint segment, every fixed point of both ends continued across it (the
      // monitor's detector, train/monitor/events.ts): it also finds the folds of the new pair of an
      // imperfect pitchfork, which the branch from the start passes smoothly
      const segmentEvents: (SegmentBifurcation & { sPath: number; fromStep: number; toStep: number })[] = [];
      if (checkpoints) {
        const pts = knots.map((_, k) => findFixedPoints(sys, { s: k }).points);
        for (let k = 0; k < segments; k++) {
          for (const e of segmentBifurcations(knots[k]!, pts[k]!, knots[k + 1]!, pts[k + 1]!)) {
            segmentEvents.push({ ...e, sPath: k + e.s, fromStep: checkpoints[k]!.step, toStep: checkpoints[k + 1]!.step });
          }
          progress.update(startsH.length + k + 1, `segment ${k + 1}/${segments}`);
        }
      }
      progress.finish();
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
      const steps = checkpoints?.map((c) => c.step) ?? null;
      const stepOf = (sv: number): number | null => (steps ? stepAtS(steps, sv) : null);
      const monitor = opts.run ? monitorBifurcations(opts.run) : null;
      const result = {
        time: opts.time,
        ...(steps
          ? {
              run: {
                folder: opts.run,
                checkpointSteps: steps,
                monitorEvents: monitor,
                segmentEvents: segmentEvents.map((e) => ({
                  type: e.type,
                  detectedAs: e.detectedAs,
                  s: e.sPath,
                  step: stepAtS(steps, e.sPath),
                  fromStep: e.fromStep,
                  toStep: e.toStep,
                  eigenvalue: e.eigenvalue,
                  criticality: e.criticality,
                  coefficients: e.coefficients,
                  ...(e.imperfect ? { imperfect: true, symmetricS: e.symmetricS, imperfection: e.imperfection } : {}),
                })),
              },
            }
          : {}),
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
          ...(steps ? { step: stepOf(e.s) } : {}),
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
        const lines = [`${kind}${checkpoints ? '' : ' path'}, s ∈ [${s0}, ${s1}], parameter length ${path.distance(s0, s1).toPrecision(6)}, ${opts.time} time`];
        branches.forEach((b, i) => {
          const via = b.from ? ` (switched at the ${b.from.type} at s = ${b.from.s.toPrecision(8)}${b.from.side ? `, side ${b.from.side > 0 ? '+' : '−'}` : ''})` : '';
          if (b.error) lines.push(`branch ${i}${via}: not continued (${b.error})`);
          else lines.push(`branch ${i}${via}: ${b.result!.branch.length} points, s ∈ [${Math.min(...b.result!.branch.map((p) => p.s)).toPrecision(6)}, ${Math.max(...b.result!.branch.map((p) => p.s)).toPrecision(6)}], stop: ${b.result!.stopReason}`);
        });
        if (events.length === 0) lines.push(segmentEvents.length ? 'no bifurcation on the branches continued from the start' : 'no bifurcations detected');
        for (const e of events) {
          const coeffs = Object.entries(e.coefficients).map(([k, v]) => `${k}=${v.toPrecision(6)}`).join(' ');
          const st = stepOf(e.s);
          lines.push(`${e.type.padEnd(15)} s = ${e.s.toPrecision(10)}${st !== null ? `  training step ≈ ${st.toFixed(2)}` : ''}  distance ${e.distance.toPrecision(6)}  λ = ${e.eigenvalues.map((l) => `${l.re.toPrecision(6)}${l.im ? (l.im > 0 ? '+' : '') + l.im.toPrecision(6) + 'i' : ''}`).join(', ')}  ${coeffs}${e.criticality ? '  ' + e.criticality : ''}`);
        }
        if (steps) {
          if (segmentEvents.length === 0) lines.push('checkpoint segments: no bifurcation between consecutive checkpoints');
          for (const e of segmentEvents) {
            const how = e.imperfect ? ` (imperfect: the new pair is born in a fold; detected as ${e.detectedAs})` : '';
            lines.push(`${e.type.padEnd(15)} between checkpoints ${e.fromStep} and ${e.toStep}: training step ≈ ${stepAtS(steps, e.sPath).toFixed(2)}, s = ${e.sPath.toPrecision(8)}${how}`);
          }
        }
        if (monitor) {
          lines.push(
            monitor.length
              ? `monitor (events.json): ${monitor.map((m) => `${m.type} at step ${m.step}${m.stepAt !== null ? ` (≈ ${m.stepAt.toFixed(2)})` : ''}`).join(', ')}; checkpoints every ${steps!.length > 1 ? steps![1]! - steps![0]! : '?'} steps`
              : 'monitor (events.json): no bifurcation recorded',
          );
        }
        return lines.join('\n');
      });
    });
}
