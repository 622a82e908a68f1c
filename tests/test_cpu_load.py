"""Training threads follow the cores busy now, not the lagging load average."""

from __future__ import annotations

import os

import pytest

from hashview.core import cpu as cpu_load


def readings(*snapshots):
    it = iter(snapshots)
    return lambda: next(it)


def test_busy_cores_is_the_busy_share_of_the_ticks_between_two_reads():
    # 400 ticks pass, 100 of them idle: on 2 cores, 1.5 cores were busy
    assert cpu_load.busy_cores(2, readings((1000, 600), (1400, 700)), wait=lambda s: None) == pytest.approx(1.5)
    assert cpu_load.busy_cores(4, readings((0, 0), (800, 800)), wait=lambda s: None) == 0.0


@pytest.mark.parametrize("snapshots", [((5, 1), (5, 1)), ()])
def test_busy_cores_is_none_when_nothing_can_be_read(snapshots):
    def broken():
        raise OSError("no /proc/stat")

    read = readings(*snapshots) if snapshots else broken
    assert cpu_load.busy_cores(2, read, wait=lambda s: None) is None


def test_threads_are_the_free_cores_and_at_least_one(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert cpu_load.cpu_threads(busy=0.0) == 4
    assert cpu_load.cpu_threads(busy=1.6) == 2
    assert cpu_load.cpu_threads(busy=7.0) == 1


def test_a_busy_minute_before_does_not_cost_a_quiet_machine_its_threads(monkeypatch):
    """The load average still counts the indexing that just ended; the cores are idle now."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (2.0, 1.5, 1.0))
    monkeypatch.setattr(cpu_load, "busy_cores", lambda cores: 0.1)
    assert cpu_load.cpu_threads() == 2
    monkeypatch.setattr(cpu_load, "busy_cores", lambda cores: None)  # no /proc/stat: the load average decides
    assert cpu_load.cpu_threads() == 1


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="Linux only")
def test_proc_stat_reads_on_this_machine():
    busy = cpu_load.busy_cores(os.cpu_count() or 1)
    assert busy is not None and 0.0 <= busy <= (os.cpu_count() or 1)
