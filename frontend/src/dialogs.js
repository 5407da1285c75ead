// The query window's small dialogs: save the tab's query under a name, keyboard shortcuts.
import { api } from "./api.js";
import { h, modal, toast } from "./dom.js";

export function saveQuery(app) {
  const tab = app.activeTab();
  if (!tab.sql.trim()) return toast("Type a query first.");
  const name = h("input", { class: "save-name", value: tab.saved || tab.title, "aria-label": "Name", maxlength: "120" });
  const error = h("div", { class: "form-error", role: "alert" });
  const submit = async (e) => {
    e.preventDefault();
    try {
      const saved = await api("PUT", "/api/saved", { name: name.value, sql: tab.sql });
      Object.assign(tab, { saved: saved.name, title: saved.name });
      app.saveTabs();
      app.renderTabs();
      m.close();
      toast(`Saved ${saved.name}`, "ok");
      if (app.slot(app.state.active).view === "saved") app.renderView();
    } catch (err) {
      error.textContent = err.message;
    }
  };
  const m = modal(
    "Save query",
    h(
      "form",
      { onsubmit: submit },
      h("label", { class: "field-label" }, "Name"),
      name,
      error,
      h("div", { class: "form-actions" }, h("button", { class: "btn primary", type: "submit" }, "Save")),
    ),
  );
  name.focus();
  name.select();
}

const KEYS = [
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

export function showHelp() {
  modal("Keyboard shortcuts", h("table", { class: "help-keys" }, KEYS.map(([k, what]) => h("tr", {}, h("td", {}, h("kbd", {}, k)), h("td", {}, what)))));
}
