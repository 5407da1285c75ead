// Running queries: each tab runs its own job at once with the others; Cancel stops only the
// active tab's; closing or reloading the page cancels them (main.js, on pagehide). Also
// Explain, Format and Export, which act on the active tab's SQL or result.
import { api } from "./api.js";
import { h, toast } from "./dom.js";
import { decodeArrow } from "./grid.js";
import { progressText, updateStatus } from "./status.js";
import { fetchResult } from "./views.js";

export async function run(app) {
  const { editor } = app;
  const tab = app.activeTab();
  const s = app.slot(tab.id);
  if (s.run) return;
  const selected = editor.selection();
  const sql = selected || tab.sql;
  if (!sql.trim()) return toast("Type a query first.");
  const from = selected ? editor.selectionFrom() : 0;
  const t0 = performance.now();
  const r = { jobId: null, started: t0, live: null };
  Object.assign(s, { view: "results", error: null, result: null, job: null, elapsed: null, run: r });
  editor.clearError();
  const here = () => app.state.active === tab.id;
  app.renderTabs();
  if (here()) app.renderView();
  r.tick = setInterval(() => {
    if (!here() || s.run !== r) return;
    updateStatus(app.st, s);
    const p = app.viewBody.querySelector(".progress-text");
    if (p) p.textContent = progressText(s);
  }, 100);
  const done = () => {
    clearInterval(r.tick);
    s.run = null;
    app.renderTabs();
    if (here()) app.renderView();
  };
  const mark = (line, column, message) => line && here() && editor.markError(from, sql, line, column, message);
  let job;
  try {
    job = await api("POST", "/api/queries", { sql, tab: tab.id });
    r.jobId = job.id;
    if (r.closed) cancelJob(s, true)?.catch(() => {}); // closed while the query was sent
    r.live = job;
    if (here()) app.cancelBtn.disabled = false;
    while (job.state === "running") {
      job = await api("GET", `/api/queries/${job.id}?wait=0.5`);
      r.live = job;
    }
    s.job = job;
    tab.lastJob = job.id;
    app.saveTabs();
    if (job.state === "done") {
      await show(s, job, t0, done, app);
    } else {
      s.error = { title: job.state === "cancelled" ? "Cancelled" : job.error?.title || "Error", message: job.error?.detail || "The query stopped." };
      s.elapsed = job.elapsed;
      mark(job.error?.line, job.error?.column, job.error?.detail);
      done();
    }
  } catch (err) {
    s.job = job && job.state !== "running" ? job : { state: "error", elapsed: (performance.now() - t0) / 1000, stats: job?.stats };
    s.error = { title: err.problem?.title || "Error", message: err.message };
    s.elapsed = (performance.now() - t0) / 1000;
    mark(err.problem?.line, err.problem?.column, err.message);
    done();
  }
  if (tab.saved && sql === tab.sql) api("POST", `/api/saved/${encodeURIComponent(tab.saved)}/ran`).catch(() => {});
  app.remember({ sql, at: Date.now(), state: s.job?.state || "error", rows: s.job?.rows, elapsed: s.elapsed });
}

// a finished job's rows into the grid, timed for bench/web_bench.py (window.__distillr.timings)
async function show(s, job, t0, done, app) {
  const buf = await fetchResult(app, job);
  const arrived = performance.now();
  s.result = decodeArrow(buf, job.columns);
  const decoded = performance.now();
  s.elapsed = (arrived - t0) / 1000;
  done();
  const built = performance.now();
  await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));
  const painted = performance.now();
  window.__distillr.timings.push({ rows: s.result.rows.length, run: t0, arrived, painted, decode: decoded - arrived, build: built - decoded, runToPaint: painted - t0, arriveToPaint: painted - arrived });
}

export function cancelJob(s, keepalive = false) {
  if (!s?.run) return null;
  const id = s.run.jobId;
  s.run.closed = true; // a job id still on its way is cancelled when it arrives
  if (!id) return null;
  return api("DELETE", `/api/queries/${id}`, undefined, { keepalive });
}

export async function cancel(app) {
  const s = app.slot(app.state.active);
  if (!s.run || !s.run.jobId) return;
  app.cancelBtn.disabled = true;
  try {
    await cancelJob(s);
  } catch (err) {
    toast(err.message, "error");
  }
}

// one clause a line, by the server's parser (the text stays the same query)
export async function formatSql(app) {
  const { editor } = app;
  const tab = app.activeTab();
  if (!tab.sql.trim()) return;
  editor.clearError();
  try {
    const out = await api("POST", "/api/format", { sql: tab.sql });
    if (out.note) toast(out.note);
    if (out.sql !== tab.sql && app.state.active === tab.id) editor.text = out.sql;
  } catch (err) {
    if (err.problem?.line) editor.markError(0, tab.sql, err.problem.line, err.problem.column, err.message);
    toast(err.message, "error");
  }
}

export async function explain(app) {
  const s = app.slot(app.state.active);
  const sql = app.editor.selection() || app.activeTab().sql;
  if (!sql.trim()) return toast("Type a query first.");
  s.view = "explain";
  try {
    const plan = await api("POST", "/api/explain", { sql });
    s.explain = plan.text;
  } catch (err) {
    s.explain = `${err.problem?.title || "Error"}\n\n${err.message}`;
  }
  app.renderView();
}

export function exportResult(app, format) {
  const s = app.slot(app.state.active);
  if (!s.job || s.job.state !== "done") return;
  const a = h("a", { href: `/api/queries/${s.job.id}/export?format=${format}`, download: "" });
  document.body.append(a);
  a.click();
  a.remove();
}
