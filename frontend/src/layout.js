// The query window's frame: top bar, the sidebar with the tree, the workspace (tab bar, editor,
// splitter, toolbar, result views, status bar). Buttons call the app's actions late (app.run
// and so on are set once every part exists).
import { h, clear } from "./dom.js";
import { saveTableButton } from "./save.js";

export const EDITOR_KEY = "distillr.editorHeight";

function statusBar() {
  const st = {
    dot: h("span", { class: "dot idle" }),
    status: h("span", { class: "st-status" }, "Ready"),
    elapsed: h("span", { class: "st-meta st-elapsed", title: "Time from Run to the rows shown" }, ""),
    rows: h("span", { class: "st-meta st-rows" }, ""),
    pages: h("span", { class: "st-meta st-pages", title: "Pages of results read from the APIs" }, ""),
    requests: h("span", { class: "st-meta st-requests", title: "Requests sent to the data sources' APIs" }, ""),
  };
  const bar = h("footer", { class: "statusbar", "aria-live": "polite" }, st.dot, st.status, h("span", { class: "spacer" }), st.elapsed, st.rows, st.pages, st.requests);
  return { st, bar };
}

function toolbar(app, parts) {
  const { runBtn, cancelBtn, exportMenu } = parts;
  return h(
    "div",
    { class: "toolbar" },
    runBtn,
    cancelBtn,
    h("button", { class: "btn explain-btn", onclick: () => app.explain() }, "Explain"),
    h("button", { class: "btn format-btn", title: "Format the SQL (Shift+Alt+F)", onclick: () => app.formatSql() }, "Format"),
    h("button", { class: "btn save-query-btn", title: "Save this query under a name", onclick: () => app.saveQuery() }, "Save"),
    saveTableButton({ getSql: () => app.editor.selection() || app.activeTab().sql, onSaved: () => app.refreshTree() }),
    h("span", { class: "hint muted", title: "Ctrl+Enter runs the query, or only the selected text" }, "Ctrl+Enter runs the query (or the selection)"),
    h("button", { class: "btn small help-btn", title: "Keyboard shortcuts", "aria-label": "Keyboard shortcuts", onclick: () => app.showHelp() }, "?"),
    h("span", { class: "spacer" }),
    exportMenu,
  );
}

// builds the page into root; the parts the app changes later
export function buildLayout(root, app) {
  const { me, admin } = app;
  const parts = {
    treeBox: h("div", { class: "tree-box" }),
    tabbar: h("div", { class: "tabbar" }),
    editorBox: h("div", { class: "editor-box", style: { height: localStorage.getItem(EDITOR_KEY) || "34%" } }),
    runBtn: h("button", { class: "btn primary run", title: "Run (Ctrl+Enter)", onclick: () => app.run() }, "▶ Run"),
    cancelBtn: h("button", { class: "btn cancel", disabled: true, onclick: () => app.cancel() }, "■ Cancel"),
    exportMenu: h(
      "div",
      { class: "export" },
      h("span", { class: "muted" }, "Export"),
      ["csv", "json", "parquet"].map((f) => h("button", { class: "btn small", dataset: { format: f }, disabled: true, onclick: () => app.exportResult(f) }, f.toUpperCase())),
    ),
    viewTabs: h("div", { class: "view-tabs", role: "tablist" }),
    viewBody: h("div", { class: "view-body" }),
  };
  const splitter = h("div", { class: "splitter", role: "separator", "aria-orientation": "horizontal", title: "Drag to resize the editor" });
  const { st, bar } = statusBar();
  clear(root).append(
    h(
      "header",
      { class: "topbar" },
      h("div", { class: "brand" }, h("img", { src: "/favicon.svg", alt: "" }), "distillr"),
      h("span", { class: "spacer" }),
      h("a", { class: "toplink", href: "/docs", target: "_blank", rel: "noopener" }, "API docs"),
      me.user ? h("span", { class: "user" }, me.user) : null,
      me.user ? h("button", { class: "btn small", onclick: () => app.logout() }, "Log out") : null,
    ),
    h(
      "div",
      { class: "main" },
      h(
        "aside",
        { class: "sidebar" },
        h("div", { class: "sidebar-head" }, h("span", {}, "Data sources"), admin ? h("button", { class: "btn small primary add-source", title: "Add a data source", onclick: () => app.addSource() }, "+ Add") : null),
        parts.treeBox,
      ),
      h("section", { class: "workspace" }, parts.tabbar, parts.editorBox, splitter, toolbar(app, parts), h("div", { class: "results" }, parts.viewTabs, parts.viewBody), bar),
    ),
  );
  dragToResize(splitter, parts.editorBox);
  return { ...parts, st };
}

// the splitter between editor and results: its height is kept in this browser
function dragToResize(splitter, editorBox) {
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
}
