// Run by .ci/run in an empty folder where the packed sntk tarball is installed: the ESM entry and the lazy plotting subpath.
import { analyzeSntk, defineSpec, randomModel, rollout } from 'sntk';
const model = randomModel(defineSpec({ cell: 'vanilla', hiddenSize: 4, inputSize: 1 }), 1);
const traj = rollout(model, new Float64Array(10).fill(0.5), { B: 1, T: 10 });
const k = analyzeSntk(model, traj, { top: 2 });
if (!(k.rows === 40 && k.participationRatio >= 1)) throw new Error('unexpected sNTK ' + JSON.stringify(k));
const { renderSvg } = await import('sntk/report');
if (typeof renderSvg !== 'function') throw new Error('sntk/report has no renderSvg');
console.log('esm ok', k.rows, k.participationRatio.toFixed(3));
