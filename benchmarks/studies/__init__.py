"""One-off studies: questions asked once about networks already trained, answered in the lab notes.

Each reads the caches ``python -m benchmarks.dups`` leaves behind and compares
rules or codes on them, without training again: ``radius_rules`` (which share
of synthetic copies the radius should hold), ``lift_rules`` (the copy
distance's lift, old rule and new) and ``dup_codes_report`` (every pair of a
network's codes against the truth). Nothing runs them in CI:
run one to re-make a figure of the lab notes, not as a regression check.
"""
