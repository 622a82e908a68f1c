"""Build hashview's one-folder bundle with PyInstaller, then start it to its window and time it.

    .venv/bin/python packaging/build_app.py [--python PY] [--without-torch] [--skip-build] [--runs N]

A benchmark-style check, not part of CI (a build takes minutes and a GB or more).
It installs PyInstaller into the build environment when it is missing, checks
that the disk has room for the bundle first, builds ``packaging/hashview.spec``
into ``build/bundle/dist/hashview/``, then starts the bundle with
``--exit-after-window`` under a private Xvfb (offscreen when Xvfb is missing)
and prints the bundle's size and the time to its window. With torch in the
bundle it also runs ``hashview index`` on three generated photos, which loads
torch and the shipped network inside the bundle. Exits non-zero on any failure.

The bundle carries the build environment's torch: use one with PyTorch's CPU
wheel (``pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu``);
the CUDA wheel drags about 3 GB of NVIDIA libraries along (see the spec).
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "hashview.spec"
OUT = ROOT / "build" / "bundle"
GB = 1024**3


def default_python() -> Path:
    venv = ROOT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    return venv if venv.exists() else Path(sys.executable)


def say(text: str) -> None:
    print(f"build_app: {text}", flush=True)


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def site_packages(python: Path) -> Path:
    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())


def torch_is_cuda(python: Path) -> bool:
    """Whether the environment's torch is the CUDA wheel (it requires nvidia-* packages); torch is not imported."""
    code = "import importlib.metadata as m; print(any('nvidia' in r for r in (m.requires('torch') or [])))"
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
    return out.stdout.strip() == "True"


def estimated_bundle_bytes(site: Path, with_torch: bool, cuda: bool) -> int:
    """What the bundle will hold, from the sizes of what it collects (torch's headers and tests excepted)."""
    total = 400 * 1024**2  # Python, Qt's libraries and plugins, numpy, Pillow, pyqtgraph, hashview: measured ~350 MB
    if with_torch:
        torch = site / "torch"
        total += tree_size(torch) - sum(
            tree_size(torch / d) for d in ("include", "test", "testing") if (torch / d).exists()
        )
        total += tree_size(site / "torchvision") if (site / "torchvision").exists() else 0
        if cuda and (site / "nvidia").exists():
            total += tree_size(site / "nvidia")
    return total


def ensure_pyinstaller(python: Path) -> None:
    if subprocess.run([str(python), "-m", "PyInstaller", "--version"], capture_output=True).returncode == 0:
        return
    say("installing PyInstaller into the build environment")
    subprocess.run([str(python), "-m", "pip", "install", "pyinstaller"], check=True)


def build(python: Path, with_torch: bool) -> None:
    env = dict(os.environ, HASHVIEW_BUNDLE_TORCH="1" if with_torch else "0")
    cmd = [str(python), "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN"]
    cmd += ["--distpath", str(OUT / "dist"), "--workpath", str(OUT / "work"), str(SPEC)]
    say("+ " + " ".join(cmd))
    subprocess.run(cmd, check=True, cwd=ROOT, env=env)


def start_display() -> tuple[subprocess.Popen[bytes] | None, dict[str, str]]:
    """A private Xvfb and the environment that points Qt at it; offscreen Qt when there is no Xvfb."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        say("no Xvfb: starting the bundle with QT_QPA_PLATFORM=offscreen")
        return None, {"QT_QPA_PLATFORM": "offscreen"}
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        display = pipe.readline().strip()
    if not display:
        server.kill()
        raise SystemExit("build_app: Xvfb did not start")
    return server, {"QT_QPA_PLATFORM": "xcb", "DISPLAY": f":{display}"}


def time_to_window(app: Path, env: dict[str, str], timeout: float) -> float:
    """Seconds from starting the bundle to its ``hashview: window shown`` line (the app then quits by itself)."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(app), "--exit-after-window"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise SystemExit(f"build_app: no window within {timeout:.0f} s") from None
    took = time.perf_counter() - start
    if proc.returncode != 0 or b"hashview: window shown" not in out:
        sys.stderr.write(err.decode(errors="replace")[-4000:])
        raise SystemExit(f"build_app: the bundle exited with status {proc.returncode} before its window showed")
    return took


def png(path: Path, rgb: tuple[int, int, int], size: int = 64) -> None:
    """A plain PNG, written without any imaging library (the build script needs none)."""
    rows = b"".join(b"\0" + bytes(rgb) * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    )


def index_check(app: Path, env: dict[str, str], timeout: float) -> float:
    """Run ``hashview index`` in the bundle on three photos: torch and the shipped network load inside it."""
    folder = Path(env["HASHVIEW_HOME"]) / "photos"
    folder.mkdir()
    for name, rgb in (("red.png", (200, 30, 30)), ("green.png", (30, 200, 30)), ("blue.png", (30, 30, 200))):
        png(folder / name, rgb)
    start = time.perf_counter()
    done = subprocess.run([str(app), "index", str(folder)], env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"build_app: 'hashview index' in the bundle exited with status {done.returncode}")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", type=Path, default=default_python(), help="the build environment's python")
    parser.add_argument("--without-torch", action="store_true", help="leave torch out (a start-up check only)")
    parser.add_argument("--skip-build", action="store_true", help="only start the bundle already built")
    parser.add_argument("--runs", type=int, default=2, help="starts to time (the first is from a cold cache)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the window")
    args = parser.parse_args(argv)
    with_torch = not args.without_torch
    app = OUT / "dist" / "hashview" / ("hashview.exe" if os.name == "nt" else "hashview")

    if not args.skip_build:
        site = site_packages(args.python)
        cuda = with_torch and torch_is_cuda(args.python)
        if cuda:
            say("this environment's torch is the CUDA wheel: the bundle will carry its NVIDIA libraries too")
        need = estimated_bundle_bytes(site, with_torch, cuda)
        OUT.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(OUT).free
        say(f"the bundle will take about {need / GB:.1f} GB; {free / GB:.1f} GB free")
        if free < need + GB:  # the work folder and some room for everyone else
            say(
                f"not enough disk: need about {(need + GB) / GB:.1f} GB. Build from an environment with "
                "torch's CPU wheel, or use --without-torch to check only the start-up"
            )
            return 3
        ensure_pyinstaller(args.python)
        started = time.perf_counter()
        build(args.python, with_torch)
        say(f"built in {time.perf_counter() - started:.0f} s")
    if not app.exists():
        say(f"no bundle at {app}")
        return 1

    size = tree_size(app.parent)
    server, display = start_display()
    try:
        with tempfile.TemporaryDirectory(prefix="hashview-bundle-home-") as home:
            env = dict(os.environ, HASHVIEW_HOME=home, **display)
            times = [time_to_window(app, env, args.timeout) for _ in range(max(1, args.runs))]
            indexed = index_check(app, env, args.timeout * 5) if with_torch else None
    finally:
        if server is not None:
            server.terminate()
            server.wait()
    say(f"bundle: {app.parent} ({size / GB:.2f} GB, {size / 1024**2:.0f} MB)")
    say("time to window: " + ", ".join(f"{t:.2f} s" for t in times) + f" ({display['QT_QPA_PLATFORM']})")
    if indexed is not None:
        say(f"'hashview index' on 3 photos in the bundle (torch and the shipped network): {indexed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
