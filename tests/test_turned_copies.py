"""Copies saved turned (pixels turned a quarter, half or three-quarter turn, no orientation tag).

The upright turn (``images.orientation``) is checked on arrays; the pairs and hits it adds
(``duplicates.turned``) on codes made to order; and the whole path (scan, encode with the
shipped network, store both codes, group, search, forget) on a library of small photos.
"""

from __future__ import annotations

import numpy as np
import pytest
from generators import encoded_library
from imagefactory import make_library, photo_image

from hashview.core.duplicates.decisions import group_found_pairs
from hashview.core.duplicates.near_identical import near_identical_limit
from hashview.core.duplicates.turned import attach_turned, merge_hits, turned_hits, turned_pairs
from hashview.core.hamming.codes import pack_codes
from hashview.core.hamming.pairs import code_pairs_within
from hashview.core.images.orientation import turned_upright, upright_turns


def structured(n: int, side: int = 32, seed: int = 0) -> np.ndarray:
    return np.stack([np.asarray(photo_image((side, side), seed=seed + i)) for i in range(n)])


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_every_quarter_turn_of_a_picture_comes_back_to_the_same_pixels(k):
    images = structured(12)
    turned = np.stack([np.rot90(im, k) for im in images])
    assert np.array_equal(turned_upright(turned, upright_turns(turned)), turned_upright(images, upright_turns(images)))


def test_the_upright_turn_puts_the_brightest_side_on_top():
    image = np.zeros((1, 8, 8, 3), np.uint8)
    image[0, :, 6:] = 255  # bright on the right
    assert upright_turns(image).tolist() == [1]
    assert turned_upright(image, upright_turns(image))[0, 0].min() == 255  # now the top row is bright


def test_upright_turns_takes_square_batches_only():
    assert upright_turns(np.zeros((0, 4, 4, 3), np.uint8)).shape == (0,)
    with pytest.raises(ValueError, match="square"):
        upright_turns(np.zeros((2, 4, 6, 3), np.uint8))


def bits(rows: list[list[int]], width: int = 16) -> np.ndarray:
    out = np.zeros((len(rows), width), bool)
    for r, ones in enumerate(rows):
        out[r, ones] = True
    return pack_codes(out)


def test_turned_pairs_meet_through_an_upright_code_and_only_there():
    # 0 and 1 are apart but 1's upright code is 0's own code; 2's own code is near 0 (the plain search's pair);
    # 3 is upright already (its upright code is its own) and far from everything
    codes = bits([[0, 1], list(range(8, 16)), [0, 1, 2], list(range(2, 10))])
    upright = bits([[0, 1], [0, 1, 15], [0, 1, 2], list(range(2, 10))])
    i, j, d = turned_pairs(codes, upright, radius=2)
    assert (i.tolist(), j.tolist(), d.tolist()) == ([0, 1], [1, 2], [1, 2])
    assert turned_pairs(codes, upright, radius=0)[0].tolist() == []
    assert turned_pairs(codes, upright, radius=2, plain_radius=16)[0].tolist() == []  # all within the plain radius
    assert turned_pairs(codes, codes, radius=2)[0].tolist() == []  # nothing turned: nothing to add


def test_turned_pairs_join_the_groups_of_the_plain_search():
    # rows 0 and 3 share a code; 1 is 0 turned; 2 is unrelated
    codes = bits([[0, 1], list(range(8, 16)), list(range(2, 10)), [0, 1]])
    upright = bits([[0, 1], [0, 1, 15], list(range(2, 10)), [0, 1]])
    groups = group_found_pairs(code_pairs_within(codes, 2), 2)
    assert [g.tolist() for g in groups] == [[0, 3]]
    i, j, _d = turned_pairs(codes, upright, radius=2)
    assert [g.tolist() for g in attach_turned(groups, i, j, 4)] == [[0, 1, 3]]
    assert [g.tolist() for g in attach_turned(groups, i, j, 4, apart=np.array([[0, 1], [1, 3]]))] == [[0, 3]]
    assert [g.tolist() for g in attach_turned([], np.array([2]), np.array([1]), 4)] == [[1, 2]]


def test_identical_files_are_searched_once_and_still_all_grouped():
    """3,000 identical files (own code A, upright code U) and one copy saved turned (upright code U too): one
    pair, not 3,000 (a big backup would make millions), and the whole lot is one group."""
    codes = bits([[0, 1]] * 3000 + [list(range(8, 16))])
    upright = bits([[5, 6]] * 3000 + [[5, 6]])
    i, j, d = turned_pairs(codes, upright, radius=2)
    assert (i.tolist(), j.tolist(), d.tolist()) == ([0], [3000], [0])
    groups = group_found_pairs(code_pairs_within(codes, 2), 2)
    assert [len(g) for g in attach_turned(groups, i, j, len(codes))] == [3001]


def test_a_turned_copy_joins_a_group_without_splitting_it():
    """A member the plain grouping keeps stays: the turned copy is near its original only, so as a plain edge
    it would make the group a non-clique, which the split around centres may break up."""
    groups = [np.array([0, 1, 2, 3])]
    joined = attach_turned(groups, np.array([4]), np.array([0]), 5)
    assert [g.tolist() for g in joined] == [[0, 1, 2, 3, 4]]


def test_turned_hits_and_their_merge_with_the_plain_ranking():
    codes = bits([[0, 1], list(range(8, 16)), list(range(2, 10))])
    upright = bits([[0, 1], [0, 1, 15], list(range(2, 10))])
    rows, dists = turned_hits(codes, upright, codes[0], codes[0], radius=1)
    assert (rows.tolist(), dists.tolist()) == ([0, 1], [0, 1])
    rows, dists = merge_hits([(np.array([0, 2]), np.array([0, 9])), (np.array([1, 2]), np.array([1, 3]))])
    assert (rows.tolist(), dists.tolist()) == ([0, 1, 2], [0, 1, 3])  # each row once, at its least distance


def test_near_identical_is_a_32nd_of_the_code():
    assert [near_identical_limit(b) for b in (None, 0, 64, 128)] == [0, 0, 2, 4]


@pytest.fixture
def turned_library(tmp_path):
    """Ten photos and two copies turned as an editor saves them: a quarter turn (PNG) and a half turn (JPEG)."""
    root = tmp_path / "photos"
    paths = make_library(root, {"trip": 10}, size=(160, 120))
    from PIL import Image

    with Image.open(paths[0]) as im:
        im.transpose(Image.Transpose.ROTATE_90).save(root / "turned-quarter.png")
    with Image.open(paths[1]) as im:
        im.transpose(Image.Transpose.ROTATE_180).save(root / "turned-half.jpg", quality=92)
    return root, paths


def test_a_library_groups_and_finds_copies_saved_turned(turned_library):
    """The real path, with the shipped network: both codes stored, turned copies grouped and found by search."""
    root, paths = turned_library
    with encoded_library(root) as lib:
        info, codeset = lib.ready_codes()
        upright = lib.upright_codes(info, codeset)
        assert upright is not None and np.array_equal(upright.ids, codeset.ids)
        groups = lib.duplicates.groups(radius=max(lib.duplicates.suggested_radius() or 0, 4))
        names = [sorted(p.name for p in g.paths) for g in groups]
        assert sorted([paths[0].name, "turned-quarter.png"]) in names
        assert sorted([paths[1].name, "turned-half.jpg"]) in names
        quarter = next(g for g in groups if "turned-quarter.png" in {p.name for p in g.paths})
        assert quarter.max_distance <= near_identical_limit(info.bits)  # measured at the closest turn
        hits = lib.search([root / "turned-quarter.png"], k=3)[0].hits
        assert hits[1].path.name == paths[0].name and hits[1].distance <= near_identical_limit(info.bits)
        outside = root.parent / "outside-turned.png"  # a query from outside the library is encoded on the fly
        outside.write_bytes((root / "turned-quarter.png").read_bytes())
        hits = lib.search([outside], k=3)[0].hits
        assert paths[0].name in {h.path.name for h in hits[:2]}
        lib.forget([root / "turned-half.jpg"])
        info, codeset = lib.ready_codes()
        upright = lib.upright_codes(info, codeset)
        assert upright is not None and np.array_equal(upright.ids, codeset.ids) and len(codeset) == 11


def test_the_radius_profile_counts_the_groups_turned_pairs_join(turned_library):
    """``dups --profile`` counts the groups ``dups`` shows at each radius, turned copies joined."""
    root, _paths = turned_library
    with encoded_library(root) as lib:
        radii = list(range(0, 9))
        rows = lib.duplicates.profile(radii=radii)
        assert [row["groups"] for row in rows] == [len(lib.duplicates.groups(radius=r)) for r in radii]
        assert rows[4]["groups"] >= 2  # both turned copies, joined within the turn limit
