"""Duplicate groups from codes, the suggested radius, keep rules, safe clean-up and the user's decisions."""
