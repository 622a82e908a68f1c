"""Detail: sharpening, noise, denoising, blur, low-quality recompression and thumbnails.

Ranges from issue 20's vocabulary: sharpen, noise, denoise / slight blur,
JPEG / WebP / HEIC recompression at low quality, downscale to 25 % (the copy a
messenger or a gallery's thumbnail cache keeps). A recompression family
returns the pixels untouched: its low-quality encoding is the saving option
it returns, so the file holds exactly one encode at that quality.
"""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageFilter

from benchmarks.datasets.edit_families._common import Params, photo_save, to_float, to_image

LOW_QUALITY = (15, 50)  # "low quality": what a messenger or a "reduce size" option writes


def heic_writable() -> bool:
    """Whether pillow-heif is installed and can encode HEIF here (it needs a HEVC encoder)."""
    try:
        import io

        import pillow_heif

        pillow_heif.register_heif_opener()
        Image.new("RGB", (16, 16)).save(io.BytesIO(), "HEIF", quality=50)
    except Exception:  # noqa: BLE001 - any failure means "cannot write HEIC here"
        return False
    return True


def sharpen(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    radius = round(rng.uniform(1.0, 3.0), 3)
    percent = rng.randint(80, 250)
    threshold = rng.randint(0, 3)
    out = image.filter(ImageFilter.UnsharpMask(radius=radius, percent=percent, threshold=threshold))
    return out, {"radius": radius, "percent": percent, "threshold": threshold, "save": photo_save(rng)}


def noise(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Sensor-like Gaussian noise, in luminance only or per channel (colour noise), sigma in 0-255 levels."""
    sigma = round(rng.uniform(4.0, 15.0), 3)
    colour = rng.random() < 0.5
    gen = np.random.default_rng(rng.getrandbits(64))
    x = to_float(image)
    shape = x.shape if colour else (*x.shape[:2], 1)
    out = x + gen.normal(0.0, sigma / 255.0, shape).astype(np.float32)
    return to_image(out), {"sigma": sigma, "colour": colour, "save": photo_save(rng)}


def denoise(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Noise reduction: a median filter (keeps edges, flattens texture), or a smoothing kernel."""
    method = rng.choice(["median-3", "median-5", "smooth", "smooth-more"])
    filters: dict[str, ImageFilter.Filter | type[ImageFilter.Filter]] = {
        "median-3": ImageFilter.MedianFilter(3),
        "median-5": ImageFilter.MedianFilter(5),
        "smooth": ImageFilter.SMOOTH,
        "smooth-more": ImageFilter.SMOOTH_MORE,
    }
    return image.filter(filters[method]), {"method": method, "save": photo_save(rng)}


def blur(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """A slight Gaussian blur, its radius a fraction of the short side (1-3 px at 900 px)."""
    fraction = round(rng.uniform(0.0012, 0.0035), 5)
    radius = max(0.5, fraction * min(image.size))
    return image.filter(ImageFilter.GaussianBlur(radius)), {"radius_fraction": fraction, "save": photo_save(rng)}


def jpeg(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    quality = rng.randint(*LOW_QUALITY)
    subsampling = rng.choice([0, 2])  # 4:4:4 or 4:2:0, as encoders differ
    return image, {"save": {"format": "JPEG", "quality": quality, "subsampling": subsampling}}


def webp(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    quality = rng.randint(*LOW_QUALITY)
    return image, {"save": {"format": "WEBP", "quality": quality, "method": rng.choice([4, 6])}}


def heic(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    quality = rng.randint(*LOW_QUALITY)
    return image, {"save": {"format": "HEIF", "quality": quality}}


def downscale(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """To 25 % of each side, with one of the resampling filters apps use, saved as a thumbnail is."""
    factor = 0.25
    method = rng.choice(["nearest", "bilinear", "bicubic", "lanczos", "box"])
    resample = {
        "nearest": Image.Resampling.NEAREST,
        "bilinear": Image.Resampling.BILINEAR,
        "bicubic": Image.Resampling.BICUBIC,
        "lanczos": Image.Resampling.LANCZOS,
        "box": Image.Resampling.BOX,
    }[method]
    w, h = image.size
    out = image.resize((max(8, round(w * factor)), max(8, round(h * factor))), resample)
    save = {"format": "JPEG", "quality": rng.randint(60, 90)}
    return out, {"factor": factor, "resample": method, "save": save}
