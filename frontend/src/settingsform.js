// A type's settings form, the wizard's last step: Name, then the type's fields (from the server:
// each type's settings, declared once), by authentication mode where the type has several, the
// advanced ones under "More settings". A Custom API gets its endpoints form (customapi.js). Save
// tests the connection first; the server's message is shown next to the field it concerns, and
// nothing is saved on failure.
import { api, ApiError } from "./api.js";
import { customApiForm } from "./customapi.js";
import { h, clear, debounce } from "./dom.js";

// The state the form's parts share: the type, the source being edited (or null), the modes and
// the one chosen, and each field's input and error box by the field's name.
function formState(meta, type, source) {
  const editing = !!source;
  const modes = type.auth_modes || [];
  const modeOf = (m) => type.fields.filter((f) => !f.secret && m.settings.includes(f.name));
  const savedMode = editing ? modes.find((m) => modeOf(m).some((f) => source.options?.[f.name])) : null;
  const firstMode = savedMode || modes[0] || null;
  return { meta, type, source, editing, modes, firstMode, mode: firstMode ? firstMode.id : null, inputs: {}, errors: {}, pattern: new RegExp(meta.name_pattern) };
}

// A field's row: its label, input, help and error box.
function fieldRow(s, name, label, input, help) {
  s.errors[name] = h("div", { class: "field-error", id: `err-${name}`, role: "alert" });
  return h(
    "label",
    { class: "field", dataset: { field: name } },
    h("span", { class: "field-label" }, label),
    input,
    help ? h("span", { class: "field-help" }, help) : null,
    s.errors[name],
  );
}

function setError(s, name, message) {
  const box = s.errors[name] || s.errors._form;
  if (!box) return;
  box.textContent = message || "";
  const input = s.inputs[name];
  if (input) input.classList.toggle("invalid", !!message);
}

// The name input, checked while typed against the rule and the saved names.
function nameInput(s) {
  const { meta, type, source, editing } = s;
  const input = h("input", {
    name: "name",
    id: "f-name",
    autocomplete: "off",
    spellcheck: false,
    placeholder: type.form === "definition" ? "my_api" : `my_${(type.template || type.type).replace(/[^a-z0-9_]/g, "_")}`,
    value: editing ? source.name : "",
    "aria-describedby": "err-name",
  });
  const remoteCheck = debounce(async (value) => {
    try {
      const r = await api("GET", `/api/names/check?name=${encodeURIComponent(value)}${editing ? `&current=${encodeURIComponent(source.name)}` : ""}`);
      if (input.value !== value) return;
      setError(s, "name", r.valid && r.available ? "" : r.message);
      if (r.valid && r.available) input.classList.add("ok");
    } catch {
      /* the save will tell */
    }
  }, 250);
  input.addEventListener("input", () => {
    const v = input.value;
    input.classList.remove("ok");
    if (!v) return setError(s, "name", "");
    if (!s.pattern.test(v)) return setError(s, "name", `'${v}' is not a valid name: use lowercase letters, digits and underscores only.`);
    setError(s, "name", "");
    remoteCheck(v);
  });
  return input;
}

// A Custom API's form: the name row, then customapi.js's fields and endpoints.
function definitionForm(s, nameRow, { dlg, onSaved, back }) {
  return customApiForm({
    type: s.type,
    meta: s.meta,
    source: s.source,
    nameRow,
    nameInput: s.inputs.name,
    pattern: s.pattern,
    nameRule: s.meta.name_rule,
    setNameError: (m) => setError(s, "name", m),
    onDone: (saved) => {
      dlg.close();
      if (onSaved) onSaved(saved, { created: !s.editing });
    },
    onBack: back,
    onCancel: dlg.close,
  });
}

// The authentication modes as a segmented switch; choosing one shows its fields.
function modeSwitch(s) {
  const el = h(
    "div",
    { class: "segmented", role: "radiogroup" },
    s.modes.map((m) =>
      h(
        "button",
        {
          type: "button",
          class: m.id === s.mode ? "active" : "",
          dataset: { mode: m.id },
          onclick: (e) => {
            s.mode = m.id;
            for (const b of el.children) b.classList.toggle("active", b === e.currentTarget);
            renderFields(s);
          },
        },
        m.label,
      ),
    ),
  );
  return el;
}

// The inputs of the type's fields (a list to pick from for a yes/no or one-of setting), and
// their rows by name.
function fieldRows(s) {
  const { source, editing, inputs } = s;
  for (const f of s.fields) {
    const saved = editing && f.secret ? source.secrets?.[f.name] : null;
    const fallback = f.default !== undefined ? `default: ${f.default}` : "";
    const choices = f.type === "boolean" ? ["true", "false"] : f.type === "choice" ? f.choices : null;
    if (choices) {
      // a yes/no or one-of setting: a list to pick from (blank: the default)
      const current = editing ? String(source.options?.[f.name] ?? "") : "";
      inputs[f.name] = h("select", { name: f.name, id: `f-${f.name}`, "aria-describedby": `err-${f.name}` }, h("option", { value: "" }, fallback || "—"), choices.map((c) => h("option", { value: c, selected: c === current }, c)));
      continue;
    }
    inputs[f.name] = h("input", {
      name: f.name,
      id: `f-${f.name}`,
      type: f.secret ? "password" : "text",
      autocomplete: f.secret ? "new-password" : "off",
      spellcheck: false,
      placeholder: saved ? `${saved} saved; leave blank to keep` : f.placeholder || fallback,
      value: editing && !f.secret ? source.options?.[f.name] ?? "" : "",
      "aria-describedby": `err-${f.name}`,
    });
  }
  const help = (f) => (f.help ? f.help[0].toUpperCase() + f.help.slice(1) + "." : null);
  return Object.fromEntries(s.fields.map((f) => [f.name, fieldRow(s, f.name, f.label + (f.required ? "" : " (optional)"), inputs[f.name], help(f))]));
}

// Show the chosen mode's fields (and those of no mode), the advanced ones under More settings.
function renderFields(s) {
  clear(s.fieldsBox);
  clear(s.more).append(h("summary", {}, "More settings"));
  for (const f of s.fields) {
    if (f.auth_mode && f.auth_mode !== s.mode) continue;
    (f.advanced ? s.more : s.fieldsBox).append(s.rows[f.name]);
  }
  if (s.more.children.length > 1) s.fieldsBox.append(s.more);
}

// The form's name, options and secrets; null when one is missing or wrong (its error shown).
function collect(s) {
  for (const k of Object.keys(s.errors)) setError(s, k, "");
  s.errors._form.textContent = "";
  const modeDef = s.modes.find((m) => m.id === s.mode);
  const options = {};
  const secrets = {};
  let missing = false;
  const name = s.inputs.name.value.trim();
  if (!name) {
    setError(s, "name", `Give the source a name. ${s.meta.name_rule}`);
    missing = true;
  } else if (!s.pattern.test(name)) {
    setError(s, "name", `'${name}' is not a valid name: use lowercase letters, digits and underscores only.`);
    missing = true;
  }
  for (const f of s.fields) {
    if (f.auth_mode && f.auth_mode !== s.mode) {
      if (!f.secret) options[f.name] = null; // another mode's option: removed
      continue;
    }
    const v = s.inputs[f.name].value.trim();
    if (f.secret) {
      if (v) secrets[f.name] = v;
      else if (!s.editing && f.required) {
        setError(s, f.name, `${f.label} is required.`);
        missing = true;
      }
    } else {
      if (!v && f.required) {
        setError(s, f.name, `${f.label} is required.`);
        missing = true;
      }
      options[f.name] = v || null;
    }
  }
  if (missing) return null;
  const modeChanged = s.editing && s.firstMode && s.mode !== s.firstMode.id;
  if (modeChanged && !Object.keys(secrets).length) {
    const secret = s.fields.find((f) => f.secret && modeDef.settings.includes(f.name));
    setError(s, secret.name, "Enter the secret for this kind of authentication.");
    return null;
  }
  return { name, options, secrets };
}

// Save: a new source, or the edited one's changes.
async function submit(s, { dlg, onSaved }) {
  const given = collect(s);
  if (!given) return;
  const { name, options, secrets } = given;
  s.save.disabled = true;
  s.save.classList.add("busy");
  s.save.textContent = "Testing connection…";
  try {
    let saved;
    if (s.editing) {
      saved = await api("PATCH", `/api/sources/${encodeURIComponent(s.source.name)}`, {
        name,
        options,
        secrets: Object.keys(secrets).length ? secrets : null,
      });
    } else {
      const clean = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== null));
      saved = await api("POST", "/api/sources", { type: s.type.type, template: s.type.template, name, options: clean, secrets });
    }
    dlg.close();
    if (onSaved) onSaved(saved, { created: !s.editing });
  } catch (err) {
    const shown = err instanceof ApiError && err.field && s.errors[err.field] && (err.field === "name" || s.fieldsBox.contains(s.rows[err.field]));
    if (shown) {
      setError(s, err.field, err.message);
      s.inputs[err.field]?.focus();
    } else {
      s.errors._form.textContent = err.message;
    }
  } finally {
    s.save.disabled = false;
    s.save.classList.remove("busy");
    s.save.textContent = "Save";
  }
}

// The form, in `body` under `head` (the wizard's steps and the type's title). With `source` (a
// saved source) it edits that source; `back`, if given, is the Back button's action.
export function settingsForm({ body, dlg, meta, type, source = null, head = [], onSaved, back = null }) {
  const s = formState(meta, type, source);
  s.inputs.name = nameInput(s);
  const nameRow = fieldRow(s, "name", "Name", s.inputs.name, meta.name_rule);
  if (type.form === "definition") {
    clear(body).append(...head, definitionForm(s, nameRow, { dlg, onSaved, back }));
    s.inputs.name.focus();
    return;
  }

  s.fields = type.fields.filter((f) => f.type !== "mapping" && f.type !== "list");
  s.rows = fieldRows(s);
  s.fieldsBox = h("div", { class: "fields" });
  s.more = h("details", { class: "more-settings" }, h("summary", {}, "More settings"));
  renderFields(s);

  s.errors._form = h("div", { class: "form-error", role: "alert" });
  s.save = h("button", { class: "btn save", type: "submit" }, "Save");
  const form = h(
    "form",
    {
      class: "source-form",
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        await submit(s, { dlg, onSaved });
      },
    },
    nameRow,
    s.modes.length ? h("div", { class: "field" }, h("span", { class: "field-label" }, "Authentication"), modeSwitch(s)) : null,
    s.fieldsBox,
    s.errors._form,
    h(
      "div",
      { class: "form-actions" },
      back ? h("button", { class: "btn", type: "button", onclick: back }, "← Back") : null,
      h("span", { class: "spacer" }),
      h("button", { class: "btn", type: "button", onclick: dlg.close }, "Cancel"),
      s.save,
    ),
  );
  clear(body).append(...head, form);
  s.inputs.name.focus();
}
