// distillr's web app: nav tree, query tabs, results grid, charts, and the data source wizard.
// This module logs in and assembles the parts; `app` (made in mountApp) is what they share:
// the tabs' state, each tab's slot (its run, job, result, view), the page's elements, and the
// actions, set here so that a part calls another's late (app.run(), app.renderView() ...).
import "./style.css";
import { api, ApiError, setCsrf, whenUnauthorized } from "./api.js";
import { h, clear } from "./dom.js";
import { createEditor } from "./editor.js";
import { buildLayout } from "./layout.js";
import { closeTab, createTabs, newId, newTab, selectTab } from "./querytabs.js";
import { cancel, cancelJob, explain, exportResult, formatSql, run } from "./run.js";
import { createSources, refreshTree } from "./sources.js";
import { saveQuery, showHelp } from "./dialogs.js";
import { renderView } from "./views.js";

const TABS_KEY = "distillr.tabs";
const HISTORY_KEY = "distillr.history";
const GRID_ROWS = 500000; // rows shown in the grid, unless the server says; exports hold every row
const root = document.getElementById("app");
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
    clear(root).append(h("div", { class: "fatal" }, err.message));
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
  clear(root).append(
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
function appState(me) {
  const state = loadTabs();
  if (!state.tabs.find((t) => t.id === state.active)) state.active = state.tabs[0].id;
  const results = new Map(); // tab id -> {result, job, error, explain, view, run}
  const app = {
    me,
    // analysts query and browse; only admins add, edit or delete sources (the server says 403)
    admin: !me.role || me.role === "admin",
    gridRows: me.grid_rows || GRID_ROWS,
    state,
    results,
    history: loadHistory(),
    hasSources: null, // known once the tree has loaded
    saveTabs: () => localStorage.setItem(TABS_KEY, JSON.stringify(state)),
    activeTab: () => state.tabs.find((t) => t.id === state.active),
    slot: (id) => {
      if (!results.has(id)) results.set(id, { view: "results" });
      return results.get(id);
    },
    runningIn: (id) => Boolean(results.get(id)?.run),
    remember: (entry) => {
      app.history = [entry, ...app.history].slice(0, 200);
      localStorage.setItem(HISTORY_KEY, JSON.stringify(app.history));
    },
    clearHistory: () => {
      app.history = [];
      localStorage.removeItem(HISTORY_KEY);
      app.renderView();
    },
  };
  return app;
}

function mountApp(me) {
  const app = appState(me);
  Object.assign(app, {
    run: () => run(app),
    cancel: () => cancel(app),
    explain: () => explain(app),
    formatSql: () => formatSql(app),
    exportResult: (format) => exportResult(app, format),
    saveQuery: () => saveQuery(app),
    showHelp,
    renderView: () => renderView(app),
    selectTab: (id) => selectTab(app, id),
    newTab: (...args) => newTab(app, ...args),
    closeTab: (...args) => closeTab(app, ...args),
    refreshTree: (added) => refreshTree(app, added),
    logout: async () => {
      await api("POST", "/api/logout").catch(() => {});
      setCsrf(null);
      showLogin();
    },
  });
  Object.assign(app, buildLayout(root, app));
  app.editor = createEditor(app.editorBox, {
    doc: app.activeTab().sql,
    onChange: (text) => {
      app.activeTab().sql = text;
      app.saveTabs();
    },
    onRun: () => app.run(),
  });
  const tabBar = createTabs(app);
  app.renderTabs = () => tabBar.render(app.state.active);
  app.tree = createSources(app);

  // a page that goes away (closed, reloaded, navigated) cancels its tabs' queries
  window.addEventListener("pagehide", () => {
    for (const s of app.results.values()) cancelJob(s, true)?.catch(() => {});
  });
  document.addEventListener("keydown", (e) => {
    if (document.querySelector(".overlay") || e.defaultPrevented) return;
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
      e.preventDefault();
      app.run();
    } else if (e.shiftKey && e.altKey && e.code === "KeyF") {
      e.preventDefault();
      app.formatSql();
    }
  });

  app.renderTabs();
  app.renderView();
  app.refreshTree();
  app.editor.focus();
}

start();
