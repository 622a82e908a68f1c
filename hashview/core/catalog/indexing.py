"""The incremental, parallel indexing job: folder -> catalog.

``index_library`` is a generator (one engine for the CLI and the app's
workers). It scans the root, decodes only files whose (size, mtime) the
catalog does not already hold, on a thread pool (Pillow releases the GIL while
it decodes and resizes, so threads use every core without pickling pixels
between processes), and commits results in small batches: a run killed
half-way keeps every batch it committed, and the next run decodes only the rest.
"""

from __future__ import annotations

import io
import logging
import os
import stat
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path

from hashview.core.catalog.database import Catalog
from hashview.core.catalog.records import FileRecord
from hashview.core.catalog.scan import display_path, label_of, relative_path, scan_folder
from hashview.core.events import CancelToken, Finished, Progress, ProgressMeter, Skipped
from hashview.core.images.decode import (
    BadImageError,
    bytes_digest,
    load_rgb,
    stream_digest,
    thumbnail_bytes,
)
from hashview.core.images.safe_open import (
    FileTooLarge,
    NotARegularFile,
    file_kind,
    open_regular,
    read_all,
)
from hashview.core.terminal_text import shown_path

logger = logging.getLogger(__name__)

#: Commit after this many decoded files, or after ``BATCH_SECONDS``, whichever first.
BATCH_FILES = 64
BATCH_SECONDS = 1.0
#: At most this many progress events per second (plus the last one).
PROGRESS_HZ = 10.0
#: Files up to this size are read once into memory for both digest and decode;
#: larger ones are read twice from disk, so that one file per core held in
#: memory stays small beside the decode budget (``decode_budget``).
IN_MEMORY_BYTES = 32 << 20


THUMB_SIDE = 256  # the longest side of stored thumbnails: what the grid shows and small networks encode from


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def _decode_file(path: Path, relpath: str, size: int, mtime_ns: int, thumb_size: int) -> FileRecord | Skipped:
    """Digest, decode and thumbnail one file; a bad file comes back as ``Skipped``.

    Runs on a pool thread. ``size`` and ``mtime_ns`` are from the stat taken
    before reading, so a file that changes while being read is stored with
    its old stat and decoded again by the next run. The file is opened by
    ``safe_open.open_regular``: one that became a FIFO, a device or a folder
    since the scan is skipped, never waited on, and no read goes past the size
    the open file reports.
    """
    try:
        if size == 0:
            raise BadImageError("zero bytes")
        reader, now_size = open_regular(path)
        with reader:
            if now_size == 0:
                raise BadImageError("zero bytes")
            if now_size <= IN_MEMORY_BYTES:
                data = read_all(reader, now_size)
                if not data:
                    raise BadImageError("zero bytes")
                digest = bytes_digest(data)
                img, meta = load_rgb(io.BytesIO(data), max_side=thumb_size, name=relpath)
                del data
            else:
                digest = stream_digest(reader)
                reader.seek(0)
                img, meta = load_rgb(reader, max_side=thumb_size, name=relpath)
        thumb = thumbnail_bytes(img, thumb_size)
    except BadImageError as exc:
        return Skipped(relpath, str(exc))
    except (NotARegularFile, FileTooLarge) as exc:
        return Skipped(relpath, str(exc))
    except FileNotFoundError:
        return Skipped(relpath, "vanished during scan")
    except PermissionError:
        return Skipped(relpath, "unreadable: permission denied")
    except IsADirectoryError:
        return Skipped(relpath, "not a file")
    except OSError as exc:
        return Skipped(relpath, f"unreadable: {(exc.strerror or str(exc)).lower()}")
    except Exception as exc:  # one bad file never stops the scan
        logger.exception("unexpected error decoding %s", shown_path(path))
        return Skipped(relpath, f"unexpected error: {type(exc).__name__}: {exc}"[:200])
    return FileRecord(
        relpath=relpath,
        size=size,
        mtime_ns=mtime_ns,
        digest=digest,
        width=meta.width,
        height=meta.height,
        orientation=meta.orientation,
        taken=meta.taken,
        label=label_of(relpath),
        thumb=thumb,
    )


def _is_under(relpath: str, folders: list[str]) -> bool:
    return any(f == "" or relpath == f or relpath.startswith(f + "/") for f in folders)


def index_library(
    catalog: Catalog, cancel: CancelToken | None = None, workers: int | None = None, thumb_size: int = THUMB_SIDE
) -> Iterator[Progress | Skipped | Finished]:
    """Bring the catalog up to date with its folder, yielding events as it goes.

    Cancel means: stop starting new files, let the ones being decoded finish,
    commit every finished result, and yield ``Finished`` with
    ``summary["cancelled"] = True``. A later run decodes only what is left.
    Closing the generator early behaves the same, without the last event.

    Args:
        catalog: the library's catalog; its ``root`` is scanned.
        cancel: checked between files.
        workers: decoding threads (default: every core this process may use).
        thumb_size: the longest side of stored thumbnails.

    Yields:
        ``Skipped`` for each file passed over, ``Progress(stage="index")`` at
        most ``PROGRESS_HZ`` times a second plus once at the end, and one final
        ``Finished`` whose summary has ``files`` (now in the catalog), ``added``,
        ``updated``, ``removed`` (entries that left the catalog: deleted,
        vanished, or now bad), ``unchanged``, ``skipped`` (scan and decode),
        ``decoded`` (files read and decoded this run, good or bad), ``seconds``, ``rate``
        (files considered per second: unchanged, decoded and skipped), ``workers``
        and ``cancelled``.

    Raises:
        FileNotFoundError, NotADirectoryError, PermissionError: the root itself
            is missing or unreadable (nothing in the catalog is changed).
    """
    start = time.monotonic()
    workers = workers or default_workers()
    root = catalog.root
    scan = scan_folder(root)
    known = catalog.known_files()

    skipped: list[tuple[str, str]] = list(scan.skipped)
    for shown, reason in scan.skipped:
        yield Skipped(shown, reason)

    todo: list[tuple[Path, str, int, int]] = []
    seen: set[str] = set()
    unchanged = 0
    vanished: set[str] = set()
    for path in scan.files:
        rel = relative_path(path, root)
        seen.add(rel)
        try:
            st = path.stat()
            if not stat.S_ISREG(st.st_mode):  # became a FIFO, a device or a folder
                raise NotARegularFile(f"not a regular file ({file_kind(st.st_mode)})")
        except OSError as exc:
            reason = (
                "vanished during scan"
                if isinstance(exc, FileNotFoundError)
                else str(exc)
                if isinstance(exc, NotARegularFile)
                else f"unreadable: {(exc.strerror or str(exc)).lower()}"
            )
            skipped.append((rel, reason))
            vanished.add(rel)
            yield Skipped(rel, reason)
            continue
        old = known.get(rel)
        if old is not None and old[1] == st.st_size and old[2] == st.st_mtime_ns:
            unchanged += 1
        else:
            todo.append((path, rel, st.st_size, st.st_mtime_ns))

    gone = [rel for rel in known if (rel not in seen and not _is_under(rel, scan.unreadable)) or rel in vanished]
    if gone:
        catalog.remove(gone)

    removed = sum(1 for rel in gone if rel in known)
    meter = ProgressMeter("index", len(todo))
    counts = {"added": 0, "updated": 0, "decoded": 0, "bad": 0}
    pending: list[FileRecord] = []
    bad_known: list[str] = []
    last_commit = time.monotonic()
    last_progress = 0.0
    cancelled = False

    def commit() -> None:
        nonlocal last_commit, removed
        if pending:
            catalog.upsert(pending)
            pending.clear()
        if bad_known:
            catalog.remove(bad_known)
            removed += len(bad_known)
            bad_known.clear()
        last_commit = time.monotonic()

    yield meter.event()
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hashview-index")
    # Results are taken in submission (sorted path) order, so a cold run gives
    # ids in path order whatever order the threads finish in.
    window = 4 * workers
    in_flight: dict[int, Future[FileRecord | Skipped]] = {}
    next_submit = 0
    next_take = 0
    try:
        while next_take < len(todo):
            while not cancelled and next_submit < len(todo) and next_submit - next_take < window:
                if cancel is not None and cancel.cancelled:
                    cancelled = True
                    for waiting in in_flight.values():
                        waiting.cancel()
                    break
                path, rel, size, mtime_ns = todo[next_submit]
                in_flight[next_submit] = executor.submit(_decode_file, path, rel, size, mtime_ns, thumb_size)
                next_submit += 1
            if next_take >= next_submit:
                break  # cancelled with nothing left in flight
            future = in_flight.pop(next_take)
            next_take += 1
            if future.cancelled():
                continue
            if not future.done():
                wait([future], return_when=FIRST_COMPLETED)
            result = future.result()
            counts["decoded"] += 1
            if isinstance(result, Skipped):
                counts["bad"] += 1
                skipped.append((result.path, result.reason))
                if result.path in known:
                    bad_known.append(result.path)  # its stored record is stale now
                yield result
            else:
                pending.append(result)
                counts["updated" if result.relpath in known else "added"] += 1
            meter.advance(1)
            now = time.monotonic()
            if len(pending) >= BATCH_FILES or now - last_commit >= BATCH_SECONDS:
                commit()
            if now - last_progress >= 1.0 / PROGRESS_HZ and next_take < len(todo):
                last_progress = now
                yield meter.event(rel_message(todo, next_take - 1))
            if not cancelled and cancel is not None and cancel.cancelled:
                cancelled = True
            if cancelled:
                for waiting in in_flight.values():
                    waiting.cancel()  # only those not started; running ones finish
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        commit()

    yield meter.event("cancelled" if cancelled else "done")
    catalog.set_skipped(skipped)
    catalog.set_meta("indexed_at", datetime.now(UTC).isoformat(timespec="seconds"))
    seconds = time.monotonic() - start
    considered = unchanged + counts["decoded"] + len(vanished)
    summary = {
        "files": catalog.count(),
        "added": counts["added"],
        "updated": counts["updated"],
        "removed": removed,
        "unchanged": unchanged,
        "skipped": len(skipped),
        "decoded": counts["decoded"],
        "seconds": seconds,
        "rate": considered / seconds if seconds > 0 else 0.0,
        "workers": workers,
        "cancelled": cancelled,
    }
    logger.info("indexed %s: %s", shown_path(display_path(root)), summary)
    yield Finished(summary=summary)


def rel_message(todo: list[tuple[Path, str, int, int]], i: int) -> str:
    """The relative path of the i-th file to decode, for progress messages."""
    return display_path(todo[i][1]) if 0 <= i < len(todo) else ""
