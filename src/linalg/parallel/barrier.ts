/**
 * A reusable barrier for the threads that share one sweep, on a shared `Int32Array` of two slots
 * (arrivals, generation). Self-contained so that its source can be sent to worker threads
 * (worker-source.ts). Browser-safe; Node's main thread may block in `Atomics.wait`.
 */

/**
 * Waits until `threads` callers have arrived (spinning briefly, then sleeping in `Atomics.wait`),
 * or returns false once `performance.now()` passes `deadline` (a thread died or stalled). Cost:
 * one atomic add per call, plus the wait.
 */
export function meetAtBarrier(sync: Int32Array, threads: number, deadline: number): boolean {
  const gen = Atomics.load(sync, 1);
  if (Atomics.add(sync, 0, 1) === threads - 1) {
    Atomics.store(sync, 0, 0);
    Atomics.add(sync, 1, 1);
    Atomics.notify(sync, 1);
    return true;
  }
  let spins = 0;
  while (Atomics.load(sync, 1) === gen) {
    if (++spins > 4000) {
      Atomics.wait(sync, 1, gen, 20);
      if (performance.now() > deadline) return Atomics.load(sync, 1) !== gen;
    }
  }
  return true;
}
