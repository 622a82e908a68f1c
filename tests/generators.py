"""Running a core job generator to its end in a test."""

from __future__ import annotations


def run_to_end(gen):
    """All events a generator yields, and the value it returns: ``(events, value)``."""
    events = []
    try:
        while True:
            events.append(next(gen))
    except StopIteration as stop:
        return events, stop.value
