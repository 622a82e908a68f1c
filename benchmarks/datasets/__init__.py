"""Builders of the data sets the benchmarks measure on: ``python -m benchmarks.datasets.NAME``.

``photo_library`` (real photographs from Debian's wallpapers), ``dup_dataset``
(the duplicate finder's development set, with ``truth.json``),
``dup_scale_dataset`` (that set among CIFAR-10 distractors), ``broad_edit_dataset``
(the same photos with copies made by every edit family of ``edit_families``,
written apart from the training edits), and ``codes`` (synthetic packed codes,
built in memory for ``search`` and ``pairs``).
"""
