/**
 * Matrix-free spectral estimators on symmetric block operators `{ n, apply(X) }`: Lanczos and
 * randomized subspace iteration for top-k eigenpairs, Hutch++ for the trace, and deflated
 * Hutchinson estimates of `‖A‖_F²` and the participation ratio, each with the error it believes it has.
 */
export type { SymmetricApply, EstimatorOptions } from './types.js';
export type { EigenpairsResult } from './common.js';
export { lanczosTopK, lanczosDefaultBudget } from './lanczos.js';
export type { LanczosOptions } from './lanczos.js';
export { subspaceIterationTopK } from './subspace.js';
export type { SubspaceOptions } from './subspace.js';
export { hutchPlusPlus, exactTrace } from './hutchpp.js';
export type { HutchPlusPlusOptions, TraceEstimate, ScalarEstimate } from './hutchpp.js';
export { estimateSpectralMoments, estimateFrobeniusSquared } from './moments.js';
export type { SpectralMomentsOptions, SpectralMomentsEstimate, BlockApply, FrobeniusOptions } from './moments.js';
export type { ProbeDistribution } from './probes.js';
