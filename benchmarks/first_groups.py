"""Launch to the first duplicate groups in the app, beside imagededup's PHash on the same folder.

A person starts hashview on a folder they have never opened and asks for its
duplicates at once (Ctrl+D the moment the window shows). The clock starts just
before a fresh ``python`` process is spawned (interpreter start-up, imports and
the first paint count) and the child reports, in seconds from then:

- ``window``: the main window is exposed;
- ``indexed``: the scan has ended (thumbnails, digests);
- ``ready``: the library answers searches (the shipped network has encoded it,
  or a network has been trained where none is shipped);
- ``exact``: the explorer shows its first groups of identical files (if it does
  before the learned ones);
- ``groups``: the explorer shows groups from a network (the first learned groups);
- ``learnt``: the background learning of the library has ended (not waited for
  unless ``--wait-learning``).

The child runs with a fresh cache and settings (``HASHVIEW_HOME`` in a temporary
folder), the app's defaults otherwise (learning in the background on). The peer
is imagededup's PHash, encode and find_duplicates at its default threshold, timed
in this process after the app's run (same machine, same files, warm file cache
for both: the app's run warmed it).

    .venv/bin/python -m benchmarks.first_groups FOLDER [--wait-learning] [--json]   (from the repository root)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.provenance import provenance, provenance_line

CHILD = r"""
import sys, time
from pathlib import Path
folder, wait_learning = sys.argv[1], sys.argv[2] == "1"
from hashview.app import create_application
from hashview.ui.window.main_window import MainWindow
from hashview.ui.widgets.radius_control import EXACT

app = create_application()
window = MainWindow()
marks = {}
def mark(name, value=None):
    if name not in marks:
        marks[name] = (time.time(), value)
        sys.stdout.write(f"{name} {time.time()!r} {value}\n")
        sys.stdout.flush()
def scanned(count):
    result = window.duplicates.scan_result
    if result is None:
        return
    mark("exact" if result.radius == EXACT else "groups", count)
    if "groups" in marks and (not wait_learning or "learnt" in marks):
        app.quit()
def learnt(summary):
    mark("learnt", None if summary is None else summary.get("switched"))
    if "groups" in marks:
        app.quit()
window.session.indexed.connect(lambda _s: mark("indexed"))
window.session.pipeline_finished.connect(lambda text: mark("ready", text.split(",")[0]))
window.session.learning_ended.connect(learnt)
window.duplicates.scanned.connect(scanned)
window.show()
while window.windowHandle() is None or not window.windowHandle().isExposed():
    app.processEvents()
mark("window")
window.open_folder(Path(folder))
window.duplicates.show_explorer()  # the person asks for duplicates at once
app.exec()
"""


def app_run(folder: Path, wait_learning: bool, timeout: float) -> dict[str, tuple[float, str]]:
    """The child's marks, in seconds from its spawn."""
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="hashview-first-groups-") as home:
        env["HASHVIEW_HOME"] = home
        started = time.time()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(folder), "1" if wait_learning else "0"],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    if done.returncode != 0:
        raise SystemExit(f"first_groups: the app's run failed:\n{done.stderr[-3000:]}")
    marks = {}
    for line in done.stdout.splitlines():
        name, stamp, value = line.split(" ", 2)
        marks[name] = (round(float(stamp) - started, 2), value)
    return marks


def phash_run(folder: Path) -> dict[str, float]:
    """imagededup PHash on ``folder``: encode and find duplicates at its default threshold."""
    from imagededup.methods import PHash

    started = time.monotonic()
    hasher = PHash(verbose=False)
    encodings = hasher.encode_images(image_dir=str(folder), recursive=True)
    encoded = time.monotonic()
    found = hasher.find_duplicates(encoding_map=encodings)
    ended = time.monotonic()
    groups = sum(1 for dups in found.values() if dups)
    return {"encode_s": round(encoded - started, 2), "total_s": round(ended - started, 2), "files_with_copies": groups}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--wait-learning", action="store_true", help="also wait for the background learning to end")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--no-peer", action="store_true", help="skip imagededup")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    record = provenance()
    if not args.json:
        print(provenance_line(record), flush=True)
    folder = args.folder.resolve()
    if not folder.is_dir():
        raise SystemExit(f"first_groups: {folder} is not a folder")
    marks = app_run(folder, args.wait_learning, args.timeout)
    peer = None if args.no_peer else phash_run(folder)
    result = {"benchmark": "first_groups", "folder": str(folder), "marks": marks, "phash": peer, "provenance": record}
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"launch to first duplicate groups, {folder} (seconds from the process spawn):")
    for name, (seconds, value) in marks.items():
        print(f"  {name:8s} {seconds:7.2f}  {value}")
    if peer is not None:
        print(f"  imagededup PHash: encode {peer['encode_s']} s, encode + find_duplicates {peer['total_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
