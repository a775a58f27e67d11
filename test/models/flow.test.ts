/**
 * Continuous-time vector fields of leaky and rate cells: values against the formulas
 * `−h + φ(Wh+Ux+b)` / `−h + Wφ(h)+Ux+b` (≤ 1e-15 relative), derivatives against central
 * differences (step 1e-6, ≤ 1e-7 relative), and the relations g_h = (J − I)/α.
 */
import { describe, expect, it } from 'vitest';
import { flowField, hasFlow, defineSpec, getActivation, paramView } from '../../src/models/index.js';
import { InputError } from '../../src/errors.js';
import { ACTS, createRng, dot, fdDir, fdGrad, model, norm, randn, relErr } from './helpers.js';

const N = 4, D = 2, TOL = 1e-7;

describe('hasFlow / flowField', () => {
  it('only leaky and rate cells have a flow', () => {
    expect(['vanilla', 'leaky', 'rate', 'gru'].map((c) => hasFlow(defineSpec({ cell: c as 'gru', hiddenSize: 2, inputSize: 1 })))).toEqual([false, true, true, false]);
    expect(() => flowField(defineSpec({ cell: 'gru', hiddenSize: 2, inputSize: 1 }))).toThrow(InputError);
  });
});

describe.each((['leaky', 'rate'] as const).flatMap((c) => ACTS.map((a) => [c, a] as const)))('%s flow, %s', (cell, act) => {
  const m = model(cell, act, N, D, 77);
  const g = flowField(m);
  const theta = m.params.subarray(0, m.layout.cellSize);
  const rng = createRng(`flow-${cell}-${act}`);
  const h = randn(rng, N, 0.8);
  for (let i = 0; i < N; i++) if (Math.abs(h[i]!) < 1e-2) h[i] = 0.5; // away from relu's kink (rate)
  const x = randn(rng, D);
  const c = g.forward(theta, h, x);
  const G = (hh: Float64Array, th = theta): Float64Array => g.forward(th, hh, x).out.slice();

  it('value equals the formula (independent of α)', () => {
    const W = paramView(m, 'W').data, U = paramView(m, 'U').data, b = paramView(m, 'b').data;
    const phi = getActivation(act).phi;
    const ref = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let s = b[i]!;
      for (let k = 0; k < D; k++) s += U[i * D + k]! * x[k]!;
      if (cell === 'leaky') {
        for (let j = 0; j < N; j++) s += W[i * N + j]! * h[j]!;
        ref[i] = -h[i]! + phi(s);
      } else {
        for (let j = 0; j < N; j++) s += W[i * N + j]! * phi(h[j]!);
        ref[i] = -h[i]! + s;
      }
    }
    expect(relErr(c.out, ref)).toBeLessThanOrEqual(1e-14);
  });

  it('g_h, g_hᵀ, g_θ, g_θᵀ match finite differences; jacobianH = (J − I)/α', () => {
    const dh = randn(rng, N), e = randn(rng, N), dt = randn(rng, g.P);
    const a = new Float64Array(N);
    g.jvpH(theta, c, dh, a);
    expect(relErr(a, fdDir((hh) => G(hh), h, dh))).toBeLessThanOrEqual(TOL);
    g.vjpH(theta, c, e, a);
    expect(relErr(a, fdGrad((hh) => dot(e, G(hh)), h))).toBeLessThanOrEqual(TOL);
    g.jvpTheta(theta, c, dt, a);
    expect(relErr(a, fdDir((th) => G(h, th), theta.slice(), dt))).toBeLessThanOrEqual(TOL);
    const gr = new Float64Array(g.P);
    g.vjpTheta(theta, c, e, gr);
    expect(relErr(gr, fdGrad((th) => dot(e, G(h, th)), theta.slice()))).toBeLessThanOrEqual(TOL);
    const Jg = g.jacobianH(theta, c).data;
    const Jf = m.cell.jacobianH(theta, m.cell.forward(theta, h, x)).data;
    const alpha = m.spec.alpha;
    const ref = Jf.map((v, k) => (v - (k % (N + 1) === 0 ? 1 : 0)) / alpha);
    expect(relErr(Jg, ref)).toBeLessThanOrEqual(1e-14);
  });

  it('g_hh, g_hhh, g_hθ match finite differences of the lower derivative', () => {
    const r = randn(rng, N), s = randn(rng, N), t = randn(rng, N), dt = randn(rng, g.P);
    const jr = (hh: Float64Array, th = theta): Float64Array => {
      const o = new Float64Array(N);
      g.jvpH(th, g.forward(th, hh, x), r, o);
      return o;
    };
    const hrs = (hh: Float64Array): Float64Array => {
      const o = new Float64Array(N);
      g.hessianH(theta, g.forward(theta, hh, x), r, s, o);
      return o;
    };
    const check = (an: Float64Array, fd: Float64Array, lower: number) => {
      if (norm(an) === 0) expect(norm(fd)).toBeLessThanOrEqual(TOL * lower);
      else expect(relErr(an, fd)).toBeLessThanOrEqual(TOL);
    };
    const a = new Float64Array(N);
    g.hessianH(theta, c, r, s, a);
    check(a, fdDir((hh) => jr(hh), h, s), norm(jr(h)));
    g.thirdH(theta, c, r, s, t, a);
    check(a, fdDir(hrs, h, t), Math.max(1, norm(hrs(h))));
    g.hessianHTheta(theta, c, r, dt, a);
    check(a, fdDir((th) => jr(h, th), theta.slice(), dt), norm(jr(h)));
  });
});
