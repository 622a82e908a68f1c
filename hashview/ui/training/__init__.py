"""The training feature: the training panel and its plots, the options form, the networks panel.

``plots`` imports pyqtgraph; only the training panel imports it, the first
time it is shown, so nothing here may import it at package level.
"""
