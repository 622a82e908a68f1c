"""A screenshot of a photo is seen as the photo it shows (core/images/screens.py), and only a screenshot is.

The screens are drawn here the way interfaces are: flat colours, a status bar
with a clock and icons, bars, bubbles, text. The photos are ``photo_image``'s
smooth random pictures.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from imagefactory import photo_image
from PIL import Image, ImageDraw, ImageFilter

from hashview.core.images.screens import cut_photo, photo_in_screen
from hashview.core.methods import get_method
from hashview.core.methods.deep import DeepRun, build_config
from hashview.core.nets.input_arrays import images_to_array, seen_by_network


def saved(image: Image.Image, kind: str = "PNG") -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, kind, **({"quality": 80} if kind == "JPEG" else {}))
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def status_bar(draw: ImageDraw.ImageDraw, width: int, colour: tuple[int, int, int]) -> None:
    draw.text((20, 12), "9:41", fill=colour)
    draw.text((width - 60, 12), "87%", fill=colour)
    for k in range(3):
        draw.rectangle([width - 110 + 12 * k, 24 - 4 * k, width - 104 + 12 * k, 28], fill=colour)


def gallery(photo: Image.Image, background=(0, 0, 0), size=(360, 780)) -> tuple[Image.Image, tuple[int, ...]]:
    """A phone's gallery: the photo full width, a status bar and a toolbar of icons on the background."""
    screen = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(screen)
    ink = tuple(255 - c for c in background)
    status_bar(draw, size[0], ink)
    draw.text((20, 50), "Yesterday 18:02", fill=ink)
    for k in range(4):
        x = size[0] * (k + 0.5) / 4
        draw.ellipse([x - 12, size[1] - 60, x + 12, size[1] - 36], outline=ink, width=2)
    shown = photo.resize((size[0], round(photo.height * size[0] / photo.width)))
    top = (size[1] - shown.height) // 2
    screen.paste(shown, (0, top))
    return screen, (0, top, size[0], top + shown.height)


def chat(photo: Image.Image, size=(360, 780)) -> tuple[Image.Image, tuple[int, ...]]:
    """A chat: a coloured header, grey text bubbles, the photo in a bubble of its own, a text field."""
    screen = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(screen)
    draw.rectangle([0, 0, size[0], 70], fill=(7, 94, 84))
    status_bar(draw, size[0], (255, 255, 255))
    draw.text((60, 45), "Family", fill=(255, 255, 255))
    for k, width in enumerate((200, 150)):
        draw.rounded_rectangle([12, 90 + 50 * k, 12 + width, 125 + 50 * k], radius=10, fill=(233, 233, 235))
        draw.text((22, 100 + 50 * k), "look at this one", fill=(0, 0, 0))
    shown = photo.resize((230, round(photo.height * 230 / photo.width)))
    left, top = size[0] - shown.width - 16, 220
    draw.rounded_rectangle([left - 4, top - 4, left + shown.width + 4, top + shown.height + 4], 8, fill=(220, 248, 198))
    screen.paste(shown, (left, top))
    draw.rectangle([0, size[1] - 50, size[0], size[1]], fill=(240, 240, 240))
    draw.rounded_rectangle([12, size[1] - 42, size[0] - 60, size[1] - 8], radius=16, fill=(255, 255, 255))
    return screen, (left, top, left + shown.width, top + shown.height)


@pytest.fixture
def photo() -> Image.Image:
    return photo_image((300, 200), seed=5)


def assert_box_near(box, expected, within: float) -> None:
    assert box is not None, "the photo on the screen was not found"
    side = max(expected[2] - expected[0], expected[3] - expected[1])
    assert np.abs(np.subtract(box, expected)).max() <= within * side, (box, expected)


@pytest.mark.parametrize("background", [(0, 0, 0), (255, 255, 255), (18, 18, 18)])
@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_the_photo_in_a_gallery_screenshot_is_found(photo, background, kind):
    screen, expected = gallery(photo, background)
    assert_box_near(photo_in_screen(saved(screen, kind)), expected, within=0.05)


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_the_photo_in_a_chat_bubble_is_found(photo, kind):
    screen, expected = chat(photo)
    assert_box_near(photo_in_screen(saved(screen, kind)), expected, within=0.06)


def test_a_screenshot_found_at_any_size_gives_the_same_photo(photo):
    """The thumbnail a scan keeps and the file itself are cut at the same place, in their own pixels."""
    screen, _ = gallery(photo)
    small = screen.resize((180, 390), Image.Resampling.BILINEAR)
    big, little = photo_in_screen(screen), photo_in_screen(small)
    assert big is not None and little is not None
    assert np.abs(np.subtract(big, np.multiply(little, 2))).max() <= 0.03 * screen.width


@pytest.mark.parametrize(
    "picture",
    [
        pytest.param(lambda: photo_image((300, 200), seed=1), id="a photo"),
        pytest.param(lambda: photo_image((200, 300), seed=2).filter(ImageFilter.GaussianBlur(8)), id="a soft photo"),
    ],
)
def test_a_picture_that_is_not_a_screen_is_left_whole(picture):
    assert photo_in_screen(saved(picture(), "JPEG")) is None


def test_a_drawing_on_a_white_page_is_not_taken_for_a_screen():
    """An object on a plain ground covers a third of the picture too, but its largest inner rectangle runs
    into the object on every side, not into the page."""
    page = Image.new("RGB", (300, 400), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.ellipse([40, 60, 260, 340], fill=(200, 60, 40))
    draw.polygon([(150, 20), (280, 200), (150, 380), (20, 200)], outline=(20, 20, 160), width=6)
    assert photo_in_screen(saved(page, "JPEG")) is None


def test_the_network_sees_the_photo_of_a_screenshot_and_a_frame_is_trimmed_first(photo):
    screen, _ = gallery(photo)
    shot = saved(screen, "JPEG")
    seen = images_to_array([shot], 64, 3, trim=True, cut=True)[0].astype(np.int16)
    original = images_to_array([photo], 64, 3)[0].astype(np.int16)
    whole = images_to_array([shot], 64, 3, trim=True)[0].astype(np.int16)
    assert np.abs(seen - original).mean() < 10
    assert np.abs(whole - original).mean() > 3 * np.abs(seen - original).mean()
    # a photo on a plain canvas is the frame's case: trimmed exactly, not cut with the screen's inset
    canvas = Image.new("RGB", (400, 400), (255, 255, 255))
    canvas.paste(photo, (50, 100))
    assert np.abs(np.subtract(seen_by_network(canvas, trim=True, cut=True).size, photo.size)).max() <= 4
    # a picture with neither comes back as it was: the same object, so its code is the one it had
    assert seen_by_network(photo, trim=True, cut=True) is photo
    assert cut_photo(photo) is None


def test_only_the_duplicate_network_cuts_screens():
    dupnet = build_config(get_method("dupnet"), DeepRun(bits=64), 3, 64, None)
    ssdh = build_config(get_method("ssdh"), DeepRun(bits=64), 3, 32, ["a", "b"])
    assert dupnet["net"]["cut_screens"] is True
    assert "cut_screens" not in ssdh["net"]


@pytest.mark.usefixtures("one_torch_thread")
def test_a_duplicate_network_encodes_a_screenshot_as_the_photo_it_shows(photo):
    """The hasher reads ``cut_screens`` from the network's config: the screenshot's code is the code of the
    photo the cut gives, and a network without the key encodes the whole screen, as it always did."""
    import torch

    from hashview.core.methods.hasher import DeepHasher
    from hashview.core.nets.network import HashNet, network_config

    screen, _ = gallery(photo)
    shot = saved(screen, "JPEG")
    cut = cut_photo(shot)
    assert cut is not None
    torch.manual_seed(0)
    config = network_config("dupnet", 64, "cnn-xs", "none", 3, 64, "tanh", trim_borders=True, cut_screens=True)
    model = HashNet(config).eval()
    cutting = DeepHasher(config, model)
    whole = DeepHasher({**config, "net": {k: v for k, v in config["net"].items() if k != "cut_screens"}}, model)
    width = 64 // 8
    codes = cutting._codes_of([shot, cut], cutting._code_function(2, "cpu"))[:, :width]
    assert (codes[0] == codes[1]).all()
    plain = whole._codes_of([shot, cut], whole._code_function(2, "cpu"))[:, :width]
    assert (plain[0] != plain[1]).any()


def stack_rectangle(grid: np.ndarray) -> tuple[int, int, int, int] | None:
    """The histogram-and-stack method, row by row, as the screen cut first computed its rectangle."""
    rows, cols = grid.shape
    heights = [0] * cols
    best, best_area = None, 0
    for r in range(rows):
        heights = [h + 1 if v else 0 for h, v in zip(heights, grid[r].tolist(), strict=True)]
        stack: list[int] = []
        for c in range(cols + 1):
            height = heights[c] if c < cols else 0
            while stack and heights[stack[-1]] >= height:
                top = stack.pop()
                left = stack[-1] + 1 if stack else 0
                area = heights[top] * (c - left)
                if area > best_area:
                    best_area, best = area, (r - heights[top] + 1, left, r + 1, c)
            stack.append(c)
    return best


def test_the_largest_rectangle_is_the_one_the_stack_method_finds_ties_included():
    """The cut's boxes must not move with the faster search: the same rectangle on 3,000 grids, half of them
    blocky (many rectangles of the largest area)."""
    from hashview.core.images.screens import _largest_true_rectangle

    rng = np.random.default_rng(0)
    for trial in range(3000):
        rows, cols = (int(v) for v in rng.integers(1, 33, 2))
        share = rng.uniform(0.3, 0.98)
        grid = rng.random((rows, cols)) < share
        if trial % 2:
            blocks = rng.random((max(rows // 4, 1), max(cols // 4, 1))) < share
            grid = np.kron(blocks, np.ones((4, 4), bool))[:rows, :cols]
        assert _largest_true_rectangle(grid) == stack_rectangle(grid), (trial, grid.shape)
    assert _largest_true_rectangle(np.zeros((4, 5), bool)) is None
