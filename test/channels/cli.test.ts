import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { main } from '../../src/cli/main.js';
import { writeModelFile } from '../../src/io/model-json.js';
import { symmetricTop1, vanilla } from './helpers.js';

const run = runCli;
afterEach(() => vi.restoreAllMocks());

describe('sntk channel / scan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sntk-ch-'));
  it('channel --json on W = 0.99·S (N = 8): pitchfork, share → 1, trajectory block', async () => {
    const N = 8;
    const m = vanilla(N, symmetricTop1(N, 0.5, 2).map((v) => 0.99 * v), undefined, 1);
    const f = join(dir, 'm.json');
    writeModelFile(m, f);
    const x = join(dir, 'x.json');
    writeFileSync(x, JSON.stringify(Array.from({ length: 30 }, (_, t) => [t === 0 ? 0.2 : 0])));
    const r = await run(['channel', '--model', f, '--inputs', x, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.nearestBifurcation).toBe('pitchfork');
    expect(j.status).toBe('near-critical');
    expect(j.sigma).toBeCloseTo(0.01, 10);
    expect(j.amplification).toBeCloseTo(1e4, 4);
    expect(j.channelShare).toBeGreaterThan(0.99);
    expect(j.fixedPoint).toHaveLength(N);
    expect(j.dominantDirection).toHaveLength(N * N + N + N);
    expect(j.criticalEigenvalue).toMatchObject({ re: expect.any(Number), im: 0 });
    expect(j.prAfter).toBeGreaterThan(j.prBefore);
    expect(j.trajectory.channelShare).toBeGreaterThan(0);
  });
  it('channel on a leaky model near a Neimark–Sacker, with a real mode nearer 1: picks the complex pair (rank 2), says the fixed-point sNTK is bounded', async () => {
    // W = blockdiag(ρR(π/3), 0.9): map eigenvalues 1 + α(−1 + ρe^{±iπ/3}) near the unit circle and
    // the real 1 + α(−1 + 0.9) = 0.98 (nearest to 1, but 0.02 from the boundary)
    const alpha = 0.2, rho = 1.6; // |λ| = 0.9992
    const c = Math.cos(Math.PI / 3), s = Math.sin(Math.PI / 3);
    const W = [rho * c, -rho * s, 0, rho * s, rho * c, 0, 0, 0, 0.9];
    const m = vanilla(3, W, undefined, 1, 'leaky', alpha);
    const f = join(dir, 'hopf.json');
    writeModelFile(m, f);
    const x = join(dir, 'hx.json');
    writeFileSync(x, JSON.stringify(Array.from({ length: 40 }, (_, t) => [t === 0 ? 0.5 : 0])));
    const r = await run(['channel', '--model', f, '--inputs', x, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.rank).toBe(2);
    expect(Math.abs(j.criticalEigenvalue.im)).toBeCloseTo(alpha * rho * s, 10);
    expect(j.nearestBifurcation).toBe('neimark-sacker');
    expect(j.fixedPointAmplified).toBe(false);
    expect(j.parameterSubspace).toHaveLength(2);
    expect(j.channelShare).toBeGreaterThanOrEqual(0);
    expect(j.channelShare).toBeLessThanOrEqual(1);
    expect(j.trajectory.channelShare).toBeLessThanOrEqual(1);
    expect(j.trajectory.status).toBe('ok');
  });
  it('channel: far from criticality and codimension-2 are reported in the status', async () => {
    const far = join(dir, 'far.json');
    writeModelFile(vanilla(2, [0.2, 0, 0, 0.1]), far);
    const r = await run(['channel', '--model', far, '--json']);
    expect(JSON.parse(r.out).status).toBe('far-from-critical');
    const deg = join(dir, 'deg.json');
    writeModelFile(vanilla(2, [0.999, 0, 0, 0.999]), deg);
    const r2 = await run(['channel', '--model', deg, '--json']);
    const j2 = JSON.parse(r2.out);
    expect(j2.status).toBe('degenerate');
    expect(j2.nearestBifurcation).toBe('degenerate');
    expect(j2.degeneracy).toBe('double-critical');
  });
  it('scan along w of h = tanh(w h + x): pitchfork at α_c = 0.1, fitted α_c near it, exponent above < 0', async () => {
    const m = vanilla(1, [0.9], undefined, 1);
    m.params[1] = 1; // U: the pulse kicks the state off 0
    const f = join(dir, 's.json');
    writeModelFile(m, f);
    const x = join(dir, 'sx.json');
    writeFileSync(x, JSON.stringify(Array.from({ length: 300 }, (_, t) => [t === 0 ? 0.3 : 0])));
    const u = join(dir, 'u.json');
    writeFileSync(u, JSON.stringify([1, 0, 0]));
    const r = await run(['scan', '--model', f, '--inputs', x, '--direction', u, '--range', '0.02,0.3', '--points', '29', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.alpha).toHaveLength(29);
    expect(j.kappa).toHaveLength(29);
    expect(j.prediction.type).toBe('pitchfork');
    expect(j.prediction.alphaC).toBeCloseTo(0.1, 6);
    expect(j.prediction.constants.C).toBeCloseTo(0.75, 6);
    expect(Math.abs(j.alphaC - 0.1)).toBeLessThan(0.03);
    expect(j.exponentAbove).toBeLessThan(0);
    console.log({ alphaC: j.alphaC, below: j.exponentBelow, above: j.exponentAbove, r2: j.r2 });
  });
  it('scan on a smooth model: "no critical point in range", alphaC null; --help states the criterion', async () => {
    const m = vanilla(1, [0.1], undefined, 1);
    m.params[1] = 1;
    const f = join(dir, 'smooth.json');
    writeModelFile(m, f);
    const x = join(dir, 'smx.json');
    writeFileSync(x, JSON.stringify(Array.from({ length: 100 }, (_, t) => [t === 0 ? 0.3 : 0])));
    const u = join(dir, 'su.json');
    writeFileSync(u, JSON.stringify([1, 0, 0]));
    const r = await run(['scan', '--model', f, '--inputs', x, '--direction', u, '--range', '0,0.4', '--points', '21', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.criticalPoint).toBe('no critical point in range');
    expect(j.alphaC).toBeNull();
    expect(j.exponentBelow).toBeNull();
    expect(j.reason).toMatch(/edge/);
    const t = await run(['scan', '--model', f, '--inputs', x, '--direction', u, '--range', '0,0.4', '--points', '21']);
    expect(t.out).toMatch(/no critical point in range/);
    const h = await run(['scan', '--help']);
    expect(h.out).toMatch(/peaks with at least 2 α values on each side/);
  });
  it('bad usage exits 2', async () => {
    expect((await run(['scan', '--model', 'nope.json', '--inputs', 'x.json', '--range', '1,0'])).code).toBe(2);
  });
});
