"""The engine of hashview, free of Qt.

Everything here runs the same in tests, on the command line and inside the
desktop app's workers. A test (tests/test_layers.py) fails if this package ever
imports PySide6 or pyqtgraph.
"""
