/**
 * Per-phase wall times of a computation (what `sntk kernel --profile` prints): a clock whose
 * `lap(phase)` records the seconds since the previous lap under that phase name (repeated names
 * add up). Cost O(1) per lap.
 */

/** One phase and the wall seconds spent in it. */
export interface PhaseTiming {
  phase: string;
  seconds: number;
}

/** Records consecutive phases of one computation (see the module comment). */
export class PhaseProfile {
  readonly phases: PhaseTiming[] = [];
  private last = performance.now();

  /** Restarts the clock without recording (e.g. after work that belongs to no phase). */
  reset(): void {
    this.last = performance.now();
  }

  /** Adds the seconds since the previous lap (or reset) to `phase`. */
  lap(phase: string): void {
    const now = performance.now();
    const seconds = (now - this.last) / 1000;
    this.last = now;
    const p = this.phases.find((x) => x.phase === phase);
    if (p) p.seconds += seconds;
    else this.phases.push({ phase, seconds });
  }

  /** Total recorded seconds. */
  total(): number {
    return this.phases.reduce((s, p) => s + p.seconds, 0);
  }
}
