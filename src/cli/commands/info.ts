/** `sntk info`: version, active linear-algebra backend (and why), threads and runtime. */
import type { Command } from 'commander';
import { emit } from '../context.js';
import { availableBackends, getBackend } from '../../linalg/index.js';
import { nativeBackendStatus } from '../../linalg/native.js';
import { parallelGemmThreads } from '../../linalg/parallel/index.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('print the sntk version, the active linear-algebra backend and the runtime')
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean }) => {
      const info = {
        sntk: '0.1.0',
        backend: getBackend().name,
        backends: availableBackends(),
        native: nativeBackendStatus(),
        gemmThreads: parallelGemmThreads(),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
      };
      emit(opts, info, () => Object.entries(info).map(([k, v]) => `${k.padEnd(12)} ${Array.isArray(v) ? v.join(', ') : v}`).join('\n'));
    });
}
