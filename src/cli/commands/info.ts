/** `sntk info`: version, active linear-algebra backend and runtime. */
import type { Command } from 'commander';
import { emit } from '../context.js';
import { getBackend } from '../../linalg/index.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('print the sntk version, the active linear-algebra backend and the runtime')
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean }) => {
      const info = {
        sntk: '0.1.0',
        backend: getBackend().name,
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
      };
      emit(opts, info, () => Object.entries(info).map(([k, v]) => `${k.padEnd(8)} ${v}`).join('\n'));
    });
}
