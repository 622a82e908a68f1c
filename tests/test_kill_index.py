"""A real ``hashview index`` killed with SIGKILL part-way leaves a sound catalog, and the next run finishes it.

The kill happens once the catalog shows committed rows and the process is
still running: a killed run must keep every batch it committed, nothing
half-written, and the next run decodes only the rest. Waits poll the catalog
with a deadline (never a fixed sleep), so a slow machine only takes longer.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from imagefactory import make_photo

from hashview.core import paths
from hashview.core.images.decode import file_digest
from hashview.core.library import Library

N_FILES = 300
DEADLINE_S = 180.0


def _one_cpu() -> None:  # runs in the child: one decoding thread, so the run lasts long enough to be caught
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _committed(db: Path) -> int:
    """Rows committed so far, read as another process would (0 while the file is not there yet)."""
    if not db.is_file():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1.0)) as conn:
            return conn.execute("SELECT COUNT(*) FROM files").fetchone()[0]
    except sqlite3.Error:  # not created yet, or busy this instant
        return 0


def _index(root: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "hashview", "index", str(root), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
        cwd=Path(__file__).resolve().parent.parent,
        **kw,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_during_index_keeps_a_sound_catalog_and_the_next_run_completes(tmp_path):
    root = tmp_path / "photos"
    files = [make_photo(root / f"d{i % 7}" / f"p{i:04d}.jpg", (800, 600), seed=i) for i in range(N_FILES)]
    db = paths.library_dir(root) / "catalog.sqlite3"

    proc = _index(root, preexec_fn=_one_cpu)
    deadline = time.monotonic() + DEADLINE_S
    seen = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            seen = _committed(db)
            if seen:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:  # pragma: no cover - only on a broken run
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, (
        f"the index run ended by itself (rc {proc.returncode}) before rows were seen: {proc.stderr.read()[-500:]!r}"
    )
    assert 0 < seen < N_FILES

    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Library.open(root) as lib:
        assert lib.catalog.rebuilt_from is None  # a kill is no damage
        entries = lib.entries()
        committed = len(entries)
        assert seen <= committed < N_FILES
        for entry in entries:  # every committed row is whole: its digest is the file's, its thumbnail there
            assert entry.digest == file_digest(entry.path)
            assert lib.thumbnail(entry.id)

    again = _index(root)
    out, err = again.communicate(timeout=DEADLINE_S)
    assert again.returncode == 0, err
    summary = json.loads(out)
    assert summary["files"] == N_FILES and summary["unchanged"] == committed
    assert summary["added"] == N_FILES - committed
    with Library.open(root) as lib:
        assert sorted(e.path for e in lib.entries()) == sorted(files)
