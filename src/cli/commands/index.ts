/** Registers every subcommand of `sntk`. Add one line per command. */
import type { Command } from 'commander';
import { registerInfo } from './info.js';
import { registerReport } from './report.js';
import { registerConvert } from './convert.js';
import { registerFixedPoints } from './fixed-points.js';
import { registerContinuation } from './continuation.js';

export function registerCommands(program: Command): void {
  registerInfo(program);
  registerReport(program);
  registerConvert(program);
  registerFixedPoints(program);
  registerContinuation(program);
}
