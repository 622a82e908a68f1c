"""The user's duplicate decisions in a small file of their own, outside the cache.

The catalog keeps the decisions too (SQL answers "how many apply now"), but a
catalog is a cache: it is rebuilt when damaged and deleted by people who clear
hashview's cache to recover from a fault. The decisions are the one thing in
it a person made by hand, so every change is also appended here, one JSON line
per change::

    {"a": DIGEST, "b": DIGEST, "verdict": "same" | "different" | null, "decided": "2026-01-02T03:04:05"}

``null`` records that a verdict was withdrawn (so a merge never brings it
back). Appending a line is cheap and a crash can only tear the last line,
which loading skips. The file is compacted (rewritten atomically, one line per
pair) when it holds many superseded lines.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from hashview.core.catalog.verdict import Verdict

logger = logging.getLogger(__name__)

#: (digest_a, digest_b) with digest_a < digest_b -> (verdict or None, decided)
DecisionState = dict[tuple[str, str], tuple[Verdict | str | None, str]]


def _word(verdict: Verdict | str | None) -> str | None:
    """The word a line stores: "same", "different", or None (withdrawn); the format never changes."""
    return None if verdict is None else Verdict.parse(verdict).value


class DecisionLog:
    """The append-only decisions file of one library."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lines = 0  # lines read by the last load (to decide on compaction)

    def load(self) -> DecisionState | None:
        """Replay the file; None when there is no file yet. Unreadable lines are skipped."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return None
        state: DecisionState = {}
        bad = 0
        self.lines = 0
        for line in text.splitlines():
            if not line.strip():
                continue
            self.lines += 1
            try:
                row = json.loads(line)
                a, b, word, decided = str(row["a"]), str(row["b"]), row["verdict"], str(row.get("decided", ""))
                verdict = None if word is None else Verdict(word)
            except (ValueError, KeyError, TypeError):
                bad += 1
                continue
            state[tuple(sorted((a, b)))] = (verdict, decided)  # type: ignore[index]
        if bad:
            logger.warning("%d unreadable line(s) skipped in %s", bad, self.path)
        return state

    def append(self, a: str, b: str, verdict: Verdict | str | None, decided: str) -> None:
        """Record one change (flushed, so another process reading the file sees it)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"a": a, "b": b, "verdict": _word(verdict), "decided": decided}, sort_keys=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def rewrite(self, state: DecisionState) -> None:
        """Replace the file with one line per pair, atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                for (a, b), (verdict, decided) in sorted(state.items(), key=lambda kv: (kv[1][1], kv[0])):
                    fh.write(
                        json.dumps({"a": a, "b": b, "verdict": _word(verdict), "decided": decided}, sort_keys=True)
                        + "\n"
                    )
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.lines = len(state)

    def needs_compaction(self, state: DecisionState) -> bool:
        return self.lines > 2 * len(state) + 100
