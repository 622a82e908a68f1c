"""The explorer's "Apply keep rules to all groups…" and "Export groups…": plan, confirm once, run in a worker.

``BulkActions`` belongs to the ``DuplicatesController`` and works on its last
scan (every group at the radius on screen, whatever the list's filter shows).
Applying the rules plans every group (``core.duplicates.bulk.plan_bulk``; a
keeper picked by hand with K stands), asks once (``BulkConfirmation``: the
action, the totals, every path), then runs the clean-up as a job on the
session's runner (progress and Cancel in the status bar), one file at a time.
Whatever ends it (finished, cancelled, failed), the files that left the
library are forgotten by the catalog, the batch goes on the explorer's undo
stack, the groups are scanned again and a summary lists what was skipped
and why. Export writes the groups to a CSV or JSON file (by its suffix) in a
worker too.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QMessageBox, QPushButton, QWidget

from hashview.core.duplicates import bulk
from hashview.ui.duplicates.bulk_dialog import BulkConfirmation, BulkSummary
from hashview.ui.widgets.radius_control import EXACT

if TYPE_CHECKING:
    from hashview.ui.duplicates.controller import DuplicatesController

logger = logging.getLogger(__name__)

BULK, EXPORT = "clean-up", "export"


class BulkActions(QObject):
    """Bulk clean-up and export for a ``DuplicatesController``; see the module docstring."""

    finished = Signal(object)
    """The ``BulkReport`` of a clean-up that ended (finished, cancelled or failed), after the summary opened."""
    exported = Signal(str)
    """The file the groups were written to."""

    def __init__(self, controller: DuplicatesController) -> None:
        super().__init__(controller)
        self.controller = controller
        self.confirmation: BulkConfirmation | None = None
        self.summary: BulkSummary | None = None
        self.report: bulk.BulkReport | None = None
        self.buttons = QWidget()
        row = QHBoxLayout(self.buttons)
        row.setContentsMargins(0, 0, 0, 0)
        self.apply_button = QPushButton("Apply keep rules to all groups…")
        self.apply_button.setToolTip("Keep one file in every group and trash, move or hard-link the others")
        self.apply_button.clicked.connect(lambda: self.request())
        self.export_button = QPushButton("Export groups…")
        self.export_button.setToolTip("Save the groups as a CSV or JSON file")
        self.export_button.clicked.connect(lambda: self.request_export())
        row.addWidget(self.apply_button)
        row.addWidget(self.export_button)

    # -- what there is to work on ----------------------------------------------------------
    def _ready(self) -> bool:
        """Whether a scan is there to act on and no job runs; shows the explorer, and says why not there."""
        explorer, c = self.controller.explorer, self.controller
        c.reveal_requested.emit()  # from the menu: the answer is on the explorer
        if c.library is None or c.scan_result is None:
            explorer.show_status(
                "Find duplicates first (Ctrl+D), then apply the keep rules to all groups or export them."
            )
            return False
        if c.jobs.current is not None:
            explorer.show_status(f"Wait until {c.jobs.current.name} has finished.")
            return False
        return True

    def _chosen(self) -> dict[frozenset[Path], Path]:
        """Keepers the person picked by hand (Keep this, K): they stand, in every group the clean-up plans,
        including groups the sort-and-filter bar hides now (the plan covers them all)."""
        rows = self.controller.explorer.groups_model.all_groups()
        return {row.key(): Path(row.keeper.path) for row in rows if row.reason == "chosen by you"}

    def plan(self) -> bulk.BulkPlan:
        scan = self.controller.scan_result
        assert scan is not None
        return bulk.plan_bulk(
            scan.groups, scan.entries, Path(self.controller.library.root), self.controller.policy, self._chosen()
        )

    # -- apply the keep rules ---------------------------------------------------------------
    def request(self, action: str = bulk.TRASH) -> BulkConfirmation | None:
        """Plan every group and open the one confirmation (non-blocking), with ``action`` chosen."""
        if not self._ready():
            return None
        plan = self.plan()
        if not plan.groups:
            self.controller.explorer.show_status("No duplicate groups at this setting: nothing to clean up.")
            return None
        scan = self.controller.scan_result
        exact = scan is not None and scan.radius == EXACT
        self.confirmation = BulkConfirmation(
            plan,
            self.controller.explorer,
            action=action,
            library_size=0 if exact else len(scan.entries if scan else {}),
        )
        self.confirmation.confirmed.connect(lambda chosen, where: self.start(plan, chosen, where))
        self.confirmation.open()
        return self.confirmation

    def start(self, plan: bulk.BulkPlan, action: str, destination: Path | None = None) -> bool:
        """Run the clean-up as a job; False (with the reason on the status line) when it cannot start."""
        if not self._ready():
            return False
        from hashview.system_trash import move_to_trash

        report = bulk.BulkReport(action)
        self.report = report
        mover = move_to_trash if action == bulk.TRASH else None
        self.controller.jobs.run(
            BULK,
            lambda cancel: bulk.run_bulk(plan, report, mover=mover, destination=destination, cancel=cancel),
            bulk.ACTIONS[action] + "…",
            on_success=lambda _summary: self._ended(report),
            on_cancel=lambda: self._ended(report, cancelled=True),
            on_failure=lambda message, _details: self._ended(report, failure=message),
        )
        self.controller.explorer.show_status(bulk.ACTIONS[action] + "…")
        return True

    def _ended(self, report: bulk.BulkReport, cancelled: bool = False, failure: str | None = None) -> None:
        """Forget what left the library, offer undo, scan again and show the summary."""
        c = self.controller
        left = report.left_library()
        if left and c.library is not None:
            c.library.forget(left)
        if report.undo is not None and report.undo.can_undo():
            c.undo_stack.append(report.undo)
            c.explorer.undo_button.setEnabled(True)
        logger.info(
            "bulk %s: %d done, %d skipped%s",
            report.action,
            len(report.done),
            len(report.skipped),
            " (cancelled)" if cancelled else "",
        )
        if failure is not None:
            box = QMessageBox(QMessageBox.Icon.Warning, "Clean-up stopped", failure, parent=c.explorer)
            box.open()
            self.failure_box = box
        self.summary = BulkSummary(report, c.explorer, cancelled=cancelled)
        self.summary.finished.connect(lambda _result: self._give_keys_back())
        self.summary.open()
        if report.done:
            c.rescan_after_change()
        c.explorer.show_status(self.summary.label.text())
        self.finished.emit(report)

    def _give_keys_back(self) -> None:
        """After the summary, the explorer's keys (N/P/Delete/Ctrl+Z) work again."""
        self.controller.explorer.window().activateWindow()
        self.controller.explorer.groups_view.setFocus()

    # -- export -----------------------------------------------------------------------------
    def request_export(self) -> QFileDialog | None:
        """Ask where to save the groups (non-blocking); the suffix (.csv or .json) says how."""
        if not self._ready():
            return None
        dialog = QFileDialog(self.controller.explorer, "Export duplicate groups")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(["CSV, one row per file (*.csv)", "JSON, as hashview dups --json (*.json)"])
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(lambda name: self.export_to(Path(name)))
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def export_to(self, path: Path) -> bool:
        """Write the groups to ``path`` in a worker; False when it cannot start."""
        if not self._ready():
            return False
        from hashview.core.duplicates.export import FORMATS, export_groups

        if path.suffix.lower() not in FORMATS:
            self.controller.explorer.show_status(f"Export to a .csv or .json file, not {path.name}.")
            return False
        scan, c = self.controller.scan_result, self.controller
        assert scan is not None
        groups, entries, root, policy, chosen = (
            scan.groups,
            scan.entries,
            Path(c.library.root),
            c.policy,
            self._chosen(),
        )
        c.jobs.run(
            EXPORT,
            lambda cancel: export_groups(path, groups, entries, root, policy, chosen),
            f"Exporting the groups to {path.name}…",
            on_success=lambda count: self._exported(path, count),
            on_failure=lambda message, _details: c.explorer.show_status(f"Export failed: {message}"),
        )
        return True

    def _exported(self, path: Path, count: int) -> None:
        self.controller.explorer.show_status(f"Exported {count} groups to {path}.")
        self.exported.emit(str(path))
