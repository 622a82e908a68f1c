"""The duplicates explorer: groups, compare, difference, decisions, radius, keys.

Runs on a small fake library with the engine's API (real files on disk, so
the compare and difference decode real pictures); ``FakeLibrary`` is shared
with ``test_ui_trash``.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from imagefactory import make_near_duplicate, make_photo
from PIL import Image
from PySide6.QtCore import QSettings, Qt

from hashview.core.catalog.records import Entry
from hashview.core.duplicates.finder import DuplicateGroup
from hashview.core.duplicates.keep_rules import KeepPolicy
from hashview.core.duplicates.radius import RadiusAdvice
from hashview.core.events import Finished
from hashview.core.train.pipeline import TrainOptions
from hashview.ui.duplicates.controller import DuplicatesController
from hashview.ui.duplicates.explorer_view import DuplicatesExplorer
from hashview.ui.duplicates.groups_model import GroupsModel, MembersModel, make_rows
from hashview.ui.session import LibrarySession
from hashview.ui.widgets.progress_strip import ProgressStrip
from hashview.ui.widgets.radius_control import EXACT


class FakeNetworks:
    """``library.networks`` of the fake: one current network and nothing else."""

    def current(self):
        return SimpleNamespace(id="fake-64", bits=64, name="fake")


class FakeDuplicates:
    """``library.duplicates`` of the fake: fixed groups, which "different" decisions split."""

    def __init__(self, library: FakeLibrary):
        self.library = library

    def suggested_radius(self, network=None):
        return 3

    def advice(self, network=None):
        return RadiusAdvice(3, 3)

    def profile(self, network=None, radii=None):
        return [
            {
                "radius": r,
                "groups": len(self.library.groups) + r,
                "pairs": 5 + r,
                "precision": 0.95 - 0.05 * r if r < 5 else None,
                "judged": 2 * r if r < 5 else 0,
            }
            for r in range(9)
        ]

    def groups(self, network=None, radius=None, exact=False):
        library = self.library
        library.calls.append("exact" if exact else radius)
        different = {frozenset((a, b)) for a, b, v in library.decided if v == "different"}
        out = []
        for members in library.groups:
            alive = [p for p in members if p not in library.forgotten and p.exists()]
            alive = [p for p in alive if not all(frozenset((p, q)) in different for q in alive if q != p)]
            if len(alive) >= 2:
                out.append(DuplicateGroup(alive, [library.ids[p] for p in alive], 0 if exact else 2))
        return out


class FakeDecisions:
    """``library.decisions`` of the fake: a list of (path, path, verdict)."""

    def __init__(self, library: FakeLibrary):
        self.library = library

    def record(self, a, b, verdict):
        self.library.decided.append((Path(a), Path(b), verdict))

    def all(self):
        return list(self.library.decided)


class FakeLibrary:
    """The engine's duplicates API over real files: fixed groups, decisions split them.

    Its managers (``networks``, ``duplicates``, ``decisions``) are declared as
    class annotations, so ``test_suite_hygiene`` checks them against the real
    library's managers.
    """

    networks: FakeNetworks
    duplicates: FakeDuplicates
    decisions: FakeDecisions

    def __init__(self, root: Path):
        self.root = root
        self.files = {}
        self.groups = []
        self.decided = []
        self.forgotten = set()
        self.calls = []
        for g in range(3):
            original = make_photo(root / f"g{g}" / "original.jpg", (96, 72), seed=g)
            members = [original]
            for c in range(2 if g else 1):
                members.append(make_near_duplicate(original, root / f"g{g}" / f"copy{c}.jpg", scale=0.8 - 0.1 * c))
            self.groups.append(members)
        make_photo(root / "alone.jpg", (96, 72), seed=99)
        self.ids = {}
        for path in sorted(root.rglob("*.jpg")):
            self.ids[path] = len(self.ids) + 1
        self.networks = FakeNetworks()
        self.duplicates = FakeDuplicates(self)
        self.decisions = FakeDecisions(self)

    def entries(self):
        out = []
        for path, i in self.ids.items():
            if path in self.forgotten or not path.exists():
                continue
            with Image.open(path) as img:
                w, h = img.size
            st = path.stat()
            out.append(
                Entry(i, str(path.relative_to(self.root)), path, st.st_size, st.st_mtime_ns, "", w, h, 1, None, None)
            )
        return out

    def thumbnail(self, file_id):
        path = next(p for p, i in self.ids.items() if i == file_id)
        if not path.exists():
            return None
        buf = io.BytesIO()
        with Image.open(path) as img:
            img.convert("RGB").save(buf, "JPEG")
        return buf.getvalue()

    def forget(self, paths):
        self.forgotten |= {Path(p) for p in paths}

    def index(self, cancel=None):
        self.forgotten = {p for p in self.forgotten if not p.exists()}
        yield Finished({"indexed": len(self.ids)})


def real_library(root: Path):
    """The real engine on 3 groups of a picture and two edited copies, plus 6 lone pictures."""
    from hashview.core.library import Library

    for g in range(3):
        original = make_photo(root / f"g{g}" / "original.jpg", (96, 72), seed=g)
        for c in range(2):
            make_near_duplicate(original, root / f"g{g}" / f"copy{c}.jpg", scale=0.9 - 0.1 * c, quality=85)
    for k in range(6):
        make_photo(root / f"other{k}.jpg", (96, 72), seed=50 + k)
    library = Library.open(root)
    for _event in library.index():
        pass
    for _event in library.train(TrainOptions(method="itq", bits=32)):
        pass
    return library


def build(qtbot, tmp_path, library=None):
    """An explorer and its controller over the real engine (or ``library``), opened in a session, scanned once."""
    library = library or real_library(tmp_path / "photos")

    explorer = DuplicatesExplorer()
    qtbot.addWidget(explorer)
    explorer.resize(1200, 760)
    explorer.show()  # shortcuts need a shown, active window with the focus inside
    explorer.activateWindow()
    qtbot.waitUntil(explorer.isActiveWindow)
    explorer.groups_view.setFocus()
    strip = ProgressStrip()
    explorer.layout().addWidget(strip)  # a top-level strip would take the activation on every job
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    session = LibrarySession(settings, strip, open_library=lambda _folder: library, parent=explorer)
    controller = DuplicatesController(explorer, session, explorer)
    assert session.open(library.root) and controller.library is library
    with qtbot.waitSignal(controller.scanned, timeout=20_000):
        controller.scan()
    return library, explorer, controller


def test_lists_groups_and_compares_two_copies(qtbot, tmp_path):
    library, explorer, _controller = build(qtbot, tmp_path)
    assert explorer.groups_model.rowCount() == 3
    assert explorer.radius.value() == library.duplicates.suggested_radius()
    assert "3 groups" in explorer.radius.summary.text() and "suggested" in explorer.radius.summary.text()
    group = explorer.current_group()
    assert {Path(m.path).parent.name for m in group.members} == {group.keeper.path.parent.name}
    assert group.keeper.path.name == "original.jpg"  # highest resolution wins
    with qtbot.waitSignal(explorer.compare_shown, timeout=10_000) as shown:
        explorer.select_member(2)
    left, right = shown.args
    assert left is group.keeper and right is group.members[2]
    assert explorer.left.has_image() and explorer.right.has_image()
    assert "96 × 72" in explorer.left_meta.values["resolution"].text()
    assert "<b>" in explorer.right_meta.values["resolution"].text()  # the copies differ there
    # synced zoom: zooming the left pane zooms the right one to the same place
    explorer.left.set_zoom(4.0)
    assert explorer.right.zoom == pytest.approx(4.0)
    fx, fy = explorer.left.centre_fraction()
    assert explorer.right.centre_fraction() == pytest.approx((fx, fy), abs=0.05)
    # the difference view, computed in a worker
    with qtbot.waitSignal(explorer.difference_shown, timeout=10_000) as diff:
        qtbot.keyClick(explorer, Qt.Key.Key_D)
    assert 0.0 < diff.args[0] < 0.5 and explorer.right.has_image()
    # keyboard: next group, sort by distance
    qtbot.keyClick(explorer, Qt.Key.Key_N)
    assert explorer.groups_view.currentIndex().row() == 1
    explorer.set_sort("closest")
    assert explorer.groups_model.sort_key == "closest" and explorer.current_group() is not None


def test_not_a_match_and_same_picture_are_recorded(qtbot, tmp_path):
    library, explorer, controller = build(qtbot, tmp_path)
    explorer.select_group(0)
    group = explorer.current_group()
    explorer.select_member(1)
    member = explorer.current_member()
    with qtbot.waitSignal(controller.scanned, timeout=20_000):
        qtbot.keyClick(explorer, Qt.Key.Key_X)
    assert {(frozenset((a, b)), v) for a, b, v in library.decisions.all()} == {
        (frozenset((member.path, m.path)), "different") for m in group.members if m is not member
    }
    # the group refreshed without the rejected copy, and is still the one on screen
    now = explorer.current_group()
    assert member.path not in now.key() and now.key() < group.key()
    # "same picture" confirms every pair; the precision the slider shows now has evidence
    with qtbot.waitSignal(controller.scanned, timeout=20_000):
        qtbot.keyClick(explorer, Qt.Key.Key_S)
    same = [d for d in library.decisions.all() if d[2] == "same"]
    assert len(same) == 1 and "marks" in explorer.radius.summary.text()
    # remembered across scans and reopenings: the engine keeps them in the catalog
    from hashview.core.library import Library

    again = Library.open(library.root)
    assert len(again.decisions.all()) == len(library.decisions.all())
    assert all(
        member.path not in g.paths
        for g in again.duplicates.groups()
        if len(g.paths) > 1 and set(g.paths) & set(now.key())
    )
    again.close()


def test_radius_precision_text_from_a_profile(qtbot, tmp_path):
    """Radius 3: 6 independent marks, a figure with its evidence; radius 2: 4, no figure yet (issue 22, item 4)."""
    _library, explorer, _controller = build(qtbot, tmp_path, FakeLibrary(tmp_path / "fake"))
    text = explorer.radius.summary.text()
    assert "6 groups" in text and "precision ≈ 80% (from 6 independent marks)" in text
    explorer.radius.slider.setValue(2)
    text = explorer.radius.summary.text()
    assert "4 of 5 marks needed" in text and "≈" not in text


def test_radius_control_scans_and_exact(qtbot, tmp_path):
    library, explorer, controller = build(qtbot, tmp_path, FakeLibrary(tmp_path / "fake"))
    with qtbot.waitSignal(controller.scanned, timeout=20_000):
        explorer.radius.choose(5)
    assert library.calls[-1] == 5 and "precision unknown" in explorer.radius.summary.text()
    with qtbot.waitSignal(controller.scanned, timeout=20_000):
        explorer.radius.choose(EXACT)
    assert library.calls[-1] == "exact" and "Exact copies" in explorer.radius.summary.text()
    assert explorer.radius.bars.counts[:2] == [3, 4]


def test_keep_this_and_rules_change_the_keeper(qtbot, tmp_path):
    library, explorer, controller = build(qtbot, tmp_path)
    explorer.select_group(0)
    explorer.select_member(2)
    chosen = explorer.current_member()
    qtbot.keyClick(explorer, Qt.Key.Key_K)
    assert explorer.current_group().keeper is chosen
    assert chosen not in explorer.current_group().others
    controller.set_policy(KeepPolicy(order=("folder",), preferred=(library.root / "g2",)))
    assert controller.settings.value("duplicates/keep_rules") == controller.policy.to_json()


def test_models_without_a_window(tmp_path):
    library = FakeLibrary(tmp_path / "p")
    entries = {e.id: e for e in library.entries()}
    rows = make_rows(library.duplicates.groups(radius=3), entries, KeepPolicy(reference=(library.root / "g1",)))
    groups = GroupsModel()
    groups.set_rows(rows)
    assert groups.rowCount() == 3 and "copies" in groups.index(0).data()
    protected = next(r for r in rows if r.protected)
    assert all(library.root / "g1" != m.path.parent for m in protected.others)
    members = MembersModel()
    members.set_group(rows[0])
    assert members.index(0).data().startswith("KEEP")


def test_main_window_hook(qtbot, tmp_path):
    from hashview.ui.window.main_window import MainWindow

    window = MainWindow(
        settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
        open_library=lambda folder: FakeLibrary(folder),
    )
    qtbot.addWidget(window)
    texts = [a.text() for m in window.menuBar().actions() for a in m.menu().actions()]
    assert "Find &duplicates…" in texts
    assert window.pages.indexOf(window.duplicates.explorer) >= 0  # a page of the window, not a dock
    main_window_source = Path(sys.modules[MainWindow.__module__].__file__)  # not the working directory's
    assert len(main_window_source.read_text().splitlines()) < 450


@pytest.mark.parametrize(
    "saved_as, suffix, qt_name",
    [("PNG", ".jpg", b"png"), ("JPEG", ".png", b"jpeg"), ("WEBP", ".jpg", b"webp"), ("TIFF", ".jpg", b"tiff")],
)
def test_compare_names_the_format_from_the_file_not_its_suffix(tmp_path, saved_as, suffix, qt_name):
    """A mis-suffixed file is read with its real format named, so no plugin is probed in the worker."""
    from hashview.ui.widgets.image_panes import load_image, sniffed_format

    path = tmp_path / f"photo{suffix}"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(path, format=saved_as)
    assert sniffed_format(path) == qt_name
    image = load_image(path)
    assert (image.width(), image.height()) == (64, 48)
    assert image.pixelColor(32, 24).red() > 150
    garbage = tmp_path / "notes.jpg"
    garbage.write_bytes(b"plain text, not a picture")
    assert sniffed_format(garbage) == b"" and sniffed_format(tmp_path / "missing.jpg") == b""
    assert load_image(garbage).isNull()


def test_not_a_match_takes_a_copys_identical_twin_with_it(qtbot, tmp_path):
    """A copy with a byte-identical twin in its group: "Not a match" separates both from the rest (it was refused
    as a whole, because the twin cannot be "different" from the copy, and nothing was recorded)."""
    import shutil

    root = tmp_path / "photos"
    library = real_library(root)
    shutil.copyfile(root / "g0" / "copy0.jpg", root / "g0" / "copy0 (1).jpg")
    for _event in library.index():
        pass
    for _event in library.encode():
        pass
    library, explorer, controller = build(qtbot, tmp_path, library)
    row = next(
        r
        for r in range(explorer.groups_model.rowCount())
        if any(Path(m.path).name == "copy0 (1).jpg" for m in explorer.groups_model.group(r).members)
    )
    explorer.select_group(row)
    group = explorer.current_group()
    member = next(m for m in group.members if Path(m.path).name == "copy0.jpg")
    with qtbot.waitSignal(controller.scanned, timeout=20_000):
        controller.not_a_match(member)
    twins = {root / "g0" / "copy0.jpg", root / "g0" / "copy0 (1).jpg"}
    recorded = {(frozenset((Path(a), Path(b))), v) for a, b, v in library.decisions.all()}
    others = {Path(m.path) for m in group.members} - twins
    assert others and recorded == {(frozenset((t, o)), "different") for t in twins for o in others}
    assert "Not recorded" not in explorer.status.text()
