/**
 * Progress of long commands on stderr, so that stdout (and `--json`) stays clean:
 *
 * - on a TTY (and not CI): a live bar `label ▕████░░░░▏ 12/80  15%  eta 31 s  detail`, redrawn at
 *   most 10 times a second and ended by `finish` with a newline;
 * - otherwise (CI, pipes, `--json`): a plain line `label: 12/80 (15%), 9.1 s elapsed, eta 31 s`
 *   at most every 5 s, and one closing line from `finish`;
 * - with `--quiet`: nothing.
 *
 * The ETA extrapolates the elapsed time linearly in `done / total`.
 */

/** Where and how progress is written (defaults: `process.stderr`, its TTY flag and the clock). */
export interface ProgressSink {
  write(text: string): void;
  /** True for a live bar, false for plain lines. */
  live: boolean;
  /** Milliseconds, monotone. */
  now(): number;
}

/** A progress reporter: `update(done)` with 0 ≤ done ≤ total, then `finish` once. */
export interface Progress {
  update(done: number, detail?: string): void;
  finish(summary?: string): void;
}

/** Seconds between plain (non-TTY) lines. */
export const PLAIN_INTERVAL_S = 5;
const LIVE_INTERVAL_MS = 100;
const BAR_WIDTH = 24;

function defaultSink(): ProgressSink {
  return {
    write: (t) => void process.stderr.write(t),
    live: Boolean(process.stderr.isTTY) && !process.env['CI'],
    now: () => performance.now(),
  };
}

/** `12.3 s`, `4 min 05 s`: a duration for humans. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - 60 * m);
  return `${m} min ${String(s).padStart(2, '0')} s`;
}

const NOOP: Progress = { update: () => {}, finish: () => {} };

/**
 * A progress reporter for `total` units of work named `label` (see the file comment for what it
 * draws where). `opts.quiet` silences it; with `opts.json` it still reports on stderr, since
 * stdout carries the JSON. `sink` replaces stderr (tests). Cost O(1) per update.
 */
export function createProgress(opts: { json?: boolean; quiet?: boolean }, label: string, total: number, sink: ProgressSink = defaultSink()): Progress {
  if (opts.quiet) return NOOP;
  const start = sink.now();
  let lastDraw = -Infinity;
  let lastDone = 0;
  let lastDetail = '';
  let liveWidth = 0;
  let finished = false;
  const n = Math.max(0, total);

  const describe = (done: number): { frac: number; elapsed: number; eta: number } => {
    const elapsed = (sink.now() - start) / 1000;
    const frac = n > 0 ? Math.min(1, Math.max(0, done / n)) : 0;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : NaN;
    return { frac, elapsed, eta };
  };

  const liveLine = (done: number, detail: string): string => {
    const { frac, eta } = describe(done);
    const fill = Math.round(frac * BAR_WIDTH);
    const bar = '▕' + '█'.repeat(fill) + '░'.repeat(BAR_WIDTH - fill) + '▏';
    const etaText = Number.isFinite(eta) ? `  eta ${formatDuration(eta)}` : '';
    return `${label} ${bar} ${done}/${n} ${String(Math.round(frac * 100)).padStart(3)}%${etaText}${detail ? '  ' + detail : ''}`;
  };

  const drawLive = (text: string): void => {
    const pad = liveWidth > text.length ? ' '.repeat(liveWidth - text.length) : '';
    liveWidth = text.length;
    sink.write('\r' + text + pad);
  };

  return {
    update(done: number, detail?: string): void {
      if (finished) return;
      lastDone = done;
      lastDetail = detail ?? '';
      const t = sink.now();
      if (sink.live) {
        if (t - lastDraw < LIVE_INTERVAL_MS && done < n) return;
        lastDraw = t;
        drawLive(liveLine(done, lastDetail));
        return;
      }
      // the first plain line comes after PLAIN_INTERVAL_S too: short commands print none
      if (lastDraw === -Infinity) lastDraw = start;
      if (t - lastDraw < PLAIN_INTERVAL_S * 1000) return;
      lastDraw = t;
      const { frac, elapsed, eta } = describe(done);
      const etaText = Number.isFinite(eta) ? `, eta ${formatDuration(eta)}` : '';
      sink.write(`${label}: ${done}/${n} (${Math.round(frac * 100)}%), ${formatDuration(elapsed)} elapsed${etaText}${lastDetail ? ` — ${lastDetail}` : ''}\n`);
    },
    finish(summary?: string): void {
      if (finished) return;
      finished = true;
      const { elapsed } = describe(lastDone);
      const tail = `${label}: done in ${formatDuration(elapsed)}${summary ? ` — ${summary}` : ''}`;
      if (sink.live) {
        drawLive(tail);
        sink.write('\n');
      } else if (elapsed >= PLAIN_INTERVAL_S) {
        // plain mode: a closing line only for work that lasted long enough to report on
        sink.write(tail + '\n');
      }
    },
  };
}
