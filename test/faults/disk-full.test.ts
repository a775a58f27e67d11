/**
 * Issue case 3: a full disk, and files a crash can leave torn or incomplete. A write fault (ENOSPC,
 * injected into the one write module, here mid-append as a full disk tears a line) ends the run with
 * exit 1 and one line; the folder is resumable and the resumed run is identical to an uninterrupted
 * one. Torn last lines of metrics.jsonl / eigenvalues.jsonl are cut and reported; a damaged
 * events.json does not matter (the checkpoint holds the events); checkpoints missing their optimizer
 * state or losses are skipped for the previous valid one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, readFileSync, writeFileSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { configFile, expectOneLineFailure, leftovers, snapshot, tinyConfig, tmp, train } from './helpers.js';
import { injectWriteFault } from '../../src/util/atomic-write.js';

afterEach(() => injectWriteFault(null));

const enospc = (): Error => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
const monitored = tinyConfig({ steps: 9, monitor: { fixedPointStarts: 2, continuation: false } });

describe('full disk and torn files', () => {
  it('ENOSPC mid-append (a torn metrics line): exit 1, one line; after freeing space --resume gives the uninterrupted result', async () => {
    const cfg = configFile(tinyConfig());
    const ref = tmp();
    expect((await train(cfg, ref)).code).toBe(0);
    for (const failAt of [3, 9, 17]) {
      const dir = tmp();
      let writes = 0;
      injectWriteFault((path, data, kind) => {
        if (++writes < failAt) return;
        if (kind === 'append') appendFileSync(path, String(data).slice(0, 7)); // the disk took 7 bytes
        throw enospc();
      });
      const r = await train(cfg, dir);
      injectWriteFault(null);
      expectOneLineFailure(r, 1, /no space left on the device \(ENOSPC\); free space and run again \(a training run continues with --resume\)/);
      expect(leftovers(dir)).toEqual([]);
      // no torn line: the append was cut back
      const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
      expect(metrics === '' || metrics.endsWith('\n')).toBe(true);
      const resumed = await train(cfg, dir, '--resume');
      expect(resumed.code, resumed.err).toBe(0);
      expect(snapshot(dir)).toEqual(snapshot(ref));
    }
  });

  it('torn last lines of metrics.jsonl and eigenvalues.jsonl are cut and reported; the resumed run is identical', async () => {
    const cfg = configFile(monitored);
    const ref = tmp();
    expect((await train(cfg, ref)).code).toBe(0);
    const dir = tmp();
    expect((await train(configFile({ ...monitored, steps: 6 }), dir)).code).toBe(0);
    appendFileSync(join(dir, 'metrics.jsonl'), '{"step":6,"loss":0.3');
    appendFileSync(join(dir, 'eigenvalues.jsonl'), '{"step":6,"sntk":[1.5,');
    const r = await train(cfg, dir, '--resume', '--force-config');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/metrics\.jsonl: cut a torn last line \(20 bytes\)/);
    expect(r.err).toMatch(/eigenvalues\.jsonl: cut a torn last line/);
    const a = snapshot(dir);
    const b = snapshot(ref);
    for (const k of Object.keys(b)) if (k.startsWith('checkpoint-') || k === 'config.json') delete a[k], delete b[k]; // steps 6 → 9 changes the config hash
    expect(a).toEqual(b);
  });

  it('a damaged line inside metrics.jsonl (not the last) is refused naming the line: exit 2', async () => {
    const cfg = configFile(tinyConfig({ steps: 6 }));
    const dir = tmp();
    expect((await train(cfg, dir)).code).toBe(0);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n');
    lines[1] = lines[1]!.slice(0, 10);
    writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n'));
    expectOneLineFailure(await train(cfg, dir, '--resume'), 2, /metrics\.jsonl line 2: not valid JSON .*the file is damaged/);
  });

  it('a truncated events.json and checkpoints without optimizer/losses: the resume falls back, says which, and matches', async () => {
    const cfg = configFile(tinyConfig());
    const ref = tmp();
    expect((await train(cfg, ref)).code).toBe(0);
    const dir = tmp();
    expect((await train(cfg, dir)).code).toBe(0);
    truncateSync(join(dir, 'events.json'), Math.floor(statSync(join(dir, 'events.json')).size / 2));
    for (const [step, field] of [[12, 'optimizer'], [9, 'losses']] as const) {
      const p = join(dir, `checkpoint-${step}.json`);
      const ck = JSON.parse(readFileSync(p, 'utf8'));
      delete ck[field];
      writeFileSync(p, JSON.stringify(ck));
    }
    const r = await train(cfg, dir, '--resume');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/skipped checkpoint-12\.json optimizer: .*; checkpoint-9\.json losses: .*; resuming from checkpoint-6\.json/);
    expect(r.err.trim().split('\n').every((l) => l.startsWith('sntk: resume: '))).toBe(true);
    expect(snapshot(dir)).toEqual(snapshot(ref));
  });
});
