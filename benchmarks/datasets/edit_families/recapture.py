"""Re-capture: the photo inside a screenshot of a phone's gallery or chat, or pasted on a canvas.

From issue 20's vocabulary: a screenshot of the photo (a phone's gallery or a
chat window around it: status bar and buttons, the photo scaled inside), and
the photo pasted on a white or black canvas. The screens are drawn from
shapes and text (no app's artwork), at real phone resolutions, so the photo
fills only part of the picture, as it does in a real screenshot.
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from benchmarks.datasets.edit_families._common import Params, font

PHONES = ((1080, 2340), (1170, 2532), (720, 1600), (1080, 1920))
CHAT_LINES = (
    "Look at this!",
    "omg where is this?",
    "haha",
    "Sent from the trip",
    "Can you send the others?",
    "so pretty",
    "Remember this one?",
    "Wow!!",
)


def _screenshot_save(rng: random.Random) -> Params:
    """Phones save screenshots as PNG; forwarded ones come back as JPEG."""
    return {"format": "PNG"} if rng.random() < 0.6 else {"format": "JPEG", "quality": rng.randint(75, 92)}


def _status_bar(draw: ImageDraw.ImageDraw, width: int, height: int, fg: tuple, rng: random.Random) -> str:
    clock = f"{rng.randint(7, 23)}:{rng.randint(0, 59):02d}"
    f = font(height * 0.55)
    draw.text((width * 0.06, height / 2), clock, font=f, fill=fg, anchor="lm")
    x = width * 0.94
    bw, bh = height * 0.9, height * 0.45  # battery
    draw.rounded_rectangle((x - bw, height / 2 - bh / 2, x, height / 2 + bh / 2), radius=bh / 4, outline=fg, width=2)
    draw.rectangle((x - bw + 4, height / 2 - bh / 2 + 4, x - bw * 0.35, height / 2 + bh / 2 - 4), fill=fg)
    for k in range(4):  # signal bars
        bx = x - bw * 2.4 + k * bh * 0.5
        draw.rectangle((bx, height / 2 + bh / 2 - bh * (k + 1) / 4, bx + bh * 0.3, height / 2 + bh / 2), fill=fg)
    return clock


def _fit(image: Image.Image, max_w: float, max_h: float) -> Image.Image:
    scale = min(max_w / image.width, max_h / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _rounded(photo: Image.Image, radius: int) -> Image.Image:
    mask = Image.new("L", photo.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, photo.width - 1, photo.height - 1), radius=radius, fill=255)
    out = photo.convert("RGBA")
    out.putalpha(mask)
    return out


def gallery_screenshot(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """The photo open in a phone's gallery: status bar, top bar, the photo fitted, a bottom toolbar."""
    width, height = rng.choice(PHONES)
    dark = rng.random() < 0.6
    bg, fg = ((0, 0, 0), (235, 235, 235)) if dark else ((250, 250, 250), (30, 30, 30))
    screen = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(screen)
    bar = round(height * 0.035)
    _status_bar(draw, width, bar, fg, rng)
    top = bar + round(height * 0.06)
    u = width / 30  # icon unit
    draw.line(
        [(u * 2.2, bar + (top - bar) * 0.3), (u * 1.4, bar + (top - bar) / 2), (u * 2.2, bar + (top - bar) * 0.7)],
        fill=fg,
        width=max(2, round(u / 6)),
    )
    date = f"{rng.randint(1, 28)} {rng.choice(['March', 'July', 'October'])} {rng.randint(2015, 2023)}"
    draw.text((u * 4, bar + (top - bar) / 2), date, font=font(u * 1.1, bold=False), fill=fg, anchor="lm")
    for k in range(3):
        draw.ellipse(
            (
                width - u * 2 - u * 0.25,
                bar + (top - bar) * (0.3 + 0.2 * k) - u * 0.25,
                width - u * 2 + u * 0.25,
                bar + (top - bar) * (0.3 + 0.2 * k) + u * 0.25,
            ),
            fill=fg,
        )
    bottom = height - round(height * 0.09)
    photo = _fit(image, width, (bottom - top) * rng.uniform(0.85, 1.0))
    screen.paste(photo, ((width - photo.width) // 2, top + (bottom - top - photo.height) // 2))
    y = bottom + (height - bottom) * 0.4
    for k, icon in enumerate(["share", "heart", "edit", "trash"]):  # toolbar icons, drawn plainly
        cx, r = width * (k + 0.5) / 4, u * 0.9
        if icon == "share":
            for px, py in ((cx - r, y), (cx + r, y - r), (cx + r, y + r)):
                draw.ellipse((px - r / 3, py - r / 3, px + r / 3, py + r / 3), outline=fg, width=3)
            draw.line([(cx + r, y - r), (cx - r, y), (cx + r, y + r)], fill=fg, width=3)
        elif icon == "heart":
            draw.ellipse((cx - r, y - r * 0.8, cx, y + r * 0.1), outline=fg, width=3)
            draw.ellipse((cx, y - r * 0.8, cx + r, y + r * 0.1), outline=fg, width=3)
            draw.line([(cx - r * 0.95, y - r * 0.1), (cx, y + r), (cx + r * 0.95, y - r * 0.1)], fill=fg, width=3)
        elif icon == "edit":
            for j in range(3):
                yy = y - r * 0.7 + j * r * 0.7
                draw.line([(cx - r, yy), (cx + r, yy)], fill=fg, width=3)
                draw.ellipse((cx - r * 0.5 + j * r * 0.5 - 6, yy - 6, cx - r * 0.5 + j * r * 0.5 + 6, yy + 6), fill=fg)
        else:
            draw.rectangle((cx - r * 0.7, y - r * 0.6, cx + r * 0.7, y + r), outline=fg, width=3)
            draw.line([(cx - r, y - r * 0.7), (cx + r, y - r * 0.7)], fill=fg, width=3)
    draw.rounded_rectangle((width * 0.35, height - bar * 0.45, width * 0.65, height - bar * 0.3), radius=bar, fill=fg)
    params = {"screen": [width, height], "dark": dark, "photo_width_fraction": round(photo.width / width, 4)}
    return screen, {**params, "save": _screenshot_save(rng)}


def _bubble(draw, box, colour, radius) -> None:
    draw.rounded_rectangle(box, radius=radius, fill=colour)


def chat_screenshot(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """The photo sent in a chat: header with a contact, text bubbles, the photo in a bubble, an input bar.

    The conversation sits on the input bar, newest last, as chats scroll;
    what does not fit slides under the header.
    """
    width, height = rng.choice(PHONES)
    theme = rng.choice(["beige", "dark", "white"])
    bg = {"beige": (236, 229, 221), "dark": (18, 18, 22), "white": (255, 255, 255)}[theme]
    text_colour = (235, 235, 235) if theme == "dark" else (20, 20, 20)
    incoming_c = (38, 40, 46) if theme == "dark" else (255, 255, 255) if theme == "beige" else (233, 233, 235)
    outgoing_c = (0, 92, 75) if theme == "dark" else (220, 248, 198) if theme == "beige" else (0, 122, 255)
    screen = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(screen)
    u = width / 30
    bar = round(height * 0.035)
    header = bar + round(height * 0.065)
    input_top = height - round(height * 0.08)
    f = font(u * 1.05, bold=False)
    pad, gap, inner = u * 0.8, u * 0.6, u * 0.35
    text_h = u * 1.2 + 2 * pad
    n_before, n_after = rng.randint(1, 4), rng.randint(0, 1)
    talk = [(line, rng.random() < 0.5) for line in rng.sample(CHAT_LINES, n_before + n_after)]
    before, after = talk[:n_before], talk[n_before:]
    mine = rng.random() < 0.5
    bubble_w = width * rng.uniform(0.62, 0.78)
    room = input_top - header - 2 * gap - (len(before) + len(after)) * (text_h + gap) - 2 * inner - gap
    photo = _fit(image, bubble_w - 2 * inner, max(u * 8, room))
    bw, bh = photo.width + 2 * inner, photo.height + 2 * inner
    y = input_top - gap - (len(before) + len(after)) * (text_h + gap) - bh - gap

    def text_bubble(line: str, outgoing: bool, top: float) -> None:
        tw = draw.textlength(line, font=f)
        x0 = width - u - tw - 2 * pad if outgoing else u
        _bubble(draw, (x0, top, x0 + tw + 2 * pad, top + text_h), outgoing_c if outgoing else incoming_c, u * 0.8)
        fg = (255, 255, 255) if (outgoing and theme == "white") else text_colour
        draw.text((x0 + pad, top + pad), line, font=f, fill=fg)

    for line, outgoing in before:
        text_bubble(line, outgoing, y)
        y += text_h + gap
    x0 = width - u - bw if mine else u
    _bubble(draw, (x0, y, x0 + bw, y + bh), outgoing_c if mine else incoming_c, u * 0.8)
    rounded = _rounded(photo, round(u * 0.6))
    screen.paste(rounded, (round(x0 + inner), round(y + inner)), rounded)
    stamp = f"{rng.randint(7, 23)}:{rng.randint(0, 59):02d}"
    small = font(u * 0.8, bold=False)
    draw.text((x0 + bw - inner * 3, y + bh - inner * 3), stamp, font=small, fill=(255, 255, 255), anchor="rs")
    y += bh + gap
    for line, outgoing in after:
        text_bubble(line, outgoing, y)
        y += text_h + gap
    head_c = (7, 94, 84) if theme == "beige" else (32, 33, 38) if theme == "dark" else (247, 247, 247)
    head_fg = (20, 20, 20) if theme == "white" else (240, 240, 240)
    draw.rectangle((0, 0, width, header), fill=head_c)
    _status_bar(draw, width, bar, head_fg, rng)
    mid = bar + (header - bar) / 2
    draw.line(
        [(u * 1.8, mid - u * 0.6), (u * 1.1, mid), (u * 1.8, mid + u * 0.6)], fill=head_fg, width=max(2, round(u / 6))
    )
    draw.ellipse((u * 3, mid - u * 1.3, u * 5.6, mid + u * 1.3), fill=(180, 150, 120))
    name = rng.choice(["Mum", "Alex", "Sam", "Family", "Jonas"])
    draw.text((u * 6.5, mid), name, font=font(u * 1.2), fill=head_fg, anchor="lm")
    draw.rectangle((0, input_top, width, height), fill=bg)
    field_c = incoming_c if theme != "white" else (240, 240, 242)
    draw.rounded_rectangle((u, input_top + u * 0.6, width - u * 4.5, input_top + u * 3), radius=u * 1.2, fill=field_c)
    draw.text((u * 2.2, input_top + u * 1.8), "Message", font=f, fill=(140, 140, 140), anchor="lm")
    send_c = outgoing_c if theme != "beige" else (0, 168, 132)
    draw.ellipse((width - u * 3.8, input_top + u * 0.5, width - u * 0.9, input_top + u * 3.1), fill=send_c)
    params = {"screen": [width, height], "theme": theme, "outgoing": mine}
    params |= {"photo_width_fraction": round(photo.width / width, 4)}
    return screen, {**params, "save": _screenshot_save(rng)}


def canvas(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """The photo pasted onto a plain white or black canvas, smaller than it and not always centred."""
    colour = rng.choice(["white", "black"])
    shape = rng.choice(["square", "portrait", "landscape", "a4"])
    side = rng.choice([1080, 1600, 2000])
    size = {
        "square": (side, side),
        "portrait": (side * 4 // 5, side),
        "landscape": (side, side * 9 // 16),
        "a4": (round(side / 1.414), side),
    }[shape]
    fill_fraction = round(rng.uniform(0.5, 0.9), 4)
    photo = _fit(image, size[0] * fill_fraction, size[1] * fill_fraction)
    fx, fy = (0.5, 0.5) if rng.random() < 0.6 else (round(rng.uniform(0.1, 0.9), 4), round(rng.uniform(0.1, 0.9), 4))
    board = Image.new("RGB", size, (255, 255, 255) if colour == "white" else (0, 0, 0))
    board.paste(photo, (round((size[0] - photo.width) * fx), round((size[1] - photo.height) * fy)))
    params = {"colour": colour, "canvas": list(size), "fill_fraction": fill_fraction, "x": fx, "y": fy}
    return board, {**params, "save": {"format": "JPEG", "quality": rng.randint(80, 95)}}
