/** Overlay of several runs' training curves (loss and PR by default), one colour per run. */
import { ShapeError } from '../../errors.js';
import type { PlotSpec } from '../render.js';
import type { TrainingEvent, TrainingMetric, TrainingPoint } from '../types.js';
import { CONFIG, SCHEMA, allPositive, eventKind, title } from './common.js';
import { METRIC_TITLES } from './training.js';

/** One run in a comparison. */
export interface ComparisonSeries {
  /** Run name (legend). */
  name: string;
  /** Its monitored steps. */
  points: TrainingPoint[];
  /** Its events; the first bifurcation is drawn as a dashed rule in the run's colour. */
  events?: TrainingEvent[];
}

/**
 * Vega-lite spec overlaying `metrics` (default loss and PR) of several runs, one panel per metric
 * stacked on a shared step axis, one colour per run; loss on a log axis when positive. Each run's
 * first bifurcation event is a dashed rule in its colour. Cost O(total points). Throws ShapeError
 * when no run has a finite value of any metric.
 */
export function comparisonSpec(series: ComparisonSeries[], metrics: TrainingMetric[] = ['loss', 'pr'], heading = 'Comparison of runs'): PlotSpec {
  const names = series.map((s) => s.name);
  const rows = metrics
    .map((m) => {
      const values: { step: number; v: number; run: string }[] = [];
      for (const s of series) for (const p of s.points) {
        const v = p[m];
        if (typeof v === 'number' && Number.isFinite(v) && Number.isFinite(p.step)) values.push({ step: p.step, v, run: s.name });
      }
      return { m, values };
    })
    .filter((r) => r.values.length > 0);
  if (rows.length === 0) throw new ShapeError(`comparison: no run has a finite value of ${metrics.join(' or ')}`);
  const rules = series.flatMap((s) => {
    const e = (s.events ?? []).find((x) => eventKind(x.type) === 'bifurcation');
    return e ? [{ step: e.step, run: s.name, label: `${s.name}: ${e.type}` }] : [];
  });
  const color = { field: 'run', type: 'nominal', title: 'run', scale: { domain: names } };
  const panels = rows.map((r, i) => {
    const log = (r.m === 'loss' || r.m === 'trace' || r.m === 'topEigenvalue' || r.m === 'gradNorm') && allPositive(r.values.map((d) => d.v));
    const layer: unknown[] = [
      {
        data: { values: r.values },
        mark: { type: 'line', strokeWidth: 1.8 },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: i === rows.length - 1 ? 'step' : null },
          y: { field: 'v', type: 'quantitative', title: METRIC_TITLES[r.m], scale: log ? { type: 'log' } : { zero: false } },
          color,
          order: { field: 'step', type: 'quantitative' },
        },
      },
    ];
    if (rules.length) {
      layer.push({
        data: { values: rules },
        mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.2 },
        encoding: { x: { field: 'step', type: 'quantitative' }, color },
      });
    }
    return { width: 560, height: 170, layer };
  });
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: title(heading, [`${series.length} runs${rules.length ? '; dashed: first bifurcation of each run' : ''}`]),
    vconcat: panels,
    resolve: { scale: { x: 'shared', color: 'shared' } },
  } as PlotSpec;
}
