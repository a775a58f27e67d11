/**
 * Building and writing reports: a run folder or an analysis JSON → HTML page + PNGs; and the
 * comparison page of several runs.
 */
import { statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, SntkError } from '../errors.js';
import { readAnalysisFile } from './analysis.js';
import { analysisContent, kvTable, runContent, summaryEntry, type PlotItem, type ReportContent } from './content.js';
import { reportHtml, type RenderedPlot } from './html.js';
import { comparisonSpec } from './plots/comparison.js';
import { eventKind, fmt } from './plots/common.js';
import { renderPng, renderSvg } from './render.js';
import { readRunFolder, type RunData } from './run-folder.js';
import { writeFileAtomic } from './write.js';

/** Options of report building. */
export interface ReportOptions {
  /** Write PNGs beside the page (default true). */
  png?: boolean;
  /** PNG width in pixels (default 1000). */
  pngWidth?: number;
  /** Page title (default derived from the input). */
  title?: string;
  /** File name of the page (default "report.html"). */
  htmlName?: string;
}

/** A rendered report, ready to write. */
export interface ReportBundle {
  /** What the page shows. */
  content: ReportContent;
  /** The HTML page. */
  html: string;
  /** File name of the page. */
  htmlName: string;
  /** PNG files to write beside it. */
  pngs: { name: string; bytes: Uint8Array }[];
  /** Every figure's SVG (`<id>.svg`) and Vega-Lite spec (`<id>.vl.json`, to restyle it) beside the PNGs. */
  sources: { name: string; text: string }[];
}

/** Renders every plot of `content` (SVG, and PNG unless disabled) and the page. Cost: dominated by rendering, ~0.1–0.5 s per plot. */
export async function renderReport(content: ReportContent, opts: ReportOptions = {}): Promise<ReportBundle> {
  const rendered: RenderedPlot[] = [];
  const pngs: { name: string; bytes: Uint8Array }[] = [];
  const sources: { name: string; text: string }[] = [];
  for (const p of content.plots) {
    const svg = await renderSvg(p.spec);
    sources.push({ name: `${p.id}.svg`, text: svg }, { name: `${p.id}.vl.json`, text: JSON.stringify(p.spec, null, 1) + '\n' });
    let png: string | null = null;
    if (opts.png !== false) {
      png = `${p.id}.png`;
      pngs.push({ name: png, bytes: renderPng(svg, { width: opts.pngWidth ?? 1000 }) });
    }
    const r: RenderedPlot = { id: p.id, title: p.title, svg, png };
    if (p.caption) r.caption = p.caption;
    rendered.push(r);
  }
  return { content, html: reportHtml(content, rendered), htmlName: opts.htmlName ?? 'report.html', pngs, sources };
}

/** True if `input` is a directory (treated as a run folder). */
function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/**
 * Reads a run folder or an analysis JSON file and renders its report. Throws InputError naming
 * the file for missing or malformed inputs.
 */
export async function buildReport(input: string, opts: ReportOptions = {}): Promise<ReportBundle> {
  if (!existsSync(input)) throw new InputError(`${input}: no such run folder or analysis file`);
  const content = isDir(input) ? runContent(readRunFolder(input), opts.title) : analysisContent(readAnalysisFile(input), input, opts.title);
  return renderReport(content, opts);
}

/**
 * Writes the page, its PNGs and every figure's SVG and Vega-Lite spec into `outDir` (atomically,
 * file by file); returns the paths written.
 */
export function writeReport(bundle: ReportBundle, outDir: string): { html: string; pngs: string[]; sources: string[] } {
  const pngs = bundle.pngs.map((p) => {
    const f = join(outDir, p.name);
    writeFileAtomic(f, p.bytes);
    return f;
  });
  const sources = (bundle.sources ?? []).map((p) => {
    const f = join(outDir, p.name);
    writeFileAtomic(f, p.text);
    return f;
  });
  const html = join(outDir, bundle.htmlName);
  writeFileAtomic(html, bundle.html);
  return { html, pngs, sources };
}

/** Content of the comparison page of several runs (already read). */
export function comparisonContent(runs: { name: string; run: RunData }[], title = 'sntk: comparison of runs'): ReportContent {
  const notes: string[] = [];
  const plots: PlotItem[] = [];
  try {
    plots.push({
      id: 'comparison',
      title: 'Loss and PR of every run',
      spec: comparisonSpec(runs.map((r) => ({ name: r.name, points: r.run.metrics, events: r.run.events }))),
    });
  } catch (err) {
    if (err instanceof SntkError) notes.push(`comparison plot: not drawn (${err.message})`);
    else throw err;
  }
  // one column per run (a row per quantity): three runs fit the page, many summary fields do not fit as columns
  const sumKeys: string[] = [];
  for (const r of runs) for (const k of Object.keys(r.run.summary ?? {})) if (!sumKeys.includes(k)) sumKeys.push(k);
  const per = runs.map(({ run }) => {
    const m = run.metrics;
    const prs = m.filter((x) => typeof x.pr === 'number');
    const min = prs.length ? prs.reduce((a, b) => (b.pr! < a.pr! ? b : a)) : null;
    const bif = run.events.find((e) => eventKind(e.type) === 'bifurcation');
    const losses = m.filter((x) => typeof x.loss === 'number');
    const hasFinal = typeof run.summary?.['finalLoss'] === 'number';
    const fields: [string, unknown][] = [
      ['monitored steps', m.length],
      ...(hasFinal ? [] : ([['final loss (last monitored step)', losses.length ? losses[losses.length - 1]!.loss : null]] as [string, unknown][])),
      ['min PR (step)', min ? `${fmt(min.pr)} (${min.step})` : null],
      ['first bifurcation', bif ? `${bif.type} @ ${bif.step}` : null],
      ['events', run.events.length],
      ...sumKeys.map((k) => summaryEntry(k, run.summary?.[k])),
    ];
    return fields;
  });
  const columns = ['quantity', ...runs.map((r) => r.name)];
  const rows = per[0]!.map(([label], i) => [label, ...per.map((f) => f[i]![1])]);
  const tables = [{ id: 'runs', title: `Runs (${runs.length})`, columns, rows }, kvTable('sources', 'Run folders', runs.map((r) => [r.name, r.run.folder]))];
  return { title, source: runs.map((r) => r.run.folder).join(', '), config: null, tables, plots, notes };
}

/**
 * The comparison page of several run folders: loss and PR overlaid, one row per run in a table.
 * With `opts.out`, writes `comparison.html` (or `opts.htmlName`) and its PNG there. Throws
 * InputError for an empty list or a malformed run folder (naming the file).
 */
export async function comparisonPage(
  runs: { name: string; folder: string }[],
  opts: ReportOptions & { out?: string } = {},
): Promise<ReportBundle & { written?: { html: string; pngs: string[]; sources: string[] } }> {
  if (runs.length === 0) throw new InputError('comparison page: no runs given');
  const loaded = runs.map((r) => ({ name: r.name, run: readRunFolder(r.folder) }));
  const bundle = await renderReport(comparisonContent(loaded, opts.title), { ...opts, htmlName: opts.htmlName ?? 'comparison.html' });
  if (opts.out) return { ...bundle, written: writeReport(bundle, opts.out) };
  return bundle;
}
