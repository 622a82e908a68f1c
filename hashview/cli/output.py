"""What every command prints: one-line refusals and warnings on stderr, JSON or lines on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable

from hashview.core.terminal_text import printable

EXIT_BAD_INPUT = 2
EXIT_CANCELLED = 130


def fail(message: str, code: int = EXIT_BAD_INPUT) -> int:
    sys.stderr.write(f"hashview: {printable(message)}\n")
    return code


def warn(message: str | None, kind: str = "warning") -> None:
    """One line on stderr that does not stop the command (a network that cannot tell photos apart)."""
    if message:
        sys.stderr.write(f"hashview: {kind}: {printable(message)}\n")


def bad_number(args: argparse.Namespace, names: tuple[str, ...], least: int = 1) -> str | None:
    """A one-line refusal for the first option of ``names`` (argparse dests) given below ``least``, else None.

    Counts (epochs, bits, -k, batch size, input size) start at 1; a radius at 0
    (identical codes). Checked before any work: ``--epochs -3`` trained no step
    and ``--epochs 0`` silently meant the default.
    """
    for name in names:
        value = getattr(args, name, None)
        if value is not None and value < least:
            flag = "-k" if name == "k" else "--" + name.replace("_", "-")
            default = "" if name in ("k", "radius") else " (leave it out for the default)"
            return f"{flag} must be {least} or more, not {value}{default}"
    return None


def emit(args: argparse.Namespace, document: object, human_lines: Iterable[str]) -> None:
    if args.json:
        sys.stdout.write(json.dumps(document, indent=1) + "\n")
    else:
        for line in human_lines:
            sys.stdout.write(line + "\n")
