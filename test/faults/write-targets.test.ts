/**
 * Issue cases 2, 5 and the unwritable-output items of 9: outputs go only onto regular files or new
 * paths. A device, a FIFO, a folder, a path under a file or an unwritable folder is refused with
 * exit 2 and one line before any work, and the thing at the path is left as it was. Also: leftover
 * temporary files of a killed writer are removed by a resume.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { configFile, expectOneLineFailure, leftovers, snapshot, tinyConfig, tmp, train } from './helpers.js';
import { defineSpec, randomModel } from '../../src/models/index.js';
import { modelToJson } from '../../src/io/model-json.js';
import { writeFileAtomic } from '../../src/util/atomic-write.js';
import { FileSystemError } from '../../src/errors.js';

const base = tmp();
const modelFile = join(base, 'm.json');
writeFileSync(modelFile, modelToJson(randomModel(defineSpec({ cell: 'vanilla', hiddenSize: 3, inputSize: 2, outputSize: 1 }), 4, { gain: 1.1 })));
const inputsFile = join(base, 'x.json');
writeFileSync(inputsFile, JSON.stringify([[0.5, -1], [0.2, 0.3], [-0.7, 0.1]]));
const aFile = join(base, 'a-file.txt');
writeFileSync(aFile, 'not a folder\n');
const isRoot = process.getuid?.() === 0;

describe('output targets', () => {
  it('kernel --out onto a device, a FIFO or a folder: exit 2, one line, the thing left as it was', async () => {
    const fifo = join(base, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const folder = join(base, 'folder.npy');
    mkdirSync(folder);
    for (const [target, kind] of [['/dev/null', 'a device'], [fifo, 'a FIFO'], [folder, 'a folder']] as const) {
      const r = await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--out', target, '--quiet']);
      expectOneLineFailure(r, 2, new RegExp(`cannot write ${target}: it is ${kind}; sntk only replaces regular files`));
    }
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(statSync(folder).isDirectory()).toBe(true);
    // the library writer refuses the same way
    expect(() => writeFileAtomic(fifo, 'x')).toThrow(FileSystemError);
    expect(statSync(fifo).isFIFO()).toBe(true);
  });

  it('kernel/convert/report --out under a file: exit 2 (was 1)', async () => {
    expectOneLineFailure(await runCli(['kernel', '--model', modelFile, '--inputs', inputsFile, '--out', join(aFile, 'K.npy'), '--quiet']), 2, /a-file\.txt(\/\w+)? (is a file, not a folder|as a folder: it is a file)/);
    expectOneLineFailure(await runCli(['convert', modelFile, join(aFile, 'm.safetensors')]), 2, /a-file\.txt(\/\w+)? (is a file, not a folder|as a folder: it is a file)/);
    const cfg = configFile(tinyConfig({ steps: 2 }));
    const run = tmp();
    expect((await train(cfg, run)).code).toBe(0);
    expectOneLineFailure(await runCli(['report', run, '--out', join(aFile, 'r'), '--quiet']), 2, /a-file\.txt(\/\w+)? (is a file, not a folder|as a folder: it is a file)/);
  });

  it('train/demo --out at a file, under a file, at a device: exit 2, one line, nothing written', async () => {
    const cfg = configFile(tinyConfig());
    expectOneLineFailure(await train(cfg, aFile), 2, /cannot use .*a-file\.txt as a folder: it is a file/);
    expectOneLineFailure(await train(cfg, join(aFile, 'run')), 2, /a-file\.txt(\/\w+)? (is a file, not a folder|as a folder: it is a file)/);
    expectOneLineFailure(await train(cfg, '/dev/null'), 2, /cannot use \/dev\/null as a folder/);
    expectOneLineFailure(await runCli(['demo', '--out', aFile, '--quiet']), 2, /it is a file/);
    expectOneLineFailure(await runCli(['demo', '--out', join(aFile, 'd'), '--quiet']), 2, /is a file, not a folder/);
  });

  it.skipIf(isRoot)('train --out in an unwritable folder: exit 2 (EACCES), one line', async () => {
    const ro = tmp();
    chmodSync(ro, 0o500);
    try {
      expectOneLineFailure(await train(configFile(tinyConfig()), join(ro, 'run')), 2, /permission denied \(EACCES\)/);
    } finally {
      chmodSync(ro, 0o700);
    }
  });

  it('a killed write leaves *.tmp files: a resume removes them, says so, and finishes identical to an undisturbed run', async () => {
    const cfg = configFile(tinyConfig());
    const ref = tmp();
    expect((await train(cfg, ref)).code).toBe(0);
    const dir = tmp();
    expect((await train(configFile(tinyConfig({ steps: 6 })), dir)).code).toBe(0);
    // as a kill -9 mid-write leaves them (pid 999999 is not alive)
    writeFileSync(join(dir, '.checkpoint-9.json.999999.0.tmp'), '{"format":"sntk-train-che');
    writeFileSync(join(dir, '.metrics.csv.999999.1.tmp'), 'step,lo');
    // same run with more steps: resume continues under --force-config from checkpoint-6
    const r = await train(cfg, dir, '--resume', '--force-config');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/removed 2 leftover temporary file\(s\)/);
    expect(leftovers(dir)).toEqual([]);
    const a = snapshot(dir);
    const b = snapshot(ref);
    delete a['config.json'];
    delete b['config.json'];
    for (const k of Object.keys(b)) if (k.startsWith('checkpoint-')) delete b[k], delete a[k]; // configHash differs (steps 6 vs 12)
    expect(a).toEqual(b);
    expect(readdirSync(dir).filter((f) => f.startsWith('checkpoint-')).length).toBe(5);
    expect(existsSync(join(dir, 'summary.json'))).toBe(true);
  });
});
