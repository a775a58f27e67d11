/**
 * `sntk scan --model m.json --inputs x.json [--direction dominant|file] [--range a,b] [--points n]
 * [--target y.json] [--input v,..] [--json]`: restricted kernel and loss along a parameter direction,
 * the two-sided critical fit and the normal-form prediction.
 */
import { Option, type Command } from 'commander';
import { checkTrajectoryMemory } from '../trajectory-budget.js';
import { emit, type CommonOptions } from '../context.js';
import { createProgress } from '../progress.js';
import { InputError, ShapeError, UsageError } from '../../errors.js';
import { readModelFile } from '../../io/model-json.js';
import { readInputsFile } from '../../io/inputs.js';
import { readFileText } from '../../io/bytes.js';
import { rollout } from '../../models/index.js';
import type { TimeKind } from '../../dynamics/index.js';
import { CRITICAL_POINT_CRITERION, analyzeScan, dominantDirection } from '../../channels/index.js';
import { parseConstantInput } from './channel.js';

interface ScanCliOptions extends CommonOptions {
  model: string;
  inputs: string;
  direction: string;
  range: string;
  points: string;
  target?: string;
  input?: string;
  time: TimeKind;
}

function parseRange(text: string): [number, number] {
  const v = text.split(',').map(Number);
  if (v.length !== 2 || v.some((x) => !Number.isFinite(x)) || !(v[0]! < v[1]!)) throw new UsageError(`--range must be "a,b" with a < b, got "${text}"`);
  return [v[0]!, v[1]!];
}

function readDirection(path: string, P: number, size: number): Float64Array {
  let v: unknown;
  try {
    v = JSON.parse(readFileText(path));
  } catch (err) {
    throw new InputError(`${path}: not valid JSON (${String(err)})`);
  }
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) throw new InputError(`${path}: a direction must be a JSON array of finite numbers`);
  if (v.length !== P && v.length !== size) throw new ShapeError(`${path}: direction has length ${v.length}, the model has ${P} cell parameters (${size} in all)`);
  const u = Float64Array.from(v as number[]).subarray(0, P);
  const n = Math.hypot(...u);
  if (!(n > 0)) throw new InputError(`${path}: the direction is zero`);
  return u.map((x) => x / n);
}

/** Registers `sntk scan`. */
export function registerScan(program: Command): void {
  program
    .command('scan')
    .description('restricted sNTK κ(α) = ‖J(θ+αu)u‖² and loss along a direction, critical fit and normal-form prediction')
    .addHelpText(
      'after',
      `\nA critical point is reported only when κ peaks with at least ${CRITICAL_POINT_CRITERION.margin} α values on each side (not at\nor next to an end of --range), the peak is at least ${CRITICAL_POINT_CRITERION.prominence}× κ at both ends, and κ diverges toward the\nfitted α_c from each fitted side (negative exponents); otherwise the output says "no critical point\nin range" with the reason, and alphaC and the exponents are null.`,
    )
    .requiredOption('--model <file>', 'model file (.json or .safetensors)')
    .requiredOption('--inputs <file>', 'input sequences [T][D] or [B][T][D] (.json/.npy)')
    .option('--direction <dominant|file>', 'dominant (top right singular vector of J) or a JSON array of P numbers', 'dominant')
    .option('--range <a,b>', 'range of α', '-0.5,0.5')
    .option('--points <n>', 'number of α values', '41')
    .option('--target <file>', 'targets [T][O] or [B][T][O] for the MSE loss')
    .option('--input <values>', 'constant input for the fixed-point continuation (default zeros)')
    .addOption(new Option('--time <kind>', 'map (discrete) or flow (continuous) for the prediction').choices(['discrete', 'continuous']).default('discrete'))
    .option('--json', 'print one JSON object')
    .option('--quiet', 'no progress output and no warnings')
    .action((opts: ScanCliOptions) => {
      const range = parseRange(opts.range);
      const n = Number(opts.points);
      if (!Number.isInteger(n) || n < 4 || n > 100000) throw new UsageError(`--points must be an integer in 4..100000, got "${opts.points}"`);
      const model = readModelFile(opts.model);
      const D = model.spec.inputSize;
      const inputs = readInputsFile(opts.inputs, D);
      const P = model.layout.cellSize;
      let u: Float64Array;
      if (opts.direction === 'dominant') {
        checkTrajectoryMemory(model, inputs.B, inputs.T);
        const traj = rollout(model, inputs.X, { B: inputs.B, T: inputs.T });
        u = dominantDirection(model, traj).direction;
      } else u = readDirection(opts.direction, P, model.layout.size);
      let target: Float64Array | undefined;
      if (opts.target) {
        const O = model.spec.outputSize;
        if (O === 0) throw new InputError('--target needs a model with a readout (outputSize > 0)');
        const t = readInputsFile(opts.target, O);
        if (t.B !== inputs.B || t.T !== inputs.T) throw new ShapeError(`targets are ${t.B}×${t.T}, inputs ${inputs.B}×${inputs.T}`);
        target = t.X;
      }
      const alphas = Array.from({ length: n }, (_, i) => range[0] + ((range[1] - range[0]) * i) / (n - 1));
      const progress = createProgress(opts, 'scan', n);
      const a = analyzeScan(model, inputs.X, u, alphas, {
        B: inputs.B,
        T: inputs.T,
        onPoint: (done) => progress.update(done, `α = ${alphas[done - 1]!.toPrecision(4)}`),
        ...(target ? { target } : {}),
        input: parseConstantInput(opts.input, D),
        time: opts.time,
      });
      progress.finish();
      const found = a.critical.found;
      const result = {
        direction: opts.direction === 'dominant' ? 'dominant' : 'file',
        u,
        alpha: a.alpha,
        kappa: a.kappa,
        loss: a.loss,
        criticalPoint: found ? 'found' : 'no critical point in range',
        reason: found ? null : a.critical.reason,
        alphaC: found ? a.fit.alphaC : null,
        exponentBelow: found ? (a.fit.below?.exponent ?? null) : null,
        exponentAbove: found ? (a.fit.above?.exponent ?? null) : null,
        constantBelow: found ? (a.fit.below?.constant ?? null) : null,
        constantAbove: found ? (a.fit.above?.constant ?? null) : null,
        r2Below: found ? (a.fit.below?.r2 ?? null) : null,
        r2Above: found ? (a.fit.above?.r2 ?? null) : null,
        r2: found ? a.fit.r2 : null,
        prediction: a.prediction
          ? { type: a.prediction.type, alphaC: a.prediction.alphaC, criticality: a.prediction.criticality, exponent: a.prediction.exponent, side: a.prediction.normalForm.side, constants: a.prediction.constants }
          : { type: null, constants: {} },
      };
      emit(opts, result, () =>
        [
          `α range:       [${range[0]}, ${range[1]}], ${n} points, direction ${result.direction}`,
          ...(found
            ? [`fitted α_c:    ${a.fit.alphaC.toPrecision(6)}   R² ${a.fit.r2.toFixed(4)}`, `exponents:     below ${result.exponentBelow?.toFixed(3) ?? 'n/a'}, above ${result.exponentAbove?.toFixed(3) ?? 'n/a'}`]
            : [`fitted α_c:    no critical point in range (${a.critical.reason})`]),
          `prediction:    ${a.prediction ? `${a.prediction.type} at α = ${a.prediction.alphaC.toPrecision(6)}, exponent ${a.prediction.exponent}, C = ${a.prediction.constants['C']?.toPrecision(4)}` : 'no bifurcation of the fixed point in range'}`,
        ].join('\n'),
      );
    });
}
