/** Fixed-point Jacobian eigenvalues in the complex plane, single panel and small multiples over training. */
import { ShapeError, assertFinite } from '../../errors.js';
import type { PlotSpec } from '../render.js';
import type { Complex, EigenCheckpoint, EigenPlaneData, EigenSeriesData, TimeKind } from '../types.js';
import { CONFIG, SCHEMA, fmt, title } from './common.js';

interface Domain {
  x: [number, number];
  y: [number, number];
}

function check(ev: Complex[], what: string): void {
  assertFinite(ev.map((z) => z.re), `${what} (real parts)`);
  assertFinite(ev.map((z) => z.im), `${what} (imaginary parts)`);
}

/** Axis domains showing all eigenvalues and the stability boundary. */
function domainFor(all: Complex[], time: TimeKind): Domain {
  let mr = 0;
  let mi = 0;
  let lo = 0;
  let hi = 0;
  for (const z of all) {
    mr = Math.max(mr, Math.abs(z.re));
    mi = Math.max(mi, Math.abs(z.im));
    lo = Math.min(lo, z.re);
    hi = Math.max(hi, z.re);
  }
  if (time === 'discrete') {
    const r = 1.1 * Math.max(1, mr, mi);
    return { x: [-r, r], y: [-r, r] };
  }
  const pad = 0.1 * Math.max(hi - lo, mi, 1e-3);
  const y = 1.1 * Math.max(mi, 0.1 * (hi - lo), 1e-3);
  return { x: [lo - pad, hi + pad], y: [-y, y] };
}

function panelLayers(ev: Complex[], groups: string[] | undefined, time: TimeKind, dom: Domain, showLegend: boolean): unknown[] {
  const pts = ev.map((z, i) => ({ re: z.re, im: z.im, group: groups?.[i] ?? 'eigenvalue' }));
  const xEnc = { field: 're', type: 'quantitative', title: 'Re λ', scale: { domain: dom.x, nice: false, zero: false } };
  const yEnc = { field: 'im', type: 'quantitative', title: 'Im λ', scale: { domain: dom.y, nice: false, zero: false } };
  const layers: unknown[] = [];
  if (time === 'discrete') {
    const circle = Array.from({ length: 181 }, (_, k) => {
      const t = (2 * Math.PI * k) / 180;
      return { re: Math.cos(t), im: Math.sin(t), k };
    });
    layers.push({
      data: { values: circle },
      mark: { type: 'line', color: '#888', strokeWidth: 1, strokeDash: [3, 3] },
      encoding: { x: xEnc, y: yEnc, order: { field: 'k', type: 'quantitative' } },
    });
  } else {
    layers.push({
      data: { values: [{ re: 0 }] },
      mark: { type: 'rule', color: '#888', strokeWidth: 1, strokeDash: [3, 3] },
      encoding: { x: xEnc },
    });
  }
  // one outline shape and size per fixed point, largest first, so that fixed points with the same
  // spectrum (the ±h* pair of an odd network) show as nested markers instead of hiding each other
  const names = [...new Set(pts.map((p) => p.group))].sort();
  const sized = pts.map((p) => ({ ...p, msize: Math.max(16, 95 - 32 * names.indexOf(p.group)) }));
  layers.push({
    data: { values: sized },
    mark: { type: 'point', filled: false, strokeWidth: 1.6, opacity: 0.9 },
    encoding: {
      x: xEnc,
      y: yEnc,
      color: { field: 'group', type: 'nominal', title: 'fixed point', legend: showLegend && groups ? { symbolStrokeWidth: 1.6 } : null },
      shape: { field: 'group', type: 'nominal', title: 'fixed point', legend: showLegend && groups ? {} : null },
      size: { field: 'msize', type: 'quantitative', scale: null, legend: null },
      tooltip: [
        { field: 'group', type: 'nominal', title: 'fixed point' },
        { field: 're', type: 'quantitative', title: 'Re λ', format: '.4f' },
        { field: 'im', type: 'quantitative', title: 'Im λ', format: '.4f' },
      ],
    },
  });
  return layers;
}

function boundaryText(time: TimeKind): string {
  return (time === 'discrete' ? 'map: dashed = unit circle |λ| = 1' : 'flow: dashed = imaginary axis Re λ = 0') + '; fixed points with equal spectra show as nested markers';
}

/**
 * Vega-lite spec of Jacobian eigenvalues in the complex plane with the stability boundary (unit
 * circle for maps, imaginary axis for flows). Square panel; for maps the axes are equal. Cost O(n).
 * Throws ShapeError for no eigenvalues or mismatched `groups`, NonFiniteError for NaN/Inf.
 */
export function eigenPlaneSpec(data: EigenPlaneData): PlotSpec {
  if (data.eigenvalues.length === 0) throw new ShapeError('eigenvalue plot: no eigenvalues');
  if (data.groups && data.groups.length !== data.eigenvalues.length) {
    throw new ShapeError(`eigenvalue plot: ${data.groups.length} group labels for ${data.eigenvalues.length} eigenvalues`);
  }
  check(data.eigenvalues, 'Jacobian eigenvalues');
  const dom = domainFor(data.eigenvalues, data.time);
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: title(data.title ?? 'Fixed-point Jacobian eigenvalues', `${data.eigenvalues.length} eigenvalues; ${boundaryText(data.time)}`),
    width: 320,
    height: 320,
    layer: panelLayers(data.eigenvalues, data.groups, data.time, dom, true),
  } as PlotSpec;
}

/** Picks at most `max` checkpoints evenly (first and last kept). Cost O(n). */
export function pickEven<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  if (max <= 1) return [items[items.length - 1]!];
  const out: T[] = [];
  for (let k = 0; k < max; k++) out.push(items[Math.round((k * (items.length - 1)) / (max - 1))]!);
  return out;
}

/**
 * Vega-lite spec of the complex-plane eigenvalue panels over training checkpoints (a small
 * multiple standing in for an animation), all panels on the same axes. At most `maxPanels`
 * (default 12) checkpoints are drawn, evenly spaced; the subtitle says how many were skipped.
 * Cost O(total eigenvalues). Throws ShapeError when there is no checkpoint.
 */
export function eigenSeriesSpec(data: EigenSeriesData): PlotSpec {
  const cps: EigenCheckpoint[] = [...data.checkpoints].filter((c) => c.eigenvalues.length > 0).sort((a, b) => a.step - b.step);
  if (cps.length === 0) throw new ShapeError('eigenvalue series: no checkpoint with eigenvalues');
  for (const c of cps) check(c.eigenvalues, `Jacobian eigenvalues at step ${c.step}`);
  const shown = pickEven(cps, Math.max(1, data.maxPanels ?? 12));
  const dom = domainFor(shown.flatMap((c) => c.eigenvalues), data.time);
  const hasGroups = shown.some((c) => c.groups);
  const panels = shown.map((c, i) => ({
    title: { text: `${data.stepLabel ?? 'step'} ${fmt(c.step)}`, fontSize: 11 },
    width: 150,
    height: 150,
    layer: panelLayers(c.eigenvalues, c.groups, data.time, dom, hasGroups && i === 0),
  }));
  const sub = [`${shown.length} of ${cps.length} checkpoints${shown.length < cps.length ? ' (evenly spaced)' : ''}; ${boundaryText(data.time)}`];
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: title(data.title ?? 'Fixed-point eigenvalues over training', sub),
    columns: Math.max(1, data.columns ?? 4),
    concat: panels,
    resolve: { scale: { color: 'shared', shape: 'shared' } },
  } as PlotSpec;
}
