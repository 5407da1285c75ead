// The results grid: Tabulator with a virtual DOM (only visible rows are in the page), header
// sort and column resize. Rows come from an Arrow IPC stream, decoded column by column.
import { TabulatorFull as Tabulator } from "tabulator-tables";
import "tabulator-tables/dist/css/tabulator_simple.min.css";
import { tableFromIPC } from "apache-arrow";

// Arrow IPC bytes -> {columns: [{name, field}], rows: [{c0: v, ...}]}
export function decodeArrow(buffer) {
  const table = tableFromIPC(new Uint8Array(buffer));
  const names = table.schema.fields.map((f) => f.name);
  const n = table.numRows;
  const rows = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = {};
  names.forEach((name, j) => {
    const field = `c${j}`;
    const vec = table.getChildAt(j);
    const values = vec.toArray();
    const nullable = vec.nullCount > 0;
    for (let i = 0; i < n; i++) rows[i][field] = nullable && !vec.isValid(i) ? null : values[i];
  });
  const columns = names.map((name, j) => ({ name, field: `c${j}`, type: String(table.schema.fields[j].type) }));
  return { columns, rows };
}

function widthFor(col, rows) {
  let longest = col.name.length + 2;
  const sample = Math.min(rows.length, 200);
  for (let i = 0; i < sample; i++) {
    const v = rows[i][col.field];
    const len = v === null || v === undefined ? 4 : String(v).length;
    if (len > longest) longest = len;
  }
  return Math.max(70, Math.min(360, Math.round(longest * 7.4 + 28)));
}

export function renderGrid(el, { columns, rows }) {
  el.textContent = "";
  const holder = document.createElement("div");
  holder.className = "grid-holder";
  el.append(holder);
  const numeric = (c) => /^(Float|Int|Uint)/.test(c.type);
  const grid = new Tabulator(holder, {
    data: rows,
    height: "100%",
    layout: "fitData",
    renderVertical: "virtual",
    renderHorizontal: "virtual",
    columnDefaults: { resizable: true, headerSortTristate: true },
    placeholder: "No rows",
    columns: [
      { title: "#", formatter: "rownum", headerSort: false, width: 56, hozAlign: "right", frozen: true, cssClass: "rownum" },
      ...columns.map((c) => ({
        title: c.name,
        field: c.field,
        width: widthFor(c, rows),
        sorter: numeric(c) ? "number" : "string",
        hozAlign: numeric(c) ? "right" : "left",
        formatter: (cell) => {
          const v = cell.getValue();
          if (v === null || v === undefined) {
            cell.getElement().classList.add("null");
            return "null";
          }
          return typeof v === "string" ? escapeHtml(v) : v;
        },
        headerTooltip: `${c.name}: ${c.type}`,
      })),
    ],
  });
  return grid;
}

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]);
}
