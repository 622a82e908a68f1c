"""A duplicate network sees a photo, not the canvas, bars or border it was pasted into (core/images/borders.py)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from imagefactory import photo_image
from PIL import Image, ImageFilter, ImageOps

from hashview.core.images.borders import content_box, trim_margins
from hashview.core.methods import get_method
from hashview.core.methods.deep import DeepRun, build_config
from hashview.core.nets.input_arrays import images_to_array


def jpeg(image: Image.Image, quality: int = 85) -> Image.Image:
    """``image`` after a JPEG round trip: a saved copy's margins are no longer exactly flat."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


@pytest.fixture
def photo() -> Image.Image:
    return photo_image((200, 150), seed=3)


def on_canvas(photo: Image.Image, colour: str, size: tuple[int, int], at: tuple[int, int]) -> Image.Image:
    board = Image.new("RGB", size, colour)
    board.paste(photo, at)
    return board


@pytest.mark.parametrize(("colour", "at"), [("white", (50, 75)), ("black", (20, 110))])
def test_the_canvas_around_a_pasted_photo_is_found(photo, colour, at):
    copy = jpeg(on_canvas(photo, colour, (300, 300), at))
    box = content_box(copy)
    assert box is not None
    expected = (at[0], at[1], at[0] + photo.width, at[1] + photo.height)
    assert np.abs(np.subtract(box, expected)).max() <= 3


def test_letterbox_bars_are_cut_and_the_photo_is_what_the_network_sees(photo):
    bars = jpeg(ImageOps.pad(photo, (200, 260), color=(0, 0, 0)))
    seen = images_to_array([bars], 64, 3, trim=True)[0].astype(np.int16)
    original = images_to_array([photo], 64, 3)[0].astype(np.int16)
    untrimmed = images_to_array([bars], 64, 3)[0].astype(np.int16)
    assert np.abs(seen - original).mean() < 8  # the same picture, give or take a JPEG and a pixel of edge
    assert np.abs(untrimmed - original).mean() > 3 * np.abs(seen - original).mean()


def test_a_plain_border_is_cut(photo):
    framed = jpeg(ImageOps.expand(photo, border=(12, 12, 12, 40), fill=(240, 236, 228)))
    box = content_box(framed)
    assert box is not None
    assert np.abs(np.subtract(box, (12, 12, 12 + photo.width, 12 + photo.height))).max() <= 3


def test_a_photo_without_a_frame_comes_back_as_it_was(photo):
    assert content_box(photo) is None
    assert trim_margins(photo) is photo


def test_a_flat_band_on_one_side_only_is_part_of_the_picture(photo):
    """A clear sky along the top is not a frame: frames come in pairs of opposite sides."""
    sky = Image.new("RGB", (200, 230), (120, 170, 230))
    sky.paste(photo, (0, 80))
    assert content_box(jpeg(sky)) is None


def test_a_near_flat_picture_stays_whole():
    """A plain texture darkened by a gamma edit looks like margins everywhere: it is the picture itself."""
    rng = np.random.default_rng(0)
    texture = (np.full((180, 180, 3), (40, 120, 80), np.float32) + rng.normal(0, 4, (180, 180, 3))).clip(0, 255)
    image = Image.fromarray(texture.astype(np.uint8)).filter(ImageFilter.GaussianBlur(1))
    framed = ImageOps.expand(image, border=20, fill=(40, 120, 80))
    assert content_box(jpeg(framed)) is None


def test_a_tiny_picture_is_left_alone():
    assert content_box(Image.new("RGB", (10, 10), "white")) is None


def test_dupnet_networks_trim_and_others_do_not():
    """The config decides, so a network file keeps meaning what it meant: older files lack the key."""
    dupnet = build_config(get_method("dupnet"), DeepRun(bits=64), 3, 64, None)
    ssdh = build_config(get_method("ssdh"), DeepRun(bits=64), 3, 32, ["a", "b"])
    assert dupnet["net"]["trim_borders"] is True
    assert "trim_borders" not in ssdh["net"]
