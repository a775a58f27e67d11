/** What a reader meets in the reports: complex numbers, negative loss jumps, event labels that do not overlap, nested fixed-point markers. */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { cellText, complexText } from '../../src/report/html.js';
import { summaryEntry } from '../../src/report/content.js';
import { labelRows } from '../../src/report/plots/training.js';
import { eigenSeriesSpec } from '../../src/report/plots/eigenplane.js';
import { eventsTable } from '../../src/report/content.js';

describe('report cells', () => {
  it('complex numbers read a ± bi, never raw JSON', () => {
    expect(complexText({ re: 1, im: 0 })).toBe('1');
    expect(complexText({ re: 0.5, im: -0.25 })).toBe('0.5 − 0.25i');
    expect(complexText({ re: -1, im: 2 })).toBe('-1 + 2i');
    expect(complexText({ re: 1, im: 0, x: 2 })).toBeNull();
    expect(cellText({ re: 1.0000000000008717, im: 0 })).toBe('1');
    expect(cellText([{ re: 1, im: 1 }, { re: 1, im: -1 }])).toBe('1 + 1i, 1 − 1i');
    const t = eventsTable([{ type: 'pitchfork', step: 48, eigenvalue: { re: 1, im: 0 } }]);
    for (const row of t.rows) for (const c of row) expect(cellText(c)).not.toMatch(/"re"|\{/);
  });

  it('a negative max loss jump says the loss never rose', () => {
    expect(summaryEntry('maxLossJump', -2.43e-4)).toEqual(['max loss jump', '-2.430e-4 (negative: the loss never rose between steps)']);
    expect(summaryEntry('maxLossJump', 0.5)).toEqual(['max loss jump', 0.5]);
    expect(summaryEntry('finalLoss', 0.1)[0]).toBe('final loss (after the last step)');
  });
});

describe('event labels of the training curves', () => {
  it('labels in one row never overlap (estimated width), for any set of events', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ step: fc.integer({ min: 0, max: 80 }), label: fc.constantFrom('pitchfork', 'rank-collapse', 'rank-collapse-onset', 'loss-spike') }), { maxLength: 30 }), (evs) => {
        const rows = labelRows(evs, 0, 80);
        expect(rows).toHaveLength(evs.length);
        const px = 520 / 80;
        for (const a of rows)
          for (const b of rows) {
            if (a === b || a.row !== b.row || a.step > b.step || (a.step === b.step && rows.indexOf(a) > rows.indexOf(b))) continue;
            // b starts after a's text ends
            expect((b.step - a.step) * px).toBeGreaterThan(a.text.length * 6.2 + 6 - 1e-9);
          }
      }),
    );
    const r = labelRows([{ step: 46, label: 'rank-collapse-onset' }, { step: 47, label: 'rank-collapse' }, { step: 48, label: 'pitchfork' }], 0, 79);
    expect(r.map((e) => e.row)).toEqual([0, 1, 2]);
    expect(r[2]!.text).toBe('pitchfork @ 48');
  });
});

describe('fixed-point markers', () => {
  it('each fixed point gets its own size (largest first), so equal spectra nest instead of hiding', () => {
    const ev = [{ re: 0.5, im: 0 }];
    const spec = eigenSeriesSpec({ checkpoints: [{ step: 0, eigenvalues: [...ev, ...ev, ...ev], groups: ['fp 1', 'fp 2', 'fp 3'] }], time: 'discrete' }) as unknown as { concat?: unknown[]; hconcat?: unknown[]; vconcat?: unknown[] };
    const text = JSON.stringify(spec);
    const sizes = [...text.matchAll(/"msize":(\d+)/g)].map((m) => Number(m[1]));
    expect(sizes).toEqual([95, 63, 31]);
    expect(text).toContain('"filled":false');
  });
});
