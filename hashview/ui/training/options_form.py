"""The training options form: label source, method, code length, backbone, weights, epochs, device.

The choices depend on each other, and the form keeps them consistent rather
than letting Start fail: the label source comes first and the methods that
cannot train on it are shown disabled (choosing a source the current method
cannot use switches to the method recommended for it, and says so); the
backbone list is the chosen method's own (feature backbones for the shallow
methods, network trunks for the deep ones, its default preselected); weights
(ImageNet or a file) only apply to torchvision backbones; "My duplicate
decisions" is offered once the library has some. What each method accepts
comes from ``core.methods.method_traits``, a table that imports neither numpy
nor torch.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QFileDialog, QFormLayout, QLabel, QSpinBox, QWidget

from hashview.core.methods import TORCHVISION, method_description, method_names, method_traits, recommended_method
from hashview.core.nets.stopping import StopSettings, duration

logger = logging.getLogger(__name__)

DEVICES = (("auto", "Auto (best available)"), ("cuda", "CUDA GPU"), ("mps", "Apple MPS"), ("cpu", "CPU"))
LABELS = (
    ("folders", "Folders (first-level subfolder = class)"),
    ("decisions", "My duplicate decisions"),
    ("none", "None (unsupervised)"),
)
BACKBONE_TEXT = {
    "pixels": "raw pixels (16×16)",
    "dhln": "dhln: DHLN's three convolutions",
    "cnn": "cnn: small CNN",
    "cnn-l": "cnn-l: small CNN, double width (GPU)",
    "cnn-s": "cnn-s: small CNN, half width",
    "cnn-xs": "cnn-xs: small CNN, quarter width",
    "bae": "bae: the autoencoder's encoder",
    "resnet18": "ResNet-18 (torchvision)",
    "resnet50": "ResNet-50 (torchvision)",
    "mobilenet_v3_small": "MobileNetV3 small (torchvision)",
    "mobilenet_v3_large": "MobileNetV3 large (torchvision)",
}
WEIGHTS = (("none", "From scratch"), ("imagenet", "ImageNet (downloaded on first use)"))
CHOOSE_FILE = "choose"  # the data of the weights item that opens a file dialog
DEFAULT_OPTIONS: dict[str, Any] = {
    "method": recommended_method("none"),  # what the app itself trains for a folder of photos (dupnet), not another
    # method: "Start training" with the form as it opens replaced the library's network with a 64-bit itq
    "bits": None,
    "backbone": None,
    "weights": "none",
    "epochs": None,  # Auto: the method's plan (the supervised ones train until a held-out slice stops improving)
    "device": "auto",
    "labels": "auto",
}
# "bits" None: the method's own code length (MethodTraits.bits), followed as the method changes
# until the user sets one. "auto": the user's decisions once the library has some and the method can learn from
# them (as `hashview train` does), else none; an explicit choice sticks.
NO_DECISIONS_TIP = (
    "No decisions in this library yet: in the duplicates explorer (Edit ▸ Find duplicates…) "
    "mark photos 'Same picture' or 'Not a match', then train dupnet on them."
)


def is_shallow(method: str | None) -> bool:
    return method is not None and method_traits(method).kind == "shallow"


def _method_text(name: str) -> str:
    """The method list's item: the name (networks are named after it) and a few words on what it finds."""
    return f"{name} — {method_description(name).gist}"


def _backbone_text(name: str, method: str) -> str:
    traits = method_traits(method)
    if name == "auto":
        cpu, gpu = traits.auto
        return f"auto: {cpu} on a CPU, {gpu} on a GPU"
    text = BACKBONE_TEXT.get(name, name)
    return text + " (default)" if name == traits.backbones[0] else text


def _set_item_enabled(combo: QComboBox, index: int, enabled: bool, tip: str = "") -> None:
    model = combo.model()
    if isinstance(model, QStandardItemModel):
        model.item(index).setEnabled(enabled)
    combo.setItemData(index, tip or None, Qt.ItemDataRole.ToolTipRole)


def _item_enabled(combo: QComboBox, index: int) -> bool:
    model = combo.model()
    return not isinstance(model, QStandardItemModel) or model.item(index).isEnabled()


class TrainingOptionsForm(QWidget):
    """The options of a training run, kept consistent with each other; ``options()`` gives ``TrainOptions`` fields."""

    noted = Signal(str)
    """A choice changed another one (e.g. the method, for a label source): one line saying which."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels = QComboBox()
        for value, text in LABELS:
            self.labels.addItem(text, value)
        self.method = QComboBox()
        for name in method_names():
            self.method.addItem(_method_text(name), name)
        self.bits = QSpinBox()
        self.bits.setRange(8, 1024)
        self.bits.setSingleStep(8)
        self.bits.setSuffix(" bits")
        self.backbone = QComboBox()  # as wide as its longest text for any method: no jumps when it refills
        self.backbone.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.backbone.setMinimumContentsLength(
            max(len(_backbone_text(b, m)) for m in method_names() for b in method_traits(m).backbones)
        )
        self.weights = QComboBox()
        for value, text in WEIGHTS:
            self.weights.addItem(text, value)
        self.weights.addItem("Weights file…", CHOOSE_FILE)
        self.epochs = QSpinBox()
        self.epochs.setRange(0, 1000)
        self.epochs.setSpecialValueText("Auto")  # 0: no count, the method decides (``plan_text`` says how)
        self.epochs_about = QLabel()  # what the epochs choice means for this method, in one line
        self.epochs_about.setObjectName("EpochsPlan")
        self.epochs_about.setWordWrap(True)
        self.epochs_about.setEnabled(False)  # a caption, not a control
        self.epochs.valueChanged.connect(self._update_plan)
        self.device = QComboBox()
        for value, text in DEVICES:
            self.device.addItem(text, value)
        self.device_used = QLabel("Device: chosen when training starts")
        self.method_about = QLabel()  # the chosen method in one line: what it is good for
        self.method_about.setWordWrap(True)  # two lines at most in the form's width, kept when the dock is short
        self.method_about.setMinimumHeight(2 * self.method_about.fontMetrics().lineSpacing() + 2)
        self.method_about.setEnabled(False)  # the palette's quiet text: a caption, not a control
        self.labels.currentIndexChanged.connect(self._labels_changed)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.backbone.activated.connect(self._backbone_chosen)
        self.backbone.currentIndexChanged.connect(self._update_enabled)
        self.weights.activated.connect(self._weights_chosen)
        self.bits.valueChanged.connect(self._bits_changed)

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Labels", self.labels)
        form.addRow("Method", self.method)
        form.addRow("", self.method_about)
        form.addRow("Code length", self.bits)
        form.addRow("Backbone", self.backbone)
        form.addRow("Weights", self.weights)
        form.addRow("Epochs", self.epochs)
        form.addRow("", self.epochs_about)
        form.addRow("Device", self.device)
        form.addRow("", self.device_used)

        self.running = False
        self._applying = False  # set_options is at work: no notes
        self._custom_backbone = False  # the user picked a backbone other than the method's default
        self._custom_bits = False  # the user set a code length other than the method's default
        self._weights_index = 0  # the last real weights choice (the file dialog may be cancelled)
        self._wanted_labels = "auto"  # the label source asked for, even while it is not available
        self.set_decision_count(None)
        self.set_options(DEFAULT_OPTIONS)

    # -- the chosen options ------------------------------------------------------------
    def options(self) -> dict[str, Any]:
        """The chosen options, as ``TrainOptions`` fields."""
        method = self.method.currentData()
        backbone = self.backbone.currentData()
        weights = self.weights.currentData() if backbone in TORCHVISION else "none"
        options: dict[str, Any] = {
            "method": method,
            "bits": self.bits.value() // 8 * 8 if self._custom_bits else None,  # None: the method's own
            "backbone": backbone,
            "weights": weights if weights != CHOOSE_FILE else "none",
            "device": self.device.currentData(),
            "labels": self.labels.currentData(),
        }
        if not is_shallow(method):
            options["epochs"] = self.epochs.value() or None  # Auto (0): the method's plan
        return options

    def plan_text(self) -> str:
        """How long the chosen options train, in one line ("" for a shallow method, fitted in one pass)."""
        method = self.method.currentData()
        if method is None or is_shallow(method):
            return ""
        count = self.epochs.value()
        if count:
            return f"Trains exactly {count} epoch{'s' if count != 1 else ''} (no early stop; the last one is kept)."
        if method_traits(method).stops_by_probe:
            stop = StopSettings()
            return (
                "Trains until the score on held-out labelled photos stops improving "
                f"(at most {stop.max_epochs} epochs or {duration(stop.budget_for(0))} to "
                f"{duration(stop.max_budget_s)}, by library size); the best epoch is kept."
            )
        return "Trains the method's own plan."

    def set_options(self, options: Mapping[str, Any]) -> None:
        """Show ``options`` (e.g. the last run's, from the settings); unknown or unfitting values are ignored.

        Options left out keep their current values. A method that cannot train
        on the label source given wins over it: the label source becomes the
        method's own.
        """
        current = DEFAULT_OPTIONS
        if self.backbone.count():  # built: options left out keep their current values
            current = {
                **DEFAULT_OPTIONS,
                **self.options(),
                "epochs": self.epochs.value(),
                "labels": self._wanted_labels,
                "backbone": self.backbone.currentData() if self._custom_backbone else None,
            }
        merged = {**current, **{k: v for k, v in options.items() if v is not None}}
        self._applying = True
        try:
            method = merged["method"] if merged["method"] in method_names() else self.method.currentData()
            accepted = method_traits(method).labels
            labels = str(merged["labels"])
            decisions_ready = _item_enabled(self.labels, self.labels.findData("decisions"))
            if labels == "auto":
                self._wanted_labels = labels
                labels = (
                    "decisions"
                    if decisions_ready and "decisions" in accepted
                    else "none"
                    if "none" in accepted
                    else accepted[0]
                )
            else:
                if labels not in accepted:
                    labels = accepted[0]
                self._wanted_labels = labels
                if not _item_enabled(self.labels, self.labels.findData(labels)):  # decisions, none yet
                    labels = "none"
            self._select(self.labels, labels)
            self._select(self.method, method)
            self._fill_backbones()
            backbone = merged.get("backbone")
            self._custom_backbone = False
            if backbone and self.backbone.findData(backbone) >= 0:
                self._select(self.backbone, backbone)
                self._custom_backbone = self.backbone.currentIndex() != 0
            weights = str(merged["weights"] or "none")
            if weights not in ("none", "imagenet", CHOOSE_FILE):
                self.set_weights_file(weights)
            else:
                self._select(self.weights, weights if weights != CHOOSE_FILE else "none")
            self._weights_index = self.weights.currentIndex()
            self._select(self.device, merged["device"])
            self._set_bits(merged.get("bits"))
            with contextlib.suppress(TypeError, ValueError):  # a saved value that is no number: keep the default
                self.epochs.setValue(int(merged["epochs"]))  # 0: Auto
        finally:
            self._applying = False
        self._update_enabled()

    @staticmethod
    def _select(combo: QComboBox, value: Any) -> None:
        index = combo.findData(value)
        if index >= 0 and _item_enabled(combo, index):
            combo.setCurrentIndex(index)

    # -- label source and method -------------------------------------------------------------
    def set_decision_count(self, count: int | None) -> None:
        """How many decisions the open library has (None: no library); "decisions" needs at least one."""
        index = self.labels.findData("decisions")
        some = bool(count)
        text = (
            f"My duplicate decisions ({count} pair{'s' if count != 1 else ''})"
            if some
            else "My duplicate decisions (none yet)"
        )
        self.labels.setItemText(index, text)
        _set_item_enabled(
            self.labels,
            index,
            some,
            "dupnet learns from your 'same picture' / 'not a match' pairs as well as from synthetic edits."
            if some
            else NO_DECISIONS_TIP,
        )
        wanted = self._wanted_labels
        if not some and self.labels.currentData() == "decisions":
            self._applying = True
            self.labels.setCurrentIndex(self.labels.findData("none"))
            self._applying = False
            self._wanted_labels = wanted  # chosen again once the library has decisions
        elif (
            some
            and self.labels.currentData() != "decisions"
            and (wanted == "decisions" or (wanted == "auto" and self._method_takes("decisions")))
        ):
            self._applying = True
            self.labels.setCurrentIndex(index)
            self._applying = False

    def _method_takes(self, labels: str) -> bool:
        method = self.method.currentData()
        return method is not None and labels in method_traits(method).labels

    def _labels_changed(self) -> None:
        labels = self.labels.currentData()
        if not self._applying:
            self._wanted_labels = labels
        method = self.method.currentData()
        if method is not None and labels not in method_traits(method).labels:
            choice = recommended_method(labels)
            self.method.setCurrentIndex(self.method.findData(choice))
            if not self._applying:
                why = {
                    "folders": "Folder labels train the supervised methods",
                    "decisions": "Only dupnet trains on decisions",
                }.get(labels, f"{method} needs class labels")
                self.noted.emit(f"{why}: the method is now {choice}.")
        self._mark_methods()

    def _mark_methods(self) -> None:
        labels = self.labels.currentData()
        for index in range(self.method.count()):
            name = self.method.itemData(index)
            fits = labels in method_traits(name).labels
            tip = method_description(name).line()
            if not fits:
                tip = {
                    "folders": f"{name} learns without class labels: choose Labels: None.",
                    "decisions": f"{name} cannot train on decisions; dupnet can.",
                }.get(labels, f"{name} learns from class labels: choose Labels: Folders.") + f"\n{tip}"
            _set_item_enabled(self.method, index, fits, tip)

    def _method_changed(self) -> None:
        self._fill_backbones()
        if not self._custom_bits:
            self._set_bits(None)
        self._update_enabled()

    # -- code length -----------------------------------------------------------------------------
    def _set_bits(self, bits: Any) -> None:
        """Show ``bits`` (None or unreadable: the chosen method's default); custom when it differs from that."""
        default = method_traits(self.method.currentData()).bits
        try:
            value = int(bits) // 8 * 8 if bits is not None else default
        except (TypeError, ValueError):
            value = default
        self.bits.blockSignals(True)
        self.bits.setValue(value)
        self.bits.blockSignals(False)
        self._custom_bits = self.bits.value() != default

    def _bits_changed(self) -> None:
        if not self._applying:
            self._custom_bits = self.bits.value() != method_traits(self.method.currentData()).bits

    # -- backbone and weights ------------------------------------------------------------------
    def _fill_backbones(self) -> None:
        """The chosen method's backbones; keep the user's own pick when the method has it too."""
        method = self.method.currentData()
        kept = self.backbone.currentData() if self._custom_backbone else None
        self.backbone.blockSignals(True)
        self.backbone.clear()
        for name in method_traits(method).backbones:
            self.backbone.addItem(_backbone_text(name, method), name)
        index = self.backbone.findData(kept) if kept else -1
        self.backbone.setCurrentIndex(max(index, 0))
        self._custom_backbone = index > 0
        self.backbone.blockSignals(False)
        shallow = is_shallow(method)
        self.backbone.setToolTip(
            "The features the method hashes."
            if shallow
            else "The network trained under the hash layer; auto picks by device."
        )

    def _backbone_chosen(self, index: int) -> None:
        self._custom_backbone = index > 0

    def set_weights_file(self, path: str) -> None:
        """Use the weights file at ``path`` (listed as its own item, before "Weights file…")."""
        choose = self.weights.findData(CHOOSE_FILE)
        if choose > len(WEIGHTS):  # a file chosen before: replace it
            self.weights.removeItem(len(WEIGHTS))
            choose -= 1
        self.weights.insertItem(choose, f"File: {Path(path).name}", str(path))
        self.weights.setItemData(choose, str(path), Qt.ItemDataRole.ToolTipRole)
        self.weights.setCurrentIndex(choose)
        self._weights_index = choose

    def _weights_chosen(self, index: int) -> None:
        if self.weights.itemData(index) != CHOOSE_FILE:
            self._weights_index = index
            return
        path = self.ask_weights_path()
        if path:
            self.set_weights_file(path)
        else:
            self.weights.setCurrentIndex(self._weights_index)

    def ask_weights_path(self) -> str:
        """Ask for a weights file (tests replace this)."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Backbone weights", "", "PyTorch weights (*.pt *.pth *.bin);;All files (*)"
        )
        return path

    # -- enabling ----------------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        """Lock every option while a run is going."""
        self.running = running
        self._update_enabled()

    def _update_enabled(self) -> None:
        method = self.method.currentData()
        if method is not None:  # what it is good for, under the list; its full title in the tooltip
            description = method_description(method)
            self.method_about.setText(description.good_for[:1].upper() + description.good_for[1:])
            self.method_about.setToolTip(description.line())
        deep = not is_shallow(method)
        idle = not self.running
        for widget in (self.labels, self.method, self.bits, self.device):
            widget.setEnabled(idle)
        self.backbone.setEnabled(idle and self.backbone.count() > 1)
        self.epochs.setEnabled(idle and deep)
        self.epochs.setToolTip(
            "Auto: the method decides how long to train; a number forces that many epochs."
            if deep
            else "Shallow methods are fitted in one pass: no epochs."
        )
        self._update_plan()
        torchvision = self.backbone.currentData() in TORCHVISION
        self.weights.setEnabled(idle and torchvision)
        # the first item is "from scratch" for a torchvision trunk; for the others the field does not apply, and
        # "From scratch" read wrong while dupnet refined the shipped network
        refines = method == "dupnet"
        self.weights.setItemText(0, WEIGHTS[0][1] if torchvision else "Not used by this trunk")
        self.weights.setToolTip(
            ""
            if torchvision
            else "Only torchvision backbones take pretrained weights. dupnet refines the library's dupnet network or "
            "the shipped one when it has this shape, else it starts from zero."
            if refines
            else "Only torchvision backbones take pretrained weights; this one starts from zero."
        )
        if not self._applying:
            self._mark_methods()

    def _update_plan(self) -> None:
        text = self.plan_text()
        self.epochs_about.setText(text)
        self.epochs_about.setVisible(bool(text))

    def show_device(self, description: str) -> None:
        self.device_used.setText(f"Device in use: {description}")
