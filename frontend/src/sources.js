// The nav tree's actions: open a table in a new tab (path parameters filled with a real value
// where the samples find one), sample queries, add, edit and delete a source.
import { api } from "./api.js";
import { h, confirmDialog, toast } from "./dom.js";
import { createTree } from "./tree.js";
import { openWizard } from "./wizard.js";

export function createSources(app) {
  const { admin } = app;
  const onSaved = (saved, { created }) => {
    toast(created ? `Connected ${saved.name}` : `Saved ${saved.name}`, "ok");
    app.refreshTree(created ? saved.name : null);
  };
  app.addSource = () => openWizard({ onSaved });
  return createTree(app.treeBox, {
    onAdd: admin ? app.addSource : null,
    onOpenTable: (src, t) => openTable(app, src, t),
    onSample: (src, t, anchor) => showSamples(app, src, t, anchor),
    onEdit: !admin ? null : async (name) => {
      try {
        const source = await api("GET", `/api/sources/${encodeURIComponent(name)}`);
        openWizard({ source, onSaved });
      } catch (err) {
        toast(err.message, "error");
      }
    },
    onDelete: !admin ? null : async (name) => {
      if (!(await confirmDialog(`Delete ${name}?`, `Queries will no longer find ${name}. Its saved settings and secrets are removed.`))) return;
      try {
        await api("DELETE", `/api/sources/${encodeURIComponent(name)}`);
        toast(`Deleted ${name}`);
        app.refreshTree();
      } catch (err) {
        toast(err.message, "error");
      }
    },
  });
}

// the tree (again), the editor's completion from it, and the empty state's advice
export async function refreshTree(app, added = null) {
  const data = await app.tree.load(added);
  app.editor.setSchema(data);
  const had = app.hasSources;
  app.hasSources = data.sources.length > 0;
  if (had !== app.hasSources && !app.runningIn(app.state.active)) app.renderView(); // the empty state's advice changes
}

const samplesOf = async (src, t) => (await api("GET", `/api/samples/${encodeURIComponent(src)}?table=${encodeURIComponent(t.name)}`)).samples;

// A table with path parameters opens with a real value from the data where the samples
// find one, else with the placeholder '...', which the engine refuses before any request.
async function openTable(app, src, t) {
  const plain = `SELECT *\nFROM \`${src}\`.\`${t.name}\`\nLIMIT 100`;
  if (!t.parameters.length) return app.newTab(plain, t.name);
  const tab = app.newTab(`-- looking up a value for ${t.parameters.join(", ")}…\n${plain}`, t.name);
  let sql = null;
  try {
    sql = (await samplesOf(src, t)).find((x) => x.open)?.sql;
  } catch {
    /* the placeholder below */
  }
  if (!sql) sql = `-- Replace '...' with a real ${t.parameters.join(" and ")}\nSELECT *\nFROM \`${src}\`.\`${t.name}\`\nWHERE ${t.parameters.map((p) => `\`${p}\` = '...'`).join(" AND ")}\nLIMIT 100`;
  if (!app.state.tabs.includes(tab)) return;
  tab.sql = sql;
  app.saveTabs();
  if (app.state.active === tab.id) app.editor.text = sql;
}

async function showSamples(app, src, t, anchor) {
  document.querySelector(".popover")?.remove();
  let samples = [];
  try {
    samples = await samplesOf(src, t);
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
        { class: "popover-item", role: "menuitem", onclick: () => (pop.remove(), app.newTab(s.sql, s.title.length > 28 ? t.name : s.title), app.run()) },
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
