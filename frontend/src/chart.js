// Visualize: bar, line, area, scatter and pie charts from result columns (X, Y, series), as
// PNG or SVG.
import Chart from "chart.js/auto";
import { h, clear } from "./dom.js";
import { isNumeric, isTimestamp } from "./grid.js";
import { chartSvg } from "./svgchart.js";

const TYPES = ["bar", "line", "area", "scatter", "pie"];

const PALETTE = ["#1f6feb", "#2da44e", "#d4a72c", "#cf222e", "#8250df", "#0a7ea4", "#bf3989", "#57606a", "#fb8500", "#1a7f37"];

// Defaults from the columns' types: a timestamp (else the first text column) on X, the first
// numeric column as Y (else the count of rows); a time X draws a line. Settings are per tab.
export function chartDefaults(cols) {
  const numeric = cols.filter(isNumeric);
  const time = cols.find(isTimestamp) || cols.find((c) => /^DATE/.test(c.sqlType));
  const x = time || cols.find((c) => !isNumeric(c)) || cols[0];
  const y = numeric.find((c) => c !== x);
  return { type: time ? "line" : "bar", x: x.name, y: y ? y.name : "__count", series: "" };
}

export function renderVisualize(el, result, { settings, onChange } = {}) {
  clear(el);
  if (!result || !result.rows.length) {
    el.append(h("div", { class: "empty" }, "Run a query to chart its results."));
    return;
  }
  const cols = result.columns;
  const numericCols = cols.filter((c) => isNumeric(c) || (!isTimestamp(c) && result.rows.slice(0, 50).every((r) => r[c.field] === null || (r[c.field] !== "" && !isNaN(Number(r[c.field]))))));
  const byName = (name) => cols.find((c) => c.name === name);
  const opt = (c) => h("option", { value: c.field }, c.name);
  const type = h("select", { "aria-label": "Chart type", name: "chart-type" }, TYPES.map((t) => h("option", { value: t }, t[0].toUpperCase() + t.slice(1))));
  const x = h("select", { "aria-label": "X axis", name: "chart-x" }, cols.map(opt));
  const y = h("select", { "aria-label": "Y axis", name: "chart-y" }, h("option", { value: "__count" }, "Count of rows"), numericCols.map(opt));
  const series = h("select", { "aria-label": "Series", name: "chart-series" }, h("option", { value: "" }, "None"), cols.map(opt));
  // the tab's own settings while they fit the result's columns, else defaults from its types
  const defaults = chartDefaults(cols);
  const fits = settings && byName(settings.x) && (settings.y === "__count" || numericCols.includes(byName(settings.y)));
  const chosen = fits ? settings : defaults;
  type.value = TYPES.includes(chosen.type) ? chosen.type : defaults.type;
  x.value = byName(chosen.x).field;
  y.value = chosen.y === "__count" ? "__count" : byName(chosen.y).field;
  series.value = chosen.series && byName(chosen.series) ? byName(chosen.series).field : "";
  const save = () => {
    const name = (f) => cols.find((c) => c.field === f)?.name || "";
    onChange?.({ type: type.value, x: name(x.value), y: y.value === "__count" ? "__count" : name(y.value), series: name(series.value) });
  };
  const canvasBox = h("div", { class: "chart-box" });
  const download = h("button", { class: "btn", onclick: () => downloadPng() }, "Download PNG");
  const downloadSvg = h("button", { class: "btn", onclick: () => saveSvg() }, "Download SVG");
  const field = (label, input) => h("label", { class: "inline-field" }, h("span", {}, label), input);
  el.append(h("div", { class: "chart-controls" }, field("Chart", type), field("X", x), field("Y", y), field("Series", series), h("span", { class: "spacer" }), download, downloadSvg), canvasBox);
  let chart = null;
  let drawn = null; // what the chart shows, for the SVG

  function draw() {
    if (chart) chart.destroy();
    clear(canvasBox);
    const canvas = h("canvas", { id: "chart-canvas" });
    canvasBox.append(canvas);
    const { labels, datasets } = aggregate(result.rows, x.value, y.value, type.value === "pie" ? "" : series.value, isTimestamp(cols.find((c) => c.field === x.value)));
    const yName = y.value === "__count" ? "count" : cols.find((c) => c.field === y.value).name;
    drawn = { kind: type.value, labels, datasets, xName: cols.find((c) => c.field === x.value).name, yName, palette: PALETTE };
    const kind = type.value;
    chart = new Chart(canvas, {
      type: kind === "pie" || kind === "bar" ? kind : "line", // area: a filled line; scatter: points only
      data: {
        labels,
        datasets: datasets.map((d, i) => ({
          label: d.label || yName,
          data: d.data,
          backgroundColor: type.value === "pie" ? labels.map((_, j) => PALETTE[j % PALETTE.length]) : PALETTE[i % PALETTE.length],
          borderColor: type.value === "pie" ? "#fff" : PALETTE[i % PALETTE.length],
          borderWidth: kind === "line" || kind === "area" ? 2 : 1,
          fill: kind === "area",
          showLine: kind !== "scatter",
          pointRadius: kind === "scatter" ? 3 : kind === "bar" ? undefined : 1.5,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: datasets.length > 1 || type.value === "pie" } },
        scales: type.value === "pie" ? {} : { x: { title: { display: true, text: cols.find((c) => c.field === x.value).name } }, y: { beginAtZero: true, title: { display: true, text: yName } } },
      },
      plugins: [{ id: "white-bg", beforeDraw: (c) => { const ctx = c.ctx; ctx.save(); ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, c.width, c.height); ctx.restore(); } }],
    });
  }

  function downloadPng() {
    if (!chart) return;
    const a = h("a", { href: chart.toBase64Image("image/png", 1), download: "distillr-chart.png" });
    document.body.append(a);
    a.click();
    a.remove();
  }

  function saveSvg() {
    if (!drawn) return;
    const url = URL.createObjectURL(new Blob([chartSvg(drawn)], { type: "image/svg+xml" }));
    const a = h("a", { href: url, download: "distillr-chart.svg" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  for (const s of [type, x, y, series]) s.addEventListener("change", () => (save(), draw()));
  draw();
}

// Group rows by X (and series), summing Y (or counting rows); at most 500 X values.
export function aggregate(rows, xf, yf, sf, sorted = false) {
  const labels = [];
  const index = new Map();
  const bySeries = new Map();
  for (const r of rows) {
    const xv = r[xf] === null ? "null" : String(r[xf]);
    if (!index.has(xv)) {
      if (labels.length >= 500) continue;
      index.set(xv, labels.length);
      labels.push(xv);
    }
    const sv = sf ? (r[sf] === null ? "null" : String(r[sf])) : "";
    if (!bySeries.has(sv)) bySeries.set(sv, []);
    const arr = bySeries.get(sv);
    const i = index.get(xv);
    const add = yf === "__count" ? 1 : Number(r[yf]) || 0;
    arr[i] = (arr[i] || 0) + add;
  }
  // time on X reads left to right
  const order = labels.map((_, i) => i);
  if (sorted) order.sort((a, b) => (labels[a] < labels[b] ? -1 : labels[a] > labels[b] ? 1 : 0));
  const datasets = [...bySeries.entries()].slice(0, 12).map(([label, arr]) => ({ label, data: order.map((i) => arr[i] || 0) }));
  return { labels: order.map((i) => labels[i]), datasets };
}
