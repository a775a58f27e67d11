import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchUsageError, QUICK_ENV, formatTable, machineInfo, parseBenchArgs, selectModules } from '../../bench/suite.js';
import { logLogSlope, scalingPlotSpec } from '../../bench/scaling.bench.js';
import { benchCommandLine, findPackageRoot } from '../../src/cli/commands/bench.js';
import { UsageError } from '../../src/errors.js';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');

describe('bench harness arguments', () => {
  it('parses --filter (repeated, = and comma forms), --json, --quick, --backend, --threads', () => {
    const a = parseBenchArgs(['--filter', 'gemm', '--filter=kernel,dyn', '--json', '--quick', '--backend', 'js', '--threads=2']);
    expect(a.filter).toEqual(['gemm', 'kernel', 'dyn']);
    expect(a.json).toBe(true);
    expect(a.quick).toBe(true);
    expect(a.backend).toBe('js');
    expect(a.threads).toBe(2);
    const d = parseBenchArgs([]);
    expect(d).toMatchObject({ json: false, quick: false, filter: [] });
    expect(d.backend).toBeUndefined();
    expect(d.threads).toBeUndefined();
  });

  it('--quick sets every *_QUICK switch that a bench module reads (e.g. the natural-gradient bench)', () => {
    const read = new Set<string>();
    for (const f of readdirSync(benchDir).filter((x) => x.endsWith('.bench.ts'))) {
      for (const m of readFileSync(join(benchDir, f), 'utf8').matchAll(/(SNTK_BENCH_[A-Z_]*QUICK)/g)) read.add(m[1]!);
    }
    expect(read.has('SNTK_BENCH_NATGRAD_QUICK')).toBe(true);
    for (const k of read) expect(QUICK_ENV[k], k).toBe('1');
  });

  it('parses --plot with an .svg or .png file and rejects other names', () => {
    expect(parseBenchArgs(['--plot', 'scaling.svg']).plot).toBe('scaling.svg');
    expect(parseBenchArgs(['--plot=out/s.png']).plot).toBe('out/s.png');
    expect(() => parseBenchArgs(['--plot', 'scaling.pdf'])).toThrow(/\.svg or \.png/);
    expect(() => parseBenchArgs(['--plot'])).toThrow(/needs a value/);
  });

  it('machineInfo names the CPU model and a positive core count', () => {
    const m = machineInfo();
    expect(m.cpu.length).toBeGreaterThan(0);
    expect(m.cores).toBeGreaterThanOrEqual(1);
    expect(m.memoryGiB).toBeGreaterThan(0);
  });

  it('rejects unknown flags, missing values and bad backends/threads', () => {
    expect(() => parseBenchArgs(['--nope'])).toThrow(BenchUsageError);
    expect(() => parseBenchArgs(['--filter'])).toThrow(/needs a value/);
    expect(() => parseBenchArgs(['--filter', '--json'])).toThrow(/needs a value/);
    expect(() => parseBenchArgs(['--backend', 'cuda'])).toThrow(/js or native/);
    expect(() => parseBenchArgs(['--threads', '0'])).toThrow(/positive integer/);
  });

  it('selects modules by file-name substring, and every benchmark case module is there', () => {
    const all = selectModules(benchDir, []);
    for (const m of ['dynamics', 'eigen', 'gemm', 'kernel', 'natgrad', 'native']) expect(all).toContain(m);
    expect(selectModules(benchDir, ['gemm'])).toEqual(['gemm']);
    expect(selectModules(benchDir, ['dyn', 'natg'])).toEqual(['dynamics', 'natgrad']);
    expect(selectModules(benchDir, ['zzz'])).toEqual([]);
  });

  it('formats a table with ours, baseline and ratio per case', () => {
    const text = formatTable({
      node: 'v20', machine: { cpu: 'AMD EPYC', cores: 2, memoryGiB: 23 }, backend: 'js', native: 'n/a', threads: 2, loadStart: [1, 1, 1], loadEnd: [2, 2, 2], failed: [],
      benchmarks: [{ bench: 'x', results: [{ case: 'c1', seconds: 0.5, baselineSeconds: 2, ratio: 4, extra: { n: 10 } }] }],
    });
    expect(text.split('\n')[0]).toMatch(/^AMD EPYC, 2 cores, 23 GiB · backend js/);
    const row = text.split('\n').find((l) => l.startsWith('x '))!;
    expect(row).toMatch(/c1\s+0\.5000\s+2\.000\s+4\.000\s+n=10/);
  });
});

describe('sntk bench command line', () => {
  it('runs bench/run.ts with tsx from the checkout and passes the options through', () => {
    const root = findPackageRoot()!;
    const { command, args } = benchCommandLine({ filter: ['gemm', 'eigen'], json: true, quick: true, backend: 'js', threads: '2' }, root);
    expect(command).toBe(process.execPath);
    expect(args[0]).toMatch(/tsx/);
    expect(args[1]).toBe(join(root, 'bench', 'run.ts'));
    expect(args.slice(2)).toEqual(['--filter', 'gemm', '--filter', 'eigen', '--json', '--quick', '--backend', 'js', '--threads', '2']);
    expect(() => benchCommandLine({ backend: 'gpu' }, root)).toThrow(UsageError);
  });

  it('passes --plot as an absolute .svg/.png path and rejects other names', () => {
    const root = findPackageRoot()!;
    const { args } = benchCommandLine({ plot: 'scaling.svg' }, root);
    expect(args.slice(2)).toEqual(['--plot', resolve('scaling.svg')]);
    expect(() => benchCommandLine({ plot: 'scaling.txt' }, root)).toThrow(/\.svg or \.png/);
  });

  it('says the source checkout is needed when bench/ is missing', () => {
    const fake = mkdtempSync(join(tmpdir(), 'sntk-bench-'));
    mkdirSync(join(fake, 'dist'));
    writeFileSync(join(fake, 'package.json'), JSON.stringify({ name: 'sntk' }));
    expect(findPackageRoot(join(fake, 'dist'))).toBe(fake);
    expect(() => benchCommandLine({}, fake)).toThrow(/source checkout/);
  });
});

describe('sntk bench end to end', () => {
  it('spawns the suite (no module matched: exit 0) and maps bad options to exit 2', async () => {
    const { runCli } = await import('../cli/run-cli.js');
    expect((await runCli(['bench', '--filter', 'no-such-module', '--backend', 'js'])).code).toBe(0);
    const bad = await runCli(['bench', '--backend', 'gpu']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/js or native/);
  }, 60_000);
});

describe('matrix-free scaling sweep helpers', () => {
  it('logLogSlope recovers the exponent of a power law (abs 1e-12) and is NaN for one point', () => {
    const x = [10, 20, 40, 80];
    expect(Math.abs(logLogSlope(x, x.map((v) => 3 * v ** 1.5)) - 1.5)).toBeLessThan(1e-12);
    expect(logLogSlope([1], [1])).toBeNaN();
  });

  it('scalingPlotSpec has two log–log panels (T and N) with the points and fitted slopes in the titles', () => {
    const pts = [
      { sweep: 'T' as const, N: 8, T: 10, seconds: 1, probes: 120, prRelSE: 0.004, matvecs: 10 },
      { sweep: 'T' as const, N: 8, T: 20, seconds: 2, probes: 120, prRelSE: 0.004, matvecs: 10 },
      { sweep: 'N' as const, N: 8, T: 10, seconds: 1, probes: 120, prRelSE: 0.004, matvecs: 10 },
      { sweep: 'N' as const, N: 16, T: 10, seconds: 4, probes: 120, prRelSE: 0.004, matvecs: 10 },
    ];
    const spec = scalingPlotSpec(pts, { cpu: 'AMD EPYC', cores: 2, backend: 'native' }) as unknown as { hconcat: { title: string; data: { values: unknown[] }; encoding: { x: { scale: { type: string } }; y: { scale: { type: string } } } }[] };
    expect(spec.hconcat).toHaveLength(2);
    expect(spec.hconcat[0]!.title).toMatch(/vs T .*slope 1\.00/);
    expect(spec.hconcat[1]!.title).toMatch(/vs N .*slope 2\.00/);
    for (const p of spec.hconcat) {
      expect(p.data.values).toHaveLength(2);
      expect(p.encoding.x.scale.type).toBe('log');
      expect(p.encoding.y.scale.type).toBe('log');
    }
  });
});
