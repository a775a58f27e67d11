/** Messages between the page and the experiment worker. */
import type { ModelAnalysis } from './model-file.js';
import type { BifurcationMarker, ExplorerSettings, FixedPointView, LandscapeScan, ObservationSummary, ParamSnapshot, RunExport, StepMetrics } from './engine.js';

/** Page → worker. */
export type ToWorker =
  | { kind: 'reset'; settings: ExplorerSettings }
  | { kind: 'run' }
  | { kind: 'pause' }
  | { kind: 'step' }
  /** Observe the next step with the monitor (on demand, besides the cadence). */
  | { kind: 'monitor' }
  | { kind: 'export'; id: number }
  | { kind: 'analyze'; text: string; name: string }
  /** The channel to the monitor worker (sent once, before the first reset). */
  | { kind: 'port'; port: MessagePort };

/** Worker → page. */
export type FromWorker =
  | { kind: 'ready'; settings: ExplorerSettings; params: number; steps: number }
  | { kind: 'step'; metrics: StepMetrics; fixedPoints: FixedPointView[]; marker: BifurcationMarker | null; landscape: LandscapeScan | null; done: boolean }
  /** A deferred observation arrived: the history rows it changed (its step and the unmonitored ones after it), its fixed points, marker and landscape. */
  | { kind: 'observed'; rows: StepMetrics[]; fixedPoints: FixedPointView[]; marker: BifurcationMarker | null; landscape: LandscapeScan | null }
  /** A landscape scan that came on its own (deferred mode). */
  | { kind: 'landscape'; landscape: LandscapeScan }
  | { kind: 'state'; running: boolean; done: boolean }
  | { kind: 'export'; id: number; run: RunExport }
  | { kind: 'analysis'; analysis: ModelAnalysis }
  | { kind: 'model-error'; message: string }
  | { kind: 'error'; message: string };

/** Training worker → monitor worker (over their MessageChannel). */
export type ToMonitor =
  | { kind: 'reset'; generation: number; settings: ExplorerSettings }
  /** Observe a monitored step's parameters; `last`: the run's last step (the landscape is then due). */
  | { kind: 'observe'; generation: number; snapshot: ParamSnapshot; last: boolean };

/** Monitor worker → training worker. */
export type FromMonitor =
  | { kind: 'observed'; generation: number; summary: ObservationSummary; landscape: LandscapeScan | null }
  /** A periodic landscape scan run when the monitor had caught up (along the latest observed direction). */
  | { kind: 'landscape'; generation: number; landscape: LandscapeScan }
  | { kind: 'error'; generation: number; message: string };

/** Page → monitor worker: its end of the channel to the training worker. */
export type ToMonitorWorker = { kind: 'port'; port: MessagePort };
