/**
 * Plain data objects the plot functions take. They are deliberately independent of the sNTK,
 * dynamics and training internals: producers (or the run-folder/analysis readers in
 * `run-folder.ts`, `analysis.ts`) fill them from whatever they computed.
 * All numbers are float64; "missing" is expressed by leaving a field out (or null where noted).
 */

/** A complex number (eigenvalue). */
export interface Complex {
  /** Real part. */
  re: number;
  /** Imaginary part. */
  im: number;
}

/** Discrete time (maps: stability boundary is the unit circle) or continuous time (flows: imaginary axis). */
export type TimeKind = 'discrete' | 'continuous';

/** Input of `spectrumSpec`: the eigenvalues of one kernel (sNTK, output NTK, Fisher, ...). */
export interface SpectrumData {
  /** Eigenvalues, any order (sorted descending by the plot). Must be finite; values ≤ 0
   *  (roundoff) cannot be shown on the log axis and are omitted, with the count in the subtitle. */
  eigenvalues: ArrayLike<number>;
  /** Participation ratio `(tr K)²/‖K‖_F²`, marked as a vertical rule at rank = PR. Computed from
   *  `eigenvalues` when absent (exact only if they are the full spectrum: then `full` should be true). */
  pr?: number | null;
  /** True when `eigenvalues` is the full spectrum (default: false, i.e. only the top ones). */
  full?: boolean;
  /** Name of the kernel for titles, default "sNTK". */
  label?: string;
  /** Plot title. */
  title?: string;
}

/** One monitored training step (one line of `metrics.jsonl`). Every metric is optional; null means "not computed / non-finite". */
export interface TrainingPoint {
  /** Optimizer step index. */
  step: number;
  /** Training loss. */
  loss?: number | null;
  /** Gradient norm ‖∇L‖. */
  gradNorm?: number | null;
  /** sNTK trace. */
  trace?: number | null;
  /** State-space participation ratio of the sNTK. */
  pr?: number | null;
  /** Output-space participation ratio. */
  prOutput?: number | null;
  /** Largest sNTK eigenvalue. */
  topEigenvalue?: number | null;
  /** Share of the trace carried by the top eigenvalue, in [0, 1]. */
  topShare?: number | null;
  /** Distance to criticality σ of the nearest-to-critical fixed-point eigenvalue. */
  sigma?: number | null;
}

/** Names of the metrics `trainingCurvesSpec` can draw, in their default panel order. */
export const TRAINING_METRICS = ['loss', 'pr', 'prOutput', 'trace', 'topEigenvalue', 'topShare', 'sigma', 'gradNorm'] as const;
/** One of `TRAINING_METRICS`. */
export type TrainingMetric = (typeof TRAINING_METRICS)[number];

/** An event during training (one entry of `events.json`). */
export interface TrainingEvent {
  /** Event type: a bifurcation type ("pitchfork", "saddle-node", "transcritical", "hopf",
   *  "period-doubling", "neimark-sacker"), "rank-collapse", "loss-spike", or anything else. */
  type: string;
  /** Step at which it happened (between checkpoints: the later one, or a fractional step). */
  step: number;
  /** Short label for the plot; default `type`. */
  label?: string;
  /** Any further fields (shown in the events table). */
  [key: string]: unknown;
}

/** Input of `trainingCurvesSpec`. */
export interface TrainingCurvesData {
  /** Monitored steps, any order (sorted by step). */
  points: TrainingPoint[];
  /** Events drawn as labelled vertical rules on every panel. */
  events?: TrainingEvent[];
  /** Which metrics to draw (default: every metric with at least one finite value). */
  metrics?: TrainingMetric[];
  /** Plot title. */
  title?: string;
}

/** Input of `eigenPlaneSpec`: Jacobian eigenvalues at one or several fixed points. */
export interface EigenPlaneData {
  /** Eigenvalues to draw. */
  eigenvalues: Complex[];
  /** Group label of each eigenvalue (e.g. "fp 0 (stable)"), same length as `eigenvalues`; default one group. */
  groups?: string[];
  /** Map (unit circle drawn) or flow (imaginary axis drawn). */
  time: TimeKind;
  /** Plot title. */
  title?: string;
}

/** Eigenvalues at one training checkpoint. */
export interface EigenCheckpoint {
  /** Training step of the checkpoint. */
  step: number;
  /** Jacobian eigenvalues at that checkpoint (all fixed points together). */
  eigenvalues: Complex[];
  /** Group label per eigenvalue (e.g. which fixed point), optional. */
  groups?: string[];
}

/** Input of `eigenSeriesSpec`: a small multiple of complex-plane panels over training. */
export interface EigenSeriesData {
  /** Checkpoints, any order (sorted by step). */
  checkpoints: EigenCheckpoint[];
  /** Map or flow. */
  time: TimeKind;
  /** At most this many panels, chosen evenly over the checkpoints (first and last kept); default 12. */
  maxPanels?: number;
  /** Panels per row, default 4. */
  columns?: number;
  /** Name of the checkpoint coordinate in panel titles, default "step" (e.g. "s" along a branch). */
  stepLabel?: string;
  /** Plot title. */
  title?: string;
}

/** One point on a continuation branch. */
export interface BranchPoint {
  /** Path parameter s. */
  s: number;
  /** Fixed-point coordinate or norm shown on the vertical axis. */
  value: number;
  /** Stability of the fixed point there. */
  stable: boolean;
}

/** One continuation branch (consecutive points along the curve, in arclength order). */
export interface Branch {
  /** Branch name for the legend, default "branch k". */
  name?: string;
  /** Points in curve order (not necessarily monotone in s: folds turn back). */
  points: BranchPoint[];
}

/** A bifurcation on the diagram. */
export interface DiagramEvent {
  /** Path parameter at the event. */
  s: number;
  /** Vertical coordinate at the event (same quantity as `BranchPoint.value`). */
  value: number;
  /** Bifurcation type ("pitchfork", "saddle-node", ...). */
  type: string;
  /** Label text, default `type`. */
  label?: string;
}

/** Input of `bifurcationDiagramSpec`. */
export interface BifurcationDiagramData {
  /** Branches (stable parts drawn solid, unstable dashed). */
  branches: Branch[];
  /** Events (points with labels). */
  events?: DiagramEvent[];
  /** Axis title of the path parameter, default "path parameter s". */
  parameterLabel?: string;
  /** Axis title of the vertical axis, default "‖h*‖". */
  valueLabel?: string;
  /** Plot title. */
  title?: string;
}

/** Input of `restrictedScanSpec`: the scan α ↦ θ + αu along the dominant direction u. */
export interface RestrictedScanData {
  /** Scan positions α (any order). */
  alpha: number[];
  /** Restricted kernel κ(α) = ‖J(θ+αu)u‖², same length as `alpha`. */
  kappa: number[];
  /** Loss L(α), same length (optional). */
  loss?: (number | null)[];
  /** Fitted (or known) bifurcation point α_c; without it κ is drawn against α (log y only). */
  alphaC?: number | null;
  /** Normal-form prediction. Either `kappa` (values on the `alpha` grid) or a power law
   *  `κ = constant·|α − α_c|^exponent` (when `constant` is absent it is fitted in log space to the
   *  points on the side `side`, only to place the line; the slope is the predicted one). */
  prediction?: {
    /** Predicted κ on the `alpha` grid (entries null where undefined). */
    kappa?: (number | null)[];
    /** Predicted loss on the `alpha` grid. */
    loss?: (number | null)[];
    /** Predicted exponent, e.g. −1 for a pitchfork. */
    exponent?: number;
    /** Prefactor of the power law. */
    constant?: number;
    /** Side of α_c the power law applies to, default "above". */
    side?: 'above' | 'below' | 'both';
    /** Legend label, e.g. "pitchfork: κ ∝ |α−α_c|⁻¹". */
    label?: string;
  };
  /** Plot title. */
  title?: string;
}

/** A dense matrix, row-major (same layout as `linalg/matrix.ts`'s Matrix) or nested rows. */
export type MatrixLike = { rows: number; cols: number; data: ArrayLike<number> } | number[][];

/** Input of `heatmapSpec`. */
export interface HeatmapData {
  /** The kernel (any real matrix). */
  matrix: MatrixLike;
  /** Largest side drawn cell by cell, default 64; larger matrices are block-averaged down to
   *  at most this size (the title says so) or refused, see `onLarge`. */
  maxSize?: number;
  /** What to do above `maxSize`: "downsample" (default) or "refuse" (ShapeError). */
  onLarge?: 'downsample' | 'refuse';
  /** Plot title. */
  title?: string;
}
