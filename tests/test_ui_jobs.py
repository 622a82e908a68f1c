"""The job runner: one job at a time, each outcome handed to the job's own callbacks, on the main thread.

The jobs are plain generators of events, as the engine's are, run on real
worker threads; the tests wait on the runner's ``ended`` signal, never on time.
"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QApplication

from hashview.core.events import Finished, Progress
from hashview.ui.jobs import CANCELLED, FAILED, SUCCEEDED, JobRunner
from hashview.ui.widgets.progress_strip import ProgressStrip


@pytest.fixture
def runner(qtbot):
    strip = ProgressStrip()
    qtbot.addWidget(strip)
    runner = JobRunner(strip)
    yield runner
    runner.stop()


def counting(n: int):
    def work(cancel):
        for i in range(n):
            yield Progress("index", i + 1, n)
        yield Finished({"counted": n})

    return work


def test_events_then_the_result_go_to_the_jobs_own_callbacks(qtbot, runner):
    seen, threads = [], []
    main = threading.get_ident()

    def on_success(summary):
        threads.append(threading.get_ident())
        seen.append(("success", summary, runner.busy()))

    with qtbot.waitSignal(runner.ended, timeout=10_000) as ended:
        job = runner.run(
            "count",
            counting(3),
            "Counting…",
            on_event=lambda e: seen.append(("event", e.done)),
            on_success=on_success,
            on_failure=lambda *a: seen.append(("failure", a)),
            on_cancel=lambda: seen.append(("cancel",)),
        )
        assert runner.busy() and runner.current is job and not runner.progress.isHidden()
        with pytest.raises(RuntimeError, match="count is still running"):
            runner.run("other", counting(1), "Other…")
    assert ended.args == [job] and job.outcome == SUCCEEDED
    assert seen == [("event", 1), ("event", 2), ("event", 3), ("success", {"counted": 3}, False)]
    assert threads == [main]  # the callback runs on the GUI thread, where it may touch widgets
    assert not runner.busy() and runner.progress.isHidden()


def test_a_failure_comes_with_its_traceback_and_no_success(qtbot, runner):
    failures, successes = [], []

    def work(cancel):
        yield Progress("index", 1, 2)
        raise OSError("disk on fire")

    with qtbot.waitSignal(runner.ended, timeout=10_000):
        job = runner.run(
            "index",
            work,
            "Indexing…",
            on_success=successes.append,
            on_failure=lambda message, details: failures.append((message, details)),
        )
    [(message, details)] = failures
    assert message == "OSError: disk on fire" and "Traceback" in details and 'raise OSError("disk on fire")' in details
    assert successes == [] and job.outcome == FAILED


def test_cancel_calls_on_cancel_and_ended_follows_the_callback(qtbot, runner):
    started, order = threading.Event(), []

    def work(cancel):
        started.set()
        while not cancel.cancelled:
            cancel._event.wait(0.01)
        cancel.raise_if_cancelled()
        yield Finished("never")

    runner.ended.connect(lambda job: order.append(("ended", job.name, job.outcome)))
    with qtbot.waitSignal(runner.ended, timeout=10_000):
        runner.run(
            "train",
            work,
            "Training…",
            on_success=lambda s: order.append(("success", s)),
            on_cancel=lambda: order.append(("cancelled", runner.busy())),
        )
        assert started.wait(10)
        runner.progress._cancel.click()  # the status bar's Cancel
    assert order == [("cancelled", False), ("ended", "train", CANCELLED)]


def test_a_callback_may_start_the_next_job_before_others_hear_the_first_ended(qtbot, runner):
    """The library's chain (index, then train or encode): the runner is busy again when ``ended`` comes."""
    ended = []
    runner.ended.connect(lambda job: ended.append((job.name, runner.busy())))
    with qtbot.waitSignal(runner.ended, timeout=10_000, check_params_cb=lambda job: job.name == "second"):
        runner.run(
            "first", counting(1), "First…", on_success=lambda _summary: runner.run("second", counting(1), "Second…")
        )
    assert ended == [("first", True), ("second", False)]


def test_stop_drops_the_outcome_of_the_job_it_stops(qtbot, runner):
    outcomes, ended = [], []
    runner.ended.connect(ended.append)

    def work(cancel):
        yield Progress("index", 1, 2)
        while not cancel.cancelled:
            cancel._event.wait(0.01)
        yield Finished("late")  # the worker notices the cancel at the next yield

    job = runner.run(
        "index", work, "Indexing…", on_success=outcomes.append, on_cancel=lambda: outcomes.append("cancelled")
    )
    runner.stop()  # the library closes: wait for the worker, forget the job
    assert not runner.busy() and runner.progress.isHidden() and not job.worker.is_running()
    QApplication.processEvents()  # the thread has ended: its queued outcome arrives now, and must be dropped
    assert outcomes == [] and ended == [] and job.outcome is None
