"""The library feature: the welcome page, opening a folder (index -> train or encode -> ready), the grid."""
