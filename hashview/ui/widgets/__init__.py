"""Reusable widgets and helpers of the desktop app: no feature's logic, no engine calls.

The progress strip, thumbnails and their roles, image panes for comparing two
pictures, the radius control, the error and About dialogs, the colour theme.
"""
