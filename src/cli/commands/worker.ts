/**
 * `sntk worker --queue redis://host:port [--concurrency n]`: takes sweep runs from the BullMQ queue
 * that `sntk sweep --queue` fills and trains each in a worker process (one BLAS thread), writing
 * the run folder into the sweep folder, which must be on a file system shared with the producer
 * (docs/sweeps.md). Runs until SIGINT/SIGTERM, or `--idle-exit s` seconds without a job.
 */
import type { Command } from 'commander';
import { emit, type CommonOptions } from '../context.js';
import { UsageError } from '../../errors.js';
import { DEFAULT_QUEUE_NAME, runQueueWorker } from '../../sweep/queue.js';
import { checkRedisUrl } from '../../sweep/redis.js';
import { positiveInt } from './sweep.js';

interface WorkerCliOptions extends CommonOptions {
  queue: string;
  queueName?: string;
  concurrency?: string;
  lockMs?: string;
  idleExit?: string;
}

/** Registers `sntk worker`. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('take sweep runs from a Redis/BullMQ queue (filled by `sntk sweep --queue`) and train them into the shared sweep folder')
    .requiredOption('--queue <url>', 'Redis URL (redis://host:port)')
    .option('--queue-name <name>', 'queue name', DEFAULT_QUEUE_NAME)
    .option('--concurrency <n>', 'runs at once, one worker process each', '1')
    .option('--lock-ms <ms>', 'job lock: a vanished worker\'s job is re-delivered after about this long', '30000')
    .option('--idle-exit <s>', 'exit after this many seconds without a job (default: run until interrupted)')
    .option('--json', 'print the counts as one JSON object at exit')
    .option('--quiet', 'no per-job lines on stderr')
    .action(async (opts: WorkerCliOptions) => {
      checkRedisUrl(opts.queue);
      const concurrency = positiveInt('--concurrency', opts.concurrency, 1);
      const lockMs = positiveInt('--lock-ms', opts.lockMs, 30000);
      if (lockMs < 1000) throw new UsageError(`--lock-ms must be at least 1000, got ${lockMs}`);
      const idle = opts.idleExit === undefined ? undefined : Number(opts.idleExit);
      if (idle !== undefined && !(idle >= 0 && Number.isFinite(idle))) throw new UsageError(`--idle-exit must be a non-negative number of seconds, got "${opts.idleExit}"`);
      const stop = new Promise<void>((res) => {
        process.once('SIGINT', () => res());
        process.once('SIGTERM', () => res());
      });
      const quiet = opts.quiet === true || opts.json === true;
      const stats = await runQueueWorker({
        url: opts.queue,
        queueName: opts.queueName ?? DEFAULT_QUEUE_NAME,
        concurrency,
        lockMs,
        stop,
        ...(idle !== undefined ? { idleExitS: idle } : {}),
        log: quiet ? () => {} : (l) => process.stderr.write(`sntk worker ${process.pid}: ${l}\n`),
      });
      emit(opts, stats, () => `worker: ${stats.completed} jobs completed, ${stats.failed} failed`);
    });
}
