"""The layer rules of docs/architecture.md: core has no Qt, no import cycle anywhere, torch off the path to the first window."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import hashview

PACKAGE = Path(hashview.__file__).parent
REPO = PACKAGE.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_no_qt_anywhere_in_its_source():
    leaks = []
    for path in sorted((PACKAGE / "core").rglob("*.py")):
        for name in imported_modules(path):
            if name.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6"):
                leaks.append(f"{path.relative_to(REPO)} imports {name}")
    assert leaks == []


def test_core_imports_nothing_from_ui_or_app():
    leaks = []
    for path in sorted((PACKAGE / "core").rglob("*.py")):
        for name in imported_modules(path):
            if name.startswith(("hashview.ui", "hashview.app", "hashview.cli")):
                leaks.append(f"{path.relative_to(REPO)} imports {name}")
    assert leaks == []


def test_import_linter_contracts_hold():
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def import_cycles(package: str = "hashview") -> list[list[str]]:
    """Every cycle among a package's modules, each as its sorted modules.

    Imports inside functions count (they run too); imports under ``if TYPE_CHECKING`` do not
    (they never run: a type annotation may name the module that uses it).
    """
    import grimp

    graph = grimp.build_graph(package, exclude_type_checking_imports=True)
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & set(modules)) for m in modules}
    # Tarjan's strongly connected components: a component of two or more modules (or a module importing itself) is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in edges[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1 or module in edges[module]:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in modules:
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycle_anywhere():
    """Packages are excluded from the graph's own imports of their children: a cycle here is two modules that need each other."""
    cycles = [c for c in import_cycles() if not all(m == c[0] or m.startswith(c[0] + ".") for m in c)]
    assert cycles == []


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    package = tmp_path / "hashview_cycle_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from hashview_cycle_probe import b\n")
    (package / "b.py").write_text("def f():\n    from hashview_cycle_probe import a\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from hashview_cycle_probe import d\n"
    )  # type-only: no cycle
    (package / "d.py").write_text("from hashview_cycle_probe import c\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("hashview_cycle_probe") == [["hashview_cycle_probe.a", "hashview_cycle_probe.b"]]


def test_importing_hashview_and_the_cli_does_not_import_torch_or_qt():
    code = "import sys, hashview, hashview.cli, hashview.core.library; print(sorted(m for m in ('torch', 'PySide6', 'torchvision') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
