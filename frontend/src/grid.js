// The results grid: Tabulator with a virtual DOM (only visible rows are in the page), header
// sort and column resize. Rows come from an Arrow IPC stream, decoded column by column.
import { TabulatorFull as Tabulator } from "tabulator-tables";
import "tabulator-tables/dist/css/tabulator_simple.min.css";
import { tableFromIPC, Type } from "apache-arrow";

// Arrow IPC bytes -> {columns: [{name, field, type}], rows}. The data stays in columns; each
// row is a tiny object whose fields (c0, c1, ...) are getters into them, so 100,000 rows cost
// 100,000 small objects, not millions of properties. A string column is decoded one whole
// buffer at a time and each value is sliced out only when the grid shows or sorts it.
// Validity bitmaps are read directly (Vector.get/isValid per value cost seconds at this size).
export function decodeArrow(buffer) {
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
  const columns = fields.map((f, j) => ({ name: f.name, field: `c${j}`, type: String(f.type) }));
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
