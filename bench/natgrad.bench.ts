/**
 * One training step, SGD vs the low-rank natural gradient (k = 2, damping Λ₃: 3 directions in the
 * fused sweep), for every cell (vanilla, leaky, rate, GRU) at the pitchfork demo's size
 * (N = 16, T = 60, B = 32) and at N = 128, T = 100, B = 32, on the one sweep engine
 * (models/output-sweep.ts through train/sweep.ts). natgrad's Fisher subspace is refined on a
 * rotating block of 4 trials (`fisherTrials`, the demo's default); the vanilla cell also with the
 * full batch. `baselineSeconds` is SGD's step; `ratio` = SGD / natgrad (the issue asks natgrad ≤
 * 1.3× SGD, i.e. ratio ≥ 0.77, with fisherTrials 4). Non-vanilla cells get a random student
 * (gain 0.9) on the pitchfork task's inputs and targets, all parameters trainable.
 *
 * The steppers of one size and cell are timed *interleaved* (one step of each per round, best of
 * the rounds; train/cost.ts), so that load on a shared machine hits them alike, by wall time and
 * by the process's CPU time (`cpuRatio`: robust to preemption when the machine is oversubscribed;
 * it includes the BLAS threads' time). `SNTK_BENCH_NATGRAD_QUICK=1`: the demo's size only; `SNTK_BENCH_NATGRAD_BIG=1`: N = 128 only.
 *
 * Flop count (docs/theory.md §10): SGD ≈ 3 N²-passes per trial-step (forward, backward recurrence,
 * weight-gradient GEMM); each extra direction ≈ 4 on the Fisher trials (JVP θ part and recurrence,
 * VJP recurrence and weight GEMM), so 3 directions on 4 of 32 trials add (3·4·4/32)/3 = 50% of
 * SGD's flops, and the full batch 400%. Timings below 1.5× come from the Fisher part running on
 * GEMMs while SGD's recurrences are matrix–vector products.
 *
 * Measured (AMD EPYC, 2 cores shared, load average 20–25, CPU-time ratios natgrad/SGD with
 * fisherTrials 4): native N = 16 vanilla 1.22, leaky 1.30, rate 1.21, GRU 1.21; native N = 128
 * vanilla 1.32, leaky 1.14, rate 1.42, GRU 1.12; pure TypeScript N = 16 vanilla 1.37, leaky 1.46,
 * rate 1.38, GRU 1.31; pure TypeScript N = 128 vanilla 1.47, leaky 1.81, rate 1.78, GRU 1.42 (above
 * 1.3: there the Fisher part runs per column, at the flop count's 1.5×). Wall-clock ratios on that
 * machine scatter by ±50%.
 */
import type { BenchResult } from './types.js';
import { pitchforkTask } from '../src/train/tasks/pitchfork.js';
import type { Task } from '../src/train/tasks/types.js';
import { randomModel } from '../src/models/index.js';
import type { CellKind } from '../src/models/index.js';
import { stepperOf, timeInterleaved } from '../src/train/cost.js';
import { sgd, lowRankNaturalGradient } from '../src/train/optimizers/index.js';

export const name = 'natgrad';

const CELLS: readonly CellKind[] = ['vanilla', 'leaky', 'rate', 'gru'];

/** The process's CPU time (user + system, all threads), seconds. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The pitchfork task of this size, with a random student of `cell` when it is not vanilla. */
function taskFor(cell: CellKind, N: number, T: number, B: number): Task {
  const base = pitchforkTask({ seed: 0, hiddenSize: N, T, B });
  if (cell === 'vanilla') return base;
  const student = randomModel({ ...base.student.spec, cell, alpha: cell === 'leaky' || cell === 'rate' ? 0.5 : 1 }, `bench-${cell}`, { gain: 0.9 });
  return { ...base, name: `pitchfork-${cell}`, student, trainable: new Uint8Array(student.layout.size).fill(1) };
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const small = [16, 60, 32] as const;
  const big = [128, 100, 32] as const;
  const sizes = process.env['SNTK_BENCH_NATGRAD_QUICK'] === '1' ? [small] : process.env['SNTK_BENCH_NATGRAD_BIG'] === '1' ? [big] : [small, big];
  for (const [N, T, B] of sizes) {
    for (const cell of CELLS) {
      const fts: (number | null)[] = cell === 'vanilla' ? [4, null] : [4];
      const steppers = [
        stepperOf(taskFor(cell, N, T, B), sgd({ learningRate: 0.1 }), null),
        ...fts.map((ft) => stepperOf(taskFor(cell, N, T, B), lowRankNaturalGradient({ learningRate: 0.1, k: 2 }), ft)),
      ];
      const rounds = N > 64 ? (cell === 'gru' ? 3 : 5) : 30;
      const [tS, ...tNs] = timeInterleaved(steppers, { rounds });
      const [cS, ...cNs] = timeInterleaved(steppers, { rounds, clock: cpuSeconds });
      fts.forEach((ft, i) => {
        const tN = tNs[i]!;
        out.push({ case: `step ${cell} N=${N} T=${T} B=${B} natgrad k=2 fisherTrials=${ft ?? 'all'} vs sgd`, seconds: tN, baselineSeconds: tS!, ratio: tS! / tN, extra: { costRatio: tN / tS!, cpuRatio: cNs[i]! / cS!, sgdCpuSeconds: cS!, natgradCpuSeconds: cNs[i]! } });
      });
    }
  }
  return out;
}
