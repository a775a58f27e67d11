/** Shared helpers of the fault tests: temporary folders, tiny run configs, CLI runs checked for one-line errors, run-folder snapshots. */
import { expect } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../cli/run-cli.js';

/** A fresh temporary folder. */
export const tmp = (): string => mkdtempSync(join(tmpdir(), 'sntk-fault-'));

/** A tiny training config (≈ 0.1 s per run without the monitor). */
export function tinyConfig(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    seed: 1,
    steps: 12,
    checkpointEvery: 3,
    task: { name: 'pitchfork', hiddenSize: 6, T: 15, B: 4 },
    optimizer: { kind: 'natgrad', learningRate: 0.5 },
    monitor: { enabled: false },
    ...over,
  };
}

/** Writes `config` as JSON into a new temporary file; returns its path. */
export function configFile(config: unknown): string {
  const p = join(tmp(), 'config.json');
  writeFileSync(p, JSON.stringify(config));
  return p;
}

/** `sntk train` with --quiet --no-report into `out` (and --resume / extra flags). */
export function train(cfg: string, out: string, ...extra: string[]): Promise<CliResult> {
  return runCli(['train', '--config', cfg, '--out', out, '--quiet', '--no-report', ...extra]);
}

/** Asserts a CLI failure: the exit code, one line on stderr starting with "sntk: ", no stack trace, matching `re`. */
export function expectOneLineFailure(r: CliResult, code: number, re: RegExp): void {
  expect(r.code, r.err).toBe(code);
  const lines = r.err.trim().split('\n');
  expect(lines.length, r.err).toBe(1);
  expect(lines[0]).toMatch(/^sntk: /);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(lines[0]).toMatch(re);
}

const stripTiming = (text: string): string =>
  text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      delete o['seconds'];
      delete o['monitorSeconds'];
      return JSON.stringify(o);
    })
    .join('\n');

/**
 * The comparable content of a run folder: config, checkpoints, models, events, eigenvalues (verbatim)
 * and metrics.jsonl without its wall-clock columns.
 */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) {
    if (/^(checkpoint|model)-\d+\.json$/.test(f) || f === 'config.json' || f === 'events.json' || f === 'eigenvalues.jsonl') out[f] = readFileSync(join(dir, f), 'utf8');
    if (f === 'metrics.jsonl') out[f] = stripTiming(readFileSync(join(dir, f), 'utf8'));
  }
  return out;
}

/** Files an interrupted writer may leave behind (temporary files, a lock). */
export function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.tmp') || f === '.sntk.lock');
}
