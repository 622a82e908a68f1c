"""The method registry: one name, one module, one hashing method.

Each method module defines a ``METHOD`` object with ``name``, ``title``,
``kind`` ("shallow": hashes a fixed feature vector; "deep": trains a network),
``needs_labels`` and its defaults. Modules are imported on demand so that
listing methods costs nothing; ``method_traits`` says what each trains on
without importing it (the app asks before torch may load), and a test holds
those traits to the ``METHOD`` objects.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar, cast

from hashview.core.errors import HashviewError

if TYPE_CHECKING:  # the method modules load on demand (deep ones bring torch); only their types here
    from hashview.core.methods.deep import DeepMethod
    from hashview.core.methods.shallow import ShallowMethod

_MODULES = {
    "lsh": "hashview.core.methods.lsh",
    "pcah": "hashview.core.methods.pcah",
    "itq": "hashview.core.methods.itq",
    "dhln": "hashview.core.methods.dhln",
    "ssdh": "hashview.core.methods.ssdh",
    "dshsre": "hashview.core.methods.dshsre",
    "ddh": "hashview.core.methods.ddh",
    "bae": "hashview.core.methods.bae",
    "dupnet": "hashview.core.methods.dupnet",
}

DEFAULT_METHOD = "dupnet"  # without labels: learns duplicates from the library (benchmarks.dups)
DEFAULT_LABELLED_METHOD = "ssdh"  # with class labels (--labels folders)
DEFAULT_PAIRS_METHOD = "dupnet"  # with the user's duplicate decisions (--labels decisions)

DEFAULT_BITS = 64  # the code length of a method that names none (MethodTraits.bits)

LABEL_SOURCES = ("folders", "decisions", "none")
"""Where supervision comes from: first-level folder names as classes, the user's
"same picture" / "not a match" decisions as pairs, or nowhere (unsupervised)."""

TORCHVISION = ("resnet18", "resnet50", "mobilenet_v3_small", "mobilenet_v3_large")  # backbones.TORCHVISION_BACKBONES
FEATURES = ("pixels", *TORCHVISION)  # what shallow methods hash: raw pixels or a torchvision net's pooled features
SMALL_NETS = (
    "cnn",
    "cnn-l",
    "cnn-s",
    "cnn-xs",
    "dhln",
)  # from-scratch trunks of network.py (bae's encoder is bae's alone)


@dataclass(frozen=True)
class MethodTraits:
    """What a method trains on and is built on."""

    kind: str  # "shallow" or "deep"
    labels: tuple[str, ...]  # the label sources it can train on, its default first
    backbones: tuple[str, ...]  # what it can be built on, its default first; "auto" is picked by device
    auto: tuple[str, str] = ("", "")  # the trunk "auto" stands for on a CPU and on a GPU
    bits: int = DEFAULT_BITS  # the code length it trains when none is asked for
    # with no epoch count asked for, trains until a held-out slice of its labelled images stops improving
    # (``DeepDefaults.stop``, ``nets/stopping.py``); False: its own fixed plan
    stops_by_probe: bool = False


_SHALLOW = MethodTraits("shallow", ("none",), FEATURES)
_AUTO_TRUNK = MethodTraits("deep", ("none",), ("auto", *SMALL_NETS, *TORCHVISION), ("cnn-s", "cnn"))
_TRAITS = {
    "lsh": _SHALLOW,
    "pcah": _SHALLOW,
    "itq": _SHALLOW,
    "dhln": MethodTraits(
        "deep", ("folders",), ("dhln", "cnn", "cnn-l", "cnn-s", "cnn-xs", *TORCHVISION), stops_by_probe=True
    ),
    "ssdh": MethodTraits("deep", ("folders",), _AUTO_TRUNK.backbones, _AUTO_TRUNK.auto, stops_by_probe=True),
    "dshsre": MethodTraits("deep", ("folders",), _AUTO_TRUNK.backbones, _AUTO_TRUNK.auto, stops_by_probe=True),
    "ddh": _AUTO_TRUNK,
    "bae": MethodTraits("deep", ("none",), ("bae",)),  # its decoder mirrors this encoder
    # 128 bits: at 64, a look-alike set's copies and different photos crowd the same few bits
    # (dupset_s1: F1 0.976 in 815 steps); six 128-bit networks on both development sets scored
    # 0.994 to 0.999, every edit >= 0.98 (benchmarks/results/dups-*-128bits*.txt, docs/lab-notes.md run 8)
    "dupnet": MethodTraits("deep", ("none", "decisions"), _AUTO_TRUNK.backbones, ("cnn-xs", "cnn"), bits=128),
}


@dataclass(frozen=True)
class MethodDescription:
    """A method in words for people: its full title (the module's ``METHOD.title``) and what it is good for."""

    title: str
    gist: str  # a few words for the method list, after the name
    good_for: str  # one line: what it learns from and when to choose it

    def line(self) -> str:
        return f"{self.title}: {self.good_for}"


# the training panel shows these under its method list (bare acronyms said nothing); test_methods holds the
# titles to the modules' METHOD.title, so they are written here to keep torch out of the app's first window
_DESCRIPTIONS = {
    "lsh": MethodDescription(
        "Locality-sensitive hashing (random projections)",
        "random baseline",
        "no learning at all; instant, the baseline the others must beat.",
    ),
    "pcah": MethodDescription(
        "PCA hashing",
        "quick baseline",
        "learns the main directions of the pixels in seconds; better than random, below itq.",
    ),
    "itq": MethodDescription(
        "Iterative quantisation",
        "fast, near-identical copies",
        "fast (seconds on a CPU); finds near-identical copies, misses crops and heavy edits.",
    ),
    "dhln": MethodDescription(
        "Deep hashing learning network (DHLN)",
        "folder classes, small network",
        "a small network that learns your subfolders as classes; finds pictures of the same kind.",
    ),
    "ssdh": MethodDescription(
        "Supervised semantics-preserving deep hashing (SSDH)",
        "folder classes",
        "learns your subfolders as classes; the best choice when folders are categories.",
    ),
    "dshsre": MethodDescription(
        "Deep supervised hashing with symmetric relative entropy (DSHSRE)",
        "folder classes and look-alikes",
        "learns folder classes, keeps look-alikes close; for sorted libraries.",
    ),
    "ddh": MethodDescription(
        "Deep discrete hashing with self-supervised pairwise labels (DDH)",
        "look-alikes, no labels",
        "no labels; learns from each photo's look-alikes here, for similar pictures.",
    ),
    "bae": MethodDescription(
        "Binary autoencoder (steep-tanh codes)",
        "autoencoder, no labels",
        "no labels; learns to redraw the photos: general likeness, weaker on edited copies.",
    ),
    "dupnet": MethodDescription(
        "Self-supervised duplicate hashing on synthetic edits (DupNet)",
        "edited copies, recommended",
        "recommended; learns from edited copies of your photos: crops, re-saves, resizes.",
    ),
}


def method_description(name: str) -> MethodDescription:
    """What ``name`` is and what it is good for, in one line, without importing it.

    Raises:
        UnknownMethodError: listing the known names.
    """
    return _known(_DESCRIPTIONS, name)


class UnknownMethodError(HashviewError, ValueError):
    """A method name that is not in the registry (the message lists the known ones)."""


T = TypeVar("T")


def _known(table: Mapping[str, T], name: str) -> T:
    """``table[name]``, or the one-line error that lists the known names."""
    try:
        return table[name]
    except KeyError:
        raise UnknownMethodError(f"unknown method {name!r}; choose one of {', '.join(_MODULES)}") from None


def method_names() -> list[str]:
    return list(_MODULES)


def method_traits(name: str) -> MethodTraits:
    """What ``name`` trains on (label sources) and is built on (backbones), without importing it.

    Raises:
        UnknownMethodError: listing the known names.
    """
    return _known(_TRAITS, name)


def methods_for_labels(labels: str) -> list[str]:
    """The methods that can train on the label source ``labels``."""
    return [name for name in _MODULES if labels in _TRAITS[name].labels]


def recommended_method(labels: str) -> str:
    """The method ``hashview train`` uses when none is named, for a label source."""
    return {"folders": DEFAULT_LABELLED_METHOD, "decisions": DEFAULT_PAIRS_METHOD}.get(labels, DEFAULT_METHOD)


def get_method(name: str) -> ShallowMethod | DeepMethod:
    """Return the ``METHOD`` object of ``name`` (``method.kind`` tells which of the two it is).

    Raises:
        UnknownMethodError: listing the known names.
    """
    try:
        module_name = _MODULES[name]
    except KeyError:
        raise UnknownMethodError(f"unknown method {name!r}; choose one of {', '.join(_MODULES)}") from None
    # a module imported by name is Any to the type checker; every module of _MODULES defines METHOD as one of these
    return cast("ShallowMethod | DeepMethod", importlib.import_module(module_name).METHOD)
