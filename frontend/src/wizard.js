// The data source wizard: category -> type -> form. Every type comes from the server; its
// settings form is settingsform.js's (a Custom API's, with its endpoints, customapi.js's), a
// files source's files.js's, and each import a type declares gets a card of its own
// (openapi.js). The wizard's parts share `w`: {meta, body, dlg, source, onSaved}.
import { api } from "./api.js";
import { h, clear, modal } from "./dom.js";
// before openapi.js, so that customapi.css comes before openapi.css (whose .spec-test select
// overrides customapi.css's .source-form select)
import { settingsForm } from "./settingsform.js";
import { filesForm } from "./files.js";
import { openApiForm } from "./openapi.js";

// The forms of the imports a type declares beside its own form (its `definition.imports`).
const IMPORTS = { openapi: openApiForm };

let typesCache = null;

async function loadTypes() {
  if (!typesCache) typesCache = await api("GET", "/api/types");
  return typesCache;
}

const steps = (n) =>
  h(
    "ol",
    { class: "steps" },
    ["Category", "Type", "Settings"].map((label, i) => h("li", { class: i + 1 === n ? "current" : i + 1 < n ? "done" : "" }, label)),
  );

function showCategories(w) {
  clear(w.body).append(
    steps(1),
    h("p", { class: "muted" }, "What kind of data do you want to query?"),
    h(
      "div",
      { class: "cards" },
      w.meta.categories.map((c) =>
        h(
          "button",
          {
            class: `card${c.available ? "" : " disabled"}`,
            disabled: !c.available,
            dataset: { category: c.id },
            onclick: () => showTypes(w, c),
          },
          h("div", { class: "card-title" }, c.label, c.available ? null : h("span", { class: "badge later" }, "later")),
          h("div", { class: "card-text" }, c.description),
        ),
      ),
    ),
  );
}

function showTypes(w, category) {
  const { body, dlg, meta, onSaved } = w;
  const types = meta.types.filter((t) => t.category === category.id);
  clear(body).append(
    steps(2),
    h("p", { class: "muted" }, `Choose the ${category.label} to connect.`),
    h(
      "div",
      { class: "cards" },
      types.map((t) =>
        h(
          "button",
          {
            class: "card",
            dataset: { type: t.template || t.type },
            onclick: () => (t.form === "files" ? filesForm({ body, dlg, meta, type: t, onSaved, back: () => showTypes(w, category) }) : showForm(w, t, category)),
          },
          h("div", { class: "card-title" }, h("span", { class: `type-logo ${t.type}` }, t.label[0]), t.label),
          h("div", { class: "card-text" }, t.description),
        ),
      ),
      types.flatMap((t) => (t.definition?.imports || []).filter((i) => IMPORTS[i.id]).map((i) => importCard(w, t, i, category))),
    ),
    h("div", { class: "form-actions left" }, h("button", { class: "btn", onclick: () => showCategories(w) }, "← Back")),
  );
}

// A card for an import a type offers (an OpenAPI spec), opening that import's form.
function importCard(w, type, choice, category) {
  const { body, dlg, meta, onSaved } = w;
  const open = () => {
    const head = [steps(3), h("div", { class: "form-head" }, h("span", { class: `type-logo ${type.type}` }, choice.label[0]), h("div", {}, h("strong", {}, choice.label), h("div", { class: "muted" }, choice.description)))];
    IMPORTS[choice.id]({ body, dlg, meta, type, choice, head, onSaved, back: () => showTypes(w, category) });
  };
  return h(
    "button",
    { class: "card", dataset: { import: choice.id }, onclick: open },
    h("div", { class: "card-title" }, h("span", { class: `type-logo ${type.type}` }, choice.label[0]), choice.label),
    h("div", { class: "card-text" }, choice.description),
  );
}

function formHead(type) {
  return h("div", { class: "form-head" }, h("span", { class: `type-logo ${type.type}` }, type.label[0]), h("div", {}, h("strong", {}, type.label), h("div", { class: "muted" }, type.description)));
}

// A type's settings form: the last step, with Back to the types; editing a source, neither.
function showForm(w, type, category) {
  const editing = !!w.source;
  settingsForm({
    body: w.body,
    dlg: w.dlg,
    meta: w.meta,
    type,
    source: w.source,
    head: [...(editing ? [] : [steps(3)]), formHead(type)],
    onSaved: w.onSaved,
    back: editing ? null : () => showTypes(w, category),
  });
}

// Open the wizard. With `source` (a saved source), open its form in edit mode.
export async function openWizard({ source = null, onSaved } = {}) {
  const meta = await loadTypes();
  const body = h("div", { class: "wizard" });
  const dlg = modal(source ? `Edit data source ${source.name}` : "Add a data source", body, { wide: true });
  const w = { meta, body, dlg, source, onSaved };
  if (source) {
    const type = meta.types.find((t) => t.type === source.type && !t.template);
    if (type?.form === "files") filesForm({ body, dlg, meta, type, source, onSaved });
    else if (type) showForm(w, type, meta.categories.find((c) => c.id === type.category));
    else clear(body).append(h("p", {}, `Sources of type ${source.type} cannot be edited here.`));
  } else {
    showCategories(w);
  }
}
