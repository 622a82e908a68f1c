"""The catalog: ids survive updates, queries, threads, meta and schema guards."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from hashview.core import paths
from hashview.core.catalog.database import Catalog
from hashview.core.catalog.faults import CatalogError
from hashview.core.catalog.records import Entry, FileRecord
from hashview.core.catalog.schema import SCHEMA_VERSION


def rec(relpath, digest="d0", size=10, mtime_ns=1, thumb=b"jpeg", label="auto", **kw):
    if label == "auto":
        label = relpath.split("/")[0] if "/" in relpath else None
    fields = dict(width=4, height=3, orientation=1, taken=None)
    fields.update(kw)
    return FileRecord(relpath=relpath, size=size, mtime_ns=mtime_ns, digest=digest, label=label, thumb=thumb, **fields)


@pytest.fixture
def cat(tmp_path):
    root = tmp_path / "lib"
    root.mkdir()
    with Catalog.for_root(root) as c:
        yield c


def test_for_root_lives_in_library_dir(tmp_path, hashview_home):
    root = tmp_path / "lib"
    root.mkdir()
    with Catalog.for_root(root) as c:
        assert c.db_path == paths.library_dir(root) / "catalog.sqlite3"
        assert c.db_path.is_file()
        assert str(hashview_home) in str(c.db_path)
        assert c.get_meta("root") == str(root)
        assert c.get_meta("schema_version") == str(SCHEMA_VERSION)
        mode = sqlite3.connect(c.db_path).execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"


def test_upsert_keeps_ids_and_entries(cat):
    cat.upsert([rec("cats/a.jpg", "x"), rec("b.jpg", "y", taken="2020-01-01T00:00:00")])
    known = cat.known_files()
    assert set(known) == {"cats/a.jpg", "b.jpg"}
    ida = known["cats/a.jpg"][0]
    cat.upsert([rec("cats/a.jpg", "z", size=99, mtime_ns=7, thumb=b"new")])
    assert cat.known_files()["cats/a.jpg"] == (ida, 99, 7)
    e = cat.entry(ida)
    assert isinstance(e, Entry)
    assert (e.relpath, e.digest, e.label, e.size) == ("cats/a.jpg", "z", "cats", 99)
    assert e.path == cat.root / "cats" / "a.jpg"
    assert cat.thumbnail(ida) == b"new"
    assert [x.relpath for x in cat.entries()] == ["cats/a.jpg", "b.jpg"]
    assert cat.entry_by_path("b.jpg").taken == "2020-01-01T00:00:00"
    assert cat.entry_by_path(cat.root / "cats" / "a.jpg").id == ida
    assert cat.entry_by_path("/elsewhere/b.jpg") is None
    assert cat.entry(12345) is None and cat.thumbnail(12345) is None
    assert cat.count() == 2


def test_remove_drops_thumbnail_and_ids_are_not_reused(cat):
    cat.upsert([rec("a.jpg"), rec("b.jpg")])
    ids = {e.relpath: e.id for e in cat.entries()}
    cat.remove(["b.jpg"])
    assert cat.count() == 1 and cat.thumbnail(ids["b.jpg"]) is None
    cat.upsert([rec("c.jpg")])
    assert cat.entry_by_path("c.jpg").id > ids["b.jpg"]


def test_exact_duplicate_groups(cat):
    cat.upsert(
        [
            rec("a.jpg", "1"),
            rec("b.jpg", "2"),
            rec("c.jpg", "1"),
            rec("d.jpg", "3"),
            rec("e.jpg", "2"),
            rec("f.jpg", "1"),
        ]
    )
    groups = [[e.relpath for e in g] for g in cat.exact_duplicate_groups()]
    assert groups == [["a.jpg", "c.jpg", "f.jpg"], ["b.jpg", "e.jpg"]]


def test_skipped_and_meta(cat):
    cat.set_skipped([("x.jpg", "zero bytes"), ("caf\\xe9.jpg", "file name is not valid UTF-8")])
    cat.set_skipped([("y.jpg", "truncated file")])
    assert cat.skipped() == [("y.jpg", "truncated file")]
    assert cat.get_meta("nope") is None and cat.get_meta("nope", "d") == "d"
    cat.set_meta("network", "v1")
    assert cat.get_meta("network") == "v1"
    cat.set_meta("network", None)
    assert cat.get_meta("network") is None


def test_reopen_keeps_data(tmp_path):
    db, root = tmp_path / "c.sqlite3", tmp_path
    with Catalog(db, root) as c:
        c.upsert([rec("a.jpg")])
    with Catalog(db, root) as c:
        assert c.count() == 1


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "c.sqlite3"
    with Catalog(db, tmp_path) as c:
        c.set_meta("schema_version", "99")
    with pytest.raises(CatalogError):
        Catalog(db, tmp_path)


def test_closed_catalog_refuses(cat):
    cat.close()
    with pytest.raises(CatalogError):
        cat.count()


def test_readers_in_threads_while_writing(cat):
    cat.upsert([rec(f"{i:04d}.jpg", thumb=bytes([i % 256])) for i in range(50)])
    errors, stop = [], threading.Event()

    def reader():
        try:
            while not stop.is_set():
                for e in cat.entries()[:10]:
                    assert cat.thumbnail(e.id) is not None
        except Exception as exc:  # noqa: BLE001 - any failure in the reader thread is reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for batch in range(20):
        cat.upsert([rec(f"n{batch}_{i}.jpg") for i in range(20)])
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert cat.count() == 50 + 400
