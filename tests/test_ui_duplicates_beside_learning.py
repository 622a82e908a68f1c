"""Duplicates are found while a new library is learnt in the background, not after it.

Learning a new library (refining the shipped network) takes minutes on a CPU and
runs on the session's one-job runner. A person who opens the Duplicates page
meanwhile waited for all of it ("Waiting for learn to finish"); the scan only
reads codes, as search does beside the learning, so it runs beside it now.
"""

from __future__ import annotations

import threading

from test_ui_duplicates import build

from hashview.core.events import Progress
from hashview.ui.session import LEARNING_JOB

TIMEOUT_MS = 20_000


def hold_the_runner(controller, name: str) -> threading.Event:
    """Start a job called ``name`` on the session's runner that runs until the returned event is set."""
    release = threading.Event()

    def work(cancel):
        while not release.wait(0.02):
            cancel.raise_if_cancelled()
            yield Progress(name, 0, 1)

    controller.session.jobs.run(name, work, "holding the runner…")
    return release


def test_a_scan_runs_beside_the_background_learning(qtbot, tmp_path):
    library, explorer, controller = build(qtbot, tmp_path)
    release = hold_the_runner(controller, LEARNING_JOB)
    try:
        with qtbot.waitSignal(controller.scanned, timeout=TIMEOUT_MS) as blocker:
            assert controller.scan(radius=library.duplicates.suggested_radius())
        assert blocker.args == [3] and explorer.groups_model.rowCount() == 3
        assert controller.session.jobs.current.name == LEARNING_JOB  # the learning went on meanwhile
    finally:
        release.set()
        qtbot.waitUntil(lambda: not controller.session.jobs.busy(), timeout=TIMEOUT_MS)


def test_a_scan_still_waits_for_a_job_that_changes_the_library(qtbot, tmp_path):
    """Indexing rewrites the catalog the scan reads: the scan runs after it, as before."""
    _library, _explorer, controller = build(qtbot, tmp_path)
    release = hold_the_runner(controller, "index")
    try:
        assert not controller.scan()
        assert controller._side_scan is None
    finally:
        with qtbot.waitSignal(controller.scanned, timeout=TIMEOUT_MS):
            release.set()  # the waiting scan runs once the job ends


def test_a_newer_scan_supersedes_one_running_beside_the_learning(qtbot, tmp_path):
    library, _explorer, controller = build(qtbot, tmp_path)
    release = hold_the_runner(controller, LEARNING_JOB)
    try:
        with qtbot.waitSignal(controller.scanned, timeout=TIMEOUT_MS) as blocker:
            controller.scan(radius=0)
            controller.scan(radius=library.duplicates.suggested_radius())
        qtbot.wait(200)  # the first scan's result, if it came, must not have replaced the second's
        assert controller.scan_result.radius == library.duplicates.suggested_radius()
        assert blocker.args == [3]
    finally:
        release.set()
        qtbot.waitUntil(lambda: not controller.session.jobs.busy(), timeout=TIMEOUT_MS)
