// Type-checked by .ci/run (tsc, strict, no skipLibCheck) against the installed package: the main entry and every subpath resolve with types.
import { analyzeSntk, defineSpec, randomModel, rollout, type KernelAnalysis, type Model } from 'sntk';
import { lanczosTopK } from 'sntk/linalg';
import type { LinearOperator } from 'sntk/operators';
import { readNpy } from 'sntk/io';
import { lowRankPrecondition } from 'sntk/train';
import type { PlotSpec } from 'sntk/report';

const model: Model = randomModel(defineSpec({ cell: 'vanilla', hiddenSize: 4, inputSize: 1 }), 1);
const k: KernelAnalysis = analyzeSntk(model, rollout(model, new Float64Array(10), { B: 1, T: 10 }));
const pr: number = k.participationRatio;
// @ts-expect-error the trajectory needs B and T
rollout(model, new Float64Array(10));
export const used = [pr, lanczosTopK, readNpy, lowRankPrecondition] as const;
export type Used = [LinearOperator, PlotSpec];
