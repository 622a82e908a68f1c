"""The library's managers: each works from what it is handed, and ``train`` takes one ``TrainOptions``.

``DuplicateFinder`` and ``DecisionBook`` get the catalog and a way to read
codes, not a library to reach into; ``Library.train`` fills in what its
options leave to the library (the label source "auto", the decided pairs,
the runtime options) and keeps what they set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from imagefactory import make_library

from hashview.core.catalog.database import Catalog
from hashview.core.duplicates.decision_book import DecisionBook
from hashview.core.duplicates.finder import DuplicateFinder
from hashview.core.events import drain
from hashview.core.hamming.codes import CodeSet, pack_codes
from hashview.core.library import Library, LibraryError
from hashview.core.nets.shelf import NetworkInfo
from hashview.core.runtime import RuntimeOptions
from hashview.core.train.pipeline import TrainOptions


@pytest.fixture
def catalog(tmp_path):
    root = tmp_path / "photos"
    make_library(root, classes={}, loose=4, size=(48, 36))
    with Catalog.for_root(root) as cat:
        from hashview.core.catalog.indexing import index_library

        drain(index_library(cat))
        yield cat


def test_a_duplicate_finder_groups_the_codes_it_is_handed(catalog):
    """No library: the catalog, a codes reader and a decision book are all the finder reads."""
    entries = catalog.entries()
    bits = np.zeros((len(entries), 16), np.uint8)
    bits[2, :8] = bits[3, 8:] = 1  # the first two photos share a code; the others are 8 bits from it, 16 apart
    codes = CodeSet(np.array([e.id for e in entries], np.int64), pack_codes(bits), 16)
    info = NetworkInfo("fake-16", "fake", "itq", 16, "2026-01-01T00:00:00", Path("fake.pt"))
    asked = []

    def ready_codes(network):
        asked.append(network)
        return info, codes

    decisions = DecisionBook(catalog)
    finder = DuplicateFinder(catalog, ready_codes, decisions)
    first, second = entries[0].path, entries[1].path
    assert [g.paths for g in finder.groups(radius=1)] == [[first, second]]
    decisions.record(first, second, "different")
    assert decisions.count() == 1 and [({a, b}, v) for a, b, v in decisions.all()] == [({first, second}, "different")]
    assert finder.groups("fake", radius=1) == []
    assert asked == [None, "fake"]
    assert [r["groups"] for r in finder.profile(radii=[0, 1])] == [0, 0]


def test_a_decision_book_refuses_files_outside_the_catalog(catalog, tmp_path):
    book = DecisionBook(catalog)
    with pytest.raises(LibraryError, match="not in the library"):
        book.record(catalog.entries()[0].path, tmp_path / "elsewhere.jpg", "same")
    assert book.id_pairs() == ()


def test_train_keeps_the_runtime_its_options_set_and_fills_in_the_librarys(tmp_path, monkeypatch):
    import hashview.core.library as library_module

    root = tmp_path / "photos"
    make_library(root, classes={}, loose=3, size=(48, 36))
    asked = []

    def fake_train(entries, opts, shelf, cancel=None):
        asked.append((opts.labels, opts.runtime))
        raise LibraryError("stop here")
        yield

    monkeypatch.setattr(library_module, "train_network", fake_train)
    own, libraries = RuntimeOptions(dupnet_seconds=5), RuntimeOptions(dupnet_seconds=1)
    with Library.open(root, runtime=libraries) as lib:
        drain(lib.index())
        for options in (TrainOptions(method="itq"), TrainOptions(method="itq", runtime=own)):
            with pytest.raises(LibraryError, match="stop here"):
                drain(lib.train(options))
    assert asked == [("none", libraries), ("none", own)]
