/**
 * The file-free training session (src/train/session.ts): stepping it equals `trainRun` bit for
 * bit (parameters and losses), a session resumed from `getState()` continues bit-identically,
 * non-finite sweeps and updates come back as status 'nan' with the parameters unchanged, and the
 * Fisher-trial blocks rotate through the batch.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTrainingSession, fisherTrialsAt } from '../../src/train/session.js';
import { trainRun } from '../../src/train/run.js';
import { InputError, NonFiniteError } from '../../src/errors.js';

const cfg = (kind: 'sgd' | 'adam' | 'natgrad') => ({ seed: 2, steps: 6, task: { name: 'pitchfork' as const, hiddenSize: 6, T: 15, B: 4 }, optimizer: { kind, learningRate: kind === 'adam' ? 0.01 : 0.1 } });

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe('training session', () => {
  for (const kind of ['sgd', 'adam', 'natgrad'] as const) {
    it(`${kind}: stepping a session equals trainRun bit for bit; a resumed session continues bit-identically`, async () => {
      const s = createTrainingSession(cfg(kind));
      const mid: { state?: ReturnType<typeof s.getState> } = {};
      while (!s.done) {
        if (s.stepIndex === 3) mid.state = JSON.parse(JSON.stringify(s.getState()));
        const r = s.step();
        expect(r.status).toBe('ok');
      }
      const dir = mkdtempSync(join(tmpdir(), 'sntk-session-'));
      try {
        const run = await trainRun(cfg(kind), { outDir: dir });
        expect(sameBits(s.model.params, run.params)).toBe(true);
        expect(sameBits(s.losses, run.losses)).toBe(true);
        expect(s.finalLoss()).toBe(run.summary.finalLoss);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const t = createTrainingSession(cfg(kind));
      t.setState(mid.state!);
      expect(t.stepIndex).toBe(3);
      while (!t.done) t.step();
      expect(sameBits(t.model.params, s.model.params)).toBe(true);
      expect(sameBits(t.losses, s.losses)).toBe(true);
    });
  }

  it('calls onStep at monitored steps, before the update, and reports loss increases', () => {
    const s = createTrainingSession({ ...cfg('sgd'), monitorEvery: 2, optimizer: { kind: 'sgd', learningRate: 3 } });
    const seen: number[] = [];
    const evs: string[] = [];
    while (!s.done) {
      const before = s.model.params.slice();
      const r = s.step({ onStep: (i) => { seen.push(i.step); expect(sameBits(i.model.params, before)).toBe(true); return { extra: { x: 1 } }; } });
      expect(r.report?.extra?.['x'] ?? null).toBe(r.monitored ? 1 : null);
      evs.push(...r.events.map((e) => e.type));
    }
    expect(seen).toEqual([0, 2, 4, 5]);
    for (const e of evs) expect(e).toBe('loss-increase');
    const L = s.losses;
    expect(evs.length).toBe(L.filter((x, i) => i > 0 && x > 1.1 * L[i - 1]!).length);
  });

  it('a non-finite update or gradient gives status nan and leaves the parameters unchanged', () => {
    const s = createTrainingSession(cfg('sgd'));
    const p0 = s.model.params.slice();
    const r = s.step({ onStep: (i) => { i.sweep.grad[0] = NaN; } });
    expect(r.status).toBe('nan');
    expect(r.message).toMatch(/update is not finite/);
    expect(r.events[0]!.type).toBe('nan');
    expect(s.stepIndex).toBe(0);
    expect(sameBits(s.model.params, p0)).toBe(true);
    s.model.params[0] = NaN;
    const q = s.step();
    expect(q.status).toBe('nan');
    expect(q.error).toBeInstanceOf(NonFiniteError);
    expect(q.loss).toBeNull();
  });

  it('rejects a state with the wrong parameter count', () => {
    const s = createTrainingSession(cfg('sgd'));
    const st = s.getState();
    expect(() => s.setState({ ...st, params: st.params.slice(1) })).toThrow(InputError);
    expect(() => createTrainingSession(cfg('sgd'), { initialParams: [1, 2] })).toThrow(/initial parameters/);
  });

  it('fisherTrialsAt: s distinct trials in [0, B), consecutive steps cover the batch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 50 }), (s, B, step) => {
        const ft = fisherTrialsAt(s, B, step);
        if (s >= B) return ft.fisherTrials === undefined;
        const t = ft.fisherTrials!;
        if (new Set(t).size !== s || t.some((i) => i < 0 || i >= B)) return false;
        const seen = new Set<number>();
        for (let k = 0; k < Math.ceil(B / s); k++) for (const i of fisherTrialsAt(s, B, step + k).fisherTrials!) seen.add(i);
        return seen.size === B;
      }),
    );
    expect(fisherTrialsAt(null, 4, 3)).toEqual({});
  });
});
