/**
 * Which linear-algebra backend is active. The pure TypeScript backend is registered by
 * `linalg/index.ts`; the native one registers itself when its addon loads (`linalg/native.ts`).
 * `SNTK_BACKEND=js|native` in the environment chooses at first use; `setBackend` at run time.
 */
import type { LinalgBackend } from './backend.js';
import { SntkError } from '../errors.js';

const backends = new Map<string, LinalgBackend>();
let active: LinalgBackend | undefined;

/** Makes a backend available under its name (does not activate it). */
export function registerBackend(b: LinalgBackend): void {
  backends.set(b.name, b);
}

/** Names of the registered backends. */
export function availableBackends(): string[] {
  return [...backends.keys()];
}

/**
 * Activates a registered backend by name; throws if it is not available.
 *
 * @param name - `'js'` (pure TypeScript, always there) or `'native'` (OpenBLAS/LAPACK addon).
 * @throws {@link sntk!SntkError} when that backend is not registered (e.g. the addon was not built).
 */
export function setBackend(name: 'js' | 'native'): void {
  const b = backends.get(name);
  if (!b) {
    const hint = name === 'native' ? ' — the native addon is not built; install libopenblas-dev and liblapacke-dev and run `npm rebuild sntk` or `node scripts/build-native.mjs` (`sntk info` says why)' : '';
    throw new SntkError(`linear-algebra backend '${name}' is not available (have: ${availableBackends().join(', ') || 'none'})${hint}`);
  }
  active = b;
}

/** The active backend: the one set, else `SNTK_BACKEND`, else native when registered, else js. */
export function getBackend(): LinalgBackend {
  if (active) return active;
  const env = typeof process !== 'undefined' ? process.env?.SNTK_BACKEND : undefined;
  if (env === 'js' || env === 'native') {
    setBackend(env);
    return active!;
  }
  if (env !== undefined && env !== '') throw new SntkError(`SNTK_BACKEND must be 'js' or 'native', got '${env}'`);
  active = backends.get('native') ?? backends.get('js');
  if (!active) throw new SntkError('no linear-algebra backend registered');
  return active;
}
