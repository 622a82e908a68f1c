"""Faults outside images: damaged or foreign state, full or read-only disks, odd folder names, bad network files.

Every case ends either in the work done (a damaged catalog is rebuilt, a
non-UTF-8 folder works) or in one ``hashview: ...`` line with exit 2 that names
the file and says what to do; never in a traceback. The user's decisions
survive a rebuild and a deleted cache, and codes never attach to the files of
another catalog.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from imagefactory import make_library, make_photo

from hashview.cli import main
from hashview.core import paths
from hashview.core.events import Finished
from hashview.core.library import Library, LibraryError
from hashview.core.train.pipeline import TrainOptions

COMMANDS = [
    ["index"],
    ["encode"],
    ["dups", "--exact"],
    ["dups"],
    ["train", "--method", "itq", "--bits", "16"],
]


def drain(generator):
    summary = None
    for event in generator:
        if isinstance(event, Finished):
            summary = event.summary
    return summary


def one_line_failure(capsys, argv) -> str:
    """Run the CLI; it must exit 2 with exactly one ``hashview:`` line on stderr and no traceback."""
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("hashview: ")]
    assert code == 2 and len(lines) == 1, err
    return lines[0]


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "photos"
    make_library(root, {"a": 5, "b": 5})
    shutil.copyfile(root / "a" / "a_000.jpg", root / "b" / "copy.jpg")
    return root


def catalog_file(root: Path) -> Path:
    return paths.library_dir(root) / "catalog.sqlite3"


def indexed(root: Path) -> Library:
    lib = Library.open(root)
    drain(lib.index())
    return lib


# ---------------------------------------------------------------- damaged catalog


def damage(db: Path, how: str) -> None:
    data = db.read_bytes()
    for side in ("-wal", "-shm"):
        Path(str(db) + side).unlink(missing_ok=True)
    if how == "not-a-database":
        db.write_bytes(b"this is a text file, not SQLite\n" * 40)
    elif how == "truncated-early":
        db.write_bytes(data[:3000])
    else:  # cut short after its schema: SQLite alone notices only when it reads a missing page
        db.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("how", ["not-a-database", "truncated-early", "truncated-half"])
def test_a_damaged_catalog_is_rebuilt_and_keeps_the_decisions(photos, how, capsys):
    with indexed(photos) as lib:
        a, b = photos / "a" / "a_001.jpg", photos / "b" / "b_002.jpg"
        lib.decisions.record(a, b, "different")
        lib.decisions.record(photos / "a" / "a_002.jpg", photos / "b" / "b_003.jpg", "same")
        lib.decisions.record(photos / "a" / "a_002.jpg", photos / "b" / "b_003.jpg", "undecided")
        drain(lib.train(TrainOptions(method="itq", bits=16, name="kept")))
        assert lib.catalog.count() == 11  # enough rows for the half to lose pages
    db = catalog_file(photos)
    damage(db, how)

    assert main(["index", str(photos), "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["files"] == 11 and "Traceback" not in out.err
    assert (db.parent / "catalog.sqlite3.damaged").is_file()  # kept beside it, for whoever wants to look
    with Library.open(photos) as lib:
        assert lib.decisions.all() == [(a, b, "different")]  # and the withdrawn one stays withdrawn
        assert lib.networks.current() is not None and lib.networks.current().name == "kept"
        # the same files got the same ids here, and codes are keyed to content: they are still right
        assert lib.codes_ready() and drain(lib.encode())["encoded"] == 0


def test_damage_found_after_opening_is_one_line_and_rebuilt_next_time(photos):
    indexed(photos).close()
    db = catalog_file(photos)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root_page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'thumbnails'").fetchone()[0]
    with open(db, "r+b") as fh:  # the thumbnails' first page goes bad; the header and the files table stay fine
        fh.seek((root_page - 1) * page_size)
        fh.write(b"\xff" * page_size)
    from hashview.core.catalog.faults import CatalogError

    with Library.open(photos) as lib:
        assert lib.catalog.rebuilt_from is None  # nothing shows when it opens
        with pytest.raises(CatalogError) as caught:
            lib.thumbnail(lib.entries()[0].id)
    message = str(caught.value)
    assert "\n" not in message and str(db) in message and "rebuilt" in message
    with indexed(photos) as lib:  # the next open keeps its promise
        assert lib.catalog.rebuilt_from is not None and lib.thumbnail(lib.entries()[0].id)


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: "-".join(a))
def test_a_non_database_catalog_never_ends_in_a_traceback(photos, argv, capsys):
    indexed(photos).close()
    damage(catalog_file(photos), "not-a-database")
    code = main([argv[0], str(photos), *argv[1:]])
    err = capsys.readouterr().err
    assert "Traceback" not in err and code in (0, 2), err
    if code == 2:
        assert len([x for x in err.splitlines() if x.startswith("hashview: ")]) == 1


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: "-".join(a))
def test_a_catalog_of_a_newer_schema_is_refused_in_one_line(photos, argv, capsys):
    indexed(photos).close()
    db = catalog_file(photos)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        conn.commit()
    line = one_line_failure(capsys, [argv[0], str(photos), *argv[1:]])
    assert str(db) in line and "newer hashview" in line and "upgrade" in line
    assert db.is_file()  # a newer catalog is never set aside or changed


# ------------------------------------------------------------- read-only, full disk


def _mount(target: Path, options: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None or os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True)
    return done.returncode == 0


def _umount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


@pytest.fixture
def read_only_home(tmp_path, monkeypatch):
    """A hashview home that cannot be written: a read-only tmpfs as root, a 0o555 folder otherwise."""
    home = tmp_path / "ro_home"
    if os.geteuid() == 0:
        if not _mount(home, "size=1m,ro"):
            pytest.skip("running as root without mount: cannot make a read-only folder")
        monkeypatch.setenv("HASHVIEW_HOME", str(home))
        yield home
        _umount(home)
    else:
        home.mkdir()
        home.chmod(0o555)
        monkeypatch.setenv("HASHVIEW_HOME", str(home))
        yield home
        home.chmod(0o755)


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: "-".join(a))
def test_a_read_only_cache_is_one_line_with_a_hint(photos, argv, read_only_home, capsys):
    line = one_line_failure(capsys, [argv[0], str(photos), *argv[1:]])
    assert str(read_only_home) in line and "HASHVIEW_HOME" in line


def test_a_read_only_catalog_file_is_one_line(photos, tmp_path, monkeypatch, capsys):
    """The catalog exists but its folder became read-only (a backup restored as read-only, a remount)."""
    indexed(photos).close()
    folder = catalog_file(photos).parent
    if os.geteuid() == 0:  # root writes through permissions: a read-only bind mount of the folder instead
        done = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("running as root without mount: cannot make a read-only folder")
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True, check=True)
        undo = lambda: _umount(folder)  # noqa: E731
    else:
        folder.chmod(0o555)
        undo = lambda: folder.chmod(0o755)  # noqa: E731
    try:
        line = one_line_failure(capsys, ["index", str(photos)])
    finally:
        undo()
    assert str(catalog_file(photos)) in line and "HASHVIEW_HOME" in line


def test_a_full_disk_while_indexing_is_one_line_and_keeps_what_was_done(tmp_path, monkeypatch, capsys):
    home = tmp_path / "small_home"
    if not _mount(home, "size=160k"):
        pytest.skip("cannot mount a tiny tmpfs here (the codes write below covers ENOSPC)")
    try:
        monkeypatch.setenv("HASHVIEW_HOME", str(home))
        root = tmp_path / "big"
        make_library(root, {"x": 40}, size=(320, 240))  # thumbnails alone outgrow 160 KiB
        line = one_line_failure(capsys, ["index", str(root)])
        assert "no space left" in line and "free some space" in line
    finally:
        _umount(home)


def test_a_full_disk_while_saving_codes_is_one_line(photos, monkeypatch, capsys):
    """ENOSPC at the codes file's real write (fsync reports a full disk on delayed allocation and NFS)."""
    assert main(["index", str(photos)]) == 0
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to tell the codes file's descriptor")
    real_fsync = os.fsync

    def full_for_codes(fd):
        if "/codes/" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_for_codes)
    line = one_line_failure(capsys, ["train", str(photos), "--method", "itq", "--bits", "16"])
    assert "no space left" in line and ".codes" in line
    leftovers = [p.name for p in (paths.library_dir(photos) / "codes").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


# ------------------------------------------------------------- a non-UTF-8 folder name


@pytest.mark.skipif(sys.platform != "linux", reason="bytes file names are a Linux case")
def test_a_library_folder_whose_name_is_not_utf8_works(tmp_path, capsys):
    root = Path(os.fsdecode(os.path.join(os.fsencode(str(tmp_path)), b"caf\xe9")))
    make_library(root, {"a": 4})
    shutil.copyfile(root / "a" / "a_000.jpg", root / "a" / "copy.jpg")
    for argv in (["index"], ["train", "--method", "itq", "--bits", "16"], ["encode"], ["dups"], ["dups", "--exact"]):
        assert main([argv[0], str(root), *argv[1:], "--json"]) == 0, capsys.readouterr().err
        capsys.readouterr()
    assert main(["search", str(root), str(root / "a" / "a_001.jpg"), "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)[0]["results"]
    assert hits[0]["distance"] == 0


# ------------------------------------------------------------- decisions outside the cache


def test_deleting_the_cache_keeps_the_decisions(photos):
    with indexed(photos) as lib:
        lib.decisions.record(photos / "a" / "a_001.jpg", photos / "b" / "b_001.jpg", "same")
    decisions_file = paths.decisions_path(photos)
    assert decisions_file.is_file() and not decisions_file.is_relative_to(paths.cache_root())
    shutil.rmtree(paths.cache_root())  # what people do to "reset" an app
    with indexed(photos) as lib:
        assert lib.decisions.all() == [(photos / "a" / "a_001.jpg", photos / "b" / "b_001.jpg", "same")]


def test_decisions_in_a_catalog_of_todays_version_move_into_the_file(photos):
    with indexed(photos) as lib:
        lib.decisions.record(photos / "a" / "a_003.jpg", photos / "b" / "b_004.jpg", "different")
    paths.decisions_path(photos).unlink()  # as today's version leaves it: decisions only in the catalog
    Library.open(photos).close()
    assert paths.decisions_path(photos).is_file()
    shutil.rmtree(paths.cache_root())
    with indexed(photos) as lib:
        assert [v for _a, _b, v in lib.decisions.all()] == ["different"]


def test_a_torn_last_line_of_the_decisions_file_is_skipped(photos):
    with indexed(photos) as lib:
        lib.decisions.record(photos / "a" / "a_001.jpg", photos / "b" / "b_001.jpg", "same")
    with open(paths.decisions_path(photos), "a", encoding="utf-8") as fh:
        fh.write('{"a": "12')  # a crash half-way through an append
    with Library.open(photos) as lib:
        assert len(lib.decisions.all()) == 1


# ------------------------------------------------------------- codes and a recreated catalog


def test_codes_never_attach_to_the_files_of_a_recreated_catalog(tmp_path):
    root = tmp_path / "lib"
    first = make_library(root, {"a": 6})
    with indexed(root) as lib:
        drain(lib.train(TrainOptions(method="itq", bits=16, name="n")))
        assert lib.codes_ready()
    stamps = [(p, p.stat().st_mtime_ns) for p in first]
    db = catalog_file(root)
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)  # the catalog is made again; codes and networks stay
    for n, (path, mtime) in enumerate(stamps):  # other photos, under the same names and times
        make_photo(path, (64, 48), seed=100 + n)
        os.utime(path, ns=(mtime, mtime))
    with indexed(root) as lib:
        lib.networks.set_current("n")
        assert not lib.codes_ready()
        assert drain(lib.encode())["encoded"] == 6


def test_codes_and_catalog_of_todays_version_are_still_used(tmp_path):
    """Written the old way: stamps of (id, mtime) and a catalog without an id. No encoding is needed."""
    root = tmp_path / "lib"
    make_library(root, {"a": 6})
    with indexed(root) as lib:
        info = lib.networks.get(drain(lib.train(TrainOptions(method="itq", bits=16)))["network"])
        stamps_file = lib._stamps_path(info)
        table = np.load(stamps_file)
        assert table.shape == (6, 3)
        np.save(stamps_file, table[:, :2])  # today's two columns
    with contextlib.closing(sqlite3.connect(catalog_file(root))) as conn:
        conn.execute("DELETE FROM meta WHERE key IN ('catalog_id', 'legacy_codes')")
        conn.commit()
    with Library.open(root) as lib:
        assert lib.codes_ready()
        assert drain(lib.encode())["encoded"] == 0


def test_network_ids_are_unique_within_a_second_and_across_processes():
    from hashview.core.nets.shelf import new_network_id

    ids = {new_network_id("same", now=0.0) for _ in range(200)}
    assert len(ids) == 200
    code = "from hashview.core.nets.shelf import new_network_id; print(new_network_id('same', now=0.0))"
    other = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        for _ in range(2)
    }
    assert len(other) == 2 and not other & ids


# ------------------------------------------------------------- imported network files


@pytest.fixture
def shelf_library(photos):
    with indexed(photos) as lib:
        drain(lib.train(TrainOptions(method="itq", bits=16, name="own")))
        yield lib


def _payload(lib: Library):
    import torch

    return torch.load(lib.networks.get("own").path, weights_only=True)


def _write(tmp_path: Path, payload, name: str) -> Path:
    import torch

    path = tmp_path / name
    torch.save(payload, path)
    return path


def _without_checksum(payload):
    return {k: v for k, v in payload.items() if k != "checksum"}


def _broken_files(lib: Library, tmp_path: Path) -> dict[str, Path]:
    import torch

    base = _without_checksum(_payload(lib))
    state, config = base["state"], base["config"]
    cases = {
        "missing-tensor": {"config": config, "state": {k: v for k, v in state.items() if k != "projection"}},
        "mis-shaped": {"config": config, "state": {**state, "projection": state["projection"][:, :8]}},
        "wrong-mean": {"config": config, "state": {**state, "mean": state["mean"][:-1]}},
        "no-bits": {"config": {k: v for k, v in config.items() if k != "bits"}, "state": state},
        "no-features": {"config": {k: v for k, v in config.items() if k != "features"}, "state": state},
        "bits-not-int": {"config": {**config, "bits": "sixteen"}, "state": state},
        "nan": {"config": config, "state": {**state, "mean": torch.full_like(state["mean"], float("nan"))}},
        "extra": {"config": config, "state": {**state, "surprise": torch.zeros(2)}},
        "unknown-kind": {"config": {**config, "kind": "quantum"}, "state": state},
        "state-not-tensors": {"config": config, "state": {"mean": "abc"}},
        "deep-without-net": {"config": {**config, "kind": "deep"}, "state": state},
    }
    return {name: _write(tmp_path, payload, f"{name}.pt") for name, payload in cases.items()}


def test_broken_network_files_are_refused_in_one_line_and_never_listed(shelf_library, tmp_path):
    before = {p.name for p in shelf_library.shelf.directory.iterdir()}
    for name, path in _broken_files(shelf_library, tmp_path).items():
        with pytest.raises(LibraryError) as caught:
            shelf_library.networks.import_file(path)
        message = str(caught.value)
        assert "\n" not in message and str(path) in message and ".tmp" not in message, (name, message)
        assert [n.name for n in shelf_library.networks.all()] == ["own"], name
        assert {p.name for p in shelf_library.shelf.directory.iterdir()} == before, name


def test_network_files_carry_a_checksum_and_a_changed_one_is_refused(shelf_library, tmp_path):
    payload = _payload(shelf_library)
    assert isinstance(payload.get("checksum"), str)
    payload["state"]["mean"][0] += 1.0  # same shape, same everything but one value
    tampered = _write(tmp_path, payload, "tampered.pt")
    with pytest.raises(LibraryError, match="checksum does not match"):
        shelf_library.networks.import_file(tampered)
    assert [n.name for n in shelf_library.networks.all()] == ["own"]


def test_a_network_file_of_todays_version_without_a_checksum_still_imports(shelf_library, tmp_path):
    old = _write(tmp_path, _without_checksum(_payload(shelf_library)), "old.pt")
    info = shelf_library.networks.import_file(old, name="old")
    drain(shelf_library.encode(info.id))
    assert shelf_library.codes_ready(info.id)


def test_a_deep_network_file_with_a_missing_or_mis_shaped_tensor_is_refused(tmp_path, one_torch_thread):
    import torch
    from generators import run_to_end

    from hashview.core.methods import get_method
    from hashview.core.methods.deep import DeepRun, fit_deep
    from hashview.core.methods.hasher import DeepHasher, load_hasher
    from hashview.core.nets.network_file import NetworkFileError

    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (32, 16, 16, 3)).astype(np.uint8)
    _events, (model, _stats) = run_to_end(
        fit_deep(
            get_method("dshsre"),
            x,
            np.arange(32) % 4,
            ["a", "b", "c", "d"],
            DeepRun(bits=16, epochs=1, batch_size=16),
            "cpu",
            None,
            None,
        )
    )
    DeepHasher(model.config, model).save(tmp_path / "good.pt")
    assert load_hasher(tmp_path / "good.pt").n_bits == 16
    payload = _without_checksum(torch.load(tmp_path / "good.pt", weights_only=True))
    state = payload["state"]
    last = sorted(k for k in state if state[k].ndim == 2)[-1]
    cases = {
        "missing": {k: v for k, v in state.items() if k != last},
        "mis-shaped": {**state, last: state[last][:-1]},
    }
    for name, broken in cases.items():
        path = _write(tmp_path, {**payload, "state": broken}, f"{name}.pt")
        with pytest.raises(NetworkFileError, match="cannot rebuild its network"):
            load_hasher(path)
    wrong_bits = _write(tmp_path, {**payload, "config": {**payload["config"], "bits": 24}}, "bits.pt")
    with pytest.raises(NetworkFileError):
        load_hasher(wrong_bits)
