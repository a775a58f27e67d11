import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { NonFiniteError, ShapeError } from '../../src/errors.js';
import {
  bifurcationDiagramSpec,
  blockAverage,
  eigenPlaneSpec,
  eigenSeriesSpec,
  fontFamilyOf,
  findFont,
  heatmapSpec,
  pickEven,
  pngSize,
  renderPng,
  renderSvg,
  restrictedScanSpec,
  spectrumSpec,
  trainingCurvesSpec,
} from '../../src/report/index.js';
import { checkXml, countMarks } from './helpers.js';

const eig = (g: number) => [
  { re: g, im: 0 },
  { re: 0.3, im: 0.4 },
  { re: 0.3, im: -0.4 },
];

describe('plot specs render to SVG and PNG', () => {
  it('spectrum: one symbol per positive eigenvalue, log axis, PR rule; PNG has the requested width', async () => {
    const ev = Array.from({ length: 30 }, (_, i) => Math.exp(-i / 3));
    ev.push(-1e-17); // roundoff negative: omitted on the log axis
    const svg = await renderSvg(spectrumSpec({ eigenvalues: ev, full: true }));
    expect(checkXml(svg)).toBe('svg');
    expect(countMarks(svg, 'symbol')).toBe(30);
    expect(countMarks(svg, 'rule')).toBe(1);
    expect(svg).toContain('PR = ');
    expect(svg).toContain('1 eigenvalue(s) ≤ 0');
    for (const width of [400, 777]) {
      const png = renderPng(svg, { width });
      expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const size = pngSize(png)!;
      expect(size.width).toBe(width);
      expect(size.height).toBeGreaterThan(100);
    }
  });

  it('spectrum: PR computed from the full spectrum equals (Σλ)²/Σλ²', () => {
    const spec = spectrumSpec({ eigenvalues: [4, 1, 1], full: true }) as unknown as { title: { subtitle: string[] } };
    // (6)²/18 = 2
    expect(spec.title.subtitle[0]).toContain('PR = 2 ');
  });

  it('spectrum: empty, all-nonpositive and NaN inputs give typed errors', () => {
    expect(() => spectrumSpec({ eigenvalues: [] })).toThrow(ShapeError);
    expect(() => spectrumSpec({ eigenvalues: [0, -1] })).toThrow(ShapeError);
    expect(() => spectrumSpec({ eigenvalues: [1, NaN] })).toThrow(NonFiniteError);
  });

  it('training curves: one line per metric with data, one rule per event and panel', async () => {
    const points = Array.from({ length: 20 }, (_, s) => ({ step: s, loss: 1 / (1 + s), pr: 10 - s / 3, trace: 5 + s, topEigenvalue: 1 + s, prOutput: null }));
    const events = [
      { type: 'pitchfork', step: 8 },
      { type: 'rank-collapse', step: 7 },
    ];
    const svg = await renderSvg(trainingCurvesSpec({ points, events }));
    checkXml(svg);
    expect(countMarks(svg, 'line')).toBe(4); // loss, pr, trace, topEigenvalue (prOutput has no finite value)
    expect(countMarks(svg, 'rule')).toBe(4 * 2);
    expect(svg).toContain('pitchfork');
    expect(svg).toContain('rank-collapse');
    expect(() => trainingCurvesSpec({ points: [] })).toThrow(ShapeError);
    expect(() => trainingCurvesSpec({ points: [{ step: 0, loss: null }] })).toThrow(ShapeError);
  });

  it('eigenvalue plane: map draws the unit circle, flow the imaginary axis; one symbol per eigenvalue', async () => {
    const map = await renderSvg(eigenPlaneSpec({ eigenvalues: [...eig(0.9), ...eig(1.1)], groups: ['a', 'a', 'a', 'b', 'b', 'b'], time: 'discrete' }));
    checkXml(map);
    expect(countMarks(map, 'symbol')).toBe(6);
    expect(map).toContain('role-legend');
    expect(countMarks(map, 'line')).toBe(1);
    const flow = await renderSvg(eigenPlaneSpec({ eigenvalues: [{ re: -0.1, im: 2 }, { re: -0.1, im: -2 }], time: 'continuous' }));
    expect(countMarks(flow, 'rule')).toBe(1);
    expect(countMarks(flow, 'symbol')).toBe(2);
    expect(() => eigenPlaneSpec({ eigenvalues: eig(1), groups: ['a'], time: 'discrete' })).toThrow(ShapeError);
    expect(() => eigenPlaneSpec({ eigenvalues: [{ re: NaN, im: 0 }], time: 'discrete' })).toThrow(NonFiniteError);
  });

  it('eigenvalue small multiples: at most maxPanels panels, first and last checkpoint kept', async () => {
    const checkpoints = Array.from({ length: 20 }, (_, k) => ({ step: 5 * k, eigenvalues: eig(0.4 + 0.05 * k) }));
    const svg = await renderSvg(eigenSeriesSpec({ checkpoints, time: 'discrete', maxPanels: 6 }));
    checkXml(svg);
    expect(countMarks(svg, 'symbol')).toBe(6 * 3);
    expect(svg).toContain('step 0');
    expect(svg).toContain('step 95');
    expect(svg).toContain('6 of 20 checkpoints');
  });

  it('bifurcation diagram: stable and unstable runs drawn as separate segments; events labelled', async () => {
    const triv = Array.from({ length: 11 }, (_, k) => ({ s: 0.5 + k * 0.1, value: 0, stable: 0.5 + k * 0.1 < 1 }));
    const up = Array.from({ length: 6 }, (_, k) => ({ s: 1 + k * 0.1, value: Math.sqrt(3 * k * 0.1), stable: true }));
    const svg = await renderSvg(
      bifurcationDiagramSpec({ branches: [{ name: 'trivial', points: triv }, { name: 'upper', points: up }], events: [{ s: 1, value: 0, type: 'pitchfork' }] }),
    );
    checkXml(svg);
    expect(countMarks(svg, 'line')).toBe(3); // trivial stable, trivial unstable, upper
    expect(svg).toContain('pitchfork');
    expect(svg).toContain('stroke-dasharray');
    expect(() => bifurcationDiagramSpec({ branches: [] })).toThrow(ShapeError);
  });

  it('restricted scan: log–log κ against |α−α_c| with the fitted power-law line of the predicted slope', async () => {
    const alpha = Array.from({ length: 21 }, (_, k) => -1 + 0.1 * k + 0.01);
    const kappa = alpha.map((a) => (a > 0 ? 0.75 / a : 2));
    const spec = restrictedScanSpec({ alpha, kappa, loss: alpha.map((a) => 1 - Math.max(a, 0)), alphaC: 0, prediction: { exponent: -1 } });
    const svg = await renderSvg(spec);
    checkXml(svg);
    expect(countMarks(svg, 'symbol')).toBeGreaterThanOrEqual(21);
    expect(svg).toContain('|α − α_c|');
    // fitted constant: exact data κ = 0.75/d on the "above" side
    expect(JSON.stringify(spec)).toContain('prediction constant fitted in log space (0.75)');
    expect(() => restrictedScanSpec({ alpha: [1, 2], kappa: [1] })).toThrow(ShapeError);
    expect(() => restrictedScanSpec({ alpha: [1, 2], kappa: [1, Infinity] })).toThrow(NonFiniteError);
  });

  it('heatmap: cell by cell when small, block-averaged (and said so) or refused when large', async () => {
    const K = Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => Math.exp(-Math.abs(i - j))));
    const svg = await renderSvg(heatmapSpec({ matrix: K }));
    checkXml(svg);
    expect(countMarks(svg, 'rect')).toBe(100);
    const big = { rows: 200, cols: 200, data: new Float64Array(200 * 200).fill(1) };
    const spec = heatmapSpec({ matrix: big, maxSize: 50 });
    expect(JSON.stringify(spec)).toContain('200×200 block-averaged to 50×50 (blocks of 4×4)');
    expect((spec as unknown as { data: { values: unknown[] } }).data.values.length).toBe(2500);
    expect(() => heatmapSpec({ matrix: big, maxSize: 50, onLarge: 'refuse' })).toThrow(/exceeds the heatmap limit 50×50/);
    expect(() => heatmapSpec({ matrix: [[1, 2], [3]] })).toThrow(ShapeError);
  });

  it('renderPng rejects silly widths', () => {
    expect(() => renderPng('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>', { width: 0 })).toThrow(ShapeError);
  });
});

describe('fonts', () => {
  const dejavu = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
  const findFontAvailable = findFont(true) !== null;
  it.runIf(existsSync(dejavu))('reads the family name from DejaVuSans.ttf and picks a font', () => {
    expect(fontFamilyOf(dejavu)).toBe('DejaVu Sans');
    expect(findFont()?.family).toBeTruthy();
  });
  it('without any font (SNTK_FONT=none) the PNG still renders its shapes at the requested size, and differs from the one with text', async () => {
    const svg = await renderSvg(spectrumSpec({ eigenvalues: [3, 2, 1], full: true }));
    const withFont = renderPng(svg, { width: 300 });
    const saved = process.env.SNTK_FONT;
    process.env.SNTK_FONT = 'none';
    try {
      expect(findFont(true)).toBeNull();
      const bare = renderPng(svg, { width: 300 });
      expect(pngSize(bare)).toEqual(pngSize(withFont));
      if (findFontAvailable) expect(Buffer.from(bare).equals(Buffer.from(withFont))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.SNTK_FONT;
      else process.env.SNTK_FONT = saved;
      findFont(true);
    }
  });
  it('a non-font file has no family', () => {
    expect(fontFamilyOf('/etc/hostname')).toBeNull();
    expect(fontFamilyOf('/nonexistent/font.ttf')).toBeNull();
  });
});

describe('properties', () => {
  it('pickEven keeps at most max items, in order, with the first and last', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 2, max: 20 }), (n, max) => {
        const xs = Array.from({ length: n }, (_, i) => i);
        const p = pickEven(xs, max);
        expect(p.length).toBe(Math.min(n, max));
        expect(p[0]).toBe(0);
        expect(p[p.length - 1]).toBe(n - 1);
        for (let i = 1; i < p.length; i++) expect(p[i]!).toBeGreaterThan(p[i - 1]!);
      }),
    );
  });

  it('blockAverage preserves the mean of the matrix when the blocks divide the sides (rel. 1e-12)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (r, b, max, seed) => {
        const n = r * b * max;
        const data = Float64Array.from({ length: n * n }, (_, k) => Math.sin(seed + 7.1 * k));
        const a = blockAverage({ rows: n, cols: n, data }, max);
        const mean = (x: Float64Array) => x.reduce((s, v) => s + v, 0) / x.length;
        expect(a.rows).toBeLessThanOrEqual(max);
        expect(Math.abs(mean(a.data) - mean(data))).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(mean(data))));
      }),
      { numRuns: 50 },
    );
  });
});
