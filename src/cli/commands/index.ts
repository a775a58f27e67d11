/** Registers every subcommand of `sntk`. Add one line per command. */
import type { Command } from 'commander';
import { registerInfo } from './info.js';
import { registerKernel } from './kernel.js';
import { registerReport } from './report.js';
import { registerConvert } from './convert.js';
import { registerFixedPoints } from './fixed-points.js';
import { registerContinuation } from './continuation.js';
import { registerTrain } from './train.js';
import { registerDemo } from './demo.js';
import { registerChannel } from './channel.js';
import { registerScan } from './scan.js';
import { registerBench } from './bench.js';
import { registerSweep } from './sweep.js';
import { registerWorker } from './worker.js';

export function registerCommands(program: Command): void {
  registerInfo(program);
  registerKernel(program);
  registerReport(program);
  registerConvert(program);
  registerFixedPoints(program);
  registerContinuation(program);
  registerTrain(program);
  registerDemo(program);
  registerChannel(program);
  registerScan(program);
  registerBench(program);
  registerSweep(program);
  registerWorker(program);
}
