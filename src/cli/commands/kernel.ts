/**
 * `sntk kernel --model m.json --inputs x.json [--method auto|dense|operator] [--top K] [--seed S]
 * [--spectrum full|top] [--rows all|h|layer:K] [--out K.npy] [--json] [--profile]`: the state-space NTK of a model over the trajectories of its inputs and
 * its diagnostics (trace, Frobenius norm, participation ratio, entropy rank, top eigenvalues).
 * Rows are ordered (b, t, i); parameters in the documented flat order (cell parameters only).
 * `--rows` restricts the rows to a subset of the state entries (`S K Sᵀ`, docs/theory.md §3): every
 * layer's `h` (an LSTM's `c` left out) or one layer of a stacked cell.
 */
import { Option, type Command } from 'commander';
import { checkInputsFileMemory, checkTrajectoryMemory, remainingBudget, trajectoryDoubles } from '../trajectory-budget.js';
import { emit, jsonReplacer, type CommonOptions } from '../context.js';
import { createProgress } from '../progress.js';
import { UsageError } from '../../errors.js';
import { readModelFile } from '../../io/model-json.js';
import { parameterLayout } from '../../models/layout.js';
import { readInputsFile } from '../../io/inputs.js';
import { saveArrayNpy } from '../../io/npy.js';
import { rollout } from '../../models/index.js';
import { analyzeSntk } from '../../sntk/analyze.js';
import { denseSntk } from '../../sntk/dense.js';
import { restrictedDenseSntk, stateRows, type StateSelection } from '../../sntk/state-rows.js';
import { checkMemory, kernelAnalysisDoubles, parseBytes } from '../../sntk/budget.js';
import { createLayout } from '../../models/layout.js';
import { assertWritableFile } from '../../util/atomic-write.js';

interface KernelCliOptions extends CommonOptions {
  model: string;
  inputs: string;
  method: 'auto' | 'dense' | 'operator';
  top: string;
  seed: string;
  out?: string;
  memoryBudget?: string;
  probes: string;
  prRelError: string;
  nonlinearity?: 'tanh' | 'relu';
  spectrum: 'full' | 'top';
  rows: string;
  profile?: boolean;
}

/** `--rows`: all, h or layer:K (K from 0). Throws UsageError otherwise. Cost O(1). */
export function parseRowsOption(text: string): StateSelection {
  if (text === 'all' || text === 'h') return text;
  const m = /^layer:(\d+)$/.exec(text);
  if (m) return { layer: Number(m[1]) };
  throw new UsageError(`--rows must be all, h or layer:K (K = 0 for the first layer), got "${text}"`);
}

function positiveInt(text: string, what: string, min = 1): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`${what} must be an integer ≥ ${min}, got "${text}"`);
  return v;
}

const fmt = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(4) : x.toPrecision(6));

/** Registers `sntk kernel`. */
export function registerKernel(program: Command): void {
  program
    .command('kernel')
    .description('the state-space NTK of a model over its input trajectories, with trace, PR, entropy rank and top eigenvalues')
    .requiredOption('--model <file>', 'model file (.json, or a .safetensors PyTorch nn.RNN/nn.GRU/nn.LSTM state dict)')
    .requiredOption('--inputs <file>', 'inputs: JSON [T][D] or [B][T][D], or .npy of shape (T,D) or (B,T,D)')
    .addOption(
      new Option('--method <m>', 'dense: exact, forms J and the smaller Gram; operator: matrix-free estimates with standard errors; auto: dense when min(rows, params) ≤ 4000 and it fits the memory budget')
        .choices(['auto', 'dense', 'operator'])
        .default('auto'),
    )
    .option('--top <k>', 'number of top eigenvalues to report', '10')
    .option('--seed <s>', 'seed of random probes and starting vectors (operator path)', '0')
    .option('--probes <n>', 'the most Hutchinson probes for the Frobenius norm (operator path); fewer are used once the PR reaches --pr-rel-error', '120')
    .option('--pr-rel-error <x>', "target relative standard error of the PR (operator path): the probes stop, after at least 32, once it is reached; 0 uses all --probes", '0.005')
    .option('--out <file.npy>', 'also write the dense sNTK (rows × rows, float64) as .npy (dense sizes only)')
    .option('--memory-budget <bytes>', 'largest dense allocation, e.g. 512M, 4G (default 2G or SNTK_MEMORY_BUDGET)')
    .addOption(new Option('--nonlinearity <f>', 'nonlinearity of a PyTorch state dict').choices(['tanh', 'relu']))
    .addOption(
      new Option('--spectrum <s>', 'dense path: full (every eigenvalue; entropy rank and rank-95) or top (only the --top largest by a partial solver; trace, Frobenius and PR exact from the Gram)')
        .choices(['full', 'top'])
        .default('full'),
    )
    .option('--rows <sel>', 'state rows of the kernel: all (every state entry), h (each layer\'s h; drops an LSTM\'s c) or layer:K (all state entries of layer K, from 0)', 'all')
    .option('--json', 'print one JSON object')
    .option('--profile', 'also report the wall seconds of each phase (rollout, Jacobian, Gram, eigenvalues, diagnostics, JSON)')
    .option('--quiet', 'no progress output')
    .action((opts: KernelCliOptions) => {
      const top = positiveInt(opts.top, '--top');
      const seed = positiveInt(opts.seed, '--seed', 0);
      const probes = positiveInt(opts.probes, '--probes', 2);
      const prRelativeError = Number(opts.prRelError);
      if (!Number.isFinite(prRelativeError) || prRelativeError < 0) throw new UsageError(`--pr-rel-error must be a non-negative number, got "${opts.prRelError}"`);
      const budget = parseBytes(opts.memoryBudget);
      if (opts.out) assertWritableFile(opts.out);
      const selection = parseRowsOption(opts.rows);
      const model = readModelFile(opts.model, opts.nonlinearity ? { nonlinearity: opts.nonlinearity } : {});
      const rows = stateRows(model.spec, selection);
      // sizes from the file's header/size before reading it, then from its shape before the rollout
      checkInputsFileMemory(opts.inputs, model, budget);
      const inputs = readInputsFile(opts.inputs, model.spec.inputSize);
      const progress = createProgress(opts, 'sntk kernel', opts.method === 'dense' ? 1 : 3);
      const t0 = performance.now();
      const held = checkTrajectoryMemory(model, inputs.B, inputs.T, budget);
      // inputs, trajectory and the smallest route of the analysis together, before the rollout
      const M = inputs.B * inputs.T * model.cell.N;
      const P = createLayout(model.spec).cellSize;
      const analysis =
        opts.method === 'dense'
          ? `the dense sNTK spectrum (${M} rows × ${P} parameters)`
          : opts.method === 'operator'
            ? `the matrix-free spectrum (a Lanczos basis for the top ${top}, block products over ${M} trajectory rows)`
            : `the sNTK analysis (${M} rows × ${P} parameters)`;
      checkMemory(
        {
          [`the inputs and trajectory (${inputs.B} trials × ${inputs.T} steps of ${model.cell.N} state units)`]: held,
          [`${analysis}${opts.out ? ' with the dense kernel for --out' : ''}`]: kernelAnalysisDoubles({ M, P, top, method: opts.method, denseOut: Boolean(opts.out) }),
        },
        budget,
        opts.method === 'dense'
          ? 'use the matrix-free operator path (--method operator), fewer trials or steps, or raise the budget (--memory-budget / SNTK_MEMORY_BUDGET)'
          : `lower --top, use fewer trials or steps${opts.out ? ', drop --out' : ''}, or raise the budget (--memory-budget / SNTK_MEMORY_BUDGET)`,
      );
      // the kernel's own allocations get what the inputs and the trajectory leave of the budget
      const memoryBudget = remainingBudget(budget, held);
      const traj = rollout(model, inputs.X, { B: inputs.B, T: inputs.T });
      const rolloutSeconds = (performance.now() - t0) / 1000;
      let step = 0;
      const full = analyzeSntk(model, traj, {
        method: opts.method,
        top,
        seed,
        probes,
        prRelativeError,
        spectrum: opts.spectrum,
        memoryBudget,
        ...(rows.length < model.cell.N ? { stateRows: rows } : {}),
        onPhase: (name) => progress.update(step++, name),
      });
      progress.finish();
      // the CLI reports the diagnostics, not the whole spectrum; phases only with --profile
      const { spectrum: _spectrum, profile: phases, ...result } = full;
      void _spectrum;
      const tOut = performance.now();
      const dense = !opts.out ? undefined : rows.length < model.cell.N ? restrictedDenseSntk(model, traj, rows, { memoryBudget }) : denseSntk(model, traj, { memoryBudget }).K;
      // wall time of the computation (rollout, analysis, dense kernel for --out), not of file I/O
      const seconds = (performance.now() - t0) / 1000;
      let written: string | undefined;
      if (opts.out && dense) {
        saveArrayNpy(opts.out, dense.data, [dense.rows, dense.cols]);
        written = opts.out;
      }
      const profile = opts.profile
        ? [{ phase: 'rollout', seconds: rolloutSeconds }, ...phases, ...(opts.out ? [{ phase: 'dense kernel for --out', seconds: (performance.now() - tOut) / 1000 }] : [])]
        : undefined;
      const stateRowsUsed = { selection: opts.rows, indices: rows, of: model.cell.N };
      const base = { ...result, stateRows: stateRowsUsed, seconds, ...(written ? { out: written } : {}), parameterLayout: parameterLayout(model.spec) };
      if (profile && opts.json) {
        const tj = performance.now();
        JSON.stringify(base, jsonReplacer); // the serialisation below costs the same
        profile.push({ phase: 'json', seconds: (performance.now() - tj) / 1000 });
      }
      const out = profile ? { ...base, profile } : base;
      emit(opts, out, () => {
        const se = result.standardErrors;
        const pm = (v: number, e: number | undefined) => (e !== undefined && e > 0 ? `${fmt(v)} ± ${fmt(e)}` : fmt(v));
        return [
          `sNTK of ${opts.model} over ${inputs.B}×${inputs.T} steps: ${result.rows} rows × ${result.params} parameters (${result.method}, via ${result.via})`,
          `  state rows          ${opts.rows} (${rows.length} of ${model.cell.N} state entries per step)`,
          `  trace               ${pm(result.trace, result.traceExact ? undefined : se?.trace)}${result.traceExact ? ' (exact)' : ''}`,
          `  Frobenius norm      ${pm(result.frobenius, se?.frobenius)}`,
          `  participation ratio ${pm(result.participationRatio, se?.participationRatio)}`,
          `  entropy rank        ${result.entropyRank === null ? '— (dense only)' : fmt(result.entropyRank)}`,
          `  rank for 95%        ${result.rank95 === null ? '— (dense only)' : result.rank95}`,
          `  top ${result.top.length} eigenvalues  ${result.top.map(fmt).join(', ')}`,
          ...(written ? [`  wrote ${written}`] : []),
          `  ${seconds.toFixed(2)} s`,
          ...(profile ? ['  profile (wall seconds per phase):', ...profile.map((p) => `    ${p.phase.padEnd(38)} ${p.seconds.toFixed(4)}`)] : []),
        ].join('\n');
      });
    });
}
