/** Shared pieces of the plot specs: schema, config, event styling, number formatting. */
import type { PlotSpec } from '../render.js';

/** The vega-lite schema URL (metadata only; never fetched). */
export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Common config: white background, sans-serif text, readable sizes. */
export const CONFIG = {
  background: 'white',
  font: 'sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 320 },
  title: { fontSize: 14, subtitleFontSize: 11, anchor: 'start' as const, subtitleColor: '#555' },
  view: { stroke: '#bbb' },
};

const BIFURCATION_TYPES = new Set(['saddle-node', 'fold', 'transcritical', 'pitchfork', 'hopf', 'period-doubling', 'neimark-sacker', 'bifurcation', 'branch-point']);

/** Groups an event type for styling: "bifurcation", "collapse" (rank collapse) or "other". */
export function eventKind(type: string): 'bifurcation' | 'collapse' | 'other' {
  const t = type.toLowerCase();
  if (BIFURCATION_TYPES.has(t) || t.includes('bifurcation')) return 'bifurcation';
  if (t.includes('collapse') || t.includes('rank')) return 'collapse';
  return 'other';
}

/** Colour scale of event kinds (the same on every plot). */
export const EVENT_COLOR = {
  domain: ['bifurcation', 'collapse', 'other'],
  range: ['#d62728', '#9467bd', '#7f7f7f'],
};

/** Compact number formatting for titles and labels (4 significant digits). */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(3);
  return String(Number(x.toPrecision(4)));
}

/** Title object with an optional subtitle. */
export function title(text: string, subtitle?: string | string[]): PlotSpec['title'] {
  return subtitle && subtitle.length ? { text, subtitle } : text;
}

/** True if every number is finite and > 0 (so a log scale can show them). */
export function allPositive(xs: number[]): boolean {
  return xs.length > 0 && xs.every((x) => Number.isFinite(x) && x > 0);
}
