/** `sntk demo` and `sntk train` end to end through the CLI, on tiny configs. */
import { describe, it, expect, vi } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  try {
    return { code: await main(args), out, err };
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
}

const TINY = { steps: 4, task: { hiddenSize: 4, T: 10, B: 4 } };
const KEYS = ['learningRate', 'steps', 'firstBifurcationStep', 'bifurcationType', 'fixedPointsBefore', 'fixedPointsAfter', 'rankCollapseStep', 'prBefore', 'prAfter', 'dominantAlignment', 'maxLossJump', 'lossIncreases', 'stepsToTarget', 'secondsPerStep', 'finalLoss'];

describe('sntk demo', () => {
  it('--json prints {reference, sgd, natgrad, cost, checks, seconds} and seeds with --seeds; the exit status follows the judged checks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-demo-'));
    const r = await run(['demo', '--out', dir, '--seeds', '2', '--jobs', '1', '--set', JSON.stringify(TINY), '--no-report', '--json']);
    const j = JSON.parse(r.out);
    expect(r.code).toBe(j.checks.ok ? 0 : 1);
    if (!j.checks.ok) expect(r.err).toMatch(/^sntk: demo: \d+ judged check\(s\) failed: /m);
    expect(Object.keys(j).sort()).toEqual(['checks', 'cost', 'cpuSeconds', 'natgrad', 'reference', 'seconds', 'seeds', 'sgd']);
    expect(j.checks.seeds).toBe(2);
    expect(j.checks.total).toBe(j.checks.checks.length);
    // 2 seeds: the claims stated over 5 seeds are not judged, never FAIL
    for (const c of j.checks.checks) if (['natgrad.lossIncreases', 'natgrad.maxLossJump', 'natgrad.stepsToTarget'].includes(c.name)) expect(c.verdict).toBe('not judged');
    expect(j.checks.checks.find((c: { name: string }) => c.name === 'reference.dominantAlignmentBias').values).toEqual([j.seeds[0].reference.dominantAlignmentBias, j.seeds[1].reference.dominantAlignmentBias]);
    expect(j.checks.checks.find((c: { name: string }) => c.name === 'reference.dominantAlignment').verdict).toBe('reported');
    expect(j.cost.natgradSeconds).toBeGreaterThan(0);
    expect(j.cost.sgdSeconds).toBeGreaterThan(0);
    expect(j.cost.spread[0]).toBeLessThanOrEqual(j.cost.natgradOverSgd);
    expect(j.cost.natgradOverSgd).toBeLessThanOrEqual(j.cost.spread[1]);
    // the fields, plus two diagnostics of the alignment (bias part of B*ᵀl, ‖h*‖ at the PR minimum)
    for (const name of ['reference', 'sgd', 'natgrad']) expect(Object.keys(j[name]).sort()).toEqual([...KEYS, 'dominantAlignmentBias', 'hStarAtMinimum'].sort());
    expect(j.reference.learningRate).toBe(0.1);
    expect(j.sgd.learningRate).toBe(1);
    expect(j.natgrad.learningRate).toBe(1);
    expect(j.reference.steps).toBe(4);
    expect(j.seeds).toHaveLength(2);
    expect(j.seeds[0]).toEqual({ reference: j.reference, sgd: j.sgd, natgrad: j.natgrad });
    expect(typeof j.reference.prBefore).toBe('number');
    expect(j.reference.prAfter).toBeLessThanOrEqual(j.reference.prBefore);
    for (const s of [0, 1]) for (const n of ['reference', 'sgd', 'natgrad']) expect(existsSync(join(dir, `seed-${s}`, n, 'eigenvalues.jsonl'))).toBe(true);
    // the same checks, with the per-seed outcomes, are kept in the output folder
    const saved = JSON.parse(readFileSync(join(dir, 'checks.json'), 'utf8'));
    expect(saved.checks).toEqual(j.checks);
    expect(saved.seeds).toEqual(j.seeds);
  }, 60000);

  it('runs in worker processes give the same outcomes as in this process; index.html links every report and comparison page', async () => {
    const a = mkdtempSync(join(tmpdir(), 'sntk-demo-'));
    const b = mkdtempSync(join(tmpdir(), 'sntk-demo-'));
    const serial = await run(['demo', '--out', a, '--jobs', '1', '--set', JSON.stringify(TINY), '--no-report', '--json']);
    const par = await run(['demo', '--out', b, '--jobs', '3', '--set', JSON.stringify(TINY), '--json']);
    const js = JSON.parse(serial.out);
    const jp = JSON.parse(par.out);
    const noTime = (o: Record<string, unknown>) => ({ ...o, secondsPerStep: null });
    for (const n of ['reference', 'sgd', 'natgrad']) expect(noTime(jp[n])).toEqual(noTime(js[n]));
    expect(readFileSync(join(b, 'seed-0', 'natgrad', 'metrics.jsonl'), 'utf8').split('\n').length).toBe(readFileSync(join(a, 'seed-0', 'natgrad', 'metrics.jsonl'), 'utf8').split('\n').length);
    const index = readFileSync(join(b, 'index.html'), 'utf8');
    for (const n of ['reference', 'sgd', 'natgrad']) {
      expect(index).toContain(`href="seed-0/${n}/report/report.html"`);
      expect(existsSync(join(b, 'seed-0', n, 'report', 'report.html'))).toBe(true);
    }
    expect(index).toContain('href="seed-0/comparison.html"');
    expect(existsSync(join(b, 'seed-0', 'comparison.html'))).toBe(true);
    // one row per check, each with its verdict
    for (const c of jp.checks.checks) expect(index).toContain(c.name);
    expect((index.match(/<tr><td class="v-/g) ?? []).length).toBe(jp.checks.total);
    expect(index).toContain('not judged (needs --seeds 5)');
  }, 120000);

  it('--quiet prints nothing on stderr; without a TTY the progress is plain lines at most every 5 s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-demo-'));
    const q = await run(['demo', '--out', dir, '--jobs', '1', '--set', JSON.stringify({ ...TINY, steps: 2 }), '--no-report', '--json', '--quiet']);
    expect(q.err.replace(/^sntk: demo: .*\n$/m, '')).toBe('');
    const top = await run(['--quiet', 'demo', '--out', dir, '--jobs', '1', '--set', JSON.stringify({ ...TINY, steps: 2 }), '--no-report', '--json']);
    expect(top.err.replace(/^sntk: demo: .*\n$/m, '')).toBe('');
    expect(JSON.parse(top.out).reference.steps).toBe(2);
  }, 60000);

  it('without --seeds there is no seeds field; a bad --set fails before any work (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-demo-'));
    const r = await run(['demo', '--out', dir, '--jobs', '1', '--set', JSON.stringify({ ...TINY, steps: 2 }), '--no-report', '--json']);
    expect([0, 1]).toContain(r.code);
    expect(Object.keys(JSON.parse(r.out)).sort()).toEqual(['checks', 'cost', 'cpuSeconds', 'natgrad', 'reference', 'seconds', 'sgd']);
    const bad = await run(['demo', '--out', join(dir, 'x'), '--set', '{"task":{"hiddenSize":4},"bogus":1}', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown field 'bogus'/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
    const jobs = await run(['demo', '--out', join(dir, 'y'), '--jobs', '0']);
    expect(jobs.code).toBe(2);
    expect(jobs.err).toMatch(/--jobs must be a positive integer/);
  }, 60000);
});

describe('sntk train', () => {
  const cfg = { seed: 2, steps: 9, checkpointEvery: 2, task: { name: 'pitchfork', hiddenSize: 4, T: 10, B: 4 }, optimizer: { kind: 'natgrad', learningRate: 0.5, k: 1, adaptive: true }, monitor: { collapseFactor: 1.2 } };

  it('resume after a kill at a random step gives bit-identical parameters and monitor rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-train-'));
    const cfile = join(dir, 'run.json');
    writeFileSync(cfile, JSON.stringify(cfg));
    const full = join(dir, 'full');
    const r1 = await run(['train', '--config', cfile, '--out', full, '--no-report', '--json']);
    expect(r1.code).toBe(0);
    const sum = JSON.parse(r1.out);
    expect(sum.status).toBe('completed');
    // "kill" after checkpoint k: keep only the files a run killed then would have left
    const k = 2 * (1 + Math.floor(Math.random() * 3)); // 2, 4 or 6
    const part = join(dir, 'part');
    cpSync(full, part, { recursive: true });
    for (const f of readdirSync(part)) {
      const m = /^(?:checkpoint|model)-(\d+)\.json$/.exec(f);
      if (m && Number(m[1]) > k) rmSync(join(part, f));
    }
    rmSync(join(part, 'summary.json'));
    const r2 = await run(['train', '--config', cfile, '--out', part, '--resume', '--no-report', '--json']);
    expect(r2.code).toBe(0);
    expect(JSON.parse(r2.out).resumedFrom).toBe(k);
    const a = JSON.parse(readFileSync(join(full, 'checkpoint-9.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(part, 'checkpoint-9.json'), 'utf8'));
    expect(b.params).toEqual(a.params);
    expect(b.optimizer).toEqual(a.optimizer);
    const strip = (d: string) =>
      readFileSync(join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
        const { seconds: _s, monitorSeconds: _m, ...rest } = JSON.parse(l);
        return rest;
      });
    expect(strip(part)).toEqual(strip(full));
    const ev = (d: string) => JSON.parse(readFileSync(join(d, 'events.json'), 'utf8'));
    expect(ev(part)).toEqual(ev(full));
    expect(readFileSync(join(part, 'eigenvalues.jsonl'), 'utf8')).toBe(readFileSync(join(full, 'eigenvalues.jsonl'), 'utf8'));
  }, 60000);

  it('writes the report; a NaN loss stops the run, keeps the last good checkpoint and says so (exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-train-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ ...cfg, steps: 3 }));
    const r = await run(['train', '--config', good, '--out', join(dir, 'g'), '--json']);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'g', 'report', 'report.html'))).toBe(true);
    const nan = join(dir, 'nan.json');
    // W = ±1e308 (alternating): W h overflows to ±Inf and Inf − Inf = NaN in the first forward pass
    const init = [...Array.from({ length: 16 }, (_, i) => (i % 2 ? -1e308 : 1e308)), 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0];
    writeFileSync(nan, JSON.stringify({ ...cfg, optimizer: { kind: 'sgd', learningRate: 0.1 }, steps: 5, checkpointEvery: 1, initialParams: init }));
    const n = await run(['train', '--config', nan, '--out', join(dir, 'n'), '--no-report', '--json']);
    expect(n.code).toBe(1);
    // the step-0 parameters already fail, so no checkpoint is good
    expect(n.err).toMatch(/stopped at step 0: .*no good checkpoint \(the run already failed at its initial parameters\)/);
    const s = JSON.parse(readFileSync(join(dir, 'n', 'summary.json'), 'utf8'));
    expect(s.status).toBe('nan');
    expect(existsSync(join(dir, 'n', `checkpoint-${s.lastCheckpointStep}.json`))).toBe(true);
  }, 60000);

  it('a bad config (unknown field, negative learning rate, mismatched sizes) exits 2 before any work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sntk-train-'));
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ optimizer: { learningRate: -1 }, monitor: { trials: 99, nope: 1 } }));
    const r = await run(['train', '--config', f, '--out', join(dir, 'o')]);
    expect(r.code).toBe(2);
    // one line: the first failing field and how many more
    expect(r.err).toMatch(/learningRate.*\(and 2 more problems\)/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'o'))).toBe(false);
  });
});

describe('stepCostRatio', () => {
  it('median CPU-time ratio between its quartiles, on the same state every round', async () => {
    const { stepCostRatio, quantile } = await import('../../src/train/cost.js');
    const base = { seed: 0, task: { name: 'pitchfork', hiddenSize: 4, T: 8, B: 4 } };
    const r = stepCostRatio({ ...base, optimizer: { kind: 'sgd', learningRate: 1 } } as never, { ...base, optimizer: { kind: 'natgrad', learningRate: 1, k: 1, fisherTrials: 2 } } as never, 5);
    expect(r.rounds).toBe(5);
    for (const x of [r.sgdSeconds, r.natgradSeconds, r.natgradOverSgd, r.wallRatio]) expect(Number.isFinite(x)).toBe(true);
    expect(r.spread[0]).toBeLessThanOrEqual(r.natgradOverSgd);
    expect(r.natgradOverSgd).toBeLessThanOrEqual(r.spread[1]);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('interleavedStepSeconds', () => {
  it('returns one positive, finite time per config and rejects rounds < 1 with InputError', async () => {
    const { interleavedStepSeconds } = await import('../../src/train/cost.js');
    const { InputError } = await import('../../src/errors.js');
    const base = { seed: 0, task: { name: 'pitchfork', hiddenSize: 4, T: 8, B: 4 } };
    const t = interleavedStepSeconds([{ ...base, optimizer: { kind: 'sgd', learningRate: 1 } }, { ...base, optimizer: { kind: 'natgrad', learningRate: 1, k: 1, fisherTrials: 2 } }] as never, 3);
    expect(t).toHaveLength(2);
    for (const x of t) expect(x > 0 && Number.isFinite(x)).toBe(true);
    expect(() => interleavedStepSeconds([], 0)).toThrow(InputError);
  });
});
