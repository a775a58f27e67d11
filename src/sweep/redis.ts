/**
 * The Redis connection of queue mode (`--queue redis://host:port[/db]`): URL validation and a
 * reachability probe that fails fast (one attempt, 3 s), so a wrong or unreachable URL is a usage
 * error with one line instead of a hang. The long-lived BullMQ connections reconnect forever
 * (`maxRetriesPerRequest: null`), so a Redis restart during a sweep only pauses it.
 */
import { Redis } from 'ioredis';
import { UsageError } from '../errors.js';

/** Throws UsageError unless `url` is a `redis://` or `rediss://` URL. */
export function checkRedisUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--queue: '${url}' is not a URL like redis://127.0.0.1:6379`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UsageError(`--queue: '${url}' is not a redis:// URL`);
}

/** Connects once to `url` and pings; UsageError naming the URL and the cause when that fails. Cost: one round trip (≤ 3 s). */
export async function probeRedis(url: string): Promise<void> {
  checkRedisUrl(url);
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000, enableOfflineQueue: false });
  let last = '';
  r.on('error', (e: Error) => {
    last = e.message;
  });
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    throw new UsageError(`cannot reach Redis at ${url}: ${last || (e as Error).message}`);
  } finally {
    r.disconnect();
  }
}

/** BullMQ connection options for `url`: reconnect forever, never fail a command for a lost connection. */
export function bullConnection(url: string): { url: string; maxRetriesPerRequest: null; retryStrategy: (times: number) => number } {
  return { url, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(200 * times, 2000) };
}
