/** The explorer's settings and the pitchfork preset (no library imports, so the page bundle stays small). */

/** Optimizer choices of the explorer ('adaptive' = natural gradient switched on by the monitor's rank-collapse onset, PR < PR₀/4). */
export type ExplorerOptimizer = 'sgd' | 'adam' | 'natgrad' | 'adaptive';

/** The normal forms the explorer's student–teacher task can learn through (the demo's variants, docs/theory.md §11). */
export type ExplorerBifurcation = 'pitchfork' | 'saddle-node' | 'hopf';

/** The explorer's controls. */
export interface ExplorerSettings {
  /** The task: the pitchfork flip-flop (default), the saddle-node latch or the Hopf oscillation. */
  bifurcation?: ExplorerBifurcation;
  hiddenSize: number;
  /**
   * Teacher strength: the outlier along u (`W* = 0.5·Q + outlier·u uᵀ`; pitchfork, saddle-node) or
   * the rotation strength ρ of the teacher's (u, v) block (Hopf).
   */
  outlier: number;
  learningRate: number;
  optimizer: ExplorerOptimizer;
  seed: number;
  /** Number of optimizer steps of the run. */
  steps: number;
  T: number;
  B: number;
  /**
   * Run the monitor's expensive observation (sNTK spectrum, fixed points, continuation) every this
   * many steps, at the last step and on demand (the library's `monitorEvery`; default 1). The
   * cheap quantities (loss, norms) are shown at every step.
   */
  monitorEvery?: number;
  /**
   * Trials (the first n of the batch, at most B) the monitored sNTK is taken over (the library's
   * `monitor.trials`; default all). The dense kernel's cost grows with it.
   */
  monitorTrials?: number;
  /** Compute the restricted landscape every this many steps at monitored steps (and at each marker); 0 = never. */
  landscapeEvery: number;
  /** Scan range `α ∈ [−r, r]` along the unit dominant direction. */
  landscapeRange: number;
  /** Points of the scan. */
  landscapePoints: number;
  /** Rank collapse: PR fallen by this factor from its initial value (the monitor's collapseFactor; switches 'adaptive' on). */
  collapseFactor: number;
  /** Train the bias b (pitchfork only: true in the calibration; false keeps the odd symmetry, a clean pitchfork). The saddle-node and Hopf tasks freeze it. */
  trainBias: boolean;
}

/**
 * The page's monitor cadence and sNTK trials: one observation per this many training steps, over
 * the first `MONITOR_TRIALS` trials. At N = 16, T = 60, B = 32 a training step costs ≈ 5 ms and an
 * observation over all 32 trials ≈ 1 s (the dense sNTK dominates, ∝ trials); over 8 trials about
 * a quarter, so that the page trains at more than 10 steps per second. The PR fall at the pitchfork
 * shows on 8 trials as on 32 (seed 0: 23.8 → 2.9 at the marker step 48, every 4th step observed).
 */
export const MONITOR_EVERY = 4;
export const MONITOR_TRIALS = 8;

/** The calibration of docs/theory.md §11: N = 16, T = 60, B = 32, full-batch GD at lr 0.1. */
export const PITCHFORK_PRESET: ExplorerSettings = {
  hiddenSize: 16,
  outlier: 1.5,
  learningRate: 0.1,
  optimizer: 'sgd',
  seed: 0,
  steps: 80,
  T: 60,
  B: 32,
  monitorEvery: MONITOR_EVERY,
  monitorTrials: MONITOR_TRIALS,
  landscapeEvery: 16,
  landscapeRange: 1,
  landscapePoints: 25,
  collapseFactor: 4,
  trainBias: true,
};


/** The saddle-node demo's reference run (docs/theory.md §11): a biased latch, feedback 2, GD at lr 0.1, 80 steps. */
export const SADDLE_NODE_PRESET: ExplorerSettings = { ...PITCHFORK_PRESET, bifurcation: 'saddle-node', outlier: 2, trainBias: false };
/** The Hopf demo's reference run (docs/theory.md §11): a leaky student learns an oscillation, ρ = 1.6, GD at lr 0.1, 120 steps. */
export const HOPF_PRESET: ExplorerSettings = { ...PITCHFORK_PRESET, bifurcation: 'hopf', outlier: 1.6, steps: 120, trainBias: false };

/** The presets of the page (docs/theory.md §11): the clean crossing, GD overshoot, natgrad at the same rate, and the saddle-node and Hopf demos. */
export const PRESETS: Record<string, { label: string; settings: ExplorerSettings }> = {
  pitchfork: { label: 'pitchfork demo (GD, lr 0.1)', settings: PITCHFORK_PRESET },
  saddleNode: { label: 'saddle-node demo: a learned latch (GD, lr 0.1)', settings: SADDLE_NODE_PRESET },
  hopf: { label: 'Hopf demo: a learned oscillation (GD, lr 0.1, 120 steps)', settings: HOPF_PRESET },
  overshoot: { label: 'overshoot (GD, lr 1)', settings: { ...PITCHFORK_PRESET, learningRate: 1, steps: 40 } },
  natgrad: { label: 'low-rank natural gradient (lr 1)', settings: { ...PITCHFORK_PRESET, learningRate: 1, steps: 40, optimizer: 'natgrad' } },
  frozenBias: { label: 'pitchfork, bias frozen (b = 0)', settings: { ...PITCHFORK_PRESET, trainBias: false } },
};
