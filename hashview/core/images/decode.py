"""Decoding image files into bounded RGB pictures, safely.

Every picture hashview looks at goes through ``load_rgb``: it rejects
decompression bombs from the header before decoding, decodes JPEGs in draft
mode when only a small picture is needed, turns every Pillow mode into plain
8-bit RGB (transparency over white, 16-bit and float by their real range),
applies the EXIF orientation, and turns the many ways a bad file can fail into
one ``BadImageError`` with a one-line reason. A path is opened through
``safe_open`` (never waits on a FIFO, never reads a device, reads are bounded),
the decode itself waits for room in the shared ``decode_budget``, and Pillow's
warnings about the file are logged with its name. No Qt and no torch here.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, UnidentifiedImageError

from hashview.core.errors import HashviewError
from hashview.core.images.budget import decode_cost, shared_budget
from hashview.core.images.pillow_warnings import caught_for_file
from hashview.core.images.safe_open import FileTooLarge, NotARegularFile, open_regular
from hashview.core.terminal_text import printable, shown_path

logger = logging.getLogger(__name__)

_BASE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"}


def _heif_suffixes() -> set[str]:
    """Register the HEIF opener when pillow_heif is installed; its suffixes then."""
    try:
        import pillow_heif
    except Exception:  # noqa: BLE001 - not installed or broken (any error): HEIF files are simply not listed
        return set()
    try:
        pillow_heif.register_heif_opener()
    except Exception:  # pragma: no cover - a broken plugin must not stop the app
        logger.warning("pillow_heif is installed but could not register", exc_info=True)
        return set()
    return {".heic", ".heif"}


IMAGE_SUFFIXES: frozenset[str] = frozenset(_BASE_SUFFIXES | _heif_suffixes())

#: Largest picture (width × height, from the header) we agree to decode.
MAX_PIXELS = 120_000_000

# Pillow's own bomb check runs inside Image.open with its own bound (about 89
# Mpx warns, twice that raises). Align it with ours so a legitimate 100 Mpx
# photo is not refused by Pillow first; our check below still runs first in
# spirit (header only) and decides.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_CHUNK = 1 << 20

# EXIF orientation -> the transposition that displays the picture upright
# (the same table as PIL.ImageOps.exif_transpose).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_TAG_ORIENTATION = 274
_TAG_DATETIME = 306
_TAG_EXIF_IFD = 0x8769
_TAG_DATETIME_ORIGINAL = 36867


class BadImageError(HashviewError):
    """A file that cannot be shown as a picture; ``str()`` is a one-line reason."""


@dataclass(frozen=True)
class ImageMeta:
    """What the header and EXIF say about a picture.

    ``width`` and ``height`` are those of the full-resolution picture as
    displayed, i.e. after the EXIF orientation (swapped for orientations 5-8),
    whatever ``max_side`` the pixels were decoded at.
    """

    width: int
    height: int
    orientation: int
    taken: str | None


PathOrFile = str | os.PathLike[str] | BinaryIO


def _os_reason(exc: OSError) -> str:
    """One line for an operating-system error while opening or reading a file."""
    if isinstance(exc, (NotARegularFile, FileTooLarge)):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return "vanished during scan"
    if isinstance(exc, PermissionError):
        return "unreadable: permission denied"
    if isinstance(exc, IsADirectoryError):
        return "not a file"
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"unreadable: {_one_line(reason).lower()}"


def _one_line(text: str, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _decode_reason(exc: BaseException) -> str:
    """One line for an exception Pillow raised while decoding pixels."""
    if isinstance(exc, MemoryError):
        return "too large to decode (out of memory)"
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return _bomb_reason(exc)
    text = str(exc)
    if "truncated" in text.lower() or isinstance(exc, EOFError):
        return "truncated file"
    if isinstance(exc, OSError) and not text.startswith(("image file", "broken data")) and exc.errno is not None:
        return _os_reason(exc)
    detail = _one_line(text) or type(exc).__name__
    return f"corrupt image data: {detail}"


def _bomb_reason(exc: BaseException) -> str:
    """Pillow's own decompression-bomb message, said the way we say ours."""
    match = re.search(r"\((\d+) pixels\)", str(exc))
    if match:
        return f"too many pixels ({int(match.group(1)):,} > {MAX_PIXELS:,})"
    return "too many pixels (decompression bomb)"


def _orientation_and_taken(img: Image.Image) -> tuple[int, str | None]:
    """EXIF orientation (1 when absent or odd) and capture time as ISO 8601."""
    try:
        exif = img.getexif()
    except Exception:  # noqa: BLE001 - Pillow raises anything on corrupt EXIF; the picture stays readable
        return 1, None
    orientation = exif.get(_TAG_ORIENTATION, 1)
    try:
        orientation = int(orientation)
    except (TypeError, ValueError):
        orientation = 1
    if orientation not in range(1, 9):
        orientation = 1
    raw = None
    try:
        raw = exif.get_ifd(_TAG_EXIF_IFD).get(_TAG_DATETIME_ORIGINAL)
    except Exception:  # noqa: BLE001 - a corrupt EXIF sub-directory only loses the capture time
        raw = None
    if not raw:
        raw = exif.get(_TAG_DATETIME)
    return orientation, _iso_time(raw)


def _iso_time(raw: object) -> str | None:
    """``"YYYY:MM:DD HH:MM:SS"`` (EXIF) as ``"YYYY-MM-DDTHH:MM:SS"``; None if invalid."""
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    if not isinstance(raw, str):
        return None
    text = raw.strip().strip("\x00").strip()
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text[:19], fmt).strftime("%Y-%m-%dT%H:%M:%S")
        except ValueError:
            continue
    return None


def _over_white(img: Image.Image) -> Image.Image:
    """Composite a picture with alpha over a white background, as RGB."""
    rgba = img.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _scale_to_8bit(img: Image.Image) -> Image.Image:
    """A 16-bit, 32-bit integer or float greyscale picture as RGB by its real range.

    16-bit modes map 0..65535 onto 0..255. For ``I`` and ``F`` the values
    decide: data within 0..255 is kept, within 0..65535 is treated as 16-bit,
    floats within 0..1 are scaled by 255, and anything else is stretched from
    its minimum to its maximum.
    """
    mode = img.mode
    arr = np.asarray(img)
    if mode.startswith("I;16"):
        arr = arr.astype(np.float64) / 257.0
    else:
        arr = np.nan_to_num(arr.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        lo = float(arr.min()) if arr.size else 0.0
        hi = float(arr.max()) if arr.size else 0.0
        if mode == "F" and lo >= 0.0 and hi <= 1.0:
            arr = arr * 255.0
        elif lo >= 0.0 and hi <= 255.0:
            pass
        elif lo >= 0.0 and hi <= 65535.0 and mode != "F":
            arr = arr / 257.0
        elif hi > lo:
            arr = (arr - lo) * (255.0 / (hi - lo))
        else:
            arr = np.zeros_like(arr)
    grey = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
    return Image.fromarray(grey).convert("RGB")


def _cmyk_to_rgb(img: Image.Image) -> Image.Image:
    """CMYK (Pillow already undoes Adobe's inversion) to RGB, via its ICC profile if any."""
    profile = img.info.get("icc_profile")
    if profile:
        try:
            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            dst = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(img, src, dst, outputMode="RGB")
            if converted is not None:  # None only for inPlace=True, which this is not
                return converted
        except Exception:  # no littlecms, or a bad profile: the plain formula is fine
            logger.debug("ICC conversion failed, using plain CMYK->RGB", exc_info=True)
    return img.convert("RGB")


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode as 8-bit RGB with transparency over white."""
    mode = img.mode
    if mode in ("RGB", "L", "1") and "transparency" in img.info:
        return _over_white(img)  # a PNG tRNS colour key
    if mode == "RGB":
        return img
    if mode in ("RGBA", "LA", "La", "RGBa", "PA"):
        return _over_white(img)
    if mode == "P":
        if "transparency" in img.info:
            return _over_white(img)
        return img.convert("RGB")
    if mode in ("L", "1", "RGBX", "YCbCr"):
        return img.convert("RGB")
    if mode == "CMYK":
        return _cmyk_to_rgb(img)
    if mode.startswith("I") or mode == "F":
        return _scale_to_8bit(img)
    try:
        return img.convert("RGB")
    except (ValueError, OSError) as exc:
        raise BadImageError(f"unsupported colour mode {mode}") from exc


def load_rgb(
    path: PathOrFile, max_side: int | None = None, name: str | os.PathLike[str] | None = None
) -> tuple[Image.Image, ImageMeta]:
    """Decode a picture as upright 8-bit RGB, optionally shrunk to fit ``max_side``.

    The pixel count is checked from the header before any decoding; JPEGs are
    decoded in draft mode (a power-of-two reduction in the decoder) when
    ``max_side`` allows it; animated files give their first frame. The full
    decode happens here, so a truncated file fails here and not later.

    Args:
        path: a file path (opened by ``safe_open.open_regular``: a FIFO, device
            or folder is refused, never waited on or read), or a binary file
            object positioned at the start.
        max_side: if given, the result fits within ``max_side`` × ``max_side``
            (aspect kept, never enlarged).
        name: how to name the file in log lines (default: the path).

    Returns:
        A loaded RGB image and the ``ImageMeta`` of the full-resolution picture.

    Raises:
        BadImageError: the file is empty, missing, unreadable, not a regular
            file, not an image, truncated, corrupt, too large, or in a mode we
            cannot convert.
    """
    if max_side is not None and max_side < 1:
        raise ValueError(f"max_side must be positive, not {max_side}")
    if not isinstance(path, (str, os.PathLike)):
        return _load_stream(path, max_side, name if name is not None else "<stream>")
    try:
        reader, size = open_regular(path)
    except OSError as exc:
        raise BadImageError(_os_reason(exc)) from exc
    with reader:
        if size == 0:
            raise BadImageError("zero bytes")
        return _load_stream(reader, max_side, name if name is not None else path)


def _load_stream(stream: BinaryIO, max_side: int | None, name: str | os.PathLike[str]) -> tuple[Image.Image, ImageMeta]:
    """``load_rgb`` of an open stream, with Pillow's warnings caught for ``name``."""
    result = None
    with caught_for_file() as caught:
        try:
            try:
                img = Image.open(stream)
            except UnidentifiedImageError as exc:
                if _is_empty_stream(stream):
                    raise BadImageError("zero bytes") from exc
                raise BadImageError("not an image") from exc
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise BadImageError(_bomb_reason(exc)) from exc
            except OSError as exc:
                raise BadImageError(_os_reason(exc)) from exc
            except Exception as exc:  # Pillow's header parsers raise assorted errors
                raise BadImageError(_decode_reason(exc)) from exc
            try:
                for category, message in caught:
                    if issubclass(category, Image.DecompressionBombWarning):
                        raise BadImageError(_bomb_reason(Image.DecompressionBombWarning(message)))
                result = _decode(img, max_side)
            finally:
                if result is None or result[0] is not img:
                    img.close()
        finally:
            _log_warnings(caught, name, bad=result is None)
    return result


def _log_warnings(caught: list[tuple[type[Warning], str]], name: str | os.PathLike[str], bad: bool) -> None:
    """One log line per distinct warning, naming the file (debug level for a skipped file)."""
    level = logging.DEBUG if bad else logging.WARNING
    for message in dict.fromkeys(message for _category, message in caught):
        logger.log(level, "%s: %s", shown_path(name), printable(message))


def _is_empty_stream(stream: BinaryIO) -> bool:
    try:
        stream.seek(0, io.SEEK_END)
        return stream.tell() == 0
    except Exception:  # noqa: BLE001 - an unseekable stream is simply not known to be empty
        return False


def _decode(img: Image.Image, max_side: int | None) -> tuple[Image.Image, ImageMeta]:
    width, height = img.size
    if width < 1 or height < 1:
        raise BadImageError(f"corrupt image data: size {width}×{height}")
    if width * height > MAX_PIXELS:
        raise BadImageError(f"too many pixels ({width * height:,} > {MAX_PIXELS:,})")
    try:
        if getattr(img, "n_frames", 1) > 1:
            img.seek(0)
        target = None if max_side is None else fit_size(img.size, max_side)
        if target is not None and img.format == "JPEG" and target != img.size:
            # Ask the decoder for the target box itself (not max_side squared):
            # a 1024x768 photo for 256 then decodes at 1/4 straight to 256x192,
            # where a square box would stop at 1/2 and leave a costly resize.
            img.draft("RGB", target)
        # The size after the draft reduction is what the decoder will allocate.
        # The EXIF is read inside: a PNG decodes its pixels to reach an eXIf
        # chunk stored after them.
        with shared_budget().hold(decode_cost(img.mode, img.size)):
            orientation, taken = _orientation_and_taken(img)
            if orientation >= 5:
                width, height = height, width
            meta = ImageMeta(width=width, height=height, orientation=orientation, taken=taken)
            img.load()
            rgb = _to_rgb(img)
            if target is not None and rgb.size != target:
                rgb = rgb.resize(target, Image.Resampling.BICUBIC, reducing_gap=2.0)
            transpose = _TRANSPOSE.get(orientation)
            if transpose is not None:
                rgb = rgb.transpose(transpose)
            if rgb is img and getattr(img, "fp", None) is not None:
                rgb = img.copy()  # detach from a file still open (multi-frame files)
            rgb.load()
    except BadImageError:
        raise
    except Exception as exc:
        raise BadImageError(_decode_reason(exc)) from exc
    if rgb.mode != "RGB":  # pragma: no cover - _to_rgb guarantees it
        rgb = rgb.convert("RGB")
    for key in ("transparency", "exif"):  # already applied: never apply twice
        rgb.info.pop(key, None)
    return rgb, meta


def fit_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """``size`` shrunk to fit ``max_side`` × ``max_side``, aspect kept, never enlarged."""
    w, h = size
    if max(w, h) <= max_side:
        return (w, h)
    scale = max_side / max(w, h)
    return (max(1, min(max_side, round(w * scale))), max(1, min(max_side, round(h * scale))))


def thumbnail_bytes(img: Image.Image, size: int = 256) -> bytes:
    """The picture shrunk to fit ``size`` × ``size`` (never enlarged), as JPEG bytes."""
    thumb = img if img.mode == "RGB" else _to_rgb(img)
    target = fit_size(thumb.size, size)
    if target != thumb.size:
        thumb = thumb.resize(target, Image.Resampling.BICUBIC, reducing_gap=2.0)
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=85)
    return out.getvalue()


def file_digest(path: str | os.PathLike[str]) -> str:
    """The blake2b-128 hex digest of a file's content, read in chunks.

    The file is opened by ``safe_open.open_regular``: never a FIFO or device.

    Raises:
        OSError: the file cannot be read, or is not a regular file.
    """
    reader, _size = open_regular(path)
    with reader:
        return stream_digest(reader)


def stream_digest(stream: BinaryIO) -> str:
    """``file_digest`` of what an open binary stream holds from where it stands."""
    h = hashlib.blake2b(digest_size=16)
    while chunk := stream.read(_CHUNK):
        h.update(chunk)
    return h.hexdigest()


def bytes_digest(data: bytes) -> str:
    """The same digest as ``file_digest`` for content already in memory."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def is_image_name(name: str | Path) -> bool:
    """Whether a file name has one of the ``IMAGE_SUFFIXES`` (case-insensitive)."""
    return os.path.splitext(str(name))[1].lower() in IMAGE_SUFFIXES
