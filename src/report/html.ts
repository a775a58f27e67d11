/**
 * The HTML report page: one self-contained file (inline CSS and SVG; no script, no link, no image
 * or font from anywhere else) with a title, the config, the tables and the plots.
 */
import { fmt } from './plots/common.js';
import type { ReportContent, Table } from './content.js';

/** Escapes text for HTML element content and attribute values. Cost O(length). */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** `{re, im}` as `a + bi` / `a − bi` / `a` (4 significant digits); null when `v` is not a complex number. */
export function complexText(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const keys = Object.keys(v);
  const o = v as { re?: unknown; im?: unknown };
  if (keys.length !== 2 || typeof o.re !== 'number' || typeof o.im !== 'number') return null;
  if (o.im === 0) return fmt(o.re);
  return `${fmt(o.re)} ${o.im < 0 ? '−' : '+'} ${fmt(Math.abs(o.im))}i`;
}

/** Text of one table cell: numbers to 4 significant digits (integers exact), complex numbers as a ± bi, long arrays summarised. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '–';
  const z = complexText(v);
  if (z !== null) return z;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => complexText(x) !== null)) {
    const head = v.slice(0, 4).map((x) => complexText(x)!).join(', ');
    return v.length > 4 ? `[${v.length} values: ${head}, …]` : head;
  }
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : fmt(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
    const head = v.slice(0, 6).map((x) => fmt(x)).join(', ');
    return v.length > 6 ? `[${v.length} numbers: ${head}, …]` : `[${head}]`;
  }
  const s = JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isInteger(x) ? Number(x.toPrecision(4)) : x));
  return s.length > 240 ? s.slice(0, 237) + '…' : s;
}

/** HTML of one table. */
export function tableHtml(t: Table): string {
  if (t.rows.length === 0) return `<section id="${escapeHtml(t.id)}"><h2>${escapeHtml(t.title)}</h2><p class="empty">none</p></section>`;
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(cellText(c))}</td>`).join('')}</tr>`).join('\n');
  return `<section id="${escapeHtml(t.id)}"><h2>${escapeHtml(t.title)}</h2><div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div></section>`;
}

/**
 * Makes an SVG safe to inline next to others: drops an XML prolog and prefixes every `id` (and
 * the `url(#…)` / `href="#…"` references to it) with `prefix`, so clip paths and gradients of
 * different plots do not collide. Cost O(length).
 */
export function inlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

const CSS = `
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
.source{color:#666;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
.table-wrap{overflow-x:auto;max-width:100%}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}tbody tr:nth-child(even){background:#fafafa}
pre{background:#f7f7f7;border:1px solid #e2e2e2;padding:8px;font-size:12px;overflow:auto;max-height:420px}
figure{margin:16px 0}figcaption{font-size:12px;color:#555}
figure svg{max-width:100%;height:auto}
.notes li{color:#a33;font-size:13px}.empty{color:#777;font-style:italic}
nav a{margin-right:12px;font-size:13px}
`;

/** Rendered plot as the page needs it: the SVG text and the PNG file name beside the page. */
export interface RenderedPlot {
  /** Plot id (anchor). */
  id: string;
  /** Heading. */
  title: string;
  /** SVG string from `renderSvg`. */
  svg: string;
  /** PNG file name beside the HTML file (relative), or null. */
  png: string | null;
  /** Caption. */
  caption?: string;
}

/**
 * The complete HTML page for a report: title, source, notes, tables (summary first), config
 * (pretty JSON) and the plots as inline SVG. Cost O(total SVG size).
 */
export function reportHtml(content: ReportContent, plots: RenderedPlot[]): string {
  const parts: string[] = [];
  parts.push('<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">', `<title>${escapeHtml(content.title)}</title>`, `<style>${CSS}</style></head><body>`);
  parts.push(`<h1>${escapeHtml(content.title)}</h1>`, `<p class="source">source: ${escapeHtml(content.source)} · generated ${escapeHtml(new Date().toISOString())}</p>`);
  const nav = [...content.tables.map((t) => [t.id, t.title.replace(/ \(\d+\)$/, '')]), ...(content.config !== null ? [['config', 'Config']] : []), ...plots.map((p) => [`plot-${p.id}`, p.title])];
  parts.push(`<nav>${nav.map(([id, t]) => `<a href="#${escapeHtml(id!)}">${escapeHtml(t!)}</a>`).join('')}</nav>`);
  if (content.notes.length) parts.push(`<ul class="notes">${content.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`);
  for (const t of content.tables) parts.push(tableHtml(t));
  if (content.config !== null) {
    parts.push(`<section id="config"><h2>Config</h2><pre>${escapeHtml(JSON.stringify(content.config, null, 2))}</pre></section>`);
  }
  if (plots.length) parts.push('<h2>Plots</h2>');
  plots.forEach((p, i) => {
    const cap = [p.caption, p.png ? `PNG: ${p.png}` : null].filter(Boolean).join(' · ');
    parts.push(
      `<figure id="plot-${escapeHtml(p.id)}"><h3>${escapeHtml(p.title)}</h3>${inlineSvg(p.svg, `p${i}`)}${cap ? `<figcaption>${escapeHtml(cap)}</figcaption>` : ''}</figure>`,
    );
  });
  parts.push('</body></html>');
  return parts.join('\n') + '\n';
}
