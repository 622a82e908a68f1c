"""The shallow baselines: what each promises, checked on data where it is visible."""

from __future__ import annotations

import numpy as np
import pytest

from hashview.core.methods import TORCHVISION, UnknownMethodError, get_method, method_names, method_traits
from hashview.core.methods.itq import itq_rotation


def clustered(n=600, dim=40, clusters=6, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (clusters, dim))
    labels = rng.integers(0, clusters, n)
    return (centres[labels] + rng.normal(0, 1, (n, dim))).astype(np.float32), labels


def quantisation_error(v):
    return float(np.sum((np.sign(v) - v) ** 2))


def test_registry_lists_and_rejects_names():
    assert {"lsh", "pcah", "itq"} <= set(method_names())
    with pytest.raises(UnknownMethodError, match="choose one of"):
        get_method("dhln-typo")


@pytest.mark.parametrize("name", method_names())
def test_the_traits_the_app_reads_match_the_methods(name):
    """The app reads ``method_traits`` to avoid importing the methods; they must say what the methods do."""
    from hashview.core.nets.backbones import TORCHVISION_BACKBONES
    from hashview.core.nets.network import SMALL_TRUNKS

    method, traits = get_method(name), method_traits(name)
    assert traits.kind == method.kind
    assert (traits.labels == ("folders",)) == method.needs_labels
    assert ("folders" in traits.labels) == (method.needs_labels or getattr(method, "classifier", False))
    assert ("decisions" in traits.labels) == getattr(method, "uses_pairs", False)
    assert set(TORCHVISION) == set(TORCHVISION_BACKBONES)
    if method.kind == "shallow":
        assert traits.backbones[0] == "pixels"
        return
    assert set(traits.backbones) <= {"auto", *SMALL_TRUNKS, *TORCHVISION}
    default = traits.backbones[0]
    for device, trunk in zip(("cpu", "cuda"), traits.auto if default == "auto" else (default, default)):
        assert method.trunk_for(None, 3, device) == trunk
        assert method.trunk_for("auto", 3, device) == trunk
    for backbone in traits.backbones[1:]:
        assert method.trunk_for(backbone, 3, "cpu") == backbone


def test_itq_rotation_is_orthogonal_and_lowers_quantisation_error():
    x, _ = clustered()
    pcah = get_method("pcah").fit(x, 16)
    itq = get_method("itq").fit(x, 16)
    r = itq_rotation(pcah.project(x))
    np.testing.assert_allclose(r @ r.T, np.eye(16), atol=1e-4)
    scale = lambda v: v / np.abs(v).mean()  # noqa: E731  compare at the same scale
    assert quantisation_error(scale(itq.project(x))) < quantisation_error(scale(pcah.project(x)))


def distance_ratio(name, bits):
    """Mean Hamming distance within clusters over the mean across them."""
    x, labels = clustered()
    codes = get_method(name).fit(x, bits, seed=1).project(x) > 0
    same = labels[:, None] == labels[None, :]
    dist = (codes[:, None, :] != codes[None, :, :]).sum(-1)
    return dist[same].mean() / dist[~same].mean()


@pytest.mark.parametrize("name", ["lsh", "pcah", "itq"])
def test_codes_keep_neighbours_together(name):
    assert distance_ratio(name, 8) < 0.5


def test_itq_beats_pcah_at_long_codes():
    """PCAH's later directions are noise; ITQ's rotation spreads the signal over all bits (Gong et al.)."""
    assert distance_ratio("itq", 32) < 0.5 * distance_ratio("pcah", 32)


def test_itq_bits_are_balanced_on_centred_data():
    x, _ = clustered(seed=2)
    bits = get_method("itq").fit(x, 16).project(x) > 0
    assert np.all(np.abs(bits.mean(0) - 0.5) < 0.35)


def test_more_bits_than_feature_dimensions_is_a_clear_error():
    x, _ = clustered(dim=8)
    with pytest.raises(ValueError, match="at least 16 dimensions"):
        get_method("itq").fit(x, 16)
    assert get_method("lsh").fit(x, 16).projection.shape == (8, 16)  # LSH has no such limit
