/** Sweep files: validation, expansion, stable run ids, limits, and the CLI's bad-input answers. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSweepFile, gridSize } from '../../src/sweep/spec.js';
import { expandSweep } from '../../src/sweep/expand.js';
import { canonicalJson, runId } from '../../src/sweep/hash.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { InputError } from '../../src/errors.js';
import { runCli } from '../cli/run-cli.js';
import { TINY_SWEEP, tempDir } from './helpers.js';

describe('sweep file', () => {
  it('expands the product of the axes, first axis outermost, seeds last', () => {
    const spec = parseSweepFile({ ...TINY_SWEEP, seeds: 3 });
    expect(gridSize(spec)).toBe(2 * 2 * 3);
    const runs = expandSweep(spec);
    expect(runs.length).toBe(12);
    expect(runs.map((r) => r.axes['optimizer.learningRate'])).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1, 1, 1]);
    expect(runs.slice(0, 6).map((r) => r.axes['optimizer.kind'])).toEqual(['sgd', 'sgd', 'sgd', 'natgrad', 'natgrad', 'natgrad']);
    expect(runs.slice(0, 3).map((r) => r.config.seed)).toEqual([0, 1, 2]);
    for (const r of runs) {
      expect(r.config.optimizer.learningRate).toBe(r.axes['optimizer.learningRate']);
      expect(r.config.optimizer.kind).toBe(r.axes['optimizer.kind']);
      expect(r.config.task.hiddenSize).toBe(6); // base kept
    }
    expect(new Set(runs.map((r) => r.id)).size).toBe(12);
  });

  it('resolves linspace, logspace and range axes', () => {
    const s = parseSweepFile({ axes: { 'optimizer.learningRate': { logspace: [0.01, 1, 3] }, 'optimizer.momentum': { linspace: [0, 0.5, 3] }, steps: { range: [10, 31, 10] } } });
    const v = Object.fromEntries(s.axes.map((a) => [a.path, a.values]));
    const lr = v['optimizer.learningRate'] as number[];
    expect(lr.length).toBe(3);
    expect(Math.abs(lr[1]! - 0.1)).toBeLessThan(1e-15); // geometric midpoint, relative error ≤ 1e-14
    expect(v['optimizer.momentum']).toEqual([0, 0.25, 0.5]);
    expect(v['steps']).toEqual([10, 20, 30]);
  });

  it('names an axis whose field the config does not have, and an empty axis', () => {
    expect(() => expandSweep(parseSweepFile({ axes: { 'optimizer.lerningRate': [0.1] } }))).toThrow(/sweep\.axes\['optimizer\.lerningRate'\].*unknown field 'lerningRate'/);
    expect(() => expandSweep(parseSweepFile({ axes: { 'optimizer.learningRate': [-1] } }))).toThrow(InputError);
    expect(() => parseSweepFile({ axes: { 'optimizer.learningRate': [] } })).toThrow(/sweep\.axes\['optimizer\.learningRate'\]: empty axis/);
    expect(() => parseSweepFile({ axes: { 'optimizer.learningRate': { range: [1, 0, 1] } } })).toThrow(/empty axis/);
    expect(() => parseSweepFile({ axes: { 'optimizer.learningRate': [0.1, 0.1] } })).toThrow(/appears twice/);
    expect(() => parseSweepFile({ bogus: 1 })).toThrow(/sweep: unknown field 'bogus'/);
    expect(() => parseSweepFile({ metrics: ['nope'] })).toThrow(/sweep\.metrics\.0/);
  });

  it('refuses a grid over the limit with its count, before building it', () => {
    const spec = parseSweepFile({ axes: { 'optimizer.learningRate': { linspace: [0.1, 1, 1000] }, 'optimizer.momentum': { linspace: [0, 0.9, 1000] } }, seeds: 100 });
    expect(() => expandSweep(spec)).toThrow(/the grid has 100000000 runs \(1000 optimizer\.learningRate × 1000 optimizer\.momentum × 100 seed\), over the limit of 10000 runs/);
    expect(() => expandSweep(parseSweepFile({ seeds: 5 }), { maxRuns: 4 })).toThrow(/the grid has 5 runs/);
  });

  it('gives ids that depend on the resolved config only (key order, defaults, the axis that set it)', () => {
    const a = expandSweep(parseSweepFile({ base: { steps: 20 }, axes: { 'optimizer.learningRate': [0.5] } }))[0]!;
    const b = expandSweep(parseSweepFile({ base: { optimizer: { learningRate: 0.5, kind: 'sgd' }, steps: 20, seed: 0 }, axes: { steps: [20] } }))[0]!;
    expect(a.id).toBe(b.id);
    expect(a.id).toBe(runId(parseTrainConfig({ steps: 20, optimizer: { learningRate: 0.5 } })));
    expect(a.id).toMatch(/^[0-9a-f]{16}$/);
    const c = expandSweep(parseSweepFile({ base: { steps: 21 }, axes: { 'optimizer.learningRate': [0.5] } }))[0]!;
    expect(c.id).not.toBe(a.id);
  });

  it('canonical JSON ignores key order (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), fc.boolean())), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(JSON.parse(canonicalJson(obj))).toEqual(JSON.parse(JSON.stringify(obj)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('sntk sweep: bad input exits 2 with one line', () => {
  const dir = tempDir('bad');
  const file = (name: string, v: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify(v));
    return p;
  };
  const cases: [string, string[], RegExp][] = [
    ['unknown field in an axis', ['--config', file('a.json', { axes: { 'optimizer.lerningRate': [0.1] } })], /unknown field 'lerningRate'/],
    ['empty axis', ['--config', file('b.json', { axes: { seed: [] } })], /empty axis/],
    ['grid beyond the limit', ['--config', file('c.json', { axes: { 'optimizer.learningRate': { linspace: [0.1, 1, 200] } }, seeds: 100 })], /the grid has 20000 runs .* over the limit of 10000/],
    ['unreachable Redis', ['--config', file('d.json', { seeds: 1 }), '--queue', 'redis://127.0.0.1:1'], /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/],
    ['not a Redis URL', ['--config', file('e.json', { seeds: 1 }), '--queue', 'http://x'], /not a redis:\/\/ URL/],
    ['bad --workers', ['--config', file('f.json', { seeds: 1 }), '--workers', '0'], /--workers must be a positive integer/],
  ];
  for (const [name, args, re] of cases) {
    it(name, async () => {
      const r = await runCli(['sweep', ...args, '--out', join(dir, 'out'), '--quiet']);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      const lines = r.err.trim().split('\n');
      expect(lines.length).toBe(1);
      expect(lines[0]).toMatch(re);
    });
  }
  it('sntk worker with an unreachable Redis', async () => {
    const r = await runCli(['worker', '--queue', 'redis://127.0.0.1:1', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/cannot reach Redis/);
  });
});
