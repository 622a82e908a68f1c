"""``hashview dups F --trash [--yes]``: the headless clean-up, end to end through the real system trash.

A real ``hashview`` process indexes a folder with identical copies, a renamed
backup and a symlinked copy; the dry run lists what would move; ``--yes``
moves exactly that to the trash (``private_trash`` keeps it in the test's
folder), keeps the originals untouched and updates the catalog.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from imagefactory import make_photo

from hashview.cli import main


def hashview(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hashview", *argv], capture_output=True, text=True, timeout=300, env=os.environ.copy()
    )


def messy_library(root: Path) -> dict[str, Path]:
    """Originals with the copies people make: a renamed backup, a '(1)' download, a symlinked album entry."""
    silk = make_photo(root / "originals" / "2019" / "Silk.jpg", (120, 90), seed=1)
    backup = root / "Backup 2019" / "IMG_1812.jpg"
    backup.parent.mkdir()
    shutil.copy2(silk, backup)
    beach = make_photo(root / "photos" / "beach.jpg", (120, 90), seed=2)
    download = root / "photos" / "beach (1).jpg"
    shutil.copy2(beach, download)
    real = make_photo(root / "a_photos" / "IMG_0002.jpg", (120, 90), seed=3)
    link = root / "z_album" / "best.jpg"
    link.parent.mkdir()
    link.symlink_to(os.path.relpath(real, link.parent))
    lone = make_photo(root / "lone.jpg", (120, 90), seed=4)
    return {
        "silk": silk,
        "backup": backup,
        "beach": beach,
        "download": download,
        "real": real,
        "link": link,
        "lone": lone,
    }


def test_dry_run_then_yes_moves_exactly_the_listed_copies_to_the_real_trash(tmp_path, private_trash):
    root = tmp_path / "lib"
    files = messy_library(root)
    contents = {name: path.read_bytes() for name, path in files.items()}
    assert hashview("index", str(root)).returncode == 0

    dry = hashview("dups", str(root), "--exact", "--trash", "--json")
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["dry_run"] is True and plan["moved"] == []
    listed = sorted(m for g in plan["groups"] for m in g["move"])
    assert listed == sorted(str(files[n]) for n in ("backup", "download", "link"))
    assert {g["keep"] for g in plan["groups"]} == {str(files[n]) for n in ("silk", "beach", "real")}
    assert all(g["why"] for g in plan["groups"]) and plan["groups"][0]["refused"] is None
    assert all(files[n].exists() for n in files) and not private_trash.exists()  # a dry run moves nothing

    done = hashview("dups", str(root), "--exact", "--trash", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    moved = json.loads(done.stdout)["moved"]
    assert sorted(m["path"] for m in moved) == listed
    for name in ("silk", "beach", "real", "lone"):  # the keepers are untouched
        assert files[name].is_file() and not files[name].is_symlink() and files[name].read_bytes() == contents[name]
    for name in ("backup", "download", "link"):
        assert not files[name].exists() and not files[name].is_symlink()
    in_trash = {Path(m["trash_path"]).name: Path(m["trash_path"]) for m in moved}
    assert sorted(in_trash) == sorted(files[n].name for n in ("backup", "download", "link"))
    assert in_trash["best.jpg"].is_symlink()  # the link went, not the photo it names
    assert in_trash["IMG_1812.jpg"].read_bytes() == contents["backup"]
    assert len(list((private_trash / "info").iterdir())) == 3

    after = hashview("dups", str(root), "--exact", "--json")
    assert after.returncode == 0 and json.loads(after.stdout) == []  # the catalog forgot what moved


def test_human_output_says_what_stays_and_why(tmp_path, private_trash, capsys):
    root = tmp_path / "lib"
    files = messy_library(root)
    assert main(["index", str(root)]) == 0
    capsys.readouterr()
    assert main(["dups", str(root), "--exact", "--trash"]) == 0
    out = capsys.readouterr().out
    assert f"keep {files['silk']}" in out and "copy marks" in out
    assert f"move {files['link']}  (link: only the link moves)" in out
    assert "would move 3 files" in out and "--yes" in out


def test_reference_folders_and_misuse(tmp_path, private_trash, capsys):
    root = tmp_path / "lib"
    files = messy_library(root)
    assert main(["index", str(root)]) == 0
    capsys.readouterr()
    # a reference folder is never moved from: its copy is kept instead
    assert main(["dups", str(root), "--exact", "--trash", "--json", "--reference", str(root / "Backup 2019")]) == 0
    plan = json.loads(capsys.readouterr().out)
    silk_group = next(g for g in plan["groups"] if str(files["backup"]) in (g["keep"], *g["move"]))
    assert silk_group["keep"] == str(files["backup"]) and silk_group["why"] == "it is in a reference folder"
    assert main(["dups", str(root), "--exact", "--yes"]) == 2
    assert "go with --trash" in capsys.readouterr().err


def test_a_large_clean_up_of_near_duplicates_is_refused_without_allow_large(tmp_path, private_trash, capsys):
    """A network that cannot tell photos apart puts unrelated photos in one group: --yes stops and says so."""
    root = tmp_path / "lib"
    for n in range(16):
        make_photo(root / f"p{n:02d}.jpg", (64, 48), seed=n)
    assert main(["index", str(root)]) == 0
    assert main(["train", str(root), "--method", "lsh", "--bits", "8"]) == 0
    capsys.readouterr()
    assert main(["dups", str(root), "--radius", "8", "--trash", "--yes"]) == 1  # radius 8 of 8 bits: one group
    err = capsys.readouterr().err
    assert "15 of 16 photos" in err and "--allow-large" in err
    assert len(list(root.iterdir())) == 16 and not private_trash.exists()
    assert main(["dups", str(root), "--radius", "8", "--trash", "--yes", "--allow-large", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["moved"]) == 15 and len(list(root.iterdir())) == 1


def test_identical_files_are_never_a_large_clean_up(tmp_path, private_trash, capsys):
    root = tmp_path / "lib"
    original = make_photo(root / "a.jpg", (64, 48), seed=9)
    for n in range(12):
        shutil.copy2(original, root / f"a copy {n}.jpg")
    assert main(["index", str(root)]) == 0
    capsys.readouterr()
    assert main(["dups", str(root), "--exact", "--trash", "--yes", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["moved"]) == 12 and [p.name for p in root.iterdir()] == ["a.jpg"]


def test_a_group_only_a_path_would_decide_is_left_alone_as_in_the_app(tmp_path, private_trash, capsys):
    """Two byte-identical files that tie on every keep rule (same time, same name, folders of one length):
    neither is guessed to be the original; the other groups are cleaned up and the exit status stays 0."""
    root = tmp_path / "lib"
    files = messy_library(root)
    twin_a = make_photo(root / "a" / "x.jpg", (120, 90), seed=5)
    twin_b = root / "b" / "x.jpg"
    twin_b.parent.mkdir()
    shutil.copy2(twin_a, twin_b)
    os.utime(twin_b, ns=(twin_a.stat().st_atime_ns, twin_a.stat().st_mtime_ns))
    assert main(["index", str(root)]) == 0
    capsys.readouterr()

    assert main(["dups", str(root), "--exact", "--trash", "--json"]) == 0
    captured = capsys.readouterr()
    plan = json.loads(captured.out)
    twins = [g for g in plan["groups"] if g["undecided"]]
    assert len(twins) == 1 and twins[0]["move"] == [] and "tie on every rule" in twins[0]["undecided"]
    assert twins[0]["keep"] in {str(twin_a), str(twin_b)}
    assert "1 group left alone" in captured.err and "--prefer" in captured.err

    assert main(["dups", str(root), "--exact", "--trash"]) == 0
    assert "left alone (the keep rules cannot choose" in capsys.readouterr().out

    assert main(["dups", str(root), "--exact", "--trash", "--yes", "--json"]) == 0
    moved = {m["path"] for m in json.loads(capsys.readouterr().out)["moved"]}
    assert moved == {str(files[n]) for n in ("backup", "download", "link")}
    assert twin_a.is_file() and twin_b.is_file()  # the undecided group: untouched
