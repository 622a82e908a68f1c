"""Answering the blocking Qt dialogs (``QInputDialog.getText``, ``QMessageBox.question``,
``QFileDialog.getExistingDirectory``...) from a test, through the event loop they run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QInputDialog, QMessageBox


def answer_next_dialog(
    reply: Callable[[QDialog], Any], kind: type = QDialog, wait_ms: int = 5_000
) -> list[dict[str, str]]:
    """Answer the next modal dialog of type ``kind`` with ``reply(dialog)`` as soon as it shows.

    Returns a list that gets the dialog's title and text once it was answered
    (the dialog itself is deleted when the static call returns); empty if no
    such dialog showed within ``wait_ms``. ``kind`` tells the dialog asked for
    from a window-modal one already open (the keep-rules editor, an error box).
    """
    seen: list[dict[str, str]] = []
    tries = [max(wait_ms // 10, 1)]

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            tries[0] -= 1
            if tries[0] > 0:
                QTimer.singleShot(10, poll)
            elif isinstance(dialog, QDialog):
                dialog.reject()  # another dialog than the one expected: close it rather than hang
            return
        if isinstance(dialog, QInputDialog):
            text = dialog.labelText()
        elif isinstance(dialog, QMessageBox):
            text = dialog.text()
        else:
            text = ""
        seen.append({"title": dialog.windowTitle(), "text": text})
        reply(dialog)

    QTimer.singleShot(0, poll)
    return seen


def type_and_accept(text: str) -> Callable[[QDialog], None]:
    """A reply for a ``QInputDialog``: enter ``text`` (or choose that item) and press OK."""

    def reply(dialog: QDialog) -> None:
        assert isinstance(dialog, QInputDialog), dialog
        dialog.setTextValue(text)
        dialog.accept()

    return reply


def press(button: QMessageBox.StandardButton) -> Callable[[QDialog], None]:
    """A reply for a ``QMessageBox``: press ``button``."""

    def reply(dialog: QDialog) -> None:
        assert isinstance(dialog, QMessageBox), dialog
        dialog.button(button).click()

    return reply


def click(text: str) -> Callable[[QDialog], None]:
    """A reply for a ``QMessageBox`` with buttons of its own: press the one that reads ``text``."""

    def reply(dialog: QDialog) -> None:
        assert isinstance(dialog, QMessageBox), dialog
        buttons = [b for b in dialog.buttons() if b.text() == text]
        assert buttons, f"no button {text!r} in {[b.text() for b in dialog.buttons()]}"
        buttons[0].click()

    return reply


def choose_folder(folder: Any) -> Callable[[QDialog], None]:
    """A reply for Qt's own ``QFileDialog`` (the offscreen platform has no native one): pick ``folder``."""

    def reply(dialog: QDialog) -> None:
        assert isinstance(dialog, QFileDialog), dialog
        dialog.setDirectory(str(folder))
        dialog.selectFile(str(folder))
        dialog.accept()

    return reply
