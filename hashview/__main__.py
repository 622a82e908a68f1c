"""Allow ``python -m hashview`` (and start the packaged app, whose entry point this is)."""

import sys

if __name__ == "__main__":
    if getattr(sys, "frozen", False):  # a bundled app: its view processes (core/nets/view_processes) start here
        import multiprocessing

        multiprocessing.freeze_support()
    from hashview.app import main

    raise SystemExit(main())
