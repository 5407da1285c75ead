// The data source wizard: category -> type -> form. Every type and its form's fields come from
// the server (each type's settings, declared once); a Custom API gets its endpoints form
// (customapi.js), and each import it declares a card of its own (openapi.js). Save tests the
// connection first; the server's message is shown next to the
// field it concerns, and nothing is saved on failure.
import { api, ApiError } from "./api.js";
import { customApiForm } from "./customapi.js";
import { h, clear, debounce, modal } from "./dom.js";
import { filesForm } from "./files.js";
import { openApiForm } from "./openapi.js";

// The forms of the imports a type declares beside its own form (its `definition.imports`).
const IMPORTS = { openapi: openApiForm };

let typesCache = null;

async function loadTypes() {
  if (!typesCache) typesCache = await api("GET", "/api/types");
  return typesCache;
}

// Open the wizard. With `source` (a saved source), open its form in edit mode.
export async function openWizard({ source = null, onSaved } = {}) {
  const meta = await loadTypes();
  const body = h("div", { class: "wizard" });
  const dlg = modal(source ? `Edit data source ${source.name}` : "Add a data source", body, { wide: true });

  const steps = (n) =>
    h(
      "ol",
      { class: "steps" },
      ["Category", "Type", "Settings"].map((label, i) => h("li", { class: i + 1 === n ? "current" : i + 1 < n ? "done" : "" }, label)),
    );

  function showCategories() {
    clear(body).append(
      steps(1),
      h("p", { class: "muted" }, "What kind of data do you want to query?"),
      h(
        "div",
        { class: "cards" },
        meta.categories.map((c) =>
          h(
            "button",
            {
              class: `card${c.available ? "" : " disabled"}`,
              disabled: !c.available,
              dataset: { category: c.id },
              onclick: () => showTypes(c),
            },
            h("div", { class: "card-title" }, c.label, c.available ? null : h("span", { class: "badge later" }, "later")),
            h("div", { class: "card-text" }, c.description),
          ),
        ),
      ),
    );
  }

  function showTypes(category) {
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
              onclick: () => (t.form === "files" ? filesForm({ body, dlg, meta, type: t, onSaved, back: () => showTypes(category) }) : showForm(t, category)),
            },
            h("div", { class: "card-title" }, h("span", { class: `type-logo ${t.type}` }, t.label[0]), t.label),
            h("div", { class: "card-text" }, t.description),
          ),
        ),
        types.flatMap((t) => (t.definition?.imports || []).filter((i) => IMPORTS[i.id]).map((i) => importCard(t, i, category))),
      ),
      h("div", { class: "form-actions left" }, h("button", { class: "btn", onclick: showCategories }, "← Back")),
    );
  }

  // A card for an import a type offers (an OpenAPI spec), opening that import's form.
  function importCard(type, choice, category) {
    const open = () => {
      const head = [steps(3), h("div", { class: "form-head" }, h("span", { class: `type-logo ${type.type}` }, choice.label[0]), h("div", {}, h("strong", {}, choice.label), h("div", { class: "muted" }, choice.description)))];
      IMPORTS[choice.id]({ body, dlg, meta, type, choice, head, onSaved, back: () => showTypes(category) });
    };
    return h(
      "button",
      { class: "card", dataset: { import: choice.id }, onclick: open },
      h("div", { class: "card-title" }, h("span", { class: `type-logo ${type.type}` }, choice.label[0]), choice.label),
      h("div", { class: "card-text" }, choice.description),
    );
  }

  function showForm(type, category) {
    const editing = !!source;
    const modes = type.auth_modes || [];
    const modeOf = (m) => type.fields.filter((f) => !f.secret && m.settings.includes(f.name));
    const savedMode = editing ? modes.find((m) => modeOf(m).some((f) => source.options?.[f.name])) : null;
    const firstMode = savedMode || modes[0] || null;
    let mode = firstMode ? firstMode.id : null;
    const inputs = {};
    const errors = {};

    const fieldRow = (name, label, input, help) => {
      errors[name] = h("div", { class: "field-error", id: `err-${name}`, role: "alert" });
      return h(
        "label",
        { class: "field", dataset: { field: name } },
        h("span", { class: "field-label" }, label),
        input,
        help ? h("span", { class: "field-help" }, help) : null,
        errors[name],
      );
    };

    const nameInput = h("input", {
      name: "name",
      id: "f-name",
      autocomplete: "off",
      spellcheck: false,
      placeholder: type.form === "definition" ? "my_api" : `my_${(type.template || type.type).replace(/[^a-z0-9_]/g, "_")}`,
      value: editing ? source.name : "",
      "aria-describedby": "err-name",
    });
    inputs.name = nameInput;
    const pattern = new RegExp(meta.name_pattern);
    const remoteCheck = debounce(async (value) => {
      try {
        const r = await api("GET", `/api/names/check?name=${encodeURIComponent(value)}${editing ? `&current=${encodeURIComponent(source.name)}` : ""}`);
        if (nameInput.value !== value) return;
        setError("name", r.valid && r.available ? "" : r.message);
        if (r.valid && r.available) nameInput.classList.add("ok");
      } catch {
        /* the save will tell */
      }
    }, 250);
    nameInput.addEventListener("input", () => {
      const v = nameInput.value;
      nameInput.classList.remove("ok");
      if (!v) return setError("name", "");
      if (!pattern.test(v)) return setError("name", `'${v}' is not a valid name: use lowercase letters, digits and underscores only.`);
      setError("name", "");
      remoteCheck(v);
    });

    function setError(name, message) {
      const box = errors[name] || errors._form;
      if (!box) return;
      box.textContent = message || "";
      const input = inputs[name];
      if (input) input.classList.toggle("invalid", !!message);
    }

    const nameRow = fieldRow("name", "Name", nameInput, meta.name_rule);
    if (type.form === "definition") {
      const form = customApiForm({
        type,
        meta,
        source,
        nameRow,
        nameInput,
        pattern,
        nameRule: meta.name_rule,
        setNameError: (m) => setError("name", m),
        onDone: (saved) => {
          dlg.close();
          if (onSaved) onSaved(saved, { created: !editing });
        },
        onBack: editing ? null : () => showTypes(category),
        onCancel: dlg.close,
      });
      clear(body).append(...(editing ? [] : [steps(3)]), formHead(type), form);
      nameInput.focus();
      return;
    }

    const modeSwitch = h(
      "div",
      { class: "segmented", role: "radiogroup" },
      modes.map((m) =>
        h(
          "button",
          {
            type: "button",
            class: m.id === mode ? "active" : "",
            dataset: { mode: m.id },
            onclick: (e) => {
              mode = m.id;
              for (const b of modeSwitch.children) b.classList.toggle("active", b === e.currentTarget);
              renderFields();
            },
          },
          m.label,
        ),
      ),
    );

    const fieldsBox = h("div", { class: "fields" });
    const fields = type.fields.filter((f) => f.type !== "mapping" && f.type !== "list");
    for (const f of fields) {
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
    const rows = Object.fromEntries(fields.map((f) => [f.name, fieldRow(f.name, f.label + (f.required ? "" : " (optional)"), inputs[f.name], help(f))]));
    const more = h("details", { class: "more-settings" }, h("summary", {}, "More settings"));

    function renderFields() {
      clear(fieldsBox);
      clear(more).append(h("summary", {}, "More settings"));
      for (const f of fields) {
        if (f.auth_mode && f.auth_mode !== mode) continue;
        (f.advanced ? more : fieldsBox).append(rows[f.name]);
      }
      if (more.children.length > 1) fieldsBox.append(more);
    }
    renderFields();

    errors._form = h("div", { class: "form-error", role: "alert" });
    const save = h("button", { class: "btn save", type: "submit" }, "Save");
    const form = h(
      "form",
      {
        class: "source-form",
        novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          await submit();
        },
      },
      nameRow,
      modes.length ? h("div", { class: "field" }, h("span", { class: "field-label" }, "Authentication"), modeSwitch) : null,
      fieldsBox,
      errors._form,
      h(
        "div",
        { class: "form-actions" },
        editing ? null : h("button", { class: "btn", type: "button", onclick: () => showTypes(category) }, "← Back"),
        h("span", { class: "spacer" }),
        h("button", { class: "btn", type: "button", onclick: dlg.close }, "Cancel"),
        save,
      ),
    );

    async function submit() {
      for (const k of Object.keys(errors)) setError(k, "");
      errors._form.textContent = "";
      const modeDef = modes.find((m) => m.id === mode);
      const options = {};
      const secrets = {};
      let missing = false;
      const name = nameInput.value.trim();
      if (!name) {
        setError("name", `Give the source a name. ${meta.name_rule}`);
        missing = true;
      } else if (!pattern.test(name)) {
        setError("name", `'${name}' is not a valid name: use lowercase letters, digits and underscores only.`);
        missing = true;
      }
      for (const f of fields) {
        if (f.auth_mode && f.auth_mode !== mode) {
          if (!f.secret) options[f.name] = null; // another mode's option: removed
          continue;
        }
        const v = inputs[f.name].value.trim();
        if (f.secret) {
          if (v) secrets[f.name] = v;
          else if (!editing && f.required) {
            setError(f.name, `${f.label} is required.`);
            missing = true;
          }
        } else {
          if (!v && f.required) {
            setError(f.name, `${f.label} is required.`);
            missing = true;
          }
          options[f.name] = v || null;
        }
      }
      if (missing) return;
      const modeChanged = editing && firstMode && mode !== firstMode.id;
      if (modeChanged && !Object.keys(secrets).length) {
        const secret = fields.find((f) => f.secret && modeDef.settings.includes(f.name));
        setError(secret.name, "Enter the secret for this kind of authentication.");
        return;
      }
      save.disabled = true;
      save.classList.add("busy");
      save.textContent = "Testing connection…";
      try {
        let saved;
        if (editing) {
          saved = await api("PATCH", `/api/sources/${encodeURIComponent(source.name)}`, {
            name,
            options,
            secrets: Object.keys(secrets).length ? secrets : null,
          });
        } else {
          const clean = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== null));
          saved = await api("POST", "/api/sources", { type: type.type, template: type.template, name, options: clean, secrets });
        }
        dlg.close();
        if (onSaved) onSaved(saved, { created: !editing });
      } catch (err) {
        const shown = err instanceof ApiError && err.field && errors[err.field] && (err.field === "name" || fieldsBox.contains(rows[err.field]));
        if (shown) {
          setError(err.field, err.message);
          inputs[err.field]?.focus();
        } else {
          errors._form.textContent = err.message;
        }
      } finally {
        save.disabled = false;
        save.classList.remove("busy");
        save.textContent = "Save";
      }
    }

    clear(body).append(...(editing ? [] : [steps(3)]), formHead(type), form);
    nameInput.focus();
  }

  function formHead(type) {
    return h("div", { class: "form-head" }, h("span", { class: `type-logo ${type.type}` }, type.label[0]), h("div", {}, h("strong", {}, type.label), h("div", { class: "muted" }, type.description)));
  }

  if (source) {
    const type = meta.types.find((t) => t.type === source.type && !t.template);
    if (type?.form === "files") filesForm({ body, dlg, meta, type, source, onSaved });
    else if (type) showForm(type, meta.categories.find((c) => c.id === type.category));
    else clear(body).append(h("p", {}, `Sources of type ${source.type} cannot be edited here.`));
  } else {
    showCategories();
  }
}
