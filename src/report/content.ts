/**
 * Report content: what goes into a report page (title, config, tables, plot specs, notes),
 * assembled from a run folder or an analysis. Sections whose data are absent are skipped; a
 * section whose data cannot be drawn is skipped with a note saying why.
 */
import { SntkError } from '../errors.js';
import type { Analysis } from './analysis.js';
import { signedNorm } from './analysis.js';
import { bifurcationDiagramSpec, eigenPlaneSpec, eigenSeriesSpec, heatmapSpec, restrictedScanSpec, spectrumSpec, trainingCurvesSpec } from './plots/index.js';
import { eventKind, fmt } from './plots/common.js';
import type { PlotSpec } from './render.js';
import type { EigenvaluesLine, FixedPointRecord, RunData } from './run-folder.js';
import type { Branch, EigenCheckpoint } from './types.js';

/** One plot of a report. */
export interface PlotItem {
  /** File-name-safe id (the PNG is `<id>.png`). */
  id: string;
  /** Heading above the plot. */
  title: string;
  /** The vega-lite spec. */
  spec: PlotSpec;
  /** Optional caption under the plot. */
  caption?: string;
}

/** A table of a report. */
export interface Table {
  /** Anchor id. */
  id: string;
  /** Heading. */
  title: string;
  /** Column names. */
  columns: string[];
  /** Rows (cells rendered as text; objects as compact JSON). */
  rows: unknown[][];
}

/** Everything a report page shows. */
export interface ReportContent {
  /** Page title. */
  title: string;
  /** Where the data came from (folder or file). */
  source: string;
  /** Pretty-printed config section (null: none). */
  config: unknown | null;
  /** Tables in order (summary first, then events, then others). */
  tables: Table[];
  /** Plots in order. */
  plots: PlotItem[];
  /** Notes: skipped sections and why. */
  notes: string[];
}

/** Adds a plot, or a note when building its spec fails with an sntk error (other errors propagate). */
function tryPlot(plots: PlotItem[], notes: string[], id: string, heading: string, make: () => PlotSpec, caption?: string): void {
  try {
    const item: PlotItem = { id, title: heading, spec: make() };
    if (caption) item.caption = caption;
    plots.push(item);
  } catch (err) {
    if (err instanceof SntkError) notes.push(`${heading}: not drawn (${err.message})`);
    else throw err;
  }
}

/** Key/value table of scalar fields (long arrays summarised). */
export function kvTable(id: string, heading: string, entries: [string, unknown][]): Table {
  return { id, title: heading, columns: ['quantity', 'value'], rows: entries.map(([k, v]) => [k, v]) };
}

/** The events table: type and step first, then every other field that occurs. */
export function eventsTable(events: Record<string, unknown>[], first: string[] = ['type', 'step']): Table {
  const cols = [...first];
  for (const e of events) for (const k of Object.keys(e)) if (!cols.includes(k)) cols.push(k);
  return { id: 'events', title: `Events (${events.length})`, columns: cols, rows: events.map((e) => cols.map((c) => e[c])) };
}

function nearestLine(lines: EigenvaluesLine[], step: number): EigenvaluesLine {
  let best = lines[0]!;
  for (const l of lines) if (Math.abs(l.step - step) < Math.abs(best.step - step)) best = l;
  return best;
}

function fpValue(f: FixedPointRecord): number | null {
  if (f.value !== undefined) return f.value;
  if (f.point) return f.point.length === 1 ? f.point[0]! : signedNorm(f.point);
  if (f.norm !== undefined) return f.norm;
  return null;
}

/**
 * Tracks fixed points across checkpoints into branches: at each step, (branch, point) pairs are
 * matched greedily by increasing distance between the branch's last value and the point's value
 * (globally, so the nearest pairs win); unmatched points start new branches. Cost O(S·F²·log F).
 */
export function trackBranches(steps: { step: number; points: { value: number; stable: boolean }[] }[]): Branch[] {
  const branches: { last: number; points: { s: number; value: number; stable: boolean }[] }[] = [];
  for (const st of steps) {
    const pairs: { b: number; p: number; d: number }[] = [];
    branches.forEach((b, bi) => st.points.forEach((p, pi) => pairs.push({ b: bi, p: pi, d: Math.abs(b.last - p.value) })));
    pairs.sort((x, y) => x.d - y.d);
    const usedB = new Set<number>();
    const assign = new Map<number, number>();
    for (const q of pairs) {
      if (usedB.has(q.b) || assign.has(q.p)) continue;
      usedB.add(q.b);
      assign.set(q.p, q.b);
    }
    st.points.forEach((p, pi) => {
      let bi = assign.get(pi);
      if (bi === undefined) {
        branches.push({ last: p.value, points: [] });
        bi = branches.length - 1;
      }
      const b = branches[bi]!;
      b.points.push({ s: st.step, value: p.value, stable: p.stable });
      b.last = p.value;
    });
  }
  return branches.map((b, i) => ({ name: `fixed point ${i + 1}`, points: b.points }));
}

function fixedPointCount(r: { fixedPoints?: number | FixedPointRecord[] | null }): number | null {
  if (typeof r.fixedPoints === 'number') return r.fixedPoints;
  if (Array.isArray(r.fixedPoints)) return r.fixedPoints.length;
  return null;
}

/** Summary rows derived from the metrics and events of a run (plus summary.json's entries). */
function runSummary(run: RunData): [string, unknown][] {
  const m = run.metrics;
  const out: [string, unknown][] = [];
  out.push(['monitored steps', `${m.length} (steps ${m[0]!.step}–${m[m.length - 1]!.step})`]);
  const losses = m.filter((r) => typeof r.loss === 'number');
  const hasFinal = typeof run.summary?.['finalLoss'] === 'number';
  if (losses.length) {
    out.push(['initial loss', losses[0]!.loss]);
    // summary.json's finalLoss (after the last update) is the final loss; the last monitored
    // loss is the loss before that update, named as such so the two are not confused
    if (!hasFinal) out.push(['final loss', losses[losses.length - 1]!.loss]);
  }
  const prs = m.filter((r) => typeof r.pr === 'number');
  if (prs.length) {
    const min = prs.reduce((a, b) => (b.pr! < a.pr! ? b : a));
    out.push(['initial PR', prs[0]!.pr]);
    out.push(['minimum PR (step)', `${fmt(min.pr)} (step ${min.step})`]);
    out.push(['PR fall', `${fmt(prs[0]!.pr! / min.pr!)}×`]);
  }
  const fc = m.map(fixedPointCount).filter((x): x is number => x !== null);
  if (fc.length) out.push(['fixed points (first → last)', `${fc[0]} → ${fc[fc.length - 1]}`]);
  const firstBif = run.events.find((e) => eventKind(e.type) === 'bifurcation');
  if (firstBif) out.push(['first bifurcation', `${firstBif.type} at step ${firstBif.step}`]);
  out.push(['events', run.events.length]);
  if (run.summary) for (const [k, v] of Object.entries(run.summary)) out.push(summaryEntry(k, v));
  return out;
}

/**
 * A summary.json entry as a table row: readable names for the known fields, and a negative
 * `maxLossJump` explained (the loss never rose; the value is then the smallest decrease).
 */
export function summaryEntry(key: string, value: unknown): [string, unknown] {
  if (key === 'maxLossJump' && typeof value === 'number') {
    return ['max loss jump', value < 0 ? `${fmt(value)} (negative: the loss never rose between steps)` : value];
  }
  const names: Record<string, string> = {
    finalLoss: 'final loss (after the last step)',
    initialLoss: 'initial loss (summary)',
    lossIncreases: 'loss increases > 10 %',
    stepsToTarget: 'steps to 0.1·L₀',
    secondsPerStep: 'seconds per step (median, optimizer only)',
    meanSecondsPerStep: 'seconds per step (mean, with the monitor)',
  };
  return [names[key] ?? key, value];
}

/** Builds the content of a run-folder report (see the module comment). Cost: linear in the data. */
export function runContent(run: RunData, title?: string): ReportContent {
  const plots: PlotItem[] = [];
  const notes: string[] = [];
  const m = run.metrics;
  tryPlot(plots, notes, 'training', 'Training curves', () => trainingCurvesSpec({ points: m, events: run.events }));

  // sNTK spectra from eigenvalues.jsonl: at the PR minimum and at the end.
  const spec = run.eigenvalues?.filter((l) => l.sntk && l.sntk.length) ?? [];
  if (spec.length) {
    const prs = m.filter((r) => typeof r.pr === 'number');
    const chosen: { line: EigenvaluesLine; why: string }[] = [];
    if (prs.length) {
      const min = prs.reduce((a, b) => (b.pr! < a.pr! ? b : a));
      chosen.push({ line: nearestLine(spec, min.step), why: 'at the PR minimum' });
    }
    const last = spec[spec.length - 1]!;
    if (!chosen.some((c) => c.line === last)) chosen.push({ line: last, why: 'final' });
    for (const c of chosen) {
      const pr = c.line.pr ?? m.find((r) => r.step === c.line.step)?.pr ?? null;
      tryPlot(plots, notes, `spectrum-step-${c.line.step}`, `sNTK spectrum, step ${c.line.step} (${c.why})`, () =>
        spectrumSpec({ eigenvalues: c.line.sntk!, pr, full: c.line.full ?? false, title: `sNTK spectrum at step ${c.line.step} (${c.why})` }),
      );
    }
  }

  // Fixed-point eigenvalues over training.
  const time = run.eigenvalues?.find((l) => l.time)?.time ?? run.time;
  let checkpoints: EigenCheckpoint[] = [];
  const jacLines = run.eigenvalues?.filter((l) => l.jacobian && l.jacobian.some((j) => j.length)) ?? [];
  if (jacLines.length) {
    checkpoints = jacLines.map((l) => {
      const groups: string[] = [];
      l.jacobian!.forEach((j, k) => j.forEach(() => groups.push(`fp ${k + 1}${l.stable ? (l.stable[k] ? ' (stable)' : ' (unstable)') : ''}`)));
      return { step: l.step, eigenvalues: l.jacobian!.flat(), groups };
    });
  } else {
    for (const r of m) {
      if (!Array.isArray(r.fixedPoints)) continue;
      const fps = r.fixedPoints.filter((f) => f.eigenvalues && f.eigenvalues.length);
      if (!fps.length) continue;
      const groups: string[] = [];
      fps.forEach((f, k) => f.eigenvalues!.forEach(() => groups.push(`fp ${k + 1}${f.stable === undefined ? '' : f.stable ? ' (stable)' : ' (unstable)'}`)));
      checkpoints.push({ step: r.step, eigenvalues: fps.flatMap((f) => f.eigenvalues!), groups });
    }
  }
  if (checkpoints.length) {
    tryPlot(plots, notes, 'eigenvalues-over-training', 'Fixed-point Jacobian eigenvalues over training', () => eigenSeriesSpec({ checkpoints, time }));
  } else {
    const crit = m.filter((r) => r.criticalEigenvalue);
    if (crit.length) {
      tryPlot(plots, notes, 'critical-eigenvalue', 'Critical eigenvalue over training', () =>
        eigenPlaneSpec({
          eigenvalues: crit.map((r) => r.criticalEigenvalue!),
          time,
          title: `Critical eigenvalue at ${crit.length} monitored steps (steps ${crit[0]!.step}–${crit[crit.length - 1]!.step})`,
        }),
      );
    }
  }

  // Fixed points over training as a bifurcation diagram (step as the path parameter).
  const fpSteps = m
    .filter((r) => Array.isArray(r.fixedPoints) && r.fixedPoints.length)
    .map((r) => ({
      step: r.step,
      points: (r.fixedPoints as FixedPointRecord[])
        .map((f) => ({ value: fpValue(f), stable: f.stable ?? true }))
        .filter((p): p is { value: number; stable: boolean } => p.value !== null),
    }))
    .filter((s) => s.points.length);
  if (fpSteps.length) {
    const branches = trackBranches(fpSteps);
    const evs = run.events
      .filter((e) => eventKind(e.type) === 'bifurcation')
      .map((e) => {
        let best = fpSteps[0]!;
        for (const s of fpSteps) if (Math.abs(s.step - e.step) < Math.abs(best.step - e.step)) best = s;
        const pts = [...best.points].sort((a, b) => Math.abs(a.value) - Math.abs(b.value));
        return { s: e.step, value: pts[0]!.value, type: e.type };
      });
    tryPlot(plots, notes, 'fixed-points-over-training', 'Fixed points over training', () =>
      bifurcationDiagramSpec({ branches, events: evs, parameterLabel: 'training step', valueLabel: 'h* (signed norm)', title: 'Fixed points at zero input over training' }),
    );
  }

  const tables: Table[] = [kvTable('summary', 'Summary', runSummary(run)), eventsTable(run.events)];
  return { title: title ?? `sntk run report: ${run.folder}`, source: run.folder, config: run.config, tables, plots, notes };
}

/** Builds the content of an analysis report (see `analysis.ts` for the shapes). Cost: linear in the data. */
export function analysisContent(a: Analysis, source: string, title?: string): ReportContent {
  const plots: PlotItem[] = [];
  const notes: string[] = [];
  const tables: Table[] = [kvTable('summary', 'Summary', Object.entries(a.fields))];
  switch (a.kind) {
    case 'kernel':
      tryPlot(plots, notes, 'spectrum', 'sNTK spectrum', () => spectrumSpec({ eigenvalues: a.eigenvalues, pr: a.pr, full: a.full }));
      if (a.matrix) tryPlot(plots, notes, 'kernel-heatmap', 'Kernel heatmap', () => heatmapSpec({ matrix: a.matrix!, title: 'sNTK heatmap' }));
      break;
    case 'fixed-points': {
      const ev = a.fixedPoints.flatMap((f, k) => (f.eigenvalues ?? []).map(() => `fp ${k + 1}${f.stable === undefined ? '' : f.stable ? ' (stable)' : ' (unstable)'}`));
      tryPlot(plots, notes, 'eigenvalues', 'Fixed-point Jacobian eigenvalues', () =>
        eigenPlaneSpec({ eigenvalues: a.fixedPoints.flatMap((f) => f.eigenvalues ?? []), groups: ev, time: a.time }),
      );
      tables.push({
        id: 'fixed-points',
        title: `Fixed points (${a.fixedPoints.length})`,
        columns: ['#', 'stable', 'residual', '‖h*‖', 'eigenvalues (largest |λ| first)'],
        rows: a.fixedPoints.map((f, k) => [
          k + 1,
          f.stable,
          f.residual,
          f.point ? Math.hypot(...f.point) : f.norm,
          (f.eigenvalues ?? [])
            .slice()
            .sort((x, y) => Math.hypot(y.re, y.im) - Math.hypot(x.re, x.im))
            .slice(0, 4)
            .map((z) => `${fmt(z.re)}${z.im ? (z.im < 0 ? ' − ' : ' + ') + fmt(Math.abs(z.im)) + 'i' : ''}`)
            .join(', ') + ((f.eigenvalues?.length ?? 0) > 4 ? ', …' : ''),
        ]),
      });
      break;
    }
    case 'continuation': {
      tryPlot(plots, notes, 'bifurcation-diagram', 'Bifurcation diagram', () =>
        bifurcationDiagramSpec({
          branches: a.branches,
          events: a.events.filter((e) => e.value !== null).map((e) => ({ s: e.s, value: e.value!, type: e.type })),
          ...(a.parameterLabel ? { parameterLabel: a.parameterLabel } : {}),
          ...(a.valueLabel ? { valueLabel: a.valueLabel } : {}),
        }),
      );
      const cps = a.branches.flatMap((b) => b.points.filter((p) => p.eigenvalues && p.eigenvalues.length).map((p) => ({ step: p.s, eigenvalues: p.eigenvalues! })));
      if (cps.length) {
        tryPlot(plots, notes, 'eigenvalues-along-branch', 'Eigenvalues along the branch', () =>
          eigenSeriesSpec({ checkpoints: cps, time: a.time, stepLabel: 's', title: 'Jacobian eigenvalues along the branch' }),
        );
      }
      // eigenvectors (right/left) are long: leave them to the JSON file
      tables.push(eventsTable(a.events.map(({ right: _r, left: _l, ...rest }) => rest), ['type', 's']));
      notes.push(...a.branchErrors.map((e) => `continuation ${e}`));
      break;
    }
    case 'channel':
      if (a.criticalEigenvalue) {
        tryPlot(plots, notes, 'critical-eigenvalue', 'Critical eigenvalue', () => eigenPlaneSpec({ eigenvalues: [a.criticalEigenvalue!], time: a.time, title: 'Critical eigenvalue' }));
      }
      break;
    case 'scan':
      tryPlot(plots, notes, 'restricted-scan', 'Restricted kernel and loss along the dominant direction', () =>
        restrictedScanSpec({
          alpha: a.alpha,
          kappa: a.kappa,
          ...(a.loss ? { loss: a.loss } : {}),
          alphaC: a.alphaC,
          ...(a.prediction ? { prediction: a.prediction } : {}),
        }),
      );
      break;
  }
  return { title: title ?? `sntk ${a.kind} report`, source, config: null, tables, plots, notes };
}
