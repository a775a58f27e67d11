/**
 * The explorer page: controls, live SVG panels, export and model loading. All computation runs
 * in `worker.ts`; this thread only draws. Key numbers are mirrored into `data-*` attributes so
 * tests read them without parsing the drawing.
 */
import type { BifurcationMarker, ExplorerSettings, FixedPointView, LandscapeScan, RunExport, StepMetrics } from './engine.js';
import { PITCHFORK_PRESET, PRESETS } from './settings.js';
import type { ExplorerBifurcation } from './settings.js';
import type { FromWorker, ToMonitorWorker, ToWorker } from './protocol.js';
import { complexPlane, lineChart } from './plots.js';
import type { ModelAnalysis } from './model-file.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page is missing #${id}`);
  return e as T;
};
const svg = (id: string): SVGSVGElement => document.getElementById(id) as unknown as SVGSVGElement;

const statusEl = $('status');
const errorEl = $('error');
const markerEl = $('marker');

function showError(msg: string): void {
  errorEl.textContent = msg;
  errorEl.hidden = false;
}
function clearError(): void {
  errorEl.textContent = '';
  errorEl.hidden = true;
}
window.addEventListener('error', (e) => showError(`page error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => showError(`page error: ${String((e as PromiseRejectionEvent).reason)}`));

// ---- state ----
let metrics: StepMetrics[] = [];
let markers: BifurcationMarker[] = [];
let lastFixed: FixedPointView[] = [];
let lastScan: LandscapeScan | null = null;
let running = false;
let done = false;
let totalSteps = 0;
let exportId = 0;
const pendingExports = new Map<number, (r: RunExport) => void>();

// ---- controls ----
function readSettings(): ExplorerSettings {
  const num = (id: string): number => Number(($(id) as HTMLInputElement).value);
  return {
    ...PITCHFORK_PRESET,
    bifurcation: ($('bifurcation') as HTMLSelectElement).value as ExplorerBifurcation,
    hiddenSize: num('hidden'),
    outlier: num('outlier'),
    learningRate: num('lr'),
    optimizer: ($('optimizer') as HTMLSelectElement).value as ExplorerSettings['optimizer'],
    seed: num('seed'),
    steps: num('steps'),
    T: num('T'),
    B: num('B'),
    trainBias: ($('bias') as HTMLInputElement).checked,
  };
}
function writeSettings(s: ExplorerSettings): void {
  const set = (id: string, v: number): void => void (($(id) as HTMLInputElement).value = String(v));
  ($('bifurcation') as HTMLSelectElement).value = s.bifurcation ?? 'pitchfork';
  set('hidden', s.hiddenSize);
  set('outlier', s.outlier);
  set('lr', s.learningRate);
  ($('optimizer') as HTMLSelectElement).value = s.optimizer;
  set('seed', s.seed);
  set('steps', s.steps);
  set('T', s.T);
  set('B', s.B);
  ($('bias') as HTMLInputElement).checked = s.trainBias;
}

// ---- worker ----
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker): void => worker.postMessage(m);
worker.onerror = (e) => showError(`worker error: ${e.message || 'the worker failed to load'}`);
// The monitor's expensive observation runs in a second worker on the training worker's parameter
// snapshots (worker.ts), connected to it by a channel of their own.
const monitorWorker = new Worker(new URL('./monitor-worker.ts', import.meta.url), { type: 'module' });
monitorWorker.onerror = (e) => showError(`monitor worker error: ${e.message || 'the worker failed to load'}`);
{
  const channel = new MessageChannel();
  worker.postMessage({ kind: 'port', port: channel.port1 } satisfies ToWorker, [channel.port1]);
  monitorWorker.postMessage({ kind: 'port', port: channel.port2 } satisfies ToMonitorWorker, [channel.port2]);
}

function resetView(): void {
  metrics = [];
  markers = [];
  lastFixed = [];
  lastScan = null;
  done = false;
  markerEl.hidden = true;
  markerEl.textContent = '';
  delete markerEl.dataset['step'];
  delete markerEl.dataset['type'];
  drawAll();
}

function reset(): void {
  clearError();
  resetView();
  send({ kind: 'reset', settings: readSettings() });
}

let drawQueued = false;
function scheduleDraw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(
    timed(() => {
      drawQueued = false;
      drawAll();
    }),
  );
}

/** Longest main-thread time (ms) spent in this page's own handlers (messages, drawing); read by the e2e test. */
const perf = { maxHandlerMs: 0, handlers: 0 };
(window as unknown as { sntkPerf: typeof perf }).sntkPerf = perf;
function timed<A extends unknown[]>(f: (...a: A) => void): (...a: A) => void {
  return (...a: A) => {
    const t = performance.now();
    try {
      f(...a);
    } finally {
      perf.maxHandlerMs = Math.max(perf.maxHandlerMs, performance.now() - t);
      perf.handlers++;
    }
  };
}

worker.onmessage = timed((ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  switch (m.kind) {
    case 'ready':
      totalSteps = m.steps;
      document.body.dataset['ready'] = 'true';
      updateStatus(`ready: ${m.params} parameters, ${m.steps} steps`);
      break;
    case 'step':
      metrics.push(m.metrics);
      lastFixed = m.fixedPoints;
      if (m.landscape) lastScan = m.landscape;
      if (m.marker) {
        markers.push(m.marker);
        showMarker(m.marker);
      }
      done = m.done;
      scheduleDraw();
      break;
    case 'landscape':
      lastScan = m.landscape;
      scheduleDraw();
      break;
    case 'observed':
      for (const row of m.rows) metrics[row.step] = row;
      lastFixed = m.fixedPoints;
      if (m.landscape) lastScan = m.landscape;
      if (m.marker) {
        markers.push(m.marker);
        showMarker(m.marker);
      }
      scheduleDraw();
      break;
    case 'state':
      running = m.running;
      done = m.done;
      updateStatus();
      break;
    case 'export': {
      const f = pendingExports.get(m.id);
      pendingExports.delete(m.id);
      f?.(m.run);
      break;
    }
    case 'analysis':
      clearError();
      showAnalysis(m.analysis);
      break;
    case 'model-error':
      showError(`could not load the model file: ${m.message}`);
      break;
    case 'error':
      showError(m.message);
      break;
  }
});

function updateStatus(extra?: string): void {
  const last = metrics[metrics.length - 1];
  statusEl.dataset['step'] = String(metrics.length);
  statusEl.dataset['running'] = String(running);
  statusEl.dataset['done'] = String(done);
  const parts = [running ? 'running' : done ? 'done' : 'paused', `step ${metrics.length}/${totalSteps}`];
  if (last) parts.push(`loss ${last.loss.toPrecision(4)}`, `PR ${last.pr.toFixed(2)}`, `${(last.seconds * 1000).toFixed(0)} ms/step`);
  if (extra) parts.push(extra);
  statusEl.textContent = parts.join(' · ');
}

function showMarker(b: BifurcationMarker): void {
  if (!markerEl.hidden) return; // keep the first bifurcation
  markerEl.hidden = false;
  markerEl.dataset['step'] = String(b.step);
  markerEl.dataset['type'] = b.type;
  markerEl.dataset['source'] = b.source;
  const ev = `λ = ${b.eigenvalue[0].toFixed(4)}${b.eigenvalue[1] ? ` ${b.eigenvalue[1] >= 0 ? '+' : '−'} ${Math.abs(b.eigenvalue[1]).toFixed(4)}i` : ''}`;
  markerEl.textContent =
    `Bifurcation between steps ${b.step - 1} and ${b.step}: ${b.type}${b.criticality ? ` (${b.criticality})` : ''} — ` +
    `${b.fixedPointsBefore} → ${b.fixedPointsAfter} fixed points at zero input, ${ev} (${b.source === 'continuation' ? `continuation along the training step, s = ${b.s?.toFixed(3)}` : 'fixed-point count changed'})` +
    (b.note ? `; ${b.note}` : '');
}

// ---- drawing ----
function drawAll(): void {
  updateStatus();
  const steps = metrics.map((m) => m.step);
  const vlines = markers.map((b) => ({ x: b.step - 0.5, color: '#d9a400', label: b.type }));
  // Loss
  lineChart(svg('svg-loss'), [{ x: steps, y: metrics.map((m) => m.loss), color: '#1f77b4', label: 'loss' }], { logY: true, vlines, xLabel: 'step', integerX: true });
  const lossPanel = $('panel-loss');
  const last = metrics[metrics.length - 1];
  lossPanel.dataset['steps'] = String(metrics.length);
  lossPanel.dataset['lastLoss'] = last ? String(last.loss) : '';
  $('ro-loss').textContent = last ? `step ${last.step}: loss ${last.loss.toPrecision(6)}, ‖g‖ ${last.gradNorm.toPrecision(3)}, ‖Δθ‖ ${last.updateNorm.toPrecision(3)}${last.natgradActive ? ' (natgrad on)' : ''}` : '';
  // PR and top eigenvalue: the monitored steps only (the monitor's cadence)
  const obs = metrics.filter((m) => m.monitored && m.monitoredStep === m.step); // observed (a deferred observation may still be on its way)
  const obsSteps = obs.map((m) => m.step);
  lineChart(
    svg('svg-pr'),
    [
      { x: obsSteps, y: obs.map((m) => m.pr), color: '#2ca02c', label: 'PR' },
      { x: obsSteps, y: obs.map((m) => m.topEigenvalue), color: '#9467bd', dash: '4 2', label: 'λ_max', axis: 'right' },
    ],
    { logY: true, vlines, xLabel: 'step', yLabel: 'PR', integerX: true, right: { logY: true, label: 'λ_max' } },
  );
  const prPanel = $('panel-pr');
  if (obs.length > 0) {
    let iMin = 0;
    obs.forEach((m, i) => {
      if (m.pr < obs[iMin]!.pr) iMin = i;
    });
    prPanel.dataset['prInitial'] = String(obs[0]!.pr);
    prPanel.dataset['prMin'] = String(obs[iMin]!.pr);
    prPanel.dataset['prMinStep'] = String(obs[iMin]!.step);
    prPanel.dataset['prLast'] = String(last!.pr);
    prPanel.dataset['topLast'] = String(last!.topEigenvalue);
    prPanel.dataset['prValues'] = obs.map((m) => m.pr).join(',');
    prPanel.dataset['prSteps'] = obsSteps.join(',');
    $('ro-pr').textContent = `PR ${last!.pr.toFixed(3)} (initial ${obs[0]!.pr.toFixed(2)}, min ${obs[iMin]!.pr.toFixed(2)} at step ${obs[iMin]!.step}, fall ×${(obs[0]!.pr / obs[iMin]!.pr).toFixed(1)}); top eigenvalue ${last!.topEigenvalue.toPrecision(4)} = ${(100 * last!.topShare).toFixed(1)}% of the trace; output PR ${last!.prOutput?.toFixed(2) ?? 'n/a'}; |cos(top, B*ᵀl)| ${alignmentText(last!.alignBStarL)}`;
  } else {
    for (const k of ['prInitial', 'prMin', 'prMinStep', 'prLast', 'topLast', 'prValues', 'prSteps']) delete prPanel.dataset[k];
    $('ro-pr').textContent = '';
  }
  // Fixed points
  drawFixed(svg('svg-fp'), lastFixed, $('panel-fp'), $('ro-fp'));
  // Landscape
  drawLandscape();
}

function drawFixed(target: SVGSVGElement, fps: FixedPointView[], panel: HTMLElement, ro: HTMLElement): void {
  complexPlane(target, [
    { points: fps.filter((f) => !f.tracked).flatMap((f) => f.eigenvalues), color: '#ff7f0e', r: 2.5 },
    { points: fps.filter((f) => f.tracked).flatMap((f) => f.eigenvalues), color: '#1f77b4', r: 3 },
  ]);
  const tr = fps.find((f) => f.tracked);
  panel.dataset['count'] = String(fps.length);
  if (tr && tr.eigenvalues[0]) {
    const [re, im] = tr.eigenvalues[0];
    panel.dataset['criticalRe'] = String(re);
    panel.dataset['criticalAbs'] = String(Math.hypot(re, im));
  }
  ro.textContent = fps.length
    ? `${fps.length} fixed point${fps.length > 1 ? 's' : ''}: ` + fps.map((f) => `‖h*‖=${f.norm.toFixed(3)} ${f.stability}, |λ|max=${Math.hypot(...(f.eigenvalues[0] ?? [0, 0])).toFixed(4)}${f.tracked ? ' (tracked, blue)' : ''}`).join('; ')
    : '';
}

/**
 * The alignment of the top sNTK direction with B*ᵀl, or why it is undefined: without a fixed point
 * near criticality there is no critical left eigenvector l, so B*ᵀl (and the cosine) do not exist.
 */
function alignmentText(a: number | null | undefined): string {
  if (a === null || a === undefined || !Number.isFinite(a) || a === 0) return 'undefined here (no fixed point near criticality, so no critical direction l)';
  return a.toFixed(3);
}

/**
 * The fitted exponent of κ against σ(α), or why it is not shown: the law κ ∝ σ^−2 holds on the
 * side before the crossing (α_c > 0 ahead of the current parameters); past it (α_c ≤ 0) or
 * without a crossing, σ on this branch no longer sets the kernel and a fit means nothing.
 */
function exponentText(e: number | null, alphaC: number | null): string {
  if (alphaC === null) return e === null || !Number.isFinite(e) ? 'exponent undefined (no eigenvalue crossing +1 in range and too few points to fit)' : `fitted exponent ${e.toFixed(2)}, far from criticality (no eigenvalue crosses +1 in range, so σ stays away from 0 where the −2 law holds)`;
  if (alphaC <= 0) return 'exponent undefined past the crossing (α_c ≤ 0: the network has already crossed, the law κ ∝ σ⁻² only holds before it)';
  if (e === null || !Number.isFinite(e)) return 'exponent undefined (too few points before α_c to fit)';
  return `fitted exponent ${e.toFixed(2)} (channel law: −2)`;
}

function drawLandscape(): void {
  const panel = $('panel-landscape');
  const s = lastScan;
  if (!s) {
    lineChart(svg('svg-land-loss'), []);
    lineChart(svg('svg-land-kappa'), []);
    $('ro-land').textContent = readSettings().bifurcation === 'hopf' ? 'not computed for the Hopf task: its laws are those of a real eigenvalue crossing +1' : 'computed every few steps and at each bifurcation';
    delete panel.dataset['step'];
    return;
  }
  const vl = s.alphaC !== null ? [{ x: s.alphaC, color: '#d62728', label: 'α_c' }] : [];
  lineChart(
    svg('svg-land-loss'),
    [
      { x: s.alphas, y: s.loss, color: '#1f77b4', label: 'L(θ+αu)' },
      { x: s.alphas, y: s.lossPrediction, color: '#d62728', dash: '4 2', label: 'L_c+c√(α−α_c)' },
    ],
    { vlines: vl, xLabel: 'α' },
  );
  lineChart(
    svg('svg-land-kappa'),
    [
      { x: s.alphas, y: s.kappa, color: '#2ca02c', label: 'κ(α)' },
      { x: s.alphas, y: s.kappaPrediction, color: '#d62728', dash: '4 2', label: 'A/(1−λc)²' },
    ],
    { logY: true, vlines: vl, xLabel: 'α' },
  );
  panel.dataset['step'] = String(s.step);
  panel.dataset['exponent'] = s.fittedExponent === null ? '' : String(s.fittedExponent);
  panel.dataset['alphaC'] = s.alphaC === null ? '' : String(s.alphaC);
  $('ro-land').textContent =
    `step ${s.step}: ${s.alphaC === null ? 'no eigenvalue crossing in range' : `λ_c crosses +1 at α_c = ${s.alphaC.toFixed(3)}`}; ` +
    `restricted kernel vs σ(α) = 1 − λ_c(α): ${exponentText(s.fittedExponent, s.alphaC)}`;
}

function showAnalysis(a: ModelAnalysis): void {
  const panel = $('panel-model');
  panel.hidden = false;
  panel.dataset['cell'] = a.cell;
  panel.dataset['count'] = String(a.fixedPoints.length);
  panel.dataset['pr'] = a.pr === null ? '' : String(a.pr);
  drawFixed(svg('svg-model'), a.fixedPoints, panel, $('ro-model'));
  $('ro-model').textContent =
    `${a.source}: ${a.cell} (${a.activation}), N=${a.hiddenSize}, D=${a.inputSize}, O=${a.outputSize}, ${a.params} parameters\n` +
    `${a.fixedPoints.length} fixed point(s) at zero input: ${a.fixedPoints.map((f) => `${f.stability} |λ|max=${Math.hypot(...(f.eigenvalues[0] ?? [0, 0])).toFixed(4)}`).join('; ')}\n` +
    (a.pr === null ? 'sNTK: too large to analyse in the page' : `sNTK on ${a.B}×${a.T} seeded pulses: PR ${a.pr.toFixed(3)}, top eigenvalue ${a.topEigenvalue!.toPrecision(4)}`);
}

// ---- export ----
function requestExport(): Promise<RunExport> {
  const id = ++exportId;
  return new Promise((resolve) => {
    pendingExports.set(id, resolve);
    send({ kind: 'export', id });
  });
}

async function downloadExport(): Promise<void> {
  const run = await requestExport();
  const blob = new Blob([JSON.stringify(run, null, 1)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `sntk-explorer-seed${run.settings.seed}-${run.metrics.length}steps.json`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

// ---- wiring ----
const presetSel = $('presetname') as HTMLSelectElement;
for (const [key, p] of Object.entries(PRESETS)) presetSel.add(new Option(p.label, key));
$('preset').addEventListener('click', () => {
  writeSettings(PRESETS[presetSel.value]?.settings ?? PITCHFORK_PRESET);
  reset();
  send({ kind: 'run' });
});
$('run').addEventListener('click', () => {
  if (done) reset();
  send({ kind: 'run' });
});
$('pause').addEventListener('click', () => send({ kind: 'pause' }));
$('step').addEventListener('click', () => send({ kind: 'step' }));
$('reset').addEventListener('click', reset);
$('export').addEventListener('click', () => void downloadExport());
for (const id of ['hidden', 'outlier', 'lr', 'optimizer', 'seed', 'steps', 'T', 'B', 'bias']) $(id).addEventListener('change', reset);
($('modelfile') as HTMLInputElement).addEventListener('change', async (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (!f) return;
  try {
    send({ kind: 'analyze', text: await f.text(), name: f.name });
  } catch (err) {
    showError(`could not read ${f.name}: ${String(err)}`);
  }
});

/** Test hook: the run's export document, straight from the worker. */
(window as unknown as { sntkExplorer: { exportRun: () => Promise<RunExport> } }).sntkExplorer = { exportRun: requestExport };

writeSettings(PITCHFORK_PRESET);
reset();
// `?demo` starts the pitchfork preset on load (for sharing a link and for smoke tests).
if (new URLSearchParams(location.search).has('demo')) {
  send({ kind: 'run' });
}
