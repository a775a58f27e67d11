/** The monitor's eigenvalue-moving subspace for a complex critical pair: span{Re, Im dλ/dθ} (any cell). */
import { describe, expect, it } from 'vitest';
import { spanAlignment, zeroInputAnalysis } from '../../src/train/monitor/fixed.js';
import { channelDecomposition } from '../../src/channels/index.js';
import { vanilla } from '../channels/helpers.js';

describe('zeroInputAnalysis, complex critical pair', () => {
  it('leaky model near a Neimark–Sacker: eigenMove spans the channel subspace of channelDecomposition (|cos| = 1 ± 1e-9)', () => {
    const alpha = 0.2, rho = 1.6, c = Math.cos(Math.PI / 3), s = Math.sin(Math.PI / 3);
    const m = vanilla(3, [rho * c, -rho * s, 0.1, rho * s, rho * c, -0.2, 0.05, 0.1, 0.5], Float64Array.of(0.1, -0.05, 0.2), 0, 'leaky', alpha);
    const z = zeroInputAnalysis(m, { seed: 1 });
    expect(z.critical!.im).not.toBe(0);
    expect(z.eigenMove).toHaveLength(2);
    const h = z.points[z.nearest!]!.h;
    const d = channelDecomposition(m, h, new Float64Array(0));
    expect(d.rank).toBe(2);
    const P = m.layout.cellSize;
    for (let j = 0; j < 2; j++) {
      const v = new Float64Array(m.layout.size);
      for (let p = 0; p < P; p++) v[p] = d.parameterSubspace.data[p * 2 + j]!;
      expect(spanAlignment(v, z.eigenMove)!).toBeGreaterThanOrEqual(1 - 1e-9);
    }
  });
});
