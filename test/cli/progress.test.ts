/** The progress reporter: live bar with ETA on a TTY, plain lines at most every 5 s otherwise, nothing with --quiet. */
import { describe, it, expect } from 'vitest';
import { createProgress, formatDuration, type ProgressSink } from '../../src/cli/progress.js';
import { runCli } from './run-cli.js';

function sink(live: boolean): ProgressSink & { out: string[]; t: number } {
  const s = { out: [] as string[], t: 0, live, write: (x: string) => void s.out.push(x), now: () => s.t };
  return s;
}

describe('createProgress', () => {
  it('plain mode: one line per 5 s at most, with done/total, percent and a linear ETA; a closing line', () => {
    const s = sink(false);
    const p = createProgress({ json: true }, 'demo', 100, s);
    for (let k = 1; k <= 100; k++) {
      s.t = k * 200; // 0.2 s per unit: 20 s in all
      p.update(k, `unit ${k}`);
    }
    p.finish('ok');
    // lines at 5, 10, 15, 20 s (units 25, 50, 75, 100) and the closing line
    expect(s.out).toHaveLength(5);
    expect(s.out[0]).toBe('demo: 25/100 (25%), 5.0 s elapsed, eta 15 s — unit 25\n');
    expect(s.out[1]).toBe('demo: 50/100 (50%), 10 s elapsed, eta 10 s — unit 50\n');
    expect(s.out[4]).toBe('demo: done in 20 s — ok\n');
    for (const l of s.out) expect(l.endsWith('\n') && !l.includes('\r')).toBe(true);
  });

  it('plain mode stays silent for work shorter than 5 s', () => {
    const s = sink(false);
    const p = createProgress({}, 'x', 10, s);
    for (let k = 1; k <= 10; k++) {
      s.t = k * 100;
      p.update(k);
    }
    p.finish();
    expect(s.out).toEqual([]);
  });

  it('live mode: a redrawn bar (\\r) with percent and ETA, at most every 100 ms, ended by a newline', () => {
    const s = sink(true);
    const p = createProgress({}, 'train', 4, s);
    s.t = 1000;
    p.update(1);
    s.t = 1050; // too soon: not redrawn
    p.update(2);
    s.t = 2000;
    p.update(2);
    s.t = 4000;
    p.update(4);
    p.finish();
    expect(s.out).toHaveLength(5);
    expect(s.out[0]!.startsWith('\rtrain ▕')).toBe(true);
    expect(s.out[0]).toContain(' 1/4  25%  eta 3.0 s');
    expect(s.out[1]).toContain(' 2/4  50%  eta 2.0 s');
    expect(s.out[2]).toContain(' 4/4 100%');
    // the closing text overwrites the bar (padded to its width), then the newline
    expect(s.out[3]).toBe('\rtrain: done in 4.0 s' + ' '.repeat(s.out[2]!.length - '\rtrain: done in 4.0 s'.length));
    expect(s.out[4]).toBe('\n');
  });

  it('--quiet: nothing at all', () => {
    const s = sink(true);
    const p = createProgress({ quiet: true }, 'q', 3, s);
    s.t = 10000;
    p.update(1);
    p.finish('x');
    expect(s.out).toEqual([]);
  });

  it('formats durations', () => {
    expect(formatDuration(3.14)).toBe('3.1 s');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(125)).toBe('2 min 05 s');
    expect(formatDuration(NaN)).toBe('–');
  });
});

describe('sntk top level', () => {
  it('--version prints the package version; no command prints the help on stderr and exits 2', async () => {
    const { readFileSync } = await import('node:fs');
    const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe(version);
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^Usage: sntk /);
    expect(none.err).toContain('demo');
    expect(none.out).toBe('');
  });
});
