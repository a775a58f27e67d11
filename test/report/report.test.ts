import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import {
  buildReport,
  comparisonPage,
  escapeHtml,
  inlineSvg,
  pngSize,
  readRunFolder,
  trackBranches,
  writeReport,
} from '../../src/report/index.js';
import { main } from '../../src/cli/main.js';
import { checkXml, externalRefs, makeRunFolder, tempDir } from './helpers.js';

describe('run-folder report', () => {
  it('is one self-contained HTML file with the events table rows, every plot, and PNGs beside it', async () => {
    const run = makeRunFolder();
    const out = tempDir();
    const bundle = await buildReport(run, { pngWidth: 640 });
    const written = writeReport(bundle, out);
    const html = readFileSync(written.html, 'utf8');
    expect(externalRefs(html)).toEqual([]);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    // every plot: training curves, two spectra (PR minimum, final), eigenvalues over training, fixed points over training
    const ids = bundle.content.plots.map((p) => p.id);
    expect(ids).toEqual(['training', 'spectrum-step-15', 'spectrum-step-25', 'eigenvalues-over-training', 'fixed-points-over-training']);
    for (const id of ids) expect(html).toContain(`id="plot-${id}"`);
    expect((html.match(/<svg\b/g) ?? []).length).toBe(ids.length);
    // each inline SVG is well-formed
    for (const m of html.matchAll(/<svg\b[\s\S]*?<\/svg>/g)) expect(checkXml(m[0])).toBe('svg');
    // events table: one row per event with its type and step
    const events = html.slice(html.indexOf('<section id="events">'), html.indexOf('</section>', html.indexOf('<section id="events">')));
    expect((events.match(/<tr>/g) ?? []).length).toBe(1 + 3);
    expect(events).toContain('<td>rank-collapse</td><td>14</td>');
    expect(events).toContain('<td>pitchfork</td><td>15</td>');
    expect(events).toContain('<td>loss-spike</td><td>16</td>');
    // summary and config
    expect(html).toContain('minimum PR (step)');
    expect(html).toContain('fixed points (first → last)</td><td>1 → 3');
    expect(html).toContain('&quot;optimizer&quot;: &quot;sgd&quot;');
    // files: the page and one PNG per plot, nothing else (no temp files left)
    // every figure as PNG, SVG and Vega-Lite spec beside the page
    expect(readdirSync(out).sort()).toEqual(['report.html', ...ids.flatMap((i) => [`${i}.png`, `${i}.svg`, `${i}.vl.json`])].sort());
    for (const i of ids) {
      expect(readFileSync(join(out, `${i}.svg`), 'utf8')).toMatch(/^<svg /);
      const spec = JSON.parse(readFileSync(join(out, `${i}.vl.json`), 'utf8'));
      expect(spec.$schema).toMatch(/vega-lite/);
      expect(spec).toEqual(JSON.parse(JSON.stringify(bundle.content.plots.find((p) => p.id === i)!.spec)));
    }
    for (const f of written.pngs) {
      const size = pngSize(new Uint8Array(readFileSync(f)));
      expect(size?.width).toBe(640);
    }
    rmSync(run, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it('without the optional files: training curves, critical eigenvalues, and an empty events table', async () => {
    const run = makeRunFolder({ omit: ['events.json', 'summary.json', 'eigenvalues.jsonl'] });
    const bundle = await buildReport(run, { png: false });
    expect(bundle.pngs).toEqual([]);
    expect(bundle.content.plots.map((p) => p.id)).toEqual(['training', 'eigenvalues-over-training', 'fixed-points-over-training']);
    expect(bundle.html).toContain('<section id="events"><h2>Events (0)</h2><p class="empty">none</p>');
    rmSync(run, { recursive: true, force: true });
  });

  it('missing or malformed run-folder files give an InputError naming the file', async () => {
    const cases: [string, (dir: string) => void, RegExp][] = [
      ['no metrics', (d) => rmSync(join(d, 'metrics.jsonl')), /metrics\.jsonl: missing/],
      ['no config', (d) => rmSync(join(d, 'config.json')), /config\.json: missing/],
      ['bad metrics line', (d) => writeFileSync(join(d, 'metrics.jsonl'), '{"step":0,"loss":1}\n{"step":1,"loss":\n'), /metrics\.jsonl line 2: not valid JSON/],
      ['bad metrics field', (d) => writeFileSync(join(d, 'metrics.jsonl'), '{"step":0,"loss":"high"}\n'), /metrics\.jsonl row 1: loss/],
      ['no step', (d) => writeFileSync(join(d, 'metrics.jsonl'), '{"loss":1}\n'), /metrics\.jsonl row 1: step/],
      ['empty metrics', (d) => writeFileSync(join(d, 'metrics.jsonl'), '\n'), /metrics\.jsonl: no rows/],
      ['events not an array', (d) => writeFileSync(join(d, 'events.json'), '{"type":"x"}'), /events\.json/],
      ['event without step', (d) => writeFileSync(join(d, 'events.json'), '[{"type":"pitchfork"}]'), /events\.json: 0\.step/],
      ['summary not JSON', (d) => writeFileSync(join(d, 'summary.json'), 'nope'), /summary\.json: not valid JSON/],
      ['config is an array', (d) => writeFileSync(join(d, 'config.json'), '[1,2]'), /config\.json/],
      ['bad eigenvalues line', (d) => writeFileSync(join(d, 'eigenvalues.jsonl'), '{"step":0,"sntk":[1,"a"]}\n'), /eigenvalues\.jsonl row 1: sntk/],
    ];
    for (const [, mutate, re] of cases) {
      const run = makeRunFolder({ steps: 6 });
      mutate(run);
      expect(() => readRunFolder(run)).toThrow(InputError);
      expect(() => readRunFolder(run)).toThrow(re);
      rmSync(run, { recursive: true, force: true });
    }
    await expect(buildReport('/nonexistent/run')).rejects.toThrow(InputError);
  });
});

describe('analysis reports', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const write = (obj: unknown) => {
    const dir = tempDir();
    dirs.push(dir);
    const f = join(dir, 'analysis.json');
    writeFileSync(f, JSON.stringify(obj));
    return f;
  };

  it('kernel (with a small matrix), fixed-points, continuation, scan and channel analyses draw their plots', async () => {
    const K = Array.from({ length: 12 }, (_, i) => Array.from({ length: 12 }, (_, j) => Math.exp(-Math.abs(i - j))));
    const cases: [unknown, string[]][] = [
      [{ rows: 12, params: 30, method: 'dense', trace: 12, frobenius: 5, participationRatio: 5.76, entropyRank: 7, top: [4, 3, 2, 1, 0.5], seconds: 0.01, matrix: K }, ['spectrum', 'kernel-heatmap']],
      [
        {
          kind: 'fixed-points',
          fixedPoints: [
            { point: [0, 0], residual: 1e-14, eigenvalues: [{ re: 1.2, im: 0 }, { re: 0.1, im: 0 }], stability: 'saddle' },
            { point: [0.5, 0.1], residual: 2e-13, eigenvalues: [[0.5, 0.2], [0.5, -0.2]], stability: 'stable' },
          ],
        },
        ['eigenvalues'],
      ],
      [
        {
          branch: Array.from({ length: 21 }, (_, k) => ({ s: 0.5 + 0.05 * k, point: [0], stable: 0.5 + 0.05 * k < 1, eigenvalues: [{ re: 0.5 + 0.05 * k, im: 0 }] })),
          events: [{ type: 'pitchfork', s: 1, eigenvalues: [{ re: 1, im: 0 }], coefficients: { b3: -0.33 }, criticality: 'supercritical' }],
        },
        ['bifurcation-diagram', 'eigenvalues-along-branch'],
      ],
      [
        {
          alpha: [-0.5, -0.25, 0.01, 0.1, 0.2, 0.4],
          kappa: [2, 2, 75, 7.5, 3.75, 1.875],
          loss: [1, 1, 1, 0.7, 0.55, 0.37],
          alphaC: 0,
          exponentBelow: 0,
          exponentAbove: -1,
          r2: 0.99,
          prediction: { type: 'pitchfork', constants: {} },
        },
        ['restricted-scan'],
      ],
      [
        { fixedPoint: [0, 0], criticalEigenvalue: { re: 0.999, im: 0 }, sigma: 0.001, amplification: 1e6, channelShare: 0.99, prBefore: 1.01, prAfter: 8, dominantDirection: [1, 0], nearestBifurcation: 'pitchfork' },
        ['critical-eigenvalue'],
      ],
    ];
    for (const [obj, ids] of cases) {
      const f = write(obj);
      const bundle = await buildReport(f, { png: false });
      expect(bundle.content.plots.map((p) => p.id)).toEqual(ids);
      expect(bundle.content.notes).toEqual([]);
      expect(externalRefs(bundle.html)).toEqual([]);
    }
  });

  it('reads the shapes `sntk fixed-points --json` and `sntk continuation --json` print (points/h, branches[].branch, failed branches)', async () => {
    const fp = write({
      model: 'm.json',
      time: 'discrete',
      input: [0],
      points: [{ h: [0.1, -0.2], residual: 1e-15, eigenvalues: [{ re: 0.5, im: 0.1 }, { re: 0.5, im: -0.1 }], stability: 'stable', spectralRadius: 0.51, sigma: 0.49, hits: 3 }],
      slowPoints: [],
      notConverged: 0,
      rejected: 0,
      starts: 10,
    });
    const b1 = await buildReport(fp, { png: false });
    expect(b1.content.plots.map((p) => p.id)).toEqual(['eigenvalues']);
    expect(b1.html).toContain('<section id="fixed-points">');
    const pts = Array.from({ length: 11 }, (_, k) => ({ s: k / 10, h: [0.05 * k], stability: k < 5 ? 'stable' : 'unstable', sigma: 0.5 - k / 20, eigenvalues: [{ re: 0.5 + k / 20, im: 0 }] }));
    const cont = write({
      time: 'discrete',
      path: { kind: 'line', sRange: [0, 1], length: 1 },
      branches: [
        { start: [0], points: 11, sRange: [0, 1], turningPoints: 0, stopReason: 'end', branch: pts },
        { start: [0.9], error: 'Newton did not converge' },
      ],
      events: [{ type: 'transcritical', s: 0.5, distance: 0.5, branch: 0, eigenvalues: [{ re: 1, im: 0 }], coefficients: { b2: 1 }, criticality: null, h: [0.25], right: { re: [1], im: [0] }, left: { re: [1], im: [0] } }],
    });
    const b2 = await buildReport(cont, { png: false });
    expect(b2.content.plots.map((p) => p.id)).toEqual(['bifurcation-diagram', 'eigenvalues-along-branch']);
    expect(b2.content.notes).toEqual(['continuation branch 1: Newton did not converge']);
    expect(b2.html).toContain('<td>transcritical</td><td>0.5</td>');
    expect(b2.html).not.toContain('<th>right</th>');
  });

  it('continuation events appear in the events table; unknown or malformed analyses are InputErrors naming the file', async () => {
    const f = write({ kind: 'continuation', branch: [{ s: 0, value: 0, stable: true }, { s: 1, value: 0, stable: false }], events: [{ type: 'saddle-node', s: 0.53, criticality: null }] });
    const b = await buildReport(f, { png: false });
    expect(b.html).toContain('<td>saddle-node</td><td>0.53</td>');
    const bad = write({ hello: 1 });
    await expect(buildReport(bad)).rejects.toThrow(/analysis\.json: not a run folder or a recognised analysis/);
    const badScan = write({ alpha: [1, 2, 3], kappa: [1, 2] });
    await expect(buildReport(badScan)).rejects.toThrow(/2 kappa values for 3 alpha values/);
    const notJson = write('x');
    writeFileSync(notJson, '{oops');
    await expect(buildReport(notJson)).rejects.toThrow(/analysis\.json: not valid JSON/);
  });
});

describe('comparison page', () => {
  it('overlays loss and PR of several runs in one self-contained page', async () => {
    const a = makeRunFolder({ steps: 12 });
    const b = makeRunFolder({ steps: 20 });
    const out = tempDir();
    const page = await comparisonPage([{ name: 'sgd', folder: a }, { name: 'natgrad', folder: b }], { out, pngWidth: 500 });
    const html = readFileSync(page.written!.html, 'utf8');
    expect(externalRefs(html)).toEqual([]);
    // one column per run, one row per quantity; a single final loss (summary.json's when present)
    expect(html).toContain('<th>quantity</th><th>sgd</th><th>natgrad</th>');
    expect(html).toContain('<td>monitored steps</td><td>12</td><td>20</td>');
    expect((html.match(/<td>final loss/g) ?? []).length).toBe(1);
    expect(readdirSync(out).sort()).toEqual(['comparison.html', 'comparison.png', 'comparison.svg', 'comparison.vl.json']);
    expect(pngSize(new Uint8Array(readFileSync(join(out, 'comparison.png'))))?.width).toBe(500);
    await expect(comparisonPage([])).rejects.toThrow(InputError);
    for (const d of [a, b, out]) rmSync(d, { recursive: true, force: true });
  });
});

describe('CLI', () => {
  it('sntk report writes the report and exits 0; a missing input exits 2', async () => {
    const run = makeRunFolder({ steps: 8 });
    const out = tempDir();
    const write = process.stdout.write;
    let printed = '';
    process.stdout.write = ((s: string) => {
      printed += s;
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['report', run, '--out', out, '--json', '--width', '300']);
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(0);
    const res = JSON.parse(printed) as { html: string; pngs: string[]; plots: string[] };
    expect(res.html).toBe(join(out, 'report.html'));
    expect(res.pngs.length).toBe(res.plots.length);
    const err = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(await main(['report', join(run, 'nothing-here.json')])).toBe(2);
      expect(await main(['report', run, '--width', 'wide'])).toBe(2);
    } finally {
      process.stderr.write = err;
    }
    rmSync(run, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });
});

describe('helpers', () => {
  it('escapeHtml leaves no markup characters', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const e = escapeHtml(s);
        expect(e).not.toMatch(/[<>"']/);
        expect(e.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
      }),
    );
  });

  it('inlineSvg prefixes ids and their references consistently', () => {
    const svg = '<svg><defs><linearGradient id="g0"/></defs><rect fill="url(#g0)"/><use href="#g0"/></svg>';
    expect(inlineSvg(svg, 'p3')).toBe('<svg><defs><linearGradient id="p3-g0"/></defs><rect fill="url(#p3-g0)"/><use href="#p3-g0"/></svg>');
  });

  it('trackBranches conserves points and follows the nearest branch (1 → 3 fixed points)', () => {
    const steps = [0, 1, 2, 3].map((s) => ({
      step: s,
      points: s < 2 ? [{ value: 0, stable: true }] : [{ value: -0.5 * s, stable: true }, { value: 0, stable: false }, { value: 0.5 * s, stable: true }],
    }));
    const br = trackBranches(steps);
    expect(br.reduce((n, b) => n + b.points.length, 0)).toBe(2 + 6);
    const trivial = br.find((b) => b.points.length === 4)!;
    expect(trivial.points.map((p) => p.value)).toEqual([0, 0, 0, 0]);
    expect(trivial.points.map((p) => p.stable)).toEqual([true, true, false, false]);
    expect(br.length).toBe(3);
  });
});
