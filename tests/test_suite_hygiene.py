"""The suite itself: runs from any directory, by ``pytest FILE`` too, and its fakes match the engine.

``pytest tests/test_x.py`` puts ``tests/`` on ``sys.path`` (rootdir-relative
"prepend" imports, no ``tests/__init__.py``), not the repository root: a
helper imported as ``tests.imagefactory`` is found only by ``python -m pytest``
run from the root. A test that opens ``hashview/...`` by a relative path works
only from the root too.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def test_no_test_imports_the_tests_package():
    """Helpers are imported by their module name (``from imagefactory import ...``)."""
    offenders = []
    for path in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            offenders += [f"{path.name}:{node.lineno} imports {n}" for n in names if n.split(".")[0] == "tests"]
    assert offenders == []


def test_test_files_run_from_another_directory(tmp_path):
    """Collect the files that once imported ``tests.`` and run a test that once read a relative path,
    with the working directory outside the repository (so neither it nor the root is on sys.path)."""
    files = [
        "test_edits.py",
        "test_dupnet.py",
        "test_jpeg_torch.py",
        "test_decisions.py",
        "test_device.py",
        "test_ui_duplicates.py",
    ]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "test_main_window_hook",
            *[str(TESTS / name) for name in files],
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 passed" in done.stdout, done.stdout[-3000:]


def _fakes():
    from test_ui_duplicates import FakeLibrary
    from test_ui_main_window import SlowLibrary
    from test_ui_session import ClosableFake, RecordingLibrary

    return [FakeLibrary, SlowLibrary, ClosableFake, RecordingLibrary]


def _mismatches(fake: type, real: type, label: str) -> list[str]:
    """The public methods of ``fake`` that ``real`` lacks, or that take a parameter ``real``'s does not."""
    mismatched = []
    for name, method in inspect.getmembers(fake, inspect.isfunction):
        if name.startswith("_"):
            continue
        real_method = getattr(real, name, None)
        if not callable(real_method):
            mismatched.append(f"{label}.{name}: no such method")
            continue
        real_params = inspect.signature(real_method).parameters
        takes_any = any(p.kind == p.VAR_KEYWORD for p in real_params.values())
        for param in list(inspect.signature(method).parameters)[1:]:
            if param not in real_params and not takes_any:
                mismatched.append(f"{label}.{name}({param}): it takes {list(real_params)[1:]}")
    return mismatched


@pytest.mark.parametrize("fake", _fakes(), ids=lambda cls: cls.__name__)
def test_fake_engines_match_the_real_library(fake):
    """Each method a fake engine offers exists on ``Library`` and takes the fake's parameters.

    The same holds for its managers: a fake declares them as class annotations
    (``duplicates: FakeDuplicates``), and each is checked against the manager
    ``Library`` declares under that name (``duplicates: DuplicateFinder``). A
    fake that drifts from the engine would let the window's code call
    something the real library does not have, and its tests still pass.
    """
    import typing

    from hashview.core.library import Library

    managers = typing.get_type_hints(Library)
    mismatched = _mismatches(fake, Library, "Library")
    for name, fake_manager in typing.get_type_hints(fake).items():
        if name not in managers:
            mismatched.append(f"{name}: Library has no such manager")
            continue
        mismatched += _mismatches(fake_manager, managers[name], f"Library.{name}")
    assert mismatched == []


def test_the_fakes_check_the_managers_too():
    """A fake manager's method that the real manager lacks is caught (the check above can fail)."""
    from hashview.core.duplicates.finder import DuplicateFinder

    class Drifted:
        def groups(self, network=None, radius=None, exact=False, sort=True):
            return []

        def radius_profile(self):
            return []

    assert _mismatches(Drifted, DuplicateFinder, "Library.duplicates") == [
        "Library.duplicates.groups(sort): it takes ['network', 'radius', 'exact']",
        "Library.duplicates.radius_profile: no such method",
    ]
