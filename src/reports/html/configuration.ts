/**
 * The configuration header `wsol-run report` puts on the first screen of the
 * copy it writes: which pipeline, params, --set overrides, backend and run
 * the report shows. It is added at view time, to the user's copy, not by the
 * report/html node: the node's bytes (and so the committed locks) stay as
 * they are, and the header can name the run, which no cached artifact may.
 * Also here: CSS that keeps every table within the window (long keys and
 * digests elided; their cells carry the full value as hover text).
 */
import { escapeHtml } from './page.js';

type JsonLike = string | number | boolean | null | JsonLike[] | { [k: string]: JsonLike };

/** What the configuration header of a report copy names: the pipeline, its params and --set overrides, the backend, the latest run and the node. */
export interface ReportConfiguration {
  pipeline: string;
  params: Readonly<Record<string, JsonLike>>;
  /** --set arguments as given. */
  overrides: readonly string[];
  /** The backend fact of the run, or null when no node computes with tensors. */
  backend: string | null;
  /** The latest run of this configuration in the cache, if any. */
  run: { id: string; status: string } | null;
  /** The report/html node shown. */
  node: string;
}

const CSS = `
#configuration{border:1px solid #ddd;background:#fafafa;padding:6px 12px;margin:8px 0 16px}
#configuration table{margin:0}#configuration td,#configuration th{text-align:left;vertical-align:top;cursor:auto;background:none}
#configuration .warn{color:#a40;font-weight:600}
table{max-width:100%}td{overflow-wrap:anywhere}
table.provenance{table-layout:fixed;width:100%}
table.provenance th:nth-child(1){width:10%}table.provenance th:nth-child(2){width:22%}table.provenance th:nth-child(3){width:10%}
table.provenance td{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
`;

function value(v: JsonLike): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function configurationHeader(c: ReportConfiguration): string {
  const params = Object.entries(c.params);
  const rows: [string, string][] = [
    ['pipeline', `${escapeHtml(c.pipeline)} · report node <code>${escapeHtml(c.node)}</code>`],
    ['params', params.length ? params.map(([k, v]) => `<code>${escapeHtml(`${k}=${value(v)}`)}</code>`).join(' ') : '(none)'],
    [
      'overrides',
      // A smoke or shrunk run must not pass for the pipeline's result: its --set values come first and stand out.
      c.overrides.length
        ? `<span class="warn">--set ${c.overrides.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ')}</span> (not the pipeline file's values)`
        : "none: the pipeline file's values",
    ],
    ['backend', c.backend ? `<code>${escapeHtml(c.backend)}</code>` : '(no tensor computation)'],
    ['run', c.run ? `<code>${escapeHtml(c.run.id)}</code> (${escapeHtml(c.run.status)})` : 'no run of this configuration recorded in this cache'],
  ];
  return `<section id="configuration"><table class="configuration"><tbody>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</tbody></table></section>`;
}

/** The page with the header right after its <h1> and the CSS at the end of its <head>. */
export function withConfiguration(html: string, c: ReportConfiguration): string {
  const h1 = html.indexOf('</h1>');
  const head = html.indexOf('</head>');
  if (h1 < 0 || head < 0) return html;
  const at = h1 + '</h1>'.length;
  return `${html.slice(0, head)}<style>${CSS}</style>\n${html.slice(head, at)}\n${configurationHeader(c)}${html.slice(at)}`;
}
