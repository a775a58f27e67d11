/**
 * Matrix-free scaling of the sNTK diagnostics: wall time of `analyzeSntk` (operator
 * path, top-10, PR with its standard error) against T at fixed N and against N at fixed T, each at
 * a fixed accuracy — the Hutchinson probes stop once the PR's relative standard error is ≤ 0.5%
 * (`prRelativeError`; the cap on their number is raised when it is reached first) and the time of
 * that run is reported. Per size also the cost per operator application
 * against two GEMM passes over the trajectory (one N×N×k GEMM per step forward and one backward,
 * the floor of a matvec), measured in the same run. Fitted log–log slopes in the extras.
 *
 * Runs only when asked: `sntk bench --plot FILE` (or `npm run bench -- --plot FILE`; then it also
 * writes the log–log plot, .svg or .png, through the report layer's renderer) or with
 * SNTK_BENCH_SCALING=1. Sizes: SNTK_BENCH_SCALING_N (default 128) with T in SNTK_BENCH_SCALING_TS
 * (default 125,250,500,1000); SNTK_BENCH_SCALING_T (default 250) with N in SNTK_BENCH_SCALING_NS
 * (default 32,64,128,256). Vanilla tanh RNN, D = 4, B = 1 (as bench/kernel.bench.ts).
 */
import { writeFileSync } from 'node:fs';
import { defineSpec, randomModel, rollout } from '../src/models/index.js';
import { createRng } from '../src/linalg/random.js';
import { gemm, getBackend } from '../src/linalg/index.js';
import { zeros } from '../src/linalg/matrix.js';
import { analyzeSntk } from '../src/sntk/analyze.js';
import { renderPng, renderSvg, type PlotSpec } from '../src/report/render.js';
import { CONFIG, SCHEMA } from '../src/report/plots/common.js';
import type { BenchResult } from './types.js';

export const name = 'scaling';

/** Target relative standard error of the PR. */
export const PR_REL_SE = 0.005;

/** One measured point of the sweep. */
export interface ScalingPoint {
  sweep: 'T' | 'N';
  N: number;
  T: number;
  seconds: number;
  probes: number;
  prRelSE: number;
  matvecs: number;
}

function list(env: string | undefined, dflt: number[]): number[] {
  return env ? env.split(',').map((s) => Number(s.trim())).filter((v) => Number.isInteger(v) && v > 0) : dflt;
}

/** Least-squares slope of log y against log x (NaN with fewer than two points). Cost O(n). */
export function logLogSlope(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  const lx = x.map(Math.log), ly = y.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / n, my = ly.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

/** Time of two N×N×k GEMM passes over B·T steps (the floor of one block matvec of width k), seconds. */
function twoGemmPasses(N: number, T: number, k: number): number {
  const A = zeros(N, N), X = zeros(N, k), Y = zeros(N, k);
  createRng(5).fillNormal(A.data);
  createRng(6).fillNormal(X.data);
  const t0 = performance.now();
  for (let pass = 0; pass < 2; pass++) for (let t = 0; t < T; t++) gemm(A, X, { out: Y, transA: pass === 1 });
  return (performance.now() - t0) / 1000;
}

function measure(sweep: 'T' | 'N', N: number, T: number): ScalingPoint & { perMatvec: number; gemmFloor: number } {
  const D = 4;
  const model = randomModel(defineSpec({ cell: 'vanilla', hiddenSize: N, inputSize: D }), 1, { gain: 1.2, biasScale: 0.1 });
  const X = new Float64Array(T * D);
  createRng(2).fillNormal(X);
  const traj = rollout(model, X, { B: 1, T });
  let probes = 120;
  for (;;) {
    const t0 = performance.now();
    // the probes stop by themselves at the target standard error; `probes` only caps them
    const r = analyzeSntk(model, traj, { method: 'operator', top: 10, seed: 1, probes, prRelativeError: PR_REL_SE });
    const seconds = (performance.now() - t0) / 1000;
    const rse = r.standardErrors!.participationRatio / r.participationRatio;
    if (rse <= PR_REL_SE || probes >= 4000) {
      const k = 16;
      const floor = twoGemmPasses(N, T, k) / k;
      const mv = r.matvecs ?? 1;
      return { sweep, N, T, seconds, probes: r.probes ?? probes, prRelSE: rse, matvecs: mv, perMatvec: seconds / mv, gemmFloor: floor };
    }
    probes = Math.min(4000, Math.ceil(probes * Math.max(1.5, 1.2 * (rse / PR_REL_SE) ** 2)));
  }
}

/**
 * Vega-lite spec of the sweep: two log–log panels, seconds against T (fixed N) and against N
 * (fixed T), points with lines, the fitted slope in each panel's title. Cost O(points).
 */
export function scalingPlotSpec(points: ScalingPoint[], meta: { cpu: string; cores: number; backend: string; note?: string }): PlotSpec {
  const panel = (sweep: 'T' | 'N'): Record<string, unknown> => {
    const pts = points.filter((p) => p.sweep === sweep);
    const fixed = sweep === 'T' ? `N = ${pts[0]?.N ?? '?'}` : `T = ${pts[0]?.T ?? '?'}`;
    const slope = logLogSlope(pts.map((p) => (sweep === 'T' ? p.T : p.N)), pts.map((p) => p.seconds));
    return {
      title: `time vs ${sweep} (${fixed}); log–log slope ${Number.isFinite(slope) ? slope.toFixed(2) : 'n/a'}`,
      width: 320,
      height: 240,
      data: { values: pts.map((p) => ({ x: sweep === 'T' ? p.T : p.N, seconds: p.seconds, probes: p.probes })) },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: sweep === 'T' ? 'T (steps)' : 'N (hidden units)', scale: { type: 'log' } },
        y: { field: 'seconds', type: 'quantitative', title: 'wall seconds', scale: { type: 'log' } },
        tooltip: [{ field: 'probes' }],
      },
    };
  };
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: {
      text: 'sntk matrix-free sNTK diagnostics (top-10, PR at relative standard error ≤ 0.5%)',
      subtitle: `${meta.cpu}, ${meta.cores} cores, backend ${meta.backend}${meta.note ? ` · ${meta.note}` : ''}`,
    },
    hconcat: [panel('T'), panel('N')],
  } as unknown as PlotSpec;
}

export async function run(): Promise<BenchResult[]> {
  const plot = process.env.SNTK_BENCH_PLOT;
  if (!plot && process.env.SNTK_BENCH_SCALING !== '1') {
    process.stderr.write('bench scaling: skipped (runs with --plot FILE or SNTK_BENCH_SCALING=1)\n');
    return [];
  }
  const quick = process.env.SNTK_BENCH_KERNEL_QUICK === '1';
  const Nfix = Number(process.env.SNTK_BENCH_SCALING_N ?? 128);
  const Tfix = Number(process.env.SNTK_BENCH_SCALING_T ?? 250);
  const Ts = list(process.env.SNTK_BENCH_SCALING_TS, quick ? [50, 100] : [125, 250, 500, 1000]);
  const Ns = list(process.env.SNTK_BENCH_SCALING_NS, quick ? [16, 32] : [32, 64, 128, 256]);
  const pts: (ScalingPoint & { perMatvec: number; gemmFloor: number })[] = [];
  for (const T of Ts) pts.push(measure('T', quick ? 16 : Nfix, T));
  for (const N of Ns) pts.push(measure('N', N, quick ? 50 : Tfix));
  const out: BenchResult[] = pts.map((p) => ({
    case: `matrix-free top-10 + PR (rel. SE ≤ 0.5%) N=${p.N} T=${p.T} [vs ${p.sweep}]`,
    seconds: p.seconds,
    extra: { N: p.N, T: p.T, probes: p.probes, prRelSE: p.prRelSE, matvecs: p.matvecs, secondsPerMatvec: p.perMatvec, twoGemmPassesPerVector: p.gemmFloor, matvecOverTwoGemmPasses: p.perMatvec / p.gemmFloor },
  }));
  const tp = pts.filter((p) => p.sweep === 'T'), np = pts.filter((p) => p.sweep === 'N');
  out.push({
    case: 'matrix-free scaling: fitted log–log slopes (time vs T, time vs N)',
    seconds: pts.reduce((s, p) => s + p.seconds, 0),
    extra: { slopeVsT: logLogSlope(tp.map((p) => p.T), tp.map((p) => p.seconds)), slopeVsN: logLogSlope(np.map((p) => p.N), np.map((p) => p.seconds)) },
  });
  if (plot) {
    const os = await import('node:os');
    const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
    const spec = scalingPlotSpec(pts, { cpu: (os.cpus()[0]?.model ?? 'unknown').trim(), cores: os.availableParallelism(), backend: getBackend().name, note: `load average ${load} at the end (shared machine)` });
    const svg = await renderSvg(spec);
    writeFileSync(plot, /\.png$/i.test(plot) ? renderPng(svg) : svg);
    process.stderr.write(`bench scaling: wrote ${plot}\n`);
  }
  return out;
}
