"""A user's verdict on two photos: the same picture, or different ones.

One type for what used to be strings in the catalog, tuples in the finder and
+1/-1 in the training pairs. It is a ``str`` enum whose values are the stored
words, so the catalog's ``decisions`` table, the decisions file and every
caller that passes "same" or "different" keep working unchanged.

It lives with the catalog, which stores it, because the catalog is below the
duplicates subsystem in the layers (``pyproject.toml``); the duplicates
subsystem, which decides with it, exports it too (``duplicates.decisions.Verdict``).
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """ "same" (one picture: group them whatever the codes say) or "different" (never group them)."""

    SAME = "same"
    DIFFERENT = "different"

    @property
    def sign(self) -> int:
        """+1 for the same picture, -1 for different ones: the label of a training pair."""
        return 1 if self is Verdict.SAME else -1

    @classmethod
    def from_sign(cls, sign: int) -> Verdict:
        """The verdict of a training pair's label (> 0: the same picture)."""
        return cls.SAME if sign > 0 else cls.DIFFERENT

    @classmethod
    def parse(cls, value: str | Verdict) -> Verdict:
        """``value`` as a verdict; ``ValueError`` naming the two words otherwise."""
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"a verdict is one of {', '.join(VERDICTS)}, not {value!r}") from None


VERDICTS: tuple[str, ...] = tuple(v.value for v in Verdict)  # the stored words, in the table's CHECK order
