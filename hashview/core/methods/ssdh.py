"""SSDH: "Deep Learning of Binary Hash Codes for Fast Image Retrieval" (docs/methods.md, M2).

Supervised: backbone features -> a latent layer H of K sigmoid units
a in (0, 1)^K -> a linear classifier over C classes. The code is a >= 0.5
(u >= 0). Besides the classification loss, two terms shape the codes: one
pushes every unit towards 0 or 1, one keeps each code about half ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from hashview.core.methods.deep import Batch, DeepDefaults, DeepMethod, class_layer
from hashview.core.methods.fit_context import FitContext
from hashview.core.nets.stopping import StopSettings

if TYPE_CHECKING:
    import torch

    from hashview.core.nets.network import HashNet


class SSDH(DeepMethod):
    name = "ssdh"
    title = "Supervised semantics-preserving deep hashing (SSDH)"
    needs_labels = True
    activation = "sigmoid"
    classifier = True
    defaults = DeepDefaults(
        epochs=4,  # the nominal plan (warm-up, ramp) and a set too small to hold out; else it trains to a plateau
        batch_size=128,
        lr=3e-3,
        optimizer="adam",
        weight_decay=5e-4,  # lambda ||W||^2, applied as decoupled weight decay
        schedule="onecycle",
        backbone="auto",  # "dhln" trunk for grey images; colour: "cnn" on a GPU, "cnn-s" on a CPU
        # no --epochs: until a held-out slice stops improving (nets/stopping.py); the cool-down lasts as
        # many epochs as ran before it (chosen on the holdout protocol, 48 bits: a quarter 0.771, half
        # 0.787 (run 18), as many 0.796 (run 19); most of the gain comes while the rate falls)
        stop=StopSettings(cooldown_share=1.0),
    )
    params: ClassVar[dict[str, float]] = {
        "alpha": 1.0,  # weight of the classification loss
        "beta": 1.0,  # weight of the binarisation term (pushes a towards 0 or 1)
        "gamma": 1.0,  # weight of the balance term (each code about half ones)
        "ramp": 0.25,  # beta and gamma rise linearly from 0 over this fraction of training (see below)
        "smoothing": 0.1,  # label smoothing of the classification term, as the fast CIFAR-10 recipes use (run 17)
    }

    # SSDH (Lin et al., eq. 4-6), per image, averaged over the batch:
    #   alpha * CE(y, yhat) - beta * (1/K) ||a - 0.5||^2 + gamma * (mean(a) - 0.5)^2
    # (+ lambda ||W||^2 as weight decay). The paper fine-tunes a pretrained
    # network; from scratch, full beta at the first step saturates every
    # sigmoid before the classifier has learnt anything (measured on MNIST: the
    # loss stays at chance), so beta and gamma rise linearly over "ramp".
    def loss(self, model: HashNet, batch: Batch, ctx: FitContext) -> torch.Tensor:
        import torch
        import torch.nn.functional as F

        u: torch.Tensor = model(model.normalise(batch.x)).float()
        params = ctx.params
        a = torch.sigmoid(u)
        classification = F.cross_entropy(class_layer(model)(a), batch.labels(), label_smoothing=params["smoothing"])
        binarise = ((a - 0.5) ** 2).mean(dim=1).mean()
        balance = ((a.mean(dim=1) - 0.5) ** 2).mean()
        ramp = min(batch.progress / params["ramp"], 1.0) if params["ramp"] > 0 else 1.0
        total: torch.Tensor = params["alpha"] * classification + ramp * (
            params["gamma"] * balance - params["beta"] * binarise
        )
        return total


METHOD = SSDH()
