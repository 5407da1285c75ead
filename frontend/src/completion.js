// Completion in distillr's SQL (Apache Drill's dialect, run by DuckDB): sources, their tables
// (path names such as `/Calls/:CallSid/Recordings` backticked), the columns of the tables in
// the statement (qualified by table or alias, or not), the functions distillr runs (with
// signatures) and keywords. Matches of the typed prefix rank first.
import { SQLDialect } from "@codemirror/lang-sql";
import FUNCTIONS from "./functions.json";

export const KEYWORDS = [
  "select", "from", "where", "group", "by", "order", "having", "limit", "offset", "join", "left", "right",
  "full", "inner", "outer", "cross", "on", "using", "as", "and", "or", "not", "in", "is", "null", "like",
  "ilike", "between", "case", "when", "then", "else", "end", "distinct", "union", "all", "except",
  "intersect", "with", "asc", "desc", "nulls", "first", "last", "true", "false", "date", "timestamp",
  "time", "interval", "exists", "any", "some", "show", "databases", "schemas", "tables", "describe",
  "explain", "plan", "for", "cast", "try_cast", "values", "lateral", "unnest", "over", "partition",
  "rows", "range", "preceding", "following", "current", "row", "unbounded", "fetch", "next", "only",
];
const TYPES = "varchar char bigint integer int smallint tinyint double float real decimal boolean date time timestamp interval varbinary binary";

export const DRILL = SQLDialect.define({
  keywords: KEYWORDS.join(" "),
  types: TYPES,
  builtin: FUNCTIONS.map((f) => f.name).join(" "),
  identifierQuotes: "`\"",
  backslashEscapes: true,
  hashComments: false,
  doubleDollarQuotedStrings: false,
  operatorChars: "*+-%<>!=&|~^/",
});

const PLAIN = /^[a-z_][a-z0-9_]*$/;
const RESERVED = new Set(KEYWORDS.concat(["to", "user", "year", "month", "day", "hour", "minute", "second", "default"]));
export const quote = (name) => (PLAIN.test(name) && !RESERVED.has(name) ? name : "`" + name.replace(/`/g, "``") + "`");
const unquote = (name) => (/^[`"].*[`"]$/.test(name) ? name.slice(1, -1) : name).toLowerCase();

// `src`.`table` [AS] alias, for each FROM / JOIN of the statement
const IDENT = String.raw`(?:\x60[^\x60]+\x60|"[^"]+"|[A-Za-z_][\w$]*)`;
const REF = new RegExp(String.raw`\b(?:from|join)\s+(${IDENT})\s*\.\s*(${IDENT})(?:\s+(?:as\s+)?(${IDENT}))?`, "gi");
const NOT_ALIAS = new Set(["where", "join", "left", "right", "full", "inner", "outer", "cross", "on", "using", "group", "order", "limit", "having", "union", "except", "intersect", "natural", "offset", "window"]);

function statementAround(text, pos) {
  const start = text.lastIndexOf(";", pos - 1) + 1;
  const end = text.indexOf(";", pos);
  return text.slice(start, end < 0 ? text.length : end);
}

export function tablesIn(statement, tree) {
  const found = [];
  for (const m of statement.matchAll(REF)) {
    const src = (tree.sources || []).find((s) => s.name.toLowerCase() === unquote(m[1]));
    const name = unquote(m[2]);
    const table = src?.tables.find((t) => t.name.toLowerCase() === name || (t.aliases || []).some((a) => a.toLowerCase() === name));
    if (!table) continue;
    const alias = m[3] && !NOT_ALIAS.has(m[3].toLowerCase()) ? unquote(m[3]) : null;
    found.push({ source: src.name, table, alias });
  }
  return found;
}

function columnOptions(entries, boost = 0) {
  const seen = new Set();
  const out = [];
  for (const { table } of entries) {
    for (const c of table.columns) {
      if (seen.has(c.name)) continue;
      seen.add(c.name);
      out.push({ label: c.name, apply: quote(c.name), type: "property", detail: `${c.type}${c.virtual ? " · filter" : ""}`, info: c.description || undefined, boost: boost + (c.virtual ? -1 : 0) });
    }
  }
  return out;
}

// a table by its name, and by each alias (its API path, such as /Calls/:CallSid/Recordings)
const tableOptions = (t) => {
  const detail = t.parameters?.length ? `needs ${t.parameters.join(", ")}` : "table";
  const info = t.description || undefined;
  return [
    { label: quote(t.name), type: "class", detail, info, boost: 1 },
    ...(t.aliases || []).map((a) => ({ label: quote(a), type: "class", detail: `${detail} · ${t.name}`, info })),
  ];
};
const sourceOption = (s) => ({ label: quote(s.name), type: "namespace", detail: `${s.type || "source"} · ${s.tables.length} tables` });
const keywordOptions = () => KEYWORDS.map((k) => ({ label: k.toUpperCase(), type: "keyword", boost: -2 }));
const functionOptions = () => FUNCTIONS.map((f) => ({ label: f.name.toUpperCase(), type: "function", detail: f.signature, info: f.info, apply: `${f.name.toUpperCase()}(`, boost: -1 }));

export function completionSource(tree) {
  return (context) => {
    const line = context.state.sliceDoc(Math.max(0, context.pos - 400), context.pos);
    // what is typed: an identifier (maybe an open backtick, path characters inside it)
    const word = /(?:`[^`]*|[\w$]*)$/.exec(line);
    const from = context.pos - word[0].length;
    const before = line.slice(0, line.length - word[0].length);
    const qualifier = new RegExp(String.raw`(${IDENT})\s*\.\s*$`).exec(before);
    // with nothing typed yet, only where a name is expected (after SELECT, WHERE, a comma ...)
    const expects = /(?:\b(?:select|from|join|where|and|or|by|on|having|distinct)\s+|[(,]\s*)$/i.test(before);
    if (!context.explicit && !word[0] && !qualifier && !expects) return null;
    const text = context.state.doc.toString();
    const statement = statementAround(text, context.pos);
    const sources = tree.sources || [];
    const validFor = /^(?:`[^`]*|[\w$]*)$/;
    // an opening backtick's automatic closing one is replaced with the name, not kept after it
    const closing = word[0].startsWith("`") && context.state.sliceDoc(context.pos, context.pos + 1) === "`";
    const done = (result) => (closing ? { ...result, to: context.pos + 1 } : result);
    if (qualifier) {
      const name = unquote(qualifier[1]);
      const src = sources.find((s) => s.name.toLowerCase() === name);
      // src.<tables> right after FROM / JOIN src.
      if (src && /\b(?:from|join)\s+\S+\s*\.\s*$/i.test(before)) return done({ from, options: src.tables.flatMap(tableOptions), validFor });
      const refs = tablesIn(statement, tree).filter((r) => r.alias === name || r.table.name.toLowerCase() === name);
      if (refs.length) return done({ from, options: columnOptions(refs), validFor });
      if (src) return done({ from, options: src.tables.flatMap(tableOptions), validFor });
      return null;
    }
    // after FROM / JOIN: sources
    if (/\b(?:from|join)\s+$/i.test(before)) return done({ from, options: sources.map(sourceOption), validFor });
    const refs = tablesIn(statement, tree);
    return done({ from, options: [...columnOptions(refs, 2), ...functionOptions(), ...keywordOptions(), ...sources.map(sourceOption)], validFor });
  };
}
