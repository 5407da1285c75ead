// The SQL editor: CodeMirror 6 with highlighting in distillr's dialect (Apache Drill's, run
// by DuckDB) and its own completion (completion.js); a SQL error is underlined where it is.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { LanguageSupport } from "@codemirror/language";
import { autocompletion } from "@codemirror/autocomplete";
import { setDiagnostics } from "@codemirror/lint";
import { DRILL, completionSource } from "./completion.js";

const completion = new Compartment();

function language(tree) {
  return new LanguageSupport(DRILL.language, [DRILL.language.data.of({ autocomplete: completionSource(tree) })]);
}

// the document offset of line/column (both 1-based) of `sql`, which starts at `from`
function offsetOf(sql, from, line, column) {
  const lines = sql.split("\n");
  let offset = from;
  for (let i = 0; i < Math.min(line - 1, lines.length); i++) offset += lines[i].length + 1;
  return offset + Math.max(0, column - 1);
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
        autocompletion({ maxRenderedOptions: 600 }), // a source's every table and path name
        completion.of(language({ sources: [] })),
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
    selectionFrom() {
      return view.state.selection.main.from;
    },
    // the nav tree's data: sources -> tables -> columns
    setSchema(tree) {
      view.dispatch({ effects: completion.reconfigure(language(tree)) });
    },
    // underline the token at line/column of `sql` (run from document offset `from`)
    markError(from, sql, line, column, message) {
      const docLength = view.state.doc.length;
      const start = Math.min(offsetOf(sql, from, line, column), docLength);
      const word = /^[`"']?[\w$./:]*[`"']?/.exec(view.state.sliceDoc(start, Math.min(docLength, start + 80)))[0];
      const end = Math.min(docLength, start + Math.max(1, word.length));
      view.dispatch(setDiagnostics(view.state, [{ from: start, to: end, severity: "error", message }]));
    },
    clearError() {
      view.dispatch(setDiagnostics(view.state, []));
    },
    focus() {
      view.focus();
    },
  };
}
