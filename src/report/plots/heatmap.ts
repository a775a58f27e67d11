/** Kernel heatmap for small kernels (block-averaged or refused above a size). */
import { ShapeError, assertFinite } from '../../errors.js';
import type { PlotSpec } from '../render.js';
import type { HeatmapData, MatrixLike } from '../types.js';
import { CONFIG, SCHEMA, fmt, title } from './common.js';

/** Converts a MatrixLike to {rows, cols, data}; ShapeError for ragged or inconsistent input. Cost O(rows·cols). */
export function toDense(m: MatrixLike): { rows: number; cols: number; data: Float64Array } {
  if (Array.isArray(m)) {
    const rows = m.length;
    const cols = rows ? m[0]!.length : 0;
    const data = new Float64Array(rows * cols);
    m.forEach((r, i) => {
      if (r.length !== cols) throw new ShapeError(`heatmap: row ${i} has ${r.length} entries, row 0 has ${cols}`);
      data.set(r, i * cols);
    });
    return { rows, cols, data };
  }
  if (m.data.length !== m.rows * m.cols) throw new ShapeError(`heatmap: ${m.rows}×${m.cols} matrix with ${m.data.length} entries`);
  return { rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) };
}

/**
 * Averages `a` over blocks so that neither side exceeds `max` (block size ⌈side/max⌉; the last
 * block may be smaller). Cost O(rows·cols).
 */
export function blockAverage(a: { rows: number; cols: number; data: Float64Array }, max: number): { rows: number; cols: number; data: Float64Array; br: number; bc: number } {
  const br = Math.ceil(a.rows / max);
  const bc = Math.ceil(a.cols / max);
  const rows = Math.ceil(a.rows / br);
  const cols = Math.ceil(a.cols / bc);
  const sum = new Float64Array(rows * cols);
  const cnt = new Float64Array(rows * cols);
  for (let i = 0; i < a.rows; i++) {
    const I = Math.floor(i / br);
    for (let j = 0; j < a.cols; j++) {
      const k = I * cols + Math.floor(j / bc);
      sum[k]! += a.data[i * a.cols + j]!;
      cnt[k]! += 1;
    }
  }
  for (let k = 0; k < sum.length; k++) sum[k]! /= cnt[k]!;
  return { rows, cols, data: sum, br, bc };
}

/**
 * Vega-lite spec of a heatmap of a (kernel) matrix, row 0 at the top, diverging colours centred
 * at 0 (red positive, blue negative). Matrices with a side above `maxSize` (default 64) are
 * block-averaged down (the title gives the block size) or, with `onLarge: "refuse"`, rejected
 * with a ShapeError. Cost O(rows·cols) plus one mark per drawn cell (≤ maxSize²).
 */
export function heatmapSpec(data: HeatmapData): PlotSpec {
  const max = data.maxSize ?? 64;
  if (!Number.isInteger(max) || max < 1) throw new ShapeError(`heatmap: maxSize must be a positive integer, got ${max}`);
  const a = toDense(data.matrix);
  if (a.rows === 0 || a.cols === 0) throw new ShapeError('heatmap: empty matrix');
  assertFinite(a.data, 'heatmap matrix');
  let shown: { rows: number; cols: number; data: Float64Array } = a;
  let note = `${a.rows}×${a.cols}, drawn cell by cell`;
  if (a.rows > max || a.cols > max) {
    if (data.onLarge === 'refuse') {
      throw new ShapeError(`heatmap: ${a.rows}×${a.cols} matrix exceeds the heatmap limit ${max}×${max} (use onLarge "downsample" or a larger maxSize)`);
    }
    const b = blockAverage(a, max);
    shown = b;
    note = `${a.rows}×${a.cols} block-averaged to ${b.rows}×${b.cols} (blocks of ${b.br}×${b.bc})`;
  }
  let m = 0;
  for (const v of shown.data) m = Math.max(m, Math.abs(v));
  if (m === 0) m = 1;
  const values: { i0: number; i1: number; j0: number; j1: number; v: number }[] = [];
  const sr = a.rows / shown.rows;
  const sc = a.cols / shown.cols;
  for (let i = 0; i < shown.rows; i++) {
    for (let j = 0; j < shown.cols; j++) {
      values.push({ i0: i * sr, i1: Math.min((i + 1) * sr, a.rows), j0: j * sc, j1: Math.min((j + 1) * sc, a.cols), v: shown.data[i * shown.cols + j]! });
    }
  }
  const side = 360;
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: title(data.title ?? 'Kernel heatmap', [note, `colour range ±${fmt(m)}`]),
    width: side,
    height: Math.max(40, Math.round((side * a.rows) / a.cols)),
    data: { values },
    mark: { type: 'rect', strokeWidth: 0 },
    encoding: {
      x: { field: 'j0', type: 'quantitative', title: 'column', scale: { domain: [0, a.cols], nice: false, zero: true } },
      x2: { field: 'j1' },
      y: { field: 'i0', type: 'quantitative', title: 'row', scale: { domain: [0, a.rows], nice: false, reverse: true, zero: true } },
      y2: { field: 'i1' },
      color: { field: 'v', type: 'quantitative', title: 'K', scale: { scheme: 'redblue', reverse: true, domain: [-m, m] } },
    },
  } as PlotSpec;
}
