"""Retrieval measured after every training epoch, for the live precision-recall plot.

A fixed sample of the training data is encoded after each epoch and ranked by
Hamming distance. With class labels, a result is relevant when it shares the
query's class (the queries are left out of the database). Without labels there
is no class to share, so the ground truth is made: each query is a synthetic
edit of one database photo (one family of ``core/nets/edits`` each, drawn by
the run's rates: a crop, a filter, a caption, a recompression...), and
only that photo is relevant. The report says which ground
truth it used, so the plot can say so too.

The sample is small (a few hundred queries against a couple of thousand
images) so an epoch's measurement takes a fraction of a second on a CPU.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from hashview.core.hamming.codes import pack_padded
from hashview.core.hamming.metrics import evaluate_codes

if TYPE_CHECKING:
    from hashview.core.nets.network import HashNet

COPY_SHARE = 0.98
"""The share of synthetic copies the reported copy distance holds, which the suggested radius then
covers: the duplicates goal asks 98 % recall of every kind of edit. Over 18 trained networks on the
development sets (1,080 steps, 1,000 copies; ``benchmarks/studies/radius_rules.py``), 95 % cut crops in two
(recall 0.93, 0.95), 98 % in none (F1 0.991 to 0.999), 99 % let precision fall (F1 down to 0.986)."""


class RetrievalProbe:
    """Encodes a fixed sample with the network being trained and scores its codes.

    Args:
        images: uint8 (n, h, w, c) training images at the network's input size.
        labels: class per image, or None (then synthetic edits are the ground truth).
        queries: how many queries to rank.
        database: how many images to rank them against.
        edit_rates: how often each edit family is drawn for the copies (the run's, ``edit_vocabulary``);
            None: the defaults.
    """

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray | None,
        seed: int = 0,
        queries: int = 200,
        database: int = 2000,
        edit_rates: Mapping[str, float] | None = None,
    ) -> None:
        rng = np.random.default_rng([seed, 7])
        n = len(images)
        self.labels = labels
        self.ground_truth = "class labels" if labels is not None else "synthetic edits of held-out photos"
        if labels is not None:
            order = rng.permutation(n)
            q = order[: min(queries, max(1, n // 5))]
            db = order[len(q) : len(q) + database]
            self.query_images, self.query_labels = images[q], np.asarray(labels)[q]
            self.db_images, self.db_labels = images[db], np.asarray(labels)[db]
        else:
            db = rng.permutation(n)[: min(database, n)]
            picked = rng.choice(len(db), min(queries, len(db)), replace=False)
            self.db_images, self.db_labels = images[db], np.arange(len(db))
            self.query_images, self.query_labels = _edited(images[db[picked]], seed, edit_rates), picked

    @classmethod
    def held_out(
        cls,
        queries: np.ndarray,
        query_labels: np.ndarray,
        images: np.ndarray,
        labels: np.ndarray,
        seed: int = 0,
        database: int = 2000,
    ) -> RetrievalProbe:
        """A probe whose queries are images the run never trains on (``held_out_rows``), ranked against a
        sample of its training images: what an open run's stopping rule reads (``stopping.py``). The
        ranking mirrors retrieval as it is used (and the cifar-s2 protocol): new photos against a library
        the network was trained on."""
        probe = cls.__new__(cls)  # the attributes ``__init__`` sets, from the rows the caller chose
        rng = np.random.default_rng([seed, 7])
        db = rng.permutation(len(images))[: min(database, len(images))]
        probe.labels = np.asarray(labels)
        probe.ground_truth = "class labels of held-out images"
        probe.query_images, probe.query_labels = queries, np.asarray(query_labels)
        probe.db_images, probe.db_labels = images[db], np.asarray(labels)[db]
        return probe

    def _codes(self, model: HashNet, device: str) -> tuple[np.ndarray, np.ndarray]:
        """Packed codes of the queries and the database under ``model``, left in the mode it was in."""
        from hashview.core.nets.network import encode_array

        was_training = model.training
        query = pack_padded(encode_array(model, self.query_images, device))
        db = pack_padded(encode_array(model, self.db_images, device))
        model.train(was_training)
        return query, db

    def _apart(self, query: np.ndarray, db: np.ndarray) -> np.ndarray:
        """Each edited copy's Hamming distance to its photo (no labels: query i is a copy of db row label i)."""
        apart: np.ndarray = np.unpackbits(query ^ db[self.query_labels], axis=1).sum(axis=1)  # Any in numpy's stubs
        return apart

    def copy_distances(self, model: HashNet, device: str = "cpu") -> np.ndarray:
        """How far ``model`` puts each synthetic copy from its photo (the sample behind the copy distance)."""
        if self.labels is not None:
            raise ValueError("a probe with class labels has no copies")
        return self._apart(*self._codes(model, device))

    def measure(self, model: HashNet, device: str = "cpu") -> dict[str, Any]:
        """mAP, mAP@100 and the PR curve by radius for ``model`` (a HashNet) as it is now."""
        bits = int(model.config["bits"])
        query, db = self._codes(model, device)
        report = evaluate_codes(query, self.query_labels, db, self.db_labels, bits, map_at=(100,), max_n=100)
        out: dict[str, Any] = {
            "map": report.map,
            "map_at_100": report.map_at[100],
            "p_at_r2": report.p_at_r2,
            "pr": {"radius": report.radius, "precision": report.precision, "recall": report.recall},
            "ground_truth": self.ground_truth,
            "probe": {"queries": len(query), "database": len(db)},
        }
        if self.labels is None:  # how far the network puts an edited copy from its photo
            out["copy_distance_q98"] = distance_holding(self._apart(query, db), COPY_SHARE)
        return out


def distance_holding(distances: np.ndarray, share: float) -> float:
    """The smallest observed distance within which ``share`` of ``distances`` lie.

    Not the interpolated percentile: with 190 of 200 copies at 7 bits or less
    and the next at 8, the 95th percentile is 7.05, which the radius rounds up
    to 8, one bit looser than 95 % of the copies need.
    """
    return float(np.percentile(np.asarray(distances), share * 100, method="inverted_cdf"))


def _edited(images: np.ndarray, seed: int, rates: Mapping[str, float] | None = None) -> np.ndarray:
    """One synthetic edit of each uint8 NHWC image (``edits.one_edit_each``), returned the same way."""
    import torch

    from hashview.core.nets.edit_vocabulary import DEFAULT_RATES
    from hashview.core.nets.edits import one_edit_each

    gen = torch.Generator().manual_seed(seed + 11)
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(255.0)
    rates = DEFAULT_RATES if rates is None else rates
    if x.shape[1] == 1:
        x = x.repeat(1, 3, 1, 1)
        y = one_edit_each(x, gen, rates).mean(dim=1, keepdim=True)
    else:
        y = one_edit_each(x, gen, rates)
    return (y.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()


def held_out_rows(labels: np.ndarray, seed: int, share: float, cap: int, least: int) -> np.ndarray:
    """Sorted rows of ``labels`` to hold out of training and score the run on; empty when fewer than ``least``.

    About ``share`` of the rows (at most ``cap``), drawn from every class in
    proportion (a class of ten gives one), and never a class's last two
    images: a held-out query needs images of its class left in the database to
    be scored at all.
    """
    labels = np.asarray(labels)
    n = len(labels)
    want = min(round(share * n), cap)
    if want < least:
        return np.zeros(0, np.int64)
    rng = np.random.default_rng([seed, 23])
    order = rng.permutation(n)
    fraction = want / n
    picked: list[np.ndarray] = []
    spare: list[np.ndarray] = []  # rows a class can still give beyond its proportional share
    for c in np.unique(labels):
        members = order[labels[order] == c]
        give = min(int(fraction * len(members)), max(len(members) - 2, 0))
        picked.append(members[:give])
        spare.append(members[give : max(len(members) - 2, give)])
    held = np.concatenate(picked)
    short = want - len(held)
    if short > 0:
        extra = np.concatenate(spare)
        held = np.concatenate([held, rng.permutation(extra)[:short]])
    if len(held) < least:
        return np.zeros(0, np.int64)
    return np.sort(held).astype(np.int64)
