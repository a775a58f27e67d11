/** Training curves: PR / trace / top eigenvalue / loss / ... against step, events as labelled rules. */
import { ShapeError } from '../../errors.js';
import type { PlotSpec } from '../render.js';
import { TRAINING_METRICS, type TrainingCurvesData, type TrainingMetric } from '../types.js';
import { CONFIG, EVENT_COLOR, SCHEMA, allPositive, eventKind, title } from './common.js';

/** Axis titles of the training metrics (short: a rotated title longer than the panel inflates the layout). */
export const METRIC_TITLES: Record<TrainingMetric, string> = {
  loss: 'loss',
  pr: 'PR (state)',
  prOutput: 'PR (output)',
  trace: 'tr sNTK',
  topEigenvalue: 'top eigval λ₁',
  topShare: 'λ₁ / tr sNTK',
  sigma: 'σ (to crit.)',
  gradNorm: '‖∇L‖',
};

const PANEL_WIDTH = 520;
const LABEL_ROW_PX = 14;
/** Approximate advance of one character of a 10 px sans-serif label, in pixels. */
const LABEL_CHAR_PX = 6.2;

/**
 * Assigns each event label a row of the label strip so that labels (`label @ step`, drawn from the
 * event's step to the right) do not overlap: greedy, in step order, the first row whose last label
 * ends before this one starts. Cost O(events · rows).
 */
export function labelRows<E extends { step: number; label: string }>(events: readonly E[], s0: number, s1: number): (E & { row: number; text: string })[] {
  const pxPerStep = PANEL_WIDTH / Math.max(s1 - s0, 1e-12);
  const ends: number[] = [];
  return [...events]
    .sort((a, b) => a.step - b.step)
    .map((e) => {
      const text = `${e.label} @ ${e.step}`;
      const x = (e.step - s0) * pxPerStep;
      const w = text.length * LABEL_CHAR_PX + 6;
      let row = ends.findIndex((end) => end < x);
      if (row < 0) {
        row = ends.length;
        ends.push(0);
      }
      ends[row] = x + w;
      return { ...e, row, text };
    });
}

const LOG_METRICS = new Set<TrainingMetric>(['loss', 'trace', 'topEigenvalue', 'gradNorm', 'sigma']);

/**
 * Vega-lite spec of the training curves as vertically stacked small multiples sharing the step
 * axis, one panel per metric with at least one finite value (or `data.metrics`). Loss, trace,
 * top eigenvalue, gradient norm and σ use a log axis when all their values are positive. Events
 * are vertical rules on every panel (red: bifurcations, purple: rank collapse, grey: other) with
 * their labels (`type @ step`) in a strip above the panels, packed into rows (`labelRows`). Cost O(points × metrics). Throws ShapeError if nothing can be drawn.
 */
export function trainingCurvesSpec(data: TrainingCurvesData): PlotSpec {
  const pts = [...data.points].filter((p) => Number.isFinite(p.step)).sort((a, b) => a.step - b.step);
  if (pts.length === 0) throw new ShapeError('training curves: no monitored steps');
  const wanted = data.metrics ?? [...TRAINING_METRICS];
  const panels: { metric: TrainingMetric; values: { step: number; v: number }[]; missing: number }[] = [];
  for (const m of wanted) {
    const values: { step: number; v: number }[] = [];
    let missing = 0;
    for (const p of pts) {
      const v = p[m];
      if (typeof v === 'number' && Number.isFinite(v)) values.push({ step: p.step, v });
      else if (v !== undefined) missing++;
    }
    if (values.length > 0) panels.push({ metric: m, values, missing });
  }
  if (panels.length === 0) throw new ShapeError(`training curves: none of ${wanted.join(', ')} has a finite value`);
  const s0 = pts[0]!.step;
  const s1 = Math.max(pts[pts.length - 1]!.step, s0 + 1);
  const xScale = { domain: [s0, s1], nice: false, zero: false };
  const events = labelRows(
    (data.events ?? []).filter((e) => Number.isFinite(e.step)).map((e) => ({ step: e.step, kind: eventKind(e.type), label: e.label ?? e.type })),
    s0,
    s1,
  );
  const labelRowCount = events.reduce((m, e) => Math.max(m, e.row + 1), 0);
  const rows = panels.map((p, idx) => {
    const log = LOG_METRICS.has(p.metric) && allPositive(p.values.map((d) => d.v));
    const layer: unknown[] = [
      {
        data: { values: p.values },
        mark: { type: 'line', color: '#1f77b4', point: p.values.length <= 40 },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: idx === panels.length - 1 ? 'step' : null, scale: xScale, axis: idx === panels.length - 1 ? {} : { labels: false } },
          y: {
            field: 'v',
            type: 'quantitative',
            title: METRIC_TITLES[p.metric],
            scale: log ? { type: 'log' } : { zero: false },
          },
        },
      },
    ];
    if (events.length > 0) {
      layer.push({
        data: { values: events },
        mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.3 },
        encoding: {
          x: { field: 'step', type: 'quantitative', scale: xScale },
          color: { field: 'kind', type: 'nominal', title: 'event', scale: EVENT_COLOR, legend: idx === 0 ? {} : null },
        },
      });
    }
    return { width: PANEL_WIDTH, height: 120, layer, resolve: { scale: { y: 'independent' } } };
  });
  if (events.length > 0) {
    // the event labels in a strip of their own above the panels, packed into rows so that no two overlap
    const h = LABEL_ROW_PX * labelRowCount + 4;
    rows.unshift({
      width: PANEL_WIDTH,
      height: h,
      layer: [
        {
          data: { values: events },
          mark: { type: 'tick', orient: 'vertical', thickness: 1.3 },
          encoding: {
            x: { field: 'step', type: 'quantitative', title: null, scale: xScale, axis: null },
            y: { field: 'row', type: 'ordinal', scale: { domain: Array.from({ length: labelRowCount }, (_, i) => i) }, axis: null },
            color: { field: 'kind', type: 'nominal', scale: EVENT_COLOR, legend: null },
          },
        },
        {
          data: { values: events },
          mark: { type: 'text', align: 'left', baseline: 'middle', dx: 3, fontSize: 10 },
          encoding: {
            x: { field: 'step', type: 'quantitative', scale: xScale },
            y: { field: 'row', type: 'ordinal', scale: { domain: Array.from({ length: labelRowCount }, (_, i) => i) }, axis: null },
            text: { field: 'text' },
            color: { field: 'kind', type: 'nominal', scale: EVENT_COLOR, legend: null },
          },
        },
      ],
      resolve: { scale: { y: 'independent' } },
    } as (typeof rows)[number]);
  }
  const evNote = events.length ? `${events.length} event(s) marked` : 'no events';
  const missing = panels.filter((p) => p.missing > 0).map((p) => `${METRIC_TITLES[p.metric]}: ${p.missing} step(s) without a finite value`);
  const sub = [`${pts.length} monitored steps, ${evNote}; σ = distance of the critical eigenvalue to the stability boundary`, ...missing];
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: title(data.title ?? 'Training', sub),
    vconcat: rows,
    spacing: 8,
  } as PlotSpec;
}
