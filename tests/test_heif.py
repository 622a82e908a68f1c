"""HEIC/HEIF photos (iPhone's default) are indexed when pillow-heif is installed."""

from __future__ import annotations

import pytest

pillow_heif = pytest.importorskip("pillow_heif")

from PIL import Image  # noqa: E402

from hashview.core.catalog.database import Catalog  # noqa: E402
from hashview.core.catalog.indexing import index_library  # noqa: E402
from hashview.core.images.decode import IMAGE_SUFFIXES, load_rgb  # noqa: E402


def test_heic_files_are_listed_decoded_and_catalogued(tmp_path):
    assert {".heic", ".heif"} <= IMAGE_SUFFIXES
    pillow_heif.register_heif_opener()
    Image.new("RGB", (40, 30), (200, 20, 20)).save(tmp_path / "phone.heic")
    image, meta = load_rgb(tmp_path / "phone.heic")
    assert (meta.width, meta.height) == (40, 30)
    r, g, b = image.getpixel((20, 15))
    assert r > 150 and g < 80 and b < 80
    with Catalog.for_root(tmp_path) as catalog:
        summary = [e for e in index_library(catalog)][-1].summary
        assert summary["added"] == 1 and summary["skipped"] == 0
        assert catalog.entries()[0].relpath == "phone.heic"
