"""hashview's benchmarks: each module measures hashview beside a reference, run from the repository root.

Three kinds of script, three places:

- ``benchmarks/*.py``: the benchmarks, ``python -m benchmarks.NAME --help``
  (``dups``, ``search``, ``pairs``, ``methods``, ``index_rate``, ``startup``,
  ``grid``, ``train_speed``, ``dupnet_step``, ``dupnet_scaling``), and
  ``gpu_check.sh``, which runs several of them on a lent GPU machine;
- ``benchmarks/datasets/``: what builds the data they measure on
  (``python -m benchmarks.datasets.NAME``);
- ``benchmarks/studies/``: one-off studies of a question settled in the lab
  notes, kept so the figures there can be re-made.

They import each other as a package (``from benchmarks.dups import score``),
never by editing the import path. Every result they write or print starts from
``benchmarks.provenance``: commit, date, machine and command. Saved results
live in ``benchmarks/results/``.
"""
