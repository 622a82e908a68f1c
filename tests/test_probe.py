"""The per-epoch retrieval probe behind the live precision-recall plot."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
import torch

from hashview.core.nets.probe import RetrievalProbe, distance_holding


class BrightnessNet(torch.nn.Module):
    """A stand-in network whose 16-bit code says whether the image is bright: a perfect hasher for two classes."""

    config: ClassVar[dict[str, int]] = {"bits": 16}

    def normalise(self, x):
        return x.permute(0, 3, 1, 2).float() / 255.0

    def forward(self, x):
        bright = (x.mean(dim=(1, 2, 3)) > 0.5).float() * 2 - 1
        return bright[:, None].repeat(1, 16)


def two_classes(n=120, side=8):
    labels = np.arange(n) % 2
    images = np.where(labels[:, None, None, None] == 1, 230, 20).astype(np.uint8)
    return np.broadcast_to(images, (n, side, side, 3)).copy(), labels


def test_with_labels_relevance_is_the_class_and_queries_are_left_out():
    images, labels = two_classes()
    probe = RetrievalProbe(images, labels, queries=20, database=80)
    report = probe.measure(BrightnessNet())
    assert report["ground_truth"] == "class labels"
    assert report["map"] == pytest.approx(1.0) and report["pr"]["precision"][0] == pytest.approx(1.0)
    assert report["probe"] == {"queries": 20, "database": 80}
    assert "copy_distance_q98" not in report  # classes, not copies


def test_without_labels_each_edited_query_has_one_relevant_photo():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (40, 16, 16, 3), dtype=np.uint8)
    probe = RetrievalProbe(images, None, queries=10, database=40)
    assert probe.query_images.shape == (10, 16, 16, 3) and probe.query_images.dtype == np.uint8
    assert not np.array_equal(probe.query_images, probe.db_images[probe.query_labels])  # really edited
    report = probe.measure(BrightnessNet())
    assert report["ground_truth"].startswith("synthetic edits")
    assert 0.0 <= report["map"] <= 1.0 and len(report["pr"]["radius"]) == 17


def test_without_labels_the_report_says_how_far_copies_land():
    rng = np.random.default_rng(1)
    images = rng.integers(100, 156, (60, 16, 16, 3), dtype=np.uint8)  # near the brightness cut: edits cross it
    probe = RetrievalProbe(images, None, queries=40, database=60)
    report = probe.measure(BrightnessNet())

    def bright(x):
        return x.reshape(len(x), -1).mean(axis=1) / 255.0 > 0.5

    moved = 16 * (bright(probe.query_images) != bright(probe.db_images[probe.query_labels]))
    assert report["copy_distance_q98"] == distance_holding(moved, 0.98)
    assert np.mean(moved <= report["copy_distance_q98"]) >= 0.98


def test_the_copy_distance_is_an_observed_one_not_interpolated():
    """190 of 200 copies within 7 bits: 7, where the interpolated 7.05 became radius 8 under ceil."""
    apart = np.array([3] * 150 + [7] * 40 + [8] * 10)
    assert distance_holding(apart, 0.95) == 7.0
    assert distance_holding(np.append(apart[1:], 8), 0.95) == 8.0  # 189 within 7: 8 is needed
    assert distance_holding(np.array([0] * 38 + [16] * 2), 0.95) == 0.0
    assert distance_holding(np.array([5]), 0.95) == 5.0


def test_copy_distances_are_the_sample_behind_the_reported_distance():
    rng = np.random.default_rng(1)
    images = rng.integers(100, 156, (60, 16, 16, 3), dtype=np.uint8)
    probe = RetrievalProbe(images, None, queries=40, database=60)
    apart = probe.copy_distances(BrightnessNet())
    assert apart.shape == (40,) and set(apart.tolist()) <= {0, 16}
    assert probe.measure(BrightnessNet())["copy_distance_q98"] == distance_holding(apart, 0.98)
    labelled = RetrievalProbe(images, np.arange(60) % 3, queries=10, database=40)
    with pytest.raises(ValueError, match="no copies"):
        labelled.copy_distances(BrightnessNet())
