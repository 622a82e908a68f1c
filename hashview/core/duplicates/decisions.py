"""The user's duplicate decisions applied to code pairs: grouping and the precision a radius implies.

Decisions are pairs of rows (into one library's codes) with a ``Verdict``,
"same" or "different". They override the codes: two rows marked "different"
never share a group, and rows marked "same" are grouped at any radius.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from hashview.core.catalog.verdict import Verdict
from hashview.core.duplicates.grouping import group_code_pairs, group_duplicates
from hashview.core.hamming.pairs import CodePairs


@dataclass(frozen=True)
class RowDecisions:
    """Decided pairs as row arrays: ``same`` and ``different`` are (m, 2) int64, each row sorted."""

    same: np.ndarray
    different: np.ndarray

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[int, int, Verdict | str]]) -> RowDecisions:
        """Row pairs with a verdict (a ``Verdict`` or its word); a pair of one row with itself is ignored."""

        def rows(verdict: Verdict) -> np.ndarray:
            got = [(min(a, b), max(a, b)) for a, b, v in pairs if Verdict.parse(v) is verdict and a != b]
            return np.unique(np.asarray(got, np.int64).reshape(-1, 2), axis=0)

        return cls(rows(Verdict.SAME), rows(Verdict.DIFFERENT))

    @property
    def empty(self) -> bool:
        return len(self.same) == 0 and len(self.different) == 0


NO_DECISIONS = RowDecisions(np.zeros((0, 2), np.int64), np.zeros((0, 2), np.int64))


def _keys(pairs: np.ndarray, n: int) -> np.ndarray:
    keys: np.ndarray = pairs[:, 0] * n + pairs[:, 1]
    return keys


def group_found_pairs(found: CodePairs, radius: int, decisions: RowDecisions = NO_DECISIONS) -> list[np.ndarray]:
    """Groups from ``pairs.code_pairs_within``'s answer, with the user's verdicts.

    Without decisions the distinct codes are grouped (``group_code_pairs``:
    no row pairs are made, however many photos share a code); verdicts name
    rows, so with any the pairs are expanded into rows for ``group_with_decisions``.
    """
    if decisions.empty:
        return group_code_pairs(found, radius)
    i, j, d = found.row_pairs()
    return group_with_decisions(found.inverse.size, i, j, d, radius, decisions)


def group_with_decisions(
    n: int, i: np.ndarray, j: np.ndarray, d: np.ndarray, radius: int, decisions: RowDecisions = NO_DECISIONS
) -> list[np.ndarray]:
    """``grouping.group_duplicates`` with the user's verdicts on top.

    Pairs marked "different" are dropped before grouping, pairs marked "same"
    are added at distance 0 (so they hold at any radius); then any group that
    still holds two rows marked "different" (both near a third photo, say) is
    split greedily: each member, in order, joins the first part with no
    "different" partner in it. Parts of one member are dropped.
    """
    i = np.asarray(i, np.int64)
    j = np.asarray(j, np.int64)
    d = np.asarray(d, np.int64)
    if decisions.empty:
        return group_duplicates(n, i, j, d, radius)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    if len(decisions.different):
        keep = ~np.isin(lo * n + hi, _keys(decisions.different, n))
        lo, hi, d = lo[keep], hi[keep], d[keep]
    if len(decisions.same):
        lo = np.concatenate([lo, decisions.same[:, 0]])
        hi = np.concatenate([hi, decisions.same[:, 1]])
        d = np.concatenate([d, np.zeros(len(decisions.same), np.int64)])
    groups = group_duplicates(n, lo, hi, d, radius)
    if not len(decisions.different):
        return groups
    apart: dict[int, set[int]] = {}
    for a, b in decisions.different.tolist():
        apart.setdefault(a, set()).add(b)
        apart.setdefault(b, set()).add(a)
    out = []
    for group in groups:
        members = group.tolist()
        if not any(apart.get(m, set()) & set(members) for m in members):
            out.append(group)
            continue
        parts: list[list[int]] = []
        for m in members:
            for part in parts:
                if not apart.get(m, set()) & set(part):
                    part.append(m)
                    break
            else:
                parts.append([m])
        out.extend(np.asarray(sorted(p), np.int64) for p in parts if len(p) >= 2)
    return sorted(out, key=lambda g: int(g[0]))


def decided_distances(
    codes_distance: Callable[[np.ndarray, np.ndarray], np.ndarray], decisions: RowDecisions
) -> tuple[np.ndarray, np.ndarray]:
    """Code distances of the "same" pairs and of the "different" pairs (``codes_distance(a_rows, b_rows)``)."""
    same = codes_distance(decisions.same[:, 0], decisions.same[:, 1]) if len(decisions.same) else np.zeros(0, np.int64)
    diff = (
        codes_distance(decisions.different[:, 0], decisions.different[:, 1])
        if len(decisions.different)
        else np.zeros(0, np.int64)
    )
    return np.asarray(same, np.int64), np.asarray(diff, np.int64)


def independent_marks(radius: int, decisions: RowDecisions, same_d: np.ndarray, different_d: np.ndarray) -> int:
    """How many of the decided pairs within ``radius`` share no photo: the evidence behind ``implied_precision``.

    One "Not a match" marks a photo against every other in its group, and one
    "Same picture" marks every pair of a group: a dozen pairs, one look. Pairs
    that share no photo are separate looks, so they are counted (greedily, in
    row order: a maximal set, at least half the largest), not the pairs.
    """
    within = np.concatenate([decisions.same[same_d <= radius], decisions.different[different_d <= radius]])
    used: set[int] = set()
    for a, b in within.tolist():
        if a not in used and b not in used:
            used.update((a, b))
    return len(used) // 2


def implied_precision(radius: int, same_d: np.ndarray, different_d: np.ndarray) -> float | None:
    """Of the decided pairs the radius alone would pair up, the share the user called "same" (None: none to judge)."""
    same = int((same_d <= radius).sum())
    different = int((different_d <= radius).sum())
    return None if same + different == 0 else same / (same + different)


def pair_distances(codes: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamming distances between packed codes rows ``a`` and ``b`` (elementwise)."""
    x = np.bitwise_xor(codes[np.asarray(a, np.int64)], codes[np.asarray(b, np.int64)])
    distances: np.ndarray = np.unpackbits(x, axis=1).sum(axis=1).astype(np.int64)
    return distances
