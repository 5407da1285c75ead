// The query tabs' state: select, open, close; and the tab bar's actions (rename, duplicate,
// close others, reorder). The tabs are kept in this browser (app.saveTabs).
import { createTabBar } from "./tabs.js";
import { cancelJob } from "./run.js";

export const newId = () => Math.random().toString(36).slice(2, 10);

export function selectTab(app, id) {
  const { editor } = app;
  app.state.active = id;
  app.saveTabs();
  editor.text = app.activeTab().sql;
  editor.clearError();
  app.renderTabs();
  app.renderView();
  editor.focus();
}

export function newTab(app, sql = "", title = null, at = app.state.tabs.length) {
  const { state } = app;
  state.seq = (state.seq || state.tabs.length) + 1;
  const tab = { id: newId(), title: title || `Query ${state.seq}`, sql };
  state.tabs.splice(at, 0, tab);
  selectTab(app, tab.id);
  return tab;
}

export function closeTab(app, id, select = true) {
  const { state, results } = app;
  const i = state.tabs.findIndex((t) => t.id === id);
  if (i < 0) return;
  cancelJob(results.get(id)); // a closed tab's query stops
  state.tabs.splice(i, 1);
  results.delete(id);
  if (!state.tabs.length) return newTab(app);
  if (!select) return app.saveTabs();
  if (state.active === id) selectTab(app, state.tabs[Math.max(0, i - 1)].id);
  else (app.saveTabs(), app.renderTabs());
}

export function createTabs(app) {
  const { state } = app;
  const changed = () => (app.saveTabs(), app.renderTabs());
  return createTabBar(app.tabbar, {
    tabs: () => state.tabs,
    isRunning: app.runningIn,
    onSelect: (id) => id !== state.active && selectTab(app, id),
    onNew: () => newTab(app),
    onClose: (id) => closeTab(app, id),
    onRename: (id, name) => {
      state.tabs.find((t) => t.id === id).title = name;
      changed();
    },
    onDuplicate: (id) => {
      const t = state.tabs.find((x) => x.id === id);
      newTab(app, t.sql, `${t.title} (copy)`, state.tabs.indexOf(t) + 1);
    },
    onCloseOthers: (id) => {
      for (const t of [...state.tabs]) if (t.id !== id) closeTab(app, t.id, false);
      selectTab(app, id);
    },
    onMove: (from, to) => {
      const a = state.tabs.findIndex((t) => t.id === from);
      const b = state.tabs.findIndex((t) => t.id === to);
      const [moved] = state.tabs.splice(a, 1);
      state.tabs.splice(b, 0, moved); // after the target when moving right, before it when left
      changed();
    },
  });
}
