#!/usr/bin/env python3
"""Set up hashview in a local virtual environment, then open the app or run the tests.

    python3 dev.py app [FOLDER]   # set up (first time), then open the desktop app
    python3 dev.py test [ARGS]    # set up (first time), then run the whole test suite
    python3 dev.py check          # set up, then the house rules and the tests: what CI runs
    python3 dev.py setup          # only set up

Needs only Python 3.11+ (with its venv module). The environment lives in .venv
beside this file and is reinstalled when pyproject.toml, setup.py or the C kernel
(hashview/core/hamming/_hamming.c, built by the install when a C compiler is at hand) changes.
On Linux it first checks for the system libraries Qt needs (hashview/system_libraries.py)
and names the packages to install, before it downloads anything.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
STAMP = VENV / ".hashview-installed"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


# What the install depends on: a change to any of them reinstalls (and rebuilds the C kernel).
INSTALL_INPUTS = ("pyproject.toml", "setup.py", "hashview/core/hamming/_hamming.c")


def wanted_stamp() -> str:
    digest = hashlib.sha256()
    for name in INSTALL_INPUTS:
        path = HERE / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
    return digest.hexdigest()


def run(cmd: list[str]) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=HERE)


def download_note() -> str:
    """What the first install fetches, by platform: PyPI's Linux x86-64 torch is the CUDA build.

    The Linux figures: .venv measured 6.2 GB (torch 2.14 with CUDA 13: torch 1.2 GB, the
    nvidia-* libraries 3.2 GB, triton 0.9 GB); the download is the compressed wheels, about
    half that. Elsewhere PyPI's torch is the CPU (or Apple MPS) build.
    """
    if sys.platform.startswith("linux") and os.uname().machine in ("x86_64", "AMD64"):
        return (
            "PyTorch with its NVIDIA CUDA libraries (used by a GPU when there is one; everything runs on\n"
            "the CPU without): about 3 GB to download, 6 GB on disk. On 2 cores it takes a few minutes."
        )
    return "PyTorch (the CPU build): about 250 MB to download, about 1 GB on disk."


def check_system_libraries(command: str) -> None:
    """Stop with one message naming the packages when Qt's system libraries are missing (Linux).

    The app needs those of a window; the tests run offscreen and need fewer, so for
    them a missing window library is a warning.
    """
    from hashview.system_libraries import missing_message

    if command == "app":
        message = missing_message(os.environ)
        if message:
            sys.exit(message)
        return
    message = missing_message({"QT_QPA_PLATFORM": "offscreen"})  # what the tests' offscreen Qt needs
    if message:
        sys.exit(message)
    window = missing_message({"QT_QPA_PLATFORM": "xcb"})
    if window:
        print(f"warning: the tests run without these, but the app's window needs them.\n{window}", flush=True)


def setup() -> Path:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 the person has
        sys.exit(f"hashview needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    python = venv_python()
    first = not python.exists()
    if first:
        print(f"Setting up hashview in {VENV}. The first time this downloads {download_note()}", flush=True)
        print("[1/3] creating the virtual environment", flush=True)
        run([sys.executable, "-m", "venv", str(VENV)])
    if not STAMP.exists() or STAMP.read_text() != wanted_stamp():
        print("[2/3] updating pip", flush=True)
        run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        what = "downloading and installing" if first else "updating (pyproject.toml, setup.py or the C kernel changed)"
        print(f"[3/3] {what} hashview with its test and dev tools; pip names each package as it goes", flush=True)
        run([str(python), "-m", "pip", "install", "--progress-bar", "on", "-e", ".[test,dev]"])
        STAMP.write_text(wanted_stamp())
        print("set-up done", flush=True)
    return python


CHECKS = (
    ("lint", ["-m", "ruff", "check", "hashview", "tests", "benchmarks", "packaging", "dev.py", "setup.py"]),
    (
        "format",
        ["-m", "ruff", "format", "--check", "hashview", "tests", "benchmarks", "packaging", "dev.py", "setup.py"],
    ),
    ("types", ["-m", "mypy"]),
    (
        "import contracts",
        ["-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"],
    ),
)
"""The house rules, cheapest first; the tests run last."""


def check(python: Path, pytest_args: list[str]) -> int:
    """Run every house rule, then the tests; stop at the first that fails (its output says why)."""
    for name, args in CHECKS:
        print(f"== {name}", flush=True)
        if subprocess.call([str(python), *args], cwd=HERE) != 0:
            print(f"dev.py check: {name} failed", file=sys.stderr)
            return 1
    print("== tests", flush=True)
    return subprocess.call([str(python), "-m", "pytest", *pytest_args], cwd=HERE)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "app"
    rest = argv[1:]
    if command not in ("app", "test", "check", "setup"):
        print(__doc__)
        return 2
    check_system_libraries(command)
    python = setup()
    if command == "setup":
        return 0
    if command == "test":
        return subprocess.call([str(python), "-m", "pytest", *rest], cwd=HERE)
    if command == "check":
        return check(python, rest)
    return subprocess.call([str(python), "-m", "hashview", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
