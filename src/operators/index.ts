/**
 * Public surface of the operators layer: the LinearOperator abstraction, its combinators, densify
 * under a memory budget, and LinearOperator front-ends to the matrix-free estimators.
 *
 * @module sntk/operators
 */
export type { LinearOperator, OperatorSpec } from './types.js';
export { makeOperator, wrapChecked, describe as describeOperator } from './make.js';
export type { RawOperator } from './make.js';
export { fromMatrix, identityOperator, transpose, compose, sum, scale, gram, outerGram, unitBlock } from './combinators.js';
export { densify, checkDenseBudget, formatBytes, DEFAULT_DENSIFY_MAX_ENTRIES } from './densify.js';
export type { DensifyOptions } from './densify.js';
export { symmetricApply, topEigenpairs, estimateTrace, estimateMoments } from './spectral.js';
