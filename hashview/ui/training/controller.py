"""Training and network management for the open library, on the session's job runner.

Start a training run (the panel's options, remembered in the settings),
cancel it (the previous network stays current: the engine makes a network
current only once it is trained and encoded), switch the network search uses
(its codes are encoded in the background first, so search keeps working with
the old one meanwhile), rename, delete and import networks. Torch stays in
the workers: every engine call that may load a network runs in a job.

The networks panel is refreshed whenever the session states readiness (a run
or a switch made another network current, the pipeline trained the first
one) and when the library closes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from hashview.core.errors import LibraryError
from hashview.core.events import CancelToken, Finished, StepLoss
from hashview.ui.session import LibrarySession
from hashview.ui.training.networks_panel import NetworksPanel
from hashview.ui.training.panel import TrainingPanel

logger = logging.getLogger(__name__)

OPTIONS_KEY = "training/last_options"


@dataclass(frozen=True)
class DeviceChosen:
    """The first event of a training job: the device it runs on, named."""

    description: str


class NetworkController(QObject):
    """Connects the training and networks panels to the open library through the job runner."""

    training_ended = Signal(str)
    """'finished', 'cancelled' or 'failed'."""

    def __init__(
        self, session: LibrarySession, training: TrainingPanel, networks: NetworksPanel, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.jobs = session.jobs
        self.training = training
        self.networks = networks
        training.start_requested.connect(self.start_training)
        training.cancel_requested.connect(self.jobs.cancel)
        networks.use_requested.connect(self.use_network)
        networks.rename_requested.connect(self.rename_network)
        networks.delete_requested.connect(self.delete_network)
        networks.import_requested.connect(self.import_network)
        session.ready_changed.connect(lambda _ready: self.refresh())
        session.learning_started.connect(self._learning_started)
        session.learning_event.connect(self._show_training_event)
        session.learning_ended.connect(self._learning_ended)
        session.closed.connect(self.refresh)
        saved = self._saved_options()
        if saved:
            training.set_options(saved)

    # -- settings --------------------------------------------------------------------
    def _saved_options(self) -> dict[str, Any]:
        try:
            value = json.loads(str(self.session.settings.value(OPTIONS_KEY, "{}")))
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    # -- training -----------------------------------------------------------------------
    def start_training(self, options: dict[str, Any]) -> bool:
        """Train a network with ``options`` (TrainOptions fields); False when it cannot start now."""
        session, library = self.session, self.session.library
        if library is None:
            session.show_status("Open a folder first, then train a network on it.")
            return False
        if self.jobs.current is not None:
            session.show_status(
                f"Wait until {self.jobs.current.name} has finished (or cancel it), then start training."
            )
            return False
        session.settings.setValue(OPTIONS_KEY, json.dumps(options))

        def work(cancel: CancelToken) -> Iterator[Any]:
            from hashview.core.nets.device import describe_device, pick_device
            from hashview.core.train.pipeline import TrainOptions

            yield DeviceChosen(describe_device(pick_device(options.get("device", "auto"))))
            # the library's current network answers until the person says to use the new one (``_trained``)
            yield from library.train(TrainOptions(**options, keep_current=True), cancel)

        self.training.set_running(True)
        self.jobs.run(
            "train",
            work,
            f"Training {options.get('method')}…",
            on_event=self._show_training_event,
            on_success=self._trained,
            on_failure=self._training_failed,
            on_cancel=self._training_cancelled,
        )
        session.show_status(
            f"Training {options.get('method')} on {library.root}; search keeps the current network meanwhile."
        )
        return True

    def _show_training_event(self, event: Any) -> None:
        if isinstance(event, DeviceChosen):
            self.training.show_device(event.description)
            return
        self.training.show_event(event)
        if not isinstance(event, StepLoss):
            self.session.show_event(event)

    def _trained(self, summary: Any) -> None:
        summary = dict(summary or {})
        if summary.get("kept"):  # a new network beside the one the library answers with: the person decides
            self._offer_new_network(summary)
            return
        info = self.session.current_network()
        self.training.show_finished({**(info.stats if info else {}), **summary, "name": info.name if info else None})
        if summary.get("switched") is False:  # a refinement that measured no better: the network it refined stays
            message = f"Trained a refinement; {info.name if info else 'the previous network'} measured better and stays in use."
        else:
            message = f"Trained {info.name if info else 'a network'}: search now uses it."
        self.refresh()
        self.session.set_ready(True, message)
        self.training_ended.emit("finished")

    def _offer_new_network(self, summary: dict[str, Any]) -> None:
        """Ask whether the network just trained replaces the one search and duplicates use now.

        Switching by itself replaced a 128-bit DupNet that finds edited copies
        with whatever the form held (a 64-bit itq that finds few) the moment the
        run ended (issue 22, item 2). The two retrieval scores are shown where both
        were measured on synthetic copies of this library's photos; otherwise the
        question says they are not comparable. Either way the new network is
        encoded and kept, and the Networks panel switches to it at any time.
        """
        library = self.session.library
        new = next((n for n in library.networks.all() if n.id == summary.get("network")), None)
        current = library.networks.current()
        if new is None or current is None:
            self.refresh()
            self.training_ended.emit("finished")
            return
        if ask_to_switch(self.training, network_choice_text(new, current)):
            library.networks.set_current(new.id)
            summary = {**summary, "kept": False, "switched": True}
            message = f"Trained {new.name}: search now uses it."
        else:
            message = f"Trained {new.name}; {current.name} stays in use (switch in the Networks panel at any time)."
        self.training.show_finished({**new.stats, **summary, "name": new.name})
        self.refresh()
        self.session.set_ready(True, message)
        self.training_ended.emit("finished")

    def _learning_started(self) -> None:
        """The library feature started learning a new library: show it as a run of this panel."""
        self.training.set_running(True)
        self.training.status.setText("Learning this library in the background (refining the shipped network)…")

    def _learning_ended(self, summary: Any) -> None:
        if summary is None:  # failed or cancelled: the library feature said which in the status bar
            current = self.session.current_network()
            self.training.show_stopped(
                f"Learning this library stopped: {current.name if current else 'the previous network'} stays in use."
            )
        else:
            info = self.session.current_network()
            self.training.show_finished(
                {**(info.stats if info else {}), **dict(summary), "name": info.name if info else None}
            )
        self.refresh()

    def _training_failed(self, message: str, details: str) -> None:
        self.session.report_error("Train failed", message, details)
        self.training.show_stopped(f"Training failed: {message}\nThe previous network stays in use.")
        self.refresh()
        self.training_ended.emit("failed")

    def _training_cancelled(self) -> None:
        current = self.session.current_network()
        kept = f"{current.name} stays in use" if current else "no network yet"
        self.training.show_stopped(f"Training cancelled: {kept}.")
        self.session.show_status(f"Training cancelled: {kept}.")
        self.refresh()
        self.training_ended.emit("cancelled")

    # -- networks -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the open library's networks (none when no library is open) and its decision count."""
        library = self.session.library
        if library is None:
            self.networks.set_networks([], None)
        else:
            current = library.networks.current()
            self.networks.set_networks(library.networks.all(), current.id if current else None)
        self.show_decisions()

    def show_decisions(self) -> None:
        """Tell the training panel how many duplicate decisions the library has to train on."""
        library = self.session.library
        self.training.set_decision_count(library.decisions.count() if library is not None else None)

    def use_network(self, network_id: str) -> bool:
        """Encode the library with ``network_id`` in the background, then make it current."""
        session, library = self.session, self.session.library
        if library is None or self.jobs.busy():
            session.show_status("Wait until the running job has finished, then choose the network again.")
            return False

        def work(cancel: CancelToken) -> Iterator[Any]:
            summary: dict[str, Any] = {}  # encode always ends with Finished; {} is Finished's own default
            for event in library.encode(network_id, cancel):
                if isinstance(event, Finished):
                    summary = event.summary
                else:
                    yield event
            library.networks.set_current(network_id)
            yield Finished(summary)

        def switched(_summary: Any) -> None:
            current = session.current_network()
            session.set_ready(True, f"Search now uses {current.name if current else 'no network'}.")

        self.jobs.run(
            "switch",
            work,
            "Encoding with the chosen network…",
            on_success=switched,
            on_failure=lambda message, details: session.report_error("Switch failed", message, details),
            on_cancel=lambda: session.show_status("Switching cancelled: the current network stays in use."),
        )
        session.show_status("Encoding the library with the chosen network; search uses the current one until then.")
        return True

    def rename_network(self, network_id: str, name: str) -> None:
        try:
            info = self.session.library.networks.rename(network_id, name)
        except LibraryError as exc:
            self.session.report_error("Cannot rename the network", str(exc))
            return
        self.refresh()
        self.session.show_status(f"Renamed the network to {info.name}.")

    def delete_network(self, network_id: str, make_current: str | None, leave_none: bool) -> None:
        session, library = self.session, self.session.library
        if self.jobs.busy():
            session.show_status("Wait until the running job has finished, then delete the network.")
            return
        if make_current is not None and not library.codes_ready(make_current):
            session.report_error(
                "Cannot delete the network yet",
                "Use the other network for search first (it needs encoding), then delete this one.",
            )
            return
        try:
            current = library.networks.delete(network_id, make_current=make_current, leave_none=leave_none)
        except LibraryError as exc:
            session.report_error("Cannot delete the network", str(exc))
            return
        if current is None:  # set_ready refreshes the panel
            session.set_ready(False, "No network left: train or import one to search again.")
        else:
            session.set_ready(True, f"Deleted; search uses {current.name}.")

    def import_network(self, path: Path) -> bool:
        """Validate and copy a network file into the library (in a job: it loads torch)."""
        session, library = self.session, self.session.library
        if library is None or self.jobs.busy():
            session.show_status("Open a folder and wait for its jobs to finish, then import the network.")
            return False

        def imported(info: Any) -> None:
            self.refresh()
            self.networks.select(info.id)
            session.show_status(
                f"Imported {info.name} ({info.method}, {info.bits} bits): "
                "choose 'Use for search' to encode the library with it."
            )

        self.jobs.run(
            "import",
            lambda cancel: library.networks.import_file(path),
            f"Importing {Path(path).name}…",
            on_success=imported,
            on_failure=lambda message, details: session.report_error("Import failed", message, details),
        )
        return True


def _score(info: Any) -> tuple[float | None, str | None]:
    """A network's retrieval score on this library's photos and what it was measured on (None where it was not:
    the shipped network's score is from its own training photos, not this library's)."""
    from hashview.core.nets.general import is_general

    stats = info.stats or {}
    value = stats.get("map")
    if value is None or is_general(getattr(info, "config", None) or {}):
        return None, None
    return float(value), stats.get("ground_truth")


def network_choice_text(new: Any, current: Any) -> str:
    """The question put when a run trained beside the network in use: both named, both scores where comparable."""
    new_map, new_truth = _score(new)
    cur_map, cur_truth = _score(current)
    lines = [
        f"{new.name} ({new.method}, {new.bits} bits) is trained.",
        f"Search and duplicates use {current.name} now.",
    ]
    if new_map is not None and cur_map is not None and new_truth and new_truth == cur_truth:
        verdict = "higher" if new_map > cur_map else "not higher"
        lines.append(
            f"On edited copies of held-out photos {new.name} scores {new_map:.3f}, {current.name} {cur_map:.3f} "
            f"(1 is perfect): the new one is {verdict}."
        )
    else:
        lines.append("Their scores were measured on different tests and cannot be compared.")
    lines.append(f"Use {new.name} for search and duplicates?")
    return "\n\n".join(lines)


def ask_to_switch(parent: Any, text: str) -> bool:
    """Yes: use the new network. The default button keeps the current one: nothing changes on Enter."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Question, "Use the new network?", text, parent=parent)
    use = box.addButton("Use the new network", QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton("Keep the current one", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.exec()
    return box.clickedButton() is use
