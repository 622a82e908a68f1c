"""Encoding decodes each file once: a small network's codes come from the thumbnails the scan made.

The scan decodes every new file (to a bounded size) for its thumbnail; a network whose input is at
most half the thumbnail's side sees nothing the thumbnail lacks, so the library encodes from the
thumbnails and never opens the files again. A thumbnail that will not decode, or a network that
needs more pixels, falls back to the file.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from generators import run_to_end
from imagefactory import make_library
from test_general_network import write_general

from hashview.core.catalog.indexing import THUMB_SIDE
from hashview.core.events import drain
from hashview.core.library import Library
from hashview.core.methods.hasher import load_hasher
from hashview.core.nets import general


@pytest.fixture
def library(tmp_path, monkeypatch):
    path = write_general(tmp_path / "shipped.pt")
    monkeypatch.setattr(general, "general_file", lambda: path)
    root = tmp_path / "photos"
    paths = make_library(root, {"a": 4, "b": 4}, size=(160, 120))
    lib = Library.open(root)
    run_to_end(lib.index())
    yield lib, paths
    lib.close()


def test_a_small_network_encodes_from_thumbnails_and_not_from_the_files(library):
    lib, paths = library
    paths[0].write_bytes(b"not a picture any more")  # changed after the scan: only its thumbnail still decodes
    summary = drain(lib.encode())
    assert summary["encoded"] == 8 and summary["skipped"] == 0


def test_a_thumbnail_that_will_not_decode_falls_back_to_the_file(library):
    lib, paths = library
    [entry] = [e for e in lib.entries() if e.path == paths[1]]
    with sqlite3.connect(lib.catalog.db_path) as conn:
        conn.execute("UPDATE thumbnails SET jpeg = ? WHERE file_id = ?", (b"\xff\xd8 broken", entry.id))
    summary = drain(lib.encode())
    assert summary["encoded"] == 8 and summary["skipped"] == 0
    _info, codes = lib.ready_codes()
    hasher = lib.networks.hasher(lib.networks.current())
    from_file = drain(hasher.encode([paths[1]], "cpu")).codes[0]
    assert np.array_equal(codes.codes[list(codes.ids).index(entry.id)], from_file)


def test_thumbnail_codes_are_the_files_codes_within_a_few_bits(library):
    lib, _paths = library
    hasher = load_hasher(general.general_file())
    entries = lib.entries()
    thumbs = lib.catalog.thumbnails([e.id for e in entries])
    from_thumbs = drain(hasher.encode_thumbnails([thumbs[e.id] for e in entries], "cpu"))
    from_files = drain(hasher.encode([e.path for e in entries], "cpu"))
    apart = np.unpackbits(from_thumbs.codes ^ from_files.codes, axis=1).sum(axis=1)
    assert len(apart) == 8 and apart.max() <= 12  # of 128: far inside any duplicate radius


def test_a_network_that_needs_more_pixels_than_a_thumbnail_reads_the_files():
    hasher = load_hasher(general.general_file()) if general.general_file() else None
    if hasher is None:
        pytest.skip("no shipped network in this build")
    assert hasher.encodes_from(THUMB_SIDE)
    hasher.config = {**hasher.config, "net": {**hasher.config["net"], "input_size": 224}}
    assert not hasher.encodes_from(THUMB_SIDE)
