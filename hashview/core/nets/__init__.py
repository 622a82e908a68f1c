"""Torch building blocks: the hashing network and its trunks, features, device policy, network files and shelf, edits, the training loop and probe."""
