/**
 * The monitor worker (module worker): runs the explorer's `Observer` — the library's monitor
 * core (dense sNTK spectrum, fixed points, continuation along the segment) and the restricted
 * landscape — on the parameter snapshots the training worker posts at monitored steps, so that
 * the expensive observation runs beside training instead of inside its steps. Snapshots are
 * observed one at a time in the order they arrive, which is the run's step order, so the numbers
 * equal an inline observation's.
 *
 * Landscape scans: at a marker and at the last step right after the observation; the periodic
 * ones (`landscapeEvery`) only when no snapshot is waiting, along the latest observed direction,
 * so that a monitor behind training catches up first.
 */
import { Observer, type ParamSnapshot } from './engine.js';
import type { FromMonitor, ToMonitor, ToMonitorWorker } from './protocol.js';

let observer: Observer | null = null;
let generation = -1;
let port: MessagePort | null = null;
const queue: { snapshot: ParamSnapshot; last: boolean }[] = [];
/** A periodic scan is due and waits for an idle moment. */
let scanWanted = false;
let scheduled = false;

const tick = new MessageChannel();
tick.port1.onmessage = () => {
  scheduled = false;
  drainOne();
};
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  tick.port2.postMessage(0);
}

function post(r: FromMonitor): void {
  port!.postMessage(r);
}

function fail(e: unknown): void {
  queue.length = 0;
  post({ kind: 'error', generation, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
}

/** Observes the oldest waiting snapshot (or runs a waiting periodic scan when none is left). */
function drainOne(): void {
  if (!observer) return;
  const item = queue.shift();
  try {
    if (!item) {
      if (scanWanted) {
        scanWanted = false;
        const landscape = observer.landscape();
        if (landscape) post({ kind: 'landscape', generation, landscape });
      }
      return;
    }
    const summary = observer.observe(item.snapshot);
    const urgent = summary.marker !== null || item.last;
    const due = observer.scanDue(summary.step, urgent, item.last);
    const landscape = due && (urgent || queue.length === 0) ? observer.landscape() : null;
    if (due && !landscape) scanWanted = true;
    else if (landscape) scanWanted = false;
    post({ kind: 'observed', generation, summary, landscape });
  } catch (e) {
    fail(e);
    return;
  }
  if (queue.length > 0 || scanWanted) schedule();
}

function onPort(ev: MessageEvent<ToMonitor>): void {
  const m = ev.data;
  if (m.kind === 'reset') {
    generation = m.generation;
    queue.length = 0;
    scanWanted = false;
    try {
      observer = new Observer(m.settings);
    } catch (e) {
      observer = null;
      fail(e);
    }
    return;
  }
  if (m.generation !== generation || !observer) return;
  queue.push({ snapshot: m.snapshot, last: m.last });
  schedule();
}

self.onmessage = (ev: MessageEvent<ToMonitorWorker>) => {
  if (ev.data.kind !== 'port') return;
  port = ev.data.port;
  port.onmessage = onPort;
};
