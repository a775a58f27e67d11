/** Minimal SVG plots (no dependencies): line charts and the complex plane. */

const NS = 'http://www.w3.org/2000/svg';

/** One line of a chart; `null`/non-finite y values break the line. */
export interface Series {
  x: readonly number[];
  y: readonly (number | null)[];
  color: string;
  dash?: string;
  label?: string;
  /** Which y axis the series uses (default left). */
  axis?: 'left' | 'right';
}

/** Chart options. */
export interface ChartOptions {
  logY?: boolean;
  /** Vertical marker lines at these x values. */
  vlines?: { x: number; color: string; label?: string }[];
  xLabel?: string;
  yLabel?: string;
  /** Round the x tick labels to integers (steps). */
  integerX?: boolean;
  /** A second y axis on the right for the series with `axis: 'right'`. */
  right?: { logY?: boolean; label?: string };
}

const W = 360;
const H = 200;
const M = { l: 58, r: 10, t: 10, b: 28 };

/** Round tick values in [lo, hi]: 1-2-5 steps on a linear axis, powers of ten (or 1-2-5 within a decade) on a log axis. */
export function niceTicks(lo: number, hi: number, log: boolean, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  if (log) {
    const d0 = Math.floor(Math.log10(lo)), d1 = Math.ceil(Math.log10(hi));
    const every = Math.max(1, Math.ceil((d1 - d0) / target));
    let ticks: number[] = [];
    for (let d = d0; d <= d1; d += every) ticks.push(10 ** d);
    ticks = ticks.filter((t) => t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9));
    if (ticks.length >= 2) return ticks;
    const out: number[] = [];
    for (let d = d0; d <= d1; d++) for (const m of [1, 2, 5]) {
      const t = m * 10 ** d;
      if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) out.push(t);
    }
    return out.length ? out : [lo, hi];
  }
  const raw = (hi - lo) / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((x) => x >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) out.push(Math.abs(t) < 1e-12 * step ? 0 : t);
  return out;
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-2 || a >= 1e4)) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

function text(svg: SVGSVGElement, x: number, y: number, s: string, anchor = 'middle'): void {
  const t = el('text', { x, y, 'font-size': 10, 'text-anchor': anchor, fill: '#444' });
  t.textContent = s;
  svg.appendChild(t);
}

/** Redraws `svg` as a line chart of `series` (left axis, and a right one with `opts.right`). Cost O(points). */
export function lineChart(svg: SVGSVGElement, series: readonly Series[], opts: ChartOptions = {}): void {
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const mr = opts.right ? 52 : M.r;
  const axes = { left: { log: Boolean(opts.logY), lo: Infinity, hi: -Infinity }, right: { log: Boolean(opts.right?.logY), lo: Infinity, hi: -Infinity } };
  let x0 = Infinity, x1 = -Infinity;
  for (const s of series) {
    const ax = axes[s.axis === 'right' && opts.right ? 'right' : 'left'];
    s.x.forEach((x, i) => {
      const y = s.y[i];
      if (y === null || y === undefined || !Number.isFinite(y) || (ax.log && y <= 0)) return;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x);
      ax.lo = Math.min(ax.lo, y); ax.hi = Math.max(ax.hi, y);
    });
  }
  svg.appendChild(el('rect', { x: M.l, y: M.t, width: W - M.l - mr, height: H - M.t - M.b, fill: '#fff', stroke: '#ccc' }));
  if (!Number.isFinite(x0)) {
    text(svg, W / 2, H / 2, 'no data yet');
    return;
  }
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  const sx = (x: number): number => M.l + ((x - x0) / (x1 - x0)) * (W - M.l - mr);
  // each y axis: its range widened to round ticks, a transform, and its scale
  const scale = (ax: { log: boolean; lo: number; hi: number }) => {
    if (!Number.isFinite(ax.lo)) return null;
    let lo = ax.lo, hi = ax.hi;
    if (ax.log) {
      if (hi / lo < 10) { const m = Math.sqrt(hi * lo); lo = Math.min(lo, m / 3.2); hi = Math.max(hi, m * 3.2); }
    } else if (hi === lo) { lo -= 1; hi += 1; }
    const ticks = niceTicks(lo, hi, ax.log);
    if (!ax.log) { const st = ticks.length > 1 ? ticks[1]! - ticks[0]! : 1; lo = Math.min(lo, Math.floor(lo / st) * st); hi = Math.max(hi, Math.ceil(hi / st) * st); }
    const tf = (y: number): number => (ax.log ? Math.log10(y) : y);
    const t0 = tf(lo), t1 = tf(hi);
    const sy = (y: number): number => H - M.b - ((tf(y) - t0) / (t1 - t0)) * (H - M.t - M.b);
    return { ticks: niceTicks(lo, hi, ax.log), sy };
  };
  const left = scale(axes.left);
  const right = opts.right ? scale(axes.right) : null;
  if (left) for (const t of left.ticks) {
    const py = left.sy(t);
    svg.appendChild(el('line', { x1: M.l, x2: W - mr, y1: py, y2: py, stroke: '#eee' }));
    text(svg, M.l - 4, py + 3, fmt(t), 'end');
  }
  if (right) for (const t of right.ticks) text(svg, W - mr + 4, right.sy(t) + 3, fmt(t), 'start');
  for (const xv of niceTicks(x0, x1, false, 4)) {
    if (opts.integerX && !Number.isInteger(xv)) continue;
    text(svg, sx(xv), H - M.b + 12, opts.integerX ? String(Math.round(xv)) : fmt(xv));
  }
  if (opts.xLabel) text(svg, (M.l + W - mr) / 2, H - 2, opts.xLabel);
  const ylab = (x: number, s: string, color = '#444'): void => {
    const t = el('text', { x, y: (M.t + H - M.b) / 2, 'font-size': 10, 'text-anchor': 'middle', fill: color, transform: `rotate(-90 ${x} ${(M.t + H - M.b) / 2})` });
    t.textContent = s;
    svg.appendChild(t);
  };
  if (opts.yLabel) ylab(11, opts.yLabel);
  if (opts.right?.label) ylab(W - 6, opts.right.label);
  for (const v of opts.vlines ?? []) {
    if (v.x < x0 || v.x > x1) continue;
    svg.appendChild(el('line', { x1: sx(v.x), x2: sx(v.x), y1: M.t, y2: H - M.b, stroke: v.color, 'stroke-dasharray': '3 2' }));
    if (v.label) {
      const right = sx(v.x) > W - mr - 70;
      text(svg, sx(v.x) + (right ? -2 : 2), H - M.b - 4, v.label, right ? 'end' : 'start');
    }
  }
  for (const s of series) {
    const useRight = s.axis === 'right' && right;
    const sc = useRight ? right : left;
    const log = useRight ? axes.right.log : axes.left.log;
    if (!sc) continue;
    let d = '';
    let pen = false;
    s.x.forEach((x, i) => {
      const y = s.y[i];
      if (y === null || y === undefined || !Number.isFinite(y) || (log && y <= 0)) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${sx(x).toFixed(1)},${sc.sy(y).toFixed(1)}`;
      pen = true;
    });
    if (d) svg.appendChild(el('path', { d, fill: 'none', stroke: s.color, 'stroke-width': 1.5, ...(s.dash ? { 'stroke-dasharray': s.dash } : {}) }));
  }
  let ly = M.t + 12;
  for (const s of series) {
    if (!s.label) continue;
    const lab = s.label + (opts.right ? (s.axis === 'right' ? ' (right)' : ' (left)') : '');
    svg.appendChild(el('line', { x1: W - mr - 100, x2: W - mr - 86, y1: ly - 3, y2: ly - 3, stroke: s.color, 'stroke-width': 2, ...(s.dash ? { 'stroke-dasharray': s.dash } : {}) }));
    text(svg, W - mr - 83, ly, lab, 'start');
    ly += 12;
  }
}

/** A point set in the complex plane. */
export interface PointSet {
  points: readonly [number, number][];
  color: string;
  r?: number;
}

/** Redraws `svg` as the complex plane with the unit circle and the given eigenvalues. */
export function complexPlane(svg: SVGSVGElement, sets: readonly PointSet[]): void {
  svg.replaceChildren();
  const S = 220;
  svg.setAttribute('viewBox', `0 0 ${S} ${S}`);
  let R = 1.25;
  for (const s of sets) for (const [re, im] of s.points) R = Math.max(R, 1.1 * Math.hypot(re, im));
  const c = S / 2;
  const sc = (S / 2 - 10) / R;
  svg.appendChild(el('rect', { x: 0, y: 0, width: S, height: S, fill: '#fff', stroke: '#ccc' }));
  svg.appendChild(el('line', { x1: 0, x2: S, y1: c, y2: c, stroke: '#ddd' }));
  svg.appendChild(el('line', { x1: c, x2: c, y1: 0, y2: S, stroke: '#ddd' }));
  svg.appendChild(el('circle', { cx: c, cy: c, r: sc, fill: 'none', stroke: '#888', 'stroke-dasharray': '4 3' }));
  text(svg, c + sc + 2, c - 3, '1', 'start');
  text(svg, c - sc - 2, c - 3, '−1', 'end');
  text(svg, c + 3, c - sc - 2, 'i', 'start');
  text(svg, S - 4, c + 12, 'Re λ', 'end');
  text(svg, c + 4, 11, 'Im λ', 'start');
  for (const s of sets) {
    for (const [re, im] of s.points) {
      svg.appendChild(el('circle', { cx: c + re * sc, cy: c - im * sc, r: s.r ?? 2.5, fill: s.color, 'fill-opacity': 0.8 }));
    }
  }
}
