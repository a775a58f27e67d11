/**
 * Entry of a sweep worker process (forked by runner.ts): trains the runs its parent sends, one at a
 * time, with one BLAS thread (the parallelism is across processes). Messages in:
 * `{type: 'run', config, dir, report}`; out: `{type: 'done', action, summary}` or
 * `{type: 'error', name, message}`. When the parent process is gone (killed), the child exits at
 * its next monitored step, leaving the checkpoints written so far for a resume.
 */
import { tryRegisterNativeBackend, setNativeThreads } from '../linalg/native.js';
import { executeSweepRun } from './execute.js';

interface RunMessage {
  type: 'run';
  config: unknown;
  dir: string;
  report: boolean;
}

const parent = process.ppid;

function parentAlive(): boolean {
  try {
    process.kill(parent, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

if (process.env.SNTK_BACKEND !== 'js' && tryRegisterNativeBackend()) setNativeThreads(1);

process.on('disconnect', () => process.exit(0));
process.on('message', (msg: RunMessage) => {
  if (msg?.type !== 'run') return;
  executeSweepRun(msg.config, msg.dir, {
    report: msg.report,
    onStep: () => {
      if (!parentAlive()) process.exit(3);
    },
  }).then(
    (r) => process.send!({ type: 'done', action: r.action, summary: r.summary }),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      process.send!({ type: 'error', name: err.name, message: err.message, stack: err.stack });
    },
  );
});
process.send?.({ type: 'ready' });
