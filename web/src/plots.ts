/** Minimal SVG plots (no dependencies): line charts and the complex plane. */

const NS = 'http://www.w3.org/2000/svg';

/** One line of a chart; `null`/non-finite y values break the line. */
export interface Series {
  x: readonly number[];
  y: readonly (number | null)[];
  color: string;
  dash?: string;
  label?: string;
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
}

const W = 360;
const H = 200;
const M = { l: 52, r: 10, t: 10, b: 28 };

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

/** Redraws `svg` as a line chart of `series`. Cost O(points). */
export function lineChart(svg: SVGSVGElement, series: readonly Series[], opts: ChartOptions = {}): void {
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const tf = (y: number): number => (opts.logY ? Math.log10(y) : y);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of series) {
    s.x.forEach((x, i) => {
      const y = s.y[i];
      if (y === null || y === undefined || !Number.isFinite(y) || (opts.logY && y <= 0)) return;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x);
      y0 = Math.min(y0, tf(y)); y1 = Math.max(y1, tf(y));
    });
  }
  svg.appendChild(el('rect', { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, fill: '#fff', stroke: '#ccc' }));
  if (!Number.isFinite(x0)) {
    text(svg, W / 2, H / 2, 'no data yet');
    return;
  }
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= 1; y1 += 1; }
  const pad = 0.05 * (y1 - y0);
  y0 -= pad; y1 += pad;
  const sx = (x: number): number => M.l + ((x - x0) / (x1 - x0)) * (W - M.l - M.r);
  const sy = (y: number): number => H - M.b - ((tf(y) - y0) / (y1 - y0)) * (H - M.t - M.b);
  for (let i = 0; i <= 4; i++) {
    const yv = y0 + ((y1 - y0) * i) / 4;
    const py = H - M.b - ((yv - y0) / (y1 - y0)) * (H - M.t - M.b);
    svg.appendChild(el('line', { x1: M.l, x2: W - M.r, y1: py, y2: py, stroke: '#eee' }));
    text(svg, M.l - 4, py + 3, fmt(opts.logY ? 10 ** yv : yv), 'end');
    const xv = x0 + ((x1 - x0) * i) / 4;
    text(svg, sx(xv), H - M.b + 12, opts.integerX ? String(Math.round(xv)) : fmt(xv));
  }
  if (opts.xLabel) text(svg, (M.l + W - M.r) / 2, H - 2, opts.xLabel);
  for (const v of opts.vlines ?? []) {
    if (v.x < x0 || v.x > x1) continue;
    svg.appendChild(el('line', { x1: sx(v.x), x2: sx(v.x), y1: M.t, y2: H - M.b, stroke: v.color, 'stroke-dasharray': '3 2' }));
    if (v.label) {
      const right = sx(v.x) > W - M.r - 70;
      text(svg, sx(v.x) + (right ? -2 : 2), H - M.b - 4, v.label, right ? 'end' : 'start');
    }
  }
  for (const s of series) {
    let d = '';
    let pen = false;
    s.x.forEach((x, i) => {
      const y = s.y[i];
      if (y === null || y === undefined || !Number.isFinite(y) || (opts.logY && y <= 0)) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
      pen = true;
    });
    if (d) svg.appendChild(el('path', { d, fill: 'none', stroke: s.color, 'stroke-width': 1.5, ...(s.dash ? { 'stroke-dasharray': s.dash } : {}) }));
  }
  let ly = M.t + 12;
  for (const s of series) {
    if (!s.label) continue;
    svg.appendChild(el('line', { x1: W - M.r - 90, x2: W - M.r - 76, y1: ly - 3, y2: ly - 3, stroke: s.color, 'stroke-width': 2, ...(s.dash ? { 'stroke-dasharray': s.dash } : {}) }));
    text(svg, W - M.r - 73, ly, s.label, 'start');
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
  for (const s of sets) {
    for (const [re, im] of s.points) {
      svg.appendChild(el('circle', { cx: c + re * sc, cy: c - im * sc, r: s.r ?? 2.5, fill: s.color, 'fill-opacity': 0.8 }));
    }
  }
}
