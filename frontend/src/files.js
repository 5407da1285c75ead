// Sources of files in the wizard: a form (name, folder, reader options), then a drop zone for
// files and folders. Each file is uploaded on its own, so one refused file (wrong type, too
// large) does not stop the others; the server makes names safe and writes atomically.
import { api, ApiError, upload } from "./api.js";
import { h, clear, fmtNumber } from "./dom.js";

const EXTENSIONS = [".csv", ".tsv", ".txt", ".parquet", ".pq", ".json", ".ndjson", ".jsonl", ".xlsx"];
const MAX_BYTES = 100 * 1024 * 1024;

// The form for a new source (or, with `source`, the upload panel of a saved one).
export function filesForm({ body, dlg, meta, type, source = null, onSaved, back = null }) {
  if (source) return uploadPanel({ body, dlg, name: source.name, onDone: () => onSaved?.(source, { created: false }) });
  const errors = {};
  const inputs = {};
  const row = (name, label, input, help) => {
    errors[name] = h("div", { class: "field-error", id: `err-${name}`, role: "alert" });
    return h("label", { class: "field", dataset: { field: name } }, h("span", { class: "field-label" }, label), input, help ? h("span", { class: "field-help" }, help) : null, errors[name]);
  };
  inputs.name = h("input", { id: "f-name", name: "name", autocomplete: "off", spellcheck: false, placeholder: "crm" });
  inputs.path = h("input", { id: "f-path", name: "path", autocomplete: "off", spellcheck: false, placeholder: "/srv/exports (blank: a new folder for uploads)" });
  inputs.delimiter = h("input", { id: "f-delimiter", name: "delimiter", autocomplete: "off", placeholder: "guessed; or ; | tab" });
  inputs.header = h("select", { id: "f-header", name: "header" }, h("option", { value: "" }, "guess"), h("option", { value: "true" }, "yes"), h("option", { value: "false" }, "no"));
  inputs.sheet = h("input", { id: "f-sheet", name: "sheet", autocomplete: "off", placeholder: "the first sheet" });
  const help = Object.fromEntries(type.fields.map((f) => [f.name, f.help]));
  errors._form = h("div", { class: "form-error", role: "alert" });
  const save = h("button", { class: "btn save", type: "submit" }, "Save");
  const setError = (name, message) => {
    (errors[name] || errors._form).textContent = message || "";
    inputs[name]?.classList.toggle("invalid", !!message);
  };

  async function submit(e) {
    e.preventDefault();
    for (const k of Object.keys(errors)) setError(k, "");
    const name = inputs.name.value.trim();
    if (!new RegExp(meta.name_pattern).test(name)) return setError("name", `Give the source a valid name. ${meta.name_rule}`);
    const options = {};
    for (const key of ["path", "delimiter", "header", "sheet"]) {
      const v = inputs[key].value.trim();
      if (v) options[key] = key === "header" ? v === "true" : v;
    }
    save.disabled = true;
    save.textContent = "Saving…";
    try {
      if (!options.path) options.path = (await api("POST", "/api/upload-folders", { name })).path;
      const saved = await api("POST", "/api/sources", { type: type.type, name, options, secrets: {} });
      onSaved?.(saved, { created: true });
      uploadPanel({ body, dlg, name, onDone: () => {} });
    } catch (err) {
      const field = err instanceof ApiError && err.field && errors[err.field] ? err.field : err.message.includes("path") ? "path" : null;
      setError(field || "_form", err.message);
    } finally {
      save.disabled = false;
      save.textContent = "Save";
    }
  }

  clear(body).append(
    h("div", { class: "form-head" }, h("span", { class: `type-logo ${type.type}` }, type.label[0]), h("div", {}, h("strong", {}, type.label), h("div", { class: "muted" }, type.description))),
    h(
      "form",
      { class: "source-form files-form", novalidate: true, onsubmit: submit },
      row("name", "Name", inputs.name, meta.name_rule),
      row("path", "Folder on the server (optional)", inputs.path, help.path),
      row("delimiter", "CSV delimiter (optional)", inputs.delimiter, help.delimiter),
      row("header", "First row names the columns", inputs.header, help.header),
      row("sheet", "Excel sheet (optional)", inputs.sheet, help.sheet),
      errors._form,
      h(
        "div",
        { class: "form-actions" },
        back ? h("button", { class: "btn", type: "button", onclick: back }, "← Back") : null,
        h("span", { class: "spacer" }),
        h("button", { class: "btn", type: "button", onclick: dlg.close }, "Cancel"),
        save,
      ),
    ),
  );
  inputs.name.focus();
}

// Drop files or folders (or pick them) to upload them into source `name`.
function uploadPanel({ body, dlg, name, onDone }) {
  const list = h("ul", { class: "upload-list" });
  const existing = h("div", { class: "muted upload-existing" });
  const input = h("input", { type: "file", multiple: true, class: "upload-input", onchange: () => send([...input.files].map((f) => [f, f.name])) });
  const folderInput = h("input", { type: "file", multiple: true, webkitdirectory: true, class: "upload-input", onchange: () => send([...folderInput.files].map((f) => [f, f.webkitRelativePath || f.name])) });
  const zone = h(
    "div",
    {
      class: "drop-zone",
      tabindex: 0,
      ondragover: (e) => {
        e.preventDefault();
        zone.classList.add("over");
      },
      ondragleave: () => zone.classList.remove("over"),
      ondrop: async (e) => {
        e.preventDefault();
        zone.classList.remove("over");
        send(await dropped(e.dataTransfer));
      },
    },
    h("strong", {}, "Drop files or folders here"),
    h("div", { class: "muted" }, `CSV, TSV, Parquet, JSON, NDJSON, Excel; up to ${fmtNumber(MAX_BYTES / 1024 / 1024)} MiB each.`),
    h("div", { class: "upload-buttons" }, h("label", { class: "btn" }, "Choose files", input), h("label", { class: "btn" }, "Choose a folder", folderInput)),
  );

  async function refresh() {
    try {
      const r = await api("GET", `/api/sources/${encodeURIComponent(name)}/files`);
      existing.textContent = r.files.length ? `${r.files.length} file${r.files.length === 1 ? "" : "s"} in this source: ${r.files.map((f) => f.table).join(", ")}` : "No files yet.";
    } catch (err) {
      existing.textContent = err.message;
    }
  }

  async function send(items) {
    for (const [file, path] of items) {
      const line = h("li", { class: "upload-item" }, h("code", {}, path), " ", h("span", { class: "muted" }, "uploading…"));
      list.append(line);
      const status = line.lastChild;
      const ext = path.slice(path.lastIndexOf(".")).toLowerCase();
      if (!EXTENSIONS.includes(ext)) {
        status.textContent = `skipped: not a file type distillr reads (${EXTENSIONS.join(" ")})`;
        line.classList.add("error");
        continue;
      }
      if (file.size > MAX_BYTES) {
        status.textContent = "skipped: larger than 100 MiB";
        line.classList.add("error");
        continue;
      }
      const form = new FormData();
      form.append("files", file, file.name);
      form.append("paths", path);
      try {
        const r = await upload(`/api/sources/${encodeURIComponent(name)}/files`, form);
        status.textContent = `saved: ${r.saved[0].sql}`;
        line.classList.add("ok");
      } catch (err) {
        status.textContent = err.message;
        line.classList.add("error");
      }
    }
    refresh();
  }

  clear(body).append(
    h("p", {}, "Source ", h("strong", {}, name), " reads every file of its folder as a table named by its path."),
    zone,
    list,
    existing,
    h(
      "div",
      { class: "form-actions" },
      h("span", { class: "spacer" }),
      h(
        "button",
        {
          class: "btn save done",
          type: "button",
          onclick: () => {
            dlg.close();
            onDone();
          },
        },
        "Done",
      ),
    ),
  );
  refresh();
}

// The files of a drop, folders walked, each with its path inside the dropped folder.
async function dropped(transfer) {
  const out = [];
  const walk = async (entry, prefix) => {
    if (entry.isFile) {
      const file = await new Promise((ok, fail) => entry.file(ok, fail));
      out.push([file, prefix + file.name]);
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
        if (!batch.length) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  const entries = [...transfer.items].map((i) => i.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.length) return [...transfer.files].map((f) => [f, f.name]);
  for (const entry of entries) await walk(entry, "");
  return out;
}
