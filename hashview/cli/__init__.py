"""The headless commands: index, train, encode, search, dups, eval.

They drive the same ``core`` generators as the desktop app, with progress on
stderr; ``--json`` prints one JSON document on stdout and nothing else there.
Bad input exits non-zero with a one-line reason on stderr. The command-line
contract is in docs/architecture.md; tests/test_cli.py holds it to that.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING

from hashview.cli.commands import cmd_dups, cmd_encode, cmd_eval, cmd_index, cmd_search, cmd_train
from hashview.cli.output import EXIT_CANCELLED, fail
from hashview.cli.parser import build_parser
from hashview.cli.progress import ProgressPrinter

if TYPE_CHECKING:
    from hashview.core.runtime import RuntimeOptions

COMMANDS = ("index", "train", "encode", "search", "dups", "eval")

__all__ = ["COMMANDS", "ProgressPrinter", "build_parser", "main"]


HANDLERS = {
    "index": cmd_index,
    "train": cmd_train,
    "encode": cmd_encode,
    "search": cmd_search,
    "dups": cmd_dups,
    "eval": cmd_eval,
}


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    printer = ProgressPrinter()
    from hashview.core.errors import HashviewError
    from hashview.core.events import Cancelled

    try:
        args.runtime = _runtime_from_environ()
        return HANDLERS[args.command](args, printer)
    except (HashviewError, *_MISSING) as exc:  # bad input, an unavailable resource: one line, no traceback
        return fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    except OSError as exc:  # a full disk, a read-only folder, a failing device: which file, and what to do
        logging.getLogger(__name__).info("details of the failure", exc_info=True)
        return fail(_os_fault(exc))
    except (KeyboardInterrupt, Cancelled):
        return fail("cancelled; what was finished is kept", EXIT_CANCELLED)


# OS errors that name a file the user gave: their own line says it all. The others
# (PermissionError, a full disk, ...) go to ``_os_fault``, which adds what to do.
_MISSING = (FileNotFoundError, NotADirectoryError)


def _runtime_from_environ() -> RuntimeOptions:
    """The environment's ``HASHVIEW_*`` choices (``core/runtime.py``), read once, here at the edge.

    The search engine and the view processes are chosen now for the whole process; the rest travels
    with the command's options (``Library.open(runtime=)``, ``EvalOptions``).
    """
    from hashview.core.hamming.search import set_kernel
    from hashview.core.nets.view_processes import set_processes
    from hashview.core.runtime import RuntimeOptions

    runtime = RuntimeOptions.from_environ(os.environ)
    set_kernel(runtime.kernel)
    set_processes(runtime.view_processes)
    return runtime


def _os_fault(exc: OSError) -> str:
    """One line for an operating-system error: what failed, on which file, and what the user can do."""
    import errno

    from hashview.core import paths

    name = exc.filename if exc.filename is not None else None
    where = f" {name}" if name is not None else ""
    reason = (exc.strerror or str(exc) or type(exc).__name__).splitlines()[0]
    ours = name is not None and any(
        str(name).startswith(str(folder)) for folder in (paths.cache_root(), paths.data_root())
    )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on the disk writing{where or ' hashview files'}: free some space and run again (what was finished is kept)"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        hint = (
            "make it writable, or set HASHVIEW_HOME to a writable folder for hashview's files"
            if ours or name is None
            else "check its permissions"
        )
        return f"cannot use{where or ' hashview files'} ({reason.lower()}): {hint}"
    return f"{reason}:{where or ' (no file named)'}: check the disk and run again"
