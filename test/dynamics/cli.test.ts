/** `sntk fixed-points` and `sntk continuation` end to end on small model files. */
import { describe, it, expect, vi, beforeAll } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { createModel, defineSpec } from '../../src/models/index.js';
import { writeModelFile } from '../../src/io/index.js';

let dir = '';
const run = runCli;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sntk-dyn-'));
  for (const [name, w] of [['a', 0.5], ['b', 1.5], ['c', 2.5]] as const) {
    const m = createModel(defineSpec({ cell: 'vanilla', hiddenSize: 1, inputSize: 1 }));
    m.params[0] = w;
    writeModelFile(m, join(dir, `${name}.json`));
  }
  const rot = (rho: number, t: number) => [rho * Math.cos(t), -rho * Math.sin(t), rho * Math.sin(t), rho * Math.cos(t)];
  for (const [name, rho] of [['l1', 1], ['l3', 3]] as const) {
    const m = createModel(defineSpec({ cell: 'leaky', hiddenSize: 2, inputSize: 1, alpha: 0.1 }));
    m.params.set(rot(rho, Math.PI / 3), 0);
    writeModelFile(m, join(dir, `${name}.json`));
  }
  writeFileSync(join(dir, 'd.json'), '[1, 0, 0]');
});

describe('sntk fixed-points', () => {
  it('--json: three points of tanh(2.5 h) with eigenvalues {re, im}', async () => {
    const { code, out } = await run(['fixed-points', '--model', join(dir, 'c.json'), '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r.points).toHaveLength(3);
    expect(r.points[0].eigenvalues[0]).toEqual({ re: 2.5, im: 0 });
    expect(r.points[0].stability).toBe('unstable');
    expect(r.points[1].spectralRadius).toBeLessThan(1);
    for (const p of r.points) expect(p.residual).toBeLessThanOrEqual(1e-10);
  });
  it('bad input length and continuous time on a vanilla cell exit with code 2', async () => {
    expect((await run(['fixed-points', '--model', join(dir, 'a.json'), '--input', '1,2'])).code).toBe(2);
    expect((await run(['fixed-points', '--model', join(dir, 'a.json'), '--time', 'continuous'])).code).toBe(2);
  });
});

describe('sntk continuation', () => {
  it('through three checkpoints: a pitchfork at s = 0.5', async () => {
    const { code, out } = await run(['continuation', '--model', join(dir, 'a.json'), '--to', join(dir, 'b.json'), join(dir, 'c.json'), '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r.events).toHaveLength(1);
    expect(r.events[0].type).toBe('pitchfork');
    expect(Math.abs(r.events[0].s - 0.5)).toBeLessThan(1e-6);
    expect(r.events[0].criticality).toBe('supercritical');
  });
  it('--switch continues the two new branches of the pitchfork to the end of the path: h = ±root of h = tanh(2.5 h) (abs 1e-9)', async () => {
    const { code, out } = await run(['continuation', '--model', join(dir, 'a.json'), '--to', join(dir, 'b.json'), join(dir, 'c.json'), '--switch', '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r.events).toHaveLength(1); // the branch point is not reported again from the new branches
    const sw = r.branches.filter((b: { switchedFrom?: unknown }) => b.switchedFrom);
    expect(sw).toHaveLength(2);
    let lo = 1e-9, hi = 1;
    for (let i = 0; i < 200; i++) {
      const m = 0.5 * (lo + hi);
      if (Math.tanh(2.5 * m) > m) lo = m;
      else hi = m;
    }
    for (const b of sw) {
      expect(b.switchedFrom.type).toBe('pitchfork');
      expect(b.switchedFrom.s).toBeCloseTo(0.5, 6);
      expect(b.stopReason).toBe('reached-end');
      const last = b.branch[b.branch.length - 1];
      expect(last.s).toBeCloseTo(2, 12);
      expect(Math.abs(Math.abs(last.h[0]) - lo)).toBeLessThan(1e-9);
      expect(Math.sign(last.h[0])).toBe(b.switchedFrom.side);
      expect(last.stability).toBe('stable');
    }
    const text = await run(['continuation', '--model', join(dir, 'a.json'), '--to', join(dir, 'b.json'), join(dir, 'c.json'), '--switch']);
    expect(text.out).toMatch(/switched at the pitchfork at s = 0\.5/);
  });
  it('--time continuous on leaky models: Hopf with l1 = −2/√3; --direction/--range', async () => {
    const h = JSON.parse((await run(['continuation', '--model', join(dir, 'l1.json'), '--to', join(dir, 'l3.json'), '--time', 'continuous', '--json'])).out);
    expect(h.events[0].type).toBe('hopf');
    expect(h.events[0].coefficients.l1).toBeCloseTo(-2 / Math.sqrt(3), 8);
    expect(h.events[0].eigenvalues[0].im).toBeCloseTo(Math.sqrt(3), 8);
    const d = JSON.parse((await run(['continuation', '--model', join(dir, 'a.json'), '--direction', join(dir, 'd.json'), '--range', '0,1', '--json'])).out);
    expect(d.events[0].type).toBe('pitchfork');
    expect(d.events[0].s).toBeCloseTo(0.5, 8);
  });
  it('models of different shapes → error exit, no output', async () => {
    const r = await run(['continuation', '--model', join(dir, 'a.json'), '--to', join(dir, 'l1.json'), '--json']);
    expect(r.code).not.toBe(0);
    expect(r.out).toBe('');
  });
});
