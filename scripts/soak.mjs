#!/usr/bin/env node
/**
 * Kill/resume soak of sntk run folders (not part of `npm test`; run after `npx tsc -p tsconfig.build.json`):
 *
 *   node scripts/soak.mjs [--kills 50] [--seed 1] [--work /tmp/sntk-soak] [--no-disk-full]
 *
 * 1. A reference run of a tiny monitored training config (`sntk train`, no interruption).
 * 2. Rounds until `--kills` SIGKILLs have been delivered: each round starts `sntk train` in a fresh
 *    folder, `kill -9`s it at a random moment, then `sntk train --resume`s, killing again with
 *    probability 0.7 (up to three times), and finally resumes to completion; then `sntk report` on the
 *    folder is killed at a random moment and run again. After every round the folder must match the
 *    reference byte for byte (config, every checkpoint and model file, events.json, eigenvalues.jsonl,
 *    and metrics.jsonl with its wall-clock columns `seconds`/`monitorSeconds` removed), hold no
 *    temporary files and no lock, and have a report.
 * 3. Disk full (root only): the run is written to a small tmpfs that is filled up; the run must stop
 *    with exit code 1 and one line naming ENOSPC; after freeing space `--resume` must finish with the
 *    reference result. Without root the step is skipped (and said so).
 * Prints the figures (kills per phase, rounds identical, disk-full outcome) and exits 1 on any mismatch.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const KILLS = Number(opt('--kills', '50'));
let seed = Number(opt('--seed', '1'));
const WORK = resolve(opt('--work', '/tmp/sntk-soak'));
const DISK_FULL = !args.includes('--no-disk-full');
const BIN = resolve(new URL('..', import.meta.url).pathname, 'bin/sntk.js');

const rand = () => {
  // mulberry32: the kill times are reproducible from --seed
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const CONFIG = {
  seed: 1,
  steps: 30,
  checkpointEvery: 3,
  task: { name: 'pitchfork', hiddenSize: 6, T: 15, B: 4 },
  optimizer: { kind: 'natgrad', learningRate: 0.5 },
  monitor: { fixedPointStarts: 4 },
};

rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const cfgPath = join(WORK, 'config.json');
writeFileSync(cfgPath, JSON.stringify(CONFIG));

/** Runs sntk to completion; returns {code, stdout, stderr, ms}. */
function sntk(argv, env = {}) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...argv], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

/** Starts sntk and SIGKILLs it after `ms` (if still running); resolves with whether it was killed. */
function sntkKilledAfter(argv, ms) {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...argv], { stdio: 'ignore' });
    let done = false;
    const timer = setTimeout(() => {
      if (!done) child.kill('SIGKILL');
    }, ms);
    child.on('exit', (code, signal) => {
      done = true;
      clearTimeout(timer);
      res(signal === 'SIGKILL');
    });
  });
}

const stripTiming = (text) =>
  text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const o = JSON.parse(l);
      delete o.seconds;
      delete o.monitorSeconds;
      return JSON.stringify(o);
    })
    .join('\n');

/** The comparable content of a run folder: file name → text. */
function snapshot(dir) {
  const out = {};
  for (const f of readdirSync(dir).sort()) {
    if (/^(checkpoint|model)-\d+\.json$/.test(f) || f === 'config.json' || f === 'events.json' || f === 'eigenvalues.jsonl') out[f] = readFileSync(join(dir, f), 'utf8');
    if (f === 'metrics.jsonl') out[f] = stripTiming(readFileSync(join(dir, f), 'utf8'));
  }
  return out;
}

function compare(ref, dir) {
  const got = snapshot(dir);
  const problems = [];
  for (const f of new Set([...Object.keys(ref), ...Object.keys(got)])) {
    if (ref[f] === undefined) problems.push(`${f}: extra`);
    else if (got[f] === undefined) problems.push(`${f}: missing`);
    else if (ref[f] !== got[f]) problems.push(`${f}: differs`);
  }
  const leftovers = readdirSync(dir).filter((f) => f.endsWith('.tmp') || f === '.sntk.lock');
  if (leftovers.length) problems.push(`left behind: ${leftovers.join(', ')}`);
  return problems;
}

const train = (out, resume) => ['train', '--config', cfgPath, '--out', out, '--quiet', '--no-report', ...(resume ? ['--resume'] : [])];

// 1. reference
const refDir = join(WORK, 'reference');
const refRun = sntk(train(refDir, false));
if (refRun.code !== 0) {
  console.error(`reference run failed (exit ${refRun.code}): ${refRun.stderr}`);
  process.exit(1);
}
const ref = snapshot(refDir);
const span = refRun.ms;
console.log(`reference: ${Object.keys(ref).length} files, ${span} ms per run`);

// 2. kill/resume rounds
const kills = { train: 0, resume: 0, report: 0 };
let rounds = 0;
let identical = 0;
const failures = [];
const total = () => kills.train + kills.resume + kills.report;
while (total() < KILLS) {
  rounds++;
  const dir = join(WORK, `round-${rounds}`);
  if (await sntkKilledAfter(train(dir, false), Math.floor(rand() * span))) kills.train++;
  for (let k = 0; k < 3 && rand() < 0.7; k++) {
    if (!existsSync(join(dir, 'config.json'))) break;
    if (await sntkKilledAfter(train(dir, true), Math.floor(rand() * span))) kills.resume++;
  }
  // finish: a resume when the folder holds a run, else a fresh start
  const hasRun = existsSync(dir) && readdirSync(dir).some((f) => /^checkpoint-\d+\.json$/.test(f));
  const fin = sntk(train(dir, hasRun));
  if (fin.code !== 0) {
    failures.push(`round ${rounds}: final ${hasRun ? 'resume' : 'run'} exit ${fin.code}: ${fin.stderr.trim()}`);
    continue;
  }
  if (await sntkKilledAfter(['report', dir, '--quiet', '--no-png'], Math.floor(rand() * 1500))) kills.report++;
  const rep = sntk(['report', dir, '--quiet', '--no-png']);
  if (rep.code !== 0 || !existsSync(join(dir, 'report', 'index.html')) && !readdirSync(join(dir, 'report')).some((f) => f.endsWith('.html'))) {
    failures.push(`round ${rounds}: report exit ${rep.code}: ${rep.stderr.trim()}`);
  }
  const leftReport = existsSync(join(dir, 'report')) ? readdirSync(join(dir, 'report')).filter((f) => f.endsWith('.tmp')) : [];
  const problems = [...compare(ref, dir), ...leftReport.map((f) => `report/${f} left behind`)];
  if (problems.length) failures.push(`round ${rounds}: ${problems.join('; ')}`);
  else identical++;
  rmSync(dir, { recursive: true, force: true });
}
console.log(`kill -9: ${total()} (train ${kills.train}, resume ${kills.resume}, report ${kills.report}) over ${rounds} rounds; ${identical}/${rounds} folders byte-identical to the reference`);

// 3. disk full
let diskFull = DISK_FULL ? 'disk full: skipped (needs root for a tmpfs mount)' : 'disk full: skipped (--no-disk-full)';
if (DISK_FULL && process.getuid?.() === 0) {
  const mnt = join(WORK, 'tmpfs');
  mkdirSync(mnt, { recursive: true });
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) diskFull = `skipped (mount failed: ${m.stderr.trim()})`;
  else {
    try {
      const dir = join(mnt, 'run');
      // leave ~40 KiB free: the run (≈ 90 KiB) cannot finish
      const filler = join(mnt, 'filler');
      spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1024', `count=${2048 - 40}`], { stdio: 'ignore' });
      const full = sntk(train(dir, false));
      const line = full.stderr.trim();
      const oneLine = line.split('\n').length === 1 && !/\n\s+at /.test(full.stderr);
      rmSync(filler, { force: true });
      const resumed = sntk(train(dir, true));
      const problems = resumed.code === 0 ? compare(ref, dir) : [`resume exit ${resumed.code}: ${resumed.stderr.trim()}`];
      diskFull = `full disk: exit ${full.code}, ${oneLine ? 'one line' : 'NOT one line'}: "${line}"; after freeing space, resume exit ${resumed.code}, ${problems.length ? `MISMATCH: ${problems.join('; ')}` : 'byte-identical to the reference'}`;
      if (full.code !== 1 || !oneLine || !/ENOSPC/.test(line) || problems.length) failures.push(`disk full: ${diskFull}`);
    } finally {
      spawnSync('umount', [mnt]);
    }
  }
}
console.log(diskFull);

if (failures.length) {
  console.log(`FAILURES (${failures.length}):\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('soak: all resumed runs byte-identical');
