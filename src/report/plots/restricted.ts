/** Restricted kernel κ(α) and loss along the dominant direction against the normal-form prediction. */
import { ShapeError, assertFinite } from '../../errors.js';
import type { PlotSpec } from '../render.js';
import type { RestrictedScanData } from '../types.js';
import { CONFIG, SCHEMA, fmt, title } from './common.js';

function sideOf(a: number, ac: number): 'below' | 'above' {
  return a < ac ? 'below' : 'above';
}

/**
 * Vega-lite spec of a scan along the dominant direction. With `alphaC`: left panel κ against
 * |α − α_c| on log–log axes, points coloured by side of α_c, the normal-form prediction as a dashed
 * line (given on the grid, or the power law `constant·|α−α_c|^exponent`, the constant fitted in log
 * space when absent); right panel the loss against α with α_c as a rule and the predicted loss if
 * given. Without `alphaC`: κ against α with a log y axis. Cost O(n). Throws ShapeError for
 * mismatched lengths or no positive κ, NonFiniteError for NaN/Inf in α or κ.
 */
export function restrictedScanSpec(data: RestrictedScanData): PlotSpec {
  const n = data.alpha.length;
  if (n === 0) throw new ShapeError('restricted scan: no scan points');
  if (data.kappa.length !== n) throw new ShapeError(`restricted scan: ${data.kappa.length} kappa values for ${n} alpha values`);
  if (data.loss && data.loss.length !== n) throw new ShapeError(`restricted scan: ${data.loss.length} loss values for ${n} alpha values`);
  assertFinite(data.alpha, 'scan alpha');
  assertFinite(data.kappa, 'scan kappa');
  const ac = data.alphaC ?? null;
  if (ac !== null && !Number.isFinite(ac)) throw new ShapeError(`restricted scan: alphaC is not finite (${ac})`);
  const pred = data.prediction;
  const predLabel = pred?.label ?? (pred?.exponent !== undefined ? `prediction: κ ∝ |α−α_c|^${fmt(pred.exponent)}` : 'normal-form prediction');
  const notes: string[] = [];
  const panels: unknown[] = [];

  if (ac !== null) {
    const pts: { d: number; kappa: number; side: string }[] = [];
    let skipped = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.abs(data.alpha[i]! - ac);
      if (d > 0 && data.kappa[i]! > 0) pts.push({ d, kappa: data.kappa[i]!, side: sideOf(data.alpha[i]!, ac) });
      else skipped++;
    }
    if (pts.length === 0) throw new ShapeError('restricted scan: no point with κ > 0 away from α_c');
    if (skipped) notes.push(`${skipped} point(s) at α_c or with κ ≤ 0 not shown on log axes`);
    const line: { d: number; kappa: number; curve: string }[] = [];
    if (pred?.kappa) {
      for (let i = 0; i < n; i++) {
        const d = Math.abs(data.alpha[i]! - ac);
        const k = pred.kappa[i];
        if (d > 0 && typeof k === 'number' && Number.isFinite(k) && k > 0) line.push({ d, kappa: k, curve: predLabel });
      }
      line.sort((a, b) => a.d - b.d);
    } else if (pred?.exponent !== undefined && Number.isFinite(pred.exponent)) {
      const side = pred.side ?? 'above';
      const use = pts.filter((p) => side === 'both' || p.side === side);
      let c = pred.constant;
      if (c === undefined && use.length) {
        const m = use.reduce((s, p) => s + Math.log(p.kappa) - pred.exponent! * Math.log(p.d), 0) / use.length;
        c = Math.exp(m);
        notes.push(`prediction constant fitted in log space (${fmt(c)}); slope ${fmt(pred.exponent)} is the predicted one`);
      }
      if (c !== undefined && use.length) {
        const dmin = Math.min(...use.map((p) => p.d));
        const dmax = Math.max(...use.map((p) => p.d));
        for (let k = 0; k <= 40; k++) {
          const d = dmin * Math.pow(dmax / dmin, k / 40);
          line.push({ d, kappa: c * Math.pow(d, pred.exponent), curve: predLabel });
        }
      }
    }
    const x = { field: 'd', type: 'quantitative', title: '|α − α_c|', scale: { type: 'log' } };
    const y = { field: 'kappa', type: 'quantitative', title: 'κ(α) = ‖J(θ+αu)u‖²', scale: { type: 'log' } };
    const layer: unknown[] = [
      {
        data: { values: pts },
        mark: { type: 'point', filled: true, size: 36 },
        encoding: { x, y, color: { field: 'side', type: 'nominal', title: 'side of α_c', scale: { domain: ['below', 'above'], range: ['#1f77b4', '#ff7f0e'] } } },
      },
    ];
    if (line.length) {
      layer.push({
        data: { values: line },
        mark: { type: 'line', color: 'black', strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { x, y, order: { field: 'd', type: 'quantitative' }, strokeDash: { field: 'curve', type: 'nominal', title: null, scale: { range: [[6, 4]] } } },
      });
    }
    panels.push({ width: 340, height: 280, title: { text: 'restricted kernel (log–log)', fontSize: 12 }, layer });
  } else {
    const pts = data.alpha.map((a, i) => ({ alpha: a, kappa: data.kappa[i]! })).filter((p) => p.kappa > 0);
    if (pts.length === 0) throw new ShapeError('restricted scan: no point with κ > 0');
    if (pts.length < n) notes.push(`${n - pts.length} point(s) with κ ≤ 0 not shown on the log axis`);
    panels.push({
      width: 340,
      height: 280,
      title: { text: 'restricted kernel', fontSize: 12 },
      data: { values: pts },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'alpha', type: 'quantitative', title: 'α', scale: { zero: false } },
        y: { field: 'kappa', type: 'quantitative', title: 'κ(α) = ‖J(θ+αu)u‖²', scale: { type: 'log' } },
      },
    });
  }

  if (data.loss) {
    const lossPts: { alpha: number; loss: number; curve: string }[] = [];
    for (let i = 0; i < n; i++) {
      const l = data.loss[i];
      if (typeof l === 'number' && Number.isFinite(l)) lossPts.push({ alpha: data.alpha[i]!, loss: l, curve: 'loss' });
      if (pred?.loss) {
        const p = pred.loss[i];
        if (typeof p === 'number' && Number.isFinite(p)) lossPts.push({ alpha: data.alpha[i]!, loss: p, curve: 'predicted loss' });
      }
    }
    if (lossPts.length) {
      const x = { field: 'alpha', type: 'quantitative', title: 'α', scale: { zero: false } };
      const layer: unknown[] = [
        {
          data: { values: lossPts },
          mark: { type: 'line', point: true },
          encoding: {
            x,
            y: { field: 'loss', type: 'quantitative', title: 'loss L(α)', scale: { zero: false } },
            color: {
              field: 'curve',
              type: 'nominal',
              title: null,
              scale: pred?.loss ? { domain: ['loss', 'predicted loss'], range: ['#2ca02c', 'black'] } : { domain: ['loss'], range: ['#2ca02c'] },
            },
            order: { field: 'alpha', type: 'quantitative' },
          },
        },
      ];
      if (ac !== null) {
        layer.push({ data: { values: [{ alpha: ac }] }, mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] }, encoding: { x } });
      }
      panels.push({ width: 300, height: 280, title: { text: 'loss along the direction', fontSize: 12 }, layer });
    }
  }
  const sub = [`${n} scan points${ac !== null ? `, α_c = ${fmt(ac)}` : ''}`, ...notes];
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: title(data.title ?? 'Restricted kernel along the dominant direction', sub),
    hconcat: panels,
    resolve: { scale: { color: 'independent', strokeDash: 'independent' } },
  } as PlotSpec;
}
