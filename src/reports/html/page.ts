/**
 * The report page's HTML: escaping, a sortable table, a grid of figures, and
 * the page shell (inline CSS and a few lines of script for sorting; no
 * external resource, so the folder opens offline). Pure string building.
 */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A table cell: text shown, the value it sorts by, an optional link and hover text. */
export interface Cell {
  text: string;
  sort?: number | string;
  href?: string;
  title?: string;
}

/** A table whose columns sort on a click of their header (numbers numerically; empty cells last). */
export function sortableTable(o: { className: string; headers: readonly string[]; rows: readonly (readonly Cell[])[] }): string {
  const head = o.headers.map((h, i) => `<th data-column="${i}" title="sort by ${escapeHtml(h)}">${escapeHtml(h)}</th>`).join('');
  const body = o.rows
    .map(
      (row) =>
        `<tr>${row
          .map((c) => {
            const sort = c.sort === undefined ? '' : ` data-sort="${escapeHtml(String(c.sort))}"`;
            const title = c.title ? ` title="${escapeHtml(c.title)}"` : '';
            const text = c.href ? `<a href="${escapeHtml(c.href)}">${escapeHtml(c.text)}</a>` : escapeHtml(c.text);
            return `<td${sort}${title}>${text}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  return `<table class="${escapeHtml(o.className)} sortable"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** One image of a report's figure grid: its path relative to the report, alt text, caption and display size in pixels. */
export interface Figure {
  src: string;
  alt: string;
  caption: string;
  width: number;
  height: number;
}

export function figureGrid(figures: readonly Figure[], className = 'grid'): string {
  return `<div class="${className}">${figures
    .map(
      (f) =>
        `<figure><img src="${escapeHtml(f.src)}" alt="${escapeHtml(f.alt)}" width="${f.width}" height="${f.height}"><figcaption>${escapeHtml(f.caption)}</figcaption></figure>`,
    )
    .join('')}</div>`;
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}th{cursor:pointer;background:#f6f6f6;user-select:none}
th.asc::after{content:" \\25B2"}th.desc::after{content:" \\25BC"}
.grid{display:flex;flex-wrap:wrap;gap:10px}figure{margin:0;font-size:12px}figcaption{max-width:200px;overflow-wrap:anywhere}
.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.charts img{border:1px solid #eee}
code{font-size:12px}.muted{color:#777}.legend span{display:inline-block;width:12px;height:12px;vertical-align:middle;margin:0 4px 0 12px}
`;

// Sorting without a library: a dozen lines, no chart code.
const SORT_SCRIPT = `
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th) {
    th.addEventListener('click', function () {
      var column = Number(th.dataset.column), asc = !th.classList.contains('asc');
      table.querySelectorAll('th').forEach(function (h) { h.classList.remove('asc', 'desc'); });
      th.classList.add(asc ? 'asc' : 'desc');
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var key = function (row) { var c = row.cells[column]; var v = c && c.dataset.sort !== undefined ? c.dataset.sort : (c ? c.textContent : ''); var n = Number(v); return v === '' ? null : isNaN(n) ? v : n; };
      rows.sort(function (a, b) { var x = key(a), y = key(b); if (x === null) return 1; if (y === null) return -1; return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1); });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
`;

export function page(o: { title: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(o.title)}</h1>
${o.body}
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}
