"""The duplicates explorer: groups on the left, the copies and a close compare on the right.

The person's loop is: pick a group (sorted and filtered by the bar above the
list), see which copy the rules keep, look closely (synced zoom, metadata,
the difference), then act: keep another copy, say a copy is "not a match",
split off the selected copies as "a different picture", confirm "same
picture", or move the other copies to the trash. Every action is one key, so a
long list of groups goes fast: N/P next and previous group, K keep this copy,
X not a match, Shift+X the selection is a different picture, S same picture,
D difference, Delete move to trash, Ctrl+Z undo.

It is made to fill a page of the window (the "Duplicates" tab): the groups in a
column on the left, the copies of the chosen group in a strip above two large
compare panes.

The widget only shows and asks: it emits domain signals
(``not_a_match_requested``, ``trash_requested``...) and the
``DuplicatesController`` talks to the library. Decoding the two pictures and
computing their difference run in workers, never on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hashview.ui.duplicates.filter_bar import GroupFilterBar
from hashview.ui.duplicates.groups_model import (
    GROUP_ICON,
    MEMBER_ICON,
    GroupRow,
    GroupsModel,
    MembersModel,
    describe,
)
from hashview.ui.widgets.image_panes import ImagePane, difference_image, load_image, sync_panes
from hashview.ui.widgets.radius_control import RadiusControl
from hashview.ui.workers import Worker

logger = logging.getLogger(__name__)

META_FIELDS = (("resolution", "Resolution"), ("size", "File size"), ("taken", "Taken"), ("folder", "Folder"))


class MetaTable(QWidget):
    """Name, then resolution · file size · date taken · folder of one copy; values that differ in bold.

    Two lines rather than a table: the pictures need the height more.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setVerticalSpacing(1)
        self.name = QLabel()
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.name, 0, 0, 1, len(META_FIELDS) + 1)
        self.values: dict[str, QLabel] = {}
        for column, (key, title) in enumerate(META_FIELDS):
            self.values[key] = QLabel()
            self.values[key].setToolTip(title)
            layout.addWidget(self.values[key], 1, column)
        layout.setColumnStretch(len(META_FIELDS), 1)

    def show_meta(self, info: dict[str, str] | None, other: dict[str, str] | None, title: str) -> None:
        self.name.setText(f"<b>{title}</b> {info['name']}" if info else "")
        for key, label in self.values.items():
            value = info[key] if info else ""
            differs = info is not None and other is not None and other.get(key) != value
            shown = f"in {value}" if key == "folder" and value else value
            label.setText(f"<b>{shown}</b>" if differs else shown)
            if key != "folder" and value:
                label.setText(label.text() + " ·")


class DuplicatesExplorer(QWidget):
    """The explorer widget; see the module docstring for the keys."""

    not_a_match_requested = Signal(object)
    """A member entry that is not a duplicate of the rest of its group."""
    same_requested = Signal(object)
    """A ``GroupRow`` the person confirmed."""
    split_requested = Signal(list)
    """Member entries of the current group that are another picture than the rest."""
    trash_requested = Signal(object)
    """A ``GroupRow`` whose other copies should go to the trash."""
    undo_requested = Signal()
    rules_requested = Signal()
    group_shown = Signal(object)
    compare_shown = Signal(object, object)
    """(left entry, right entry), once both pictures are on screen."""
    difference_shown = Signal(float)
    """The mean absolute difference (0..1) once the difference image is on screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root: Path | None = None
        self.groups_model = GroupsModel(self)
        self.members_model = MembersModel(self)
        self._compare: Worker | None = None
        self._diff: Worker | None = None
        self.pair: tuple[Any, Any] | None = None

        self.radius = RadiusControl()
        self.filters = GroupFilterBar()
        self.filters.sort_chosen.connect(self.set_sort)
        self.filters.filter_changed.connect(self.set_filter)
        self.rules_button = QPushButton("Keep rules…")
        self.rules_button.clicked.connect(self.rules_requested)
        top = QHBoxLayout()
        top.addWidget(self.radius, 1)
        top.addWidget(self.rules_button, 0, Qt.AlignmentFlag.AlignTop)
        self.top_bar = top  # add_group_actions puts the bulk clean-up's buttons here

        self.groups_view = QListView()
        self.groups_view.setAccessibleName("Duplicate groups")
        self.groups_view.setModel(self.groups_model)
        self.groups_view.setIconSize(QSize(GROUP_ICON, GROUP_ICON))
        self.groups_view.setSpacing(2)
        self.groups_view.setUniformItemSizes(True)
        self.groups_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.groups_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.groups_view.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_group(cur.row()))

        self.members_view = QListView()  # a strip of the group's copies above the compare
        self.members_view.setAccessibleName("Copies in the group")
        self.members_view.setModel(self.members_model)
        self.members_view.setViewMode(QListView.ViewMode.IconMode)
        self.members_view.setMovement(QListView.Movement.Static)
        self.members_view.setFlow(QListView.Flow.LeftToRight)
        self.members_view.setWrapping(False)
        self.members_view.setIconSize(QSize(MEMBER_ICON, MEMBER_ICON))
        self.members_view.setGridSize(QSize(MEMBER_ICON + 90, MEMBER_ICON + 36))
        self.members_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.members_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.members_view.setFixedHeight(MEMBER_ICON + 36 + 18)  # one row and a scroll bar
        self.members_view.setToolTip(
            "Not all one picture? Select the copies of one (Ctrl+click), then "
            "“These are a different picture” (Shift+X)."
        )
        self.members_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.members_view.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_member(cur.row()))
        self.members_view.selectionModel().selectionChanged.connect(lambda *_: self._enable_actions())
        self.split_button = self._button("These are a different picture (Shift+X)", "Shift+X", self.split_selection)
        self.split_button.setToolTip(
            "Select the copies of one picture above (Ctrl+click or Shift+click), then press this:\n"
            "they are marked as not a match for the rest and become a group of their own."
        )

        self.left, self.right = ImagePane(), ImagePane()
        self.left.setAccessibleName("Kept copy")
        self.right.setAccessibleName("Compared copy")
        sync_panes(self.left, self.right)
        self.left_meta, self.right_meta = MetaTable(), MetaTable()
        panes = QGridLayout()
        panes.addWidget(self.left, 0, 0)
        panes.addWidget(self.right, 0, 1)
        panes.addWidget(self.left_meta, 1, 0)
        panes.addWidget(self.right_meta, 1, 1)
        panes.setRowStretch(0, 1)

        self.keep_button = self._button("Keep this (K)", "K", self.keep_current)
        self.not_match_button = self._button("Not a match (X)", "X", self.reject_current)
        self.same_button = self._button("Same picture (S)", "S", self.confirm_group)
        self.diff_button = self._button("Difference (D)", "D", self.toggle_difference)
        self.diff_button.setCheckable(True)
        self.trash_button = self._button(
            "Move others to trash… (Del)", QKeySequence.StandardKey.Delete, self.request_trash
        )
        self.undo_button = self._button("Undo (Ctrl+Z)", QKeySequence.StandardKey.Undo, self.undo_requested.emit)
        self.undo_button.setEnabled(False)
        for keys, slot in (
            ("N", self.next_group),
            ("P", self.previous_group),
            ("PgDown", self.next_group),
            ("PgUp", self.previous_group),
        ):
            self._shortcut(keys, slot)
        actions = QHBoxLayout()
        for button in (self.keep_button, self.not_match_button, self.split_button, self.same_button, self.diff_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.undo_button)
        actions.addWidget(self.trash_button)

        groups = QWidget()
        left = QVBoxLayout(groups)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.filters)
        left.addWidget(self.groups_view, 1)
        detail = QWidget()
        right = QVBoxLayout(detail)
        right.setContentsMargins(0, 0, 0, 0)
        self.keep_reason = QLabel()
        self.keep_reason.setObjectName("KeepReason")
        self.keep_reason.setWordWrap(True)
        right.addWidget(self.members_view)
        right.addLayout(panes, 1)
        right.addWidget(self.keep_reason)
        right.addLayout(actions)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(groups)
        splitter.addWidget(detail)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 980])
        splitter.setChildrenCollapsible(False)
        self.status = QLabel("Open a folder, then find duplicates.")
        self.status.setObjectName("DuplicatesStatus")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        self._enable_actions()

    def add_group_actions(self, widget: QWidget) -> None:
        """Put actions on all groups (``bulk_actions.py``'s buttons) in the top bar, beside "Keep rules…"."""
        self.top_bar.addWidget(widget, 0, Qt.AlignmentFlag.AlignTop)

    def _shortcut(self, keys: str | QKeySequence.StandardKey, slot: Callable[[], Any]) -> QShortcut:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
        return shortcut

    def _button(self, text: str, keys: str | QKeySequence.StandardKey, slot: Callable[[], Any]) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(slot)
        self._shortcut(keys, button.click)
        return button

    # -- content --------------------------------------------------------------------------
    def set_rows(self, rows: list[GroupRow], keep: frozenset[Path] | None = None) -> None:
        """Show ``rows``; select the group with members ``keep`` (or nearest to it), else the first."""
        self.groups_model.set_rows(rows)
        self._reselect(keep)

    def _reselect(self, keep: frozenset[Path] | None) -> None:
        model = self.groups_model
        self.filters.show_count(model.rowCount(), model.total)
        row = model.row_of(keep) if keep else -1
        if model.rowCount():
            self.select_group(max(row, 0))
        else:
            self._show_group(-1)

    def set_sort(self, key: str) -> None:
        """Order the groups by ``key`` (see ``groups_model.SORTS``), keeping the chosen group chosen."""
        current = self.current_group()
        self.groups_model.set_sort(key)
        self.filters.show_sort(key)
        self._reselect(current.key() if current else None)

    def set_filter(self, kind: str = "all", text: str = "") -> None:
        """Show only groups of ``kind`` with ``text`` in a path; the chosen group stays chosen if it passes."""
        current = self.current_group()
        self.groups_model.set_filter(kind, text)
        self._reselect(current.key() if current else None)

    def current_group(self) -> GroupRow | None:
        return self.members_model.group

    def selected_members(self) -> list[Any]:
        """The copies selected in the strip, in the group's order."""
        group = self.current_group()
        if group is None:
            return []
        rows = sorted({i.row() for i in self.members_view.selectionModel().selectedIndexes()})
        return [group.members[r] for r in rows if 0 <= r < len(group.members)]

    def select_members(self, rows: list[int]) -> None:
        """Select the copies at ``rows`` (the last one current, so it is compared), as Ctrl+clicks would."""
        flags = QItemSelectionModel.SelectionFlag
        selection = self.members_view.selectionModel()
        selection.clearSelection()
        for row in rows:
            selection.setCurrentIndex(self.members_model.index(row), flags.Select)

    def current_member(self) -> Any:
        row = self.members_view.currentIndex().row()
        group = self.current_group()
        return group.members[row] if group is not None and 0 <= row < len(group.members) else None

    def select_group(self, row: int) -> None:
        if 0 <= row < self.groups_model.rowCount():
            index = self.groups_model.index(row)
            self.groups_view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.groups_view.scrollTo(index)
            if self.current_group() is not self.groups_model.group(row):
                self._show_group(row)

    def next_group(self) -> None:
        self.select_group(min(self.groups_view.currentIndex().row() + 1, self.groups_model.rowCount() - 1))

    def previous_group(self) -> None:
        self.select_group(max(self.groups_view.currentIndex().row() - 1, 0))

    def select_member(self, row: int) -> None:
        index = self.members_model.index(row)
        self.members_view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _show_group(self, row: int) -> None:
        group = self.groups_model.group(row) if 0 <= row < self.groups_model.rowCount() else None
        self.members_model.set_group(group)
        self._enable_actions()
        self._show_keep_reason(group)
        if group is None:
            self._show_pair(None, None)
            return
        self.select_member(1 if len(group.members) > 1 else 0)
        self.group_shown.emit(group)

    def _show_keep_reason(self, group: GroupRow | None) -> None:
        """Say which copy stays and why, so the person can trust (or overrule) the keep rules."""
        if group is None:
            self.keep_reason.clear()
            return
        self.keep_reason.setText(
            f"Keeping {Path(group.keeper.path).name}: {group.reason}."
            if group.reason
            else f"Keeping {Path(group.keeper.path).name}."
        )

    def _show_member(self, row: int) -> None:
        group = self.current_group()
        if group is None or row < 0:
            return
        member = group.members[row]
        other = (
            member if member is not group.keeper else next((m for m in group.members if m is not group.keeper), None)
        )
        self._show_pair(group.keeper, other)

    def _enable_actions(self) -> None:
        group = self.current_group()
        for button in (self.keep_button, self.not_match_button, self.same_button, self.diff_button):
            button.setEnabled(group is not None)
        self.trash_button.setEnabled(group is not None and bool(group.others))
        chosen = len(self.selected_members())
        self.split_button.setEnabled(group is not None and 0 < chosen < len(group.members))

    # -- compare and difference ----------------------------------------------------------------
    def _show_pair(self, left: Any, right: Any) -> None:
        self.pair = (left, right) if left is not None and right is not None else None
        left_info = describe(left, self.root) if left is not None else None
        right_info = describe(right, self.root) if right is not None else None
        self.left_meta.show_meta(left_info, right_info, "Kept:")
        self.right_meta.show_meta(right_info, left_info, "Copy:")
        for worker in (self._compare, self._diff):
            if worker is not None:
                worker.cancel()
        self._compare = self._diff = None
        if self.pair is None:
            empty = (
                "No group matches the filter." if self.groups_model.total else "No duplicate groups at this setting."
            )
            self.left.set_image(None, empty if self.root else "")
            self.right.set_image(None)
            return
        self.left.set_image(None, "Loading…")
        self.right.set_image(None, "Loading…")
        pair = self.pair
        worker = Worker(
            lambda cancel: (load_image(pair[0].path), load_image(pair[1].path)), name="compare", parent=self
        )
        worker.finished.connect(lambda images: self._pair_loaded(worker, images))
        worker.failed.connect(lambda message: self._pair_failed(worker, message))
        self._compare = worker
        worker.start()

    def _pair_loaded(self, worker: Worker, images: tuple[Any, Any]) -> None:
        if worker is not self._compare:
            return
        self._compare = None
        pair = self.pair
        if pair is None:  # cannot happen: clearing the pair (``_show_pair``) drops this worker first
            return
        self.left.set_image(images[0], "Cannot decode this file.")
        if self.diff_button.isChecked():
            self._start_difference(pair)
        else:
            self.right.set_image(images[1], "Cannot decode this file.")
        self.compare_shown.emit(*pair)

    def _pair_failed(self, worker: Worker, message: str) -> None:
        if worker is self._compare:
            self._compare = None
            self.left.set_image(None, f"Cannot show the pictures: {message}")
            self.right.set_image(None)

    def toggle_difference(self) -> None:
        """Show |kept - copy| in the right pane instead of the copy, or the copy again."""
        if self.pair is None:
            self.diff_button.setChecked(False)
            return
        if self.diff_button.isChecked():
            self._start_difference(self.pair)
        else:
            self._show_member(self.members_view.currentIndex().row())

    def _start_difference(self, pair: tuple[Any, Any]) -> None:
        self.right.set_image(None, "Computing the difference…")
        worker = Worker(lambda cancel: difference_image(pair[0].path, pair[1].path), name="difference", parent=self)
        worker.finished.connect(lambda result: self._difference_done(worker, result))
        worker.failed.connect(lambda message: self._difference_failed(worker, message))
        self._diff = worker
        worker.start()

    def _difference_failed(self, worker: Worker, message: str) -> None:
        if worker is self._diff:
            self.right.set_image(None, message)

    def _difference_done(self, worker: Worker, result: tuple[Any, float]) -> None:
        if worker is not self._diff:
            return
        self._diff = None
        image, mean = result
        self.right.set_image(image)
        self.right_meta.name.setText(f"<b>Difference:</b> mean {mean:.1%} of full scale (brightened)")
        self.difference_shown.emit(mean)

    # -- actions (the controller does the work) --------------------------------------------------
    def keep_current(self) -> None:
        """Make the selected copy the one to keep in this group (overrides the rules here)."""
        group, member = self.current_group(), self.current_member()
        if group is None or member is None or member is group.keeper:
            return
        if group.protected and Path(member.path) not in group.protected:
            self.show_status("This group has a copy in a reference folder: that one is kept.")
            return
        self.groups_model.set_keeper(self.groups_view.currentIndex().row(), member, "chosen by you")
        self.members_model.set_group(group)
        self._show_keep_reason(group)
        self._enable_actions()
        self.select_member(1)
        self.show_status(f"Keeping {Path(group.keeper.path).name} in this group.")

    def reject_current(self) -> None:
        member = self.current_member()
        if member is not None:
            self.not_a_match_requested.emit(member)

    def split_selection(self) -> None:
        """Ask for the selected copies to be split off as a different picture (one step, undoable)."""
        chosen, group = self.selected_members(), self.current_group()
        if group is None or not chosen:
            return
        if len(chosen) == len(group.members):
            self.show_status("Select only the copies of one picture (Ctrl+click), not the whole group.")
            return
        self.split_requested.emit(chosen)

    def confirm_group(self) -> None:
        if self.current_group() is not None:
            self.same_requested.emit(self.current_group())

    def request_trash(self) -> None:
        group = self.current_group()
        if group is not None and group.others:
            self.trash_requested.emit(group)

    def show_status(self, text: str) -> None:
        self.status.setText(text)
