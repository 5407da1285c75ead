// "Save as table": keep the query's result as saved.NAME (CREATE OR REPLACE TABLE saved.NAME
// AS the query), run on the server like any query; the tree then lists it under `saved`.
import { api } from "./api.js";
import { h, modal, toast } from "./dom.js";

const NAME = /^[a-z][a-z0-9_]*$/;

export function saveTableButton({ getSql, onSaved }) {
  return h("button", { class: "btn save-table", title: "Keep this query's result as a saved table (saved.NAME)", onclick: () => open(getSql, onSaved) }, "Save as table");
}

function open(getSql, onSaved) {
  const sql = getSql().trim().replace(/;\s*$/, "");
  if (!sql) return toast("Type a query first.");
  const input = h("input", { id: "f-saved-name", autocomplete: "off", spellcheck: false, placeholder: "recent_msgs" });
  const error = h("div", { class: "field-error", role: "alert" });
  const save = h("button", { class: "btn save", type: "submit" }, "Save");
  const body = h(
    "form",
    {
      class: "source-form",
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        const name = input.value.trim();
        if (!NAME.test(name)) return (error.textContent = "Use lowercase letters, digits and underscores, starting with a letter.");
        error.textContent = "";
        save.disabled = true;
        save.textContent = "Running…";
        try {
          let job = await api("POST", "/api/queries", { sql: `CREATE OR REPLACE TABLE saved.${name} AS ${sql}` });
          while (job.state === "queued" || job.state === "running") job = await api("GET", `/api/queries/${job.id}?wait=10`);
          if (job.state !== "done") throw new Error(job.error?.detail || job.error || `The query ended ${job.state}.`);
          dlg.close();
          toast(`Saved saved.${name}`, "ok");
          onSaved?.(name);
        } catch (err) {
          error.textContent = err.message;
        } finally {
          save.disabled = false;
          save.textContent = "Save";
        }
      },
    },
    h("label", { class: "field" }, h("span", { class: "field-label" }, "Table name (queried as saved.NAME)"), input, error),
    h("p", { class: "muted" }, "The result is written as Parquet on the server and remembers its SQL; refresh it with `distillr refresh NAME`."),
    h("div", { class: "form-actions" }, h("span", { class: "spacer" }), h("button", { class: "btn", type: "button", onclick: () => dlg.close() }, "Cancel"), save),
  );
  const dlg = modal("Save as table", body);
  input.focus();
}
