"""Training the networks hashview ships (run with ``python -m``, from the repository root)."""
