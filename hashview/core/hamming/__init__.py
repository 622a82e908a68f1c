"""Packed binary codes and exact Hamming search: top-k, radius, all pairs, retrieval metrics. numpy only, no torch."""
