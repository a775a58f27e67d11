/**
 * The local pool: runs are ordinary run folders identical to an in-process `trainRun` of the same
 * config; a second sweep on a finished folder does nothing; a worker process killed mid-run is
 * retried and the folder ends identical; a run that throws is failed with its message while the
 * others complete; the summary and the sweep page.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocalSweep, type SweepCounts } from '../../src/sweep/local-pool.js';
import { executeSweepRun, runDir } from '../../src/sweep/execute.js';
import { summaryRow, writeSummary, SUMMARY_COLUMNS } from '../../src/sweep/summary.js';
import { writeSweepManifest } from '../../src/sweep/folder.js';
import { parseSweepFile } from '../../src/sweep/spec.js';
import { runOutcome } from '../../src/train/monitor/outcome.js';
import { quantile, seedBands, writeSweepPage, isSweepFolder } from '../../src/report/sweep-page.js';
import { RunnerChild, RunTimeoutError } from '../../src/sweep/runner.js';
import { runCli } from '../cli/run-cli.js';
import { existsSync } from 'node:fs';
import { setNativeThreads } from '../../src/linalg/native.js';
import { midRun, runFingerprint, tempDir, tinyRuns, TINY_SWEEP, waitFor } from './helpers.js';

const runs = tinyRuns();
const ref = tempDir('local-ref');

function allFiles(dir: string): Map<string, number> {
  const m = new Map<string, number>();
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else m.set(p, s.mtimeMs);
    }
  };
  walk(dir);
  return m;
}

beforeAll(async () => {
  const out = await runLocalSweep(runs, ref, { workers: 2 });
  expect([...out.values()].every((o) => o.ok)).toBe(true);
}, 400_000);

describe('local sweep pool', { timeout: 400_000 }, () => {
  it('trains every run into runs/<id>, the same as an in-process run of its config', async () => {
    for (const r of runs) {
      const o = runOutcome(runDir(ref, r.id));
      expect(o.steps).toBe(20);
      expect(o.learningRate).toBe(r.config.optimizer.learningRate);
    }
    const direct = tempDir('local-direct');
    // sweep workers run OpenBLAS on one thread; the reference run here does the same, since a
    // different thread count may change the last bits of a GEMM
    setNativeThreads(1);
    const ex = await executeSweepRun(runs[3]!.config, runDir(direct, runs[3]!.id), { report: false });
    expect(ex.action).toBe('trained');
    expect(runFingerprint(runDir(direct, runs[3]!.id))).toEqual(runFingerprint(runDir(ref, runs[3]!.id)));
  });

  it('does nothing on a finished folder: no run, no file touched', async () => {
    const spec = parseSweepFile(TINY_SWEEP);
    writeSweepManifest(ref, spec, runs, 'tiny');
    writeSummary(ref, runs.map((r) => summaryRow(ref, r)), spec.axes.map((a) => a.path));
    const before = allFiles(ref);
    let last: SweepCounts | null = null;
    const out = await runLocalSweep(runs, ref, { workers: 2, onUpdate: (c) => (last = c) });
    expect([...out.values()].every((o) => o.ok && o.execution === null)).toBe(true);
    expect(last!.skipped).toBe(4);
    writeSweepManifest(ref, spec, runs, 'tiny');
    writeSummary(ref, runs.map((r) => summaryRow(ref, r)), spec.axes.map((a) => a.path));
    expect(allFiles(ref)).toEqual(before);
  });

  it('retries a run whose worker process was killed mid-run; the folder ends identical', async () => {
    const out = tempDir('local-kill');
    const target = runs[1]!;
    let killed = false;
    let last: SweepCounts | null = null;
    const res = await runLocalSweep([target], out, {
      workers: 1,
      retries: 1,
      report: false,
      onUpdate: (c) => (last = c),
      onDispatch: (run, pid) => {
        if (killed || pid === null) return;
        killed = true;
        void waitFor(() => midRun(runDir(out, run.id), 4), 60000, 'checkpoint-4').then(() => process.kill(pid, 'SIGKILL'));
      },
    });
    expect(last!.retried).toBe(1);
    const o = res.get(target.id)!;
    expect(o.ok && o.execution?.action).toBe('resumed');
    const summary = JSON.parse(readFileSync(join(runDir(out, target.id), 'summary.json'), 'utf8')) as { resumedFrom: number };
    expect(summary.resumedFrom).toBeGreaterThanOrEqual(4);
    const a = runFingerprint(runDir(out, target.id));
    const b = runFingerprint(runDir(ref, target.id));
    expect(Object.keys(a)).toEqual(Object.keys(b));
    for (const k of Object.keys(b)) expect(a[k], k).toBe(b[k]);
  });

  it('fails a run that throws with its message; the others complete', async () => {
    const out = tempDir('local-throw');
    const bad = runs[0]!;
    mkdirSync(runDir(out, bad.id), { recursive: true });
    writeFileSync(join(runDir(out, bad.id), 'checkpoint-4.json'), '{ not json');
    const res = await runLocalSweep(runs.slice(0, 2), out, { workers: 2, report: false });
    const o = res.get(bad.id)!;
    expect(o.ok).toBe(false);
    expect(!o.ok && o.message).toMatch(/no valid checkpoint .*checkpoint-4\.json not valid JSON/);
    expect(res.get(runs[1]!.id)!.ok).toBe(true);
    const row = summaryRow(out, bad, !o.ok ? o.message : null);
    expect(row.status).toBe('failed');
    expect(row.error).toMatch(/not valid JSON/);
  });
});

describe('per-run time limit', () => {
  it('kills a run over its time limit and says so; its folder keeps no summary', async () => {
    const out = tempDir('local-timeout');
    const child = new RunnerChild();
    const dir = runDir(out, runs[0]!.id);
    await expect(child.run(runs[0]!.config, dir, { timeoutMs: 50, label: 'run x' })).rejects.toThrow(RunTimeoutError);
    await expect(child.run(runs[0]!.config, dir, { timeoutMs: 50, label: 'run x' })).rejects.toThrow(/run x: over the time limit of 0 s/);
    expect(existsSync(join(dir, 'summary.json'))).toBe(false);
    child.stop(true);
  });
});

describe('summary and sweep page', () => {
  it('summary rows carry the axes, the final metrics and the events of each run', () => {
    const spec = parseSweepFile(TINY_SWEEP);
    const rows = runs.map((r) => summaryRow(ref, r));
    const files = writeSummary(ref, rows, spec.axes.map((a) => a.path));
    const lines = readFileSync(files.jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBe(4);
    lines.forEach((l, i) => {
      const o = runOutcome(runDir(ref, runs[i]!.id));
      expect(l['id']).toBe(runs[i]!.id);
      expect(l['optimizer.learningRate']).toBe(runs[i]!.axes['optimizer.learningRate']);
      expect(l['finalLoss']).toBe(o.finalLoss);
      expect(l['prMin']).toBe(o.prAfter);
      expect(l['collapseFactor']).toBeCloseTo(o.prBefore! / o.prAfter!, 14);
      expect(l['firstBifurcationStep']).toBe(o.firstBifurcationStep);
      expect(l['lossIncreases']).toBe(o.lossIncreases);
    });
    const csv = readFileSync(files.csv, 'utf8').trim().split('\n');
    expect(csv[0]).toBe(['id', 'status', 'optimizer.learningRate', 'optimizer.kind', ...SUMMARY_COLUMNS, 'error'].join(','));
    expect(csv.length).toBe(5);
  });

  it('quantiles interpolate linearly between order statistics (numpy default)', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([1, 2, 3, 4, 10], 0.75)).toBe(4);
    expect(quantile([7], 0.25)).toBe(7);
    const rows = [0, 1, 2, 3, 4].map((s) => ({ lr: 0.1, kind: 'sgd', seed: s, loss: s * s }));
    const [b] = seedBands(rows, 'lr', ['kind'], 'loss');
    expect(b).toEqual({ x: 0.1, group: 'kind=sgd', median: 4, q1: 1, q3: 9, n: 5 });
  });

  it('the sweep page plots each metric against each axis and links each run', async () => {
    expect(isSweepFolder(ref)).toBe(true);
    const page = await writeSweepPage(ref);
    expect(page.plots).toEqual(TINY_SWEEP.metrics.flatMap((m) => [`${m}-vs-optimizer.learningRate`, `${m}-vs-optimizer.kind`]));
    const html = readFileSync(page.html, 'utf8');
    expect((html.match(/<svg/g) ?? []).length).toBe(8);
    for (const r of runs) expect(html).toContain(`href="../runs/${r.id}/report/report.html"`);
  });

  it('sntk report on a sweep folder writes the sweep page', async () => {
    const r = await runCli(['report', ref, '--json']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out) as { html: string; plots: string[] };
    expect(res.html).toBe(join(ref, 'report', 'index.html'));
    expect(res.plots.length).toBe(8);
  });
});
