/** sNTK spectrum plot: eigenvalues in descending order on a log scale, the PR marked. */
import { assertFinite, ShapeError } from '../../errors.js';
import type { PlotSpec } from '../render.js';
import type { SpectrumData } from '../types.js';
import { CONFIG, SCHEMA, fmt, title } from './common.js';

/**
 * Vega-lite spec of a kernel spectrum: eigenvalue k (descending) against rank k = 1..n, log y
 * (and log x when n > 50), a vertical rule at rank = PR. PR is taken from `data.pr` or computed
 * as (Σλ)²/Σλ² from the given eigenvalues. Cost O(n log n). Throws ShapeError for an empty
 * spectrum or one without positive eigenvalue, NonFiniteError for NaN/Inf.
 */
export function spectrumSpec(data: SpectrumData): PlotSpec {
  const ev = Array.from(data.eigenvalues);
  if (ev.length === 0) throw new ShapeError('spectrum plot: no eigenvalues');
  assertFinite(ev, 'spectrum eigenvalues');
  ev.sort((a, b) => b - a);
  const label = data.label ?? 'sNTK';
  const values = ev.map((v, i) => ({ rank: i + 1, eigenvalue: v })).filter((d) => d.eigenvalue > 0);
  if (values.length === 0) throw new ShapeError(`spectrum plot: no positive eigenvalue among ${ev.length}`);
  const dropped = ev.length - values.length;
  let pr = data.pr ?? null;
  let prNote = '';
  if (pr === null) {
    const pos = ev.map((v) => Math.max(v, 0));
    const s1 = pos.reduce((a, b) => a + b, 0);
    const s2 = pos.reduce((a, b) => a + b * b, 0);
    pr = s2 > 0 ? (s1 * s1) / s2 : null;
    prNote = data.full ? ' (from the full spectrum)' : ` (from the top ${ev.length} only)`;
  }
  const logX = ev.length > 50;
  const sub = [`${ev.length} eigenvalues, λ₁ = ${fmt(ev[0])}, PR = ${fmt(pr)}${prNote}`];
  if (dropped > 0) sub.push(`${dropped} eigenvalue(s) ≤ 0 (roundoff) not shown on the log axis`);
  const layers: unknown[] = [
    {
      mark: { type: 'line', point: values.length <= 60, color: '#1f77b4' },
      encoding: {
        x: { field: 'rank', type: 'quantitative', title: 'rank k (descending)', scale: logX ? { type: 'log', domain: [1, ev.length], nice: false } : { domain: [1, Math.max(2, ev.length)], nice: false } },
        y: { field: 'eigenvalue', type: 'quantitative', title: `eigenvalue λ_k of ${label}`, scale: { type: 'log' } },
      },
    },
  ];
  if (pr !== null && Number.isFinite(pr)) {
    layers.push({
      data: { values: [{ pr, text: `PR = ${fmt(pr)}` }] },
      layer: [
        { mark: { type: 'rule', color: '#d62728', strokeDash: [5, 3], strokeWidth: 1.5 }, encoding: { x: { field: 'pr', type: 'quantitative' } } },
        {
          mark: { type: 'text', color: '#d62728', align: 'left', dx: 4, baseline: 'top', y: 4, fontSize: 11 },
          encoding: { x: { field: 'pr', type: 'quantitative' }, text: { field: 'text' } },
        },
      ],
    });
  }
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: title(data.title ?? `${label} spectrum`, sub),
    width: 480,
    height: 300,
    data: { values },
    layer: layers,
  } as PlotSpec;
}
