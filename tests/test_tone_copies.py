"""Copies whose tone or colour changed, found through the tone hash (``images.tone_hash``, ``duplicates.tone``)."""

from __future__ import annotations

import numpy as np
import pytest
from generators import encoded_library, run_to_end
from imagefactory import make_library, photo_image
from PIL import Image, ImageEnhance, ImageOps

from hashview.core.duplicates.tone import TONE_RADIUS, pair_spread, tone_hits, tone_pairs
from hashview.core.hamming.codes import pack_codes
from hashview.core.images.tone_hash import TONE_BITS, grey_squares, tone_hashes
from hashview.core.library import _look_key


def picture(seed: int, side: int = 64) -> np.ndarray:
    return np.asarray(photo_image((side, side), seed=seed).convert("RGB"))


def distance(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.unpackbits(a ^ b).sum())


def test_a_hash_is_64_bits_a_picture_and_the_same_twice():
    batch = np.stack([picture(s) for s in range(4)])
    hashes = tone_hashes(batch)
    assert hashes.shape == (4, TONE_BITS // 8) and hashes.dtype == np.uint8
    assert np.array_equal(hashes, tone_hashes(batch.copy()))
    assert tone_hashes(np.zeros((0, 64, 64, 3), np.uint8)).shape == (0, 8)


def test_changes_of_exposure_contrast_levels_and_colour_keep_the_hash_and_other_pictures_do_not():
    """The edits the shipped network missed where PHash found them (issue 20) stay within the radius."""
    original = photo_image((96, 96), seed=0).convert("RGB")
    edits = {  # moderate strengths: the test pictures' saturated colours clip under stronger ones
        "exposure": ImageEnhance.Brightness(original).enhance(0.7),
        "contrast down": ImageEnhance.Contrast(original).enhance(0.7),
        "contrast up": ImageEnhance.Contrast(original).enhance(1.2),
        "levels": ImageOps.autocontrast(original, cutoff=2),
        "greyscale": original.convert("L").convert("RGB"),
        "saturation": ImageEnhance.Color(original).enhance(0.3),
    }
    side = 64
    base = tone_hashes(np.asarray(original.resize((side, side)))[None])[0]
    for name, edited in edits.items():
        got = tone_hashes(np.asarray(edited.resize((side, side)))[None])[0]
        assert distance(base, got) <= TONE_RADIUS, name
    others = tone_hashes(np.stack([picture(s) for s in range(10, 20)]))
    assert min(distance(base, h) for h in others) > 4 * TONE_RADIUS


def test_sides_that_are_not_a_multiple_of_32_are_box_filtered_too():
    batch = np.stack([picture(s, side=48) for s in range(3)])
    grey = grey_squares(batch)
    assert grey.shape == (3, 32, 32)
    assert abs(float(grey.mean()) - float((batch.astype(np.float64) @ [0.299, 0.587, 0.114]).mean())) < 1.0
    with pytest.raises(ValueError, match="expected"):
        grey_squares(np.zeros((2, 64, 64), np.uint8))


def test_a_flat_picture_hashes_alike_however_rounding_falls():
    """Frequencies that are zero but for rounding are zero, so a flat picture's hash is fixed: every one of
    them equals the median (zero), every bit is set (rounding noise left in would clear about half)."""
    flat = np.full((2, 64, 64, 3), 120, np.uint8)
    flat[1] = 37  # another flat grey
    assert tone_hashes(flat).tolist() == [[255] * 8, [255] * 8]


def rows(bit_lists: list[list[int]], width: int) -> np.ndarray:
    out = np.zeros((len(bit_lists), width), bool)
    for r, ones in enumerate(bit_lists):
        out[r, ones] = True
    return pack_codes(out)


def test_tone_pairs_are_close_hashes_whose_codes_the_plain_search_leaves_apart():
    tone = rows([[0], [0, 1], [0, 1, 2, 3, 4, 5, 6, 7, 8], [0]], 64)
    codes = rows([[], list(range(20)), [], [1]], 32)
    i, j, d = tone_pairs(tone, codes, plain_radius=2)
    # 0-1 close by tone, far by code: added; 0-3 close by both: the plain search's; 2 is far by tone
    assert (i.tolist(), j.tolist(), d.tolist()) == ([0, 1], [1, 3], [1, 1])


def test_identical_rows_are_searched_once():
    tone = rows([[0]] * 500 + [[0, 1]], 64)
    codes = rows([[]] * 500 + [list(range(16))], 32)
    i, j, _d = tone_pairs(tone, codes, plain_radius=2)
    assert (i.tolist(), j.tolist()) == ([0], [500])  # one pair, not 500: the plain groups hold the identical rows


def test_tone_hits_count_at_the_tone_distance_scaled_to_the_code_and_spread_takes_the_nearer_look():
    tone = rows([[0], [0, 1], [0, 1, 2, 3, 4, 5, 6, 7, 8]], 64)
    hit_rows, dists = tone_hits(tone, tone[0], bits=128)
    assert (hit_rows.tolist(), dists.tolist()) == ([0, 1], [0, 2])
    codes = rows([[], list(range(30)), [1]], 128)
    assert pair_spread(codes, tone, np.array([0, 1]), 128) == 2
    assert pair_spread(codes, tone, np.array([0, 2]), 128) == 1  # the codes are nearer than the hashes


@pytest.fixture
def toned_library(tmp_path):
    """Eight photos and a copy of the first whose levels were stretched and colour taken out."""
    root = tmp_path / "photos"
    paths = make_library(root, {"trip": 8}, size=(160, 120))
    with Image.open(paths[0]) as im:
        ImageOps.autocontrast(ImageOps.grayscale(im), cutoff=2).convert("RGB").save(
            root / "levels-grey.jpg", quality=90
        )
    return root, paths


def test_a_library_groups_and_finds_a_copy_by_its_tone_hash(toned_library):
    """The real path with the shipped network: hashes stored beside the codes, the copy grouped and found
    even at radius 0, where the codes alone pair nothing but identical codes."""
    root, paths = toned_library
    with encoded_library(root) as lib:
        info, codeset = lib.ready_codes()
        tone = lib.tone_codes(info, codeset)
        assert tone is not None and np.array_equal(tone.ids, codeset.ids) and tone.n_bits == TONE_BITS
        groups = lib.duplicates.groups(radius=0)
        names = [sorted(p.name for p in g.paths) for g in groups]
        assert sorted([paths[0].name, "levels-grey.jpg"]) in names
        group = next(g for g in groups if "levels-grey.jpg" in {p.name for p in g.paths})
        assert group.max_distance <= TONE_RADIUS * info.bits // TONE_BITS  # the nearer look's distance
        hits = lib.search([root / "levels-grey.jpg"], radius=0)[0].hits
        assert paths[0].name in {h.path.name for h in hits}
        lib.forget([root / "levels-grey.jpg"])
        info, codeset = lib.ready_codes()
        tone = lib.tone_codes(info, codeset)
        assert tone is not None and np.array_equal(tone.ids, codeset.ids) and len(codeset) == 8


def test_a_no_match_decision_keeps_a_tone_pair_apart(toned_library):
    root, paths = toned_library
    with encoded_library(root) as lib:
        lib.decisions.record(paths[0], root / "levels-grey.jpg", "different")
        names = [sorted(p.name for p in g.paths) for g in lib.duplicates.groups(radius=0)]
        assert sorted([paths[0].name, "levels-grey.jpg"]) not in names


@pytest.mark.parametrize("look", ["upright", "tone"])
def test_codes_stored_before_a_look_existed_are_encoded_again(toned_library, look):
    """A library encoded by an older hashview (its codes without the upright codes, or without the tone
    hashes) encodes every row once more, all looks at once."""
    root, _paths = toned_library
    with encoded_library(root) as lib:
        info, codeset = lib.ready_codes()
        lib.codes.delete(_look_key(info, look))
        assert (lib.upright_codes if look == "upright" else lib.tone_codes)(info, codeset) is None
        assert not lib.codes_ready()  # the own codes are all there; one look is missing
        events, _ = run_to_end(lib.encode())
        assert events[-1].summary["encoded"] == len(codeset)
        info, codeset = lib.ready_codes()
        assert lib.upright_codes(info, codeset) is not None and lib.tone_codes(info, codeset) is not None


def test_the_radius_profile_counts_the_groups_tone_pairs_join(toned_library):
    """``dups --profile`` and the explorer's radius details count the groups ``dups`` shows at each radius,
    tone pairs joined (and kept apart where the person said "not a match")."""
    root, paths = toned_library
    with encoded_library(root) as lib:
        radii = [0, 2, 6]
        rows = lib.duplicates.profile(radii=radii)
        assert [row["groups"] for row in rows] == [len(lib.duplicates.groups(radius=r)) for r in radii]
        assert rows[0]["groups"] >= 1  # at radius 0 the tone pair is a group of its own
        lib.decisions.record(paths[0], root / "levels-grey.jpg", "different")
        rows = lib.duplicates.profile(radii=radii)
        assert [row["groups"] for row in rows] == [len(lib.duplicates.groups(radius=r)) for r in radii]
