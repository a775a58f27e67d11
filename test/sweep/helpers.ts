/** Shared pieces of the sweep tests: a tiny sweep, folder fingerprints without timings, a private redis-server. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSweepFile } from '../../src/sweep/spec.js';
import { expandSweep, type SweepRun } from '../../src/sweep/expand.js';

/** A small pitchfork sweep: 2 learning rates × sgd/natgrad, one seed, 20 steps (about 1–2 s a run). */
export const TINY_SWEEP = {
  name: 'tiny',
  base: {
    steps: 20,
    task: { name: 'pitchfork', hiddenSize: 6, T: 20, B: 4 },
    optimizer: { k: 2, fisherTrials: 2 },
    monitorEvery: 2,
    checkpointEvery: 4,
    monitor: { trials: 2, fixedPointStarts: 4 },
  },
  axes: { 'optimizer.learningRate': [0.5, 1], 'optimizer.kind': ['sgd', 'natgrad'] },
  metrics: ['finalLoss', 'prMin', 'collapseFactor', 'lossIncreases'],
};

/** The runs of TINY_SWEEP. */
export function tinyRuns(): SweepRun[] {
  return expandSweep(parseSweepFile(TINY_SWEEP));
}

/** A fresh temporary folder. */
export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `sntk-sweep-${tag}-`));
}

const TIMING = /seconds/i;

function dropTimings(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropTimings);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([k]) => !TIMING.test(k) && k !== 'resumedFrom').map(([k, x]) => [k, dropTimings(x)]));
  }
  return v;
}

/**
 * The contents of a run folder with timings removed: every checkpoint, model, config and events
 * file byte for byte; metrics.jsonl / eigenvalues.jsonl / summary.json parsed with the keys holding
 * seconds (and `resumedFrom`) dropped; metrics.csv without its timing columns; the report skipped
 * (it carries its generation time).
 */
export function runFingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (statSync(p).isDirectory() || f.startsWith('.')) continue;
    const text = readFileSync(p, 'utf8');
    if (f.endsWith('.jsonl')) out[f] = text.split('\n').filter((l) => l.trim()).map((l) => JSON.stringify(dropTimings(JSON.parse(l)))).join('\n');
    else if (f === 'summary.json') out[f] = JSON.stringify(dropTimings(JSON.parse(text)));
    else if (f === 'metrics.csv') {
      const lines = text.trim().split('\n').map((l) => l.split(','));
      const keep = lines[0]!.map((c, i) => (TIMING.test(c) ? -1 : i)).filter((i) => i >= 0);
      out[f] = lines.map((l) => keep.map((i) => l[i]).join(',')).join('\n');
    } else out[f] = text;
  }
  return out;
}

/** True when Debian's redis-server is installed. */
export function haveRedis(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Starts `redis-server` on 127.0.0.1:`port` without persistence; resolves once it accepts connections. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((res, rej) => {
    let log = '';
    const t = setTimeout(() => rej(new Error(`redis-server did not start: ${log}`)), 15000);
    p.stdout!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('Ready to accept connections')) {
        clearTimeout(t);
        res();
      }
    });
    p.once('exit', (c) => rej(new Error(`redis-server exited (${c}): ${log}`)));
  });
  return p;
}

/** Stops a process this test started and waits for its exit. */
export async function stopProcess(p: ChildProcess | null, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((res) => {
    p.once('exit', () => res());
    p.kill(signal);
  });
}

/** Polls `cond` every 20 ms until true (rejects after `ms`). */
export async function waitFor(cond: () => boolean, ms = 60000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** True if the run folder holds `checkpoint-<step>.json` but no summary yet (a run in progress). */
export function midRun(dir: string, step: number): boolean {
  return existsSync(join(dir, `checkpoint-${step}.json`)) && !existsSync(join(dir, 'summary.json'));
}

/**
 * `sntk …` in a separate process (through tsx), for tests that kill it; on the same backend as the
 * test process (test/setup.ts: native only with SNTK_BACKEND=native), so its numbers match.
 */
export function spawnCli(args: string[]): ChildProcess {
  const backend = process.env.SNTK_BACKEND === 'native' ? 'native' : 'js';
  return spawn(process.execPath, ['--import', 'tsx', join('test', 'sweep', 'cli-entry.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1', SNTK_BACKEND: backend } });
}
