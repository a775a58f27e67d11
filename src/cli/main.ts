/**
 * The `sntk` command. Each subcommand lives in `commands/<name>.ts` and is registered in
 * `commands/index.ts`. Exit codes: 0 success, 1 computation failure, 2 bad usage or bad input.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { describeError, exitCodeFor } from './context.js';
import { UsageError } from '../errors.js';
import { tryRegisterNativeBackend } from '../linalg/native.js';
import { getBackend } from '../linalg/registry.js';
import { enableParallelGemm } from '../linalg/parallel/index.js';


/** The package version (from package.json beside src/ and dist/). */
export function sntkVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Builds the command tree (exported for tests). `--quiet` is accepted at the top level too
 * (`sntk --quiet demo`) and passed on to the command that runs.
 */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('sntk')
    .description('State-space NTK of recurrent networks near bifurcations.')
    .version(sntkVersion(), '-V, --version', 'print the version and exit')
    .option('--quiet', 'no progress output (for every command)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  program.hook('preAction', (top, action) => {
    if (top.opts()['quiet'] && action !== top) action.setOptionValue('quiet', true);
  });
  return program;
}

/** Runs the CLI on `argv` (without node and script), returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  // The optional OpenBLAS/LAPACK backend becomes the default when its addon is built
  // (SNTK_BACKEND=js|native overrides); the pure TypeScript backend is always there.
  const program = buildProgram();
  if (argv.length === 0) {
    // no command: the help, and a usage error's exit status
    process.stderr.write(program.helpInformation());
    return 2;
  }
  try {
    const env = process.env.SNTK_BACKEND;
    if (env !== undefined && env !== '' && env !== 'js' && env !== 'native') throw new UsageError(`SNTK_BACKEND must be 'js' or 'native', got '${env}'`);
    if (env !== 'js') tryRegisterNativeBackend();
    // Without BLAS, large GEMMs are split over worker threads (SNTK_THREADS, default: all cores).
    if (getBackend().name === 'js') await enableParallelGemm();
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exitCode 0; usage errors with 1 → we report 2.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    process.stderr.write(`sntk: ${describeError(err)}\n`);
    return exitCodeFor(err);
  }
}
