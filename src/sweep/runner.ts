/**
 * A persistent worker process for sweep runs (the engine under both the local pool and the queue
 * worker): `child.ts` forked once and reused for run after run, with one BLAS thread
 * (`OPENBLAS_NUM_THREADS=1`, `SNTK_THREADS=1`) and the caller's linear-algebra backend (`SNTK_BACKEND`). `run` resolves with the run's execution, or
 * rejects with `RunFailedError` (the run threw: its message), `RunCrashedError` (the process died)
 * or `RunTimeoutError` (over the per-run time limit: the process is killed; the run's checkpoints
 * stay, so a retry resumes it).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SntkError } from '../errors.js';
import type { RunExecution } from './execute.js';
import { getBackend } from '../linalg/registry.js';

/** The run threw; `name` is the error's class (InputError, UsageError, …). */
export class RunFailedError extends SntkError {
  constructor(message: string, readonly errorName: string) {
    super(message);
  }
}
/** The worker process died during the run (killed, out of memory). */
export class RunCrashedError extends SntkError {}
/** The run exceeded its time limit. */
export class RunTimeoutError extends SntkError {}

/** Path of the child entry next to this module (`.js` when compiled, `.ts` under tsx/vitest). */
function childEntry(): { file: string; execArgv: string[] } {
  const js = fileURLToPath(new URL('./child.js', import.meta.url));
  if (existsSync(js)) return { file: js, execArgv: [] };
  return { file: fileURLToPath(new URL('./child.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
}

interface Pending {
  resolve: (r: RunExecution) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
  label: string;
  /** The process running it (events of an older, killed process are ignored). */
  child: ChildProcess;
}

/** One worker process, started on first use and restarted after a crash or timeout. */
export class RunnerChild {
  private child: ChildProcess | null = null;
  private pending: Pending | null = null;

  /** Process id of the current worker process (null before the first run or after it died). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  private start(): ChildProcess {
    const { file, execArgv } = childEntry();
    const child = fork(file, [], {
      execArgv,
      // the same linear-algebra backend as this process, so a run's numbers do not depend on where it ran
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', SNTK_THREADS: '1', SNTK_BACKEND: getBackend().name === 'native' ? 'native' : 'js' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.on('message', (m: { type: string; action?: RunExecution['action']; summary?: RunExecution['summary']; name?: string; message?: string }) => {
      const p = this.pending;
      if (!p || p.child !== child || m.type === 'ready') return;
      this.pending = null;
      if (p.timer) clearTimeout(p.timer);
      if (m.type === 'done') p.resolve({ action: m.action!, summary: m.summary! });
      else p.reject(new RunFailedError(m.message ?? 'unknown error', m.name ?? 'Error'));
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      const p = this.pending;
      if (!p || p.child !== child) return;
      this.pending = null;
      if (p.timer) clearTimeout(p.timer);
      const tail = stderr.trim().split('\n').slice(-1)[0];
      p.reject(new RunCrashedError(`worker process for ${p.label} exited (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ''}`));
    });
    this.child = child;
    return child;
  }

  /**
   * Runs (or resumes, or skips) the run of `config` in `dir` in the worker process. `timeoutMs`
   * (optional) kills the process when exceeded. One run at a time per child.
   */
  run(config: unknown, dir: string, opts: { report?: boolean; timeoutMs?: number; label?: string } = {}): Promise<RunExecution> {
    if (this.pending) return Promise.reject(new SntkError('RunnerChild: a run is already in progress'));
    const child = this.child ?? this.start();
    const label = opts.label ?? dir;
    return new Promise<RunExecution>((resolve, reject) => {
      const timer = opts.timeoutMs
        ? setTimeout(() => {
            const p = this.pending;
            this.pending = null;
            if (this.child === child) this.child = null; // the next run starts a fresh process
            child.kill('SIGKILL');
            p?.reject(new RunTimeoutError(`${label}: over the time limit of ${(opts.timeoutMs! / 1000).toFixed(0)} s (killed; its checkpoints stay for a resume)`));
          }, opts.timeoutMs)
        : null;
      this.pending = { resolve, reject, timer, label, child };
      child.send({ type: 'run', config, dir, report: opts.report !== false });
    });
  }

  /** Stops the worker process (SIGKILL when `force`, else a disconnect that ends it after its current run). */
  stop(force = false): void {
    const c = this.child;
    if (!c) return;
    if (force) c.kill('SIGKILL');
    else if (c.connected) c.disconnect();
    this.child = null;
  }
}
