/**
 * The restricted landscape along the dominant sNTK direction at the learned pitchfork (docs/theory.md
 * §9 and §11), reproducibly:
 *
 *   npx tsx examples/restricted-landscape.ts            # seeds 0–4, all six variants (≈ 10 min, native BLAS)
 *   npx tsx examples/restricted-landscape.ts --quick    # seed 0, default and trainBias false only
 *   npx tsx examples/restricted-landscape.ts --seeds 0,2 --variants default,nobias --json
 *
 * For each (seed, variant): the `reference` run of `sntk demo` (GD, lr 0.1, the calibrated
 * pitchfork task; variants change `trainBias` / `T`) is trained until one step past the first
 * change 1 → 3 of the zero-input fixed points. The state-space PR (dense, all 32 trials, trainable
 * W, U, b) is evaluated on the last steps before the crossing and its minimum step is taken.
 * There, `u` = top right singular vector of J (the monitor's top direction), and along
 * `α ↦ θ + αu` (src/channels):
 * - `κ(α) = ‖J(θ+αu)u‖²` and `L(α)` on a coarse grid, refined around the κ peak;
 * - `fitCritical`: `α_c` and the exponents `p±` with constants `C±` and R² on each side
 *   (`κ ≈ C±|α − α_c|^{p±}`), to compare with the pitchfork law `κ ∝ 1/|α − α_c|` (p = −1);
 * - `predictAlongDirection`: the bifurcation met by continuing the fixed point along the same line
 *   (type, `α_c`, the normal form's exponent and constant) — with a trained bias it is usually a
 *   saddle-node (the imperfect pitchfork's fold).
 * Prints one table row per (seed, variant); `--json` prints the rows as JSON.
 */
import { buildTask, fitCritical, fitPowerLaw, monitorKernel, parseTrainConfig, predictAlongDirection, scanDirection, trainRun, tryRegisterNativeBackend, withParams, zeroInputAnalysis } from 'sntk';
import type { Model } from 'sntk';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (process.env.SNTK_BACKEND !== 'js') tryRegisterNativeBackend();

interface Variant {
  name: string;
  task: Record<string, unknown>;
}
const VARIANTS: Record<string, Variant> = {
  default: { name: 'default (b trained, T=60)', task: {} },
  nobias: { name: 'trainBias false, T=60', task: { trainBias: false } },
  t120: { name: 'b trained, T=120', task: { T: 120 } },
  t240: { name: 'b trained, T=240', task: { T: 240 } },
  nobias120: { name: 'trainBias false, T=120', task: { trainBias: false, T: 120 } },
  nobias240: { name: 'trainBias false, T=240', task: { trainBias: false, T: 240 } },
  nobias960: { name: 'trainBias false, T=960', task: { trainBias: false, T: 960 } },
};

interface Row {
  seed: number;
  variant: string;
  crossingStep: number | null;
  prMinStep: number | null;
  pr: number | null;
  alphaC: number | null;
  peakRatio: number | null;
  below: { exponent: number; constant: number; r2: number; n: number } | null;
  above: { exponent: number; constant: number; r2: number; n: number } | null;
  r2: number | null;
  lossAtMin: number | null;
  lossAtAlphaC: number | null;
  prediction: { type: string; alphaC: number; exponent: number; C: number | null } | null;
  /** Largest critical eigenvalue (real part) of the zero-input fixed points on the coarse grid, and whether the count changes along the line. */
  maxCritical: number | null;
  countChanges: boolean;
  /** Tail fits `κ ∝ |α − α_peak|^p` over `0.1 ≤ |α − α_peak| ≤ 1` (the unfolding law predicts p = −4/3). */
  tailBelow: { exponent: number; r2: number } | null;
  tailAbove: { exponent: number; r2: number } | null;
}

function linspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

async function one(seed: number, key: string, maxSteps: number): Promise<Row> {
  const v = VARIANTS[key]!;
  const input = { seed, steps: maxSteps, task: { name: 'pitchfork', ...v.task }, monitorEvery: 1, checkpointEvery: 100000, optimizer: { kind: 'sgd', learningRate: 0.1 } };
  const cfg = parseTrainConfig(input);
  const task = buildTask(cfg);
  const params: Float64Array[] = [];
  let crossing: number | null = null;
  let prevCount: number | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'sntk-landscape-'));
  try {
    await trainRun(input as never, {
      outDir: dir,
      onStep(info) {
        params[info.step] = info.model.params.slice();
        const z = zeroInputAnalysis(withParams(info.model, info.model.params.slice()), { seed: 11, fixedPoints: { nStarts: 16 } });
        const c = z.points.length;
        if (crossing === null && prevCount === 1 && c === 3) crossing = info.step;
        prevCount = c;
        return crossing !== null && info.step >= crossing + 1 ? { stop: true } : {};
      },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const empty: Row = { seed, variant: key, crossingStep: crossing, prMinStep: null, pr: null, alphaC: null, peakRatio: null, below: null, above: null, r2: null, lossAtMin: null, lossAtAlphaC: null, prediction: null, maxCritical: null, countChanges: false, tailBelow: null, tailAbove: null };
  if (crossing === null) return empty;
  // PR minimum among the steps before the crossing (the calibration: exactly one step before).
  let best: { step: number; pr: number; u: Float64Array; model: Model } | null = null;
  for (let s = Math.max(0, crossing - 4); s < crossing; s++) {
    const m = withParams(task.student, params[s]!);
    const k = monitorKernel(m, task, { target: task.target, mask: task.trainable });
    if (!best || k.pr < best.pr) best = { step: s, pr: k.pr, u: k.topVector, model: m };
  }
  const { model, u } = best!;
  const P = model.layout.cellSize;
  const uc = u.slice(0, P);
  const opts = { B: task.B, T: task.T, target: task.Y };
  let prediction: Row['prediction'] = null;
  const z0 = zeroInputAnalysis(model, { seed: 11 });
  const hStart = z0.nearest !== null ? z0.points[z0.nearest]!.h : new Float64Array(model.spec.hiddenSize);
  for (const range of [[0, 3], [0, -3]] as const) {
    try {
      const pr = predictAlongDirection(model, uc, range, hStart);
      if (pr && (!prediction || Math.abs(pr.alphaC) < Math.abs(prediction.alphaC))) prediction = { type: pr.type, alphaC: pr.alphaC, exponent: pr.exponent, C: pr.constants['C'] ?? null };
    } catch {
      // no prediction on this side
    }
  }
  // coarse scan over [−3, 3]; then a fine grid of ±0.3 around the zero-input bifurcation met along
  // the line (continuation), or around the coarse κ peak when the line meets none
  const coarse = scanDirection(model, task.X, uc, linspace(-3, 3, 121), opts);
  let ip = 0;
  for (let i = 1; i < coarse.kappa.length; i++) if (coarse.kappa[i]! > coarse.kappa[ip]!) ip = i;
  const center = prediction ? prediction.alphaC : coarse.alpha[ip]!;
  const fine = scanDirection(model, task.X, uc, linspace(center - 0.3, center + 0.3, 241), opts);
  const pts = new Map<number, { k: number; l: number }>();
  coarse.alpha.forEach((a, i) => pts.set(a, { k: coarse.kappa[i]!, l: coarse.loss[i]! }));
  fine.alpha.forEach((a, i) => pts.set(a, { k: fine.kappa[i]!, l: fine.loss[i]! }));
  const allAlphas = [...pts.keys()].sort((x, y) => x - y);
  const allKap = allAlphas.map((a) => pts.get(a)!.k);
  const alphas = [...pts.keys()].filter((a) => Math.abs(a - center) <= 0.3 + 1e-12).sort((x, y) => x - y);
  const kap = alphas.map((a) => pts.get(a)!.k);
  const fit = fitCritical(alphas, kap, { window: 0.3 });
  const k0 = scanDirection(model, task.X, uc, [0], opts);
  const kmax = Math.max(...kap);
  const iac = alphas.reduce((bi, a, i) => (Math.abs(a - fit.alphaC) < Math.abs(alphas[bi]! - fit.alphaC) ? i : bi), 0);
  // the dynamics along the line: largest critical eigenvalue, fixed-point count changes
  let maxCritical = -Infinity;
  const counts = new Set<number>();
  for (const a of linspace(-3, 3, 31)) {
    const p = model.params.slice();
    for (let j = 0; j < P; j++) p[j]! += a * uc[j]!;
    const z = zeroInputAnalysis(withParams(model, p), { seed: 11 });
    counts.add(z.points.length);
    for (const q of z.points) maxCritical = Math.max(maxCritical, q.critical.re);
  }
  const apk = alphas[kap.indexOf(kmax)]!;
  const tail = (dir: 1 | -1) => {
    const xs: number[] = [], ys: number[] = [];
    allAlphas.forEach((a, i) => {
      const d = dir * (a - apk);
      if (d >= 0.1 && d <= 1) {
        xs.push(d);
        ys.push(allKap[i]!);
      }
    });
    try {
      const r = fitPowerLaw(xs, ys);
      return { exponent: r.exponent, r2: r.r2 };
    } catch {
      return null;
    }
  };
  const pf = (f: typeof fit.below) => (f ? { exponent: f.exponent, constant: f.constant, r2: f.r2, n: f.n } : null);
  return {
    ...empty,
    prMinStep: best!.step,
    pr: best!.pr,
    alphaC: fit.alphaC,
    peakRatio: kmax / k0.kappa[0]!,
    below: pf(fit.below),
    above: pf(fit.above),
    r2: fit.r2,
    lossAtMin: k0.loss[0]!,
    lossAtAlphaC: pts.get(alphas[iac]!)!.l,
    prediction,
    maxCritical,
    countChanges: counts.size > 1,
    tailBelow: tail(-1),
    tailAbove: tail(1),
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const seeds = (arg('--seeds') ?? (quick ? '0' : '0,1,2,3,4')).split(',').map(Number);
  const variants = (arg('--variants') ?? (quick ? 'default,nobias' : 'default,nobias,t120,t240,nobias120,nobias240')).split(',');
  for (const v of variants) if (!VARIANTS[v]) throw new Error(`unknown variant '${v}' (${Object.keys(VARIANTS).join(', ')})`);
  const maxSteps = Number(arg('--max-steps') ?? 200);
  const rows: Row[] = [];
  for (const v of variants) for (const s of seeds) rows.push(await one(s, v, maxSteps));
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? '–' : Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toFixed(d));
  const head = ['variant', 'seed', 'cross', 'PRmin@', 'PR', 'α_c fit', 'κmax/κ(0)', 'p₋ (R²)', 'C₋', 'p₊ (R²)', 'C₊', 'L(0)', 'L(α_c)', 'max λ_c', '#fp changes', 'tail p₋/p₊', 'continuation: type α_c p C'];
  const lines = rows.map((r) => [
    r.variant,
    String(r.seed),
    String(r.crossingStep ?? 'none'),
    String(r.prMinStep ?? '–'),
    f(r.pr, 2),
    f(r.alphaC, 4),
    f(r.peakRatio, 2),
    r.below ? `${f(r.below.exponent, 2)} (${f(r.below.r2, 3)})` : '–',
    r.below ? f(r.below.constant) : '–',
    r.above ? `${f(r.above.exponent, 2)} (${f(r.above.r2, 3)})` : '–',
    r.above ? f(r.above.constant) : '–',
    f(r.lossAtMin, 4),
    f(r.lossAtAlphaC, 4),
    f(r.maxCritical, 3),
    r.countChanges ? 'yes' : 'no',
    `${r.tailBelow ? f(r.tailBelow.exponent, 2) : '–'}/${r.tailAbove ? f(r.tailAbove.exponent, 2) : '–'}`,
    r.prediction ? `${r.prediction.type} ${f(r.prediction.alphaC, 4)} ${r.prediction.exponent} ${f(r.prediction.C)}` : '–',
  ]);
  const w = head.map((h, j) => Math.max(h.length, ...lines.map((l) => l[j]!.length)));
  const fmt = (l: string[]) => l.map((c, j) => c.padEnd(w[j]!)).join('  ');
  process.stdout.write([fmt(head), ...lines.map(fmt)].join('\n') + '\n');
  process.stdout.write('κ(α) = ‖J(θ+αu)u‖² along the top sNTK direction u at the PR minimum; fit κ ≈ C±|α−α_c|^p± on each side (pitchfork law: p = −1);\ntail p± fit |α − α_peak| ∈ [0.1, 1] (imperfection/unfolding law, at μ < 0: p = −4/3). max λ_c: largest Re λ_c of the zero-input fixed points for α ∈ [−3, 3].\n');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  },
);
