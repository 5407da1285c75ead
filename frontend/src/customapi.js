// The Custom API form: Name, Base URL, Authentication Type and Endpoints (+ Add endpoint), each
// with Endpoint Name, Endpoint URL, Request Method, Data Format, JSON Data Path, Required and
// Optional Parameters, Headers and Pagination Method. The auth schemes and paginators, with their
// options, come from the server (declared once in the connectors). Test samples one page of an
// endpoint and shows the columns inferred; Save sends the definition (with those schemas).
import { api, ApiError } from "./api.js";
import { h, clear } from "./dom.js";
import "./customapi.css";

const PATH_PARAM = /\{([A-Za-z_][A-Za-z0-9_]*)(?:=[^{}]*)?\}/g;
// endpoint fields whose change makes a saved schema stale
const SHAPE = ["url", "method", "format", "data_path", "paginator"];

function fieldBox(label, input, help) {
  const error = h("div", { class: "field-error", role: "alert" });
  const el = h("label", { class: "field" }, h("span", { class: "field-label" }, label), input, help ? h("span", { class: "field-help" }, help) : null, error);
  return { el, error, input };
}

function select(name, values, current) {
  return h("select", { name }, values.map((v) => h("option", { value: v, selected: v === current }, v)));
}

// Inputs for a strategy's settings (a paginator's, an auth scheme's), filled from `values`.
function settingInputs(settings, values, prefix) {
  const inputs = {};
  const rows = settings.map((s) => {
    const input = h("input", {
      name: `${prefix}-${s.name}`,
      autocomplete: "off",
      spellcheck: false,
      placeholder: s.default !== undefined ? String(s.default) : s.placeholder || "",
      value: values?.[s.name] ?? "",
    });
    inputs[s.name] = { input, setting: s };
    return fieldBox(s.label + (s.required ? "" : " (optional)"), input, s.help).el;
  });
  return { rows, inputs };
}

function settingValues(inputs) {
  const out = {};
  for (const [name, { input, setting }] of Object.entries(inputs)) {
    const v = input.value.trim();
    if (!v) continue;
    if (setting.type === "integer" || setting.type === "number") out[name] = Number(v);
    else if (setting.type === "boolean") out[name] = ["true", "1", "yes", "on"].includes(v.toLowerCase());
    else out[name] = v;
  }
  return out;
}

function lines(text) {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

function scalar(text) {
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

// One endpoint's editor; `original` is the saved endpoint (fields the form does not show are kept).
function endpointEditor(meta, original, index, onRemove, onTest) {
  const ep = original || {};
  const params = ep.params || [];
  const inUrl = new Set([...(ep.url || "").matchAll(PATH_PARAM)].map((m) => m[1]));
  const isRequired = (p) => p.required || p.location === "path" || inUrl.has(p.name);
  const shown = (p) => (p.example !== undefined && p.example !== null ? `${p.name}=${p.example}` : p.name);
  const given = typeof ep.paginator === "string" ? { type: ep.paginator } : ep.paginator || { type: "none" };
  // a saved alias (declared with its paginator) shows as the paginator it names
  const declared = meta.paginators.find((p) => p.type === given.type || (p.aliases || []).includes(given.type));
  const pag = declared ? { ...given, type: declared.type } : given;
  const paginators = meta.paginators.map((p) => p.type);

  const f = {
    name: fieldBox("Endpoint Name", h("input", { name: "ep-name", value: ep.name || "", placeholder: "issues", autocomplete: "off", spellcheck: false }), "The table's name in queries: source.name"),
    url: fieldBox("Endpoint URL", h("input", { name: "ep-url", value: ep.url || "", placeholder: "/api/projects/{projectId}/issues", autocomplete: "off", spellcheck: false }), "The path under the base URL; {param} for a path parameter"),
    method: fieldBox("Request Method", select("ep-method", meta.methods, ep.method || "GET")),
    format: fieldBox("Data Format", select("ep-format", meta.formats, ep.format || "json")),
    data_path: fieldBox("JSON Data Path", h("input", { name: "ep-data-path", value: ep.data_path || "", placeholder: "data.items", autocomplete: "off", spellcheck: false }), "Where the records are; blank for a top-level list"),
    required: fieldBox("Required Parameters", h("textarea", { name: "ep-required", rows: 2, spellcheck: false }, params.filter(isRequired).map(shown).join("\n")), "One per line: name, or name=value to test with"),
    optional: fieldBox("Optional Parameters", h("textarea", { name: "ep-optional", rows: 2, spellcheck: false }, params.filter((p) => !isRequired(p)).map(shown).join("\n")), "One per line; each becomes a filterable column"),
    headers: fieldBox("Headers", h("textarea", { name: "ep-headers", rows: 2, spellcheck: false }, Object.entries(ep.headers || {}).map(([k, v]) => `${k}: ${v}`).join("\n")), "One per line: Name: value (credentials go in Authentication)"),
    paginator: fieldBox("Pagination Method", select("ep-paginator", paginators, pag.type)),
  };
  const pagBox = h("div", { class: "strategy" });
  let pagInputs = {};
  const renderPaginator = () => {
    const chosen = meta.paginators.find((p) => p.type === f.paginator.input.value);
    const built = settingInputs(chosen ? chosen.settings : [], chosen && chosen.type === pag.type ? pag : {}, "pag");
    pagInputs = built.inputs;
    clear(pagBox).append(...built.rows);
  };
  f.paginator.input.addEventListener("change", renderPaginator);
  renderPaginator();

  const error = h("div", { class: "form-error", role: "alert" });
  const columns = h("div", { class: "columns", "aria-live": "polite" });
  const testBtn = h("button", { class: "btn test", type: "button", onclick: () => onTest(editor) }, "Test");
  const el = h(
    "fieldset",
    { class: "endpoint", dataset: { index: String(index) } },
    h("legend", {}, `Endpoint ${index + 1}`),
    h("div", { class: "grid2" }, f.name.el, f.url.el, f.method.el, f.format.el),
    f.data_path.el,
    h("div", { class: "grid2" }, f.required.el, f.optional.el),
    f.headers.el,
    f.paginator.el,
    pagBox,
    error,
    columns,
    h("div", { class: "form-actions left" }, testBtn, h("button", { class: "btn small", type: "button", onclick: () => onRemove(editor) }, "Remove endpoint")),
  );

  const editor = {
    el,
    error,
    columns,
    testBtn,
    fields: f,
    schema: ep.schema,
    name: () => f.name.input.value.trim(),
    // The endpoint as the definition holds it.
    build() {
      const out = { ...ep };
      const set = (key, value) => (value === "" || value === undefined || value === null ? delete out[key] : (out[key] = value));
      set("name", f.name.input.value.trim());
      set("url", f.url.input.value.trim());
      set("method", f.method.input.value === "GET" ? undefined : f.method.input.value);
      set("format", f.format.input.value === "json" ? undefined : f.format.input.value);
      set("data_path", f.data_path.input.value.trim());
      const headers = {};
      for (const line of lines(f.headers.input.value)) {
        const at = line.indexOf(":");
        if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
      set("headers", Object.keys(headers).length ? headers : undefined);
      const type = f.paginator.input.value;
      set("paginator", type === "none" ? undefined : { type, ...settingValues(pagInputs) });
      const url = out.url || "";
      const placeholders = new Set([...url.matchAll(PATH_PARAM)].map((m) => m[1]));
      const byName = Object.fromEntries(params.map((p) => [p.name, p]));
      const built = [];
      const add = (line, required) => {
        const at = line.indexOf("=");
        const name = (at > 0 ? line.slice(0, at) : line).trim();
        const p = { ...(byName[name] || { name }) };
        if (at > 0) p.example = scalar(line.slice(at + 1).trim());
        // a new parameter tested with a number is a number (WHERE boardId = 1 then binds it)
        if (!byName[name] && typeof p.example === "number") p.type = Number.isInteger(p.example) ? "integer" : "number";
        if (placeholders.has(name)) p.location = "path";
        else if (p.location === "path") delete p.location;
        if (required && !placeholders.has(name)) p.required = true;
        else delete p.required;
        built.push(p);
      };
      lines(f.required.input.value).forEach((l) => add(l, true));
      lines(f.optional.input.value).forEach((l) => add(l, false));
      set("params", built.length ? built : undefined);
      const stale = SHAPE.some((k) => JSON.stringify(out[k]) !== JSON.stringify(ep[k]));
      if (editor.schema && (!stale || editor.tested)) out.schema = editor.schema;
      else delete out.schema;
      return out;
    },
  };
  return editor;
}

// The Authentication Type and its scheme's settings and secrets; a saved source's secrets show
// masked, and are kept when left blank.
function authSection(def, source) {
  const saved = source ? source.options : {};
  const auth = typeof saved.auth === "string" ? { type: saved.auth } : saved.auth || { type: "none" };
  const authType = fieldBox("Authentication Type", select("auth_type", def.auth.map((a) => a.type), auth.type));
  const authBox = h("div", { class: "strategy" });
  let authInputs = {};
  let secretInputs = {};
  const secretErrors = {};
  const scheme = () => def.auth.find((a) => a.type === authType.input.value);
  const renderAuth = () => {
    const chosen = scheme();
    const built = settingInputs(chosen.settings, chosen.type === auth.type ? auth : {}, "auth");
    authInputs = built.inputs;
    secretInputs = {};
    const rows = [...built.rows];
    for (const name of chosen.secrets) {
      const masked = source?.secrets?.[name];
      const input = h("input", { name: `secret-${name}`, type: "password", autocomplete: "new-password", placeholder: masked ? `${masked} saved; leave blank to keep` : "" });
      secretInputs[name] = input;
      const box = fieldBox(name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()), input, "Stored encrypted; never sent back to this page");
      secretErrors[name] = box.error;
      rows.push(box.el);
    }
    clear(authBox).append(...rows);
  };
  authType.input.addEventListener("change", renderAuth);
  renderAuth();
  return {
    els: [authType.el, authBox],
    errors: secretErrors,
    scheme,
    // The definition's auth: null for none.
    value() {
      const type = authType.input.value;
      return type === "none" ? null : { type, ...settingValues(authInputs) };
    },
    secrets() {
      const out = {};
      for (const [k, input] of Object.entries(secretInputs)) if (input.value.trim()) out[k] = input.value.trim();
      return out;
    },
  };
}

// The endpoints' editors, numbered in order; `add` appends one (a saved endpoint, or null).
function endpointList(def, saved, onTest) {
  const el = h("div", { class: "endpoints" });
  const editors = [];
  const renumber = () => editors.forEach((e, i) => {
    e.el.dataset.index = String(i);
    e.el.querySelector("legend").textContent = `Endpoint ${i + 1}`;
  });
  const remove = (ed) => {
    editors.splice(editors.indexOf(ed), 1);
    ed.el.remove();
    renumber();
  };
  const add = (original) => {
    const ed = endpointEditor(def, original, editors.length, remove, onTest);
    editors.push(ed);
    el.append(ed.el);
    return ed;
  };
  (saved.endpoints && saved.endpoints.length ? saved.endpoints : [null]).forEach((original) => add(original));
  return { el, editors, add };
}

// The definition the form holds (options it does not show are kept from the saved one).
function definition(s) {
  const out = { ...s.saved };
  out.base_url = s.baseUrl.input.value.trim();
  out.auth = s.auth.value();
  out.endpoints = s.endpoints.editors.map((e) => e.build());
  return out;
}

function clearErrors(s) {
  for (const box of [s.formError, s.baseUrl.error, ...Object.values(s.auth.errors), ...s.endpoints.editors.map((e) => e.error)]) box.textContent = "";
  s.setNameError("");
}

// Put a server problem next to the field it concerns.
function showError(s, err, fallback) {
  const editors = s.endpoints.editors;
  const problems = err instanceof ApiError ? err.problem.problems : null;
  if (problems && problems.length) {
    for (const p of problems) {
      const m = /^endpoints\[(\d+)\]/.exec(p.field || "");
      const box = m && editors[Number(m[1])] ? editors[Number(m[1])].error : p.field === "base_url" ? s.baseUrl.error : s.formError;
      box.textContent += (box.textContent ? "\n" : "") + `${p.field}: ${p.message}`;
    }
    return;
  }
  const field = err instanceof ApiError ? err.field : null;
  if (field === "name") s.setNameError(err.message);
  else if (field === "base_url") s.baseUrl.error.textContent = err.message;
  else if (field && s.auth.errors[field]) s.auth.errors[field].textContent = err.message;
  else (fallback || s.formError).textContent = err.message;
}

// Whether a field Test and Save need is blank (each one's error says which).
function missing(s) {
  let bad = false;
  if (!s.baseUrl.input.value.trim()) {
    s.baseUrl.error.textContent = "Base URL is required.";
    bad = true;
  }
  s.endpoints.editors.forEach((e) => {
    if (!e.name() || !e.fields.url.input.value.trim()) {
      e.error.textContent = "Give the endpoint a name and a URL.";
      bad = true;
    }
  });
  if (!s.endpoints.editors.length) {
    s.formError.textContent = "Add at least one endpoint.";
    bad = true;
  }
  return bad;
}

// Test an endpoint: sample one page, show the columns inferred and keep the schema learned.
async function test(s, ed) {
  clearErrors(s);
  if (missing(s)) return;
  ed.testBtn.disabled = true;
  ed.testBtn.textContent = "Testing…";
  clear(ed.columns);
  try {
    const res = await api("POST", "/api/sources/test", { type: s.type.type, source: s.source ? s.source.name : null, options: definition(s), secrets: s.auth.secrets(), table: ed.name() });
    const table = res.tables.find((t) => t.name.toLowerCase() === ed.name().toLowerCase());
    const learned = (res.options.endpoints || []).find((e) => e.name === ed.name());
    if (learned && learned.schema) {
      ed.schema = learned.schema;
      ed.tested = true;
    }
    const cols = (table ? table.columns : []).filter((c) => !c.virtual);
    ed.columns.append(
      h("div", { class: "columns-head" }, `${cols.length} columns inferred from one page`),
      h("ul", { class: "column-list" }, cols.map((c) => h("li", { dataset: { column: c.name } }, h("strong", {}, c.name), " ", h("span", { class: "muted" }, c.type)))),
    );
  } catch (err) {
    showError(s, err, ed.error);
  } finally {
    ed.testBtn.disabled = false;
    ed.testBtn.textContent = "Test";
  }
}

// Save: a new source, or the edited one (the server tests the connection first).
async function submit(s) {
  clearErrors(s);
  const name = s.nameInput.value.trim();
  if (!name || !s.pattern.test(name)) {
    s.setNameError(name ? `'${name}' is not a valid name: use lowercase letters, digits and underscores only.` : `Give the source a name. ${s.nameRule}`);
    return;
  }
  if (missing(s)) return;
  s.save.disabled = true;
  s.save.classList.add("busy");
  s.save.textContent = "Testing connection…";
  try {
    const given = s.auth.secrets();
    let result;
    if (s.source) {
      // a scheme without secrets (none) forgets the saved ones: they would go nowhere
      const forget = !s.auth.scheme().secrets.length && Object.keys(s.source.secrets || {}).length > 0;
      result = await api("PATCH", `/api/sources/${encodeURIComponent(s.source.name)}`, { name, options: definition(s), secrets: Object.keys(given).length ? given : null, forget_secrets: forget });
    } else {
      result = await api("POST", "/api/sources", { type: s.type.type, name, options: definition(s), secrets: given });
    }
    s.onDone(result);
  } catch (err) {
    showError(s, err);
  } finally {
    s.save.disabled = false;
    s.save.classList.remove("busy");
    s.save.textContent = "Save";
  }
}

// The whole form. `source` is the saved source being edited (or null).
export function customApiForm({ type, meta, source, nameRow, nameInput, setNameError, pattern, nameRule, onDone, onBack, onCancel }) {
  const def = type.definition;
  const saved = source ? source.options : {};
  // the state the steps above share
  const s = {
    type,
    source,
    saved,
    nameInput,
    setNameError,
    pattern,
    nameRule,
    onDone,
    baseUrl: fieldBox("Base URL", h("input", { name: "base_url", id: "f-base_url", value: saved.base_url || "", placeholder: "https://api.example.com", autocomplete: "off", spellcheck: false }), "The API's root; endpoint URLs are paths under it"),
    auth: authSection(def, source),
    formError: h("div", { class: "form-error", role: "alert" }),
    save: h("button", { class: "btn save", type: "submit" }, "Save"),
  };
  s.endpoints = endpointList(def, saved, (ed) => test(s, ed));

  return h(
    "form",
    {
      class: "source-form custom-api",
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        await submit(s);
      },
    },
    nameRow,
    s.baseUrl.el,
    ...s.auth.els,
    h("div", { class: "endpoints-head" }, h("span", { class: "field-label" }, "Endpoints"), h("button", { class: "btn small add-endpoint", type: "button", onclick: () => s.endpoints.add(null).fields.name.input.focus() }, "+ Add endpoint")),
    s.endpoints.el,
    s.formError,
    h("div", { class: "form-actions" }, onBack ? h("button", { class: "btn", type: "button", onclick: onBack }, "← Back") : null, h("span", { class: "spacer" }), h("button", { class: "btn", type: "button", onclick: onCancel }, "Cancel"), s.save),
  );
}
