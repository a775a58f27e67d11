/**
 * The experiment worker (module worker): owns one `Experiment`, steps it on request, and posts
 * each step's metrics. Running yields to the event loop between steps so pause/reset arrive.
 */
import { Experiment } from './engine.js';
import { analyzeModelText } from './model-file.js';
import type { FromWorker, ToWorker } from './protocol.js';

let ex: Experiment | null = null;
let lastScanStep = -Infinity;
let running = false;
let generation = 0;

function post(m: FromWorker): void {
  (self as unknown as Worker).postMessage(m);
}

function fail(e: unknown): void {
  running = false;
  post({ kind: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  post({ kind: 'state', running: false, done: ex?.done ?? true });
}

function doStep(): void {
  if (!ex || ex.done) return;
  const out = ex.step();
  // the landscape needs the dominant direction of a monitored step: only there, at most every `landscapeEvery` steps (and at markers and the end)
  const every = ex.settings.landscapeEvery;
  const step = out.metrics.step;
  const wantScan = every > 0 && out.metrics.monitored && (step - lastScanStep >= every || out.marker !== null || ex.done);
  const landscape = wantScan ? ex.landscape() : null;
  if (landscape) lastScanStep = step;
  post({ kind: 'step', metrics: out.metrics, fixedPoints: out.fixedPoints, marker: out.marker, landscape, done: ex.done });
  if (out.error) throw new Error(out.error);
}

function loop(gen: number): void {
  if (!running || gen !== generation) return;
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
  setTimeout(() => loop(gen), 0);
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  try {
    switch (m.kind) {
      case 'reset':
        generation++;
        running = false;
        ex = new Experiment(m.settings);
        lastScanStep = -Infinity;
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
        if (ex) post({ kind: 'export', id: m.id, run: ex.exportRun() });
        break;
    }
  } catch (e) {
    fail(e);
  }
};
