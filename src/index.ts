/**
 * sntk — the state-space NTK of recurrent networks near bifurcations.
 *
 * The public surface re-exports each layer (DESIGN.md §8): linear algebra, operators, models,
 * the sNTK engine, dynamics, bifurcation channels, training, I/O and reports. Browser code should
 * import the layers it needs directly (`src/io` and `src/report` use Node's file system).
 */
export * from './errors.js';
export * from './linalg/index.js';
export * from './linalg/iterative/index.js';
export * from './operators/index.js';
export * from './models/index.js';
export * from './sntk/index.js';
export * from './dynamics/index.js';
export * from './channels/index.js';
export * from './train/index.js';
export * from './io/index.js';
export * from './report/index.js';
export { tryRegisterNativeBackend, nativeBackendStatus } from './linalg/native.js';
// Names defined in more than one layer: the lower layer's meaning wins; the others get aliases.
export { transpose, frobeniusNorm, createRng } from './linalg/index.js';
export type { Rng } from './linalg/index.js';
export { transpose as transposeOperator } from './operators/index.js';
export { tanhActivation } from './models/index.js';
export type { TimeKind, Complex, BranchPoint } from './dynamics/index.js';
export type { BranchPoint as ReportBranchPoint } from './report/index.js';
export type { MetricsRow } from './train/index.js';
export type { MetricsRow as ReportMetricsRow } from './report/index.js';
