"""The duplicates explorer at the scale of a 100,000-picture library: showing, sorting, filtering and scrolling its groups.

A library of 100,000 pictures can hold tens of thousands of duplicate groups
(run 18's 100,000-picture set: 20,949 pairs). This builds the explorer itself
(``DuplicatesExplorer``) over N synthetic groups of 2-6 copies whose keepers'
thumbnails are real JPEG bytes (a few distinct images, decoded for every group
like the catalog's), then times what a person does there: the groups arriving
after a scan, each sort order, a kind and a text filter (its first key and the keys typed after), the list again after a
decision (the controller's ``set_rows(rows, keep)``, which finds the chosen
group again), and scrolling the group list one screen per frame while the
thumbnails load. Memory is the process RSS before, with the groups shown and
after scrolling. The reference, in the same run, is a plain ``QListView`` over a
``QStringListModel`` of the same groups' labels: the cheapest Qt list there is.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.explorer [--groups 20000] [--json]   (from the repository root)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from benchmarks.grid import jpeg_thumbnails, rss_mb, scroll_through, summary
from benchmarks.provenance import provenance, provenance_line

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")


def synthetic_groups(count: int, seed: int = 0) -> list[Any]:
    """``count`` group rows of 2-6 copies each, over distinct files in folders of 500, keeper first."""
    from hashview.ui.duplicates.groups_model import GroupRow

    rng = random.Random(seed)
    rows, file_id = [], 0
    for _ in range(count):
        members = []
        for _copy in range(rng.choice((2, 2, 2, 3, 3, 4, 5, 6))):
            relpath = f"album{file_id // 500:04d}/IMG_{file_id:06d}.jpg"
            members.append(
                SimpleNamespace(
                    id=file_id,
                    path=Path("/photos") / relpath,
                    relpath=relpath,
                    size=1_000_000 + rng.randrange(3_000_000),
                    digest=f"{rng.getrandbits(64):016x}",
                    width=4000,
                    height=3000,
                    orientation=1,
                    taken=None,
                    mtime_ns=0,
                    label=None,
                )
            )
            file_id += 1
        distance = rng.choice((0, 1, 2, 3, 5, 8, 12))
        rows.append(GroupRow(members, members[0], distance, set(), "the largest file", near_limit=4))
    return rows


def timed(app: Any, action: Any) -> float:
    """Seconds for ``action()`` and the events it posts."""
    started = time.perf_counter()
    action()
    app.processEvents()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=20_000)
    parser.add_argument("--frames", type=int, default=600, help="at most this many scroll steps")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    record = provenance()
    if not args.json:
        sys.stdout.write(provenance_line(record) + "\n")

    from PySide6.QtCore import QStringListModel
    from PySide6.QtWidgets import QApplication, QListView

    from hashview.ui.duplicates.explorer_view import DuplicatesExplorer
    from hashview.ui.duplicates.groups_model import SORTS
    from hashview.ui.widgets.thumbnails import ThumbnailLoader

    app = QApplication(sys.argv[:1])
    thumbs = jpeg_thumbnails()
    rows = synthetic_groups(args.groups)
    rss_start = rss_mb()

    labels = [f"{len(r.members)} copies\n{r.keeper.path.name}" for r in rows]
    ref_model = QStringListModel()
    ref_fill = timed(app, lambda: ref_model.setStringList(labels))
    ref_view = QListView()
    ref_view.setUniformItemSizes(True)
    ref_view.setModel(ref_model)
    ref_view.resize(320, 800)
    ref_view.show()
    app.processEvents()
    ref_frames = scroll_through(app, ref_view, ref_view.viewport().height(), args.frames)
    ref_view.close()

    loader = ThumbnailLoader(lambda file_id: thumbs[file_id % len(thumbs)])
    explorer = DuplicatesExplorer()
    explorer.root = Path("/photos")
    explorer.groups_model.root = explorer.root
    explorer.groups_model.set_loader(loader)
    explorer.members_model.set_loader(loader)
    explorer.resize(1400, 900)
    explorer.show()
    app.processEvents()

    shown = timed(app, lambda: explorer.set_rows(rows))
    rss_shown = rss_mb()
    sorts = {key: round(timed(app, lambda key=key: explorer.set_sort(key)), 4) for key in SORTS}
    explorer.set_sort("size")
    kind = timed(app, lambda: explorer.set_filter("near"))
    text = timed(app, lambda: explorer.set_filter("all", "album0100"))
    typed_on = timed(app, lambda: explorer.set_filter("all", "album0100/img"))  # the next keys of the same filter
    explorer.set_filter("all", "")
    middle = len(rows) // 2
    explorer.select_group(middle)
    app.processEvents()
    chosen = explorer.current_group()
    assert chosen is not None
    after = [r for r in explorer.groups_model.all_groups() if r is not chosen]  # as after moving its copies away
    keep = explorer.groups_model.group(middle + 1).key()
    decision = timed(app, lambda: explorer.set_rows(after, keep))
    explorer.select_group(0)
    app.processEvents()
    view = explorer.groups_view
    frames = scroll_through(app, view, view.viewport().height(), args.frames)
    rss_scrolled = rss_mb()
    scroll, reference_scroll = summary(frames), summary(ref_frames)
    result = {
        "benchmark": "explorer",
        "groups": len(rows),
        "pictures": sum(len(r.members) for r in rows),
        "platform": os.environ.get("QT_QPA_PLATFORM"),
        "show_s": round(shown, 4),
        "sort_s": sorts,
        "filter_kind_s": round(kind, 4),
        "filter_text_s": round(text, 4),
        "filter_text_typed_on_s": round(typed_on, 4),
        "after_decision_s": round(decision, 4),
        "scroll": scroll,
        "reference_fill_s": round(ref_fill, 4),
        "reference_scroll": reference_scroll,
        "rss_mb": {"start": round(rss_start, 1), "shown": round(rss_shown, 1), "scrolled": round(rss_scrolled, 1)},
        "provenance": record,
    }
    loader.shutdown()
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        s, r = scroll, reference_scroll
        sorted_text = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in sorts.items())
        sys.stdout.write(
            f"explorer with {len(rows)} groups of {result['pictures']} pictures ({result['platform']}):\n"
            f"  groups shown          {shown * 1000:8.1f} ms   (QStringListModel filled: {ref_fill * 1000:.1f} ms)\n"
            f"  sort                  {sorted_text}\n"
            f"  filter: kind {kind * 1000:.0f} ms, text {text * 1000:.0f} ms (typed on: {typed_on * 1000:.0f} ms); "
            f"after a decision {decision * 1000:.0f} ms\n"
            f"  scroll, one screen/frame ({s['frames']} frames): median {s['median_ms']} ms, p95 {s['p95_ms']} ms, "
            f"max {s['max_ms']} ms\n"
            f"  reference QListView   ({r['frames']} frames): median {r['median_ms']} ms, p95 {r['p95_ms']} ms, "
            f"max {r['max_ms']} ms\n"
            f"  RSS MB: start {rss_start:.0f}, groups shown {rss_shown:.0f}, after scrolling {rss_scrolled:.0f}\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
