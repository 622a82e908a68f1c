"""Scanning: what counts as an image file, what is skipped and why, and no loops."""

from __future__ import annotations

import os
import sys

import imagefactory as factory
import pytest

from hashview.core.catalog import scan as scan_mod
from hashview.core.catalog.scan import label_of, relative_path, scan_folder

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names and links")


def _rels(result, root):
    return [relative_path(p, root) for p in result.files]


def test_finds_images_recursively_sorted_case_insensitive(tmp_path):
    factory.make_photo(tmp_path / "b" / "deep" / "x.JPG")
    factory.make_photo(tmp_path / "a.png", fmt="PNG")
    factory.make_photo(tmp_path / "b" / "y.jpeg")
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "noext").write_bytes(b"x")
    result = scan_folder(tmp_path)
    assert _rels(result, tmp_path) == ["a.png", "b/deep/x.JPG", "b/y.jpeg"]
    assert all(p.is_absolute() for p in result.files)
    assert result.skipped == []


def test_hidden_files_and_folders_are_skipped_silently(tmp_path):
    factory.make_photo(tmp_path / ".thumbs" / "a.jpg")
    factory.make_photo(tmp_path / ".hidden.jpg")
    factory.make_photo(tmp_path / "seen.jpg")
    result = scan_folder(tmp_path)
    assert _rels(result, tmp_path) == ["seen.jpg"]
    assert result.skipped == []


@posix_only
def test_symlink_loop_does_not_hang(tmp_path):
    factory.make_photo(tmp_path / "a" / "p.jpg")
    os.symlink(tmp_path, tmp_path / "a" / "loop")  # back to the root
    os.symlink(tmp_path / "a", tmp_path / "a" / "self")  # to itself
    result = scan_folder(tmp_path)
    assert _rels(result, tmp_path) == ["a/p.jpg"]


@posix_only
def test_directory_links_are_followed(tmp_path):
    outside = tmp_path / "outside"
    factory.make_photo(outside / "o.jpg")
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(outside, root / "linked")
    os.symlink(root / "missing.jpg", root / "broken.jpg")
    result = scan_folder(root)
    assert _rels(result, root) == ["linked/o.jpg"]
    assert result.skipped == [("broken.jpg", "broken link")]


@posix_only
def test_non_utf8_file_name_is_listed_not_returned(tmp_path):
    bad = os.fsencode(tmp_path) + b"/caf\xe9.jpg"
    factory.make_photo(bad)
    factory.make_photo(tmp_path / "ok.jpg")
    result = scan_folder(tmp_path)
    assert _rels(result, tmp_path) == ["ok.jpg"]
    assert result.skipped == [("caf\\xe9.jpg", "file name is not valid UTF-8")]


@posix_only
def test_unreadable_folder_is_skipped_with_a_reason(tmp_path, monkeypatch):
    factory.make_photo(tmp_path / "locked" / "a.jpg")
    factory.make_photo(tmp_path / "open" / "b.jpg")
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(scan_mod.os, "scandir", scandir)
    result = scan_folder(tmp_path)
    assert _rels(result, tmp_path) == ["open/b.jpg"]
    assert result.skipped == [("locked", "unreadable folder: permission denied")]
    assert result.unreadable == ["locked"]


def test_missing_root_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        scan_folder(tmp_path / "nope")
    f = factory.make_photo(tmp_path / "file.jpg")
    with pytest.raises(NotADirectoryError):
        scan_folder(f)


def test_labels_from_first_level_folders():
    assert label_of("cats/a.jpg") == "cats"
    assert label_of("cats/kittens/b.jpg") == "cats"
    assert label_of("loose.jpg") is None
