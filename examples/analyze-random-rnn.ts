/**
 * The sNTK of a random vanilla tanh RNN from TypeScript: exact (dense) and matrix-free, with the
 * fixed points at zero input and the bifurcation channel at the one nearest criticality.
 * Run: `npx tsx examples/analyze-random-rnn.ts`.
 */
import { analyzeSntk, channelDecomposition, createRng, defineSpec, findFixedPoints, modelSystem, randomModel, rollout } from 'sntk';

const N = 32, D = 2, T = 100;
const model = randomModel(defineSpec({ cell: 'vanilla', hiddenSize: N, inputSize: D }), 1, { gain: 1.2, biasScale: 0.1 });
const X = new Float64Array(T * D);
createRng(2).fillNormal(X);
const traj = rollout(model, X, { B: 1, T });

const dense = analyzeSntk(model, traj, { method: 'dense', top: 5 });
const approx = analyzeSntk(model, traj, { method: 'operator', top: 5, seed: 1 });
console.log(`sNTK ${dense.rows}×${dense.rows}, ${dense.params} parameters`);
console.log(`  dense:    PR ${dense.participationRatio.toFixed(3)}, entropy rank ${dense.entropyRank!.toFixed(2)}, top ${dense.top.map((v) => v.toFixed(2)).join(' ')}  (${dense.seconds.toFixed(2)} s)`);
console.log(`  operator: PR ${approx.participationRatio.toFixed(3)} ± ${approx.standardErrors!.participationRatio.toFixed(3)}, top ${approx.top.map((v) => v.toFixed(2)).join(' ')}  (${approx.seconds.toFixed(2)} s)`);

const xbar = new Float64Array(D);
const { points } = findFixedPoints(modelSystem(model, { input: xbar }), { seed: 0 });
console.log(`${points.length} fixed point(s) at zero input`);
const nearest = points.reduce((a, b) => (Math.abs(b.sigma) < Math.abs(a.sigma) ? b : a));
const ch = channelDecomposition(model, nearest.h, xbar);
console.log(`  nearest to criticality: λ = ${ch.eigenvalue.re.toFixed(4)}${ch.eigenvalue.im ? ` ± ${Math.abs(ch.eigenvalue.im).toFixed(4)}i` : ''}, σ = ${ch.sigma.toExponential(2)}, channel share ${ch.channelShare.toFixed(3)}`);
