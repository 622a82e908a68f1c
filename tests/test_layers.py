"""The layer rules of DESIGN.md: core has no Qt; torch stays off the path to the first window."""

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


def test_importing_hashview_and_the_cli_does_not_import_torch_or_qt():
    code = "import sys, hashview, hashview.cli, hashview.core.library; print(sorted(m for m in ('torch', 'PySide6', 'torchvision') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
