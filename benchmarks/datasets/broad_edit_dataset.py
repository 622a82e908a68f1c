"""A development set of copies made by every edit family people use, written apart from the training edits.

The photos are ``dup_dataset``'s: quadrants of the wallpaper photographs
Debian ships, kept when detailed and unlike each other (so none of the
held-out benchmark sets is touched). ``--groups`` of them get ``--copies``
edited copies each, made by ``benchmarks.datasets.edit_families`` (Pillow and
numpy edits with strengths from the real-world ranges of issue 20, never
hashview's training edits); the families are dealt out evenly, so each
appears about ``groups * copies / families`` times, never twice in one group.
``--distractors`` further photos get no copies.

``truth.json`` is read by ``benchmarks.dups`` like ``dup_dataset``'s: each
group is a list of members (original first) with ``path`` and ``edit`` (the
family's name); each member adds ``family_group``, ``params`` (what the edit
drew, with its saving options) and ``seed`` (``apply(family, original,
random.Random(seed))`` makes that copy again). The defaults (132 groups x 5
copies, 90 distractors) give 882 images and 15 copies of each of the 44
families (15-16 of each of 43 where HEIC cannot be written).

Usage (from the repository root):
    python -m benchmarks.datasets.broad_edit_dataset OUT [--groups 132] [--copies 5] [--distractors 90]
        [--seed 0] [--debs DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

from benchmarks.datasets.dup_dataset import distinct_photos
from benchmarks.datasets.edit_families import FAMILIES, SUFFIX, apply, encode, heic_writable
from benchmarks.provenance import provenance

FOLDERS = ("", "phone/", "shared/", "edits/", "backup/old/")


def deal(families: list[str], groups: int, copies: int, rng: random.Random) -> list[list[str]]:
    """``groups`` hands of ``copies`` distinct families; every family dealt as often as any other, give or take one.

    The deck is whole shuffled packs of the families, cut to size; a hand that
    drew one family twice swaps the second for a card of another hand that can take it.
    """
    if copies > len(families):
        raise ValueError(f"{copies} copies per group, but only {len(families)} families to make them distinct")
    deck: list[str] = []
    while len(deck) < groups * copies:
        pack = list(families)
        rng.shuffle(pack)
        deck.extend(pack)
    hands = [deck[g * copies : (g + 1) * copies] for g in range(groups)]
    for hand in hands:
        for i, card in enumerate(hand):
            if hand.index(card) == i:
                continue
            for other in hands:
                j = next((j for j, c in enumerate(other) if c not in hand and card not in other), None)
                if j is not None:
                    hand[i], other[j] = other[j], card
                    break
    return hands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--groups", type=int, default=132, help="photos that get edited copies")
    parser.add_argument("--copies", type=int, default=5, help="edited copies per group, each of another family")
    parser.add_argument("--distractors", type=int, default=90, help="further photos with no copies")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--debs", type=Path, default=Path("/tmp/debs"))
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    photos = distinct_photos(args.debs)
    groups_n = min(args.groups, len(photos))
    distractors_n = min(args.distractors, len(photos) - groups_n)
    chosen = rng.sample(range(len(photos)), groups_n + distractors_n)
    names = sorted(FAMILIES)
    hands = deal(names, groups_n, args.copies, rng)
    args.out.mkdir(parents=True, exist_ok=True)
    original_save = {"format": "JPEG", "quality": 92}
    for index in chosen:
        name, image = photos[index]
        (args.out / f"{name}.jpg").write_bytes(encode(image, original_save))
    groups: list[list[dict[str, object]]] = []
    for index, hand in zip(chosen[:groups_n], hands, strict=True):
        name, image = photos[index]
        members: list[dict[str, object]] = [
            {"path": f"{name}.jpg", "edit": "original", "family_group": "original", "params": {"save": original_save}}
        ]
        for c, family in enumerate(hand):
            seed = rng.getrandbits(63)
            copy, params = apply(family, image, random.Random(seed))
            rel = f"{rng.choice(FOLDERS)}{name}-copy{c}-{family}{SUFFIX[params['save']['format']]}"
            (args.out / rel).parent.mkdir(parents=True, exist_ok=True)
            (args.out / rel).write_bytes(encode(copy, params["save"]))
            group = FAMILIES[family].group
            members.append({"path": rel, "edit": family, "family_group": group, "params": params, "seed": seed})
        groups.append(members)
    counts = Counter(m["edit"] for g in groups for m in g[1:])
    heic = heic_writable()
    truth: dict[str, object] = {
        "groups": groups,
        "photos": groups_n + distractors_n,
        "distractors": distractors_n,
        "families": {n: FAMILIES[n].group for n in names},
        "copies_per_family": dict(sorted(counts.items())),
        "heic": heic,
        "provenance": provenance(),
    }
    (args.out / "truth.json").write_text(json.dumps(truth, indent=1))
    total = groups_n + distractors_n + sum(counts.values())
    print(
        f"wrote {total} images ({groups_n} originals with {args.copies} copies each, {distractors_n} distractors; "
        f"{len(names)} families, {min(counts.values())}-{max(counts.values())} copies each"
        f"{'' if heic else '; no HEIC: pillow-heif cannot write it here'}) under {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
