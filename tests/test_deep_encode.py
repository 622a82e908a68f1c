"""Encoding with a deep network through ``Library``: photos added after training, outside queries.

The default network of the app is a deep one (dupnet), yet the other library
tests train shallow methods. Here a tiny dupnet (4 steps, 32-pixel input, 32
bits) is trained on a folder, the library is opened again in a later session
(the network is read back from its file), photos are added and encoded, and
images from outside the library are searched for.
"""

from __future__ import annotations

import shutil

import pytest
from imagefactory import make_photo
from PIL import Image

from hashview.core.events import Finished
from hashview.core.library import Library
from hashview.core.runtime import RuntimeOptions
from hashview.core.train.pipeline import TrainOptions

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY_DUPNET = {"method": "dupnet", "bits": 32, "input_size": 32, "epochs": 1, "batch_size": 8, "device": "cpu"}
"""A deep network in about a second: the code path of the app's default network, not its quality."""


@pytest.fixture
def few_steps():
    """Four training steps whatever the library's size (dupnet otherwise trains for minutes): what
    ``HASHVIEW_PARAMS='{"min_steps": 4, "passes": 0}'`` gives a library the command line opens."""
    return RuntimeOptions(params={"min_steps": 4, "passes": 0.0})


def drain(events):
    summary = None
    for event in events:
        if isinstance(event, Finished):
            summary = event.summary
    return summary


def zero_distance_paths(result):
    return {hit.path for hit in result.hits if hit.distance == 0}


def test_photos_added_after_a_deep_training_are_encoded_and_outside_queries_found(tmp_path, few_steps):
    root = tmp_path / "photos"
    old = [make_photo(root / f"p{i:02d}.jpg", (64, 48), seed=i) for i in range(10)]
    with Library.open(root, runtime=few_steps) as library:
        drain(library.index())
        trained = drain(library.train(TrainOptions(**TINY_DUPNET)))
        network = library.networks.current()
    assert trained["method"] == "dupnet" and trained["bits"] == 32 and trained["encoded"] == 0
    assert network.config["net"]["input_size"] == 32 and network.stats["params"]["min_steps"] == 4

    added = [make_photo(root / "new" / f"n{i}.jpg", (64, 48), seed=100 + i) for i in range(2)]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    copy_of_new = elsewhere / "copy_of_new.jpg"
    shutil.copyfile(added[0], copy_of_new)
    png_of_old = elsewhere / "old_as.png"  # the same pixels in another format
    with Image.open(old[3]) as img:
        img.save(png_of_old, "PNG")

    with Library.open(root) as library:  # a later session: the hasher comes from the network file
        assert drain(library.index())["added"] == 2
        assert library.networks.current().id == network.id and not library.codes_ready()
        assert drain(library.encode()) == {"network": network.id, "encoded": 2, "codes": 12, "skipped": 0}
        assert library.codes_ready()

        by_new, by_old, by_stored = library.search([copy_of_new, png_of_old, added[0]], k=12)
        # the new photo's stored code is the deep network's code of its pixels
        assert added[0] in zero_distance_paths(by_new)
        assert zero_distance_paths(by_new) == zero_distance_paths(by_stored)
        # a code made while training (from the decoded array) equals one made later from the file
        assert old[3] in zero_distance_paths(by_old)
        assert len(by_new.hits) == 12 and {h.path for h in by_new.hits} == set(old) | set(added)
