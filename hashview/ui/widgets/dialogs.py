"""The About box and the error dialog: small, non-blocking, readable.

The About box lists the versions people are asked for in a bug report. It
names torch and the device only when torch is already loaded (a network was
trained or used): importing it here would cost seconds for an About box.
"""

from __future__ import annotations

import html
import logging
import platform
import sys
from pathlib import Path

from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

logger = logging.getLogger(__name__)


def versions() -> dict[str, str]:
    """Versions of hashview and what it runs on; torch and the device only if loaded."""
    import numpy
    import PySide6

    from hashview import __version__

    found = {
        "hashview": __version__,
        "Python": platform.python_version(),
        "Qt": qVersion(),
        "PySide6": PySide6.__version__,
        "numpy": numpy.__version__,
    }
    graph = sys.modules.get("pyqtgraph")
    if graph is not None:
        found["pyqtgraph"] = graph.__version__
    torch = sys.modules.get("torch")
    if torch is not None:
        found["torch"] = torch.__version__
        if torch.cuda.is_available():
            found["device"] = f"cuda ({torch.cuda.get_device_name(0)})"
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            found["device"] = "mps"
        else:
            found["device"] = "cpu"
    else:
        found["torch"] = "not loaded yet (loads with the first network)"
    return found


def about_text() -> str:
    rows = "".join(f"<tr><td>{k}</td><td>&nbsp;{v}</td></tr>" for k, v in versions().items())
    return (
        "<h3>hashview</h3><p>Browse a folder of photos by learned binary codes: "
        "find similar pictures and near-duplicates instantly.</p>"
        f"<table>{rows}</table><p>{platform.platform()}</p>"
    )


def show_about(parent: QWidget) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, "About hashview", about_text(), parent=parent)
    box.setObjectName("AboutBox")
    box.open()
    return box


def log_file() -> Path:
    from hashview.core.paths import log_dir

    return log_dir() / "hashview.log"


def show_error(parent: QWidget, title: str, message: str, details: str = "") -> QMessageBox:
    """A non-modal error dialog: what failed, the one-line reason, where the log is, the traceback folded.

    What failed is repeated in bold above the reason: some platforms (macOS)
    show no title on a message box.
    """
    box = QMessageBox(QMessageBox.Icon.Warning, title, f"<b>{html.escape(title)}</b>", parent=parent)
    box.setObjectName("ErrorBox")
    box.setInformativeText(f"{message}\n\nhashview keeps running. The details are in the log:\n{log_file()}")
    label = box.findChild(QLabel, "qt_msgbox_informativelabel")
    if label is not None:  # wide enough for the log's path on one line (Qt would break it at a slash)
        label.setMinimumWidth(min(label.fontMetrics().horizontalAdvance(str(log_file())) + 8, 640))
    if details:
        box.setDetailedText(details)
    box.open()
    return box
