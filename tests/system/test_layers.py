"""The house rules of the code, checked on every run (docs/architecture.md):

- imports run one way, `ingest` -> `wallboard` -> `integrations`: nothing in `wallboard/` imports
  `ingest/`, nothing in `integrations/` imports either, or Django, Channels or daphne;
- no import cycle anywhere in the three packages (imports inside functions and under
  TYPE_CHECKING count too: a cycle is a cycle however it is hidden);
- ingest and the web side name no vendor: they ask the registry (integrations.VENDORS and each
  vendor's VendorInfo); only the demo's configuration names vendors.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ingest", "wallboard", "integrations")
VENDOR_WORDS = re.compile(r"avaya|mitel|optimus", re.IGNORECASE)
# The demo's configuration: simulated feeds of every vendor, by name.
MAY_NAME_VENDORS = {"wallboard.demo", "ingest.management.commands.demo"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = ROOT) -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" not in path.parts:
                found[module_name(path, root)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import statement in a module, wherever it stands."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                # `from pkg import sub` imports the submodule pkg.sub when there is one.
                candidate = f"{base}.{alias.name}"
                yield (candidate if candidate in known else base), node.lineno


def edges(root: Path = ROOT) -> dict[str, set[str]]:
    known = modules(root)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for target, _ in imports(name, path, known):
            # A module importing its own package (`from . import _speedups`, a C module) finds
            # the package already importing: that is how packages work, not a cycle.
            if target in known and target != name and not name.startswith(target + "."):
                graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def layer_violations(root: Path = ROOT) -> list[str]:
    known = modules(root)
    problems = []
    for name, path in known.items():
        top = name.split(".")[0]
        for target, line in imports(name, path, known):
            first = target.split(".")[0]
            where = f"{path.relative_to(root)}:{line} imports {target}"
            if top == "wallboard" and first == "ingest":
                problems.append(where)
            if top == "integrations" and first in {
                "ingest",
                "wallboard",
                "django",
                "channels",
                "channels_redis",
                "daphne",
            }:
                problems.append(where)
    return problems


def vendor_names(path: Path) -> Iterator[tuple[int, str]]:
    """Code that tells vendors apart by name: an identifier or imported module naming one, or
    a vendor's name compared against (`vendor == "..."`, `in (...)`). Docstrings, comments and
    help texts may name vendors: they are documentation."""
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and VENDOR_WORDS.search(node.id):
            yield node.lineno, node.id
        elif isinstance(node, ast.Attribute) and VENDOR_WORDS.search(node.attr):
            yield node.lineno, node.attr
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if VENDOR_WORDS.search(node.name):
                yield node.lineno, node.name
        elif isinstance(node, ast.alias) and VENDOR_WORDS.search(node.name):
            yield node.lineno, node.name
        elif isinstance(node, ast.ImportFrom) and VENDOR_WORDS.search(node.module or ""):
            yield node.lineno, node.module or ""
        elif isinstance(node, ast.Compare):
            for operand in [node.left, *node.comparators]:
                for leaf in ast.walk(operand):
                    if (
                        isinstance(leaf, ast.Constant)
                        and isinstance(leaf.value, str)
                        and VENDOR_WORDS.search(leaf.value)
                    ):
                        yield leaf.lineno, repr(leaf.value)


def test_the_web_side_never_imports_ingest_and_integrations_import_neither_nor_django() -> None:
    assert layer_violations() == []


def test_there_is_no_import_cycle_in_the_product() -> None:
    assert find_cycle(edges()) is None


def test_ingest_and_the_web_side_name_no_vendor_outside_the_demo_configuration() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for name, path in modules().items()
        if name.split(".")[0] in ("ingest", "wallboard") and name not in MAY_NAME_VENDORS
        for line, text in vendor_names(path)
    ]
    assert found == []


# The checks themselves catch what they are for (each on a small tree of its own).
@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    return tmp_path


def test_the_checks_catch_an_import_from_wallboard_into_ingest(tree: Path) -> None:
    (tree / "wallboard" / "views.py").write_text("def f():\n    from ingest import store\n")
    (tree / "ingest" / "store.py").write_text("")
    assert layer_violations(tree) == ["wallboard/views.py:2 imports ingest.store"]


def test_the_checks_catch_django_in_an_integration(tree: Path) -> None:
    (tree / "integrations" / "feed.py").write_text("from django.db import models\n")
    assert layer_violations(tree) == ["integrations/feed.py:1 imports django.db"]


def test_the_checks_catch_a_cycle_hidden_under_type_checking(tree: Path) -> None:
    (tree / "ingest" / "a.py").write_text("from .b import B\n")
    (tree / "ingest" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n"
    )
    assert find_cycle(edges(tree)) == ["ingest.a", "ingest.b", "ingest.a"]


def test_the_checks_catch_a_vendor_test_in_the_web_side(tree: Path) -> None:
    (tree / "wallboard" / "api.py").write_text(
        '"""Serves the Mitel document."""\nok = source.vendor != "mitel"\n'
    )
    assert list(vendor_names(tree / "wallboard" / "api.py")) == [(2, "'mitel'")]
