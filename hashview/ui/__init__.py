"""The desktop front end of hashview: PySide6 views, item models and Qt workers.

Nothing here imports torch: heavy work happens in ``hashview.core`` generators
that ``workers.Worker`` runs in a QThread, and the views only see their events.
"""
