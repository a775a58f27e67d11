/**
 * Benchmark harness: runs every `bench/*.bench.ts` module (each exports `name` and
 * `run(): Promise<BenchResult[]>`) and prints a table, or JSON with `--json`.
 *
 *   npm run bench                      # all benchmarks, table
 *   npm run bench -- --filter gemm     # only bench/*gemm*.bench.ts
 *   npm run bench -- --json            # machine-readable
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchModule, BenchResult } from './types.js';

interface Args {
  json: boolean;
  filter: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, filter: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') args.json = true;
    else if (a === '--filter') {
      const v = argv[++i];
      if (v === undefined) usage('--filter needs a name');
      args.filter.push(v);
    } else if (a.startsWith('--filter=')) args.filter.push(a.slice('--filter='.length));
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument '${a}'`);
  }
  return args;
}

function usage(err?: string): never {
  const text = 'usage: tsx bench/run.ts [--filter NAME]... [--json]';
  if (err) {
    process.stderr.write(`bench: ${err}\n${text}\n`);
    process.exit(2);
  }
  process.stdout.write(`${text}\n`);
  process.exit(0);
}

function fmt(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return '';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e4 || a < 1e-3) return x.toExponential(3);
  return x.toPrecision(4);
}

function table(rows: { bench: string; r: BenchResult }[]): string {
  const extraKeys = [...new Set(rows.flatMap(({ r }) => Object.keys(r.extra ?? {})))];
  const header = ['bench', 'case', 'seconds', 'baseline s', 'ratio', ...extraKeys];
  const body = rows.map(({ bench, r }) => [bench, r.case, fmt(r.seconds), fmt(r.baselineSeconds), fmt(r.ratio), ...extraKeys.map((k) => fmt(r.extra?.[k]))]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]): string => cells.map((s, c) => (c < 2 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort();
  const all: { bench: string; results: BenchResult[] }[] = [];
  let failed = 0;
  for (const f of files) {
    const base = f.slice(0, -'.bench.ts'.length);
    // Filter on the file name first so that unrelated modules are not even imported.
    if (args.filter.length && !args.filter.some((p) => base.includes(p))) continue;
    try {
      const mod = (await import(pathToFileURL(join(dir, f)).href)) as Partial<BenchModule>;
      if (typeof mod.name !== 'string' || typeof mod.run !== 'function') {
        process.stderr.write(`bench: ${f} does not export name and run(); skipped\n`);
        continue;
      }
      if (!args.json) process.stderr.write(`running ${mod.name} …\n`);
      const results = await mod.run();
      all.push({ bench: mod.name, results });
    } catch (e) {
      failed++;
      process.stderr.write(`bench: ${f} failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ node: process.version, benchmarks: all }, null, 2)}\n`);
  } else if (all.length === 0) {
    process.stdout.write('no benchmarks matched\n');
  } else {
    process.stdout.write(`${table(all.flatMap(({ bench, results }) => results.map((r) => ({ bench, r }))))}\n`);
    process.stdout.write('ratio = baseline seconds / our seconds (> 1: ours is faster)\n');
  }
  if (failed > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
