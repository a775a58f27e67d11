/**
 * The `sntk/linalg` subpath: dense row-major float64 matrices and decompositions on the active
 * backend, the optional OpenBLAS/LAPACK backend, and the matrix-free spectral estimators (Lanczos,
 * randomized subspace iteration, Hutch++, deflated Hutchinson moments; docs/theory.md §5).
 *
 * @module sntk/linalg
 */
export * from './index.js';
export * from './iterative/index.js';
export { tryRegisterNativeBackend, nativeBackendStatus, setNativeThreads, loadNativeBackend } from './native.js';
