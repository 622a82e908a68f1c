"""The system libraries Qt needs: one message naming the packages, before Qt's own cryptic one."""

from __future__ import annotations

import logging
import struct
import sys
from pathlib import Path

import pytest

from hashview import app, system_libraries
from hashview.system_libraries import QT_LIBRARIES, XCB_LIBRARIES, SystemLibrary

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's system libraries are a Linux matter")


def absent(*sonames: str):
    """A lookup that finds every library but ``sonames``."""
    return lambda soname: soname not in sonames


def test_the_message_names_the_packages_of_the_missing_libraries():
    missing = system_libraries.missing_libraries(
        QT_LIBRARIES + XCB_LIBRARIES, absent("libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    )
    message = system_libraries.install_message(missing)
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in message
    assert [line.strip() for line in message.splitlines() if "apt" in line] == [
        "sudo apt install libxcb-icccm4 libxcb-keysyms1"
    ]


def test_a_package_with_two_missing_libraries_is_named_once():
    missing = system_libraries.missing_libraries(QT_LIBRARIES, absent("libglib-2.0.so.0", "libgthread-2.0.so.0"))
    assert "sudo apt install libglib2.0-0\n" in system_libraries.install_message(missing)


@linux_only
def test_offscreen_needs_no_x_libraries_and_xcb_needs_them():
    offscreen = system_libraries.missing_message({"QT_QPA_PLATFORM": "offscreen"}, absent("libxcb-icccm.so.4"))
    xcb = system_libraries.missing_message({"QT_QPA_PLATFORM": "xcb"}, absent("libxcb-icccm.so.4"))
    unset = system_libraries.missing_message({}, absent("libxcb-icccm.so.4"))
    wayland = system_libraries.missing_message(
        {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, absent("libxcb-icccm.so.4")
    )
    assert offscreen is None and wayland is None
    assert xcb == unset and "libxcb-icccm4" in xcb
    assert "libegl1" in system_libraries.missing_message({"QT_QPA_PLATFORM": "offscreen"}, absent("libEGL.so.1"))


@linux_only
def test_the_real_loader_finds_a_system_library_and_not_an_invented_one():
    assert system_libraries.can_load("libc.so.6")
    assert not system_libraries.can_load("libhashview-no-such-library.so.0")
    nowhere = SystemLibrary("libhashview-no-such-library.so.0", "hashview-nothing")
    assert system_libraries.missing_libraries([nowhere]) == [nowhere]


def test_nothing_is_needed_off_linux(monkeypatch):
    monkeypatch.setattr(system_libraries.sys, "platform", "win32")
    assert system_libraries.missing_message({"QT_QPA_PLATFORM": "xcb"}, absent("libGL.so.1")) is None


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    before = list(root.handlers)
    yield
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()


@linux_only
def test_the_app_prints_the_one_message_instead_of_starting_qt(monkeypatch, capsys, restore_logging):
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(system_libraries, "can_load", absent("libxcb-icccm.so.4", "libxcb-keysyms.so.1"))
    monkeypatch.setattr(app, "create_application", lambda: pytest.fail("Qt was started"))
    assert app.main([]) == 1
    err = capsys.readouterr().err
    assert err.count("sudo apt install") == 1
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in err


def needed(path: Path) -> list[str]:
    """The ``NEEDED`` entries of a 64-bit little-endian ELF file (what the loader must find)."""
    data = path.read_bytes()
    assert data[:6] == b"\x7fELF\x02\x01", f"{path} is not a 64-bit little-endian ELF file"
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    dynamic = next(s for s in sections if s[1] == 6)  # SHT_DYNAMIC
    strtab = sections[dynamic[6]]  # its sh_link: the string table
    names = []
    for offset in range(dynamic[4], dynamic[4] + dynamic[5], 16):
        tag, value = struct.unpack_from("<qQ", data, offset)
        if tag == 0:
            break
        if tag == 1:  # DT_NEEDED
            start = strtab[4] + value
            names.append(data[start : data.index(b"\0", start)].decode())
    return names


EVERY_SYSTEM_HAS = {
    "libc.so.6",
    "libm.so.6",
    "libstdc++.so.6",
    "libgcc_s.so.1",
    "libpthread.so.0",
    "libdl.so.2",
    "libz.so.1",
    "libzstd.so.1",
}


@linux_only
def test_the_lists_cover_what_the_installed_qt_needs():
    qt = Path(pytest.importorskip("PySide6").__file__).parent / "Qt"
    files = [
        qt / "plugins" / "platforms" / "libqxcb.so",
        qt / "lib" / "libQt6XcbQpa.so.6",
        qt / "lib" / "libQt6Gui.so.6",
        qt / "lib" / "libQt6DBus.so.6",
        qt / "lib" / "libQt6Widgets.so.6",
    ]
    wanted = {
        name
        for file in files
        for name in needed(file)
        if not name.startswith(("libQt6", "libicu", "ld-linux")) and name not in EVERY_SYSTEM_HAS
    }
    listed = {library.soname for library in QT_LIBRARIES + XCB_LIBRARIES}
    assert wanted - listed == set(), "PySide6 needs libraries hashview/system_libraries.py does not list"
    assert "libxcb-icccm.so.4" in wanted  # the parser reads the real plugin, not an empty list


def load_dev():
    import importlib.util

    spec = importlib.util.spec_from_file_location("dev", Path(__file__).resolve().parent.parent / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@linux_only
def test_dev_py_stops_for_the_app_and_warns_for_the_tests(monkeypatch, capsys):
    dev = load_dev()
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(system_libraries, "can_load", absent("libxcb-keysyms.so.1"))
    dev.check_system_libraries("test")  # the tests run offscreen: a warning, no stop
    assert "sudo apt install libxcb-keysyms1" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stopped:
        dev.check_system_libraries("app")
    assert "sudo apt install libxcb-keysyms1" in str(stopped.value.code)
    monkeypatch.setattr(system_libraries, "can_load", absent("libEGL.so.1"))
    with pytest.raises(SystemExit, match="libegl1"):
        dev.check_system_libraries("test")  # offscreen Qt needs it too
