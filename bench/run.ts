/**
 * Benchmark harness entry: runs every `bench/*.bench.ts` module (each exports `name` and
 * `run(): Promise<BenchResult[]>`) and prints, per case, sntk's time, the naive baseline's time
 * measured in the same run and their ratio, as a table, or JSON with `--json`.
 *
 *   npm run bench                              # all benchmarks, table
 *   npm run bench -- --filter gemm             # only bench/*gemm*.bench.ts
 *   npm run bench -- --json --backend js       # machine-readable, pure TypeScript backend
 *   npm run bench -- --quick                   # small sizes (smoke run)
 *
 * `sntk bench` spawns this file (with tsx) from a source checkout. Exit codes: 0 all modules ran,
 * 1 a module failed, 2 bad arguments.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchUsageError, USAGE, formatTable, parseBenchArgs, runSuite } from './suite.js';

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const dir = dirname(fileURLToPath(import.meta.url));
  const out = await runSuite(dir, args, (line) => process.stderr.write(`${line}\n`));
  if (args.json) process.stdout.write(`${JSON.stringify(out, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  else if (out.benchmarks.length === 0 && out.failed.length === 0) process.stdout.write('no benchmarks matched\n');
  else process.stdout.write(`${formatTable(out)}\n`);
  return out.failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    // worker threads of the parallel GEMM are unref()ed; exit explicitly anyway
    process.exit(code);
  },
  (e: unknown) => {
    const usage = e instanceof BenchUsageError;
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n${usage ? `${USAGE}\n` : ''}`);
    process.exit(usage ? 2 : 1);
  },
);
