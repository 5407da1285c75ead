// The nav tree: sources (type badge, table count) -> tables (required parameters) -> columns
// with types. Sorted by name (plain names before path names such as /Calls/:CallSid/...);
// every name has its full text (and description) as a tooltip; a newly added source opens.
import { api } from "./api.js";
import { h, clear, debounce } from "./dom.js";

// DuckDB's short spelling of the longest type name keeps the column rows readable
const shortType = (type) => (type || "").replace(/\bTIMESTAMP WITH TIME ZONE\b/g, "TIMESTAMPTZ");

function emptyState(onAdd) {
  return h(
    "div",
    { class: "tree-empty" },
    h("p", { class: "tree-empty-title" }, "No data sources yet"),
    h("p", {}, "Add a data source (an API account, a Custom API or files) to see its tables here. No account at hand? Run ", h("code", {}, "distillr sandbox"), " and use the settings it prints."),
    onAdd ? h("button", { class: "btn primary", onclick: () => onAdd() }, "+ Add a data source") : null,
  );
}

const plainFirst = (a, b) => (a.startsWith("/") - b.startsWith("/")) || a.localeCompare(b, "en", { sensitivity: "base" });
function sortTree(tree) {
  tree.sources.sort((a, b) => plainFirst(a.name, b.name));
  for (const src of tree.sources) src.tables.sort((a, b) => plainFirst(a.name, b.name));
  return tree;
}

function matches(text, q) {
  return text.toLowerCase().includes(q);
}

export function createTree(root, { onOpenTable, onSample, onEdit, onDelete, onAdd }) {
  let data = { sources: [] };
  const expanded = new Set(JSON.parse(localStorage.getItem("distillr.tree.expanded") || "[]"));
  const filter = h("input", { class: "tree-filter", type: "search", placeholder: "Filter sources, tables, columns", "aria-label": "Filter the tree" });
  const list = h("div", { class: "tree", role: "tree" });
  const status = h("div", { class: "tree-status muted" });
  root.append(filter, status, list);
  filter.addEventListener("input", debounce(render, 120));

  const keep = () => localStorage.setItem("distillr.tree.expanded", JSON.stringify([...expanded]));
  const toggle = (key) => {
    expanded.has(key) ? expanded.delete(key) : expanded.add(key);
    keep();
    render();
  };

  async function load(added = null) {
    status.textContent = "Loading…";
    try {
      data = sortTree(await api("GET", "/api/tree"));
      if (added) {
        expanded.add(`s:${added}`);
        keep();
      }
      clear(status);
      if (!data.sources.length) status.append(emptyState(onAdd));
    } catch (err) {
      status.textContent = err.message;
    }
    render();
    return data;
  }

  function render() {
    const q = filter.value.trim().toLowerCase();
    clear(list);
    for (const src of data.sources) {
      const srcHit = !q || matches(src.name, q);
      const tables = [];
      for (const t of src.tables) {
        const tableHit = srcHit || matches(t.name, q) || t.aliases.some((a) => matches(a, q));
        const cols = q && !tableHit ? t.columns.filter((c) => matches(c.name, q)) : t.columns;
        if (tableHit || cols.length) tables.push({ t, cols, colHit: q && !tableHit });
      }
      if (q && !srcHit && !tables.length) continue;
      const key = `s:${src.name}`;
      const open = q ? true : expanded.has(key);
      const node = h(
        "div",
        { class: "node source", role: "treeitem", "aria-expanded": String(open), dataset: { source: src.name } },
        h(
          "div",
          { class: "row", onclick: () => toggle(key) },
          h("span", { class: `caret${open ? " open" : ""}` }),
          h("span", { class: "icon db" }),
          h("span", { class: "label", title: src.name }, src.name),
          h("span", { class: `badge type ${src.type || ""}` }, src.type || "?"),
          h("span", { class: "count muted", title: `${src.tables.length} tables` }, String(src.tables.length)),
          h("span", { class: "spacer" }),
          onEdit ? h("button", { class: "icon-btn small", title: `Edit ${src.name}`, "aria-label": `Edit ${src.name}`, onclick: (e) => (e.stopPropagation(), onEdit(src.name)) }, "✎") : null,
          onDelete ? h("button", { class: "icon-btn small", title: `Delete ${src.name}`, "aria-label": `Delete ${src.name}`, onclick: (e) => (e.stopPropagation(), onDelete(src.name)) }, "✕") : null,
        ),
      );
      if (open) {
        if (src.error) node.append(h("div", { class: "node error-text" }, src.error));
        const children = h("div", { class: "children", role: "group" });
        for (const { t, cols, colHit } of tables) children.append(tableNode(src, t, cols, q, colHit));
        node.append(children);
      }
      list.append(node);
    }
  }

  function tableNode(src, t, cols, q, colHit) {
    const key = `t:${src.name}.${t.name}`;
    const open = colHit || expanded.has(key);
    const node = h("div", { class: "node table", role: "treeitem", "aria-expanded": String(open), dataset: { table: t.name } });
    // required parameters as users write them (CallSid), e.g. WHERE CallSid = 'CA...'
    const needs = t.parameters.length ? `Needs ${t.parameters.join(" and ")} in WHERE, e.g. WHERE ${t.parameters[0]} = '...'` : "";
    const params = t.parameters.length ? h("span", { class: "params", title: needs }, t.parameters.map((p) => `:${p}`).join(" ")) : null;
    node.append(
      h(
        "div",
        { class: "row", title: [t.name, t.description, needs].filter(Boolean).join("\n") },
        h("span", { class: `caret${open ? " open" : ""}`, onclick: () => toggle(key) }),
        h("span", { class: "icon tbl" }),
        // the parameters go under the name when both do not fit on one line
        h("span", { class: "name-block" }, h("a", { class: "label table-link", href: "#", title: [t.name, t.description].filter(Boolean).join("\n"), onclick: (e) => (e.preventDefault(), onOpenTable(src.name, t)) }, t.name), params),
        h("button", { class: "icon-btn small samples-btn", title: `Sample queries for ${t.name}`, "aria-label": `Sample queries for ${t.name}`, onclick: (e) => (e.stopPropagation(), onSample(src.name, t, e.currentTarget)) }, "⚡"),
      ),
    );
    if (open) {
      const children = h("div", { class: "children", role: "group" });
      for (const c of cols) {
        children.append(
          h(
            "div",
            { class: `node column${c.virtual ? " virtual" : ""}`, role: "treeitem", title: c.description || "" },
            h("div", { class: "row" }, h("span", { class: "icon col" }), h("span", { class: "label", title: [c.name, c.description].filter(Boolean).join("\n") }, c.name), h("span", { class: "coltype", title: c.type }, shortType(c.type)), c.virtual ? h("span", { class: "badge filter", title: "Filter column: use it in WHERE" }, "filter") : null),
          ),
        );
      }
      node.append(children);
    }
    return node;
  }

  return { load, get data() { return data; } };
}
