"""hashview: browse an image collection by learned binary codes.

Importing the package is cheap on purpose: no torch, no Qt. Heavy modules load
where they are needed, so the first window appears fast.
"""

__version__ = "0.1.0"
