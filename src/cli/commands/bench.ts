/**
 * `sntk bench [--filter name]... [--json] [--quick] [--backend js|native] [--threads n] [--plot f]`:
 * runs the benchmark suite (`bench/*.bench.ts`: sntk against a baseline measured in the same run,
 * per case; every result records the CPU model, core count, backend, BLAS build and threads) and
 * prints its table, or its JSON with `--json`. `--plot f.svg|f.png` runs the matrix-free scaling
 * sweep (time vs T and vs N at PR relative standard error ≤ 0.5%) and writes its log–log plot.
 *
 * The suite's modules are TypeScript in the source checkout's `bench/` folder (they are not
 * compiled into dist/), so this command runs `bench/run.ts` in a child process with tsx (a
 * development dependency), passing the options through and returning its exit status. Without a
 * `bench/` folder or without tsx (an installed package) it fails with a UsageError saying so.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { SntkError, UsageError } from '../../errors.js';

/** Options of `sntk bench` as commander hands them over. */
export interface BenchCliOptions {
  filter?: string[];
  json?: boolean;
  quick?: boolean;
  backend?: string;
  threads?: string;
  plot?: string;
}

/** The package root above `from` (the first folder with a package.json named "sntk"), or undefined. Cost O(depth). */
export function findPackageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (let up = 0; up < 8; up++) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'sntk') return dir;
      } catch {
        /* not ours */
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/**
 * The child command line that runs the suite from the checkout at `root`: `[node, tsx-cli,
 * root/bench/run.ts, …flags]`. Throws UsageError when `bench/run.ts` or tsx is missing, or an
 * option is malformed. Cost O(1) file checks.
 */
export function benchCommandLine(opts: BenchCliOptions, root: string | undefined = findPackageRoot()): { command: string; args: string[]; cwd: string } {
  const script = root ? join(root, 'bench', 'run.ts') : undefined;
  if (!root || !script || !existsSync(script)) {
    throw new UsageError(
      'sntk bench needs the source checkout: the benchmarks are TypeScript modules in bench/ (not part of the installed package). ' +
        'Clone the repository, run `npm ci`, then `npx sntk bench` or `npm run bench` there.',
    );
  }
  let tsxCli: string;
  try {
    tsxCli = createRequire(join(root, 'package.json')).resolve('tsx/cli');
  } catch {
    throw new UsageError(`sntk bench needs tsx (a development dependency) to run ${script}; run \`npm ci\` in ${root}`);
  }
  const args = [tsxCli, script];
  for (const f of opts.filter ?? []) args.push('--filter', f);
  if (opts.json) args.push('--json');
  if (opts.quick) args.push('--quick');
  if (opts.backend !== undefined) {
    if (opts.backend !== 'js' && opts.backend !== 'native') throw new UsageError(`--backend must be js or native, got '${opts.backend}'`);
    args.push('--backend', opts.backend);
  }
  if (opts.threads !== undefined) {
    const t = Number(opts.threads);
    if (!Number.isInteger(t) || t < 1) throw new UsageError(`--threads must be a positive integer, got '${opts.threads}'`);
    args.push('--threads', String(t));
  }
  if (opts.plot !== undefined) {
    if (!/\.(svg|png)$/i.test(opts.plot)) throw new UsageError(`--plot needs a .svg or .png file name, got '${opts.plot}'`);
    args.push('--plot', resolve(opts.plot));
  }
  return { command: process.execPath, args, cwd: root };
}

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('run the benchmark suite (sntk vs a same-run baseline per case, with CPU, cores, backend, BLAS build and threads); needs the source checkout')
    .option('--filter <name>', 'only benchmark modules whose name contains this (repeatable)', collect)
    .option('--json', 'print one JSON object')
    .option('--quick', 'small sizes only (a smoke run)')
    .option('--backend <name>', 'linear-algebra backend for the cases that do not pin one: js or native')
    .option('--threads <n>', 'worker threads of the pure-TS GEMM under the js backend')
    .option('--plot <file>', 'run the matrix-free scaling sweep (time vs T and vs N, PR rel. standard error ≤ 0.5%) and write its log-log plot (.svg or .png)')
    .action(async (opts: BenchCliOptions) => {
      const { command, args, cwd } = benchCommandLine(opts);
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(command, args, { cwd, stdio: 'inherit' });
        child.on('error', reject);
        child.on('close', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
      });
      if (code === 2) throw new UsageError('bench: bad arguments (see above)');
      if (code !== 0) throw new SntkError(`bench: the suite exited with status ${code} (a benchmark module failed; see above)`);
    });
}
