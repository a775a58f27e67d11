/** Bifurcation diagram: fixed-point coordinate or norm against the path parameter. */
import { ShapeError, assertFinite } from '../../errors.js';
import type { PlotSpec } from '../render.js';
import type { BifurcationDiagramData } from '../types.js';
import { CONFIG, SCHEMA, title } from './common.js';

/**
 * Vega-lite spec of a bifurcation diagram: each branch drawn in curve order (so folds turn back),
 * split into runs of equal stability — stable solid, unstable dashed — with events as black
 * points labelled by type. Cost O(points). Throws ShapeError when no branch has a point,
 * NonFiniteError for NaN/Inf coordinates.
 */
export function bifurcationDiagramSpec(data: BifurcationDiagramData): PlotSpec {
  const rows: { s: number; value: number; stability: string; branch: string; segment: string; k: number }[] = [];
  let nPts = 0;
  data.branches.forEach((b, bi) => {
    const name = b.name ?? `branch ${bi + 1}`;
    assertFinite(b.points.map((p) => p.s), `${name}: path parameter`);
    assertFinite(b.points.map((p) => p.value), `${name}: values`);
    let seg = 0;
    let k = 0;
    b.points.forEach((p, i) => {
      nPts++;
      const stab = p.stable ? 'stable' : 'unstable';
      if (i > 0 && b.points[i - 1]!.stable !== p.stable) {
        // close the previous run at this point so the curve stays connected
        const prev = b.points[i - 1]!.stable ? 'stable' : 'unstable';
        rows.push({ s: p.s, value: p.value, stability: prev, branch: name, segment: `${bi}:${seg}`, k: k++ });
        seg++;
      }
      rows.push({ s: p.s, value: p.value, stability: stab, branch: name, segment: `${bi}:${seg}`, k: k++ });
    });
  });
  if (nPts === 0) throw new ShapeError('bifurcation diagram: no branch points');
  const events = (data.events ?? []).map((e) => ({ s: e.s, value: e.value, label: e.label ?? e.type }));
  assertFinite(events.flatMap((e) => [e.s, e.value]), 'bifurcation diagram events');
  const xEnc = { field: 's', type: 'quantitative', title: data.parameterLabel ?? 'path parameter s', scale: { zero: false } };
  const yEnc = { field: 'value', type: 'quantitative', title: data.valueLabel ?? '‖h*‖', scale: { zero: false } };
  const layers: unknown[] = [
    {
      data: { values: rows },
      mark: { type: 'line', strokeWidth: 2 },
      encoding: {
        x: xEnc,
        y: yEnc,
        detail: { field: 'segment', type: 'nominal' },
        order: { field: 'k', type: 'quantitative' },
        color: { field: 'branch', type: 'nominal', title: 'branch', legend: data.branches.length > 1 ? {} : null },
        strokeDash: {
          field: 'stability',
          type: 'nominal',
          title: 'stability',
          scale: { domain: ['stable', 'unstable'], range: [[1, 0], [5, 4]] },
        },
      },
    },
  ];
  if (events.length) {
    layers.push(
      { data: { values: events }, mark: { type: 'point', filled: true, color: 'black', size: 60, shape: 'diamond' }, encoding: { x: xEnc, y: yEnc } },
      {
        data: { values: events },
        mark: { type: 'text', align: 'left', dx: 6, dy: -8, fontSize: 11, color: 'black' },
        encoding: { x: xEnc, y: yEnc, text: { field: 'label' } },
      },
    );
  }
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: title(data.title ?? 'Bifurcation diagram', `${data.branches.length} branch(es), ${events.length} event(s); solid = stable, dashed = unstable`),
    width: 480,
    height: 300,
    layer: layers,
  } as PlotSpec;
}
