"""The one confirmation of a bulk clean-up, and the summary after it.

``BulkConfirmation`` shows the plan of ``core.duplicates.bulk`` for the chosen
action (system trash, a folder outside the library, or hard links): the
totals, the groups the keep rules cannot decide (left alone), and every path,
group by group, with the kept file marked as kept and each copy marked with
what will happen to it (or why it is left). Changing the action changes the
list and the totals; the action button says exactly what it will do, and is
off until there is something to do (and, for a move, a folder outside the
library). A large clean-up of near-duplicates is called out, and then Cancel
is the default answer, as in the single-group confirmation.

``BulkSummary`` says what happened: how many files were done, and each file
skipped with its reason.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hashview.core.duplicates import bulk
from hashview.core.duplicates.cleanup import large_cleanup_warning
from hashview.ui.duplicates.groups_model import human_size

logger = logging.getLogger(__name__)

CHOICES = {
    bulk.TRASH: "Move the copies to the system trash",
    bulk.MOVE: "Move the copies to a folder outside the library",
    bulk.HARDLINK: "Replace identical copies with hard links to the kept file (saves their space)",
}
VERBS = {bulk.TRASH: "trash", bulk.MOVE: "move", bulk.HARDLINK: "link"}
UNDECIDED_HINT = "pick the copy to keep with Keep this (K), or add a preferred folder in Keep rules…"
GREY = QBrush(QColor("#777777"))


class BulkConfirmation(QDialog):
    """Lists what a bulk clean-up would do, for the action chosen in it; non-blocking.

    ``confirmed(action, destination)`` is emitted when the person agrees
    (``destination`` is None but for a move).
    """

    confirmed = Signal(str, object)

    def __init__(
        self, plan: bulk.BulkPlan, parent: QWidget | None = None, *, action: str = bulk.TRASH, library_size: int = 0
    ) -> None:
        super().__init__(parent)
        self.setObjectName("BulkConfirmation")
        self.setWindowTitle("Apply keep rules to all groups")
        self.plan = plan
        self.library_size = library_size
        self.destination: Path | None = None
        self.action = action
        self.choice = QButtonGroup(self)
        choices = QVBoxLayout()
        self.radios: dict[str, QRadioButton] = {}
        for key, text in CHOICES.items():
            radio = QRadioButton(text)
            radio.setObjectName(f"Bulk-{key}")
            self.radios[key] = radio
            self.choice.addButton(radio)
            radio.toggled.connect(lambda on, k=key: self.set_action(k) if on else None)
            if key == bulk.MOVE:
                row = QHBoxLayout()
                row.addWidget(radio)
                self.folder_button = QPushButton("Choose folder…")
                self.folder_button.clicked.connect(self.choose_folder)
                row.addWidget(self.folder_button)
                row.addStretch(1)
                choices.addLayout(row)
                self.folder_label = QLabel("")
                self.folder_label.setObjectName("BulkDestination")
                self.folder_label.setWordWrap(True)
                self.folder_label.setContentsMargins(24, 0, 0, 0)
                choices.addWidget(self.folder_label)
            else:
                choices.addWidget(radio)
        self.totals = QLabel()
        self.totals.setObjectName("BulkTotals")
        self.totals.setWordWrap(True)
        self.left_alone = QLabel()
        self.left_alone.setObjectName("BulkLeftAlone")
        self.left_alone.setWordWrap(True)
        self.warning = QLabel()
        self.warning.setObjectName("LargeCleanupWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b00020; font-weight: bold;")
        self.where = QLabel()
        self.where.setObjectName("BulkLibraryFolder")
        self.where.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("BulkList")
        self.tree.setHeaderHidden(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.setUniformRowHeights(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.go_button = buttons.addButton("Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        self.go_button.setObjectName("BulkGo")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(choices)
        for widget in (self.totals, self.left_alone, self.warning, self.where):
            layout.addWidget(widget)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.resize(900, 640)
        self.accepted.connect(lambda: self.confirmed.emit(self.action, self.destination))
        self.radios[action].setChecked(True)
        self.set_action(action)

    # -- choices ---------------------------------------------------------------------------
    def set_action(self, action: str) -> None:
        """Show the plan for ``action`` (a key of ``CHOICES``)."""
        bulk.check_action(action)
        self.action = action
        if not self.radios[action].isChecked():
            self.radios[action].setChecked(True)  # its ``toggled`` comes back here
            return
        self._refresh()

    def choose_folder(self) -> None:
        """Ask for the folder to move the copies to (non-blocking)."""
        dialog = QFileDialog(self, "Move the copies to this folder")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda folder: self.set_destination(Path(folder)))
        self.folder_dialog = dialog
        dialog.open()

    def set_destination(self, folder: Path | None) -> bool:
        """Use ``folder`` for a move (and choose the move); False with the reason shown when it is refused."""
        self.destination = None
        if folder is not None:
            try:
                self.destination = bulk.check_destination(folder, self.plan.root)
            except bulk.BulkRefused as exc:
                self.folder_label.setText(f"<span style='color:#b00020'>{exc}</span>")
                self.set_action(bulk.MOVE)
                return False
        self.set_action(bulk.MOVE)
        return True

    # -- what is shown ---------------------------------------------------------------------
    def _refresh(self) -> None:
        action, plan = self.action, self.plan
        totals = plan.totals(action)
        copies = f"{totals.files} {'copy' if totals.files == 1 else 'copies'} ({human_size(totals.bytes)})"
        groups = f"{totals.groups} group{'' if totals.groups == 1 else 's'}"
        where = {
            bulk.TRASH: "to the system trash",
            bulk.MOVE: f"to {self.destination}" if self.destination else "to a folder (choose one)",
            bulk.HARDLINK: "with hard links to the kept files",
        }[action]
        verb = "Replace" if action == bulk.HARDLINK else "Move"
        self.totals.setText(f"<b>{verb} {copies} from {groups} {where}.</b> One file is kept in every group.")
        self.left_alone.setText(self._left_alone_text())
        self.left_alone.setVisible(bool(self.left_alone.text()))
        if action == bulk.MOVE and self.destination is not None:
            self.folder_label.setText(f"Each copy keeps its path under the library: {self.destination}/<path>.")
        elif action == bulk.MOVE and not self.folder_label.text().startswith("<span"):
            self.folder_label.setText("Choose a folder outside the library.")
        self.folder_label.setVisible(action == bulk.MOVE)
        near = 0 if action == bulk.HARDLINK else plan.near_copies(action)  # identical files need no warning
        large = large_cleanup_warning(near, self.library_size)
        self.warning.setText(large or "")
        self.warning.setVisible(bool(large))
        self.note.setText(
            {
                bulk.TRASH: "You can undo this (Ctrl+Z in the duplicates explorer) or restore them from the trash.",
                bulk.MOVE: "Nothing is overwritten. You can undo this (Ctrl+Z in the duplicates explorer).",
                bulk.HARDLINK: "Only byte-identical copies are replaced, after hashing them again; the kept file is "
                "not changed. A linked copy takes its kept file's dates. Ctrl+Z gives each copy its own bytes back.",
            }[action]
        )
        self.go_button.setText(
            f"{verb} {totals.files} {'copy' if totals.files == 1 else 'copies'}"
            + ({bulk.TRASH: " to the trash", bulk.MOVE: " to the folder", bulk.HARDLINK: " with hard links"}[action])
        )
        ready = totals.files > 0 and (action != bulk.MOVE or self.destination is not None)
        self.go_button.setEnabled(ready)
        self.go_button.setAutoDefault(not large)
        self.go_button.setDefault(ready and not large)
        self.cancel_button.setDefault(not ready or bool(large))
        self._fill_tree()

    def _left_alone_text(self) -> str:
        parts = []
        undecided, refused = len(self.plan.undecided), len(self.plan.refused)
        if undecided:
            parts.append(
                f"{undecided} group{' is' if undecided == 1 else 's are'} left alone because the keep rules "
                f"cannot choose (the copies differ only in their paths): {UNDECIDED_HINT}"
            )
        if refused:
            parts.append(f"{refused} group{' is' if refused == 1 else 's are'} left alone: a file fails a safety check")
        return "\n".join(parts)

    def _fill_tree(self) -> None:
        """Every group: a header with why its file is kept, the kept file (bold), then each copy and its fate.

        Paths are shown under the library folder (``where``), whole in the tooltips.
        """
        self.tree.clear()
        self.where.setText(f"Paths are inside the library folder {self.plan.root}.")
        items: dict[int, list[bulk.PlanItem]] = {}
        for item in self.plan.items(self.action):
            items.setdefault(item.group.number, []).append(item)
        bold = QFont()
        bold.setBold(True)
        for group in self.plan.groups:
            head = QTreeWidgetItem([f"Group {group.number} ({len(group.members)} files): kept because {group.reason}"])
            head.setFont(0, bold)
            self.tree.addTopLevelItem(head)
            if group.skipped:
                head.setText(0, f"Group {group.number} ({len(group.members)} files): left alone: {group.skipped}")
                for member in group.members:
                    _child(head, f"left: {self._shown(member.path)}", member.path, grey=True)
                continue
            _child(head, f"kept: {self._shown(group.keeper.path)}", group.keeper.path).setFont(0, bold)
            for path in group.kept:
                if path != Path(group.keeper.path):
                    _child(head, f"kept: {self._shown(path)}  (in a reference folder)", path)
            for item in items.get(group.number, []):
                _child(head, self._line(item), item.path, grey=item.skip is not None)
        self.tree.expandAll()

    def _shown(self, path: Path | str) -> str:
        """``path`` under the library folder (the dialog names the folder once), else whole."""
        try:
            return str(Path(path).relative_to(self.plan.root))
        except ValueError:
            return str(path)

    def _line(self, item: bulk.PlanItem) -> str:
        shown = self._shown(item.path)
        if item.skip is not None:
            return f"left: {shown}  ({item.skip})"
        link = "  (a link: only the link moves)" if item.path.is_symlink() else ""
        if self.action == bulk.MOVE and self.destination is not None:
            rel = getattr(item.entry, "relpath", None) or shown
            return f"move: {shown}  →  {self.destination / rel}{link}"
        return f"{VERBS[self.action]}: {shown}{link}"

    def listed(self) -> list[str]:
        """Every line of the list, groups first then their files, in order (for tests and screen readers)."""
        out = []
        for n in range(self.tree.topLevelItemCount()):
            head = self.tree.topLevelItem(n)
            assert head is not None
            out.append(head.text(0))
            out.extend(head.child(c).text(0) for c in range(head.childCount()))  # type: ignore[union-attr]
        return out


def _child(parent: QTreeWidgetItem, text: str, path: Path | str, grey: bool = False) -> QTreeWidgetItem:
    item = QTreeWidgetItem([text])
    item.setToolTip(0, str(path))
    if grey:
        item.setForeground(0, GREY)
    parent.addChild(item)
    return item


class BulkSummary(QDialog):
    """What a bulk clean-up did: files done, and each file skipped with its reason."""

    def __init__(self, report: bulk.BulkReport, parent: QWidget | None = None, *, cancelled: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("BulkSummary")
        self.setWindowTitle("Clean-up finished" if not cancelled else "Clean-up cancelled")
        done, skipped = len(report.done), len(report.skipped)
        what = {
            bulk.TRASH: "moved to the system trash",
            bulk.MOVE: "moved out of the library",
            bulk.HARDLINK: "replaced with hard links",
        }[report.action]
        text = f"{done} file{'' if done == 1 else 's'} {what}"
        text += f"; {skipped} skipped (listed below, with why)." if skipped else "."
        if cancelled:
            text = "Cancelled: the rest were not tried. " + text
        can_undo = report.undo is not None and report.undo.can_undo()
        if can_undo:
            text += " Ctrl+Z in the duplicates explorer undoes it."
        self.label = QLabel(text)
        self.label.setObjectName("BulkSummaryText")
        self.label.setWordWrap(True)
        self.list = QListWidget()
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.addItems([f"{r.path}: {r.detail}" for r in report.skipped])
        self.list.setVisible(bool(skipped))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(720, 360 if skipped else 140)

    def skipped_lines(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]
