// The SQL editor: CodeMirror 6 with @codemirror/lang-sql's schema completion of sources,
// tables and columns (backtick identifiers, as in Drill).
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { sql, MySQL } from "@codemirror/lang-sql";

const language = new Compartment();

export function schemaFromTree(tree) {
  // {source: {table: [columns]}} -> completes `src`, `src`.`table` and columns after table.
  const schema = {};
  for (const src of tree.sources || []) {
    const tables = {};
    for (const t of src.tables) {
      tables[t.name] = t.columns.map((c) => ({ label: c.name, type: "property", detail: c.type + (c.virtual ? " · filter" : "") }));
    }
    schema[src.name] = tables;
  }
  return schema;
}

function sqlExtension(schema) {
  return sql({ dialect: MySQL, schema, upperCaseKeywords: true });
}

export function createEditor(parent, { doc, onChange, onRun }) {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        Prec.highest(
          keymap.of([
            { key: "Mod-Enter", run: () => (onRun(), true) },
            { key: "Shift-Enter", run: () => (onRun(), true) },
          ]),
        ),
        basicSetup,
        language.of(sqlExtension({})),
        EditorView.lineWrapping,
        EditorView.updateListener.of((u) => u.docChanged && onChange(u.state.doc.toString())),
        EditorView.contentAttributes.of({ "aria-label": "SQL editor" }),
      ],
    }),
  });
  return {
    view,
    get text() {
      return view.state.doc.toString();
    },
    set text(value) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
    },
    selection() {
      const r = view.state.selection.main;
      return r.empty ? "" : view.state.sliceDoc(r.from, r.to);
    },
    setSchema(schema) {
      view.dispatch({ effects: language.reconfigure(sqlExtension(schema)) });
    },
    focus() {
      view.focus();
    },
  };
}
