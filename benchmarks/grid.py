"""The library grid at 100,000 items: fill time, scrolling frame times, memory with a bounded cache.

Builds ``ThumbnailModel`` + ``LibraryView`` over N synthetic catalog entries
whose thumbnails are real JPEG bytes (a few distinct 160 px images, decoded
for every row like the catalog's), then scrolls from top to bottom in
programmatic steps of one screen, painting each frame synchronously
(``viewport().repaint()``) and letting the loader's decoded images arrive.
Frame time = scroll + paint of one step. Memory is the process RSS before the
model, after filling, and after the whole scroll (the LRU of decoded
thumbnails is bounded, so it must level off). The reference, in the same run,
is a plain ``QListView`` over a ``QStringListModel`` of the same N names: the
cheapest Qt list there is.

    xvfb-run -a .venv/bin/python -m benchmarks.grid [--items 100000] [--json]   (from the repository root)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from benchmarks.provenance import provenance, provenance_line

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def jpeg_thumbnails(count: int = 16) -> list[bytes]:
    from PIL import Image

    out = []
    for i in range(count):
        image = Image.new("RGB", (160, 120), (i * 15 % 255, 80 + i * 9 % 170, 200 - i * 11 % 200))
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=85)
        out.append(buf.getvalue())
    return out


def scroll_through(app, view, step_px: int, max_frames: int) -> list[float]:
    bar = view.verticalScrollBar()
    frames = []
    value = 0
    while value <= bar.maximum() and len(frames) < max_frames:
        start = time.perf_counter()
        bar.setValue(value)
        view.viewport().repaint()
        app.processEvents()
        frames.append(time.perf_counter() - start)
        value += step_px
    return frames


def summary(frames: list[float]) -> dict[str, float]:
    ordered = sorted(frames)
    return {
        "frames": len(frames),
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--frames", type=int, default=2000, help="at most this many scroll steps")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    record = provenance()
    if not args.json:
        sys.stdout.write(provenance_line(record) + "\n")

    from PySide6.QtCore import QStringListModel
    from PySide6.QtWidgets import QApplication, QListView

    from hashview.ui.library.grid_model import ThumbnailModel
    from hashview.ui.library.grid_view import LibraryView
    from hashview.ui.widgets.thumbnails import ThumbnailLoader

    app = QApplication(sys.argv[:1])
    thumbs = jpeg_thumbnails()
    entries = [
        SimpleNamespace(
            id=i,
            path=Path(f"/photos/album{i // 500:04d}/IMG_{i:06d}.jpg"),
            relpath=f"album{i // 500:04d}/IMG_{i:06d}.jpg",
            label=None,
        )
        for i in range(args.items)
    ]
    rss_start = rss_mb()

    # reference: the cheapest Qt list of the same names
    names = [e.relpath for e in entries]
    ref_model = QStringListModel()
    started = time.perf_counter()
    ref_model.setStringList(names)
    ref_fill = time.perf_counter() - started
    ref_view = QListView()
    ref_view.setUniformItemSizes(True)
    ref_view.setModel(ref_model)
    ref_view.resize(1000, 800)
    ref_view.show()
    app.processEvents()
    ref_frames = scroll_through(app, ref_view, ref_view.viewport().height(), args.frames)
    ref_view.close()

    loader = ThumbnailLoader(lambda file_id: thumbs[file_id % len(thumbs)])
    model = ThumbnailModel()
    model.set_loader(loader)
    view = LibraryView()
    view.setModel(model)
    view.resize(1000, 800)
    view.show()
    app.processEvents()
    started = time.perf_counter()
    model.set_entries(entries)
    app.processEvents()
    fill = time.perf_counter() - started
    started = time.perf_counter()
    while view.verticalScrollBar().maximum() == 0 and time.perf_counter() - started < 30:
        app.processEvents()  # batched layout finishes while the event loop runs
    layout = time.perf_counter() - started
    rss_filled = rss_mb()
    refs = sys.getrefcount(True) + sys.getrefcount(False)
    frames = scroll_through(app, view, view.viewport().height(), args.frames)
    rss_scrolled = rss_mb()
    drift = sys.getrefcount(True) + sys.getrefcount(False) - refs
    result = {
        "benchmark": "grid",
        "items": args.items,
        "platform": os.environ.get("QT_QPA_PLATFORM"),
        "fill_s": round(fill, 4),
        "layout_s": round(layout, 4),
        "scroll": summary(frames),
        "reference_fill_s": round(ref_fill, 4),
        "reference_scroll": summary(ref_frames),
        "rss_mb": {"start": round(rss_start, 1), "filled": round(rss_filled, 1), "scrolled": round(rss_scrolled, 1)},
        "thumbnail_cache_capacity": loader._capacity,
        "bool_refcount_drift": drift,  # negative: a C extension drops references to True/False (crashes in time)
        "provenance": record,
    }
    loader.shutdown()
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        s, r = result["scroll"], result["reference_scroll"]
        sys.stdout.write(
            f"grid of {args.items} items ({result['platform']}):\n"
            f"  fill model            hashview {fill * 1000:8.1f} ms   QStringListModel {ref_fill * 1000:8.1f} ms\n"
            f"  batched layout        hashview {layout * 1000:8.1f} ms\n"
            f"  scroll, one screen/frame ({s['frames']} frames): median {s['median_ms']} ms, p95 {s['p95_ms']} ms, "
            f"max {s['max_ms']} ms\n"
            f"  reference QListView   ({r['frames']} frames): median {r['median_ms']} ms, p95 {r['p95_ms']} ms, "
            f"max {r['max_ms']} ms\n"
            f"  RSS MB: start {rss_start:.0f}, filled {rss_filled:.0f}, after scrolling {rss_scrolled:.0f} "
            f"(cache bound {loader._capacity} thumbnails)\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
