/**
 * Public surface of the sNTK engine: operators (`J`, `P`, `K_θ`, `P K_θ Pᵀ`, `JᵀJ`, output NTK),
 * dense kernels and spectra, the fixed-point sNTK, diagnostics and the one-call analysis.
 */
export * from './operators.js';
export * from './dense.js';
export * from './sensitivity.js';
export * from './fixed-point.js';
export * from './diagnostics.js';
export * from './analyze.js';
export { gatherSiteFactors } from './site-gram.js';
export type { SiteFactors } from './site-gram.js';
export { memoryBudget, parseBytes, checkDenseBudget as checkDenseMemory } from './budget.js';
export * from './state-rows.js';
export { selectColumns, parameterGram, gramRoute, gramSpectrumAndTop, gramTraceAndFrobenius } from './gram.js';
export type { GramRoute } from './gram.js';
export { PhaseProfile } from './profile.js';
export type { PhaseTiming } from './profile.js';
