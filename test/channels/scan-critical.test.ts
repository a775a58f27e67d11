/** `scan` reports "no critical point in range" instead of fitting at the edge of its range. */
import { describe, expect, it } from 'vitest';
import { analyzeScan, criticalPointInRange, fitCritical } from '../../src/channels/index.js';
import { vanilla } from './helpers.js';

describe('critical point criterion', () => {
  it('smooth model without bifurcation (h = tanh(w h + x), w ∈ [0.1, 0.5]): κ largest at the edge → not found', () => {
    const m = vanilla(1, [0.1], undefined, 1);
    m.params[1] = 1;
    const T = 100;
    const X = Float64Array.from({ length: T }, (_, t) => (t === 0 ? 0.3 : 0));
    const alphas = Array.from({ length: 21 }, (_, i) => (0.4 * i) / 20);
    const a = analyzeScan(m, X, Float64Array.of(1, 0, 0), alphas, { B: 1, T });
    expect(a.prediction).toBeNull(); // continuation: no bifurcation on w ∈ [0.1, 0.5]
    expect(a.critical.found).toBe(false);
    expect(a.critical.reason).toMatch(/edge/);
  });

  it('through the pitchfork at w = 1 (α_c = 0.1): found, α_c within 0.03', () => {
    const m = vanilla(1, [0.9], undefined, 1);
    m.params[1] = 1;
    const T = 300;
    const X = Float64Array.from({ length: T }, (_, t) => (t === 0 ? 0.3 : 0));
    const alphas = Array.from({ length: 29 }, (_, i) => 0.02 + 0.01 * i);
    const a = analyzeScan(m, X, Float64Array.of(1, 0, 0), alphas, { B: 1, T });
    expect(a.critical.found).toBe(true);
    expect(Math.abs(a.fit.alphaC - 0.1)).toBeLessThan(0.03);
  });

  it('an interior bump of only 2× the ends is not a critical point; a growing side is rejected', () => {
    const alpha = Array.from({ length: 21 }, (_, i) => i / 20);
    const bump = alpha.map((x) => 1 + Math.exp(-((x - 0.5) ** 2) / 0.02));
    expect(criticalPointInRange(alpha, bump, fitCritical(alpha, bump)).found).toBe(false);
    expect(criticalPointInRange(alpha, bump, fitCritical(alpha, bump)).reason).toMatch(/only 2\.00×/);
    const spike = alpha.map((x) => 1 / (Math.abs(x - 0.503) + 0.01));
    expect(criticalPointInRange(alpha, spike, fitCritical(alpha, spike)).found).toBe(true);
  });
});
