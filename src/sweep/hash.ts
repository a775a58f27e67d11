/**
 * Stable run ids: a run's id is the SHA-256 of the canonical JSON of its resolved training config
 * (every default filled, object keys sorted), cut to 16 hex digits. The same config gives the same
 * id on every machine and in every sweep file, whatever the key order or the axis that produced it,
 * so a job done twice (queue retries, a restarted sweep) lands in the same run folder.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';

/** JSON text with object keys sorted at every level (arrays keep their order). Cost O(size). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new InputError(`canonical JSON: non-finite number ${value}`);
    const s = JSON.stringify(value);
    if (s === undefined) throw new InputError(`canonical JSON: cannot encode a ${typeof value}`);
    return s;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** Number of hex digits of a run id (64 bits). */
export const RUN_ID_LENGTH = 16;

/** The run id of a resolved config: first 16 hex digits of SHA-256(canonicalJson(config)). Cost O(size). */
export function runId(resolvedConfig: unknown): string {
  return createHash('sha256').update(canonicalJson(resolvedConfig)).digest('hex').slice(0, RUN_ID_LENGTH);
}
