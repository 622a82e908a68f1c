"""The duplicates feature: the explorer, its group models, keep rules, trash and undo."""
