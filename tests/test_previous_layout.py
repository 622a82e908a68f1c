"""Catalogs, codes, networks and decisions written by hashview 0.1.0 (before the re-filing) still open.

The files in ``tests/data/layout_0_1_0`` were written by the code of commit
788e631 (see its README); this test puts them where today's code looks for
them and uses the library as a person would.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from hashview.core.library import Library
from hashview.core.paths import library_dir

DATA = Path(__file__).parent / "data" / "layout_0_1_0"


def restore_library(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    shutil.copytree(DATA / "photos", root)
    for relpath, mtime_ns in json.loads((DATA / "mtimes.json").read_text()).items():
        os.utime(root / relpath, ns=(mtime_ns, mtime_ns))
    shutil.copytree(DATA / "library", library_dir(root))
    return root


def test_a_library_written_before_the_re_filing_opens_searches_and_keeps_its_decisions(tmp_path):
    root = restore_library(tmp_path)
    with Library.open(root) as lib:
        summary = {}
        for event in lib.index():
            summary = getattr(event, "summary", summary)
        assert summary["unchanged"] == 8 and summary["added"] == summary["updated"] == 0
        names = sorted(n.name for n in lib.networks.all())
        assert names == ["dupnet-16", "itq-16"] and lib.networks.current().name == "dupnet-16"
        verdicts = sorted((a.name, b.name, v) for a, b, v in lib.decisions.all())
        assert verdicts == [("p0.png", "p0_copy.jpg", "same"), ("p2.png", "p3.png", "different")]
        for name in names:
            hits = lib.search([root / "p0.png"], network=name, k=3)[0].hits
            assert hits[0].path == root / "p0.png" and hits[0].distance == 0
        groups = lib.duplicates.groups(exact=True)
        assert [sorted(p.name for p in g.paths) for g in groups] == [["p1 (1).png", "p1.png"]]
