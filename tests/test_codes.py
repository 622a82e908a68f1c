"""Packing and the code store: round trips, atomic writes, corrupt files, bad keys."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashview.core.hamming import codes as codes_mod
from hashview.core.hamming.codes import (
    CodeSet,
    CodeStore,
    merge_codes,
    pack_codes,
    restrict_codes,
    unpack_codes,
)

K_VALUES = [8, 16, 24, 64, 72, 1024]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 20), k=st.sampled_from(K_VALUES), seed=st.integers(0, 2**32 - 1))
def test_pack_unpack_round_trip(n, k, seed):
    bits = np.random.default_rng(seed).random((n, k)) < 0.5
    packed = pack_codes(bits)
    assert packed.dtype == np.uint8 and packed.shape == (n, k // 8)
    assert packed.flags.c_contiguous
    assert np.array_equal(unpack_codes(packed, k), bits)


def test_pack_accepts_signs_ints_and_reals():
    signs = np.array([[1.0, -1, 1, 1, -1, -1, -1, 1]])
    assert pack_codes(signs)[0, 0] == 0b10110001  # big bit order: first bit is the MSB
    assert np.array_equal(pack_codes((signs > 0).astype(int)), pack_codes(signs))
    real = np.array([[0.3, -2.0, 5, 1e-9, 0.0, -0.0, -1e-9, 7]])
    assert pack_codes(real)[0, 0] == 0b10110001


@pytest.mark.parametrize("shape", [(3, 7), (3, 0), (3, 1032), (2, 12), (8,)])
def test_pack_rejects_bad_widths(shape):
    with pytest.raises(ValueError) as err:
        pack_codes(np.ones(shape))
    assert "\n" not in str(err.value)


def _codeset(n, k=64, seed=0, start=0):
    rng = np.random.default_rng(seed)
    ids = np.sort(rng.choice(np.arange(start, start + 10 * n + 10), size=n, replace=False))
    return CodeSet(ids.astype(np.int64), rng.integers(0, 256, (n, k // 8), dtype=np.uint8), k)


def test_codeset_validates():
    assert len(_codeset(5)) == 5
    with pytest.raises(ValueError):
        CodeSet(np.array([2, 1]), np.zeros((2, 8), np.uint8), 64)
    with pytest.raises(ValueError):
        CodeSet(np.array([1, 1]), np.zeros((2, 8), np.uint8), 64)
    with pytest.raises(ValueError):
        CodeSet(np.array([1, 2]), np.zeros((2, 4), np.uint8), 64)
    with pytest.raises(ValueError):
        CodeSet(np.array([1]), np.zeros((1, 1), np.uint8), 12)
    assert len(CodeSet.empty(32)) == 0


@pytest.mark.parametrize("k", K_VALUES)
@pytest.mark.parametrize("n", [0, 1, 1000])
def test_store_round_trip(tmp_path, k, n):
    store = CodeStore(tmp_path / "codes")
    assert store.keys() == [] and store.load("x") is None
    original = _codeset(n, k, seed=n + k)
    store.save("itq-64-20261122-231500", original)
    loaded = store.load("itq-64-20261122-231500")
    assert loaded.n_bits == k and loaded.ids.dtype == np.int64
    assert np.array_equal(loaded.ids, original.ids)
    assert np.array_equal(loaded.codes, original.codes)
    assert store.keys() == ["itq-64-20261122-231500"]


def test_store_keys_overwrite_and_delete(tmp_path):
    store = CodeStore(tmp_path)
    store.save("b.v2", _codeset(3))
    store.save("a_1", _codeset(4))
    store.save("b.v2", _codeset(6, seed=9))
    assert store.keys() == ["a_1", "b.v2"]
    assert len(store.load("b.v2")) == 6
    store.delete("a_1")
    store.delete("a_1")  # absent: nothing happens
    assert store.keys() == ["b.v2"]


@pytest.mark.parametrize("key", ["", "a/b", "../x", ".hidden", "a b", "é", "x" * 201, None, 5])
def test_bad_keys(tmp_path, key):
    store = CodeStore(tmp_path)
    for call in (lambda: store.save(key, _codeset(1)), lambda: store.load(key)):
        with pytest.raises(ValueError) as err:
            call()
        assert "\n" not in str(err.value)


def test_atomic_write_keeps_old_file(tmp_path, monkeypatch):
    store = CodeStore(tmp_path)
    old = _codeset(10, seed=1)
    store.save("k", old)

    def broken_replace(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(codes_mod.os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.save("k", _codeset(20, seed=2))
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["k.codes"]  # no temp file left behind
    assert np.array_equal(store.load("k").codes, old.codes)


def _corrupt(path, how):
    data = bytearray(path.read_bytes())
    if how == "truncate":
        data = data[:-3]
    elif how == "header":
        data = data[:10]
    elif how == "magic":
        data[0] ^= 0xFF
    elif how == "flip":
        data[-1] ^= 0x01
    elif how == "bits":
        data[8] = 12
    elif how == "empty":
        data = bytearray()
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["truncate", "header", "magic", "flip", "bits", "empty"])
def test_corrupt_file_raises(tmp_path, how):
    store = CodeStore(tmp_path)
    store.save("k", _codeset(50))
    _corrupt(store.path("k"), how)
    with pytest.raises(ValueError) as err:
        store.load("k")
    assert "\n" not in str(err.value)


@settings(max_examples=60, deadline=None)
@given(
    old_n=st.integers(0, 30),
    new=st.sets(st.integers(0, 80), max_size=30),
    keep=st.sets(st.integers(0, 80), max_size=60),
    seed=st.integers(0, 1000),
)
def test_merge_and_restrict_match_dict_model(old_n, new, keep, seed):
    rng = np.random.default_rng(seed)
    old_ids = np.sort(rng.choice(81, size=min(old_n, 81), replace=False))
    old = CodeSet(old_ids, rng.integers(0, 256, (old_ids.size, 3), dtype=np.uint8), 24)
    new_ids = np.array(sorted(new, key=lambda _: rng.random()), np.int64)  # any order
    new_codes = rng.integers(0, 256, (new_ids.size, 3), dtype=np.uint8)
    model = {int(i): bytes(c) for i, c in zip(old.ids, old.codes)}
    model.update({int(i): bytes(c) for i, c in zip(new_ids, new_codes)})
    merged = merge_codes(old, new_ids, new_codes)
    assert merged.ids.tolist() == sorted(model)
    assert [bytes(c) for c in merged.codes] == [model[i] for i in sorted(model)]
    kept = restrict_codes(merged, np.array(sorted(keep), np.int64))
    assert kept.ids.tolist() == sorted(set(model) & keep)
    assert [bytes(c) for c in kept.codes] == [model[i] for i in kept.ids.tolist()]


def test_merge_rejects_repeated_or_misshapen():
    old = _codeset(3)
    with pytest.raises(ValueError):
        merge_codes(old, np.array([1, 1]), np.zeros((2, 8), np.uint8))
    with pytest.raises(ValueError):
        merge_codes(old, np.array([1]), np.zeros((1, 4), np.uint8))


def test_pack_padded_keeps_distances_for_lengths_that_are_not_whole_bytes():
    from hashview.core.hamming.codes import pack_padded
    from hashview.core.hamming.search import hamming_distances

    rng = np.random.default_rng(5)
    bits = rng.integers(0, 2, (30, 12)).astype(bool)
    packed = pack_padded(bits)
    assert packed.shape == (30, 2)
    expected = (bits != bits[3]).sum(axis=1)
    assert np.array_equal(hamming_distances(packed, packed[3]), expected)
