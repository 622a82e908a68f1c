"""Overlays: captions anywhere, watermarks, date stamps, stickers and a logo.

From issue 20's vocabulary: captions and text anywhere (not only a bar at the
edge), semi-transparent watermarks centred or in a corner, date stamps,
stickers and emoji (drawn shapes), a logo. Sizes are fractions of the photo,
so a thumbnail and a full-size photo get the same look.
"""

from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw, ImageFilter

from benchmarks.datasets.edit_families._common import Params, font, overlay, photo_save

CAPTIONS = (
    "Summer 2019",
    "Happy birthday!",
    "#throwback",
    "Best day ever",
    "Missing this place",
    "Good morning :)",
    "Weekend vibes",
    "WHEN YOU SEE IT",
    "Wish you were here",
    "Family trip 2021",
)
WATERMARKS = ("© Anna Berg Photography", "SAMPLE", "@travelwithtom", "PREVIEW", "www.lightroom-presets.example")
PALETTE = ((255, 255, 255), (0, 0, 0), (255, 221, 0), (230, 40, 40), (40, 120, 230), (255, 120, 180))


def _fit_font(draw: ImageDraw.ImageDraw, text: str, size: int, max_width: float, **kw):
    """The font at ``size`` or smaller, so the text spans at most ``max_width``."""
    left, _, right, _ = draw.textbbox((0, 0), text, font=font(size, **kw))
    if right - left > max_width:  # one proportional step first, then shrink until it fits
        size = max(8, int(size * max_width / (right - left)))
    while True:
        f = font(size, **kw)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=f)
        if right - left <= max_width or size <= 8:
            return f, (left, top, right, bottom)
        size = int(size * 0.9)


def caption(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """A line of text anywhere on the photo: outlined, shadowed, on a box, or plain."""
    w, h = image.size
    text = rng.choice(CAPTIONS)
    size_fraction = round(rng.uniform(0.05, 0.14), 4)
    style = rng.choice(["outline", "shadow", "box", "plain"])
    colour = rng.randrange(len(PALETTE))
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    f, (left, top, right, bottom) = _fit_font(draw, text, round(h * size_fraction), w * 0.92, serif=rng.random() < 0.3)
    tw, th = right - left, bottom - top
    fx, fy = round(rng.random(), 4), round(rng.random(), 4)
    x, y = round((w - tw) * fx) - left, round((h - th) * fy) - top
    fill = (*PALETTE[colour], 255)
    if style == "box":
        pad = max(2, th // 4)
        draw.rectangle((x + left - pad, y + top - pad, x + right + pad, y + bottom + pad), fill=(0, 0, 0, 140))
        fill = (255, 255, 255, 255)
    if style == "shadow":
        off = max(1, th // 12)
        draw.text((x + off, y + off), text, font=f, fill=(0, 0, 0, 200))
    stroke = max(1, th // 14) if style == "outline" else 0
    stroke_fill = (0, 0, 0, 255) if PALETTE[colour] != (0, 0, 0) else (255, 255, 255, 255)
    draw.text((x, y), text, font=f, fill=fill, stroke_width=stroke, stroke_fill=stroke_fill)
    params = {"text": text, "size_fraction": size_fraction, "style": style, "colour": list(PALETTE[colour])}
    return overlay(image, layer), {**params, "x": fx, "y": fy, "save": photo_save(rng)}


def watermark(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Semi-transparent text: large and maybe slanted in the centre, or small in a corner."""
    w, h = image.size
    text = rng.choice(WATERMARKS)
    opacity = round(rng.uniform(0.2, 0.5), 4)
    place = rng.choice(["centre", "top-left", "top-right", "bottom-left", "bottom-right"])
    angle = round(rng.uniform(-35, 35), 2) if place == "centre" and rng.random() < 0.6 else 0.0
    width_fraction = round(rng.uniform(0.5, 0.9) if place == "centre" else rng.uniform(0.2, 0.4), 4)
    colour = rng.choice([(255, 255, 255), (0, 0, 0)])
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    f, (left, top, right, bottom) = _fit_font(probe, text, h, w * width_fraction)
    mark = Image.new("RGBA", (right - left + 4, bottom - top + 4), (0, 0, 0, 0))
    ImageDraw.Draw(mark).text((2 - left, 2 - top), text, font=f, fill=(*colour, round(255 * opacity)))
    if angle:
        mark = mark.rotate(angle, Image.Resampling.BICUBIC, expand=True)
    margin = round(min(w, h) * 0.03)
    mw, mh = mark.size
    x = {"centre": (w - mw) // 2}.get(place, margin if "left" in place else w - mw - margin)
    y = {"centre": (h - mh) // 2}.get(place, margin if "top" in place else h - mh - margin)
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    layer.alpha_composite(mark, (max(0, x), max(0, y)))
    params = {"text": text, "opacity": opacity, "place": place, "angle": angle, "width_fraction": width_fraction}
    return overlay(image, layer), {**params, "colour": list(colour), "save": photo_save(rng)}


def date_stamp(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """The orange date of a film or old digital camera, glowing a little, near a bottom corner."""
    w, h = image.size
    y_, mo, d = rng.randint(1995, 2023), rng.randint(1, 12), rng.randint(1, 28)
    text = rng.choice(
        [
            f"'{y_ % 100:02d} {mo} {d}",
            f"{y_}/{mo:02d}/{d:02d}",
            f"{d:02d}.{mo:02d}.{y_} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        ]
    )
    size_fraction = round(rng.uniform(0.035, 0.07), 4)
    corner = rng.choice(["bottom-right", "bottom-right", "bottom-left"])
    colour = rng.choice([(255, 140, 0), (255, 110, 30), (255, 200, 60)])
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    f = font(round(min(w, h) * size_fraction), mono=True)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=f)
    margin = round(min(w, h) * 0.04)
    x = w - margin - right if corner == "bottom-right" else margin - left
    y = h - margin - bottom
    draw.text((x, y), text, font=f, fill=(*colour, 255))
    glow = layer.filter(ImageFilter.GaussianBlur(max(1, (bottom - top) // 10)))
    out = overlay(overlay(image, glow), layer)
    return out, {"text": text, "size_fraction": size_fraction, "corner": corner, "save": photo_save(rng)}


def _star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    points = []
    for k in range(10):
        rad = r if k % 2 == 0 else r * 0.45
        a = -math.pi / 2 + k * math.pi / 5
        points.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    return points


def _draw_sticker(draw: ImageDraw.ImageDraw, kind: str, cx: float, cy: float, r: float) -> None:
    """An emoji-like sticker with the white die-cut edge stickers have."""
    edge = max(2, r * 0.12)
    if kind in ("smiley", "laughing"):
        draw.ellipse((cx - r - edge, cy - r - edge, cx + r + edge, cy + r + edge), fill=(255, 255, 255, 255))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 204, 51, 255), outline=(200, 140, 0, 255))
        ey, ex, er = cy - r * 0.3, r * 0.35, r * 0.12
        for sx in (-1, 1):
            draw.ellipse((cx + sx * ex - er, ey - er * 1.4, cx + sx * ex + er, ey + er * 1.4), fill=(60, 40, 20, 255))
        box = (cx - r * 0.55, cy - r * 0.35, cx + r * 0.55, cy + r * 0.6)
        if kind == "laughing":
            draw.chord(box, 0, 180, fill=(120, 30, 30, 255))
        else:
            draw.arc(box, 20, 160, fill=(60, 40, 20, 255), width=max(2, round(r * 0.1)))
    elif kind == "heart":
        pts = []
        for k in range(60):
            t = 2 * math.pi * k / 60
            x = 16 * math.sin(t) ** 3
            y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
            pts.append((cx + x * r / 16, cy - y * r / 16))
        draw.polygon(pts, fill=(235, 30, 70, 255), outline=(255, 255, 255, 255), width=round(edge))
    elif kind == "star":
        draw.polygon(_star(cx, cy, r), fill=(255, 200, 0, 255), outline=(255, 255, 255, 255), width=round(edge))
    else:  # a speech bubble with "WOW"
        draw.ellipse((cx - r, cy - r * 0.7, cx + r, cy + r * 0.7), fill=(255, 255, 255, 255), outline=(0, 0, 0, 255))
        draw.polygon(
            [(cx - r * 0.3, cy + r * 0.5), (cx - r * 0.6, cy + r), (cx, cy + r * 0.6)], fill=(255, 255, 255, 255)
        )
        f = font(round(r * 0.6))
        draw.text((cx, cy), "WOW", font=f, fill=(230, 40, 40, 255), anchor="mm")


def sticker(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """One to four emoji-like stickers, 8-25 % of the short side each, anywhere."""
    w, h = image.size
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    placed = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["smiley", "laughing", "heart", "star", "wow"])
        size = round(rng.uniform(0.08, 0.25), 4)
        fx, fy = round(rng.random(), 4), round(rng.random(), 4)
        r = size * min(w, h) / 2
        _draw_sticker(draw, kind, r + fx * (w - 2 * r), r + fy * (h - 2 * r), r)
        placed.append({"kind": kind, "size": size, "x": fx, "y": fy})
    return overlay(image, layer), {"stickers": placed, "save": photo_save(rng)}


def logo(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """A brand mark in a corner: a coloured badge with initials, or a wordmark, partly transparent."""
    w, h = image.size
    style = rng.choice(["badge", "round", "wordmark"])
    size = round(rng.uniform(0.08, 0.18), 4)
    opacity = round(rng.uniform(0.6, 1.0), 4)
    corner = rng.choice(["top-left", "top-right", "bottom-left", "bottom-right"])
    colour = rng.choice([(220, 40, 60), (30, 110, 200), (20, 160, 110), (250, 170, 0), (40, 40, 40)])
    alpha = round(255 * opacity)
    side = round(w * size)
    if style == "wordmark":
        probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
        f, (left, top, right, bottom) = _fit_font(probe, "PIXELCO", side, w * size * 1.6)
        mark = Image.new("RGBA", (right - left + 8, bottom - top + 8), (0, 0, 0, 0))
        d = ImageDraw.Draw(mark)
        d.text(
            (4 - left, 4 - top),
            "PIXELCO",
            font=f,
            fill=(*colour, alpha),
            stroke_width=1,
            stroke_fill=(255, 255, 255, alpha),
        )
    else:
        mark = Image.new("RGBA", (side, side), (0, 0, 0, 0))
        d = ImageDraw.Draw(mark)
        if style == "badge":
            d.rounded_rectangle((0, 0, side - 1, side - 1), radius=side // 5, fill=(*colour, alpha))
        else:
            d.ellipse(
                (0, 0, side - 1, side - 1),
                fill=(*colour, alpha),
                outline=(255, 255, 255, alpha),
                width=max(1, side // 20),
            )
        d.text((side / 2, side / 2), "AB", font=font(side * 0.45), fill=(255, 255, 255, alpha), anchor="mm")
    margin = round(min(w, h) * 0.03)
    mw, mh = mark.size
    x = margin if "left" in corner else w - mw - margin
    y = margin if "top" in corner else h - mh - margin
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    layer.alpha_composite(mark, (max(0, x), max(0, y)))
    params = {"style": style, "size": size, "opacity": opacity, "corner": corner, "colour": list(colour)}
    return overlay(image, layer), {**params, "save": photo_save(rng)}
