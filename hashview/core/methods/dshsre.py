"""DSHSRE: "Deep Supervised Hashing using Symmetric Relative Entropy" (docs/methods.md, M5).

Supervised with pairwise and class labels. The hash layer is linear,
u_i = M^T phi(x_i) + v, and the code is b_i = sign(u_i). Four terms:
J1 the pairwise likelihood of DPSH, J2 a linear classifier on the code,
J3 the Jensen-Shannon divergence between the neighbour distribution of a
fixed feature x of the images and that of the codes (t-SNE style), and a
quantisation term that pulls u towards b = sign(u) (b held fixed).

The fixed feature x of J3 is named here: the network's input image (after
augmentation) average-pooled to 8 x 8 and standardised per image, i.e. a
small picture of the image; it needs no pretrained network and does not
change while the network trains.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar

from hashview.core.methods.deep import Batch, DeepDefaults, DeepMethod, class_layer
from hashview.core.methods.fit_context import FitContext
from hashview.core.nets.stopping import StopSettings

if TYPE_CHECKING:
    import torch

    from hashview.core.nets.network import HashNet

FIXED_FEATURE = "input image average-pooled to 8x8, standardised per image"


class DSHSRE(DeepMethod):
    name = "dshsre"
    title = "Deep supervised hashing with symmetric relative entropy (DSHSRE)"
    needs_labels = True
    activation = "linear"
    classifier = True  # W of J2: a linear map from the code u to the one-hot label
    defaults = DeepDefaults(
        epochs=8,  # the nominal plan (warm-up) and a set too small to hold out; else it trains to a plateau
        batch_size=128,
        lr=2e-3,
        optimizer="adam",
        weight_decay=5e-4,  # lambda ||W||^2 and the network's weight decay
        schedule="onecycle",
        backbone="auto",  # "dhln" trunk for grey images; colour: "cnn" on a GPU, "cnn-s" on a CPU
        stop=StopSettings(),  # no --epochs: until a held-out slice stops improving (nets/stopping.py)
    )
    params: ClassVar[dict[str, float]] = {
        "alpha": 1.0,  # weight of J2 (classification from the code)
        "beta": 1.0,  # weight of J3 (Jensen-Shannon between neighbour distributions)
        "eta": 0.1,  # weight of the quantisation term ||b - u||^2 (per bit)
        "perplexity": 20.0,  # of p_{j|i}: sets each sigma_i (t-SNE), capped at (batch - 1) / 3
    }

    # DSHSRE (Ma et al., eq. 9-11), every sum turned into a batch mean:
    #   J1 = -mean_{i != j} (s_ij Psi_ij - log(1 + exp(Psi_ij))),  Psi_ij = u_i.u_j / 2
    #   J2 = mean_i ||y_i - W^T u_i||^2             (lambda ||W||^2 as weight decay)
    #   J3 = sum_ij 1/2 p_ij log(p_ij / m_ij) + 1/2 q_ij log(q_ij / m_ij), m = (p + q) / 2
    #   Q  = mean_i ||b_i - u_i||^2 / K,             b = sign(u) held fixed
    #   J  = J1 + alpha J2 + beta J3 + eta Q
    def loss(self, model: HashNet, batch: Batch, ctx: FitContext) -> torch.Tensor:
        import torch
        import torch.nn.functional as F

        params = ctx.params
        x = model.normalise(batch.x)
        u: torch.Tensor = model(x).float()
        n = len(u)
        y = batch.labels()
        classifier = class_layer(model)
        off = ~torch.eye(n, dtype=torch.bool, device=u.device)
        s = (y[:, None] == y[None, :]).float()
        psi = 0.5 * (u @ u.T)
        j1 = (F.softplus(psi) - s * psi)[off].mean()
        onehot = F.one_hot(y, classifier.out_features).float()
        j2 = ((onehot - classifier(u)) ** 2).sum(dim=1).mean()
        j3 = jensen_shannon(neighbour_p(fixed_feature(batch.x), params["perplexity"]), neighbour_q(u))
        quantise = ((torch.sign(u).detach() - u) ** 2).mean()
        total: torch.Tensor = j1 + params["alpha"] * j2 + params["beta"] * j3 + params["eta"] * quantise
        return total


def fixed_feature(x01: torch.Tensor) -> torch.Tensor:
    """J3's fixed feature x: the image average-pooled to 8 x 8, flattened, standardised per image."""
    import torch.nn.functional as F

    small = F.adaptive_avg_pool2d(x01.float(), 8).flatten(1)
    small = small - small.mean(dim=1, keepdim=True)
    return small / (small.std(dim=1, keepdim=True) + 1e-3)


def neighbour_p(features: torch.Tensor, perplexity: float, iterations: int = 30) -> torch.Tensor:
    """Symmetrised t-SNE affinities p_ij of a batch (sum 1), each sigma_i found by bisection on perplexity."""
    import torch

    n = len(features)
    d2 = torch.cdist(features, features).pow(2)
    d2 = d2 / d2[~torch.eye(n, dtype=torch.bool, device=d2.device)].mean().clamp_min(1e-8)
    eye = torch.eye(n, dtype=torch.bool, device=d2.device)
    target = math.log(min(perplexity, max((n - 1) / 3.0, 1.0)))
    lo = torch.full((n, 1), 1e-3, device=d2.device)
    hi = torch.full((n, 1), 1e3, device=d2.device)
    for _ in range(iterations):  # bisection on log(precision)
        beta = (lo * hi).sqrt()
        logits = (-d2 * beta).masked_fill(eye, -float("inf"))
        p = torch.softmax(logits, dim=1)
        entropy = -(p * torch.log(p.clamp_min(1e-12))).sum(dim=1, keepdim=True)
        too_flat = entropy > target  # too flat: sharpen (larger beta)
        lo = torch.where(too_flat, beta, lo)
        hi = torch.where(too_flat, hi, beta)
    p = torch.softmax((-d2 * (lo * hi).sqrt()).masked_fill(eye, -float("inf")), dim=1)
    p = (p + p.T) / (2.0 * n)
    return p.detach()


def neighbour_q(u: torch.Tensor) -> torch.Tensor:
    """Student-t affinities q_ij of the codes u (sum 1 over i != j)."""
    import torch

    n = len(u)
    kernel = 1.0 / (1.0 + torch.cdist(u, u).pow(2))
    kernel = kernel.masked_fill(torch.eye(n, dtype=torch.bool, device=u.device), 0.0)
    return kernel / kernel.sum()


def jensen_shannon(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """JS(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q) / 2, over the batch's pairs."""
    import torch

    m = 0.5 * (p + q)
    eps = 1e-12
    kl_p = (p * (torch.log(p + eps) - torch.log(m + eps))).sum()
    kl_q = (q * (torch.log(q + eps) - torch.log(m + eps))).sum()
    return 0.5 * (kl_p + kl_q)


METHOD = DSHSRE()
