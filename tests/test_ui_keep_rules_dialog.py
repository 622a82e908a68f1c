"""The keep-rules editor, opened from the duplicates explorer: order, switches, folders, OK and Cancel.

The dialog is driven as a person would: the explorer's "Keep rules…" button,
the Up/Down buttons, a rule's check box, "Add…" through Qt's own folder
dialog (answered from the event loop), "Remove", then OK or Cancel. The
policy it gives back is what the controller uses and remembers.
"""

from __future__ import annotations

import os
from pathlib import Path

from dialog_answers import answer_next_dialog, choose_folder
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from test_ui_duplicates import FakeLibrary, build

from hashview.core.duplicates.keep_rules import DEFAULT_ORDER, RULES, KeepPolicy
from hashview.ui.duplicates.controller import RULES_KEY
from hashview.ui.duplicates.keep_rules_dialog import KeepRulesDialog


def rule_names(dialog: KeepRulesDialog) -> list[str]:
    return [dialog.rules.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dialog.rules.count())]


def open_rules(qtbot, explorer, controller) -> KeepRulesDialog:
    explorer.rules_button.click()
    dialog = controller.rules_dialog
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_rules_are_reordered_switched_off_and_folders_chosen_then_kept(qtbot, tmp_path):
    _library, explorer, controller = build(qtbot, tmp_path, FakeLibrary(tmp_path / "fake"))
    assert controller.policy == KeepPolicy()
    dialog = open_rules(qtbot, explorer, controller)
    assert rule_names(dialog) == list(DEFAULT_ORDER)
    assert [dialog.rules.item(i).text() for i in range(dialog.rules.count())] == [RULES[n] for n in DEFAULT_ORDER]

    # Up on the first rule does nothing; Down moves it below the second
    dialog.rules.setCurrentRow(0)
    dialog.up_button.click()
    assert rule_names(dialog) == list(DEFAULT_ORDER)
    dialog.down_button.click()
    first, second, *rest = DEFAULT_ORDER
    assert rule_names(dialog) == [second, first, *rest] and dialog.rules.currentRow() == 1
    dialog.rules.setCurrentRow(len(DEFAULT_ORDER) - 1)
    dialog.down_button.click()  # the last one stays last
    assert rule_names(dialog)[-1] == DEFAULT_ORDER[-1]
    # a rule switched off leaves the policy's order
    dialog.rules.item(0).setCheckState(Qt.CheckState.Unchecked)

    # folders come from the platform's folder dialog; Cancel there adds nothing
    best, archive = tmp_path / "fake" / "g0", tmp_path / "fake" / "g1"
    add_preferred, remove_preferred = dialog.folder_buttons[dialog.preferred]
    add_reference, _remove = dialog.folder_buttons[dialog.reference]
    seen = answer_next_dialog(lambda folder_dialog: folder_dialog.reject(), kind=QFileDialog)
    add_preferred.click()
    assert seen and dialog.preferred.count() == 0
    seen = answer_next_dialog(choose_folder(best), kind=QFileDialog)
    add_preferred.click()
    assert seen and seen[0]["title"] == "Choose a folder"
    seen = answer_next_dialog(choose_folder(archive), kind=QFileDialog)
    add_preferred.click()
    assert [dialog.preferred.item(i).text() for i in range(dialog.preferred.count())] == [str(best), str(archive)]
    dialog.preferred.setCurrentRow(1)
    remove_preferred.click()
    seen = answer_next_dialog(choose_folder(archive), kind=QFileDialog)
    add_reference.click()
    assert seen and dialog.reference.count() == 1

    with qtbot.waitSignal(dialog.policy_chosen) as blocker:
        dialog.accept()
    chosen = blocker.args[0]
    assert chosen == KeepPolicy((first, *rest), (best,), (archive,))
    assert controller.policy == chosen
    assert KeepPolicy.from_json(str(controller.settings.value(RULES_KEY))) == chosen

    # opened again, the dialog shows the policy in use; Cancel changes nothing
    dialog = open_rules(qtbot, explorer, controller)
    assert rule_names(dialog) == [first, *rest, second]  # switched-off rules are listed last
    assert dialog.rules.item(len(DEFAULT_ORDER) - 1).checkState() == Qt.CheckState.Unchecked
    dialog.rules.item(len(DEFAULT_ORDER) - 1).setCheckState(Qt.CheckState.Checked)
    dialog.reject()
    assert controller.policy == chosen


def test_the_keeper_follows_the_rules_chosen_in_the_dialog(qtbot, tmp_path):
    """Putting "oldest" first in the dialog makes an older, smaller copy the keeper of its group."""
    library = FakeLibrary(tmp_path / "fake")
    older = tmp_path / "fake" / "g1" / "copy1.jpg"
    os.utime(older, (946_684_800, 946_684_800))  # 2000-01-01: older than its original
    _library, explorer, controller = build(qtbot, tmp_path, library)

    def keeper_of_g1() -> Path:
        for row in range(explorer.groups_model.rowCount()):
            explorer.select_group(row)
            if Path(explorer.current_group().keeper.path).parent.name == "g1":
                return Path(explorer.current_group().keeper.path)
        raise AssertionError("no group of g1 on screen")

    assert keeper_of_g1() == tmp_path / "fake" / "g1" / "original.jpg"  # the highest resolution
    dialog = open_rules(qtbot, explorer, controller)
    dialog.rules.setCurrentRow(rule_names(dialog).index("oldest"))
    while dialog.rules.currentRow() > 0:
        dialog.up_button.click()
    with qtbot.waitSignal(dialog.policy_chosen):
        dialog.accept()
    assert controller.policy.order[0] == "oldest"
    assert keeper_of_g1() == older
    assert "copy1.jpg" in explorer.keep_reason.text()
