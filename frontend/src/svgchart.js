// The chart as an SVG file (vectors, not a picture of the canvas): the same aggregated data
// Chart.js draws, laid out as bars, lines, areas, points or pie slices with axes and a legend.
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

export function chartSvg({ kind, labels, datasets, xName, yName, palette, width = 900, height = 500 }) {
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`, `<rect width="${width}" height="${height}" fill="#fff"/>`];
  const color = (i) => palette[i % palette.length];
  if (kind === "pie") {
    const data = datasets[0]?.data || [];
    const total = data.reduce((a, b) => a + Math.max(0, b), 0) || 1;
    const cx = height / 2, cy = height / 2, r = height / 2 - 30;
    let angle = -Math.PI / 2;
    data.forEach((v, i) => {
      const sweep = (Math.max(0, v) / total) * 2 * Math.PI;
      const [x1, y1] = [cx + r * Math.cos(angle), cy + r * Math.sin(angle)];
      angle += sweep;
      const [x2, y2] = [cx + r * Math.cos(angle), cy + r * Math.sin(angle)];
      const path = sweep >= 2 * Math.PI - 1e-9 ? `<circle cx="${cx}" cy="${cy}" r="${r}"` : `<path d="M${cx},${cy} L${x1.toFixed(2)},${y1.toFixed(2)} A${r},${r} 0 ${sweep > Math.PI ? 1 : 0} 1 ${x2.toFixed(2)},${y2.toFixed(2)} Z"`;
      out.push(`${path} fill="${color(i)}" stroke="#fff"><title>${esc(labels[i])}: ${v}</title></${path.startsWith("<circle") ? "circle" : "path"}>`);
    });
    labels.slice(0, 24).forEach((l, i) => out.push(`<rect x="${height + 10}" y="${30 + i * 18}" width="12" height="12" fill="${color(i)}"/><text x="${height + 28}" y="${40 + i * 18}">${esc(l)}</text>`));
    out.push("</svg>");
    return out.join("\n");
  }
  const left = 70, right = 20, top = 30, bottom = 70;
  const w = width - left - right, hgt = height - top - bottom;
  const max = Math.max(1e-9, ...datasets.flatMap((d) => d.data));
  const min = Math.min(0, ...datasets.flatMap((d) => d.data));
  const y = (v) => top + hgt - ((v - min) / (max - min)) * hgt;
  const step = w / Math.max(1, labels.length);
  const x = (i) => left + step * (i + 0.5);
  for (let k = 0; k <= 5; k++) {
    const v = min + ((max - min) * k) / 5;
    out.push(`<line x1="${left}" x2="${left + w}" y1="${y(v).toFixed(2)}" y2="${y(v).toFixed(2)}" stroke="#e6e9ed"/><text x="${left - 6}" y="${(y(v) + 4).toFixed(2)}" text-anchor="end">${esc(Number(v.toPrecision(6)))}</text>`);
  }
  const every = Math.ceil(labels.length / 20);
  labels.forEach((l, i) => {
    if (i % every === 0) out.push(`<text transform="translate(${x(i).toFixed(2)},${top + hgt + 14}) rotate(30)" font-size="10">${esc(String(l).slice(0, 24))}</text>`);
  });
  out.push(`<line x1="${left}" x2="${left + w}" y1="${y(0)}" y2="${y(0)}" stroke="#57606a"/>`);
  out.push(`<text x="${left + w / 2}" y="${height - 6}" text-anchor="middle">${esc(xName)}</text>`);
  out.push(`<text transform="translate(14,${top + hgt / 2}) rotate(-90)" text-anchor="middle">${esc(yName)}</text>`);
  const bw = (step * 0.8) / Math.max(1, datasets.length);
  datasets.forEach((d, j) => {
    const c = color(j);
    if (kind === "bar") {
      d.data.forEach((v, i) => {
        const bx = x(i) - step * 0.4 + bw * j;
        out.push(`<rect x="${bx.toFixed(2)}" y="${Math.min(y(v), y(0)).toFixed(2)}" width="${bw.toFixed(2)}" height="${Math.abs(y(0) - y(v)).toFixed(2)}" fill="${c}"><title>${esc(labels[i])}: ${v}</title></rect>`);
      });
      return;
    }
    const pts = d.data.map((v, i) => `${x(i).toFixed(2)},${y(v).toFixed(2)}`);
    if (kind === "area") out.push(`<polygon points="${x(0).toFixed(2)},${y(0)} ${pts.join(" ")} ${x(d.data.length - 1).toFixed(2)},${y(0)}" fill="${c}" fill-opacity="0.35" stroke="none"/>`);
    if (kind !== "scatter") out.push(`<polyline points="${pts.join(" ")}" fill="none" stroke="${c}" stroke-width="2"/>`);
    if (kind === "scatter") d.data.forEach((v, i) => out.push(`<circle cx="${x(i).toFixed(2)}" cy="${y(v).toFixed(2)}" r="3" fill="${c}"><title>${esc(labels[i])}: ${v}</title></circle>`));
  });
  if (datasets.length > 1) datasets.forEach((d, j) => out.push(`<rect x="${left + j * 120}" y="8" width="12" height="12" fill="${color(j)}"/><text x="${left + j * 120 + 16}" y="18">${esc(String(d.label).slice(0, 14))}</text>`));
  out.push("</svg>");
  return out.join("\n");
}
