"""DHLN: "A Deep Hashing Learning Network" (docs/methods.md, M1).

Supervised, from raw pixels: DHLN's three 5x5 conv layers (32, 32, 64 filters,
ReLU, pooling; ``network.DHLNTrunk``), a linear hash layer of K units, the
"compact sigmoid layer", and a softmax classifier over the C classes on top of
the K sigmoid units. The code is sigmoid(u) >= 0.5, i.e. u >= 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from hashview.core.methods.deep import Batch, DeepDefaults, DeepMethod, class_layer
from hashview.core.methods.fit_context import FitContext
from hashview.core.nets.stopping import StopSettings

if TYPE_CHECKING:
    import torch

    from hashview.core.nets.network import HashNet


class DHLN(DeepMethod):
    name = "dhln"
    title = "Deep hashing learning network (DHLN)"
    needs_labels = True
    activation = "sigmoid"
    classifier = True
    # The paper trains with Caffe's cifar10_quick solver; Adam with a one-cycle
    # schedule reaches the same accuracy in far fewer epochs on a CPU.
    defaults = DeepDefaults(
        epochs=4,  # the nominal plan (warm-up) and a set too small to hold out; else it trains to a plateau
        batch_size=128,
        lr=3e-3,
        optimizer="adam",
        weight_decay=5e-4,  # cifar10_quick's weight decay
        schedule="onecycle",
        backbone="dhln",  # the paper's network; any trunk may be asked for instead
        # no --epochs: until a held-out slice stops improving (nets/stopping.py); the cool-down lasts as many
        # epochs as ran before it (chosen on MNIST's holdout protocol, 32 bits: a quarter 0.9919, as many
        # 0.9951, the same curve up to the plateau; run 19), as SSDH's
        stop=StopSettings(cooldown_share=1.0),
    )
    params: ClassVar[dict[str, float]] = {}

    # DHLN (section 3): the hash layer's sigmoid outputs feed a
    # softmax classifier trained with the cross-entropy loss; nothing else.
    def loss(self, model: HashNet, batch: Batch, ctx: FitContext) -> torch.Tensor:
        import torch
        import torch.nn.functional as F

        u: torch.Tensor = model(model.normalise(batch.x)).float()
        logits = class_layer(model)(torch.sigmoid(u))
        return F.cross_entropy(logits, batch.labels())


METHOD = DHLN()
