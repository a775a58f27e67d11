/**
 * Test setup: with SNTK_BACKEND=native the whole suite runs on the OpenBLAS/LAPACK backend, so it
 * must be registered before the first linear-algebra call (the CLI does the same in main()).
 */
import { tryRegisterNativeBackend } from '../src/linalg/native.js';

if (process.env.SNTK_BACKEND === 'native' && !tryRegisterNativeBackend()) {
  throw new Error('SNTK_BACKEND=native but the native addon is not available (run node scripts/build-native.mjs)');
}
