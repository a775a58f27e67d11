/**
 * The index page of a `sntk demo` folder (`<out>/index.html`): the checks table (PASS / FAIL /
 * not judged / reported, with the values they were judged on), the step cost, and links to every
 * per-run report and per-seed comparison page. Self-contained (inline CSS, relative links only).
 */
import type { DemoChecks } from '../train/demo-checks.js';
import { formatCheckValue, verdictText } from '../train/demo-checks.js';
import { escapeHtml } from './html.js';

/** What the index page shows. */
export interface DemoIndexInput {
  title: string;
  checks: DemoChecks;
  /** Lines under the title (wall time, jobs, step cost). */
  facts: string[];
  /** Per seed: the comparison page and the run reports, as paths relative to the index page. */
  seeds: { seed: number; comparison: string | null; runs: { name: string; report: string | null; folder: string }[] }[];
}

const CSS = `
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
p.facts{color:#555;font-size:13px;margin:2px 0}
table{border-collapse:collapse;font-size:13px;margin:8px 0;width:100%}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.values{font-family:"DejaVu Sans Mono",monospace;font-size:12px;word-break:break-word}
.v-PASS{color:#fff;background:#2e7d32;font-weight:bold}.v-FAIL{color:#fff;background:#c62828;font-weight:bold}
.v-not-judged{color:#555;background:#eee}.v-reported{color:#1a4f8a;background:#e8f0fa}
.summary{font-size:15px;margin:12px 0}
ul.runs{margin:4px 0 12px 0}
`;

/** The HTML of the index page. Cost O(checks + runs). */
export function demoIndexHtml(input: DemoIndexInput): string {
  const c = input.checks;
  const rows = c.checks
    .map((k) => {
      const cls = 'v-' + k.verdict.replace(' ', '-');
      const held = k.heldOn === null ? '' : `${k.heldOn}/${c.seeds} seeds; `;
      const agg = k.aggregate ? Object.entries(k.aggregate).map(([n, v]) => `${n} ${formatCheckValue(v)}`).join(', ') : '';
      const values = `${held}${k.values.map(formatCheckValue).join(', ')}${agg ? ` — ${agg}` : ''}`;
      return `<tr><td class="${cls}">${escapeHtml(verdictText(k))}</td><td>${escapeHtml(k.requirement)}<br><small>${escapeHtml(k.name)}</small></td><td class="values">${escapeHtml(values)}</td></tr>`;
    })
    .join('\n');
  const summary = `${c.passed}/${c.judged} judged checks passed` + (c.notJudged ? `, ${c.notJudged} not judged (stated over more seeds than ran)` : '') + ` — over ${c.seeds} seed(s)`;
  const seeds = input.seeds
    .map((s) => {
      const runs = s.runs
        .map((r) => `<li>${escapeHtml(r.name)}: ${r.report ? `<a href="${escapeHtml(r.report)}">report</a>` : 'no report'} · folder <code>${escapeHtml(r.folder)}</code></li>`)
        .join('');
      return `<h3>seed ${s.seed}${s.comparison ? ` — <a href="${escapeHtml(s.comparison)}">comparison of the three runs</a>` : ''}</h3><ul class="runs">${runs}</ul>`;
    })
    .join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(input.title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${escapeHtml(input.title)}</h1>`,
    ...input.facts.map((f) => `<p class="facts">${escapeHtml(f)}</p>`),
    `<p class="summary"><b>${escapeHtml(c.ok ? 'All judged checks passed' : 'A judged check FAILED')}</b>: ${escapeHtml(summary)}</p>`,
    '<h2>Checks</h2>',
    '<table><thead><tr><th>verdict</th><th>claim</th><th>measured</th></tr></thead><tbody>',
    rows,
    '</tbody></table>',
    '<p class="facts">PASS / FAIL: judged. not judged: the claim is stated over several seeds (run with more --seeds). reported: shown for information, never judged.</p>',
    '<h2>Runs</h2>',
    seeds,
    '</body></html>',
  ].join('\n') + '\n';
}
