"""Search results name each file and mark the likely copies apart from similar pictures (issue 22, item 9)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import Qt

from hashview.ui.search.results_model import ResultsModel


def hits(*distances: int) -> list[SimpleNamespace]:
    return [SimpleNamespace(file_id=k, path=Path(f"/lib/photo_{k}.jpg"), distance=d) for k, d in enumerate(distances)]


def texts(model: ResultsModel, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> list[str]:
    return [model.data(model.index(row, 0), role) for row in range(model.rowCount())]


def test_results_within_the_duplicate_radius_say_copy_and_every_result_names_its_file(qtbot):
    model = ResultsModel()
    model.set_hits(hits(0, 4, 9, 30), copy_radius=9)
    shown = texts(model)
    assert shown == [
        "photo_0.jpg\ncopy · d = 0",
        "photo_1.jpg\ncopy · d = 4",
        "photo_2.jpg\ncopy · d = 9",
        "photo_3.jpg\nd = 30",
    ]
    tips = texts(model, Qt.ItemDataRole.ToolTipRole)
    assert "likely a copy" in tips[0] and "not a copy" in tips[3]


def test_without_a_safe_radius_no_result_is_called_a_copy(qtbot):
    model = ResultsModel()
    model.set_hits(hits(0, 3), copy_radius=None)
    assert texts(model) == ["photo_0.jpg\nd = 0", "photo_1.jpg\nd = 3"]
    assert all("copy" not in tip for tip in texts(model, Qt.ItemDataRole.ToolTipRole))
