"""DDH: "Deep Discrete Hashing with Self-supervised Pairwise Labels" (docs/methods.md, M3).

Unsupervised: pairwise labels come from the data. Before training, once
(Algorithm 1): L_i = the K1 = 15 nearest neighbours of image i by cosine
similarity of a fixed feature; then each i ranks every j by |L_i ∩ L_j|,
keeps the top K2 = 6 lists and takes their union L'_i; s_ij = +1 when j is in
L'_i (or i in L'_j), else -1. The hash layer is linear, z = W^T phi(x) + c,
and the code is b = sign(z).

The feature space of the neighbours (the paper used a pretrained ResNet's
pool5; hashview uses no pretrained weights by default) is named in FEATURE:
the image shrunk to 16 x 16, standardised per image, mean-centred over the
training set and reduced by PCA to 128 dimensions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hashview.core.methods.deep import Batch, DeepDefaults, DeepMethod
from hashview.core.methods.fit_context import FitContext

if TYPE_CHECKING:
    import torch

    from hashview.core.nets.network import HashNet

logger = logging.getLogger(__name__)

FEATURE = "pixels at 16x16, standardised per image, mean-centred, PCA to 128 dimensions; cosine similarity"


@dataclass
class PseudoPairs:
    """L'_i of every training image as a CSR list, and every similar pair as a sorted key i * n + j."""

    n: int
    indptr: np.ndarray
    indices: np.ndarray
    keys: np.ndarray

    def similar(self, rows: np.ndarray) -> np.ndarray:
        """s (+1/-1) between every pair of ``rows``; a row is similar to itself."""
        keys = (rows[:, None].astype(np.int64) * self.n + rows[None, :]).ravel()
        pos = np.searchsorted(self.keys, keys).clip(max=len(self.keys) - 1)
        hit = (self.keys[pos] == keys).reshape(len(rows), len(rows)) | (rows[:, None] == rows[None, :])
        return np.where(hit, 1.0, -1.0).astype(np.float32)


class DDH(DeepMethod):
    name = "ddh"
    title = "Deep discrete hashing with self-supervised pairwise labels (DDH)"
    needs_labels = False
    activation = "linear"
    # The paper trains a pretrained network with SGD at 1e-3; from scratch Adam at 1e-3 is used instead.
    defaults = DeepDefaults(
        epochs=10,
        batch_size=128,  # the paper's batch size
        lr=1e-3,  # the paper's learning rate (with Adam here)
        optimizer="adam",
        weight_decay=1e-5,  # lambda2 (||W||_F^2 + ||c||^2), applied to every weight
        schedule="onecycle",
        backbone="auto",  # "cnn-s" on a CPU, "cnn" on a GPU, grey images too (see trunk_for)
    )
    params: ClassVar[dict[str, float]] = {
        "k1": 15,  # neighbours in the first ranking
        "k2": 6,  # neighbour lists united in the expansion
        "lambda1": 15.0,  # weight of the quantisation term
        "pair_fraction": 0.5,  # half of each batch: a neighbour (from L'_i) of the other half's images
    }

    def trunk_for(self, backbone: str | None, channels: int, device: str = "cpu") -> str:
        """A BatchNorm trunk even for grey images: with DHLN's BN-free trunk the pairwise term
        drives every ReLU dead within an epoch (measured on 6,000 Fashion-MNIST images: one
        distinct code for 2,000 of them, mAP at chance), while cnn-s gave 182 codes in the same run."""
        if backbone in (None, "", "auto", "pixels"):
            return "cnn-s" if device.startswith("cpu") else "cnn"
        return super().trunk_for(backbone, channels, device)

    def prepare(self, ctx: FitContext, rng: np.random.Generator) -> PseudoPairs:
        """Algorithm 1 with the run's K1 and K2 (not the class defaults: an override must train what it records)."""
        return build_pseudo_pairs(neighbour_feature(ctx.images), int(ctx.params["k1"]), int(ctx.params["k2"]))

    def epoch_batches(self, ctx: FitContext, rng: np.random.Generator) -> list[np.ndarray]:
        """Batches of random anchors, each joined by one random member of its L'_i.

        With 128 random images out of tens of thousands a batch would hold almost
        no similar pair; pairing anchors with neighbours changes only which pairs
        are drawn, not the loss.
        """
        n, batch_size = ctx.n, ctx.batch_size
        pairs: PseudoPairs = ctx.state  # what ``prepare`` built
        steps = max(n // batch_size, 1)
        n_pairs = int(batch_size * ctx.params["pair_fraction"])
        out: list[np.ndarray] = []
        for _ in range(steps):
            anchors = rng.choice(n, batch_size - n_pairs, replace=False)
            picks = anchors[:n_pairs]
            lengths = pairs.indptr[picks + 1] - pairs.indptr[picks]
            offsets = (rng.random(len(picks)) * lengths).astype(np.int64)
            partners = np.where(
                lengths > 0, pairs.indices[pairs.indptr[picks] + offsets.clip(max=np.maximum(lengths - 1, 0))], picks
            )
            out.append(np.concatenate([anchors, partners]))
        return out

    # DDH (Algorithm 2 / eq. 5), divided by n^2 for a batch of n:
    #   J = 1/2 sum_ij ((1/K) z_i.z_j - s_ij)^2 + lambda1/2 sum_i ||z_i - b_i||^2
    #       (+ lambda2/2 (||W||_F^2 + ||c||^2) as weight decay),   b = sign(z) held fixed
    def loss(self, model: HashNet, batch: Batch, ctx: FitContext) -> torch.Tensor:
        import torch

        pairs: PseudoPairs = ctx.state  # what ``prepare`` built
        z: torch.Tensor = model(model.normalise(batch.x)).float()
        n, k = z.shape
        s = torch.from_numpy(pairs.similar(batch.index)).to(z.device)
        pairwise = 0.5 * (((z @ z.T) / k - s) ** 2).sum()
        quantise: torch.Tensor = 0.5 * ctx.params["lambda1"] * ((z - torch.sign(z).detach()) ** 2).sum()
        return (pairwise + quantise) / (n * n)


def neighbour_feature(images: np.ndarray, side: int = 16, dims: int = 128) -> np.ndarray:
    """FEATURE of uint8 (n, h, w, c) images."""
    from hashview.core.nets.input_arrays import fit_array

    small = fit_array(images, min(side, images.shape[1]), images.shape[3]).reshape(len(images), -1).astype(np.float32)
    small -= small.mean(axis=1, keepdims=True)
    small /= small.std(axis=1, keepdims=True) + 1e-3
    small -= small.mean(axis=0)
    if small.shape[1] > dims and len(small) > dims:
        cov = small.T @ small / len(small)
        _values, vectors = np.linalg.eigh(cov)
        small = small @ vectors[:, ::-1][:, :dims]
    return small


def build_pseudo_pairs(features: np.ndarray, k1: int = 15, k2: int = 6, block: int = 1024) -> PseudoPairs:
    """Algorithm 1 of DDH: K1-NN lists by cosine, expanded by the top K2 overlapping lists."""
    import torch

    n = len(features)
    k1 = max(min(k1, n - 1), 1)
    k2 = max(min(k2, n), 1)
    x = torch.from_numpy(np.ascontiguousarray(features, np.float32))
    x = x / x.norm(dim=1, keepdim=True).clamp_min(1e-8)
    knn = np.empty((n, k1), np.int64)
    for start in range(0, n, block):  # first ranking: K1 nearest by cosine, self excluded
        sims = x[start : start + block] @ x.T
        block_rows = torch.arange(start, min(start + block, n))
        sims[block_rows - start, block_rows] = -float("inf")
        knn[start : start + block] = sims.topk(k1, dim=1).indices.numpy()
    # reverse lists: which j have m in L_j
    flat = knn.ravel()
    order = np.argsort(flat, kind="stable")
    owners = (order // k1).astype(np.int64)
    starts = np.searchsorted(flat[order], np.arange(n + 1))
    lists: list[np.ndarray] = []
    for i in range(n):  # expansion: the K2 lists L_j overlapping L_i most (L_i itself first)
        members = knn[i]
        cand = np.concatenate([owners[starts[m] : starts[m + 1]] for m in members] + [np.array([i], np.int64)])
        js, counts = np.unique(cand, return_counts=True)
        counts[js == i] = k1 + 1  # |L_i ∩ L_i| is the largest overlap
        top = js[np.lexsort((js, -counts))[:k2]]
        lists.append(np.unique(knn[top].ravel()))
    lengths = np.array([len(members) for members in lists], np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.concatenate(lists) if lists else np.zeros(0, np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
    keys = np.unique(np.concatenate([rows * n + indices, indices * n + rows]))
    logger.info("DDH pseudo pairs: %d images, %.1f similar per image", n, len(keys) / max(n, 1))
    return PseudoPairs(n, indptr, indices, keys)


METHOD = DDH()
