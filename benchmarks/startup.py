"""Cold start to a visible window: hashview's main window beside plain PySide6's empty QMainWindow.

Each start is a fresh ``python`` process. The clock starts just before the
process is spawned and stops when the child sees its window exposed
(``QWindow.isExposed()``), so interpreter start-up, imports, building the
window and the first paint all count. Both variants run in the same session,
interleaved, so the ratio is what matters on a noisy machine. "Cold" means a
fresh process with the OS file cache and the bytecode cache warm (as on a
second launch of an installed app): the warm-up runs write ``__pycache__``
even where ``PYTHONDONTWRITEBYTECODE`` is set. Under X11 run it
with a display (``xvfb-run -a``); otherwise Qt's offscreen platform is used.

    .venv/bin/python -m benchmarks.startup [--runs 7] [--json]   (from the repository root)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from benchmarks.provenance import provenance, provenance_line

CHILD = r"""
import sys, time
which = sys.argv[1]
from PySide6.QtWidgets import QApplication, QMainWindow
if which == "hashview":
    from hashview.app import create_application
    from hashview.ui.window.main_window import MainWindow
    app = create_application()
    window = MainWindow()
else:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1280, 800)
window.show()
while window.windowHandle() is None or not window.windowHandle().isExposed():
    app.processEvents()
app.processEvents()
sys.stdout.write(f"{time.time()!r} {int('torch' in sys.modules)} {int('pyqtgraph' in sys.modules)}\n")
"""


def one_start(which: str, env: dict[str, str]) -> tuple[float, bool, bool]:
    started = time.time()
    done = subprocess.run([sys.executable, "-c", CHILD, which], env=env, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise SystemExit(f"startup: the {which} child failed:\n{done.stderr}")
    shown, torch, graph = done.stdout.split()
    return float(shown) - started, torch == "1", graph == "1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    record = provenance()
    if not args.json:
        sys.stdout.write(provenance_line(record) + "\n")
        sys.stdout.flush()
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    # an installed app has its bytecode compiled; let the warm-up runs write it (it is git-ignored)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("HASHVIEW_HOME", os.path.join(os.environ.get("TMPDIR", "/tmp"), "hashview-startup-bench"))
    times: dict[str, list[float]] = {"hashview": [], "pyside6": []}
    flags = {"torch": False, "pyqtgraph": False}
    one_start("pyside6", env)  # warm the OS file cache for both: "cold" = fresh process, not fresh disk
    one_start("hashview", env)
    for _ in range(args.runs):
        for which in ("pyside6", "hashview"):
            seconds, torch, graph = one_start(which, env)
            times[which].append(seconds)
            if which == "hashview":
                flags["torch"] |= torch
                flags["pyqtgraph"] |= graph
    ours, ref = statistics.median(times["hashview"]), statistics.median(times["pyside6"])
    result = {
        "benchmark": "startup",
        "platform": env.get("QT_QPA_PLATFORM", "native"),
        "runs": args.runs,
        "hashview_median_s": round(ours, 4),
        "pyside6_median_s": round(ref, 4),
        "hashview_min_s": round(min(times["hashview"]), 4),
        "pyside6_min_s": round(min(times["pyside6"]), 4),
        "ratio": round(ours / ref, 2),
        "overhead_s": round(ours - ref, 4),
        "torch_imported": flags["torch"],
        "pyqtgraph_imported": flags["pyqtgraph"],
        "target_s": 0.5,
        "provenance": record,
    }
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        sys.stdout.write(
            f"cold start to an exposed window, median of {args.runs} ({result['platform']}):\n"
            f"  hashview main window   {ours * 1000:7.0f} ms\n"
            f"  plain PySide6 window   {ref * 1000:7.0f} ms\n"
            f"  ratio {result['ratio']}x, overhead {result['overhead_s'] * 1000:.0f} ms; "
            f"torch imported: {flags['torch']}, pyqtgraph imported: {flags['pyqtgraph']}\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
