/**
 * The sNTK training monitor: an `onStep` callback for `trainRun` (any optimizer) that records, at
 * every monitored step,
 * - `loss`, `gradNorm` (from the run), the sNTK `trace`, state-space `pr` and output-space
 *   `prOutput` participation ratios, `topEigenvalue` and `topShare` (kernel.ts; exact when small,
 *   matrix-free with `prStdErr` when large; over `kernelTrials` trials);
 * - `alignBStarL` = |cos| of the sNTK's top parameter direction with `B*ᵀl`, and
 *   `alignEigenMove` with `vec(D* l rᵀ)`, `alignBiasL` with the bias-block part of `B*ᵀl`
 *   (fixed.ts), and `hStarNorm` = ‖h*‖, at the zero-input fixed point nearest
 *   criticality, its critical eigenvalue (`criticalRe`, `criticalIm`), `sigma` (= 1 − |λ_c|), and
 *   the number of fixed points `fixedPoints`;
 * and the events (events.ts): bifurcations between consecutive monitored steps (type, `step` = the
 * later step, `fromStep`, `s` on the segment, `stepAt` = fractional step), fixed-point count
 * changes that no continuation explained, `rank-collapse-onset` (PR ≤ PR₀/collapseFactor; switches
 * an adaptive natural gradient on, event `natgrad-activated`), `rank-collapse` (the PR minimum of
 * the dip) and `loss-spike` (loss up by more than `spikeFactor` between monitored steps).
 * It appends one line per monitored step to `<run>/eigenvalues.jsonl`: the sNTK spectrum (full on
 * the dense route, top-k otherwise), its PR, and the Jacobian eigenvalues and stability of every
 * zero-input fixed point. Its state travels in the run's checkpoints (`saveState`/`onStart`), so
 * a resumed run monitors exactly as an uninterrupted one. The per-step work is the file-free
 * `createMonitorCore` (core.ts), which the browser explorer runs too.
 */
import { appendFileChecked } from '../../util/atomic-write.js';
import { readJsonlRepairing } from '../../util/jsonl.js';
import { join } from 'node:path';
import { atomicWrite } from '../checkpoint.js';
import type { StepInfo, StepReport, TrainRunOptions } from '../run.js';
import type { MonitorOptions, MonitorState } from './core.js';
import { createMonitorCore } from './core.js';

export type { MonitorOptions, MonitorState } from './core.js';
export { isBifurcationEvent } from './core.js';

/** The monitor: its hooks for `trainRun` and its state. */
export interface Monitor {
  onStep(info: StepInfo): StepReport;
  onStart(info: { outDir: string; step: number; state: unknown; notice?: (message: string) => void }): void;
  getState(): MonitorState;
  /** `{ onStep, onStart, saveState }`, to spread into `trainRun`'s options. */
  hooks(): Pick<TrainRunOptions, 'onStep' | 'onStart' | 'saveState'>;
}

/**
 * Creates a monitor (see the module comment): `createMonitorCore` (core.ts) plus
 * `eigenvalues.jsonl` and the checkpoint hooks. Cost per monitored step: the kernel statistics
 * (dense: O(M·N·P + M·p² + p³), M = trials·T·N), a fixed-point search at zero input, and up to
 * a dozen continuations along the segment from the previous monitored step.
 *
 * @param opts - the monitor's settings (see {@link MonitorOptions}).
 * @returns a monitor to pass to {@link trainRun}'s `onStep` (docs/theory.md §11).
 */
export function createMonitor(opts: MonitorOptions = {}): Monitor {
  const writeEig = opts.writeEigenvalues ?? true;
  const core = createMonitorCore(opts);
  let eigPath: string | null = null;

  const mon: Monitor = {
    onStart({ outDir, step, state, notice }) {
      eigPath = writeEig ? join(outDir, 'eigenvalues.jsonl') : null;
      if (eigPath) {
        // a resume keeps the lines before its step; a torn last line (a crash mid-append) is cut
        const read = step > 0 ? readJsonlRepairing(eigPath) : { rows: [], lines: [], torn: null };
        if (read.torn !== null) notice?.(`eigenvalues.jsonl: cut a torn last line (${read.torn.length} bytes)`);
        const keep = read.lines.filter((_, i) => (read.rows[i] as { step?: number } | null)?.step! < step);
        atomicWrite(eigPath, keep.map((l) => l + '\n').join(''));
      }
      core.setState(state && typeof state === 'object' ? (state as MonitorState) : null);
    },
    onStep(info) {
      const o = core.observe(info);
      if (eigPath) appendFileChecked(eigPath, JSON.stringify(o.eigenvaluesLine) + '\n');
      return { extra: o.extra, events: o.events };
    },
    getState: () => core.getState(),
    hooks() {
      return { onStep: (i) => mon.onStep(i), onStart: (i) => mon.onStart(i), saveState: () => mon.getState() };
    },
  };
  return mon;
}
