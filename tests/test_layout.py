"""Test folders have no __init__.py, so pytest imports test modules by their file name: two
test files with the same name in different folders break collection of the whole suite."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_test_module_names_are_unique():
    names = Counter(p.name for p in TESTS.rglob("*.py") if p.name != "conftest.py")
    assert [n for n, count in names.items() if count > 1] == []


SRC = TESTS.parent / "src" / "distillr"

#: functions over 120 lines today, each to be split; the list may only shrink
LONG_FUNCTIONS_ALLOWED: set[str] = set()

#: import circles today (a deferred import inside a function), to be undone; may only shrink
CIRCLES_ALLOWED: list[list[str]] = []


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The distillr modules ``path`` imports, at any depth (``TYPE_CHECKING`` ones too)."""
    import ast

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for target in targets:
            # the longest known module the import names (``from a.b import c``: a.b.c or a.b)
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in SRC.rglob("*.py")}
    known = set(paths)
    graph = {name: _imports(path, name, known) for name, path in paths.items()}
    # importing a.b.c runs a/__init__ and a/b/__init__ first: not an edge of a circle
    for name, deps in graph.items():
        graph[name] = {d for d in deps if not name.startswith(d + ".")}
    return graph


def find_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def test_no_import_circles():
    circles = find_circles(import_graph())
    assert [c for c in circles if c not in CIRCLES_ALLOWED] == []
    # a circle that was undone leaves the list
    assert [c for c in CIRCLES_ALLOWED if c not in circles] == []


def test_the_circle_check_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_circles(graph) == [["a", "b", "c"]]


def long_functions(limit: int = 120) -> dict[str, int]:
    import ast

    out = {}
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                length = node.end_lineno - start + 1
                if length > limit:
                    rel = path.relative_to(SRC).as_posix()
                    out[f"{rel}:{node.name}"] = length
    return out


def test_no_function_over_120_lines():
    found = long_functions()
    assert sorted(set(found) - LONG_FUNCTIONS_ALLOWED) == []
    # a function that was split leaves the list
    assert sorted(LONG_FUNCTIONS_ALLOWED - set(found)) == []


FRONTEND = TESTS.parent / "frontend" / "src"
_JS_KEYWORDS = {"if", "for", "while", "switch", "catch", "with", "return", "typeof", "await"}
_JS_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {"return", "typeof", "case", "=>", None}


def _js_tokens(text: str):
    """(token, line) of JavaScript source, without comments, strings and regex literals (each
    string or template literal is one token '""'; a template's ${...} parts are read as code)."""
    i, line, n = 0, 1, len(text)
    prev = None
    templates: list[int] = []  # brace depth at each open ${ of a template literal
    depth = 0
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif text.startswith("//", i):
            i = text.find("\n", i) if "\n" in text[i:] else n
        elif text.startswith("/*", i):
            end = text.index("*/", i) + 2
            line += text.count("\n", i, end)
            i = end
        elif c in "'\"" or c == "`" or (c == "}" and templates and templates[-1] == depth):
            if c == "}":  # the end of a template's ${...}: the template goes on
                templates.pop()
                c = "`"
            j = i + 1
            while j < n and text[j] != c:
                if text[j] == "\\":
                    j += 1
                elif c == "`" and text.startswith("${", j):
                    templates.append(depth)
                    j += 1
                    break
                j += 1
            line += text.count("\n", i, j + 1)
            i = j + 1
            prev = '""'
            yield prev, line
        elif c == "/" and prev in _JS_REGEX_AFTER:
            j, in_class = i + 1, False
            while j < n and (text[j] != "/" or in_class):
                in_class = (in_class or text[j] == "[") and text[j] != "]"
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            while i < n and text[i].isalnum():
                i += 1
            prev = '""'
            yield prev, line
        elif c.isalnum() or c in "_$":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            prev = text[i:j]
            i = j
            yield prev, line
        else:
            prev = "=>" if text.startswith("=>", i) else c
            i += len(prev)
            depth += {"{": 1, "}": -1}.get(prev, 0)
            yield prev, line


def js_long_functions(text: str, limit: int = 120) -> dict[str, int]:
    """Functions (declarations, methods, arrow functions with a body) over ``limit`` lines,
    by name (or first line) -> their length, nested functions counted in their parent's."""
    out: dict[str, int] = {}
    parens: list[tuple] = []  # the two tokens before each open (
    braces: list[tuple[str, int] | None] = []  # a function's name and first line, or None
    closed: tuple = (None, None)  # the two tokens before the ( of the last ) closed
    prev, prev2 = None, None
    for tok, line in _js_tokens(text):
        if tok == "(":
            parens.append((prev, prev2, line))
        elif tok == ")":
            closed = parens.pop() if parens else (None, None, line)
        elif tok == "{":
            after_parens = prev == ")" or (prev == "=>" and prev2 == ")")
            p, p2, start = closed if after_parens else (None, None, line)
            name = None
            if prev == "=>":  # name = (...) => {, or name: (...) => {, or x => {
                named = p in ("=", ":") and p2 and p2.isidentifier()
                name = (p2 if named else f"line {start}", start)
            elif prev == ")" and p == "function":
                name = (p2 if p2 and p2.isidentifier() else f"line {start}", start)
            elif prev == ")" and p and p.isidentifier() and p not in _JS_KEYWORDS:
                name = (p, start)  # function name(...) {, or a method
            braces.append(name)
        elif tok == "}" and braces:
            opened = braces.pop()
            if opened and line - opened[1] + 1 > limit:
                out[opened[0]] = line - opened[1] + 1
        prev2, prev = prev, tok
    return out


def test_no_frontend_function_over_120_lines():
    """The rule of the Python code, for frontend/src too."""
    found = [
        f"{path.name}:{name} ({length} lines)"
        for path in sorted(FRONTEND.glob("*.js"))
        for name, length in js_long_functions(path.read_text(encoding="utf-8")).items()
    ]
    assert found == []


def test_the_frontend_check_finds_a_long_function():
    body = "\n".join(f"  const x{i} = `a ${{b}} {{`; // }}" for i in range(120))
    text = (
        "const re = /[}{]/g;\n"
        f"function longOne(a) {{\n  if (a) {{ return '}}'; }}\n{body}\n}}\n"
        f"const short = (x) => {{\n  return x / 2;\n}};\n"
        f"export function outer() {{\n  const inner = () => {{\n{body}\n  }};\n}}\n"
        "class A {\n  method(b) {\n    return b;\n  }\n}\n"
    )
    assert js_long_functions(text) == {"longOne": 123, "outer": 124, "inner": 122}
