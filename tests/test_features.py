"""The one decode-in-batches loop behind features, deep encoding and training input."""

from __future__ import annotations

import numpy as np
import pytest
from generators import run_to_end
from imagefactory import make_photo, make_zero_bytes

from hashview.core.events import Cancelled, CancelToken, Progress, Skipped
from hashview.core.nets.features import FeatureSpec, extract_features, map_decoded


def test_batches_keep_order_and_leave_out_bad_files(tmp_path):
    paths = [make_photo(tmp_path / f"p{i}.jpg", (40, 30), seed=i) for i in range(7)]
    paths.insert(3, make_zero_bytes(tmp_path / "bad.jpg"))
    paths.append(make_zero_bytes(tmp_path / "bad_last.jpg"))
    events, (ok, outputs) = run_to_end(
        map_decoded(paths, 64, lambda ims: np.array([im.size for im in ims]), "t", batch_size=3)
    )
    assert ok.tolist() == [0, 1, 2, 4, 5, 6, 7]
    assert [len(o) for o in outputs] == [3, 3, 1]
    assert [e.path for e in events if isinstance(e, Skipped)] == [str(paths[3]), str(paths[8])]
    assert [e.done for e in events if isinstance(e, Progress)] == [3, 6, 7]


def test_pixel_features_and_cancel(tmp_path):
    paths = [make_photo(tmp_path / f"p{i}.jpg", (40, 30), seed=i) for i in range(4)]
    _events, result = run_to_end(extract_features(paths, FeatureSpec(input_size=8)))
    assert result.features.shape == (4, 8 * 8 * 3) and result.features.dtype == np.float32
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        run_to_end(extract_features(paths, FeatureSpec(input_size=8), cancel=token))
