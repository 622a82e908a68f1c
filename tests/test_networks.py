"""Network management on a library: rename, delete (with a clear choice), import a file."""

from __future__ import annotations

import pytest
from imagefactory import make_library

from hashview.core.events import Finished
from hashview.core.library import Library, LibraryError
from hashview.core.train.pipeline import TrainOptions


def drain(generator):
    summary = None
    for event in generator:
        if isinstance(event, Finished):
            summary = event.summary
    return summary


@pytest.fixture
def library(tmp_path):
    make_library(tmp_path / "photos", classes={"a": 6, "b": 6})
    lib = Library.open(tmp_path / "photos")
    drain(lib.index())
    yield lib
    lib.close()


def train(lib: Library, name: str, bits: int = 16) -> str:
    return drain(lib.train(TrainOptions(method="itq", bits=bits, name=name)))["network"]


def test_rename_keeps_id_codes_and_current(library):
    network_id = train(library, "first")
    assert library.codes_ready(network_id)
    renamed = library.networks.rename("first", "holiday")
    assert renamed.id == network_id and renamed.name == "holiday"
    assert library.networks.current().name == "holiday"
    assert library.codes_ready("holiday")
    with pytest.raises(LibraryError, match="bad network name"):
        library.networks.rename("holiday", "no spaces allowed")


def test_deleting_another_network_keeps_the_current_one(library):
    old = train(library, "old")
    new = train(library, "new")
    assert library.networks.current().id == new
    current = library.networks.delete(old)
    assert current.id == new
    assert [n.id for n in library.networks.all()] == [new]
    assert library.codes.load(old) is None  # its codes went with it


def test_deleting_the_current_network_needs_a_choice(library):
    old = train(library, "old")
    new = train(library, "new")
    with pytest.raises(LibraryError, match="current network: choose one of old"):
        library.networks.delete(new)
    assert {n.id for n in library.networks.all()} == {old, new}
    assert library.networks.delete(new, make_current="old").id == old
    with pytest.raises(LibraryError, match="confirm that no network will be left"):
        library.networks.delete("old")
    assert library.networks.delete("old", leave_none=True) is None
    assert library.networks.all() == [] and library.networks.current() is None


def test_import_copies_a_validated_file_as_a_new_version(library, tmp_path):
    network_id = train(library, "shared")
    exported = tmp_path / "exported.pt"
    exported.write_bytes(library.networks.get(network_id).path.read_bytes())
    imported = library.networks.import_file(exported, name="from-a-friend")
    assert imported.id != network_id and imported.name == "from-a-friend"
    assert imported.method == "itq" and imported.bits == 16
    assert imported.path.parent == library.shelf.directory and imported.path.is_file()
    assert library.networks.current().id == network_id  # importing does not switch
    drain(library.encode(imported.id))
    assert library.codes_ready(imported.id) and library.codes_ready(network_id)


def test_import_refuses_a_file_that_is_not_a_network(library, tmp_path):
    bogus = tmp_path / "bogus.pt"
    bogus.write_bytes(b"not a network")
    with pytest.raises(LibraryError, match=r"bogus\.pt"):
        library.networks.import_file(bogus)
    assert library.networks.all() == []
