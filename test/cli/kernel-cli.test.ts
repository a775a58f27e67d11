import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runCli } from './run-cli.js';
import { defineSpec, randomModel, rollout } from '../../src/models/index.js';
import { modelToJson } from '../../src/io/model-json.js';
import { readNpy } from '../../src/io/npy.js';
import { denseSntk } from '../../src/sntk/dense.js';

afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), 'sntk-kernel-'));
const spec = defineSpec({ cell: 'vanilla', hiddenSize: 3, inputSize: 2, outputSize: 1 });
const model = randomModel(spec, 4, { gain: 1.1, biasScale: 0.2 });
const modelFile = join(dir, 'm.json');
writeFileSync(modelFile, modelToJson(model));
const X = [[0.5, -1], [0.2, 0.3], [-0.7, 0.1], [0, 0], [1, 1]];
const inputsFile = join(dir, 'x.json');
writeFileSync(inputsFile, JSON.stringify(X));

function doc(): Record<string, any> {
  return JSON.parse(readFileSync(modelFile, 'utf8'));
}

function writeDoc(name: string, d: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof d === 'string' ? d : JSON.stringify(d));
  return p;
}

/** The one-line stderr message of a failed command: exit 2, no stack trace. */
function expectUsageFailure(r: { code: number; err: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.err).toMatch(pattern);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).not.toMatch(/\n\s+at /);
}

describe('sntk kernel', () => {
  it('--json prints the documented fields, equal to the library result; --out writes the dense sNTK', async () => {
    const out = join(dir, 'K.npy');
    const r = await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--top', '3', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    for (const k of ['rows', 'params', 'method', 'trace', 'frobenius', 'participationRatio', 'entropyRank', 'top', 'seconds']) expect(j).toHaveProperty(k);
    expect(j.rows).toBe(15);
    expect(j.params).toBe(9 + 6 + 3);
    expect(j.method).toBe('dense');
    expect(j.top).toHaveLength(3);
    const traj = rollout(model, Float64Array.from(X.flat()), { B: 1, T: 5 });
    const { K } = denseSntk(model, traj);
    const npy = readNpy(readFileSync(out));
    expect(npy.shape).toEqual([15, 15]);
    expect(Array.from(npy.data)).toEqual(Array.from(K.data));
    let tr = 0;
    for (let i = 0; i < 15; i++) tr += K.data[i * 15 + i]!;
    expect(Math.abs(j.trace - tr) / tr).toBeLessThan(1e-12);
  });

  it('--json --profile adds the phases (rollout, jacobian, gram, eigenvalues, diagnostics, json) whose seconds sum to at most the reported time plus the JSON; without --profile no profile and no spectrum', async () => {
    const r = await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--top', '3', '--json', '--profile']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    // M = 15 < P = 18: the Gram J Jᵀ is built as P K_θ Pᵀ without a Jacobian phase
    expect(j.profile.map((p: { phase: string }) => p.phase)).toEqual(['rollout', 'gram', 'eigenvalues', 'diagnostics', 'json']);
    for (const p of j.profile) expect(p.seconds).toBeGreaterThanOrEqual(0);
    const phases = j.profile.filter((p: { phase: string }) => p.phase !== 'json').reduce((s: number, p: { seconds: number }) => s + p.seconds, 0);
    expect(phases).toBeLessThanOrEqual(j.seconds + 1e-9);
    const plain = JSON.parse((await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--top', '3', '--json'])).out);
    expect(plain).not.toHaveProperty('profile');
    expect(plain).not.toHaveProperty('spectrum');
    expect(plain.trace).toBe(j.trace);
  });

  it('--spectrum top: same trace, PR and top values (rel 1e-10), entropy rank and rank-95 null', async () => {
    const a = JSON.parse((await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--top', '3', '--json'])).out);
    const b = JSON.parse((await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--top', '3', '--json', '--spectrum', 'top'])).out);
    expect(Math.abs(b.trace - a.trace) / a.trace).toBeLessThan(1e-10);
    expect(Math.abs(b.participationRatio - a.participationRatio) / a.participationRatio).toBeLessThan(1e-10);
    for (let i = 0; i < 3; i++) expect(Math.abs(b.top[i] - a.top[i]) / a.top[i]).toBeLessThan(1e-10);
    expect(b.entropyRank).toBeNull();
    expect(b.rank95).toBeNull();
  });

  it('operator method reports standard errors', async () => {
    const r = await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--method', 'operator', '--top', '2', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.method).toBe('operator');
    expect(j.entropyRank).toBeNull();
    expect(j.standardErrors).toHaveProperty('participationRatio');
  });

  it('operator method: --probes is a cap the PR standard-error target stops short of; --pr-rel-error 0 uses all of them; a bad target exits 2', async () => {
    const run = async (...extra: string[]) => JSON.parse((await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--method', 'operator', '--top', '2', '--json', '--probes', '96', ...extra])).out);
    const all = await run('--pr-rel-error', '0');
    expect(all.probes).toBe(96);
    const loose = await run('--pr-rel-error', '0.5');
    expect(loose.probes).toBe(32); // the minimum batch: a 50% target is met at once
    expect(loose.standardErrors.participationRatio / loose.participationRatio).toBeLessThanOrEqual(0.5);
    expectUsageFailure(await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--method', 'operator', '--pr-rel-error', '-1']), /--pr-rel-error must be a non-negative number/);
  });

  it('bad input: wrong weight shape, NaN weight, unknown cell, inputs of the wrong width → exit 2 with one clear line', async () => {
    const wrongShape = doc();
    wrongShape.params.W[1] = [1, 2];
    expectUsageFailure(await runCli(['kernel', '--model', writeDoc('shape.json', wrongShape), '--inputs', inputsFile]), /params\.W\[1\].*3/);
    const nan = JSON.stringify(doc()).replace(/"b":\[[^\]]*\]/, '"b":[NaN,0,0]');
    expectUsageFailure(await runCli(['kernel', '--model', writeDoc('nan.json', nan), '--inputs', inputsFile]), /NaN|not valid JSON|non-finite/i);
    const nanNull = doc();
    nanNull.params.b[0] = null;
    expectUsageFailure(await runCli(['kernel', '--model', writeDoc('null.json', nanNull), '--inputs', inputsFile]), /params\.b\[0\]/);
    const cell = doc();
    cell.cell = 'lstm';
    expectUsageFailure(await runCli(['kernel', '--model', writeDoc('cell.json', cell), '--inputs', inputsFile]), /lstm.*(vanilla|leaky|rate|gru)/);
    const narrow = writeDoc('narrow.json', [[1], [2], [3]]);
    expectUsageFailure(await runCli(['kernel', '--model', modelFile, '--inputs', narrow]), /width|1.*2|2.*1/);
  });

  it('bad usage: --top beyond the rank, an unknown method, a memory budget that is too small → exit 2', async () => {
    expectUsageFailure(await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--top', '16']), /min\(rows, params\) = min\(15, 18\) = 15/);
    const r = await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--method', 'fast']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/fast/);
    expectUsageFailure(await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--method', 'dense', '--memory-budget', '1700']), /memory budget.*matrix-free/);
    // the rollout itself (5 steps × (state + caches)) is checked before it runs
    expectUsageFailure(await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--memory-budget', '1K']), /the trajectory \(1 trials × 5 steps of 3 units.*over the memory budget/);
    // the operator path's Lanczos basis is checked before it is allocated
    expectUsageFailure(await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--method', 'operator', '--top', '2', '--memory-budget', '4K']), /Lanczos basis.*lower --top/);
  });
});
