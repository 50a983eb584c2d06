"""The house's arrows: which package of analysis/ may import which, no circle, no private names.

Read from the source (every ``import`` statement, also those inside functions), so a new
import that breaks the layering fails here with the file and the name, before anyone has to
untangle it. docs/architecture.md draws the same table.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The foundation: modules at the top of analysis/ that import nothing of analysis/.
FOUNDATION = frozenset({"linalg", "criteria", "results"})
#: Package → the packages of analysis/ it may import (the root's DEFAULT_SEED always).
ALLOWED: dict[str, frozenset[str]] = {
    "sem": FOUNDATION,
    "measurement": FOUNDATION | {"sem"},
    "quality": FOUNDATION | {"measurement"},
    "data": FOUNDATION | {"measurement"},
    "structure": FOUNDATION | {"measurement", "sem"},
    "generalisability": FOUNDATION | {"data", "measurement", "quality", "structure"},
    "report": FOUNDATION | {"sem", "measurement", "structure", "generalisability"},
    "pipeline": FOUNDATION
    | {"sem", "measurement", "quality", "data", "structure", "generalisability", "report"},
    "cli": FOUNDATION | {"data", "generalisability", "pipeline"},
    **{name: frozenset() for name in FOUNDATION},
}
#: What analysis/ and instrument/ never import: the app's world.
FORBIDDEN = ("streamlit", "sqlalchemy", "alembic", "survey")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, imported module, names taken from it) of every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, [a.name for a in node.names]


def package_of(module: str) -> str:
    """``analysis.sem.cfa`` → ``sem``; ``analysis`` (the root) → ``analysis``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "analysis"


SOURCES = sorted((ROOT / "analysis").rglob("*.py"))


def test_every_package_of_analysis_is_in_the_table() -> None:
    packages = {package_of(module_name(p)) for p in SOURCES} - {"analysis"}
    assert packages == set(ALLOWED)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_arrows(path: Path) -> None:
    here = package_of(module_name(path))
    wrong = []
    for line, target, names in imports(path):
        if not target.startswith("analysis"):
            continue
        there = package_of(target)
        if there == "analysis":  # `from analysis import x`: the root, or a package as a name
            there_names = [n for n in names if n != "DEFAULT_SEED"]
            targets = [n for n in there_names if n in ALLOWED]
        else:
            targets = [there]
        for t in targets:
            if t != here and here != "analysis" and t not in ALLOWED[here]:
                wrong.append(f"line {line}: {here} imports {t} ({target})")
        if there != here:
            wrong += [f"line {line}: private {n} of {target}" for n in names if n.startswith("_")]
    assert not wrong, f"{path.relative_to(ROOT)}:\n" + "\n".join(wrong)


def test_no_import_circle_between_modules() -> None:
    graph: dict[str, set[str]] = {}
    known = {module_name(p) for p in SOURCES}
    for path in SOURCES:
        deps = set()
        for _, target, names in imports(path):
            for candidate in [target, *(f"{target}.{n}" for n in names)]:
                if candidate in known:
                    deps.add(candidate)
        graph[module_name(path)] = deps - {module_name(path)}
    # a package's __init__ that re-exports its modules is its face, not a step in a circle
    faces = {m for m in known if (ROOT / m.replace(".", "/") / "__init__.py").exists()}
    graph = {m: d - faces for m, d in graph.items() if m not in faces}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                return [*stack[stack.index(d) :], d]
            if d not in state and (found := visit(d)):
                return found
        state[m] = 2
        stack.pop()
        return None

    for m in sorted(graph):
        if m not in state and (circle := visit(m)):
            pytest.fail("import circle: " + " -> ".join(circle))


@pytest.mark.parametrize("folder", ["analysis", "instrument"])
def test_the_statistics_never_import_the_app(folder: str) -> None:
    found = [
        f"{p.relative_to(ROOT)}:{line} imports {target}"
        for p in sorted((ROOT / folder).rglob("*.py"))
        for line, target, _ in imports(p)
        if target.split(".")[0] in FORBIDDEN
    ]
    assert not found, "\n".join(found)


def test_the_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from analysis.report.html import _secret\nimport streamlit\n", encoding="utf-8")
    found = list(imports(bad))
    assert found == [(1, "analysis.report.html", ["_secret"]), (2, "streamlit", [])]
    assert "report" not in ALLOWED["measurement"]
    assert package_of("analysis.report.html") == "report"
