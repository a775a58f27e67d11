/**
 * `sntk channel --model m.json [--input v,..] [--inputs x.json] [--time discrete|continuous] [--json]`:
 * the bifurcation channel at the nearest-to-critical fixed point (and on the trajectories of
 * `--inputs`), with the nearest bifurcation's type or a degenerate/far-from-critical status.
 */
import { Option, type Command } from 'commander';
import { checkTrajectoryMemory } from '../trajectory-budget.js';
import { emit, type CommonOptions } from '../context.js';
import { ConvergenceError, UsageError } from '../../errors.js';
import { readModelFile } from '../../io/model-json.js';
import { readInputsFile } from '../../io/inputs.js';
import { rollout } from '../../models/index.js';
import type { Model } from '../../models/index.js';
import { findFixedPoints, modelSystem } from '../../dynamics/index.js';
import type { TimeKind } from '../../dynamics/index.js';
import { channelDecomposition, classifyNearest, trajectoryChannel } from '../../channels/index.js';

interface ChannelCliOptions extends CommonOptions {
  model: string;
  input?: string;
  inputs?: string;
  time: TimeKind;
  maxSigma: string;
  seed: string;
}

/** Parses `--input a,b,c` as a constant input of length D (zeros when absent). */
export function parseConstantInput(text: string | undefined, D: number): Float64Array {
  if (text === undefined) return new Float64Array(D);
  const v = text.split(',').filter((s) => s.trim() !== '').map(Number);
  if (v.length !== D || v.some((x) => !Number.isFinite(x))) throw new UsageError(`--input must be ${D} comma-separated finite numbers (the model's inputSize), got "${text}"`);
  return Float64Array.from(v);
}

/** The fixed point with the smallest |σ| (most critical), searched from trajectory states when given. */
export function nearestCriticalFixedPoint(model: Model, xbar: Float64Array, time: TimeKind, samples: Float64Array | undefined, seed: number): Float64Array {
  const sys = modelSystem(model, { input: xbar, time });
  const rep = findFixedPoints(sys, { ...(samples ? { samples } : {}), seed });
  if (rep.points.length === 0) throw new ConvergenceError(`no fixed point found (${rep.starts} starts, ${rep.slowPoints.length} slow points, ${rep.notConverged} not converged)`);
  let best = rep.points[0]!;
  for (const p of rep.points) if (Math.abs(p.sigma) < Math.abs(best.sigma)) best = p;
  return best.h;
}

/** Registers `sntk channel`. */
export function registerChannel(program: Command): void {
  program
    .command('channel')
    .description('bifurcation channel of the sNTK at the nearest-to-critical fixed point (and on trajectories)')
    .requiredOption('--model <file>', 'model file (.json or .safetensors)')
    .option('--input <values>', 'constant input x̄ for the fixed point, comma-separated (default zeros)')
    .option('--inputs <file>', 'input sequences [T][D] or [B][T][D] (.json/.npy): fixed-point starts and the trajectory channel')
    .addOption(new Option('--time <kind>', 'map (discrete) or flow (continuous, leaky/rate)').choices(['discrete', 'continuous']).default('discrete'))
    .option('--max-sigma <s>', 'distance to criticality above which the status is far-from-critical', '0.1')
    .option('--seed <n>', 'seed of the fixed-point search', '0')
    .option('--json', 'print one JSON object')
    .option('--quiet', 'no warnings')
    .action((opts: ChannelCliOptions) => {
      const maxSigma = Number(opts.maxSigma);
      if (!(maxSigma > 0)) throw new UsageError(`--max-sigma must be a positive number, got "${opts.maxSigma}"`);
      const model = readModelFile(opts.model);
      const D = model.spec.inputSize;
      const xbar = parseConstantInput(opts.input, D);
      const inputs = opts.inputs ? readInputsFile(opts.inputs, D) : undefined;
      if (inputs) checkTrajectoryMemory(model, inputs.B, inputs.T);
      const traj = inputs ? rollout(model, inputs.X, { B: inputs.B, T: inputs.T }) : undefined;
      const h = nearestCriticalFixedPoint(model, xbar, opts.time, traj?.H, Number(opts.seed));
      const near = classifyNearest(model, h, xbar, { time: opts.time });
      const d = channelDecomposition(model, h, xbar, { time: opts.time });
      const status = near.type === 'degenerate' ? 'degenerate' : Math.abs(near.distance) > maxSigma ? 'far-from-critical' : 'near-critical';
      const tc = traj ? trajectoryChannel(model, traj, d.mode, { fixedPoint: h }) : undefined;
      const result = {
        status,
        time: opts.time,
        fixedPoint: d.fixedPoint,
        criticalEigenvalue: { re: d.eigenvalue.re, im: d.eigenvalue.im },
        sigma: d.sigma,
        amplification: d.amplification,
        rank: d.rank,
        boundaryDistance: d.boundaryDistance,
        fixedPointAmplified: d.fixedPointAmplified,
        channelShare: d.channelShare,
        amplificationRatio: d.amplificationRatio,
        parameterSubspace: Array.from({ length: d.rank }, (_, j) => Array.from({ length: d.parameterSubspace.rows }, (_, p) => d.parameterSubspace.data[p * d.rank + j]!)),
        cosine: d.cosine,
        prBefore: d.prBefore,
        prAfter: d.prAfter,
        residualNorm: d.residualNorm,
        crossNorm: d.crossNorm,
        unfoldingNorm: d.unfoldingNorm,
        dominantDirection: d.dominantDirection,
        nearestBifurcation: near.type,
        degeneracy: near.degeneracy ?? null,
        criticality: near.criticality,
        boundaryEigenvalue: near.eigenvalue,
        distanceToBifurcation: near.distance,
        coefficients: near.coefficients,
        trajectory: tc
          ? { status: tc.status, trace: tc.trace, channelTrace: tc.channelTrace, channelShare: tc.share, amplificationRatio: tc.amplificationRatio, temporalAmplification: tc.temporalAmplification, cap: tc.cap, visitFraction: tc.visitFraction, minDistance: tc.minDistance }
          : null,
      };
      if (status !== 'near-critical' && !opts.quiet && !opts.json) {
        process.stderr.write(`sntk: warning: ${status === 'degenerate' ? `degenerate (codimension-2) point: ${near.degeneracy}` : `no fixed point near criticality (distance ${near.distance.toExponential(3)} > ${maxSigma})`}\n`);
      }
      if (tc && tc.status === 'not-visited' && !opts.quiet && !opts.json) {
        process.stderr.write(`sntk: warning: the trajectories do not visit the fixed point's neighbourhood (${(100 * tc.visitFraction).toFixed(1)}% of states within 0.25, closest ${tc.minDistance.toPrecision(3)}): the trajectory channel of its mode is not meaningful\n`);
      }
      emit(opts, result, () =>
        [
          `status:              ${status}`,
          `fixed point:         [${Array.from(d.fixedPoint, (v) => v.toPrecision(4)).join(', ')}]`,
          `channel eigenvalue:  ${d.eigenvalue.re.toPrecision(6)}${d.eigenvalue.im ? ` ± ${Math.abs(d.eigenvalue.im).toPrecision(6)}i` : ''}`,
          `channel rank:        ${d.rank}${d.rank === 2 ? ' (complex pair: span of Re and Im of dλ/dθ)' : ''}`,
          `sigma:               ${d.sigma.toExponential(4)}   amplification 1/σ² = ${d.amplification.toExponential(4)}${d.fixedPointAmplified ? '' : '   (bounded: this mode amplifies trajectories, not the fixed-point sNTK)'}`,
          `channel share:       ${d.channelShare.toFixed(6)}   amplification ratio tr C / tr K = ${d.amplificationRatio.toPrecision(4)}   cos(sNTK, C) = ${d.cosine.toFixed(6)}`,
          `PR before / after:   ${d.prBefore.toFixed(4)} / ${d.prAfter.toFixed(4)}`,
          `nearest bifurcation: ${near.type}${near.degeneracy ? ` (${near.degeneracy})` : ''}${near.criticality ? `, ${near.criticality}` : ''}, distance ${near.distance.toExponential(3)}`,
          ...(tc ? [`trajectory share:    ${tc.share.toFixed(6)}   amplification ratio ${tc.amplificationRatio.toPrecision(4)}   temporal amplification ${tc.temporalAmplification.toPrecision(5)} (cap ${tc.cap.toPrecision(5)})${tc.status === 'not-visited' ? '   [trajectories do not visit the fixed point]' : ''}`] : []),
        ].join('\n'),
      );
    });
}
