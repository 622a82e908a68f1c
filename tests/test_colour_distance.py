"""The fast per-channel distance the frame trim and the screen cut stand on (``images.colour_distance``)."""

from __future__ import annotations

import numpy as np
import pytest

from hashview.core.images.colour_distance import channel_distance


@pytest.mark.parametrize("dtype", [np.int16, np.float32, np.float64])
def test_it_is_the_largest_channel_difference_exactly(dtype):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (17, 23, 3)).astype(dtype)
    for colour in (np.array([12.5, 200.0, 99.0]), np.array([0, 0, 0], np.int16), 128.0):
        expected = np.abs(pixels - colour).max(axis=-1)
        got = channel_distance(pixels, colour)
        assert got.shape == expected.shape and got.dtype == expected.dtype
        assert np.array_equal(got, expected)


def test_rows_of_pixels_and_one_channel_pictures():
    line = np.array([[0, 10, 20], [30, 5, 5]], np.int16)
    assert channel_distance(line, np.array([0, 0, 0])).tolist() == [20, 30]
    grey = np.array([[[3], [250]]], np.int16)
    assert channel_distance(grey, np.array([100])).tolist() == [[97, 150]]
