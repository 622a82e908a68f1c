"""A folder of every kind of bad file, indexed end to end: no hang, no traceback, one line each.

The corpus is made here, in ``tmp_path``: files that are empty, cut short,
random, text, a FIFO, links to ``/dev/zero``, nowhere and themselves, a folder
with an image name, an unreadable file, decompression bombs, names with
control characters and names that are not UTF-8, beside good pictures in the
modes that need converting. ``hashview index`` runs on it in-process and as a
real subprocess under a timeout, so a hang fails the test instead of blocking
the run. Then ``hashview eval`` on files that are not data sets.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import imagefactory as factory
import numpy as np
import pytest
from PIL import Image

from hashview.cli import main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, links and POSIX file names")

# Raw control characters that must never reach a terminal: C0 but the line
# break, DEL, C1 (ESC and CSI included), bidi overrides.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
EVIL_GOOD = "evil\n\x1b[31mred\rname\u202e.jpg"  # a good picture with a hostile name
EVIL_BAD = "bad\x1b]0;owned\x07\nskipped fake.jpg: lie.jpg"  # a bad file with a hostile name


def _png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _corrupt_exif_jpeg(path: Path) -> Path:
    """A good JPEG whose EXIF block is cut short (Pillow warns "Tag data larger than file")."""
    exif = Image.Exif()
    exif[270] = "a description long enough to be stored at an offset " * 3
    raw = exif.tobytes()
    factory.photo_image((48, 32), 7).save(path, format="JPEG", quality=90, exif=raw[: len(raw) - 120])
    return path


def build_corpus(root: Path) -> tuple[set[str], dict[str, str]]:
    """Make the corpus; returns (relative paths of the good pictures, {shown bad path: reason part})."""
    root.mkdir(parents=True)
    good: set[str] = set()
    bad: dict[str, str] = {}

    for i, fmt in enumerate(("JPEG", "PNG", "WEBP")):
        name = f"good_{i}.{fmt.lower().replace('jpeg', 'jpg')}"
        factory.make_photo(root / name, (64, 48), seed=i, fmt=fmt)
        good.add(name)
    factory.make_cmyk_jpeg(root / "modes" / "cmyk.jpg")
    factory.make_16bit_png(root / "modes" / "sixteen.png")
    factory.make_palette_png_transparent(root / "modes" / "palette.png")
    factory.make_mode_image(root / "modes" / "float.tif", "F")
    _corrupt_exif_jpeg(root / "modes" / "corrupt_exif.jpg")
    good |= {"modes/cmyk.jpg", "modes/sixteen.png", "modes/palette.png", "modes/float.tif", "modes/corrupt_exif.jpg"}
    factory.make_photo(root / EVIL_GOOD, seed=11)
    good.add(EVIL_GOOD)
    (root / "folder.jpg").mkdir()  # a folder with an image name is a folder: walked, not read
    factory.make_photo(root / "folder.jpg" / "inside.jpg", seed=12)
    good.add("folder.jpg/inside.jpg")

    b = root / "bad"
    factory.make_zero_bytes(b / "empty.jpg")
    bad["bad/empty.jpg"] = "zero bytes"
    factory.make_truncated_jpeg(b / "truncated.jpg")
    bad["bad/truncated.jpg"] = "truncated"
    png = _png_bytes(factory.photo_image((96, 64), 3))
    (b / "truncated.png").write_bytes(png[: len(png) // 2])
    bad["bad/truncated.png"] = "truncated"
    (b / "random.jpg").write_bytes(np.random.default_rng(0).integers(0, 256, 4096, np.uint8).tobytes())
    bad["bad/random.jpg"] = "not an image"
    factory.make_text_as_image(b / "text.png")
    bad["bad/text.png"] = "not an image"
    os.mkfifo(b / "fifo.jpg")
    bad["bad/fifo.jpg"] = "not a regular file (FIFO)"
    os.symlink("/dev/zero", b / "zero.jpg")
    bad["bad/zero.jpg"] = "not a regular file (character device)"
    os.symlink(b / "missing.jpg", b / "dangling.jpg")
    bad["bad/dangling.jpg"] = "broken link"
    os.symlink(b / "loop.jpg", b / "loop.jpg")
    bad["bad/loop.jpg"] = "link loop"
    factory.make_huge_png_header(b / "bomb.png")  # 10 gigapixels: Pillow's own bomb error
    bad["bad/bomb.png"] = "too many pixels"
    factory.make_huge_png_header(b / "bomb_warning.png", 12_000, 11_000)  # 132 Mpx: Pillow only warns
    bad["bad/bomb_warning.png"] = "too many pixels"
    factory.make_huge_png_header(b / "huge_tiny.png", 9_000, 6_000)  # 54 Mpx allowed, 64 bytes of data
    bad["bad/huge_tiny.png"] = "truncated"
    factory.make_text_as_image(b / EVIL_BAD)
    bad["bad/bad\\x1b]0;owned\\x07\\nskipped fake.jpg: lie.jpg"] = "not an image"
    factory.make_photo(os.fsencode(b) + b"/caf\xe9.jpg")
    bad["bad/caf\\xe9.jpg"] = "not valid UTF-8"
    if os.geteuid() != 0:  # root reads everything: chmod 000 stops no one there
        locked = factory.make_photo(b / "locked.jpg")
        locked.chmod(0)
        bad["bad/locked.jpg"] = "permission denied"
    return good, bad


def _check_output(stdout: str, stderr: str, good: set[str], bad: dict[str, str]) -> None:
    assert "Traceback" not in stderr and "Traceback" not in stdout
    assert not RAW_CONTROL.search(stderr), repr(stderr)
    assert not RAW_CONTROL.search(stdout), repr(stdout)
    skip_lines = [line for line in stderr.splitlines() if line.startswith("skipped ")]
    for path, reason in bad.items():
        lines = [line for line in skip_lines if line.startswith(f"skipped {path}: ")]
        assert len(lines) == 1, f"{len(lines)} skip lines for {path!r} in {stderr!r}"
        assert reason in lines[0][len(f"skipped {path}: ") :], lines[0]
    assert len(skip_lines) == len(bad), skip_lines
    summary = json.loads(stdout)
    assert summary["files"] == len(good) and summary["skipped"] == len(bad)


def test_index_in_process_skips_each_bad_file_with_one_line(tmp_path, capsys, caplog):
    root = tmp_path / "corpus"
    good, bad = build_corpus(root)
    assert main(["index", str(root), "--json"]) == 0
    out, err = capsys.readouterr()
    _check_output(out, err, good, bad)
    from hashview.core.library import Library

    with Library.open(root) as lib:
        indexed = {e.relpath for e in lib.entries()}
    assert indexed == good
    # Pillow's complaint about the cut EXIF block is logged, naming the file: by the scan (its path in the
    # library) and again by the encoding that follows it (its full path)
    warned = [
        r.getMessage() for r in caplog.records if r.name == "hashview.core.images.decode" and r.levelname == "WARNING"
    ]
    assert warned and all(
        m.startswith(("modes/corrupt_exif.jpg: ", f"{root}/modes/corrupt_exif.jpg: ")) and "Tag data larger" in m
        for m in warned
    )


def test_index_as_a_subprocess_never_hangs_and_prints_no_traceback(tmp_path):
    root = tmp_path / "corpus"
    good, bad = build_corpus(root)
    env = {**os.environ, "PYTHONWARNINGS": "default"}  # every warning shown, as on a user's terminal
    for _run in range(2):  # the second run: everything known, bad files skipped again
        done = subprocess.run(
            [sys.executable, "-m", "hashview", "index", str(root), "--json"],
            capture_output=True,
            timeout=120,
            env=env,
            check=False,
        )
        stdout, stderr = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
        assert done.returncode == 0, stderr
        _check_output(stdout, stderr, good, bad)
        warning_lines = [
            line for line in stderr.splitlines() if not line.startswith(("skipped ", "index: ", "encode: "))
        ]
        # Pillow's warnings come only as log lines that name their file (the scan's path, the encoding's full one).
        prefix = "WARNING hashview.core.images.decode: "
        assert all(
            line.startswith(
                (f"{prefix}modes/corrupt_exif.jpg: Tag data", f"{prefix}{root}/modes/corrupt_exif.jpg: Tag")
            )
            for line in warning_lines
        ), warning_lines
        assert warning_lines or _run == 1  # the first run decodes it, the second finds it unchanged


def test_human_output_escapes_control_characters(tmp_path, capsys):
    root = tmp_path / "corpus"
    build_corpus(root)
    evil = root / EVIL_GOOD
    twin = root / "twin\x1b[2J.jpg"
    twin.write_bytes(evil.read_bytes())
    assert main(["index", str(root)]) == 0
    assert main(["dups", str(root), "--exact"]) == 0
    out, err = capsys.readouterr()
    assert not RAW_CONTROL.search(out) and not RAW_CONTROL.search(err), (out, err)
    assert "evil\\n\\x1b[31mred\\rname\\u202e.jpg" in out and "twin\\x1b[2J.jpg" in out
    assert main(["dups", str(root), "--exact", "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)  # JSON stays exact: the real names
    assert {str(evil), str(twin)} in [set(g["paths"]) for g in groups]


# ------------------------------------------------------------------ eval


def _eval_cases(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    x, y = np.zeros((20, 8, 8, 3), np.uint8), np.arange(20) % 2
    good = folder / "good.npz"
    np.savez(good, x_train=x, y_train=y)
    whole = good.read_bytes()
    cases = {
        "empty": folder / "empty.npz",
        "truncated": folder / "truncated.npz",
        "not_npz": folder / "text.npz",
        "pickle": folder / "pickle.npz",
        "missing": folder / "missing.npz",
        "npy": folder / "array.npz",
        "objects": folder / "objects.npz",
        "bad_member": folder / "bad_member.npz",
        "fifo": folder / "pipe.npz",
    }
    os.mkfifo(cases["fifo"])  # never opened: it would wait for a writer
    cases["empty"].write_bytes(b"")
    cases["truncated"].write_bytes(whole[: len(whole) // 2])
    cases["not_npz"].write_text("x_train,y_train\n1,2\n")
    cases["pickle"].write_bytes(b"\x80\x04\x95" + b"\x00" * 40)  # looks like a pickle
    np.savez(cases["missing"], images=x, labels=y)
    with open(cases["npy"], "wb") as f:
        np.save(f, x)
    np.savez(cases["objects"], x_train=np.array([{"a": 1}] * 20, dtype=object), y_train=y)
    with zipfile.ZipFile(cases["bad_member"], "w") as z:  # a valid zip holding a damaged array
        z.writestr("x_train.npy", b"\x93NUMPY\x01\x00garbage")
        z.writestr("y_train.npy", b"")
    return cases


@pytest.mark.parametrize(
    "case", ["empty", "truncated", "not_npz", "pickle", "missing", "npy", "objects", "bad_member", "fifo"]
)
def test_eval_on_a_file_that_is_not_a_data_set_is_one_line(tmp_path, capsys, case):
    path = _eval_cases(tmp_path / "data")[case]
    code = main(["eval", str(path), "--method", "itq", "--bits", "16"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = [line for line in err.splitlines() if not line.startswith("load: ")]  # progress
    assert len(lines) == 1 and lines[0].startswith("hashview: ") and path.name in lines[0], err
    assert "allow_pickle" not in err and "Traceback" not in err


# ------------------------------------------------------------ names on a terminal


@pytest.mark.parametrize(
    "name, shown",
    [
        ("plain é 写真 📷.jpg", "plain é 写真 📷.jpg"),
        ("family 👨\u200d👩\u200d👧.jpg", "family 👨\u200d👩\u200d👧.jpg"),  # joiners stay
        ("a\u00a0b\u202fc.jpg", "a\u00a0b\u202fc.jpg"),  # no-break spaces stay
        ("two\nlines\r.jpg", "two\\nlines\\r.jpg"),
        ("\x1b[2J\x1b]0;title\x07.jpg", "\\x1b[2J\\x1b]0;title\\x07.jpg"),
        ("csi\x9b31m\x7f.jpg", "csi\\x9b31m\\x7f.jpg"),  # C1 and DEL
        ("gpj.\u202eexe", "gpj.\\u202eexe"),  # bidi override
        ("line\u2028sep.jpg", "line\\u2028sep.jpg"),
        (os.fsdecode(b"caf\xe9.jpg"), "caf\\xe9.jpg"),  # not UTF-8
    ],
)
def test_printable_escapes_what_could_drive_a_terminal(name, shown):
    from hashview.core.terminal_text import printable

    assert printable(name) == shown
    printable(name).encode("utf-8")  # prints on any UTF-8 terminal


def test_progress_printer_escapes_names_in_skip_and_progress_lines():
    from hashview.cli import ProgressPrinter
    from hashview.core.events import Progress, Skipped

    stream = io.StringIO()
    printer = ProgressPrinter(stream=stream, interval=0.0)
    printer.handle(Skipped("a\nskipped b.jpg: forged\x1b[0m.jpg", "not an image"))
    printer.handle(Progress("index", 1, 2, message="dir/\x1b]0;x\x07.jpg"))
    printed = stream.getvalue()
    assert printed.splitlines() == [
        "skipped a\\nskipped b.jpg: forged\\x1b[0m.jpg: not an image",
        printed.splitlines()[1],
    ]
    assert printed.splitlines()[1].endswith("dir/\\x1b]0;x\\x07.jpg")
    assert not RAW_CONTROL.search(printed)


# ------------------------------------------------------------ crash leftovers


def test_opening_a_library_removes_only_our_stale_temporary_files(tmp_path):
    import time

    from hashview.core import stale_temp
    from hashview.core.library import Library
    from hashview.core.paths import library_dir

    root = tmp_path / "photos"
    factory.make_photo(root / "a.jpg")
    cache = library_dir(root.resolve())
    old = time.time() - stale_temp.STALE_SECONDS - 60
    stale = [
        cache / "codes" / ".itq-64-x.k2j3.tmp",
        cache / "codes" / "itq-64-x.stamps.tmp.npy",
        cache / "networks" / "itq-64-xq9w8e.tmp",
        cache / "networks" / "itq-64-x.pt.a8s7.tmp",
    ]
    fresh = cache / "networks" / "dupnet-128-y.pt.live.tmp"  # a save in progress in another process
    kept = [
        cache / "codes" / "itq-64-x.codes",
        cache / "networks" / "notes.txt",
        cache / "tmp",
        cache / "elsewhere" / "old.tmp",
    ]  # not ours by name, or not in our folders
    for path in stale + kept + [fresh]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    outside = tmp_path / "outside.tmp"
    outside.write_bytes(b"keep me")
    (cache / "codes" / "link.tmp").symlink_to(outside)  # a link is never followed or removed
    (cache / "codes" / "folder.tmp").mkdir()
    for path in [*stale, *kept, outside, cache / "codes" / "folder.tmp"]:
        os.utime(path, (old, old))
    os.utime(cache / "codes" / "link.tmp", (old, old), follow_symlinks=False)

    Library.open(root).close()
    assert not [p for p in stale if p.exists()]
    assert fresh.exists() and all(p.exists() for p in kept)
    assert outside.read_bytes() == b"keep me" and (cache / "codes" / "link.tmp").is_symlink()
    assert (cache / "codes" / "folder.tmp").is_dir()
