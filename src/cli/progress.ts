/**
 * Progress of long commands on stderr: on a TTY one `\r`-redrawn line `label done/total detail eta`;
 * otherwise a plain line at most every 5 s (and the last); nothing with `--quiet` or `--json`
 * (stdout stays clean either way).
 */

/** A progress reporter. */
export interface Progress {
  /** `done` of `total` finished; `detail` is shown after the count. */
  update(done: number, detail?: string): void;
  /** Ends the line (TTY) or prints `summary` once. */
  finish(summary?: string): void;
}

function formatEta(s: number): string {
  if (!Number.isFinite(s)) return '';
  if (s < 90) return `eta ${s.toFixed(0)} s`;
  if (s < 5400) return `eta ${(s / 60).toFixed(1)} min`;
  return `eta ${(s / 3600).toFixed(1)} h`;
}

/** A progress reporter for `total` items (see the module comment). Cost O(1) per update. */
export function createProgress(opts: { json?: boolean; quiet?: boolean }, label: string, total: number): Progress {
  if (opts.quiet || opts.json) return { update: () => {}, finish: () => {} };
  const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  const start = Date.now();
  let lastPlain = 0;
  let lastText = '';
  const text = (done: number, detail?: string): string => {
    const el = (Date.now() - start) / 1000;
    const eta = done > 0 && done < total ? formatEta((el * (total - done)) / done) : '';
    return [`${label} ${done}/${total}`, detail ?? '', eta].filter(Boolean).join('  ');
  };
  return {
    update(done, detail) {
      const t = text(done, detail);
      if (tty) {
        process.stderr.write('\r' + t.padEnd(Math.max(lastText.length, t.length)));
        lastText = t;
        return;
      }
      const now = Date.now();
      if (now - lastPlain >= 5000 || done >= total) {
        if (t !== lastText) process.stderr.write(t + '\n');
        lastPlain = now;
        lastText = t;
      }
    },
    finish(summary) {
      if (tty && lastText) process.stderr.write('\n');
      if (summary) process.stderr.write(summary + '\n');
    },
  };
}
