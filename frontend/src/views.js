// The views under the editor, per tab: Results (the grid, a running query's progress, an error,
// or the first-run advice), Explain, Visualize (Chart.js, loaded on first use), History (kept
// in this browser) and Saved (per user, on the server).
import { api } from "./api.js";
import { h, clear, confirmDialog, fmtNumber, fmtSeconds, toast } from "./dom.js";
import { decodeArrow, renderGrid } from "./grid.js";
import { progressText, updateStatus } from "./status.js";

// Chart.js loads when a tab first shows Visualize: the page paints without it
let charts = null;
const loadCharts = () => (charts ||= import("./chart.js"));

const VIEWS = [
  ["results", "Results"],
  ["explain", "Explain"],
  ["visualize", "Visualize"],
  ["history", "History"],
  ["saved", "Saved"],
];

function renderViewTabs(app) {
  const s = app.slot(app.state.active);
  clear(app.viewTabs);
  for (const [id, label] of VIEWS) {
    app.viewTabs.append(h("button", { class: `view-tab${s.view === id ? " active" : ""}`, role: "tab", dataset: { view: id }, onclick: () => ((s.view = id), app.renderView()) }, label));
  }
}

// the result of a finished job, as the grid shows it (at most the grid's row cap)
export async function fetchResult(app, job) {
  const res = await api("GET", `/api/queries/${job.id}/result?format=arrow&limit=${app.gridRows}`, undefined, { raw: true });
  return res.arrayBuffer();
}

// After a reload: show the tab's last result again while the server still keeps it.
async function restore(app, tab) {
  const s = app.slot(tab.id);
  if (s.restoring || s.job || s.run || !tab.lastJob) return;
  s.restoring = true;
  try {
    const job = await api("GET", `/api/queries/${tab.lastJob}`);
    if (job.state !== "done" || s.job || s.run) return;
    s.result = decodeArrow(await fetchResult(app, job), job.columns);
    s.job = job;
    if (app.state.active === tab.id && !s.run) app.renderView();
  } catch {
    delete tab.lastJob; // gone from the server: run the query again to see it
    app.saveTabs();
  }
}

export function renderView(app) {
  const { viewBody } = app;
  renderViewTabs(app);
  const tab = app.activeTab();
  const s = app.slot(app.state.active);
  restore(app, tab);
  for (const b of app.exportMenu.querySelectorAll("button")) b.disabled = !(s.job && s.job.state === "done");
  app.runBtn.disabled = Boolean(s.run);
  app.cancelBtn.disabled = !s.run || !s.run.jobId;
  updateStatus(app.st, s);
  clear(viewBody);
  viewBody.dataset.view = s.view;
  if (s.view === "results") {
    renderResults(app, s);
  } else if (s.view === "explain") {
    if (s.explain) viewBody.append(h("pre", { class: "explain" }, s.explain));
    else viewBody.append(h("div", { class: "empty" }, "Press Explain to see what each API is asked and what runs locally."));
  } else if (s.view === "visualize") {
    const box = h("div", { class: "visualize" });
    viewBody.append(box);
    loadCharts().then(({ renderVisualize }) => box.isConnected && renderVisualize(box, s.result, {
      settings: tab.chart,
      onChange: (settings) => {
        tab.chart = settings;
        app.saveTabs();
      },
    }));
  } else if (s.view === "saved") {
    renderSaved(app);
  } else {
    renderHistory(app);
  }
}

function renderResults(app, s) {
  const { viewBody, admin } = app;
  if (s.run) {
    viewBody.append(h("div", { class: "empty running" }, h("span", { class: "spinner" }), h("span", { class: "progress-text" }, progressText(s))));
  } else if (s.error) {
    const cancelled = s.job?.state === "cancelled";
    viewBody.append(h("div", { class: `error-box${cancelled ? " cancelled" : ""}`, role: cancelled ? "status" : "alert" }, h("strong", {}, s.error.title || "Error"), h("pre", {}, s.error.message)));
  } else if (s.result) {
    const box = h("div", { class: "grid-box", dataset: { rows: String(s.result.rows.length) } });
    viewBody.append(box);
    s.grid = renderGrid(box, s.result, { total: s.job?.rows });
  } else if (app.hasSources === false) {
    viewBody.append(
      h(
        "div",
        { class: "empty first-run" },
        h("strong", {}, admin ? "Start by adding a data source" : "No data sources yet"),
        h("span", {}, admin ? "Its tables appear in the tree on the left; click one to query it here." : "Ask an admin of this server to add one."),
        admin ? h("button", { class: "btn primary", onclick: () => app.addSource() }, "+ Add a data source") : null,
      ),
    );
  } else {
    viewBody.append(h("div", { class: "empty" }, "Write a query and press Run (Ctrl+Enter), or click a table in the tree to start."));
  }
}

// saved queries: per user, on the server
async function renderSaved(app) {
  const box = h("div", { class: "history saved" }, h("div", { class: "muted" }, "Loading…"));
  app.viewBody.append(box);
  let saved = [];
  try {
    saved = await api("GET", "/api/saved");
  } catch (err) {
    return box.replaceChildren(h("div", { class: "error-text" }, err.message));
  }
  if (app.slot(app.state.active).view !== "saved") return;
  if (!saved.length) return box.replaceChildren(h("div", { class: "empty" }, "Queries you save (the Save button) appear here, for you on any browser."));
  const open = (q) => (Object.assign(app.newTab(q.sql, q.name), { saved: q.name }), app.saveTabs());
  const remove = async (q) => {
    if (!(await confirmDialog(`Delete ${q.name}?`, "The saved query is removed for good."))) return;
    await api("DELETE", `/api/saved/${encodeURIComponent(q.name)}`).catch((err) => toast(err.message, "error"));
    app.renderView();
  };
  box.replaceChildren(
    ...saved.map((q) =>
      h(
        "div",
        { class: "history-item saved-item", dataset: { name: q.name } },
        h("div", { class: "history-meta" }, h("strong", {}, q.name), " · ", q.last_run ? `last run ${new Date(q.last_run * 1000).toLocaleString()}` : "not run yet"),
        h("code", { class: "history-sql" }, q.sql),
        h(
          "div",
          { class: "history-actions" },
          h("button", { class: "btn small", onclick: () => open(q) }, "Open"),
          h("button", { class: "btn small", onclick: () => (Object.assign(app.newTab(q.sql, q.name), { saved: q.name }), app.run()) }, "Run"),
          h("button", { class: "btn small", onclick: () => remove(q) }, "Delete"),
        ),
      ),
    ),
  );
}

function renderHistory(app) {
  const { viewBody, editor } = app;
  if (!app.history.length) return viewBody.append(h("div", { class: "empty" }, "Queries you run appear here."));
  const list = h("div", { class: "history" });
  for (const item of app.history) {
    list.append(
      h(
        "div",
        { class: `history-item ${item.state}` },
        h("div", { class: "history-meta" }, h("span", { class: `dot ${item.state}` }), new Date(item.at).toLocaleString(), " · ", item.state === "done" ? `${fmtNumber(item.rows)} rows · ${fmtSeconds(item.elapsed)}` : item.state),
        h("code", { class: "history-sql" }, item.sql),
        h(
          "div",
          { class: "history-actions" },
          h("button", { class: "btn small", onclick: () => ((app.activeTab().sql = item.sql), (editor.text = item.sql), app.saveTabs()) }, "Use here"),
          h("button", { class: "btn small", onclick: () => app.newTab(item.sql) }, "Open in new tab"),
        ),
      ),
    );
  }
  viewBody.append(h("div", { class: "history-head" }, h("span", { class: "muted" }, `${app.history.length} recent queries (kept in this browser)`), h("button", { class: "btn small", onclick: () => app.clearHistory() }, "Clear")), list);
}
