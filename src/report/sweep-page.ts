/**
 * The sweep page (`sntk report DIR` on a sweep folder, and `sntk sweep` at the end): for every
 * metric of the sweep and every non-seed axis, the metric against the axis with a seed band — the
 * median over seeds as a line, the interquartile range (25 %–75 %, linear interpolation between
 * order statistics) as a shaded band, every seed as a dot — one colour per combination of the
 * other axes; then a table of the runs linking to each run's report. Reads only the folder's
 * `sweep.json` and `summary.jsonl` (written by src/sweep), so it works on a copied folder.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InputError } from '../errors.js';
import { cellText, escapeHtml, inlineSvg } from './html.js';
import { CONFIG, SCHEMA, allPositive, fmt } from './plots/common.js';
import { renderSvg, type PlotSpec } from './render.js';
import { writeFileAtomic } from './write.js';
import { readJsonLines } from './parse.js';

/** True if `dir` is a sweep folder (holds `sweep.json` of format sntk-sweep-folder/1). */
export function isSweepFolder(dir: string): boolean {
  const p = join(dir, 'sweep.json');
  if (!existsSync(dir) || !statSync(dir).isDirectory() || !existsSync(p)) return false;
  try {
    return (JSON.parse(readFileSync(p, 'utf8')) as { format?: string }).format === 'sntk-sweep-folder/1';
  } catch {
    return false;
  }
}

/** The `p`-quantile (0 ≤ p ≤ 1) of ascending `sorted`, interpolating linearly between order statistics (numpy's default). Cost O(1). */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new InputError('quantile of an empty list');
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** One point of a seed band: a group at one axis value. */
export interface BandPoint {
  x: string | number;
  group: string;
  median: number;
  q1: number;
  q3: number;
  n: number;
}

type Row = Record<string, unknown>;

/** An axis value as a plot coordinate: numbers stay numbers, strings stay as written, others become JSON. */
function coord(v: unknown): string | number {
  return typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v);
}

/** The legend label of a row's combination of the `others` axes (numbers to 4 significant digits). */
function groupLabel(r: Row, others: readonly string[]): string {
  return others.map((o) => `${o}=${typeof r[o] === 'number' ? fmt(r[o] as number) : String(coord(r[o]))}`).join(', ') || 'all';
}

/**
 * Median and IQR of `metric` over the rows sharing an `axis` value and a combination of the `others`
 * axes (the seed axis is what varies inside a group). Rows with a non-finite value are left out.
 * Cost O(rows log rows).
 */
export function seedBands(rows: readonly Row[], axis: string, others: readonly string[], metric: string): BandPoint[] {
  const groups = new Map<string, { x: string | number; group: string; v: number[] }>();
  for (const r of rows) {
    const v = r[metric];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    const x = coord(r[axis]);
    const group = groupLabel(r, others);
    const key = JSON.stringify([x, group]);
    const g = groups.get(key) ?? { x, group, v: [] };
    g.v.push(v);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => {
    const s = g.v.sort((a, b) => a - b);
    return { x: g.x, group: g.group, median: quantile(s, 0.5), q1: quantile(s, 0.25), q3: quantile(s, 0.75), n: s.length };
  });
}

/** Vega-lite spec of `metric` against `axis`: IQR band, median line, seed dots, one colour per group. Cost O(rows). */
export function sweepMetricSpec(rows: readonly Row[], axis: string, others: readonly string[], seedAxis: string | null, metric: string): PlotSpec | null {
  const bands = seedBands(rows, axis, others, metric);
  if (!bands.length) return null;
  const dots = rows
    .filter((r) => typeof r[metric] === 'number' && Number.isFinite(r[metric] as number))
    .map((r) => ({
      x: coord(r[axis]),
      v: r[metric],
      group: groupLabel(r, others),
      seed: seedAxis ? r[seedAxis] : null,
    }));
  const numeric = bands.every((b) => typeof b.x === 'number');
  const xs = bands.map((b) => b.x as number);
  const logX = numeric && allPositive(xs) && Math.max(...xs) / Math.min(...xs) > 9.99;
  const ys = [...bands.flatMap((b) => [b.q1, b.q3]), ...dots.map((d) => d.v as number)];
  const logY = allPositive(ys) && Math.max(...ys) / Math.min(...ys) >= 50;
  const x = { field: 'x', type: numeric ? 'quantitative' : 'ordinal', title: axis, ...(numeric ? {} : { axis: { labelAngle: 0 } }), ...(logX ? { scale: { type: 'log' } } : {}) };
  const yScale = logY ? { type: 'log' } : { zero: false };
  const color = { field: 'group', type: 'nominal', title: others.join(', ') || 'runs' };
  return {
    $schema: SCHEMA,
    config: CONFIG,
    width: 520,
    height: 230,
    title: { text: `${metric} vs ${axis}`, subtitle: [`line: median over ${seedAxis ?? 'runs'}; band: interquartile range; dots: single runs`] },
    layer: [
      { data: { values: bands }, mark: { type: 'area', opacity: 0.18 }, encoding: { x, y: { field: 'q1', type: 'quantitative', title: metric, scale: yScale }, y2: { field: 'q3' }, color } },
      { data: { values: bands }, mark: { type: 'line', point: true, strokeWidth: 2 }, encoding: { x, y: { field: 'median', type: 'quantitative', scale: yScale }, color } },
      { data: { values: dots }, mark: { type: 'point', filled: true, size: 18, opacity: 0.55 }, encoding: { x, y: { field: 'v', type: 'quantitative', scale: yScale }, color } },
    ],
  } as PlotSpec;
}

interface Manifest {
  name: string;
  axes: { path: string; values: unknown[] }[];
  metrics: string[];
}

function readManifest(dir: string): Manifest {
  const p = join(dir, 'sweep.json');
  try {
    const m = JSON.parse(readFileSync(p, 'utf8')) as Manifest & { format?: string };
    if (m.format !== 'sntk-sweep-folder/1' || !Array.isArray(m.axes) || !Array.isArray(m.metrics)) throw new Error('not an sntk sweep manifest');
    return m;
  } catch (e) {
    throw new InputError(`${p}: ${(e as Error).message}`);
  }
}

/** The rows of `DIR/summary.jsonl`. Throws InputError naming the file and line when malformed. */
export function readSweepSummary(dir: string): Row[] {
  const p = join(dir, 'summary.jsonl');
  if (!existsSync(p)) throw new InputError(`${p}: missing (run \`sntk sweep\` on this folder first)`);
  return readJsonLines(p) as Row[];
}

const CSS = `body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
.source{color:#666;font-size:13px}table{border-collapse:collapse;font-size:12px;margin:8px 0}
th,td{border:1px solid #ddd;padding:2px 6px;text-align:left}th{background:#f4f4f4}tbody tr:nth-child(even){background:#fafafa}
.plots{display:flex;flex-wrap:wrap;gap:8px}figure{margin:8px 0}figure svg{max-width:100%;height:auto}
.failed{color:#a33}.notes li{color:#a33;font-size:13px}`;

/**
 * Writes the sweep page of sweep folder `dir` to `<out>/index.html` (default `out` = `DIR/report`).
 * Throws InputError when `dir` is not a sweep folder or its summary is malformed. Cost: one SVG
 * render per (metric, axis) plot, ~0.1–0.5 s each.
 */
export async function writeSweepPage(dir: string, opts: { out?: string; title?: string } = {}): Promise<{ html: string; plots: string[] }> {
  const m = readManifest(dir);
  const rows = readSweepSummary(dir);
  const out = opts.out ?? join(dir, 'report');
  const seedAxis = m.axes.some((a) => a.path === 'seed') ? 'seed' : null;
  const axes = m.axes.map((a) => a.path).filter((p) => p !== seedAxis);
  const figures: string[] = [];
  const plotIds: string[] = [];
  const notes: string[] = [];
  let k = 0;
  for (const metric of m.metrics) {
    for (const axis of axes) {
      const others = axes.filter((a) => a !== axis);
      const spec = sweepMetricSpec(rows, axis, others, seedAxis, metric);
      const id = `${metric}-vs-${axis}`;
      if (!spec) {
        notes.push(`${id}: not drawn (no run has a finite ${metric})`);
        continue;
      }
      figures.push(`<figure id="${escapeHtml(id)}">${inlineSvg(await renderSvg(spec), `p${k++}`)}</figure>`);
      plotIds.push(id);
    }
  }
  if (!axes.length) notes.push('no axis besides the seed: nothing to plot against');
  const cols = ['id', 'status', ...m.axes.map((a) => a.path), ...m.metrics.filter((x) => !['id', 'status'].includes(x)), 'firstBifurcationStep', 'bifurcationType', 'error'];
  const uniq = [...new Set(cols)];
  const body = rows
    .map((r) => {
      const id = String(r['id']);
      const rep = join(dir, 'runs', id, 'report', 'report.html');
      const href = existsSync(rep) ? relative(out, rep) : relative(out, join(dir, 'runs', id));
      const cells = uniq.map((c) => {
        if (c === 'id') return `<td><a href="${escapeHtml(href.split('\\').join('/'))}">${escapeHtml(id)}</a></td>`;
        return `<td${c === 'status' && r[c] === 'failed' ? ' class="failed"' : ''}>${escapeHtml(cellText(r[c]))}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(String(r['status']), (counts.get(String(r['status'])) ?? 0) + 1);
  const title = opts.title ?? `sntk sweep: ${m.name}`;
  const html = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="source">${rows.length} runs (${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}) · axes: ${escapeHtml(m.axes.map((a) => `${a.path} (${a.values.length})`).join(' × '))} · summary: <a href="${escapeHtml(relative(out, join(dir, 'summary.csv')))}">summary.csv</a>, <a href="${escapeHtml(relative(out, join(dir, 'summary.jsonl')))}">summary.jsonl</a></p>`,
    notes.length ? `<ul class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '',
    '<h2>Metrics against each axis</h2>',
    `<div class="plots">${figures.join('\n')}</div>`,
    `<h2>Runs (${rows.length})</h2>`,
    `<table><thead><tr>${uniq.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>\n${body}\n</tbody></table>`,
    '</body></html>',
  ].join('\n');
  const file = join(out, 'index.html');
  writeFileAtomic(file, html + '\n');
  return { html: file, plots: plotIds };
}
