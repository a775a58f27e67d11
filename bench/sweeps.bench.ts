/**
 * Block Jacobian sweeps (docs/theory.md §3): one application of `JᵀJ` to a `P × k` block (block JVP,
 * then block VJP), vanilla tanh, D = 4, B = 1, with the GEMM-shaped block path against the column
 * loop (one single-vector sweep per column) in the same run, at (N, T, k) = (256, 500, 16); and the
 * block path alone at (512, 1000, 16). Both with the js backend; with the native backend too when
 * its addon is built. `maxRelDiff` compares the two paths' results.
 */
import { defineSpec, randomModel, rollout, trajectoryJvpBlock, trajectoryVjpBlock } from '../src/models/index.js';
import type { Model, Trajectory } from '../src/models/index.js';
import { createRng, getBackend, setBackend, type Matrix } from '../src/linalg/index.js';
import { tryRegisterNativeBackend } from '../src/linalg/native.js';
import { timeBest, type BenchResult } from './types.js';

export const name = 'sweeps';

function setup(N: number, T: number, k: number): { m: Model; tr: Trajectory; X: Matrix } {
  const D = 4;
  const m = randomModel(defineSpec({ cell: 'vanilla', activation: 'tanh', hiddenSize: N, inputSize: D, outputSize: 0 }), 7, { gain: 1.2, biasScale: 0.1 });
  const rng = createRng(11);
  const inputs = new Float64Array(T * D);
  rng.fillNormal(inputs);
  const tr = rollout(m, inputs, { B: 1, T });
  const P = m.layout.cellSize;
  const X = { rows: P, cols: k, data: new Float64Array(P * k) };
  rng.fillNormal(X.data);
  return { m, tr, X };
}

function jtj(m: Model, tr: Trajectory, X: Matrix, method: 'block' | 'columns'): Matrix {
  return trajectoryVjpBlock(m, tr, trajectoryJvpBlock(m, tr, X, { method }), { method });
}

function maxRelDiff(a: Float64Array, b: Float64Array): number {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(a[i]!), Math.abs(b[i]!));
  }
  return s === 0 ? 0 : d / s;
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const backends: ('js' | 'native')[] = ['js'];
  if (tryRegisterNativeBackend()) backends.push('native');
  const before = getBackend().name;
  try {
    for (const be of backends) {
      setBackend(be);
      {
        const [N, T, k] = [256, 500, 16];
        const { m, tr, X } = setup(N, T, k);
        const flops = 2 * 2 * T * k * (N * N + N * (N + 4 + 1)); // JVP + VJP
        let blockRes: Matrix | undefined;
        let colRes: Matrix | undefined;
        const ours = timeBest(() => (blockRes = jtj(m, tr, X, 'block')), { minTotal: 2, maxReps: 5 });
        const base = timeBest(() => (colRes = jtj(m, tr, X, 'columns')), { minTotal: 2, maxReps: 3 });
        out.push({
          case: `JᵀJ block N=${N} T=${T} k=${k} (${be})`,
          seconds: ours,
          baselineSeconds: base,
          ratio: base / ours,
          extra: { N, T, k, P: m.layout.cellSize, gflops: flops / ours / 1e9, maxRelDiff: maxRelDiff(blockRes!.data, colRes!.data) },
        });
      }
      {
        const [N, T, k] = [512, 1000, 16];
        const { m, tr, X } = setup(N, T, k);
        const flops = 2 * 2 * T * k * (N * N + N * (N + 4 + 1));
        const ours = timeBest(() => jtj(m, tr, X, 'block'), { minTotal: 2, maxReps: 3 });
        out.push({
          case: `JᵀJ block N=${N} T=${T} k=${k} (${be})`,
          seconds: ours,
          extra: { N, T, k, P: m.layout.cellSize, gflops: flops / ours / 1e9 },
        });
      }
    }
  } finally {
    setBackend(before as 'js' | 'native');
  }
  return out;
}
