// The results grid: Tabulator with a virtual DOM (only visible rows are in the page), header
// sort and column resize. Rows come from an Arrow IPC stream, decoded column by column.
// Columns are as wide as their values (SIDs whole; past 560 px the cell ends in an ellipsis
// and shows the whole value on hover); floats lose binary noise (0.1 + 0.2 shows 0.3);
// timestamps read 2025-01-31 12:00:00 UTC (or local time, with its offset, by the toggle);
// a cell's value opens in a viewer (pretty JSON for structs and lists) on double-click, and
// its menu copies the cell, the row or the column as TSV.
import { TabulatorFull as Tabulator } from "tabulator-tables";
import { h, clear, debounce, fmtNumber, modal, toast } from "./dom.js";
import "tabulator-tables/dist/css/tabulator_simple.min.css";
import { tableFromIPC, Type } from "apache-arrow";

// Arrow IPC bytes -> {columns: [{name, field, type}], rows}. The data stays in columns; each
// row is a tiny object whose fields (c0, c1, ...) are getters into them, so 100,000 rows cost
// 100,000 small objects, not millions of properties. A string column is decoded one whole
// buffer at a time and each value is sliced out only when the grid shows or sorts it.
// Validity bitmaps are read directly (Vector.get/isValid per value cost seconds at this size).
export function decodeArrow(buffer, described = []) {
  const table = tableFromIPC(new Uint8Array(buffer));
  const fields = table.schema.fields;
  const n = table.numRows;
  const cols = fields.map((f, j) => {
    const vec = table.getChildAt(j);
    const id = f.type.typeId;
    if (id === Type.Utf8) return new StringColumn(vec, n);
    if (id === Type.Dictionary) return new DictColumn(vec);
    const out = new Array(n);
    if (id === Type.Float || (id === Type.Int && f.type.bitWidth <= 32)) decodeNumbers(vec, out);
    else for (let i = 0; i < n; i++) out[i] = vec.get(i) ?? null; // rare: booleans
    return { get: (i) => out[i], set: (i, v) => (out[i] = v) };
  });
  function Row(i) {
    this._i = i;
  }
  cols.forEach((col, j) => {
    Object.defineProperty(Row.prototype, `c${j}`, {
      get() { return col.get(this._i); },
      set(v) { col.set(this._i, v); },
      enumerable: true,
    });
  });
  const rows = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = new Row(i);
  // the SQL type (VARCHAR, TIMESTAMP WITH TIME ZONE ...) from the job, else from the display type
  const columns = fields.map((f, j) => ({ name: f.name, field: `c${j}`, type: String(f.type), sqlType: described[j]?.sql_type || sqlTypeOf(f.type) }));
  return { columns, rows };
}

const utf8 = new TextDecoder();

function valid(data, e) {
  return data.nullCount <= 0 || !data.nullBitmap || data.nullBitmap.length === 0 || ((data.nullBitmap[e >> 3] >> (e & 7)) & 1) === 1;
}

function decodeNumbers(vec, out) {
  let row = 0;
  for (const data of vec.data) {
    const { offset, length, values } = data;
    const plain = data.nullCount <= 0;
    for (let k = 0; k < length; k++, row++) {
      const e = offset + k;
      out[row] = plain || valid(data, e) ? values[e] : null;
    }
  }
}

// A dictionary-encoded column: few distinct values, decoded once, looked up by index.
class DictColumn {
  constructor(vec) {
    this.chunks = [];
    let start = 0;
    for (const data of vec.data) {
      const dict = data.dictionary;
      const words = new Array(dict.length);
      for (let k = 0; k < dict.length; k++) words[k] = dict.get(k);
      this.chunks.push({ start, end: start + data.length, data, words });
      start += data.length;
    }
    this.overrides = null;
  }
  get(i) {
    if (this.overrides && i in this.overrides) return this.overrides[i];
    let c = this.chunks[0];
    for (let k = 1; i >= c.end && k < this.chunks.length; k++) c = this.chunks[k];
    const e = c.data.offset + (i - c.start);
    return valid(c.data, e) ? c.words[c.data.values[e]] ?? null : null;
  }
  set(i, v) {
    (this.overrides ||= {})[i] = v;
  }
}

// A UTF-8 column: each chunk's bytes decoded once; values sliced (and kept) on first use.
class StringColumn {
  constructor(vec, n) {
    this.cache = new Array(n);
    this.chunks = [];
    let start = 0;
    for (const data of vec.data) {
      const { offset, length, valueOffsets, values } = data;
      const first = valueOffsets[offset];
      const bytes = values.subarray(first, valueOffsets[offset + length]);
      const text = utf8.decode(bytes);
      let pos = null; // byte position -> UTF-16 position, only for non-ASCII text
      if (text.length !== bytes.length) {
        pos = new Int32Array(bytes.length + 1);
        let u = 0;
        for (let k = 0; k < bytes.length; k++) {
          pos[k] = u;
          const b = bytes[k];
          if ((b & 0xc0) !== 0x80) u += b >= 0xf0 ? 2 : 1;
        }
        pos[bytes.length] = u;
      }
      this.chunks.push({ start, end: start + length, data, first, text, pos });
      start += length;
    }
  }
  get(i) {
    const hit = this.cache[i];
    if (hit !== undefined) return hit;
    let c = this.chunks[0];
    for (let k = 1; i >= c.end && k < this.chunks.length; k++) c = this.chunks[k];
    const e = c.data.offset + (i - c.start);
    let v = null;
    if (valid(c.data, e)) {
      const a = c.data.valueOffsets[e] - c.first;
      const b = c.data.valueOffsets[e + 1] - c.first;
      v = c.pos ? c.text.slice(c.pos[a], c.pos[b]) : c.text.slice(a, b);
    }
    this.cache[i] = v;
    return v;
  }
  set(i, v) {
    this.cache[i] = v;
  }
}


// the SQL name of a display type, when the job did not describe the column
function sqlTypeOf(t) {
  const id = t.typeId;
  if (id === Type.Utf8 || id === Type.Dictionary) return "VARCHAR";
  if (id === Type.Bool) return "BOOLEAN";
  if (id === Type.Int) return { 8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT" }[t.bitWidth] || "INTEGER";
  if (id === Type.Float) return t.precision === 0 ? "FLOAT" : "DOUBLE";
  return String(t).toUpperCase();
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|HUGEINT|DECIMAL)/;
export const isNumeric = (c) => NUMERIC.test(c.sqlType);
export const isTimestamp = (c) => /^TIMESTAMP/.test(c.sqlType);

// one format for every timestamp: 2025-01-31 12:00:00 UTC; in local time with its offset
export function fmtTimestamp(text, local) {
  if (typeof text !== "string") return text;
  const zoned = text.endsWith("Z");
  if (!local || !zoned) return text.replace("T", " ").replace(/Z$/, "") + (zoned ? " UTC" : "");
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) return text;
  const pad = (n) => String(Math.abs(n)).padStart(2, "0");
  const off = -d.getTimezoneOffset();
  const zone = `UTC${off >= 0 ? "+" : "-"}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone}`;
}

// decimals as the API gives them: DuckDB's DECIMAL(38, 10) text without its padding zeros
// (-0.0079000000 shows -0.0079)
export const isDecimal = (c) => /^DECIMAL/.test(c.sqlType);
export function fmtDecimal(v) {
  const text = String(v);
  return /^-?\d+\.\d+$/.test(text) ? text.replace(/\.?0+$/, "") : text;
}

// floats without binary noise; integers as they are
export function fmtValue(v) {
  if (typeof v === "number" && !Number.isInteger(v) && Number.isFinite(v)) return String(Number(v.toPrecision(15)));
  return v === null || v === undefined ? "" : String(v);
}

// the font the grid's cells are drawn in (the theme's, with this page's overrides)
function cellFont(el) {
  const probe = h("div", { class: "tabulator", style: { position: "absolute", visibility: "hidden" } }, h("div", { class: "tabulator-cell" }, "x"));
  el.append(probe);
  const st = getComputedStyle(probe.firstChild);
  const font = `${st.fontStyle} ${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
  probe.remove();
  return font;
}

// text widths from each character's width in the font, measured once (a canvas measureText
// per value would cost tenths of a second on wide results)
let measurer = null;
const charWidths = new Map(); // font -> Map(char -> px)
function textWidth(text, font) {
  let widths = charWidths.get(font);
  if (!widths) {
    measurer ||= document.createElement("canvas").getContext("2d");
    charWidths.set(font, (widths = new Map()));
  }
  let w = 0;
  for (const ch of text) {
    let cw = widths.get(ch);
    if (cw === undefined) {
      measurer.font = font;
      widths.set(ch, (cw = measurer.measureText(ch).width));
    }
    w += cw;
  }
  return w;
}

const MAX_WIDTH = 560;
function widthFor(col, rows, font, show) {
  let widest = textWidth(col.name, font.replace(/^(\S+) \S+/, "$1 700")) + 34; // the sort arrow
  widest = Math.max(widest, textWidth(col.sqlType, font) * 0.85 + 20);
  const sample = Math.min(rows.length, 200);
  for (let i = 0; i < sample; i++) {
    const v = rows[i][col.field];
    const text = v === null || v === undefined ? "null" : show(v);
    const w = textWidth(text, font) + 22;
    if (w > widest) widest = w;
    if (widest >= MAX_WIDTH) break;
  }
  return Math.round(Math.max(64, Math.min(MAX_WIDTH, widest)));
}

const LOCAL_KEY = "distillr.grid.localTime";
const tsv = (v) => (v === null || v === undefined ? "" : String(v).replace(/[\t\n\r]/g, " "));

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    toast(`Copied ${what}`);
  } catch {
    toast("The browser did not allow copying; select the text in the viewer instead.", "error");
  }
}

// the cell viewer: long text whole, JSON (structs, lists) pretty-printed, with Copy
export function showValue(name, value) {
  let text = value === null || value === undefined ? "null" : String(value);
  if (/^[[{]/.test(text)) {
    try {
      text = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      /* not JSON: as it is */
    }
  }
  modal(name, h("div", { class: "cell-viewer" }, h("pre", { class: "cell-value" }, text), h("div", { class: "form-actions" }, h("button", { class: "btn", onclick: () => copy(String(value ?? ""), "the value") }, "Copy"))), { wide: true });
}

export function renderGrid(el, { columns, rows }, { total } = {}) {
  clear(el);
  let local = localStorage.getItem(LOCAL_KEY) === "1";
  const hasTime = columns.some(isTimestamp);
  const shown = (c) => (isTimestamp(c) ? (v) => fmtTimestamp(v, local) : isDecimal(c) ? fmtDecimal : fmtValue);
  const show = columns.map(shown); // per column, once
  const filter = h("input", { class: "grid-filter", type: "search", placeholder: "Filter rows", "aria-label": "Filter rows" });
  const countText = h("span", { class: "grid-count muted" });
  const zone = hasTime ? h("button", { class: "btn small tz-toggle", title: "Show timestamps in UTC or in this browser's time zone", onclick: () => { local = !local; localStorage.setItem(LOCAL_KEY, local ? "1" : "0"); zone.textContent = local ? "Local time" : "UTC"; grid.redraw(true); } }, local ? "Local time" : "UTC") : null;
  const setCount = (n) => {
    let text = `${fmtNumber(n)} of ${fmtNumber(rows.length)} rows`;
    if (n === rows.length) text = `${fmtNumber(n)} row${n === 1 ? "" : "s"}`;
    if (total > rows.length) text += ` · more rows: the first ${fmtNumber(rows.length)} of ${fmtNumber(total)} are shown; export the result for every row`;
    countText.textContent = text;
  };
  const holder = h("div", { class: "grid-holder" });
  el.append(h("div", { class: "grid-bar" }, filter, countText, h("span", { class: "spacer" }), zone), holder);
  const font = cellFont(el);
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
      ...columns.map((c, j) => ({
        title: c.name,
        field: c.field,
        width: widthFor(c, rows, font, show[j]),
        sorter: isNumeric(c) ? "number" : "string",
        hozAlign: isNumeric(c) ? "right" : "left",
        titleFormatter: () => `<span class="col-name">${escapeHtml(c.name)}</span><span class="col-type">${escapeHtml(c.sqlType)}</span>`,
        formatter: (cell) => {
          const v = cell.getValue();
          const td = cell.getElement();
          if (v === null || v === undefined) {
            td.classList.add("null");
            return "null";
          }
          const text = show[j](v);
          td.title = text.length > 30 ? text : "";
          return escapeHtml(text);
        },
        headerTooltip: `${c.name}: ${c.sqlType}`,
        cellDblClick: (e, cell) => showValue(c.name, cell.getValue()),
        cellContext: (e, cell) => (e.preventDefault(), cellMenu(e, c, cell)),
      })),
    ],
  });
  setCount(rows.length);
  filter.addEventListener("input", debounce(() => {
    const q = filter.value.trim().toLowerCase();
    if (!q) grid.clearFilter();
    else grid.setFilter((row) => columns.some((c, j) => {
      const v = row[c.field];
      return v !== null && v !== undefined && show[j](v).toLowerCase().includes(q);
    }));
    setCount(q ? grid.getDataCount("active") : rows.length);
  }, 150));

  // the rows the filter leaves, as decoded (grid.getData copies each row's own fields only,
  // and the values are getters on the rows' prototype)
  const activeRows = () => grid.getRows("active").map((r) => r.getData());

  function cellMenu(e, c, cell) {
    document.querySelector(".cell-menu")?.remove();
    const row = cell.getRow().getData();
    const item = (label, fn) => h("button", { class: "menu-item", role: "menuitem", onclick: () => (pop.remove(), fn()) }, label);
    const pop = h(
      "div",
      { class: "cell-menu popover", role: "menu", style: { left: `${e.clientX}px`, top: `${e.clientY}px` } },
      item("View value", () => showValue(c.name, cell.getValue())),
      item("Copy value", () => copy(tsv(cell.getValue()), "the value")),
      item("Copy row (TSV)", () => copy(columns.map((x) => tsv(row[x.field])).join("\t"), "the row")),
      item("Copy column (TSV)", () => copy([c.name, ...activeRows().map((r) => tsv(r[c.field]))].join("\n"), `column ${c.name}`)),
      item("Copy all rows (TSV)", () => copy([columns.map((x) => x.name).join("\t"), ...activeRows().map((r) => columns.map((x) => tsv(r[x.field])).join("\t"))].join("\n"), "the rows")),
    );
    document.body.append(pop);
    setTimeout(() => document.addEventListener("mousedown", function off(ev) {
      if (!pop.contains(ev.target)) {
        pop.remove();
        document.removeEventListener("mousedown", off);
      }
    }), 0);
  }
  return grid;
}

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]);
}
