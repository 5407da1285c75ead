// distillr's web app: nav tree, query tabs, results grid, charts, and the data source wizard.
import "./style.css";
import { api, ApiError, setCsrf, whenUnauthorized } from "./api.js";
import { h, clear, confirmDialog, fmtNumber, fmtSeconds, modal, toast } from "./dom.js";
import { createTabBar } from "./tabs.js";
import { createTree } from "./tree.js";
import { openWizard } from "./wizard.js";
import { saveTableButton } from "./save.js";
import { createEditor } from "./editor.js";
import { decodeArrow, renderGrid } from "./grid.js";
// Chart.js loads when a tab first shows Visualize: the page paints without it
let charts = null;
const loadCharts = () => (charts ||= import("./chart.js"));

const TABS_KEY = "distillr.tabs";
const HISTORY_KEY = "distillr.history";
const EDITOR_KEY = "distillr.editorHeight";
const GRID_MAX = 500000; // rows shown in the grid; exports always hold every row
const app = document.getElementById("app");
const count = (n, noun) => `${fmtNumber(n)} ${noun}${n === 1 ? "" : "s"}`;
window.__distillr = { timings: [] };

// -- persistence --------------------------------------------------------------------------
function loadTabs() {
  try {
    const saved = JSON.parse(localStorage.getItem(TABS_KEY));
    if (saved && Array.isArray(saved.tabs) && saved.tabs.length) return saved;
  } catch {
    /* start fresh */
  }
  return { tabs: [{ id: newId(), title: "Query 1", sql: "" }], active: null, seq: 1 };
}
function newId() {
  return Math.random().toString(36).slice(2, 10);
}
function loadHistory() {
  try {
    return JSON.parse(localStorage.getItem(HISTORY_KEY)) || [];
  } catch {
    return [];
  }
}

// -- login ----------------------------------------------------------------------------------
async function start() {
  whenUnauthorized(() => showLogin());
  let me;
  try {
    me = await api("GET", "/api/me");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return showLogin();
    clear(app).append(h("div", { class: "fatal" }, err.message));
    return;
  }
  setCsrf(me.csrf);
  mountApp(me);
}

function showLogin() {
  if (document.querySelector(".login")) return;
  const user = h("input", { id: "login-user", name: "username", autocomplete: "username", required: true });
  const pass = h("input", { id: "login-pass", name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = h("div", { class: "form-error", role: "alert" });
  clear(app).append(
    h(
      "div",
      { class: "login" },
      h(
        "form",
        {
          class: "login-box",
          onsubmit: async (e) => {
            e.preventDefault();
            error.textContent = "";
            try {
              const me = await api("POST", "/api/login", { username: user.value, password: pass.value });
              setCsrf(me.csrf);
              mountApp(me);
            } catch (err) {
              error.textContent = err.message;
            }
          },
        },
        h("div", { class: "brand big" }, h("img", { src: "/favicon.svg", alt: "" }), "distillr"),
        h("p", { class: "login-note muted" }, "This server needs a login. Ask its admin for an account (distillr users add)."),
        h("label", { class: "field-label", for: "login-user" }, "User name"),
        user,
        h("label", { class: "field-label", for: "login-pass" }, "Password"),
        pass,
        error,
        h("button", { class: "btn primary", type: "submit" }, "Log in"),
      ),
    ),
  );
  user.focus();
}

// -- the app --------------------------------------------------------------------------------
function mountApp(me) {
  // analysts query and browse; only admins add, edit or delete sources (the server says 403)
  const admin = !me.role || me.role === "admin";
  const state = loadTabs();
  if (!state.tabs.find((t) => t.id === state.active)) state.active = state.tabs[0].id;
  const results = new Map(); // tab id -> {result, job, error, explain, view, run}
  let history = loadHistory();
  let hasSources = null; // known once the tree has loaded

  const saveTabs = () => localStorage.setItem(TABS_KEY, JSON.stringify(state));
  const activeTab = () => state.tabs.find((t) => t.id === state.active);
  const slot = (id) => {
    if (!results.has(id)) results.set(id, { view: "results" });
    return results.get(id);
  };
  const runningIn = (id) => Boolean(results.get(id)?.run);

  // layout
  const treeBox = h("div", { class: "tree-box" });
  const tabbar = h("div", { class: "tabbar" });
  const editorBox = h("div", { class: "editor-box", style: { height: localStorage.getItem(EDITOR_KEY) || "34%" } });
  const splitter = h("div", { class: "splitter", role: "separator", "aria-orientation": "horizontal", title: "Drag to resize the editor" });
  const runBtn = h("button", { class: "btn primary run", title: "Run (Ctrl+Enter)", onclick: () => run() }, "▶ Run");
  const cancelBtn = h("button", { class: "btn cancel", disabled: true, onclick: () => cancel() }, "■ Cancel");
  const explainBtn = h("button", { class: "btn explain-btn", onclick: () => explain() }, "Explain");
  const saveBtn = h("button", { class: "btn save-query-btn", title: "Save this query under a name", onclick: () => saveQuery() }, "Save");
  const formatBtn = h("button", { class: "btn format-btn", title: "Format the SQL (Shift+Alt+F)", onclick: () => formatSql() }, "Format");
  const helpBtn = h("button", { class: "btn small help-btn", title: "Keyboard shortcuts", "aria-label": "Keyboard shortcuts", onclick: () => showHelp() }, "?");
  const exportMenu = h(
    "div",
    { class: "export" },
    h("span", { class: "muted" }, "Export"),
    ["csv", "json", "parquet"].map((f) => h("button", { class: "btn small", dataset: { format: f }, disabled: true, onclick: () => exportResult(f) }, f.toUpperCase())),
  );
  const viewTabs = h("div", { class: "view-tabs", role: "tablist" });
  const viewBody = h("div", { class: "view-body" });
  const st = {
    dot: h("span", { class: "dot idle" }),
    status: h("span", { class: "st-status" }, "Ready"),
    elapsed: h("span", { class: "st-meta st-elapsed", title: "Time from Run to the rows shown" }, ""),
    rows: h("span", { class: "st-meta st-rows" }, ""),
    pages: h("span", { class: "st-meta st-pages", title: "Pages of results read from the APIs" }, ""),
    requests: h("span", { class: "st-meta st-requests", title: "Requests sent to the data sources' APIs" }, ""),
  };
  const statusbar = h("footer", { class: "statusbar", "aria-live": "polite" }, st.dot, st.status, h("span", { class: "spacer" }), st.elapsed, st.rows, st.pages, st.requests);

  clear(app).append(
    h(
      "header",
      { class: "topbar" },
      h("div", { class: "brand" }, h("img", { src: "/favicon.svg", alt: "" }), "distillr"),
      h("span", { class: "spacer" }),
      h("a", { class: "toplink", href: "/docs", target: "_blank", rel: "noopener" }, "API docs"),
      me.user ? h("span", { class: "user" }, me.user) : null,
      me.user ? h("button", { class: "btn small", onclick: logout }, "Log out") : null,
    ),
    h(
      "div",
      { class: "main" },
      h(
        "aside",
        { class: "sidebar" },
        h("div", { class: "sidebar-head" }, h("span", {}, "Data sources"), admin ? h("button", { class: "btn small primary add-source", title: "Add a data source", onclick: () => addSource() }, "+ Add") : null),
        treeBox,
      ),
      h(
        "section",
        { class: "workspace" },
        tabbar,
        editorBox,
        splitter,
        h("div", { class: "toolbar" }, runBtn, cancelBtn, explainBtn, formatBtn, saveBtn, saveTableButton({ getSql: () => editor.selection() || activeTab().sql, onSaved: () => refreshTree() }), h("span", { class: "hint muted", title: "Ctrl+Enter runs the query, or only the selected text" }, "Ctrl+Enter runs the query (or the selection)"), helpBtn, h("span", { class: "spacer" }), exportMenu),
        h("div", { class: "results" }, viewTabs, viewBody),
        statusbar,
      ),
    ),
  );

  async function logout() {
    await api("POST", "/api/logout").catch(() => {});
    setCsrf(null);
    showLogin();
  }

  // the splitter between editor and results: its height is kept in this browser
  splitter.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    splitter.setPointerCapture(e.pointerId);
    const top = editorBox.getBoundingClientRect().top;
    const move = (ev) => {
      const max = window.innerHeight - top - 160;
      editorBox.style.height = `${Math.round(Math.max(60, Math.min(max, ev.clientY - top)))}px`;
    };
    const up = () => {
      splitter.removeEventListener("pointermove", move);
      localStorage.setItem(EDITOR_KEY, editorBox.style.height);
    };
    splitter.addEventListener("pointermove", move);
    splitter.addEventListener("pointerup", up, { once: true });
  });

  // editor + tabs
  const editor = createEditor(editorBox, {
    doc: activeTab().sql,
    onChange: (text) => {
      activeTab().sql = text;
      saveTabs();
    },
    onRun: () => run(),
  });

  const tabBar = createTabBar(tabbar, {
    tabs: () => state.tabs,
    isRunning: runningIn,
    onSelect: (id) => id !== state.active && selectTab(id),
    onNew: () => newTab(),
    onClose: (id) => closeTab(id),
    onRename: (id, name) => {
      state.tabs.find((t) => t.id === id).title = name;
      saveTabs();
      renderTabs();
    },
    onDuplicate: (id) => {
      const t = state.tabs.find((x) => x.id === id);
      newTab(t.sql, `${t.title} (copy)`, state.tabs.indexOf(t) + 1);
    },
    onCloseOthers: (id) => {
      for (const t of [...state.tabs]) if (t.id !== id) closeTab(t.id, false);
      selectTab(id);
    },
    onMove: (from, to) => {
      const a = state.tabs.findIndex((t) => t.id === from);
      const b = state.tabs.findIndex((t) => t.id === to);
      const [moved] = state.tabs.splice(a, 1);
      state.tabs.splice(b, 0, moved); // after the target when moving right, before it when left
      saveTabs();
      renderTabs();
    },
  });
  const renderTabs = () => tabBar.render(state.active);

  function selectTab(id) {
    state.active = id;
    saveTabs();
    editor.text = activeTab().sql;
    editor.clearError();
    renderTabs();
    renderView();
    editor.focus();
  }

  function newTab(sql = "", title = null, at = state.tabs.length) {
    state.seq = (state.seq || state.tabs.length) + 1;
    const tab = { id: newId(), title: title || `Query ${state.seq}`, sql };
    state.tabs.splice(at, 0, tab);
    selectTab(tab.id);
    return tab;
  }

  function closeTab(id, select = true) {
    const i = state.tabs.findIndex((t) => t.id === id);
    if (i < 0) return;
    cancelJob(results.get(id)); // a closed tab's query stops
    state.tabs.splice(i, 1);
    results.delete(id);
    if (!state.tabs.length) return newTab();
    if (!select) return saveTabs();
    if (state.active === id) selectTab(state.tabs[Math.max(0, i - 1)].id);
    else (saveTabs(), renderTabs());
  }

  // tree
  const addSource = () => openWizard({ onSaved: sourceSaved });
  const tree = createTree(treeBox, {
    onAdd: admin ? addSource : null,
    onOpenTable: (src, t) => openTable(src, t),
    onSample: (src, t, anchor) => showSamples(src, t, anchor),
    onEdit: !admin ? null : async (name) => {
      try {
        const source = await api("GET", `/api/sources/${encodeURIComponent(name)}`);
        openWizard({ source, onSaved: sourceSaved });
      } catch (err) {
        toast(err.message, "error");
      }
    },
    onDelete: !admin ? null : async (name) => {
      if (!(await confirmDialog(`Delete ${name}?`, `Queries will no longer find ${name}. Its saved settings and secrets are removed.`))) return;
      try {
        await api("DELETE", `/api/sources/${encodeURIComponent(name)}`);
        toast(`Deleted ${name}`);
        refreshTree();
      } catch (err) {
        toast(err.message, "error");
      }
    },
  });

  // A table with path parameters opens with a real value from the data where the samples
  // find one, else with the placeholder '...', which the engine refuses before any request.
  async function openTable(src, t) {
    const plain = `SELECT *\nFROM \`${src}\`.\`${t.name}\`\nLIMIT 100`;
    if (!t.parameters.length) return newTab(plain, t.name);
    const tab = newTab(`-- looking up a value for ${t.parameters.join(", ")}…\n${plain}`, t.name);
    let sql = null;
    try {
      const found = await api("GET", `/api/samples/${encodeURIComponent(src)}?table=${encodeURIComponent(t.name)}`);
      sql = found.samples.find((x) => x.open)?.sql;
    } catch {
      /* the placeholder below */
    }
    if (!sql) sql = `-- Replace '...' with a real ${t.parameters.join(" and ")}\nSELECT *\nFROM \`${src}\`.\`${t.name}\`\nWHERE ${t.parameters.map((p) => `\`${p}\` = '...'`).join(" AND ")}\nLIMIT 100`;
    if (!state.tabs.includes(tab)) return;
    tab.sql = sql;
    saveTabs();
    if (state.active === tab.id) editor.text = sql;
  }

  async function refreshTree(added = null) {
    const data = await tree.load(added);
    editor.setSchema(data);
    const had = hasSources;
    hasSources = data.sources.length > 0;
    if (had !== hasSources && !runningIn(state.active)) renderView(); // the empty state's advice changes
  }

  function sourceSaved(saved, { created }) {
    toast(created ? `Connected ${saved.name}` : `Saved ${saved.name}`, "ok");
    refreshTree(created ? saved.name : null);
  }

  async function showSamples(src, t, anchor) {
    document.querySelector(".popover")?.remove();
    let samples = [];
    try {
      samples = (await api("GET", `/api/samples/${encodeURIComponent(src)}?table=${encodeURIComponent(t.name)}`)).samples;
    } catch (err) {
      return toast(err.message, "error");
    }
    const r = anchor.getBoundingClientRect();
    const pop = h(
      "div",
      { class: "popover", role: "menu", style: { left: `${r.right + 6}px`, top: `${r.top - 4}px` } },
      h("div", { class: "popover-head" }, `Sample queries · ${t.name}`),
      samples.map((s) =>
        h(
          "button",
          { class: "popover-item", role: "menuitem", onclick: () => (pop.remove(), newTab(s.sql, s.title.length > 28 ? t.name : s.title), run()) },
          h("div", { class: "title" }, s.title),
          h("code", {}, s.sql.replace(/\s+/g, " ").slice(0, 90)),
        ),
      ),
    );
    document.body.append(pop);
    const height = pop.getBoundingClientRect().height;
    pop.style.top = `${Math.max(8, Math.min(r.top - 4, window.innerHeight - height - 8))}px`;
    setTimeout(() => document.addEventListener("mousedown", function off(e) {
      if (!pop.contains(e.target)) {
        pop.remove();
        document.removeEventListener("mousedown", off);
      }
    }), 0);
  }

  function showHelp() {
    const keys = [
      ["Ctrl+Enter", "Run the query, or only the selected text"],
      ["Shift+Enter", "Run"],
      ["Ctrl+Space", "Complete sources, tables, columns, functions and keywords"],
      ["Enter / Tab", "Pick the highlighted completion"],
      ["Shift+Alt+F", "Format the SQL"],
      ["Ctrl+/", "Comment or uncomment the line"],
      ["Ctrl+F", "Find in the editor"],
      ["Ctrl+Z / Ctrl+Shift+Z", "Undo / redo"],
      ["Double-click a tab", "Rename it (its ⋯ menu: duplicate, close others)"],
    ];
    modal("Keyboard shortcuts", h("table", { class: "help-keys" }, keys.map(([k, what]) => h("tr", {}, h("td", {}, h("kbd", {}, k)), h("td", {}, what)))));
  }

  // views under the editor
  const VIEWS = [
    ["results", "Results"],
    ["explain", "Explain"],
    ["visualize", "Visualize"],
    ["history", "History"],
    ["saved", "Saved"],
  ];
  function renderViewTabs() {
    const s = slot(state.active);
    clear(viewTabs);
    for (const [id, label] of VIEWS) {
      viewTabs.append(h("button", { class: `view-tab${s.view === id ? " active" : ""}`, role: "tab", dataset: { view: id }, onclick: () => ((s.view = id), renderView()) }, label));
    }
  }

  // After a reload: show the tab's last result again while the server still keeps it.
  async function restore(tab) {
    const s = slot(tab.id);
    if (s.restoring || s.job || s.run || !tab.lastJob) return;
    s.restoring = true;
    try {
      const job = await api("GET", `/api/queries/${tab.lastJob}`);
      if (job.state !== "done" || s.job || s.run) return;
      const res = await api("GET", `/api/queries/${job.id}/result?format=arrow&limit=${GRID_MAX}`, undefined, { raw: true });
      s.result = decodeArrow(await res.arrayBuffer(), job.columns);
      s.job = job;
      if (state.active === tab.id && !s.run) renderView();
    } catch {
      delete tab.lastJob; // gone from the server: run the query again to see it
      saveTabs();
    }
  }

  function renderView() {
    renderViewTabs();
    const tab = activeTab();
    const s = slot(state.active);
    restore(tab);
    for (const b of exportMenu.querySelectorAll("button")) b.disabled = !(s.job && s.job.state === "done");
    runBtn.disabled = Boolean(s.run);
    cancelBtn.disabled = !s.run || !s.run.jobId;
    updateStatus(s);
    clear(viewBody);
    viewBody.dataset.view = s.view;
    if (s.view === "results") {
      if (s.run) {
        viewBody.append(h("div", { class: "empty running" }, h("span", { class: "spinner" }), h("span", { class: "progress-text" }, progressText(s))));
      } else if (s.error) {
        const cancelled = s.job?.state === "cancelled";
        viewBody.append(h("div", { class: `error-box${cancelled ? " cancelled" : ""}`, role: cancelled ? "status" : "alert" }, h("strong", {}, s.error.title || "Error"), h("pre", {}, s.error.message)));
      } else if (s.result) {
        const box = h("div", { class: "grid-box", dataset: { rows: String(s.result.rows.length) } });
        viewBody.append(box);
        s.grid = renderGrid(box, s.result, { total: s.job?.rows });
      } else if (hasSources === false) {
        viewBody.append(
          h(
            "div",
            { class: "empty first-run" },
            h("strong", {}, admin ? "Start by adding a data source" : "No data sources yet"),
            h("span", {}, admin ? "Its tables appear in the tree on the left; click one to query it here." : "Ask an admin of this server to add one."),
            admin ? h("button", { class: "btn primary", onclick: () => addSource() }, "+ Add a data source") : null,
          ),
        );
      } else {
        viewBody.append(h("div", { class: "empty" }, "Write a query and press Run (Ctrl+Enter), or click a table in the tree to start."));
      }
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
          saveTabs();
        },
      }));
    } else if (s.view === "saved") {
      renderSaved();
    } else {
      renderHistory();
    }
  }

  // saved queries: per user, on the server
  async function renderSaved() {
    const box = h("div", { class: "history saved" }, h("div", { class: "muted" }, "Loading…"));
    viewBody.append(box);
    let saved = [];
    try {
      saved = await api("GET", "/api/saved");
    } catch (err) {
      return box.replaceChildren(h("div", { class: "error-text" }, err.message));
    }
    if (slot(state.active).view !== "saved") return;
    if (!saved.length) return box.replaceChildren(h("div", { class: "empty" }, "Queries you save (the Save button) appear here, for you on any browser."));
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
            h("button", { class: "btn small", onclick: () => (Object.assign(newTab(q.sql, q.name), { saved: q.name }), saveTabs()) }, "Open"),
            h("button", { class: "btn small", onclick: () => (Object.assign(newTab(q.sql, q.name), { saved: q.name }), run()) }, "Run"),
            h("button", { class: "btn small", onclick: async () => {
              if (!(await confirmDialog(`Delete ${q.name}?`, "The saved query is removed for good."))) return;
              await api("DELETE", `/api/saved/${encodeURIComponent(q.name)}`).catch((err) => toast(err.message, "error"));
              renderView();
            } }, "Delete"),
          ),
        ),
      ),
    );
  }

  function saveQuery() {
    const tab = activeTab();
    if (!tab.sql.trim()) return toast("Type a query first.");
    const name = h("input", { class: "save-name", value: tab.saved || tab.title, "aria-label": "Name", maxlength: "120" });
    const error = h("div", { class: "form-error", role: "alert" });
    const m = modal(
      "Save query",
      h(
        "form",
        {
          onsubmit: async (e) => {
            e.preventDefault();
            try {
              const saved = await api("PUT", "/api/saved", { name: name.value, sql: tab.sql });
              Object.assign(tab, { saved: saved.name, title: saved.name });
              saveTabs();
              renderTabs();
              m.close();
              toast(`Saved ${saved.name}`, "ok");
              if (slot(state.active).view === "saved") renderView();
            } catch (err) {
              error.textContent = err.message;
            }
          },
        },
        h("label", { class: "field-label" }, "Name"),
        name,
        error,
        h("div", { class: "form-actions" }, h("button", { class: "btn primary", type: "submit" }, "Save")),
      ),
    );
    name.focus();
    name.select();
  }

  function renderHistory() {
    if (!history.length) return viewBody.append(h("div", { class: "empty" }, "Queries you run appear here."));
    const list = h("div", { class: "history" });
    for (const item of history) {
      list.append(
        h(
          "div",
          { class: `history-item ${item.state}` },
          h("div", { class: "history-meta" }, h("span", { class: `dot ${item.state}` }), new Date(item.at).toLocaleString(), " · ", item.state === "done" ? `${fmtNumber(item.rows)} rows · ${fmtSeconds(item.elapsed)}` : item.state),
          h("code", { class: "history-sql" }, item.sql),
          h(
            "div",
            { class: "history-actions" },
            h("button", { class: "btn small", onclick: () => ((activeTab().sql = item.sql), (editor.text = item.sql), saveTabs()) }, "Use here"),
            h("button", { class: "btn small", onclick: () => newTab(item.sql) }, "Open in new tab"),
          ),
        ),
      );
    }
    viewBody.append(h("div", { class: "history-head" }, h("span", { class: "muted" }, `${history.length} recent queries (kept in this browser)`), h("button", { class: "btn small", onclick: () => ((history = []), localStorage.removeItem(HISTORY_KEY), renderView()) }, "Clear")), list);
  }

  // the live figures, as the CLI's progress line: requests, pages, rows, time
  function progressText(s) {
    const x = s.run?.live?.stats || {};
    const parts = [s.run?.live?.queued ? "Waiting for a free slot…" : "Running…", fmtSeconds((performance.now() - s.run.started) / 1000)];
    if (x.requests !== undefined) parts.push(count(x.requests, "API request"));
    if (x.pages !== undefined) parts.push(count(x.pages, "page"));
    if (x.rows !== undefined) parts.push(`${count(x.rows, "row")} fetched`);
    return parts.join(" · ");
  }

  function updateStatus(s) {
    const set = (el, text) => (el.textContent = text);
    const statsOut = (stats, rows) => {
      set(st.rows, rows);
      set(st.pages, stats.pages !== undefined ? count(stats.pages, "page") : "");
      set(st.requests, stats.requests !== undefined ? count(stats.requests, "API request") : "");
    };
    if (s.run) {
      const live = s.run.live || {};
      const stats = live.stats || {};
      st.dot.className = "dot running";
      set(st.status, live.queued ? "Queued…" : "Running…");
      set(st.elapsed, fmtSeconds((performance.now() - s.run.started) / 1000));
      statsOut(stats, stats.rows !== undefined ? `${count(stats.rows, "row")} fetched` : "");
      return;
    }
    const job = s.job;
    if (!job) {
      st.dot.className = "dot idle";
      set(st.status, "Ready");
      for (const k of ["elapsed", "rows", "pages", "requests"]) set(st[k], "");
      return;
    }
    st.dot.className = `dot ${job.state}`;
    set(st.status, { done: "Done", error: "Error", cancelled: "Cancelled" }[job.state] || job.state);
    set(st.elapsed, fmtSeconds(s.elapsed ?? job.elapsed));
    statsOut(job.stats || {}, job.rows !== undefined ? count(job.rows, "row") : "");
  }

  // running queries: each tab runs its own job at once with the others; Cancel stops only
  // the active tab's; closing or reloading the page cancels them (pagehide, below)
  async function run() {
    const tab = activeTab();
    const s = slot(tab.id);
    if (s.run) return;
    const selected = editor.selection();
    const sql = selected || tab.sql;
    if (!sql.trim()) return toast("Type a query first.");
    const from = selected ? editor.selectionFrom() : 0;
    const t0 = performance.now();
    const r = { jobId: null, started: t0, live: null };
    Object.assign(s, { view: "results", error: null, result: null, job: null, elapsed: null, run: r });
    editor.clearError();
    const here = () => state.active === tab.id;
    renderTabs();
    if (here()) renderView();
    r.tick = setInterval(() => {
      if (!here() || s.run !== r) return;
      updateStatus(s);
      const p = viewBody.querySelector(".progress-text");
      if (p) p.textContent = progressText(s);
    }, 100);
    const done = () => {
      clearInterval(r.tick);
      s.run = null;
      renderTabs();
      if (here()) renderView();
    };
    let job;
    try {
      job = await api("POST", "/api/queries", { sql, tab: tab.id });
      r.jobId = job.id;
      if (r.closed) cancelJob(s, true)?.catch(() => {}); // closed while the query was sent
      r.live = job;
      if (here()) cancelBtn.disabled = false;
      while (job.state === "running") {
        job = await api("GET", `/api/queries/${job.id}?wait=0.5`);
        r.live = job;
      }
      s.job = job;
      tab.lastJob = job.id;
      saveTabs();
      if (job.state === "done") {
        const res = await api("GET", `/api/queries/${job.id}/result?format=arrow&limit=${GRID_MAX}`, undefined, { raw: true });
        const buf = await res.arrayBuffer();
        const arrived = performance.now();
        s.result = decodeArrow(buf, job.columns);
        const decoded = performance.now();
        s.elapsed = (arrived - t0) / 1000;
        done();
        const built = performance.now();
        await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));
        const painted = performance.now();
        window.__distillr.timings.push({ rows: s.result.rows.length, run: t0, arrived, painted, decode: decoded - arrived, build: built - decoded, runToPaint: painted - t0, arriveToPaint: painted - arrived });
      } else {
        s.error = { title: job.state === "cancelled" ? "Cancelled" : job.error?.title || "Error", message: job.error?.detail || "The query stopped." };
        s.elapsed = job.elapsed;
        if (job.error?.line && here()) editor.markError(from, sql, job.error.line, job.error.column, job.error.detail);
        done();
      }
    } catch (err) {
      s.job = job && job.state !== "running" ? job : { state: "error", elapsed: (performance.now() - t0) / 1000, stats: job?.stats };
      s.error = { title: err.problem?.title || "Error", message: err.message };
      s.elapsed = (performance.now() - t0) / 1000;
      if (err.problem?.line && here()) editor.markError(from, sql, err.problem.line, err.problem.column, err.message);
      done();
    }
    if (tab.saved && sql === tab.sql) api("POST", `/api/saved/${encodeURIComponent(tab.saved)}/ran`).catch(() => {});
    history.unshift({ sql, at: Date.now(), state: s.job?.state || "error", rows: s.job?.rows, elapsed: s.elapsed });
    history = history.slice(0, 200);
    localStorage.setItem(HISTORY_KEY, JSON.stringify(history));
  }

  function cancelJob(s, keepalive = false) {
    if (!s?.run) return null;
    const id = s.run.jobId;
    s.run.closed = true; // a job id still on its way is cancelled when it arrives
    if (!id) return null;
    return api("DELETE", `/api/queries/${id}`, undefined, { keepalive });
  }

  async function cancel() {
    const s = slot(state.active);
    if (!s.run || !s.run.jobId) return;
    cancelBtn.disabled = true;
    try {
      await cancelJob(s);
    } catch (err) {
      toast(err.message, "error");
    }
  }

  // a page that goes away (closed, reloaded, navigated) cancels its tabs' queries
  window.addEventListener("pagehide", () => {
    for (const s of results.values()) cancelJob(s, true)?.catch(() => {});
  });

  // one clause a line, by the server's parser (the text stays the same query)
  async function formatSql() {
    const tab = activeTab();
    if (!tab.sql.trim()) return;
    editor.clearError();
    try {
      const out = await api("POST", "/api/format", { sql: tab.sql });
      if (out.note) toast(out.note);
      if (out.sql !== tab.sql && state.active === tab.id) editor.text = out.sql;
    } catch (err) {
      if (err.problem?.line) editor.markError(0, tab.sql, err.problem.line, err.problem.column, err.message);
      toast(err.message, "error");
    }
  }

  async function explain() {
    const s = slot(state.active);
    const sql = editor.selection() || activeTab().sql;
    if (!sql.trim()) return toast("Type a query first.");
    s.view = "explain";
    try {
      const plan = await api("POST", "/api/explain", { sql });
      s.explain = plan.text;
    } catch (err) {
      s.explain = `${err.problem?.title || "Error"}\n\n${err.message}`;
    }
    renderView();
  }

  function exportResult(format) {
    const s = slot(state.active);
    if (!s.job || s.job.state !== "done") return;
    const a = h("a", { href: `/api/queries/${s.job.id}/export?format=${format}`, download: "" });
    document.body.append(a);
    a.click();
    a.remove();
  }

  document.addEventListener("keydown", (e) => {
    if (document.querySelector(".overlay") || e.defaultPrevented) return;
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
      e.preventDefault();
      run();
    } else if (e.shiftKey && e.altKey && e.code === "KeyF") {
      e.preventDefault();
      formatSql();
    }
  });

  renderTabs();
  renderView();
  refreshTree();
  editor.focus();
}

start();
