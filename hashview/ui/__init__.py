"""The desktop front end of hashview: PySide6 views, item models, controllers and Qt workers.

Layers, each importing only those below it (import-linter checks them):
``window`` (the main window and its menus) composes the four features,
``library`` (opening a folder, the grid), ``search``, ``duplicates`` and
``training``, which know nothing of each other; each feature's controller
gets its views and the ``session`` (the open library, the job runner, the
settings); ``jobs`` and ``workers`` run the engine's generators in QThreads;
``widgets`` are the reusable pieces. Nothing here imports torch: heavy work
happens in ``hashview.core`` generators that a ``workers.Worker`` runs, and
the views only see their events.
"""
