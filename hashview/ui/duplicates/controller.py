"""The duplicates explorer's link to the library: scans, decisions, trash and undo.

Scans (``Library.duplicates.groups`` at the chosen radius, with the radius profile
the slider shows; see ``scan.py``) run on the session's ``JobRunner``, like
every job that may encode: one long job runs at a time, and a scan asked for
while another job runs waits for it. Decisions ("not a match", "same picture") are
written to the catalog at once (the engine remembers them across scans and
uses them as pairs when the network is retrained), then the groups are
scanned again, so a rejected copy leaves its group on screen.

Trash: the confirmation lists every file; nothing outside the library root or
in a reference folder is ever moved (the whole batch is refused, with the
reason); the moved files leave the catalog (``Library.forget``). Undo moves
the last batch back and re-indexes, so the files are catalogued and coded again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from hashview.core.duplicates import bulk, cleanup
from hashview.core.duplicates.keep_rules import KeepPolicy
from hashview.core.duplicates.near_identical import near_identical_limit
from hashview.system_trash import move_to_trash
from hashview.ui.duplicates.bulk_actions import BulkActions
from hashview.ui.duplicates.explorer_view import DuplicatesExplorer
from hashview.ui.duplicates.groups_model import GroupRow, make_rows
from hashview.ui.duplicates.scan import Scan, scan_library
from hashview.ui.duplicates.split import DecisionStep, plan_split, record_split
from hashview.ui.duplicates.trash_dialog import TrashConfirmation
from hashview.ui.jobs import Job
from hashview.ui.session import LEARNING_JOB, LibrarySession
from hashview.ui.widgets.radius_control import EXACT
from hashview.ui.widgets.thumbnails import ThumbnailLoader
from hashview.ui.workers import Worker

logger = logging.getLogger(__name__)

RULES_KEY = "duplicates/keep_rules"
SCAN, REINDEX = "duplicates", "duplicates-reindex"


class DuplicatesController(QObject):
    """Runs the explorer over the session's library; tests may open a fake library in the session.

    The explorer follows the session: it takes the library when one opens,
    forgets its groups (and stops its thumbnail threads) before it closes, and
    scans again at the end of an opening when it is on screen. Showing it
    (``show_explorer``) asks its container to come forward
    (``reveal_requested``): the window owns the dock it sits in.
    """

    scanned = Signal(int)
    """How many groups the explorer now shows."""
    decided = Signal(str)
    trashed = Signal(list)
    restored = Signal(list)
    refused = Signal(str)
    reveal_requested = Signal()
    """The explorer is wanted on screen: whoever holds it (the window's dock) shows it and gives it room."""

    def __init__(self, explorer: DuplicatesExplorer, session: LibrarySession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.explorer = explorer
        self.session = session
        self.jobs = session.jobs
        self.settings = session.settings
        self.library: Any = None
        self.policy = KeepPolicy.from_json(str(self.settings.value(RULES_KEY, "") or ""))
        self.undo_stack: list[bulk.UndoBatch | DecisionStep] = []
        self.confirmation: TrashConfirmation | None = None
        self.scan_result: Scan | None = None
        self._loader: ThumbnailLoader | None = None
        self._pending: int | bool | None = False
        self._profile_stale = True
        self._keep: frozenset[Path] | None = None
        self._side_scan: Worker | None = None  # a scan running beside the background learning (``_scan_beside``)
        self._done = ""  # what the last decision did, said again with the scan it caused
        self._wanted: Path | None = None  # select_group_of: the file whose group to select after the scan
        self.scanned.connect(lambda _count: self._select_wanted(after_scan=True))
        explorer.radius.radius_chosen.connect(self.scan)
        explorer.not_a_match_requested.connect(self.not_a_match)
        explorer.same_requested.connect(self.same_picture)
        explorer.split_requested.connect(self.split_off)
        explorer.trash_requested.connect(self.request_trash)
        explorer.undo_requested.connect(self.undo)
        explorer.rules_requested.connect(self.edit_rules)
        self.bulk = BulkActions(self)  # "Apply keep rules to all groups…" and "Export groups…"
        explorer.add_group_actions(self.bulk.buttons)
        self.jobs.ended.connect(self._job_ended)
        session.opened.connect(lambda _root: self.set_library(session.library))
        session.about_to_close.connect(lambda: self.set_library(None))  # its thumbnail threads read the catalog
        session.pipeline_finished.connect(lambda _text: self.explorer.isVisible() and self.scan())
        session.ready_changed.connect(lambda _ready: self.network_changed())  # trained, switched, deleted

    def network_changed(self) -> None:
        """Start from the new network's suggested radius if the current network has changed.

        The slider's radius and profile belong to the codes they were read
        from; kept across a network change they group the new codes at a
        radius nobody chose (19 from a 128-bit DupNet put 456 photos of a
        64-bit itq in groups of 100). Every scan passes the network its radius
        belongs to, and ``scan_library`` swaps in the new suggestion; this
        rescans a visible explorer at once, after the other slots of the job
        that changed the network have run (the pipeline may scan itself).
        """
        if self.library is None or self.scan_result is None:
            return
        current = self.library.networks.current()
        if (current.id if current is not None else None) == self.scan_result.network:
            return
        self._profile_stale = True
        QTimer.singleShot(0, self, self._rescan_after_network_change)

    def _rescan_after_network_change(self) -> None:
        if self.library is None or not self.explorer.isVisible():
            return
        if self.jobs.current is not None and self.jobs.current.name == SCAN:
            return  # a scan started since the change: it reads the new network already
        self.scan()

    # -- library ----------------------------------------------------------------------------
    def set_library(self, library: Any) -> None:
        """Follow ``library`` (None when it closes): forget groups, thumbnails and undo."""
        if library is self.library:
            return
        self.explorer.set_rows([])
        self.explorer.members_model.set_loader(None)
        self.explorer.groups_model.set_loader(None)
        if self._loader is not None:
            self._loader.shutdown()
            self._loader.deleteLater()
            self._loader = None
        self._stop_side_scan()
        self.library, self.scan_result, self.undo_stack = library, None, []
        self._profile_stale, self._pending = True, False
        self.explorer.undo_button.setEnabled(False)
        self.explorer.root = Path(library.root) if library is not None else None
        self.explorer.groups_model.root = self.explorer.root
        if library is not None:
            self._loader = ThumbnailLoader(library.thumbnail, parent=self)
            self.explorer.groups_model.set_loader(self._loader)
            self.explorer.members_model.set_loader(self._loader)
            self.explorer.show_status("Choose Find duplicates (Ctrl+D) to look for copies.")

    def show_explorer(self) -> None:
        """Bring the explorer on screen (``reveal_requested``), focus it, and scan (the menu action's slot)."""
        self.reveal_requested.emit()
        self.explorer.groups_view.setFocus()
        self.scan()

    # -- scans ------------------------------------------------------------------------------
    def scan(self, radius: int | None = None) -> bool:
        """Find groups at ``radius`` (None: the slider's, or the suggested one at first)."""
        if self.library is None:
            self.explorer.show_status("Open a folder first, then find duplicates in it.")
            return False
        if radius is None and self.scan_result is not None:
            radius = self.explorer.radius.value()
        beside = self.jobs.current is not None and self.jobs.current.name == LEARNING_JOB
        if self.jobs.current is not None and not beside:
            self._pending = radius if radius is not None else True
            self.explorer.show_status(f"Waiting for {self.jobs.current.name} to finish, then finding duplicates…")
            return False
        library, with_profile = self.library, self._profile_stale
        shown = self.scan_result.network if self.scan_result is not None else None
        current = self.explorer.current_group()
        self._keep = self._keep or (current.key() if current else None)
        work = lambda cancel: scan_library(library, radius, with_profile, shown)  # noqa: E731 - one job, two runners
        if beside:
            self._scan_beside(work)
        else:
            self._stop_side_scan(wait=False)  # its groups would come after these, from the codes before
            self.jobs.run(SCAN, work, "Finding duplicates…", on_success=self._show_scan, on_failure=self._scan_failed)
        self.explorer.show_status("Finding duplicates…")
        return True

    def _scan_beside(self, work: Any) -> None:
        """Scan in a worker of its own while the library is being learnt in the background.

        Learning a new library takes minutes on a CPU; the scan only reads the
        codes of the network in use (as a search does, which also runs beside
        it), so the groups show now instead of after the learning. A newer scan
        supersedes an older one: only the latest one's groups are shown. When
        the learning switches the network, ``network_changed`` scans again.
        """
        self._stop_side_scan(wait=False)
        worker = Worker(work, name=SCAN, parent=self)
        worker.finished.connect(lambda result: self._side_scan_ended(worker, result, None))
        worker.failed.connect(lambda message: self._side_scan_ended(worker, None, message))
        self._side_scan = worker
        worker.start()

    def _side_scan_ended(self, worker: Worker, result: Scan | None, failure: str | None) -> None:
        if worker is not self._side_scan:
            return  # superseded by a newer scan, or the library closed
        self._side_scan = None
        if failure is not None:
            self._scan_failed(failure, "")
        elif result is not None:
            self._show_scan(result)

    def _stop_side_scan(self, wait: bool = True) -> None:
        """Drop a scan running beside the learning (the library is closing, or a newer scan starts)."""
        worker, self._side_scan = self._side_scan, None
        if worker is not None:
            worker.cancel()
            if wait:
                worker.wait()

    def _scan_failed(self, message: str, _details: str) -> None:
        self.explorer.show_status(f"Finding duplicates failed: {message}")

    def _job_ended(self, job: Job) -> None:
        """Run the scan that waited for ``job`` (another feature's, or the undo's re-index)."""
        if self._pending is not False and not self.jobs.busy() and job.name != SCAN:
            radius = None if self._pending is True else self._pending
            self._pending = False
            self.scan(radius)

    def _show_scan(self, result: Scan) -> None:
        self.scan_result = result
        control = self.explorer.radius
        if result.profile is not None or self._profile_stale:
            control.set_profile(result.profile or [], result.suggested)
            self._profile_stale = False
        control.set_value(result.radius)
        if result.radius == EXACT:
            control.set_exact_groups(len(result.groups))
        control.set_warning(result.warning)
        rows = make_rows(result.groups, result.entries, self.policy, near_identical_limit(result.bits))
        keep, self._keep = self._keep, None
        self.explorer.set_rows(rows, keep)
        copies = sum(len(r.others) for r in rows)
        note = f" Note: {result.note}." if result.note and result.radius == result.suggested else ""
        done, self._done = self._done, ""
        self.explorer.show_status(
            (f"{done} " if done else "")
            + (
                f"{len(rows)} groups; the keep rules would move {copies} copies to the trash."
                if rows
                else "No duplicates at this setting: try a larger radius."
            )
            + note
        )
        self.scanned.emit(len(rows))

    # -- decisions --------------------------------------------------------------------------
    def not_a_match(self, member: Any) -> None:
        """Remember that ``member`` is not a copy of the others in its group, and scan again.

        Files byte-identical to ``member`` in the group go with it: they are the
        same file, so they are not copies of the others either (recording them
        as "different" from ``member`` is refused, and that refusal used to
        drop the whole mark).
        """
        group = self.explorer.current_group()
        if group is None or self.library is None:
            return
        twins = [m for m in group.members if m is member or m.digest == member.digest]
        others = [m for m in group.members if m not in twins]
        name = Path(member.path).name
        if not others:
            self.explorer.show_status(f"Not recorded: {name} and the rest of its group are identical files")
            return
        try:
            for side in twins:
                for other in others:
                    self.library.decisions.record(Path(side.path), Path(other.path), "different")
        except Exception as exc:  # noqa: BLE001 - LibraryError: one line for the user
            self.explorer.show_status(f"Not recorded: {exc}")
            return
        along = (
            f" (with its {len(twins) - 1} identical cop{'ies' if len(twins) > 2 else 'y'})" if len(twins) > 1 else ""
        )
        self._after_decision("different", f"Noted: {name}{along} is not a copy of the others.")

    def same_picture(self, group: GroupRow) -> None:
        """Remember every pair in ``group`` as the same picture."""
        members = [Path(m.path) for m in group.members]
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                self.library.decisions.record(a, b, "same")
        self._after_decision("same", f"Noted: these {len(members)} files are the same picture.")

    def split_off(self, chosen: Sequence[Any]) -> bool:
        """Record that ``chosen`` (files of the current group) are another picture than the rest, and scan again.

        One step (``split.record_split``): "different" between the selection and the
        rest, "same" within the selection, so it stays a group of its own when it has
        two files or more; Ctrl+Z puts the earlier verdicts back. False when nothing
        was recorded (the reason is on the status line).
        """
        group = self.explorer.current_group()
        if group is None or self.library is None or not chosen:
            return False
        plan = plan_split(group.members, chosen)
        if not plan.rest:
            self.explorer.show_status(
                "Not recorded: select the files of one picture, not the whole group"
                + (" (the others are identical files of the selection)." if len(chosen) < len(group.members) else ".")
            )
            return False
        text = (
            f"these {len(plan.part)} files are one picture, not the other {len(plan.rest)}."
            if len(plan.part) > 1
            else f"{Path(plan.part[0].path).name} is not a copy of the other {len(plan.rest)}."
        )
        try:
            step = record_split(self.library.decisions, plan, text)
        except Exception as exc:  # noqa: BLE001 - LibraryError: one line for the user; nothing was kept
            self.explorer.show_status(f"Not recorded: {exc}")
            return False
        self.undo_stack.append(step)
        self.explorer.undo_button.setEnabled(True)
        side = plan.part if len(plan.part) > 1 else plan.rest  # the group to show next: the new one if it is one
        self._keep = frozenset(Path(m.path) for m in side)
        self._after_decision("different", f"Noted: {text} Ctrl+Z takes it back.")
        return True

    def _after_decision(self, verdict: str, text: str) -> None:
        self._profile_stale = True
        self.decided.emit(verdict)
        self._done = text
        self.scan()
        self.explorer.show_status(text)

    # -- trash ------------------------------------------------------------------------------
    def request_trash(self, group: GroupRow) -> TrashConfirmation | None:
        """Check the group's other copies, then ask for confirmation (non-blocking)."""
        paths = [Path(m.path) for m in group.others]
        keep = self._kept_paths(group)
        try:
            cleanup.check_trashable(paths, Path(self.library.root), self.policy, keep)
        except cleanup.TrashRefused as exc:
            self._refuse(str(exc))
            return None
        links = {p for p in paths if p.is_symlink()}
        self.confirmation = TrashConfirmation(
            paths,
            Path(group.keeper.path),
            self.explorer,
            reason=group.reason,
            links=links,
            library_size=self._library_size_for_warning(),
        )
        self.confirmation.confirmed.connect(lambda confirmed: self.trash(confirmed, keep))
        self.confirmation.finished.connect(self._confirmation_closed)
        self.confirmation.open()
        return self.confirmation

    def _library_size_for_warning(self) -> int:
        """The library's size for the large-clean-up warning; 0 (no warning) for identical files."""
        exact = self.scan_result is not None and self.scan_result.radius == EXACT
        return 0 if exact else len(self.library.entries())

    @staticmethod
    def _kept_paths(group: GroupRow) -> list[Path]:
        """The copies that stay: the keeper and the reference copies."""
        others = {Path(m.path) for m in group.others}
        return [Path(m.path) for m in group.members if Path(m.path) not in others]

    def _confirmation_closed(self) -> None:
        # Give the keys back to the explorer, so N/P/Delete/Ctrl+Z go on working.
        self.explorer.window().activateWindow()
        self.explorer.groups_view.setFocus()

    def _refuse(self, text: str) -> None:
        logger.warning("trash refused: %s", text)
        self.explorer.show_status(text)
        box = QMessageBox(QMessageBox.Icon.Warning, "Not moved to the trash", text, parent=self.explorer)
        box.setObjectName("TrashRefused")
        box.open()
        self.refused_box = box
        self.refused.emit(text)

    def trash(self, paths: list[Path], keep: Sequence[Path] = ()) -> None:
        """Move ``paths`` to the trash (checked again), forget what moved, and scan again.

        ``keep`` are the copies that stay (a file one of them links to is refused).
        Whatever moved before a failure is still forgotten by the catalog and
        recorded for undo; the failure is shown in one line.
        """
        try:
            batch = cleanup.trash_files(paths, Path(self.library.root), move_to_trash, self.policy, keep)
        except cleanup.TrashRefused as exc:
            self._refuse(str(exc))
            return
        if batch.failure is not None:
            failed, reason = batch.failure
            self._refuse(f"Moving to the trash stopped at {failed}: {reason}")
        if not batch.files:
            return
        self.library.forget(batch.originals)
        self.undo_stack.append(batch)
        self.explorer.undo_button.setEnabled(batch.can_undo())
        self._profile_stale = True
        self.scan()
        undo = " Ctrl+Z brings them back." if batch.can_undo() else ""
        stopped = " The rest were not moved." if batch.failure is not None else ""
        self.explorer.show_status(f"Moved {len(batch.files)} files to the trash.{stopped}{undo}")
        self.trashed.emit(batch.originals)

    def undo(self) -> bool:
        """Move the last trashed batch back and re-index it; False when there is nothing to undo."""
        if not self.undo_stack or self.library is None:
            self.explorer.show_status("Nothing to undo.")
            return False
        if self.jobs.current is not None:
            self.explorer.show_status(f"Wait until {self.jobs.current.name} has finished, then undo.")
            return False
        batch = self.undo_stack.pop()
        if isinstance(batch, DecisionStep):
            return self._undo_decisions(batch)
        restored = bulk.undo(batch)  # from the trash, or a bulk move or hard links
        self.explorer.undo_button.setEnabled(bool(self.undo_stack) and self.undo_stack[-1].can_undo())
        library = self.library
        self.jobs.run(
            REINDEX,
            lambda cancel: library.index(cancel=cancel),
            "Indexing the restored files…",
            on_success=lambda _summary: self._reindexed(restored),
            on_failure=self._scan_failed,
        )
        self.explorer.show_status(f"Restored {len(restored)} files; indexing them again…")
        return True

    def _undo_decisions(self, step: DecisionStep) -> bool:
        """Put back the verdicts a split replaced, and scan again."""
        try:
            step.undo(self.library.decisions)
        except Exception as exc:  # noqa: BLE001 - LibraryError (a file gone since): one line
            self.explorer.show_status(f"Could not undo: {exc}")
            return False
        self.explorer.undo_button.setEnabled(bool(self.undo_stack) and self.undo_stack[-1].can_undo())
        self._after_decision("undo", f"Undone: {step.text}")
        return True

    def rescan_after_change(self) -> None:
        """Files left the library or changed (a bulk clean-up): the profile and the groups are read again."""
        self._profile_stale = True
        self.scan()

    def _reindexed(self, restored: list[Path]) -> None:
        self._profile_stale = True
        self.scan()
        self.restored.emit(restored)

    # -- the library grid's "Find its duplicates" ------------------------------------------------
    def select_group_of(self, path: Path) -> bool:
        """Select the group that holds ``path``: now if one on screen does, else after the next scan.

        The grid's "Find its duplicates" calls ``show_explorer`` (which scans) and then this; when
        the scan ends and no group shown holds the file, the explorer says so in one line.
        """
        self._wanted = Path(path)
        return self._select_wanted(after_scan=False)

    def _select_wanted(self, after_scan: bool) -> bool:
        wanted = self._wanted
        if wanted is None:
            return False
        model = self.explorer.groups_model
        for row in range(model.rowCount()):
            if wanted in model.group(row).key():
                self.explorer.select_group(row)
                if after_scan or not self.jobs.busy():
                    self._wanted = None
                return True
        if after_scan:
            self._wanted = None
            self.explorer.show_status(f"{wanted.name} is in no duplicate group shown at this setting.")
        return False

    # -- keep rules ------------------------------------------------------------------------
    def edit_rules(self) -> None:
        from hashview.ui.duplicates.keep_rules_dialog import KeepRulesDialog

        self.rules_dialog = KeepRulesDialog(self.policy, self.library.root if self.library else None, self.explorer)
        self.rules_dialog.policy_chosen.connect(self.set_policy)
        self.rules_dialog.open()

    def set_policy(self, policy: KeepPolicy) -> None:
        """Use ``policy`` from now on (remembered), and re-pick the keepers on screen."""
        self.policy = policy
        self.settings.setValue(RULES_KEY, policy.to_json())
        if self.scan_result is not None:
            current = self.explorer.current_group()
            self._keep = current.key() if current else None
            self._show_scan(self.scan_result)
