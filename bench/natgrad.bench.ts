/**
 * One training step, SGD vs the low-rank natural gradient (k = 2, damping Λ₃: 3 directions in the
 * fused sweep), at the pitchfork size (N = 16, T = 60, B = 32) and at N = 128, T = 100, B = 32.
 * natgrad is timed with the Fisher subspace on the full batch and on a rotating block of 4 trials
 * (`fisherTrials`, the demo's default). `baselineSeconds` is SGD's step; `ratio` = SGD / natgrad
 * (< 1: natgrad is slower; the issue asks for natgrad ≤ 1.5× SGD, i.e. ratio ≥ 0.67).
 *
 * The three steppers are timed *interleaved* (one step of each per round, best of the rounds), so
 * that load on a shared machine hits them alike: timed one after the other (best of each over
 * separate ~1 s windows) the N = 128 ratio read 18× (full) / 4.3× (fisherTrials 4) on a loaded
 * 2-core machine, interleaved it reads ≈ 5× / 1.5× — what the flops predict (SGD ≈ 3 N²-flop passes
 * per row; each extra direction ≈ 4 more: JVP θ-part, JVP recurrence, backward recurrence, Fisher
 * GEMM; k + 1 = 3 directions → (3 + 12)/3 = 5×, on 4 of 32 trials → (3 + 1.5)/3 = 1.5×). Since the
 * directions' recurrences run on GEMMs (fused-sweep.ts `directionGemms`), measured: native N = 16
 * 1.9× / 1.16×, N = 128 1.3× / 1.07×; pure TS N = 16 4.3× / 1.5×, N = 128 2.4× / 1.2×.
 */
import type { BenchResult } from './types.js';
import { pitchforkTask } from '../src/train/tasks/pitchfork.js';
import { fusedSweep } from '../src/train/sweep.js';
import { fisherTrialsAt } from '../src/train/run.js';
import { sgd, lowRankNaturalGradient } from '../src/train/optimizers/index.js';
import type { Optimizer } from '../src/train/optimizers/types.js';

export const name = 'natgrad';

function stepper(N: number, T: number, B: number, opt: () => Optimizer, fisherTrials: number | null): () => void {
  const task = pitchforkTask({ seed: 0, hiddenSize: N, T, B });
  const model = task.student;
  const o = opt();
  let step = 0;
  const one = (): void => {
    const dirs = o.directions?.() ?? [];
    const ft = fisherTrialsAt(fisherTrials, B, step);
    const res = fusedSweep(model, task, { target: task.target, mask: task.trainable, directions: dirs, ...ft });
    const upd = o.step(model.params, res.grad, {
      step,
      loss: res.loss,
      Fv: res.Fv,
      mask: task.trainable,
      applyFisher: (V) => fusedSweep(model, task, { target: task.target, mask: task.trainable, directions: V, grad: false, ...ft }).Fv,
    });
    // keep the parameters where they are (bench the step, not the trajectory): do not apply upd
    if (!Number.isFinite(upd[0]!)) throw new Error('non-finite update');
    step++;
  };
  one(); // first step: warm-up sweeps of natgrad
  return one;
}

/** Best-of-rounds seconds of each stepper, interleaved (one call of each per round). */
function timeInterleaved(fns: (() => void)[], opts: { minTotal: number; maxReps: number }): number[] {
  const best = fns.map(() => Infinity);
  let total = 0;
  for (let r = 0; r < opts.maxReps && (r < 3 || total < opts.minTotal); r++) {
    fns.forEach((fn, i) => {
      const t0 = performance.now();
      fn();
      const dt = (performance.now() - t0) / 1000;
      best[i] = Math.min(best[i]!, dt);
      total += dt;
    });
  }
  return best;
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const [N, T, B] of [[16, 60, 32], [128, 100, 32]] as const) {
    const fts = [null, 4] as const;
    const steppers = [stepper(N, T, B, () => sgd({ learningRate: 0.1 }), null), ...fts.map((ft) => stepper(N, T, B, () => lowRankNaturalGradient({ learningRate: 0.1, k: 2 }), ft))];
    const [tS, ...tNs] = timeInterleaved(steppers, { minTotal: N > 64 ? 6 : 2, maxReps: N > 64 ? 8 : 60 });
    fts.forEach((ft, i) => {
      const tN = tNs[i]!;
      out.push({ case: `step N=${N} T=${T} B=${B} natgrad k=2 fisherTrials=${ft ?? 'all'} vs sgd`, seconds: tN, baselineSeconds: tS!, ratio: tS! / tN, extra: { costRatio: tN / tS! } });
    });
  }
  return out;
}
