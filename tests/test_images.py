"""Decoding: every odd mode comes out as correct RGB, every bad file as one reason."""

from __future__ import annotations

import io
import os

import imagefactory as factory
import numpy as np
import pytest
from PIL import Image

from hashview.core.images import decode as images
from hashview.core.images.decode import IMAGE_SUFFIXES, BadImageError, ImageMeta, file_digest, load_rgb, thumbnail_bytes


def _bad_reason(path, **kw) -> str:
    with pytest.raises(BadImageError) as info:
        load_rgb(path, **kw)
    reason = str(info.value)
    assert "\n" not in reason
    return reason


def test_suffixes_are_lower_case_with_dot():
    assert {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"} <= IMAGE_SUFFIXES
    assert all(s.startswith(".") and s == s.lower() for s in IMAGE_SUFFIXES)


def test_photo_is_deterministic_and_seeds_differ(tmp_path):
    a = factory.photo_array((64, 48), seed=1)
    assert np.array_equal(a, factory.photo_array((64, 48), seed=1))
    b = factory.photo_array((64, 48), seed=2)
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 20


def test_plain_jpeg(tmp_path):
    path = factory.make_photo(tmp_path / "p.jpg", (64, 48), seed=3)
    img, meta = load_rgb(path)
    assert img.mode == "RGB" and img.size == (64, 48)
    assert meta == ImageMeta(64, 48, 1, None)
    expected = factory.photo_array((64, 48), seed=3).astype(int)
    assert np.abs(np.asarray(img).astype(int) - expected).mean() < 8


def test_max_side_shrinks_keeps_aspect_and_reports_full_size(tmp_path):
    path = factory.make_photo(tmp_path / "big.jpg", (1024, 768), seed=0)
    img, meta = load_rgb(path, max_side=256)
    assert img.size == (256, 192)
    assert (meta.width, meta.height) == (1024, 768)
    small = factory.make_photo(tmp_path / "small.png", (30, 20), fmt="PNG")
    img, _ = load_rgb(small, max_side=256)
    assert img.size == (30, 20)  # never enlarged


def test_one_pixel(tmp_path):
    path = factory.make_photo(tmp_path / "one.png", (1, 1), fmt="PNG")
    img, meta = load_rgb(path, max_side=64)
    assert img.size == (1, 1) and (meta.width, meta.height) == (1, 1)
    assert len(thumbnail_bytes(img)) > 0


def test_load_from_file_object(tmp_path):
    path = factory.make_photo(tmp_path / "p.webp", (40, 30), fmt="WEBP")
    img, meta = load_rgb(io.BytesIO(path.read_bytes()))
    assert img.size == (40, 30) and meta.width == 40


def test_truncated_jpeg(tmp_path):
    assert _bad_reason(factory.make_truncated_jpeg(tmp_path / "t.jpg")) == "truncated file"


def test_zero_bytes(tmp_path):
    assert _bad_reason(factory.make_zero_bytes(tmp_path / "z.jpg")) == "zero bytes"
    assert _bad_reason(io.BytesIO(b"")) == "zero bytes"


def test_text_named_jpg(tmp_path):
    assert _bad_reason(factory.make_text_as_image(tmp_path / "x.jpg")) == "not an image"


def test_missing_file(tmp_path):
    assert _bad_reason(tmp_path / "gone.jpg") == "vanished during scan"


@pytest.mark.skipif(os.name != "posix", reason="chmod semantics")
def test_unreadable_file(tmp_path):
    path = factory.make_photo(tmp_path / "locked.jpg")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: chmod 000 does not block reads")
        assert _bad_reason(path) == "unreadable: permission denied"
    finally:
        path.chmod(0o644)


def test_unreadable_file_simulated(tmp_path, monkeypatch):
    path = factory.make_photo(tmp_path / "locked.jpg")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(images.Image, "open", refuse)
    assert _bad_reason(path) == "unreadable: permission denied"


def test_decompression_bomb_from_header(tmp_path):
    reason = _bad_reason(factory.make_huge_png_header(tmp_path / "bomb.png"))
    assert reason.startswith("too many pixels (")
    assert "120,000,000" in reason


def test_max_pixels_checked_before_decoding(tmp_path, monkeypatch):
    path = factory.make_photo(tmp_path / "p.png", (100, 100), fmt="PNG")
    monkeypatch.setattr(images, "MAX_PIXELS", 9_999)
    loads = []
    monkeypatch.setattr(Image.Image, "load", lambda self: loads.append(1))
    assert _bad_reason(path) == "too many pixels (10,000 > 9,999)"
    assert loads == []


def test_pillow_bomb_warning_becomes_bad_image(tmp_path, monkeypatch):
    path = factory.make_photo(tmp_path / "p.png", (100, 100), fmt="PNG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow raises above 2x
    assert _bad_reason(path).startswith("too many pixels (10,000 > ")


def test_cmyk_jpeg(tmp_path):
    img, _ = load_rgb(factory.make_cmyk_jpeg(tmp_path / "c.jpg", cmyk=(0, 255, 255, 0)))
    r, g, b = np.asarray(img).reshape(-1, 3).mean(axis=0)
    assert r > 230 and g < 25 and b < 25  # red, not cyan (Adobe inversion handled)


def test_16bit_png_keeps_its_values(tmp_path):
    path, values = factory.make_16bit_png(tmp_path / "s.png", (32, 4))
    with Image.open(path) as raw:
        assert raw.mode.startswith("I")
    img, _ = load_rgb(path)
    got = np.asarray(img)[..., 0].astype(int)
    assert np.abs(got - np.round(values / 257)).max() <= 1
    assert got.min() == 0 and got.max() == 255 and 100 < got.mean() < 155


def test_palette_transparency_over_white(tmp_path):
    img, _ = load_rgb(factory.make_palette_png_transparent(tmp_path / "p.png", (32, 24)))
    arr = np.asarray(img)
    assert (arr[:, :16] == 255).all()
    assert (arr[:, 16:] == (0, 0, 255)).all()


def test_exif_orientation_6(tmp_path):
    path = factory.make_oriented_jpeg(tmp_path / "o.jpg", (40, 20), orientation=6)
    img, meta = load_rgb(path)
    assert (meta.width, meta.height, meta.orientation) == (20, 40, 6)
    assert img.size == (20, 40)
    arr = np.asarray(img).astype(int)
    assert arr[1, -2, 0] > 200 and arr[1, -2, 1] < 60  # red corner now top-right
    assert abs(arr[1, 1, 0] - 128) < 20 and abs(arr[-2, -2, 0] - 128) < 20
    # meta comes from the full picture even when decoded small
    small, meta_small = load_rgb(path, max_side=10)
    assert meta_small == meta and small.size == (5, 10)


def test_exif_taken(tmp_path):
    _, meta = load_rgb(factory.make_exif_jpeg(tmp_path / "e.jpg", taken="2021:06:15 13:45:30"))
    assert meta.taken == "2021-06-15T13:45:30"
    _, meta = load_rgb(factory.make_exif_jpeg(tmp_path / "d.jpg", taken="2019:01:02 03:04:05", original=False))
    assert meta.taken == "2019-01-02T03:04:05"
    _, meta = load_rgb(factory.make_exif_jpeg(tmp_path / "n.jpg", taken="0000:00:00 00:00:00"))
    assert meta.taken is None


def test_animated_gif_first_frame(tmp_path):
    img, _ = load_rgb(factory.make_animated_gif(tmp_path / "a.gif"))
    assert (np.asarray(img) == (255, 0, 0)).all()


@pytest.mark.parametrize(
    "mode, left, right",
    [
        ("LA", (255, 255, 255), (40, 40, 40)),  # transparent half over white
        ("RGBA", (255, 255, 255), (0, 128, 0)),
        ("I", (4, 4, 4), (12, 12, 12)),  # 1000 / 3000 read as 16-bit
        ("F", (64, 64, 64), (191, 191, 191)),  # 0.25 / 0.75 read as unit floats
        ("1", (0, 0, 0), (255, 255, 255)),
        ("L", (30, 30, 30), (220, 220, 220)),
        ("P", (30, 30, 30), (220, 220, 220)),
    ],
)
def test_modes(tmp_path, mode, left, right):
    path = factory.make_mode_image(tmp_path / f"m_{mode}.img", mode, (16, 12))
    with Image.open(path) as raw:
        assert raw.mode == mode
    img, _ = load_rgb(path)
    arr = np.asarray(img).astype(int)
    assert img.mode == "RGB"
    assert np.abs(arr[6, 2] - left).max() <= 2
    assert np.abs(arr[6, 13] - right).max() <= 2


def test_wide_range_int_and_float_are_stretched():
    from hashview.core.images.decode import _to_rgb

    arr = np.array([[-5.0, 5.0, 1e6]], dtype=np.float32)
    got = np.asarray(_to_rgb(Image.fromarray(arr)))[0, :, 0]
    assert got[0] == 0 and got[2] == 255
    nan = np.array([[np.nan, 0.5]], dtype=np.float32)
    assert np.asarray(_to_rgb(Image.fromarray(nan)))[0, 1, 0] == 128


def test_thumbnail_bytes(tmp_path):
    img = factory.photo_image((300, 200), seed=4)
    data = thumbnail_bytes(img, 128)
    with Image.open(io.BytesIO(data)) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (128, 85)


def test_file_digest(tmp_path):
    a = factory.make_photo(tmp_path / "a.jpg", seed=1)
    b = tmp_path / "b.jpg"
    b.write_bytes(a.read_bytes())
    c = factory.make_photo(tmp_path / "c.jpg", seed=2)
    assert file_digest(a) == file_digest(b) != file_digest(c)
    assert len(file_digest(a)) == 32
    assert images.bytes_digest(a.read_bytes()) == file_digest(a)


def test_orientation_is_not_applied_twice(tmp_path):
    from PIL import ImageOps

    path = factory.make_oriented_jpeg(tmp_path / "o.jpg", (40, 20), orientation=6)
    img, _ = load_rgb(path)
    assert ImageOps.exif_transpose(img).size == (20, 40)
