"""The compute choices of core/device.py: which CPUs train in bfloat16, and the override."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hashview.core.nets import device


@pytest.fixture(autouse=True)
def fresh_flags():
    """The flags are read once per process; a test that reads another file must not leave its answer behind."""
    read = device.cpu_flags  # tests may replace it; clear the real one
    read.cache_clear()
    yield
    read.cache_clear()


def test_cpu_flags_reads_the_flags_line_of_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text(
        "processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 avx512f amx_bf16 amx_tile\n\n"
        "processor\t: 1\nflags\t\t: fpu sse2 avx512f amx_bf16 amx_tile\n"
    )
    assert device.cpu_flags(str(info)) == {"fpu", "sse2", "avx512f", "amx_bf16", "amx_tile"}
    assert device.cpu_flags(str(tmp_path / "missing")) == frozenset()


@pytest.mark.parametrize(
    "flags, env, expected",
    [
        ({"avx2", "amx_bf16"}, None, True),
        ({"avx2", "avx512_bf16"}, None, False),  # not measured: stays float32
        ({"avx2"}, None, False),
        ({"avx2"}, "1", True),
        ({"amx_bf16"}, "0", False),
    ],
)
def test_cpu_training_uses_bfloat16_only_where_the_cpu_multiplies_it_in_hardware(monkeypatch, flags, env, expected):
    """``HASHVIEW_CPU_BF16`` is read at the edge (``RuntimeOptions``) and reaches the choice as an argument."""
    from hashview.core.runtime import CPU_BF16_ENV, RuntimeOptions

    monkeypatch.setattr(device, "cpu_flags", lambda: frozenset(flags))
    choice = RuntimeOptions.from_environ({} if env is None else {CPU_BF16_ENV: env}).cpu_bf16
    assert device.cpu_trains_in_bfloat16(choice) is expected
    monkeypatch.setenv(CPU_BF16_ENV, "1" if not expected else "0")  # the process's environment: not read here
    assert device.cpu_trains_in_bfloat16(choice) is expected


@pytest.mark.parametrize("env, compute, name", [("1", torch.bfloat16, "bfloat16"), ("0", torch.float32, "float32")])
def test_a_cpu_training_step_computes_in_what_the_cpu_is_chosen_for(monkeypatch, one_torch_thread, env, compute, name):
    """The loss runs under the chosen autocast, and the run still trains (finite losses, codes out)."""
    from generators import run_to_end
    from imagefactory import photo_array

    from hashview.core.events import StepLoss
    from hashview.core.methods import get_method
    from hashview.core.methods.deep import DeepRun, fit_deep
    from hashview.core.methods.dupnet import DupNet
    from hashview.core.runtime import CPU_BF16_ENV, RuntimeOptions

    cpu_bf16 = RuntimeOptions.from_environ({CPU_BF16_ENV: env}).cpu_bf16
    seen = []
    real_loss = DupNet.loss

    def spy(self, model, batch, ctx):
        seen.append(torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") else torch.float32)
        return real_loss(self, model, batch, ctx)

    monkeypatch.setattr(DupNet, "loss", spy)
    x = np.stack([photo_array((32, 32), seed=s) for s in range(8)])
    run = DeepRun(
        bits=16, epochs=1, batch_size=4, input_size=32, overrides={"min_steps": 2, "passes": 0.0}, cpu_bf16=cpu_bf16
    )
    events, (_model, stats) = run_to_end(fit_deep(get_method("dupnet"), x, None, None, run, "cpu"))
    assert seen == [compute, compute]
    assert stats["compute"] == name  # kept with the network
    assert all(np.isfinite([e.loss for e in events if isinstance(e, StepLoss)]))


def test_host_to_moves_a_cpu_tensor_unchanged_and_leaves_one_already_there_alone():
    t = torch.arange(6).view(2, 3)
    assert device.host_to(t, "cpu") is t
    assert torch.equal(device.host_to(t, torch.device("cpu")), t)
