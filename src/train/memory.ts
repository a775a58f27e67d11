/**
 * Memory a training run will need, estimated from its config before any work, so that sizes that
 * would exhaust memory are refused with a message naming the part that is too large instead of
 * failing in an allocation halfway through a run.
 */
import { memoryProblem } from '../sntk/budget.js';

/** The sizes `estimateRunMemory` needs (from the validated config). */
export interface RunShape {
  N: number;
  D: number;
  O: number;
  /** Cell parameters `N² + N·D + N`. */
  cellSize: number;
  /** All parameters (cell and readout). */
  size: number;
  /** Trainable parameters (the monitor's p). */
  trainable: number;
  B: number;
  T: number;
  optimizer: { kind: string; k: number; damping: 'next' | number; fisherTrials: number | null };
  monitor: { enabled: boolean; trials: number | null; kernel: 'auto' | 'dense' | 'operator'; denseFlops: number; top: number };
}

/**
 * Float64 values held at the peak of a run, by part (model copies and optimizer state; task
 * construction; the batch's trajectory with its caches and adjoints; natgrad's direction sweeps;
 * Gauss–Newton's dense Jacobian and Gram; the monitor's dense Jacobian and Gram or its Lanczos
 * basis). An estimate, within a small factor. Cost O(1).
 */
export function estimateRunMemory(s: RunShape): { doubles: number; parts: Record<string, number> } {
  const { N, B, T } = s;
  const parts: Record<string, number> = {};
  parts['model, teacher and optimizer state'] = 8 * s.size;
  parts['task construction (orthogonal matrices)'] = 4 * N * N + B * T * (s.D + s.O);
  // per trial-step: state, pre-activations, derivatives, adjoints and their typed-array overhead,
  // with the previous step's sweep not yet collected (fitted to peak RSS: ≈ 15N + 150 doubles)
  parts['trajectory with step caches and adjoints'] = B * T * (15 * N + 150);
  if (s.optimizer.kind === 'natgrad') {
    const dirs = s.optimizer.k + (s.optimizer.damping === 'next' ? 1 : 0);
    parts['natgrad direction sweeps'] = 3 * dirs * (s.optimizer.fisherTrials ?? B) * T * N + 4 * dirs * s.size;
  }
  if (s.optimizer.kind === 'gauss-newton') {
    const rows = B * T * Math.max(s.O, N);
    parts['Gauss–Newton Jacobian and Gram'] = rows * s.trainable + 2 * s.trainable * s.trainable;
  }
  if (s.monitor.enabled) {
    const n = s.monitor.trials ?? B;
    const M = n * T * N;
    const p = s.trainable;
    const dense = s.monitor.kernel === 'dense' || (s.monitor.kernel === 'auto' && M * p * p <= s.monitor.denseFlops);
    if (dense) parts['monitor: dense Jacobian and Gram'] = M * (s.cellSize + p) + 3 * p * p;
    else parts['monitor: Lanczos basis and block products'] = p * (Math.max(200, 20 * s.monitor.top) + 3 * s.monitor.top + 48) + 2 * M * 16;
  }
  let doubles = 0;
  for (const v of Object.values(parts)) doubles += v;
  return { doubles, parts };
}

/**
 * A message when the run would need more than the memory budget (bytes; default
 * `SNTK_MEMORY_BUDGET` or 2 GiB), naming the largest part; null when it fits. Uses the one
 * estimator of src/sntk/budget.ts.
 */
export function runMemoryProblem(s: RunShape, budgetBytes?: number): string | null {
  return memoryProblem(estimateRunMemory(s).parts, budgetBytes, 'use smaller sizes (task.hiddenSize, T, B), fewer monitor trials (monitor.trials), or raise SNTK_MEMORY_BUDGET', 'the run');
}
