"""The per-channel distance and nearness tests the frame trim and the screen cut stand on (``images.colour_distance``)."""

from __future__ import annotations

import numpy as np
import pytest

from hashview.core.images import colour_distance
from hashview.core.images.colour_distance import channel_distance, near_colour


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


def _colours(rng: np.random.Generator, channels: int) -> list[np.ndarray | float]:
    """Whole, half, quarter and arbitrary colours (medians, averages of two medians, means of pixels)."""
    whole = rng.integers(0, 256, channels).astype(np.float64)
    return [
        whole,
        whole + 0.5,
        whole + 0.25,
        rng.integers(0, 256, (37, channels)).mean(axis=0),
        whole + rng.random(channels),
        float(whole[0]),
    ]


@pytest.mark.parametrize("integer_path_min", [0, colour_distance.INTEGER_PATH_MIN, 10**9])
@pytest.mark.parametrize("dtype", [np.int16, np.uint8, np.int64])
def test_near_colour_is_the_distance_within_the_tolerance_exactly(monkeypatch, integer_path_min, dtype):
    """Both paths (integers for large blocks, floats for small) agree with ``channel_distance <= t`` on
    every pixel, at the tolerances the trim and the cut use and at the edges of the range."""
    monkeypatch.setattr(colour_distance, "INTEGER_PATH_MIN", integer_path_min)
    rng = np.random.default_rng(1)
    for shape in [(9, 3), (6, 11, 3), (5, 7, 1), (2, 4, 6, 3), (40, 90, 3)]:
        pixels = rng.integers(0, 256, shape).astype(dtype)
        pixels.flat[:4] = [0, 255, 0, 255][: min(4, pixels.size)]
        for view in (pixels, pixels[::-1], np.swapaxes(pixels, 0, 1) if pixels.ndim == 3 else pixels):
            for colour in _colours(rng, shape[-1]):
                for tolerance in (0, 2, 3, 10, 12, 24, 300, -1):
                    expected = channel_distance(view.astype(np.int16), colour) <= tolerance
                    got = near_colour(view, colour, tolerance)
                    assert got.dtype == bool and got.shape == expected.shape
                    assert np.array_equal(got, expected), (shape, colour, tolerance)


def test_near_colour_counts_a_pixel_at_the_tolerance_as_near():
    pixels = np.zeros((64, 64, 3), np.int16)
    pixels[0, 0] = [12, 0, 0]  # exactly 12 from black: near at 12
    pixels[0, 1] = [13, 0, 0]  # 13: not near
    pixels[0, 2] = [0, 0, 0]
    near = near_colour(pixels, np.array([0.0, 0.0, 0.0]), 12)
    assert near.shape == (64, 64) and near[0, 0] and not near[0, 1] and near[0, 2]
    half = np.array([0.5, 0.0, 0.0])
    assert near_colour(pixels, half, 12)[0, 0]  # 11.5 away
    assert not near_colour(pixels, half, 12)[0, 1] and near_colour(pixels, half, 13)[0, 1]  # 12.5 away
