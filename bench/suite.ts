/**
 * The benchmark harness behind `npm run bench` and `sntk bench`: argument parsing, module
 * discovery, per-module backend/thread set-up, and the table/JSON output. `bench/run.ts` is the
 * command-line entry; this module has no side effects so tests can import it.
 */
import { readdirSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getBackend, setBackend } from '../src/linalg/index.js';
import { nativeBackendStatus, tryRegisterNativeBackend } from '../src/linalg/native.js';
import { enableParallelGemm, parallelGemmThreads, parallelThreadsFromEnv } from '../src/linalg/parallel/index.js';
import type { BenchEnvironment, BenchModule, BenchResult } from './types.js';

/** Parsed command line of the harness. */
export interface BenchArgs {
  json: boolean;
  /** Substrings of module file names (`bench/<name>.bench.ts`); empty = all. */
  filter: string[];
  /** Backend for modules that do not pin one themselves; undefined = the default (native when built). */
  backend?: 'js' | 'native';
  /** Worker threads of the pure-TS GEMM when the js backend is active; undefined = SNTK_THREADS / all cores. */
  threads?: number;
  /** Small sizes only (a smoke run of every module in well under a minute per module). */
  quick: boolean;
  /** `--plot FILE`: run the matrix-free scaling sweep and write its log–log plot (.svg or .png) there. */
  plot?: string;
  help: boolean;
}

/** The usage text of the harness. */
export const USAGE = `usage: tsx bench/run.ts [--filter NAME]... [--json] [--quick] [--backend js|native] [--threads N]
  --filter NAME     only modules whose file name contains NAME (repeatable; also --filter=a,b)
  --json            one JSON object on stdout instead of the table
  --quick           small sizes only (smoke run)
  --backend B       linear-algebra backend for modules that do not pin one (js or native)
  --threads N       worker threads of the pure-TS GEMM under the js backend (default: all cores)
  --plot FILE       run the matrix-free scaling sweep (time vs T and vs N at PR relative standard
                    error <= 0.5%) and write its log-log plot to FILE (.svg or .png)`;

/** An argument error of the harness (exit code 2). */
export class BenchUsageError extends Error {}

/** Parses the harness arguments; throws BenchUsageError on unknown flags or missing values. Cost O(argv). */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { json: false, filter: [], quick: false, help: false };
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith('--')) throw new BenchUsageError(`${flag} needs a value`);
    return v;
  };
  const setBackendArg = (v: string): void => {
    if (v !== 'js' && v !== 'native') throw new BenchUsageError(`--backend must be js or native, got '${v}'`);
    args.backend = v;
  };
  const setThreads = (v: string): void => {
    const t = Number(v);
    if (!Number.isInteger(t) || t < 1) throw new BenchUsageError(`--threads must be a positive integer, got '${v}'`);
    args.threads = t;
  };
  const addFilter = (v: string): void => {
    for (const p of v.split(',')) if (p.trim()) args.filter.push(p.trim());
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const take = (): string => (inline !== undefined ? inline : value(++i, flag));
    if (flag === '--json') args.json = true;
    else if (flag === '--quick') args.quick = true;
    else if (flag === '--filter') addFilter(take());
    else if (flag === '--backend') setBackendArg(take());
    else if (flag === '--threads') setThreads(take());
    else if (flag === '--plot') {
      const f = take();
      if (!/\.(svg|png)$/i.test(f)) throw new BenchUsageError(`--plot needs a .svg or .png file name, got '${f}'`);
      args.plot = f;
    }
    else if (flag === '--help' || flag === '-h') args.help = true;
    else throw new BenchUsageError(`unknown argument '${a}'`);
  }
  return args;
}

/** Module base names (`gemm` for `gemm.bench.ts`) in `dir`, sorted, that match `filter` (all when empty). Cost O(files). */
export function selectModules(dir: string, filter: readonly string[]): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.slice(0, -'.bench.ts'.length))
    .sort()
    .filter((base) => filter.length === 0 || filter.some((p) => base.includes(p)));
}

/** Environment settings of `--quick` for the modules that read size overrides. */
export const QUICK_ENV: Readonly<Record<string, string>> = {
  SNTK_BENCH_KERNEL_QUICK: '1',
  BENCH_EIGEN_SIZES: '500',
  BENCH_DYNAMICS_N: '64',
  SNTK_BENCH_NATGRAD_QUICK: '1',
  SNTK_BENCH_EIGVALS_SIZES: '500',
};

/** What one run of the suite produced. */
export interface SuiteOutput {
  node: string;
  /** CPU model, logical cores and memory of the machine. */
  machine: { cpu: string; cores: number; memoryGiB: number };
  backend: string;
  native: string;
  threads: number;
  /** 1-, 5-, 15-minute load averages at the start and at the end (the machine is shared). */
  loadStart: number[];
  loadEnd: number[];
  benchmarks: { bench: string; results: BenchResult[] }[];
  failed: { bench: string; error: string }[];
}

/**
 * Runs the selected modules of `dir` one after another. Before each module the chosen backend is
 * re-activated (and, under js, the parallel GEMM re-enabled), since modules may change either.
 * `log` receives progress lines. Cost: whatever the modules cost.
 */
export async function runSuite(dir: string, args: BenchArgs, log: (line: string) => void = () => {}): Promise<SuiteOutput> {
  if (args.quick) for (const [k, v] of Object.entries(QUICK_ENV)) process.env[k] ??= v;
  if (args.plot !== undefined) process.env.SNTK_BENCH_PLOT = args.plot;
  if (args.backend !== 'js' && !tryRegisterNativeBackend() && args.backend === 'native') {
    throw new BenchUsageError(`--backend native: ${nativeBackendStatus()}`);
  }
  const chosen = args.backend ?? (getBackend().name as 'js' | 'native');
  const threads = args.threads ?? (await parallelThreadsFromEnv());
  const prepare = async (): Promise<void> => {
    setBackend(chosen);
    if (chosen === 'js' && threads > 1 && parallelGemmThreads() !== threads) await enableParallelGemm({ threads });
    setBackend(chosen);
  };
  await prepare();
  const machine = machineInfo();
  const out: SuiteOutput = {
    node: process.version,
    machine,
    backend: chosen,
    native: nativeBackendStatus(),
    threads: chosen === 'js' ? parallelGemmThreads() : 1,
    loadStart: loadavg().map((x) => Math.round(x * 100) / 100),
    loadEnd: [],
    benchmarks: [],
    failed: [],
  };
  const modules = args.plot !== undefined && args.filter.length === 0 ? ['scaling'] : selectModules(dir, args.filter);
  for (const base of modules) {
    try {
      await prepare();
      const mod = (await import(pathToFileURL(join(dir, `${base}.bench.ts`)).href)) as Partial<BenchModule>;
      if (typeof mod.name !== 'string' || typeof mod.run !== 'function') {
        log(`bench: ${base}.bench.ts does not export name and run(); skipped`);
        continue;
      }
      log(`running ${mod.name} (backend ${getBackend().name}) …`);
      const t0 = performance.now();
      const results = await mod.run();
      for (const r of results) r.env ??= environment(machine, threads);
      log(`  ${mod.name}: ${results.length} case(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      out.benchmarks.push({ bench: mod.name, results });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      out.failed.push({ bench: base, error });
      log(`bench: ${base}.bench.ts failed: ${error}`);
    }
  }
  out.loadEnd = loadavg().map((x) => Math.round(x * 100) / 100);
  return out;
}

/** CPU model (first core's), logical cores and total memory. Cost O(cores). */
export function machineInfo(): { cpu: string; cores: number; memoryGiB: number } {
  const c = cpus();
  return {
    cpu: (c[0]?.model ?? 'unknown').trim(),
    cores: typeof availableParallelism === 'function' ? availableParallelism() : c.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
  };
}

/**
 * The environment record of a result under the backend active now (CPU model, cores, backend, BLAS
 * build, threads). Modules that switch backends call it per case; the harness fills in the rest.
 */
export function environment(machine: { cpu: string; cores: number } = machineInfo(), jsThreads = 1): BenchEnvironment {
  const backend = getBackend().name;
  const status = nativeBackendStatus();
  const m = /(\d+) threads\)?\s*$/.exec(status);
  return backend === 'native'
    ? { cpu: machine.cpu, cores: machine.cores, backend, blas: status.replace(/^.*?\(/, '').replace(/\)\s*$/, ''), threads: m ? Number(m[1]) : 0 }
    : { cpu: machine.cpu, cores: machine.cores, backend, blas: 'pure TypeScript blocked GEMM', threads: parallelGemmThreads() || jsThreads };
}

/** A number for the table: 4 significant digits, exponent form for very large/small; integers as such when `integers`. */
export function fmt(x: number | undefined, integers = false): string {
  if (x === undefined || Number.isNaN(x)) return '';
  if (integers && Number.isInteger(x) && Math.abs(x) < 1e9) return String(x);
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(2);
  return x.toPrecision(4);
}

/**
 * The human table: one line per case with our seconds, the baseline's seconds and the ratio
 * (baseline / ours), then each case's extra figures as `key=value` (the extras differ by module).
 */
export function formatTable(o: SuiteOutput): string {
  const rows = o.benchmarks.flatMap(({ bench, results }) => results.map((r) => ({ bench, r })));
  const header = ['bench', 'case', 'sntk s', 'baseline s', 'ratio', 'extra'];
  const body = rows.map(({ bench, r }) => [
    bench,
    r.case,
    fmt(r.seconds),
    fmt(r.baselineSeconds),
    fmt(r.ratio),
    Object.entries(r.extra ?? {})
      .map(([k, v]) => `${k}=${fmt(v, true)}`)
      .join(' '),
  ]);
  const widths = header.map((h, c) => (c === 5 ? 0 : Math.max(h.length, ...body.map((row) => row[c]!.length))));
  const line = (cells: string[]): string =>
    cells
      .map((s, c) => (c === 5 ? s : c < 2 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  const lines = [
    `${o.machine.cpu}, ${o.machine.cores} cores, ${o.machine.memoryGiB} GiB · backend ${o.backend}${o.backend === 'js' ? ` (${o.threads} GEMM thread${o.threads === 1 ? '' : 's'})` : ''} · ${o.native} · node ${o.node} · load ${o.loadStart.join(' ')} → ${o.loadEnd.join(' ')}`,
    line(header),
    widths.map((w, c) => '-'.repeat(c === 5 ? 5 : w)).join('  '),
    ...body.map(line),
    'ratio = baseline seconds / sntk seconds (> 1: sntk is faster); the baseline of each case is named in its module',
  ];
  for (const f of o.failed) lines.push(`FAILED ${f.bench}: ${f.error}`);
  return lines.join('\n');
}
