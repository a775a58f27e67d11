#!/usr/bin/env node
/**
 * End-to-end test of the browser explorer, with playwright-core and Debian's chromium.
 *
 *   node scripts/web-e2e.mjs [--no-build] [--out DIR] [--timeout-s 600]
 *
 * Builds web/ (vite build --config web/vite.config.ts), serves web/dist from a local static server
 * on 127.0.0.1, blocks every request that is not to that server (the page must work offline),
 * clicks the pitchfork preset and checks:
 *   1. a bifurcation marker appears (its step and type are read from data attributes);
 *   2. the PR panel shows a fall: PR_initial / PR_min ≥ 4 with the minimum within
 *      max(2, monitorEvery) steps of the marker (docs/theory.md §11: 6–9×, one step before
 *      the crossing; the page observes the sNTK every `monitorEvery` steps);
 *   3. the UI thread is never blocked > 100 ms while training: the page's own handlers (timed in
 *      main.ts), PerformanceObserver 'longtask' and a requestAnimationFrame gap monitor (the last
 *      two are WARN instead of FAIL when the machine's load average exceeds its CPU count);
 *   4. the exported run (download) replays in Node (web/tools/replay.ts) to the same numbers:
 *      the engine in Node and the library's trainRun + createMonitor (what `sntk train`/`sntk demo`
 *      run) give the loss, norms, PR, output PR, top eigenvalue, trace, σ, alignment within 1e-12;
 *   5. a malformed model file shows an error message in the page (not a blank screen), and a
 *      valid one shows the model panel.
 *   6. speed: training steps per second from the preset click to the pause (wall clock, what a
 *      user sees) and the worker's own steps per second (Σ of the exported per-step seconds), with
 *      the monitored and unmonitored steps' mean seconds; printed as `steps/s …`, checked ≥ 10
 *      (WARN instead of FAIL when the machine is oversubscribed, as for the frame checks).
 * Saves explorer.png (after the marker), run.json and report.json to the out folder (default
 * web/e2e-out). Skips, exit 0 with a visible SKIP line, when chromium or playwright-core is missing.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const outDir = resolve(opt('--out', join(repo, 'web', 'e2e-out')));
const timeoutMs = Number(opt('--timeout-s', '600')) * 1000;
const CHROMIUM = '/usr/bin/chromium';

function skip(why) {
  console.log(`SKIP web-e2e: ${why}`);
  process.exit(0);
}
if (!existsSync(CHROMIUM)) skip(`${CHROMIUM} is missing (apt-get install -y chromium)`);
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  skip('playwright-core is not installed (npm i -D -E playwright-core@1.65.1)');
}

const failures = [];
const check = (ok, msg) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${msg}`);
  if (!ok) failures.push(msg);
};

// ---- build ----
const dist = join(repo, 'web', 'dist');
if (!args.includes('--no-build') || !existsSync(join(dist, 'index.html'))) {
  const { build } = await import('vite');
  await build({ configFile: join(repo, 'web', 'vite.config.ts'), logLevel: 'warn' });
}
if (!existsSync(join(dist, 'index.html'))) {
  console.error('web/dist/index.html was not built');
  process.exit(1);
}

// ---- static server on 127.0.0.1 ----
const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png' };
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '') || 'index.html';
  const file = join(dist, rel);
  if (!file.startsWith(dist) || !existsSync(file)) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

// ---- browser ----
mkdirSync(outDir, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), 'sntk-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  acceptDownloads: true,
  viewport: { width: 1400, height: 1000 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const blocked = [];
await context.route('**/*', (route) => {
  const u = route.request().url();
  if (u.startsWith(origin) || u.startsWith('blob:') || u.startsWith('data:')) return route.continue();
  blocked.push(u);
  return route.abort();
});
const page = context.pages()[0] ?? (await context.newPage());
const consoleErrors = [];
page.on('console', (m) => {
  if (m.type() === 'error') consoleErrors.push(m.text());
});
page.on('pageerror', (e) => consoleErrors.push(String(e)));
await page.addInitScript(() => {
  const w = window;
  w.__jank = { longTasks: [], maxGap: 0, gaps: 0, armed: false };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (w.__jank.armed) w.__jank.longTasks.push(Math.round(e.duration));
    }).observe({ type: 'longtask', buffered: false });
  } catch {
    w.__jank.noLongTaskApi = true;
  }
  let last = 0;
  const tick = (t) => {
    if (w.__jank.armed && last) {
      const g = t - last;
      w.__jank.maxGap = Math.max(w.__jank.maxGap, g);
      if (g > 100) w.__jank.gaps++;
    }
    last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
});

const report = {};
try {
  await page.goto(`${origin}/index.html`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  await page.evaluate(() => (window.__jank.armed = true));
  const t0 = Date.now();
  await page.click('[data-testid="btn-preset"]');

  // 1. the bifurcation marker
  const marker = page.locator('[data-testid="bifurcation-marker"]');
  await marker.waitFor({ state: 'visible', timeout: timeoutMs });
  const mStep = Number(await marker.getAttribute('data-step'));
  const mType = await marker.getAttribute('data-type');
  report.marker = { step: mStep, type: mType, source: await marker.getAttribute('data-source'), text: await marker.textContent(), seconds: (Date.now() - t0) / 1000 };
  check(Number.isInteger(mStep) && mStep > 0 && !!mType, `bifurcation marker at step ${mStep}: ${mType} (after ${report.marker.seconds.toFixed(0)} s)`);

  // Let the landscape of the marker step arrive, then pause.
  const land = page.locator('[data-testid="panel-landscape"]');
  await page.waitForFunction((s) => Number(document.querySelector('[data-testid="panel-landscape"]')?.getAttribute('data-step')) >= s - 1, mStep, { timeout: 60_000 });
  await page.waitForFunction((s) => Number(document.querySelector('[data-testid="status"]')?.getAttribute('data-step')) >= s + 3, mStep, { timeout: 60_000 });
  const jank = await page.evaluate(() => ({ ...window.__jank, own: { ...window.sntkPerf } }));
  const stepsAtPause = Number(await page.locator('[data-testid="status"]').getAttribute('data-step'));
  const wallSeconds = (Date.now() - t0) / 1000;
  await page.click('[data-testid="btn-pause"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.getAttribute('data-running') === 'false', null, { timeout: 60_000 });

  // 2. the PR fall
  const pr = page.locator('[data-testid="panel-pr"]');
  const prInitial = Number(await pr.getAttribute('data-pr-initial'));
  const prMin = Number(await pr.getAttribute('data-pr-min'));
  const prMinStep = Number(await pr.getAttribute('data-pr-min-step'));
  report.pr = { initial: prInitial, min: prMin, minStep: prMinStep, fall: prInitial / prMin };
  check(prInitial / prMin >= 4, `PR falls ${prInitial.toFixed(2)} → ${prMin.toFixed(2)} (×${(prInitial / prMin).toFixed(1)} ≥ 4)`);
  const prSteps = ((await pr.getAttribute('data-pr-steps')) ?? '').split(',').filter(Boolean).map(Number);
  const cadence = prSteps.length > 1 ? Math.min(...prSteps.slice(1).map((x, i) => x - prSteps[i])) : 1;
  const near = Math.max(2, cadence);
  check(Math.abs(prMinStep - mStep) <= near, `PR minimum at step ${prMinStep}, within ${near} steps of the marker (${mStep}; sNTK observed every ${cadence} steps)`);
  report.landscape = { step: Number(await land.getAttribute('data-step')), exponent: await land.getAttribute('data-exponent'), alphaC: await land.getAttribute('data-alpha-c') };

  // 3. responsiveness
  const steps = Number(await page.locator('[data-testid="status"]').getAttribute('data-step'));
  const maxLong = jank.longTasks.length ? Math.max(...jank.longTasks) : 0;
  const { loadavg } = await import('node:os');
  report.responsiveness = { stepsObserved: steps, longTasks: jank.longTasks, maxLongTaskMs: maxLong, maxFrameGapMs: jank.maxGap, framesOver100ms: jank.gaps, longTaskApi: !jank.noLongTaskApi, ownHandlers: jank.own.handlers, ownMaxHandlerMs: jank.own.maxHandlerMs, loadavg: loadavg() };
  check(jank.own.maxHandlerMs <= 100, `the page's own main-thread work per task ≤ 100 ms (${jank.own.handlers} handlers, max ${jank.own.maxHandlerMs.toFixed(1)} ms)`);
  check(!jank.noLongTaskApi, 'PerformanceObserver longtask is available');
  // The browser-wide checks: strict unless the machine is oversubscribed by other processes
  // (1-minute load average above the CPU count), where the OS can deschedule the renderer's main
  // thread whatever the page does; then they are reported as WARN with the numbers (the page's own
  // work is still checked strictly above).
  const { cpus } = await import('node:os');
  const busy = loadavg()[0] > cpus().length;
  const soft = (ok, msg) => (ok || !busy ? check(ok, msg) : console.log(`WARN ${msg} — load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs, not counted`));
  soft(maxLong <= 100, `no main-thread task over 100 ms while training (${jank.longTasks.length} long tasks > 50 ms, max ${maxLong.toFixed(0)} ms)`);
  soft(jank.maxGap <= 100, `largest requestAnimationFrame gap ${jank.maxGap.toFixed(0)} ms ≤ 100 ms`);

  await page.screenshot({ path: join(outDir, 'explorer.png'), fullPage: true });

  // 4. export and replay in Node
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('[data-testid="btn-export"]')]);
  const runPath = join(outDir, 'run.json');
  await dl.saveAs(runPath);
  const run = JSON.parse(readFileSync(runPath, 'utf8'));
  // 6. speed
  {
    const ms = run.metrics;
    const mean = (a) => (a.length ? a.reduce((p, q) => p + q, 0) / a.length : NaN);
    const mon = ms.filter((m) => m.monitored !== false).map((m) => m.seconds);
    const unmon = ms.filter((m) => m.monitored === false).map((m) => m.seconds);
    const workerSeconds = ms.reduce((p, m) => p + m.seconds, 0);
    report.speed = {
      wallStepsPerSecond: stepsAtPause / wallSeconds,
      stepsAtPause,
      wallSeconds,
      workerStepsPerSecond: ms.length / workerSeconds,
      monitorEvery: run.settings.monitorEvery ?? 1,
      monitoredSteps: mon.length,
      meanMonitoredSeconds: mean(mon),
      meanUnmonitoredSeconds: mean(unmon),
      loadavg: loadavg(),
    };
    const sp = report.speed;
    console.log(`steps/s ${sp.wallStepsPerSecond.toFixed(2)} (wall clock, ${stepsAtPause} steps in ${wallSeconds.toFixed(1)} s from the preset click); worker ${sp.workerStepsPerSecond.toFixed(2)} steps/s; monitor every ${sp.monitorEvery} steps${run.settings.optimizer === 'adaptive' ? '' : ' (observed in the monitor worker)'}: monitored step ${(1000 * sp.meanMonitoredSeconds).toFixed(1)} ms, other steps ${(1000 * sp.meanUnmonitoredSeconds).toFixed(1)} ms (mean); load ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`);
    soft(sp.wallStepsPerSecond >= 10, `≥ 10 training steps per second in the page (${sp.wallStepsPerSecond.toFixed(2)})`);
  }
  check(run.format === 'sntk-explorer-run/1' && run.metrics.length === steps && run.config.task.hiddenSize === 16, `export: ${run.metrics.length} metric rows, config N=${run.config.task.hiddenSize}, T=${run.config.task.T}, B=${run.config.task.B}, lr=${run.config.optimizer.learningRate}`);
  const rep = spawnSync('npx', ['tsx', join(repo, 'web', 'tools', 'replay.ts'), runPath], { cwd: repo, encoding: 'utf8', timeout: 900_000 });
  if (rep.status !== 0) {
    check(false, `replay failed: ${rep.stderr.slice(-2000)}`);
  } else {
    const r = JSON.parse(rep.stdout.trim().split('\n').pop());
    report.replay = r;
    const worst = Math.max(...Object.values(r.maxRelDiff));
    check(worst <= 1e-12, `browser worker = Node engine over ${r.steps} steps (max rel diff ${worst.toExponential(2)}, bitwise equal ${r.bitwiseEqual})`);
    const libWorst = Math.max(...Object.values(r.libraryMaxRelDiff));
    check(libWorst <= 1e-12, `browser metrics = library trainRun + createMonitor (sntk train/demo) metrics (max rel diff ${libWorst.toExponential(2)} over ${Object.keys(r.libraryMaxRelDiff).join(', ')})`);
    check(JSON.stringify(r.markerSteps) === JSON.stringify(r.browserMarkerSteps), `same marker steps (${JSON.stringify(r.markerSteps)})`);
  }

  // 5. model files
  const input = page.locator('[data-testid="input-model-file"]');
  await input.setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "sntk-model/1", "cell": "vanilla", "hiddenSize": 2, ') });
  const err = page.locator('[data-testid="error-message"]');
  await err.waitFor({ state: 'visible', timeout: 30_000 });
  const errText = (await err.textContent()) ?? '';
  report.malformedError = errText;
  check(/broken\.json/.test(errText), `malformed model file → visible error: "${errText.slice(0, 120)}"`);
  check(await page.locator('[data-testid="panel-pr"]').isVisible(), 'the panels are still shown after the error');
  await page.screenshot({ path: join(outDir, 'explorer-error.png') });
  const good = { format: 'sntk-model/1', cell: 'vanilla', activation: 'tanh', hiddenSize: 2, inputSize: 1, outputSize: 1, params: { W: [[1.2, 0], [0, 0.5]], U: [[1], [0]], b: [0, 0], C: [[1, 0]], d: [0] } };
  await input.setInputFiles({ name: 'good.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(good)) });
  const mp = page.locator('[data-testid="model-analysis"]');
  await mp.waitFor({ state: 'visible', timeout: 30_000 });
  const count = Number(await mp.getAttribute('data-count'));
  check(count === 3 && (await err.isHidden()), `valid model file → model panel (${count} fixed points for W = diag(1.2, 0.5): 0 and ±h*)`);

  // 6. the saddle-node task through the preset list: the normal-form control follows, and the marker names a saddle-node
  await page.selectOption('#presetname', 'saddleNode');
  await page.click('[data-testid="btn-preset"]');
  check((await page.locator('[data-testid="select-bifurcation"]').inputValue()) === 'saddle-node', 'saddle-node preset → the normal-form control shows saddle-node');
  await page.waitForFunction(() => document.querySelector('[data-testid="bifurcation-marker"]')?.getAttribute('data-type') === 'saddle-node', null, { timeout: timeoutMs }).catch(() => undefined);
  const snType = await marker.getAttribute('data-type');
  const snStep = Number(await marker.getAttribute('data-step'));
  report.saddleNodeMarker = { step: snStep, type: snType };
  check(snType === 'saddle-node' && snStep > 0, `saddle-node preset → bifurcation marker ${snType} at step ${snStep}`);
  await page.click('[data-testid="btn-pause"]');

  check(blocked.length === 0, `no request left 127.0.0.1 (${blocked.length} blocked${blocked.length ? `: ${blocked.slice(0, 3).join(', ')}` : ''})`);
  check(consoleErrors.length === 0 || consoleErrors.every((e) => /Failed to load resource/.test(e)), `no page errors (${consoleErrors.length}${consoleErrors.length ? `: ${consoleErrors[0]}` : ''})`);
} catch (e) {
  failures.push(String(e?.stack ?? e));
  console.log(`FAIL ${String(e?.message ?? e)}`);
  try {
    await page.screenshot({ path: join(outDir, 'explorer-failure.png'), fullPage: true });
  } catch {
    /* ignore */
  }
} finally {
  report.failures = failures;
  writeFileSync(join(outDir, 'report.json'), JSON.stringify(report, null, 1) + '\n');
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(failures.length ? `web-e2e: ${failures.length} check(s) failed; see ${outDir}` : `web-e2e: all checks passed; screenshot ${join(outDir, 'explorer.png')}`);
process.exit(failures.length ? 1 : 0);
