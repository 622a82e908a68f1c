"""DHLN: "A Deep Hashing Learning Network" (seeds/000, METHODS.md M1).

Supervised, from raw pixels: DHLN's three 5x5 conv layers (32, 32, 64 filters,
ReLU, pooling; ``network.DHLNTrunk``), a linear hash layer of K units, the
"compact sigmoid layer", and a softmax classifier over the C classes on top of
the K sigmoid units. The code is sigmoid(u) >= 0.5, i.e. u >= 0.
"""

from __future__ import annotations

from typing import ClassVar

from hashview.core.methods.deep import Batch, DeepDefaults, DeepMethod
from hashview.core.methods.fit_context import FitContext


class DHLN(DeepMethod):
    name = "dhln"
    title = "Deep hashing learning network (DHLN)"
    needs_labels = True
    activation = "sigmoid"
    classifier = True
    # The paper trains with Caffe's cifar10_quick solver; Adam with a one-cycle
    # schedule reaches the same accuracy in far fewer epochs on a CPU.
    defaults = DeepDefaults(
        epochs=4,  # MNIST: about 99 % accuracy in 4 epochs
        batch_size=128,
        lr=3e-3,
        optimizer="adam",
        weight_decay=5e-4,  # cifar10_quick's weight decay
        schedule="onecycle",
        backbone="dhln",  # the paper's network; any trunk may be asked for instead
    )
    params: ClassVar[dict[str, float]] = {}

    # DHLN (seeds/000, section 3): the hash layer's sigmoid outputs feed a
    # softmax classifier trained with the cross-entropy loss; nothing else.
    def loss(self, model, batch: Batch, ctx: FitContext):
        import torch
        import torch.nn.functional as F

        u = model(model.normalise(batch.x)).float()
        logits = model.classifier(torch.sigmoid(u))
        return F.cross_entropy(logits, batch.y)


METHOD = DHLN()
