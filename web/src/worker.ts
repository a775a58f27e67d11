/**
 * The experiment worker (module worker): owns one `Experiment`, steps it on request, and posts
 * each step's metrics. Running yields to the event loop between steps (a MessageChannel tick,
 * not a clamped timer) so pause/reset arrive.
 *
 * With a channel to the monitor worker (`port`, sent by the page), monitored steps of
 * non-adaptive runs are observed there on parameter snapshots (`Experiment` with
 * `deferMonitor`): training does not wait for the observation, whose summary is merged back into
 * the history when it arrives (`applyObservation`) and forwarded to the page. Training runs at
 * most `MAX_BACKLOG` observations ahead of the monitor, and an export waits until every
 * observation has arrived, so the exported run is complete and equals an inline run.
 */
import { Experiment } from './engine.js';
import { analyzeModelText } from './model-file.js';
import type { FromMonitor, FromWorker, ToMonitor, ToWorker } from './protocol.js';

/** Observations the training may run ahead of the monitor worker (steps ahead ≈ this × monitorEvery). */
const MAX_BACKLOG = 8;

let ex: Experiment | null = null;
let running = false;
/** Incremented by reset and pause: a running loop of an older generation stops. */
let generation = 0;
/** Incremented by reset: the monitor's answers for an older run are dropped. */
let runId = 0;
let monitorPort: MessagePort | null = null;
/** Snapshots posted to the monitor worker and not yet answered. */
let outstanding = 0;
/** The loop stopped for the backlog and resumes on the next observation. */
let waitingForMonitor = false;
let pendingExports: number[] = [];

function post(m: FromWorker): void {
  (self as unknown as Worker).postMessage(m);
}

function toMonitor(m: ToMonitor): void {
  monitorPort!.postMessage(m);
}

function fail(e: unknown): void {
  running = false;
  post({ kind: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  post({ kind: 'state', running: false, done: ex?.done ?? true });
}

/** Zero-delay yield to the event loop (setTimeout(0) is clamped to ≥ 4 ms when nested). */
const tick = new MessageChannel();
let tickFn: (() => void) | null = null;
tick.port1.onmessage = () => {
  const f = tickFn;
  tickFn = null;
  f?.();
};
function yieldThen(f: () => void): void {
  tickFn = f;
  tick.port2.postMessage(0);
}

function doStep(): void {
  if (!ex || ex.done) return;
  const out = ex.step();
  let landscape = null;
  if (out.snapshot) {
    outstanding++;
    toMonitor({ kind: 'observe', generation: runId, snapshot: out.snapshot, last: ex.done });
  } else if (out.metrics.monitored && ex.scanDue(out.metrics.step, out.marker !== null)) {
    // inline: the landscape needs the dominant direction of a monitored step (every `landscapeEvery` steps, at markers and the end)
    landscape = ex.landscape();
  }
  post({ kind: 'step', metrics: out.metrics, fixedPoints: out.fixedPoints, marker: out.marker, landscape, done: ex.done });
  if (out.error) throw new Error(out.error);
}

function loop(gen: number): void {
  if (!running || gen !== generation) return;
  if (outstanding >= MAX_BACKLOG) {
    waitingForMonitor = true;
    return;
  }
  try {
    doStep();
  } catch (e) {
    fail(e);
    return;
  }
  if (ex?.done) {
    running = false;
    post({ kind: 'state', running: false, done: true });
    return;
  }
  yieldThen(() => loop(gen));
}

function flushExports(): void {
  if (!ex || outstanding > 0) return;
  for (const id of pendingExports) post({ kind: 'export', id, run: ex.exportRun() });
  pendingExports = [];
}

function onMonitor(ev: MessageEvent<FromMonitor>): void {
  const m = ev.data;
  if (m.generation !== runId || !ex) return;
  if (m.kind === 'landscape') {
    ex.landscapes.push(m.landscape);
    post({ kind: 'landscape', landscape: m.landscape });
    return;
  }
  outstanding = Math.max(0, outstanding - 1);
  if (m.kind === 'error') {
    fail(new Error(`monitor: ${m.message}`));
    flushExports();
    return;
  }
  const rows = ex.applyObservation(m.summary);
  if (m.landscape) ex.landscapes.push(m.landscape);
  post({ kind: 'observed', rows, fixedPoints: m.summary.views, marker: m.summary.marker, landscape: m.landscape });
  flushExports();
  if (waitingForMonitor && outstanding < MAX_BACKLOG) {
    waitingForMonitor = false;
    loop(generation);
  }
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  try {
    switch (m.kind) {
      case 'port':
        monitorPort = m.port;
        monitorPort.onmessage = onMonitor;
        break;
      case 'reset':
        generation++;
        runId++;
        running = false;
        waitingForMonitor = false;
        outstanding = 0;
        pendingExports = [];
        ex = new Experiment(m.settings, { deferMonitor: monitorPort !== null });
        if (ex.deferred) toMonitor({ kind: 'reset', generation: runId, settings: ex.settings });
        post({ kind: 'ready', settings: ex.settings, params: ex.model.layout.size, steps: ex.config.steps });
        post({ kind: 'state', running: false, done: false });
        break;
      case 'run':
        if (!ex || ex.done || running) return;
        running = true;
        post({ kind: 'state', running: true, done: false });
        loop(generation);
        break;
      case 'pause':
        running = false;
        waitingForMonitor = false;
        generation++;
        post({ kind: 'state', running: false, done: ex?.done ?? false });
        break;
      case 'step':
        if (running) return;
        doStep();
        post({ kind: 'state', running: false, done: ex?.done ?? false });
        break;
      case 'analyze':
        try {
          post({ kind: 'analysis', analysis: analyzeModelText(m.text, m.name) });
        } catch (e) {
          post({ kind: 'model-error', message: e instanceof Error ? e.message : String(e) });
        }
        break;
      case 'monitor':
        ex?.requestMonitor();
        break;
      case 'export':
        if (ex) {
          pendingExports.push(m.id);
          flushExports();
        }
        break;
    }
  } catch (e) {
    fail(e);
  }
};
