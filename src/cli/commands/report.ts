/** `sntk report <run-folder|analysis.json> [--out dir]`: self-contained HTML report plus PNGs. */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { emit } from '../context.js';
import { assertWritableFolder, removeStaleTemps } from '../../util/atomic-write.js';
import { withRunFolderLock } from '../../util/lock.js';

interface ReportCliOptions {
  out?: string;
  json?: boolean;
  quiet?: boolean;
  png?: boolean;
  width?: string;
  title?: string;
}

/** Default output folder: `<run-folder>/report`, or `<dir>/<name>-report` beside an analysis file. */
export function defaultReportDir(input: string): string {
  if (existsSync(input) && statSync(input).isDirectory()) return join(input, 'report');
  return join(dirname(input), basename(input).replace(/\.json$/i, '') + '-report');
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report (inline SVG plots, config, summary, events) and PNGs for a run folder or an analysis JSON')
    .argument('<input>', 'run folder (config.json, metrics.jsonl, events.json, summary.json), sweep folder (sweep.json: writes the sweep page) or analysis JSON (output of kernel/fixed-points/continuation/channel/scan --json)')
    .option('--out <dir>', 'output folder (default: <run-folder>/report or <file>-report)')
    .option('--no-png', 'do not write PNGs')
    .option('--width <px>', 'PNG width in pixels', '1000')
    .option('--title <text>', 'page title')
    .option('--json', 'print one JSON object')
    .option('--quiet', 'no warnings')
    .action(async (input: string, opts: ReportCliOptions) => {
      const width = Number(opts.width ?? '1000');
      if (!Number.isInteger(width) || width < 16 || width > 8192) throw new UsageError(`--width must be an integer in 16..8192, got "${opts.width}"`);
      const out = opts.out ?? defaultReportDir(input);
      assertWritableFolder(out);
      const started = Date.now();
      const { isSweepFolder, writeSweepPage } = await import('../../report/sweep-page.js');
      if (isSweepFolder(input)) {
        // a sweep folder (sntk sweep): the sweep page, linking to the runs' own reports
        const page = await writeSweepPage(input, { out, ...(opts.title ? { title: opts.title } : {}) });
        emit(opts, { ...page, seconds: (Date.now() - started) / 1000 }, () => [`sweep page: ${page.html}`, `plots:      ${page.plots.join(', ') || 'none'}`].join('\n'));
        return;
      }
      // a run folder is locked while its report is read and written (no live run writes it meanwhile)
      const locked = existsSync(input) && statSync(input).isDirectory() ? input : out;
      const { buildReport, findFont, writeReport } = await import('../../report/index.js'); // plotting loads lazily
      const { bundle, written } = await withRunFolderLock(locked, async () => {
        const bundle = await buildReport(input, { png: opts.png !== false, pngWidth: width, ...(opts.title ? { title: opts.title } : {}) });
        removeStaleTemps(out); // left by a killed earlier report
        return { bundle, written: writeReport(bundle, out) };
      });
      const font = findFont();
      if (!font && opts.png !== false && !opts.quiet && !opts.json) {
        process.stderr.write('sntk: warning: no font found, PNG text is missing (install fonts-dejavu-core or set SNTK_FONT)\n');
      }
      const result = {
        html: written.html,
        pngs: written.pngs,
        plots: bundle.content.plots.map((p) => p.id),
        tables: bundle.content.tables.map((t) => t.id),
        notes: bundle.content.notes,
        font: font?.file ?? null,
        seconds: (Date.now() - started) / 1000,
      };
      emit(opts, result, () =>
        [`report: ${written.html}`, `plots:  ${result.plots.join(', ') || 'none'}`, `PNGs:   ${written.pngs.length}`, ...bundle.content.notes.map((n) => `note:   ${n}`)].join('\n'),
      );
    });
}
