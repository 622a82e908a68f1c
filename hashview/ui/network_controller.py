"""Training and network management for the open library, on the window's job runner.

Start a training run (the panel's options, remembered in the settings),
cancel it (the previous network stays current: the engine makes a network
current only once it is trained and encoded), switch the network search uses
(its codes are encoded in the background first, so search keeps working with
the old one meanwhile), rename, delete and import networks. Torch stays in
the workers: every engine call that may load a network runs in a job.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from hashview.core.events import Finished, StepLoss

if TYPE_CHECKING:
    from hashview.ui.main_window import MainWindow

logger = logging.getLogger(__name__)

OPTIONS_KEY = "training/last_options"


@dataclass(frozen=True)
class DeviceChosen:
    """The first event of a training job: the device it runs on, named."""

    description: str


class NetworkController(QObject):
    """Connects the training and networks panels to the library through the job runner."""

    networks_changed = Signal()
    training_ended = Signal(str)
    """'finished', 'cancelled' or 'failed'."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.jobs = window.jobs
        self.training = window.training_panel
        self.networks = window.networks_panel
        self.training.start_requested.connect(self.start_training)
        self.training.cancel_requested.connect(self.jobs.cancel)
        self.networks.use_requested.connect(self.use_network)
        self.networks.rename_requested.connect(self.rename_network)
        self.networks.delete_requested.connect(self.delete_network)
        self.networks.import_requested.connect(self.import_network)
        self.jobs.event_received.connect(self._show_event)
        self.jobs.succeeded.connect(self._succeeded)
        self.jobs.failed.connect(self._failed)
        self.jobs.cancelled.connect(self._cancelled)
        saved = self._saved_options()
        if saved:
            self.training.set_options(saved)

    # -- settings --------------------------------------------------------------------
    def _saved_options(self) -> dict[str, Any]:
        try:
            value = json.loads(str(self.window.settings.value(OPTIONS_KEY, "{}")))
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    # -- training -----------------------------------------------------------------------
    def start_training(self, options: dict[str, Any]) -> bool:
        """Train a network with ``options`` (TrainOptions fields); False when it cannot start now."""
        library = self.window.library
        if library is None:
            self.window.set_status("Open a folder first, then train a network on it.")
            return False
        if self.jobs.busy():
            self.window.set_status(f"Wait until {self.jobs.step} has finished (or cancel it), then start training.")
            return False
        self.window.settings.setValue(OPTIONS_KEY, json.dumps(options))

        def job(cancel):
            from hashview.core.nets.device import describe_device, pick_device

            yield DeviceChosen(describe_device(pick_device(options.get("device", "auto"))))
            yield from library.train(cancel=cancel, **options)

        self.training.set_running(True)
        self.jobs.run("train", job, f"Training {options.get('method')}…")
        self.window.set_status(f"Training {options.get('method')} on {library.root}; search keeps the current network meanwhile.")
        return True

    def _show_event(self, step: str, event: Any) -> None:
        if step != "train":
            return
        if isinstance(event, DeviceChosen):
            self.training.show_device(event.description)
            return
        self.training.show_event(event)
        if not isinstance(event, StepLoss):
            self.window.show_event(event)

    # -- networks -------------------------------------------------------------------------
    def refresh(self) -> None:
        library = self.window.library
        if library is None:
            self.networks.set_networks([], None)
        else:
            current = library.current_network()
            self.networks.set_networks(library.networks(), current.id if current else None)
        self.show_decisions()
        self.networks_changed.emit()

    def show_decisions(self) -> None:
        """Tell the training panel how many duplicate decisions the library has to train on."""
        library = self.window.library
        self.training.set_decision_count(library.decision_count() if library is not None else None)

    def use_network(self, network_id: str) -> bool:
        """Encode the library with ``network_id`` in the background, then make it current."""
        library = self.window.library
        if library is None or self.jobs.busy():
            self.window.set_status("Wait until the running job has finished, then choose the network again.")
            return False

        def job(cancel):
            summary = None
            for event in library.encode(network_id, cancel):
                if isinstance(event, Finished):
                    summary = event.summary
                else:
                    yield event
            library.set_current_network(network_id)
            yield Finished(summary)

        self.jobs.run("switch", job, "Encoding with the chosen network…")
        self.window.set_status("Encoding the library with the chosen network; search uses the current one until then.")
        return True

    def rename_network(self, network_id: str, name: str) -> None:
        from hashview.core.library import LibraryError

        try:
            info = self.window.library.rename_network(network_id, name)
        except LibraryError as exc:
            self.window.report_error("Cannot rename the network", str(exc))
            return
        self.refresh()
        self.window.set_status(f"Renamed the network to {info.name}.")

    def delete_network(self, network_id: str, make_current: str | None, leave_none: bool) -> None:
        from hashview.core.library import LibraryError

        library = self.window.library
        if self.jobs.busy():
            self.window.set_status("Wait until the running job has finished, then delete the network.")
            return
        if make_current is not None and not library.codes_ready(make_current):
            self.window.report_error("Cannot delete the network yet",
                                     "Use the other network for search first (it needs encoding), then delete this one.")
            return
        try:
            current = library.delete_network(network_id, make_current=make_current, leave_none=leave_none)
        except LibraryError as exc:
            self.window.report_error("Cannot delete the network", str(exc))
            return
        self.refresh()
        if current is None:
            self.window.set_ready(False, "No network left: train or import one to search again.")
        else:
            self.window.set_ready(True, f"Deleted; search uses {current.name}.")

    def import_network(self, path: Path) -> bool:
        """Validate and copy a network file into the library (in a job: it loads torch)."""
        library = self.window.library
        if library is None or self.jobs.busy():
            self.window.set_status("Open a folder and wait for its jobs to finish, then import the network.")
            return False
        self.jobs.run("import", lambda cancel: library.import_network(path), f"Importing {Path(path).name}…")
        return True

    # -- outcomes -----------------------------------------------------------------------
    def _succeeded(self, step: str, summary: Any) -> None:
        if step == "train":
            info = self.window.library.current_network()
            self.training.show_finished({**(info.stats if info else {}), **(summary or {}),
                                         "name": info.name if info else None})
            self.refresh()
            self.window.set_ready(True, f"Trained {info.name if info else 'a network'}: search now uses it.")
            self.training_ended.emit("finished")
        elif step == "switch":
            self.refresh()
            current = self.window.library.current_network()
            self.window.set_ready(True, f"Search now uses {current.name if current else 'no network'}.")
        elif step == "import":
            self.refresh()
            self.networks.select(summary.id)
            self.window.set_status(f"Imported {summary.name} ({summary.method}, {summary.bits} bits): "
                                   "choose 'Use for search' to encode the library with it.")

    def _failed(self, step: str, message: str, details: str) -> None:
        if step in ("train", "switch", "import"):
            self.window.report_error(f"{step.capitalize()} failed", message, details)
        if step == "train":
            self.training.show_stopped(f"Training failed: {message}\nThe previous network stays in use.")
            self.refresh()
            self.training_ended.emit("failed")

    def _cancelled(self, step: str) -> None:
        if step == "train":
            current = self.window.library.current_network() if self.window.library else None
            kept = f"{current.name} stays in use" if current else "no network yet"
            self.training.show_stopped(f"Training cancelled: {kept}.")
            self.window.set_status(f"Training cancelled: {kept}.")
            self.refresh()
            self.training_ended.emit("cancelled")
        elif step == "switch":
            self.window.set_status("Switching cancelled: the current network stays in use.")
