/**
 * The saddle-node and Hopf student–teacher tasks: on the straight path from student to teacher
 * (zero input) the first bifurcation of the student's fixed point is of the task's type — a fold
 * (one → three fixed points, not a pitchfork: the bias breaks the odd symmetry) and a Hopf of the
 * flow / Neimark–Sacker of the map (a complex pair) — the teacher does what the task says, and the
 * student sits where the calibration puts it (docs/theory.md §11): below the fold of its own
 * family by `foldMargin`; a decaying oscillation at the teacher's frequency.
 */
import { describe, expect, it } from 'vitest';
import { hopfTask, saddleNodeTask } from '../../src/train/tasks/index.js';
import { withParams } from '../../src/models/index.js';
import { continueBranch, findFixedPoints, linePath, modelSystem, pathSystem, solveFixedPoint } from '../../src/dynamics/index.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { buildTask } from '../../src/train/build.js';

describe.each([0, 1, 2])('saddle-node task, seed %i', (seed) => {
  const task = saddleNodeTask({ seed });
  it('student: one fixed point; teacher: three (bistable, asymmetric); first event on the path: a fold', () => {
    const s = findFixedPoints(modelSystem(task.student), { seed: 1 });
    const t = findFixedPoints(modelSystem(task.teacher!), { seed: 1 });
    expect(s.points).toHaveLength(1);
    expect(t.points).toHaveLength(3);
    // the student's branch passes smoothly; the new pair is born in a fold met from the teacher's side
    const sys = pathSystem(linePath(task.student, task.teacher!));
    const events = [];
    for (const p of [...s.points.map((q) => ({ h: q.h, s0: 0, s1: 1 })), ...t.points.map((q) => ({ h: q.h, s0: 1, s1: 0 }))]) {
      const h0 = solveFixedPoint(sys, p.s0, p.h).h;
      events.push(...continueBranch(sys, { s0: p.s0, s1: p.s1, h0 }).events);
    }
    expect(events.length).toBeGreaterThan(0);
    const first = events.reduce((a, b) => (b.s < a.s ? b : a));
    expect(first.type).toBe('saddle-node');
    expect(first.eigenvalues[0]!.im).toBe(0);
    expect(events.every((e) => e.type === 'saddle-node')).toBe(true);
    expect(Math.abs(first.coefficients.a!)).toBeGreaterThan(1e-3); // a genuine fold, not a branch point
  });

  it('the student sits foldMargin = 0.3 below the fold of its family W + a·uuᵀ: monostable at +0.25, three fixed points at +0.35', () => {
    const N = 16;
    const U = task.teacher!.params.slice(N * N, N * N + N);
    const nu = Math.hypot(...U);
    const shifted = (da: number) => {
      const p = task.student.params.slice();
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) p[i * N + j]! += (da * U[i]! * U[j]!) / (nu * nu);
      return withParams(task.student, p);
    };
    expect(findFixedPoints(modelSystem(shifted(0.25)), { seed: 1, nStarts: 24 }).points).toHaveLength(1);
    expect(findFixedPoints(modelSystem(shifted(0.35)), { seed: 1, nStarts: 24 }).points).toHaveLength(3);
    // the bias is frozen: W and U are trained (272 parameters)
    expect(task.trainable.slice(0, N * N + N).every((m) => m === 1)).toBe(true);
    expect(task.trainable.slice(N * N + N).every((m) => m === 0)).toBe(true);
  });
});

describe.each([0, 1, 2])('Hopf task, seed %i', (seed) => {
  const task = hopfTask({ seed });
  it('student quiescent (stable origin), teacher oscillating (unstable focus); first event: Hopf (flow) / Neimark–Sacker (map)', () => {
    const sFlow = modelSystem(task.student, { time: 'continuous' });
    const tFlow = modelSystem(task.teacher!, { time: 'continuous' });
    const h = new Float64Array(16);
    expect(sFlow.value(h, 0).every((v) => v === 0)).toBe(true); // b = 0: the origin is a fixed point
    const r = continueBranch(pathSystem(linePath(task.student, task.teacher!), { time: 'continuous' }), { s0: 0, s1: 1, h0: h });
    expect(r.branch[0]!.stability).toBe('stable');
    expect(r.events.length).toBeGreaterThan(0);
    expect(r.events[0]!.type).toBe('hopf');
    expect(r.events[0]!.criticality).toBe('supercritical');
    const m = continueBranch(pathSystem(linePath(task.student, task.teacher!)), { s0: 0, s1: 1, h0: h });
    expect(m.events[0]!.type).toBe('neimark-sacker');
    // the teacher's targets oscillate: sign changes of the readout within every trial
    for (let b = 0; b < task.B; b++) {
      let changes = 0;
      for (let t = 11; t < task.T; t++) if (Math.sign(task.Y[b * task.T + t]!) !== Math.sign(task.Y[b * task.T + t - 1]!)) changes++;
      expect(changes).toBeGreaterThanOrEqual(2);
    }
    expect(tFlow.N).toBe(16);
  });

  it("the student rings at the teacher's frequency: flow eigenvalue −1 + a_s ± iω of the rotation plane, ω = ρ sin ϑ; W and U trained, b = 0 frozen", () => {
    const N = 16;
    const omega = 1.6 * Math.sin(Math.PI / 4);
    // the flow's spectrum at the origin (b = 0: the origin is a fixed point of both)
    const origin = (m: typeof task.student) => solveFixedPoint(modelSystem(m, { time: 'continuous' }), 0, new Float64Array(N));
    const crit = (m: typeof task.student) => {
      const sys = modelSystem(m, { time: 'continuous' });
      const p = findFixedPoints(sys, { seed: 1, nStarts: 1, samples: origin(m).h }).points.find((q) => Math.hypot(...q.h) < 1e-8)!;
      return p.eigenvalues.reduce((a, b) => (b.re > a.re ? b : a)); // the critical pair (largest real part)
    };
    const cs = crit(task.student), ct = crit(task.teacher!);
    expect(Math.abs(Math.abs(cs.im) - omega)).toBeLessThan(0.15 * omega);
    expect(Math.abs(Math.abs(cs.im) - Math.abs(ct.im))).toBeLessThan(0.15 * omega);
    expect(cs.re).toBeLessThan(-0.2); // quiescent: −(1 − 0.6) up to the bulk
    expect(ct.re).toBeGreaterThan(0); // the teacher's origin is an unstable focus
    expect(task.trainable.slice(0, N * N + N).every((m) => m === 1)).toBe(true);
    expect(task.trainable.slice(N * N + N).every((m) => m === 0)).toBe(true);
  });
});

describe('config', () => {
  it('both tasks parse with defaults and build through buildTask; bad fields are rejected', () => {
    expect(buildTask(parseTrainConfig({ task: { name: 'saddle-node' } })).name).toBe('saddle-node');
    expect(buildTask(parseTrainConfig({ task: { name: 'hopf' } })).name).toBe('hopf');
    expect(() => parseTrainConfig({ task: { name: 'hopf', alpha: 2 } })).toThrow(/alpha/);
    expect(() => parseTrainConfig({ task: { name: 'saddle-node', wobble: 1 } })).toThrow();
  });
});
