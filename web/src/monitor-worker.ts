/**
 * The monitor worker (module worker): runs the explorer's `Observer` — the library's monitor
 * core (dense sNTK spectrum, fixed points, continuation along the segment) and the restricted
 * landscape — on the parameter snapshots the training worker posts at monitored steps, so that
 * the expensive observation runs beside training instead of inside its steps. Snapshots are
 * observed in the order they arrive (one at a time), which is the run's step order, so the
 * numbers equal an inline observation's.
 */
import { Observer } from './engine.js';
import type { FromMonitor, ToMonitor, ToMonitorWorker } from './protocol.js';

let observer: Observer | null = null;
let generation = -1;
let port: MessagePort | null = null;

function onPort(ev: MessageEvent<ToMonitor>): void {
  const m = ev.data;
  const post = (r: FromMonitor): void => port!.postMessage(r);
  if (m.kind === 'reset') {
    generation = m.generation;
    try {
      observer = new Observer(m.settings);
    } catch (e) {
      observer = null;
      post({ kind: 'error', generation, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
    return;
  }
  if (m.generation !== generation || !observer) return;
  try {
    const summary = observer.observe(m.snapshot);
    const landscape = observer.scanDue(summary.step, summary.marker !== null, m.last) ? observer.landscape() : null;
    post({ kind: 'observed', generation, summary, landscape });
  } catch (e) {
    post({ kind: 'error', generation, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
}

self.onmessage = (ev: MessageEvent<ToMonitorWorker>) => {
  if (ev.data.kind !== 'port') return;
  port = ev.data.port;
  port.onmessage = onPort;
};
