/**
 * Worker process of `runDemo` (demo.ts) when runs go in parallel: receives one run at a time
 * (`{type: 'run', config, dir, blasThreads}`), runs it with the monitor (`runDemoRun`), reports
 * every monitored step and the end (`step`, `done`, or `error` with the error's class name), and
 * leaves on `{type: 'exit'}`. The native backend is registered as in the CLI (SNTK_BACKEND=js
 * forces pure TypeScript), with one OpenBLAS thread unless told otherwise.
 */
import { setNativeThreads, tryRegisterNativeBackend } from '../linalg/native.js';
import { runDemoRun, type DemoWorkerMessage, type DemoWorkerRequest } from './demo.js';

if (process.env['SNTK_BACKEND'] !== 'js') tryRegisterNativeBackend();

const send = (m: DemoWorkerMessage): void => void process.send?.(m);

process.on('message', (m: DemoWorkerRequest) => {
  if (m.type === 'exit') {
    process.disconnect?.();
    return;
  }
  setNativeThreads(m.blasThreads);
  const cpu0 = process.cpuUsage();
  runDemoRun(m.config, m.dir, (step, steps) => send({ type: 'step', step, steps })).then(
    () => {
      const c = process.cpuUsage(cpu0);
      send({ type: 'done', cpuSeconds: (c.user + c.system) / 1e6 });
    },
    (err: unknown) => send({ type: 'error', name: err instanceof Error ? err.constructor.name : 'Error', message: err instanceof Error ? err.message : String(err) }),
  );
});
