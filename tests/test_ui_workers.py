"""The generator worker: events forwarded in order, one outcome, cancel honoured."""

from __future__ import annotations

import threading

import pytest

from hashview.core.events import CancelToken, Finished, Progress
from hashview.ui.workers import Worker, one_line


def counting_job(n: int):
    def job(cancel: CancelToken):
        for i in range(n):
            cancel.raise_if_cancelled()
            yield Progress("count", i + 1, n)
        yield Finished({"counted": n})

    return job


def collect(worker: Worker) -> dict:
    seen: dict = {"events": [], "finished": [], "failed": [], "cancelled": 0}
    worker.progressed.connect(seen["events"].append)
    worker.finished.connect(seen["finished"].append)
    worker.failed.connect(seen["failed"].append)
    worker.cancelled.connect(lambda: seen.__setitem__("cancelled", seen["cancelled"] + 1))
    return seen


def test_inline_generator_forwards_events_and_summary(qtbot):
    worker = Worker(counting_job(3), name="count")
    seen = collect(worker)
    worker.run_inline()
    assert [e.done for e in seen["events"]] == [1, 2, 3]
    assert seen["finished"] == [{"counted": 3}]
    assert seen["failed"] == [] and seen["cancelled"] == 0


def test_plain_function_result_is_the_payload(qtbot):
    worker = Worker(lambda cancel: 42)
    seen = collect(worker)
    worker.run_inline()
    assert seen["finished"] == [42]


def test_generator_return_value_without_finished(qtbot):
    def job(cancel):
        yield Progress("x", 1, 1)
        return "done"

    worker = Worker(job)
    seen = collect(worker)
    worker.run_inline()
    assert seen["finished"] == ["done"]


def test_error_becomes_one_line_and_is_logged(qtbot, caplog):
    def job(cancel):
        yield Progress("x", 1, 2)
        raise ValueError("bad thing\nsecond line")

    worker = Worker(job, name="broken")
    seen = collect(worker)
    worker.run_inline()
    assert seen["failed"] == ["ValueError: bad thing"]
    assert seen["finished"] == []
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)


def test_one_line_of_library_error_is_its_message():
    class LibraryError(Exception):
        pass

    assert one_line(LibraryError("no such folder: /x")) == "no such folder: /x"
    assert one_line(RuntimeError()) == "RuntimeError"


def test_threaded_worker_runs_off_the_main_thread(qtbot):
    main = threading.get_ident()
    where = []

    def job(cancel):
        where.append(threading.get_ident())
        yield Progress("x", 1, 1)
        yield Finished({"ok": True})

    worker = Worker(job)
    seen = collect(worker)
    with qtbot.waitSignal(worker.finished, timeout=10_000) as blocker:
        worker.start()
    assert blocker.args == [{"ok": True}]
    assert where and where[0] != main
    assert len(seen["events"]) == 1  # delivered before finished, on the main thread
    assert worker.wait(5_000)


def test_cancel_stops_a_running_generator(qtbot):
    started = threading.Event()
    release = threading.Event()

    def job(cancel):
        started.set()
        release.wait(5)
        for i in range(1000):
            cancel.raise_if_cancelled()
            yield Progress("spin", i, 1000)
        yield Finished({})

    worker = Worker(job)
    seen = collect(worker)
    with qtbot.waitSignal(worker.cancelled, timeout=10_000):
        worker.start()
        started.wait(5)
        worker.cancel()
        release.set()
    assert seen["finished"] == []
    assert worker.wait(5_000)


def test_cancel_between_yields_even_if_the_job_does_not_check(qtbot):
    worker = Worker(lambda cancel: (Progress("x", i, None) for i in range(10)))
    seen = collect(worker)
    worker.progressed.connect(lambda _e: worker.cancel())
    worker.run_inline()
    assert seen["cancelled"] == 1 and seen["finished"] == []
    assert len(seen["events"]) == 1


def test_a_worker_starts_only_once(qtbot):
    worker = Worker(lambda cancel: None)
    with qtbot.waitSignal(worker.finished, timeout=5_000):
        worker.start()
    with pytest.raises(RuntimeError):
        worker.start()
    assert worker.wait(5_000)
