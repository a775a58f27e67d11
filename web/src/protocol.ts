/** Messages between the page and the experiment worker. */
import type { ModelAnalysis } from './model-file.js';
import type { BifurcationMarker, ExplorerSettings, FixedPointView, LandscapeScan, RunExport, StepMetrics } from './engine.js';

/** Page → worker. */
export type ToWorker =
  | { kind: 'reset'; settings: ExplorerSettings }
  | { kind: 'run' }
  | { kind: 'pause' }
  | { kind: 'step' }
  /** Observe the next step with the monitor (on demand, besides the cadence). */
  | { kind: 'monitor' }
  | { kind: 'export'; id: number }
  | { kind: 'analyze'; text: string; name: string };

/** Worker → page. */
export type FromWorker =
  | { kind: 'ready'; settings: ExplorerSettings; params: number; steps: number }
  | { kind: 'step'; metrics: StepMetrics; fixedPoints: FixedPointView[]; marker: BifurcationMarker | null; landscape: LandscapeScan | null; done: boolean }
  | { kind: 'state'; running: boolean; done: boolean }
  | { kind: 'export'; id: number; run: RunExport }
  | { kind: 'analysis'; analysis: ModelAnalysis }
  | { kind: 'model-error'; message: string }
  | { kind: 'error'; message: string };
