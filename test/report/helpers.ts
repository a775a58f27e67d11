/** Test helpers of the report tests: an XML well-formedness check, mark counting, a synthetic run folder. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Checks that `s` is well-formed XML (balanced, properly nested tags; quoted attributes). Returns the root tag name. */
export function checkXml(s: string): string {
  const body = s.replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const stack: string[] = [];
  let root = '';
  const re = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    const between = body.slice(last, m.index);
    if (between.includes('<')) throw new Error(`malformed markup near: ${between.slice(between.indexOf('<'), between.indexOf('<') + 60)}`);
    last = re.lastIndex;
    const [, close, name, , selfClose] = m;
    if (!root) root = name!;
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else if (!selfClose) stack.push(name!);
  }
  if (body.slice(last).includes('<')) throw new Error('malformed markup at the end');
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  return root;
}

/** Number of drawn items (`<path`, `<line`, `<text`, ...) inside vega mark groups of the given mark type (e.g. "symbol", "rect", "rule"). */
export function countMarks(svg: string, mark: string): number {
  let n = 0;
  const re = new RegExp(`<g class="mark-${mark} role-mark[^"]*"[^>]*>([\\s\\S]*?)</g>`, 'g');
  let m: RegExpExecArray | null;
  while ((m = re.exec(svg))) n += (m[1]!.match(/<(path|line|text|rect|circle)\b/g) ?? []).length;
  return n;
}

/** Writes a small synthetic run folder (pitchfork-like: PR dip, 1 → 3 fixed points); returns its path. */
export function makeRunFolder(opts: { steps?: number; omit?: string[] } = {}): string {
  const run = mkdtempSync(join(tmpdir(), 'sntk-run-'));
  const T = opts.steps ?? 30;
  const cross = 15;
  const files: Record<string, string> = {};
  files['config.json'] = JSON.stringify({ task: 'pitchfork', optimizer: 'sgd', learningRate: 0.1, seed: 1, model: { N: 16 } });
  const lines: string[] = [];
  const eig: string[] = [];
  for (let s = 0; s < T; s++) {
    const lam = 0.4 + (0.9 * s) / T;
    const fps =
      lam < 1
        ? [{ point: [0, 0], eigenvalues: [{ re: lam, im: 0 }, { re: 0.2, im: 0.3 }, { re: 0.2, im: -0.3 }], stability: 'stable' }]
        : [
            { point: [0, 0], eigenvalues: [{ re: lam, im: 0 }, { re: 0.2, im: 0 }], stability: 'unstable' },
            { point: [Math.sqrt(lam - 1), 0.1], eigenvalues: [{ re: 2 - lam, im: 0 }, { re: 0.2, im: 0 }], stability: 'stable' },
            { point: [-Math.sqrt(lam - 1), -0.1], eigenvalues: [{ re: 2 - lam, im: 0 }, { re: 0.2, im: 0 }], stability: 'stable' },
          ];
    const pr = 27 - 22 * Math.exp(-((s - cross) ** 2) / 4);
    lines.push(
      JSON.stringify({
        step: s,
        loss: 0.5 * Math.exp(-s / 10) + (s === cross + 1 ? 0.2 : 0),
        gradNorm: 1 + s / 10,
        trace: 10 + s,
        pr,
        prOutput: s === 3 ? null : 2.3 - s / 30,
        topEigenvalue: 2 + 30 * Math.exp(-((s - cross) ** 2) / 4),
        topShare: 0.1 + 0.5 * Math.exp(-((s - cross) ** 2) / 4),
        sigma: Math.abs(1 - lam) + 1e-3,
        criticalEigenvalue: { re: lam, im: 0 },
        fixedPoints: fps,
      }),
    );
    if (s % 5 === 0) {
      eig.push(JSON.stringify({ step: s, sntk: Array.from({ length: 40 }, (_, k) => 30 * Math.exp(-k / (s === cross ? 1 : 6))), full: true }));
    }
  }
  files['metrics.jsonl'] = lines.join('\n') + '\n';
  files['eigenvalues.jsonl'] = eig.join('\n') + '\n';
  files['events.json'] = JSON.stringify([
    { type: 'rank-collapse', step: cross - 1, prBefore: 27, prAfter: 5 },
    { type: 'pitchfork', step: cross, s: 0.4, criticality: 'supercritical', fixedPointsBefore: 1, fixedPointsAfter: 3 },
    { type: 'loss-spike', step: cross + 1, jump: 0.2 },
  ]);
  files['summary.json'] = JSON.stringify({ firstBifurcationStep: cross, bifurcationType: 'pitchfork', finalLoss: 0.05 });
  for (const [name, text] of Object.entries(files)) if (!opts.omit?.includes(name)) writeFileSync(join(run, name), text);
  return run;
}

/** A fresh temporary folder. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sntk-report-out-'));
}

/** Scans HTML for references to anything outside the file; returns the offending snippets. */
export function externalRefs(html: string): string[] {
  const bad: string[] = [];
  const pats = [
    /(?:src|href)\s*=\s*["']?\s*(?:https?:|\/\/)[^"'\s>]*/gi,
    /(?:src|href)\s*=\s*["']?\s*(?!#|data:)[^"'\s>]+\.(?:js|css|png|svg|jpg|gif|woff2?)\b/gi,
    /<script\b[^>]*\bsrc\b/gi,
    /<script\b/gi,
    /<link\b/gi,
    /<iframe\b/gi,
    /@import/gi,
    /url\(\s*["']?\s*(?:https?:|\/\/)/gi,
  ];
  for (const p of pats) for (const m of html.match(p) ?? []) bad.push(m);
  return bad;
}
