"""Binary autoencoder: "Deep Unsupervised Hashing for Image Retrieval" (docs/methods.md, M4).

Unsupervised. A convolutional autoencoder (``network.BAEEncoder``: 3x3 convs
of 16, 32, 64 filters, LeakyReLU, 2x2 max-pooling; a dense layer of 256; the
code layer of K; the decoder mirrors it with upsampling) trained to
reconstruct its input. The dense layers use the steep tanh
f_b(x) = 2 / (1 + exp(-b x)) - 1 = tanh(b x / 2), and b is raised epoch by
epoch until the code layer's outputs are binary; the code is u >= 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from hashview.core.methods.deep import Batch, DeepDefaults, DeepMethod
from hashview.core.methods.fit_context import FitContext

if TYPE_CHECKING:
    import torch

    from hashview.core.nets.network import HashNet


class BinaryAutoencoder(DeepMethod):
    name = "bae"
    title = "Binary autoencoder (steep-tanh codes)"
    needs_labels = False
    activation = "steep_tanh"
    decoder = True
    defaults = DeepDefaults(
        epochs=10,
        batch_size=128,
        lr=1e-3,  # Adam at 1e-3 ...
        lr_end=1e-5,  # ... decayed linearly to 1e-5 (the paper's schedule)
        finetune=0.2,  # then the last 20 % of training held at 1e-5 (the paper's fine-tune)
        optimizer="adam",
        weight_decay=0.0,
        schedule="linear",
        backbone="bae",  # the paper's encoder; input sides are rounded up to a multiple of 8
        augment=False,
    )
    params: ClassVar[dict[str, float]] = {
        "slope_start": 1.0,  # b of f_b in the first epoch
        "slope_end": 40.0,  # b reached at the start of the fine-tune (outputs then about binary)
    }

    def start_epoch(self, model: HashNet, epoch: int, ctx: FitContext) -> None:
        """Raise the slope b geometrically from slope_start to slope_end, then hold it."""
        ramp = max(round(ctx.epochs * (1.0 - self.defaults.finetune)) - 1, 1)
        start, end = ctx.params["slope_start"], ctx.params["slope_end"]
        model.slope.fill_(start * (end / start) ** min(epoch / ramp, 1.0))

    # BAE (section 3): minimise the mean squared reconstruction error
    #   L = mean ||x - D(f_b(E(x)))||^2
    # with the code layer's activation f_b; the slope b is raised by start_epoch.
    def loss(self, model: HashNet, batch: Batch, ctx: FitContext) -> torch.Tensor:
        import torch.nn.functional as F

        from hashview.core.nets.network import steep_tanh

        if model.decoder is None:  # HashNet builds one for a method with ``decoder = True``
            raise ValueError("bae trains a network with a decoder (its config asks for none)")
        u: torch.Tensor = model(model.normalise(batch.x))
        code = steep_tanh(u.float(), float(model.slope))
        return F.mse_loss(model.decoder(code, float(model.slope)), batch.x)


METHOD = BinaryAutoencoder()
