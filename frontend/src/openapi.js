// The wizard's "Import OpenAPI spec": upload an API's spec, see the tables it would make (names,
// paths, parameters, paging, descriptions), tick those to keep, then Test one of them and Save.
// The server makes the definition (POST /api/openapi/preview); Test and Save ask it again with
// the ticked tables' paths as `include`, so the saved source is the one `distillr source add
// rest NAME --openapi SPEC --include PATH ...` makes for the same ticks.
import { api, ApiError, upload } from "./api.js";
import { h, clear, debounce } from "./dom.js";
import "./openapi.css";

// A spec path as an include pattern that matches that path only (fnmatch: [*] is a literal *).
export const pathPattern = (path) => path.replace(/[[*?]/g, (c) => `[${c}]`);

function box(label, input, help) {
  const error = h("div", { class: "field-error", role: "alert" });
  const el = h("label", { class: "field" }, h("span", { class: "field-label" }, label), input, help ? h("span", { class: "field-help" }, help) : null, error);
  return { el, error, input };
}

function pairs(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

// reasons counted rather than listed (most operations of a large spec are not GET)
const SUMMED = ["only GET operations are tables", "not included"];

const scalar = (text) => (/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text);

const label = (key) => key.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

// The list of tables with a tick box each, a filter box and All/None (for the rows shown).
function tableList(onChange) {
  const ticked = new Set();
  let tables = [];
  const filter = h("input", { class: "table-filter", type: "search", placeholder: "Filter tables", autocomplete: "off", spellcheck: false, "aria-label": "Filter tables" });
  const count = h("span", { class: "muted tick-count", "aria-live": "polite" });
  const items = h("ul", { class: "spec-tables" });
  const rows = new Map(); // path -> {li, box, name}
  const shown = () => tables.filter((t) => !rows.get(t.path).li.hidden);
  const changed = () => {
    count.textContent = `${ticked.size} of ${tables.length} tables ticked`;
    onChange();
  };
  const setAll = (on) => {
    for (const t of shown()) {
      rows.get(t.path).box.checked = on;
      if (on) ticked.add(t.path);
      else ticked.delete(t.path);
    }
    changed();
  };
  const applyFilter = () => {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const t of tables) {
      const text = [t.name, t.path, ...t.aliases, t.description, ...(t.tags || []), ...t.parameters].join(" ").toLowerCase();
      rows.get(t.path).li.hidden = !words.every((w) => text.includes(w));
    }
  };
  filter.addEventListener("input", applyFilter);
  const el = h(
    "div",
    { class: "spec-tables-box" },
    h(
      "div",
      { class: "spec-tables-head" },
      h("span", { class: "field-label" }, "Tables"),
      filter,
      h("button", { class: "btn small select-all", type: "button", title: "Tick every table shown", onclick: () => setAll(true) }, "All"),
      h("button", { class: "btn small select-none", type: "button", title: "Untick every table shown", onclick: () => setAll(false) }, "None"),
      count,
    ),
    items,
  );
  return {
    el,
    // Show a report's tables; ticks are kept by path, new tables come ticked.
    show(report) {
      const known = new Set(tables.map((t) => t.path));
      tables = report.tables;
      for (const t of tables) if (!known.has(t.path)) ticked.add(t.path);
      for (const p of [...ticked]) if (!tables.some((t) => t.path === p)) ticked.delete(p);
      clear(items);
      rows.clear();
      for (const t of tables) {
        const tick = h("input", { type: "checkbox", checked: ticked.has(t.path), "aria-label": `Keep ${t.name}` });
        tick.addEventListener("change", () => {
          if (tick.checked) ticked.add(t.path);
          else ticked.delete(t.path);
          changed();
        });
        const name = h("strong", { class: "t-name" }, t.name);
        const short = t.aliases.length > 1 ? t.aliases[0] : null;
        const li = h(
          "li",
          { class: "spec-table", dataset: { path: t.path, table: t.name } },
          tick,
          h(
            "div",
            { class: "t-body" },
            h("div", { class: "t-head" }, name, short ? h("code", { class: "t-short" }, short) : null, h("span", { class: "t-paging", title: `paging: ${t.paginator}` }, t.paginator.split(" ")[0])),
            h("div", { class: "t-path muted" }, h("code", {}, `${t.method} ${t.path}`)),
            t.description ? h("div", { class: "t-desc" }, t.description) : null,
            t.parameters.length ? h("div", { class: "t-params muted" }, "Parameters: ", t.parameters.join("; ")) : null,
          ),
        );
        rows.set(t.path, { li, box: tick, name });
        items.append(li);
      }
      applyFilter();
      changed();
    },
    // The ticked tables, in the report's order.
    ticked: () => tables.filter((t) => ticked.has(t.path)),
    // The names a narrower import gave (a clash resolved differently), shown on their rows.
    rename(report) {
      for (const t of report.tables) {
        const row = rows.get(t.path);
        if (row) {
          row.name.textContent = t.name;
          row.li.dataset.table = t.name;
        }
      }
      tables = tables.map((t) => report.tables.find((n) => n.path === t.path) || t);
      onChange();
    },
  };
}

// The name field, checked while typed against the rule and the saved names.
function nameField(meta) {
  const name = box("Name", h("input", { id: "f-name", name: "name", autocomplete: "off", spellcheck: false, placeholder: "my_api" }), meta.name_rule);
  const pattern = new RegExp(meta.name_pattern);
  const check = debounce(async (value) => {
    try {
      const r = await api("GET", `/api/names/check?name=${encodeURIComponent(value)}`);
      if (name.input.value === value) name.error.textContent = r.valid && r.available ? "" : r.message;
    } catch {
      /* the save will tell */
    }
  }, 250);
  name.input.addEventListener("input", () => {
    const v = name.input.value;
    name.error.textContent = v && !pattern.test(v) ? `'${v}' is not a valid name: use lowercase letters, digits and underscores only.` : "";
    if (v && pattern.test(v)) check(v);
  });
  return name;
}

// The auth the spec declares: the options it could not give (username) and the scheme's secrets
// (the schemes are the type's declaration). Inputs are kept across previews.
function authPanel(schemes) {
  const el = h("div", { class: "strategy auth-box" });
  const keys = new Set();
  const options = {};
  const secrets = {};
  const errors = {};
  const values = (inputs) => Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value.trim()]).filter(([, v]) => v));
  return {
    el,
    render({ report, definition, missing }) {
      const scheme = schemes.find((s) => s.type === definition.auth?.type);
      for (const k of Object.keys(missing || {})) keys.add(k);
      const rows = [h("div", { class: "muted auth-line" }, `Authentication from the spec: ${report.auth}`)];
      for (const k of keys) {
        options[k] = options[k] || h("input", { name: `auth-${k}`, autocomplete: "off", spellcheck: false, placeholder: missing?.[k] || "" });
        const b = box(label(k), options[k]);
        errors[k] = b.error;
        rows.push(b.el);
      }
      for (const k of Object.keys(secrets)) if (!scheme?.secrets.includes(k)) delete secrets[k];
      for (const k of scheme ? scheme.secrets : []) {
        secrets[k] = secrets[k] || h("input", { name: `secret-${k}`, type: "password", autocomplete: "new-password" });
        const b = box(label(k), secrets[k], "Stored encrypted; never sent back to this page");
        errors[k] = b.error;
        rows.push(b.el);
      }
      clear(el).append(...rows);
    },
    options: () => values(options),
    secrets: () => values(secrets),
    error: (k) => errors[k] || null,
    clearErrors: () => Object.values(errors).forEach((e) => (e.textContent = "")),
  };
}

// What the spec gave: its title and table count, the operations skipped (counted by reason
// where there are many) and its notes; or the error that it is not a spec to import.
function summaryOf(report, error) {
  const all = report?.skipped || [];
  const counted = all.filter((s) => SUMMED.includes(s.reason));
  const listed = all.filter((s) => !SUMMED.includes(s.reason));
  const byReason = {};
  for (const s of counted) byReason[s.reason] = (byReason[s.reason] || 0) + 1;
  const skipped = all.length
    ? h(
        "details",
        { class: "skipped", open: !report.tables.length },
        h("summary", {}, `${all.length} operations skipped`),
        h("ul", {}, Object.entries(byReason).map(([reason, n]) => h("li", {}, `${n}: ${reason}`)), listed.slice(0, 100).map((s) => h("li", {}, h("code", {}, `${s.method} ${s.path}`), `: ${s.reason}`)), listed.length > 100 ? h("li", { class: "muted" }, `and ${listed.length - 100} more`) : null),
      )
    : null;
  const parts = [
    error ? h("div", { class: "form-error spec-error", role: "alert" }, error) : null,
    report && !error ? h("div", {}, h("strong", {}, report.title || "The spec"), ` (OpenAPI ${report.version}): ${report.tables.length} tables; base URL ${report.base_url || "none (give one below)"}`) : null,
    skipped,
    ...(report?.notes || []).map((n) => h("div", { class: "muted" }, `Note: ${n}`)),
  ];
  return parts.filter(Boolean);
}

// The definition with values to test with as one table's parameter examples (Test only):
// NAME=VALUE pairs apart by spaces (a value may hold spaces: jql=project = ENG boardId=1).
function withExamples(definition, table, text) {
  const given = pairs(text.trim().split(/\s+(?=[A-Za-z_][\w.-]*=)/).join("\n"));
  if (!Object.keys(given).length) return definition;
  const withValues = (params) => (params || []).map((p) => (p.name in given ? { ...p, example: scalar(given[p.name]) } : p));
  return { ...definition, endpoints: definition.endpoints.map((e) => (e.name === table ? { ...e, params: withValues(e.params) } : e)) };
}

// The form's inputs and boxes, with what the spec gave (`file`; `last`, the last preview:
// {report, definition, missing}): the state the steps below share.
function formParts(meta, type, choice) {
  const s = {
    type,
    file: null,
    last: null,
    auth: authPanel(type.definition.auth),
    name: nameField(meta),
    pattern: new RegExp(meta.name_pattern),
    specInput: h("input", { type: "file", name: "spec", accept: (choice.accept || []).join(",") }),
    summary: h("div", { class: "spec-summary", "aria-live": "polite" }),
    baseUrl: box("Base URL (optional)", h("input", { id: "f-base_url", name: "base_url", autocomplete: "off", spellcheck: false }), "Send requests here instead of the spec's servers"),
    params: box("Parameter values (optional)", h("textarea", { name: "params", rows: 2, spellcheck: false, placeholder: "AccountSid=AC..." }), "One per line, NAME=VALUE: a parameter's value for every table that has it (those tables no longer need it in WHERE)"),
    list: tableList(() => renderTestChoice(s)),
    testTable: h("select", { name: "test-table", "aria-label": "Table to test" }),
    testBtn: h("button", { class: "btn test", type: "button", onclick: () => test(s) }, "Test"),
    testError: h("div", { class: "form-error test-error", role: "alert" }),
    columns: h("div", { class: "columns", "aria-live": "polite" }),
    formError: h("div", { class: "form-error", role: "alert" }),
    save: h("button", { class: "btn save", type: "submit", disabled: true }, "Save"),
    testValues: h("input", { name: "test-values", autocomplete: "off", spellcheck: false, "aria-label": "Values to test with", title: "The tested table's required parameters, NAME=VALUE separated by spaces (not saved)" }),
  };
  s.spec = box("OpenAPI spec", s.specInput, "A JSON or YAML file: OpenAPI 3.0, 3.1 or Swagger 2.0. It is read on the server and fetches nothing else.");
  s.loaded = h("div", { class: "spec-loaded", hidden: true }, s.baseUrl.el, s.params.el, s.auth.el, s.list.el, h("div", { class: "spec-test" }, h("span", { class: "field-label" }, "Test a table"), s.testTable, s.testValues, s.testBtn), s.testError, s.columns);
  return s;
}

// The ticked tables as the choice of the table to test.
function renderTestChoice(s) {
  const current = s.testTable.value;
  const ticked = s.list.ticked();
  clear(s.testTable).append(...ticked.map((t) => h("option", { value: t.path, selected: t.path === current }, t.name)));
  s.testBtn.disabled = !ticked.length;
  showNeeds(s);
}

// the tested table's required parameters (a path parameter without a value given), as a hint
function showNeeds(s) {
  const t = s.list.ticked().find((x) => x.path === s.testTable.value);
  const needs = (t ? t.parameters : []).filter((p) => (/ \(path,/.test(p) && !p.includes(", = ")) || / required[,)]/.test(p));
  s.testValues.placeholder = needs.length ? `values to test with: ${needs.map((p) => `${p.split(" ")[0]}=...`).join(" ")}` : "no required parameters";
}

const renderSummary = (s, report, error) => clear(s.summary).append(...summaryOf(report, error));

// Ask the server what the spec makes with the form's choices (`include`: spec paths).
async function preview(s, include = []) {
  const form = new FormData();
  form.append("spec", s.file, s.file.name);
  const base = s.baseUrl.input.value.trim();
  if (base) form.append("base_url", base);
  for (const p of include) form.append("include", pathPattern(p));
  form.append("params", JSON.stringify(pairs(s.params.input.value)));
  form.append("options", JSON.stringify(s.auth.options()));
  return upload("/api/openapi/preview", form);
}

// A spec chosen (or none): read it and show its tables.
async function load(s) {
  s.file = s.specInput.files[0] || null;
  s.last = null;
  s.save.disabled = true;
  s.loaded.hidden = true;
  clear(s.columns);
  if (!s.file) return renderSummary(s, null, "");
  clear(s.summary).append(h("div", { class: "muted" }, `Reading ${s.file.name}…`));
  try {
    s.last = await preview(s);
  } catch (err) {
    return renderSummary(s, err instanceof ApiError ? err.problem.report : null, err.message);
  }
  renderSummary(s, s.last.report);
  s.baseUrl.input.placeholder = s.last.report.base_url || "https://api.example.com";
  s.auth.render(s.last);
  s.list.show(s.last.report);
  s.loaded.hidden = false;
  s.save.disabled = false;
  if (!s.name.input.value) s.name.input.focus();
}

// parameter values change the tables' paths and names: ask again, keeping the ticks
async function reloadParams(s) {
  if (!s.file || !s.last) return;
  try {
    s.last = await preview(s);
    renderSummary(s, s.last.report);
    s.list.show(s.last.report);
  } catch (err) {
    s.params.error.textContent = err.message;
  }
}

function clearErrors(s) {
  for (const b of [s.formError, s.testError, s.name.error, s.baseUrl.error, s.params.error]) b.textContent = "";
  s.auth.clearErrors();
}

function showError(s, err, fallback = s.formError) {
  const field = err instanceof ApiError ? err.field : null;
  const problems = err instanceof ApiError ? err.problem.problems : null;
  if (problems && problems.length) fallback.textContent = problems.map((p) => `${p.field}: ${p.message}`).join("\n");
  else if (field === "name") s.name.error.textContent = err.message;
  else if (field === "base_url") s.baseUrl.error.textContent = err.message;
  else if (field === "params" || field === "options") s.params.error.textContent = err.message;
  else if (field && s.auth.error(field)) s.auth.error(field).textContent = err.message;
  else fallback.textContent = err.message;
}

// The definition of the ticked tables, made by the server as the CLI makes it.
async function ticked(s, errorBox) {
  const chosen = s.list.ticked();
  if (!chosen.length) {
    errorBox.textContent = "Tick at least one table.";
    return null;
  }
  const made = await preview(s, chosen.map((t) => t.path));
  if (!made.definition.base_url) {
    s.baseUrl.error.textContent = "Give the base URL: the spec names no server with a full URL.";
    s.baseUrl.input.focus();
    return null;
  }
  const missing = Object.entries(made.missing || {});
  if (missing.length) {
    s.last = { ...s.last, missing: made.missing };
    s.auth.render(s.last);
    const [k, help] = missing[0];
    (s.auth.error(k) || errorBox).textContent = `${label(k)} is needed by the spec's auth (${made.report.auth})${help ? `: ${help}` : ""}.`;
    return null;
  }
  s.list.rename(made.report);
  const keep = new Set(chosen.map((t) => t.path));
  const paths = Object.fromEntries(made.report.tables.map((t) => [t.name, t.path]));
  const definition = { ...made.definition, endpoints: made.definition.endpoints.filter((e) => keep.has(paths[e.name])) };
  return { definition, report: made.report };
}

// Test: sample one page of the chosen table and show its columns.
async function test(s) {
  clearErrors(s);
  clear(s.columns);
  const path = s.testTable.value;
  s.testBtn.disabled = true;
  s.testBtn.textContent = "Testing…";
  try {
    const made = await ticked(s, s.testError);
    if (!made) return;
    const table = made.report.tables.find((t) => t.path === path) || made.report.tables[0];
    const res = await api("POST", "/api/sources/test", { type: s.type.type, options: withExamples(made.definition, table.name, s.testValues.value), secrets: s.auth.secrets(), table: table.name });
    const found = res.tables.find((t) => t.name.toLowerCase() === table.name.toLowerCase());
    const cols = (found ? found.columns : []).filter((c) => !c.virtual);
    const fetched = (res.sampled || []).includes(table.name);
    if (!fetched) s.testError.textContent = `${table.name} was not fetched: ${res.skipped?.[table.name] || "no page came back"}. Give values for its required parameters to test with (NAME=VALUE).`;
    s.columns.append(
      h("div", { class: "columns-head" }, `${table.name}: ${cols.length} columns ${fetched ? "inferred from one page" : "from the spec"}`),
      h("ul", { class: "column-list" }, cols.map((c) => h("li", { dataset: { column: c.name } }, h("strong", {}, c.name), " ", h("span", { class: "muted" }, c.type)))),
    );
  } catch (err) {
    showError(s, err, s.testError);
  } finally {
    s.testBtn.disabled = !s.list.ticked().length;
    s.testBtn.textContent = "Test";
  }
}

// Save: the ticked tables' definition, as a new source (the server tests the connection first).
async function submit(s, e, { meta, dlg, onSaved }) {
  e.preventDefault();
  clearErrors(s);
  const n = s.name.input.value.trim();
  if (!n || !s.pattern.test(n)) {
    s.name.error.textContent = n ? `'${n}' is not a valid name: use lowercase letters, digits and underscores only.` : `Give the source a name. ${meta.name_rule}`;
    s.name.input.focus();
    return;
  }
  s.save.disabled = true;
  s.save.classList.add("busy");
  s.save.textContent = "Testing connection…";
  try {
    const made = await ticked(s, s.formError);
    if (!made) return;
    const saved = await api("POST", "/api/sources", { type: s.type.type, name: n, options: made.definition, secrets: s.auth.secrets() });
    dlg.close();
    onSaved?.(saved, { created: true });
  } catch (err) {
    showError(s, err);
  } finally {
    s.save.disabled = !s.last;
    s.save.classList.remove("busy");
    s.save.textContent = "Save";
  }
}

// The form. `head` is what the wizard shows above it (steps, the choice's title).
export function openApiForm({ body, dlg, meta, type, choice, head = [], onSaved, back = null }) {
  const s = formParts(meta, type, choice);
  s.testTable.addEventListener("change", () => showNeeds(s));
  s.specInput.addEventListener("change", () => load(s));
  s.params.input.addEventListener("change", () => reloadParams(s));
  clear(body).append(
    ...head,
    h(
      "form",
      { class: "source-form openapi-import", novalidate: true, onsubmit: (e) => submit(s, e, { meta, dlg, onSaved }) },
      s.name.el,
      s.spec.el,
      s.summary,
      s.loaded,
      s.formError,
      h("div", { class: "form-actions" }, back ? h("button", { class: "btn", type: "button", onclick: back }, "← Back") : null, h("span", { class: "spacer" }), h("button", { class: "btn", type: "button", onclick: dlg.close }, "Cancel"), s.save),
    ),
  );
  s.name.input.focus();
}
