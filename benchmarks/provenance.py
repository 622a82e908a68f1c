"""Which commit, date, machine and command made a benchmark's figures.

A result file that does not say where it came from cannot be compared with
the next one: a figure from a 2-core CPU without AMX and one from a GPU
machine read alike, and a run on uncommitted code cannot be reproduced. So
every benchmark writes ``"provenance": provenance()`` into its result and
prints ``provenance_line()`` before its human output (``tee`` into
``benchmarks/results/`` keeps it).

Nothing here imports torch: a benchmark that never touched it (search,
pairs, the grid) must not pay its import or change what it measures. The GPU
is read from torch only where the benchmark has already imported it, else
from the NVIDIA driver's files.
"""

from __future__ import annotations

import datetime
import os
import platform
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def provenance() -> dict[str, Any]:
    """Commit, date (UTC), machine, Python and library versions, and the command line, as one dict.

    The command carries the ``HASHVIEW_*`` environment it ran under: ``HASHVIEW_PARAMS`` or
    ``HASHVIEW_CPU_BF16`` change the figures as much as any argument does.
    """
    return {
        "commit": _commit(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "python": platform.python_version(),
        "versions": _versions(),
        "command": _command(),
        "environment": {k: v for k, v in sorted(os.environ.items()) if k.startswith("HASHVIEW_")},
        "executable": sys.executable,
    }


def provenance_line(record: dict[str, Any] | None = None) -> str:
    """The dict in one line, for the top of a benchmark's human output."""
    p = record or provenance()
    c, m = p["commit"], p["machine"]
    commit = (c["sha"] or "?")[:12] + (" (uncommitted changes)" if c["dirty"] else "")
    machine = f"{m['cpu']}, {m['cores']} cores" + (", AMX" if m["amx"] else "")
    if m["memory_gib"]:
        machine += f", {m['memory_gib']} GiB"
    if m["gpu"]:
        machine += f", GPU {m['gpu']}"
    versions = ", ".join(f"{k} {v}" for k, v in p["versions"].items())
    command = " ".join([*(f"{k}={shlex.quote(v)}" for k, v in p["environment"].items()), shlex.join(p["command"])])
    return (
        f"provenance: commit {commit}; {p['date']}; {machine}; python {p['python']}"
        + (f", {versions}" if versions else "")
        + f"; command: {command}"
    )


def _command() -> list[str]:
    """The command line as typed: ``python -m benchmarks.NAME ARGS`` (under ``-m``, ``sys.argv[0]`` is the file)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name:
        return ["python", "-m", spec.name.removesuffix(".__main__"), *sys.argv[1:]]
    return ["python", *sys.argv]


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _commit() -> dict[str, Any]:
    """HEAD and whether the tree differs from it (None for both outside a git checkout, e.g. a copied tree)."""
    sha = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain") if sha else None  # --no-optional-locks: never takes the index lock
    return {"sha": sha.strip() if sha else None, "dirty": bool(status.strip()) if status is not None else None}


def _cpuinfo() -> tuple[str | None, bool]:
    """The CPU's model name and whether it has Intel AMX tiles (bfloat16 training runs on them)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None, False
    model, amx = None, False
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and model is None:
            model = value.strip()
        elif key == "flags" and "amx_tile" in value.split():
            amx = True
    return model, amx


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except (OSError, ValueError):
        pass
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (AttributeError, OSError, ValueError):
        return None


def _gpu() -> str | None:
    """The first GPU's name: from torch if this process already imported it, else from the NVIDIA driver."""
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
        except (RuntimeError, AssertionError, AttributeError):
            return None
    for info in sorted(Path("/proc/driver/nvidia/gpus").glob("*/information")):
        try:
            for line in info.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith("Model:"):
                    return line.partition(":")[2].strip()
        except OSError:
            continue
    return None


def _machine() -> dict[str, Any]:
    model, amx = _cpuinfo()
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count()
    return {
        "host": platform.node() or None,
        "cpu": model or platform.processor() or platform.machine(),
        "cores": usable,
        "cpu_count": os.cpu_count(),
        "amx": amx,
        "memory_gib": _memory_gib(),
        "gpu": _gpu(),
        "platform": platform.platform(),
    }


def _versions() -> dict[str, str]:
    """hashview, torch and numpy, each only where this process has loaded it (asking would import it)."""
    versions = {}
    for name in ("hashview", "torch", "numpy"):
        module = sys.modules.get(name)
        if module is None:
            continue
        version = getattr(module, "__version__", None)
        if version is None:
            try:
                version = metadata.version(name)
            except metadata.PackageNotFoundError:
                version = "?"
        versions[name] = str(version)
    return versions
