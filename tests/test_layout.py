"""The package's layout holds: imports point one way, and no import cycle exists anywhere.

The graph is read from the source with `ast`: every `import` and `from ... import` in `hours/`,
those inside functions (lazy imports) included. Each rule is a function over a graph, checked
here on the real one and on small made-up ones that break it, so each can be seen to fail.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "hours"
TESTS = ROOT / "tests"
# What every module may import: the errors, the one atomic file write, and the base of the value
# types. Each imports nothing else of ours, so a wire client can use them and still be tested alone.
LEAVES = ("hours.errors", "hours.files", "hours.record")
# The face of the command line, and the report's renderers: the only users of click and rich.
FACE = ("hours.cli", "hours.clikit", "hours.commands")
RENDERERS = ("hours.report.text", "hours.report.markdown", "hours.report.html", "hours.report.svg")

Graph = Mapping[str, set[str]]


def module_name(path: Path, root: Path) -> str:
    """Return the dotted module name of a source file under `root`'s parent."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Return every module `path` imports, at any depth of its code, as dotted names."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from hours.config import schema` imports the module hours.config.schema; the
            # package itself only as every submodule import does, as its parent.
            modules = {f"{base}.{a.name}" for a in node.names} & known
            out |= modules
            if len(modules) < len(node.names):
                out.add(base)
    return out


def graph(root: Path) -> dict[str, set[str]]:
    """Return every module under `root` with the modules it imports (ours and others')."""
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    known = set(files)
    return {name: imports(path, name, known) for name, path in files.items()}


def ours(target: str) -> bool:
    return target == "hours" or target.startswith("hours.")


def within(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in prefixes)


def violations(g: Graph) -> list[str]:
    """Return every import that breaks the layout's direction, as `module -> target: rule`."""
    out = []
    for name, targets in sorted(g.items()):
        for target in sorted(targets):
            top = target.split(".")[0]
            if name == "hours.schedule" and ours(target) and target != "hours.record":
                out.append(f"{name} -> {target}: the schedule imports nothing of ours")
            client_may = target in LEAVES or within(target, ["hours.clients"])
            if within(name, ["hours.clients"]) and ours(target) and not client_may:
                out.append(f"{name} -> {target}: a client imports only the leaves and clients")
            if name in LEAVES and ours(target) and target not in LEAVES:
                out.append(f"{name} -> {target}: the leaves import nothing else of ours")
            if name == "hours.autoreply" and within(target, ["hours.channels"]):
                out.append(f"{name} -> {target}: the engine never imports a channel")
            if top in ("click", "rich") and not within(name, (*FACE, *RENDERERS)):
                out.append(f"{name} -> {target}: only the face and renderers use {top}")
    return out


def cycles(g: Graph) -> list[list[str]]:
    """Return the import cycles among the graph's own modules (Tarjan's strongly connected sets)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(g.get(v, set()) & set(g)):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            members = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                members.append(w)
                if w == v:
                    break
            if len(members) > 1 or v in g.get(v, set()):
                found.append(sorted(members))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def test_imports_point_one_way() -> None:
    g = graph(PACKAGE)
    assert "hours.autoreply" in g
    assert "hours.clients.imap" in g
    assert "imapclient" in g["hours.clients.imap"]  # the graph sees third-party imports too
    assert "hours.channels.phone_twilio" in g["hours.channels"]  # and lazy ones
    assert violations(g) == []


def test_no_import_cycle_anywhere() -> None:
    assert cycles(graph(PACKAGE)) == []


@pytest.mark.parametrize(
    ("module", "target", "rule"),
    [
        ("hours.schedule", "hours.parsing", "the schedule imports nothing of ours"),
        (
            "hours.clients.imap",
            "hours.autoreply",
            "a client imports only the leaves and clients",
        ),
        ("hours.clients.oauth", "hours.config", "a client imports only the leaves and clients"),
        ("hours.files", "hours.config", "the leaves import nothing else of ours"),
        ("hours.errors", "hours.humanize", "the leaves import nothing else of ours"),
        ("hours.record", "hours.schedule", "the leaves import nothing else of ours"),
        ("hours.clients.smtp", "hours.channels.email_imap", "a client imports only"),
        ("hours.autoreply", "hours.channels.email_imap", "the engine never imports a channel"),
        ("hours.autoreply", "hours.channels", "the engine never imports a channel"),
        ("hours.wage", "click", "only the face and renderers use click"),
        ("hours.report", "rich.console", "only the face and renderers use rich"),
    ],
)
def test_each_rule_fails_on_an_import_that_breaks_it(module: str, target: str, rule: str) -> None:
    (found,) = violations({module: {target}})
    assert found.startswith(f"{module} -> {target}: {rule}")


def test_allowed_imports_pass() -> None:
    fine = {
        "hours.clients.smtp": {"hours.clients.mail", "hours.errors", "smtplib"},
        "hours.clients.oauth": {"hours.files", "hours.clients.net", "requests"},
        "hours.files": {"hours.errors", "os"},
        "hours.commands.report": {"click", "hours.report"},
        "hours.report.text": {"rich.console", "hours.report"},
        "hours.channels.email_imap": {"hours.autoreply", "hours.clients.imap"},
        "hours.schedule": {"zoneinfo", "dateutil.rrule", "hours.record"},
        "hours.clients.studio": {"hours.record", "hours.errors"},
    }
    assert violations(fine) == []


def test_a_cycle_hidden_behind_a_lazy_import_is_found(tmp_path: Path) -> None:
    pkg = tmp_path / "hours"
    (pkg / "report").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "report" / "__init__.py").write_text(
        "def md():\n    from hours.report import text\n    return text\n"
    )
    (pkg / "report" / "text.py").write_text("from hours.report import md\n")
    (pkg / "wage.py").write_text("import hours.report\n")
    assert cycles(graph(pkg)) == [["hours.report", "hours.report.text"]]


def test_every_package_says_what_it_holds_and_may_import() -> None:
    for init in sorted(PACKAGE.rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert len(doc.splitlines()) >= 3, f"{init}: {doc!r}"
        assert "import" in doc, f"{init} does not say what it may import"


def test_no_test_module_imports_another() -> None:
    g = graph(TESTS)
    crossed = {
        name: sorted(t for t in targets if t.startswith("tests.test_"))
        for name, targets in g.items()
    }
    assert {name: t for name, t in crossed.items() if t} == {}
