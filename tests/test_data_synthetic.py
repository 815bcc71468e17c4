"""The synthetic stand-in: real shapes and label set, balanced, deterministic, splits differ."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_utils.data.dataset import SPLIT_SIZES, VALID_LABELS
from lecture_utils.data.synthetic import generate, split_seed, synthetic_sign_mnist


@pytest.fixture(scope="module")
def full_splits():
    return {split: synthetic_sign_mnist(split) for split in ("train", "test")}


def test_full_splits_have_the_real_shapes_dtypes_and_balance(full_splits):
    for split, n in (("train", 27_455), ("test", 7_172)):
        images, labels = full_splits[split]
        assert images.shape == (n, 28, 28) and images.dtype == np.uint8
        assert labels.shape == (n,) and labels.dtype == np.int64
        counts = np.bincount(labels, minlength=25)
        assert counts[9] == 0 and set(np.unique(labels)) == set(VALID_LABELS)
        shares = counts[list(VALID_LABELS)] / n
        assert shares.min() >= 0.03 and shares.max() <= 0.05, shares
        assert 40 < images.mean() < 200 and images.std() > 20  # not blank, not saturated


def test_train_and_test_differ(full_splits):
    train, test = full_splits["train"][0], full_splits["test"][0]
    assert not np.array_equal(train[: len(test)], test)
    assert split_seed(0, "train") != split_seed(0, "test")


def test_same_seed_same_bytes_other_seed_different():
    a_images, a_labels = generate(200, seed=123)
    b_images, b_labels = generate(200, seed=123)
    c_images, c_labels = generate(200, seed=124)
    assert a_images.tobytes() == b_images.tobytes() and a_labels.tobytes() == b_labels.tobytes()
    assert a_images.tobytes() != c_images.tobytes()
    assert not np.array_equal(a_labels, c_labels)


def test_public_seed_changes_the_split(full_splits):
    assert split_seed(0, "test") != split_seed(1, "test")
    images, labels = synthetic_sign_mnist("test", seed=0)
    assert images.tobytes() == full_splits["test"][0].tobytes()
    assert labels.tobytes() == full_splits["test"][1].tobytes()


def test_small_batches_hold_every_class_with_spatial_structure():
    images, labels = generate(480, seed=7)
    assert set(np.unique(labels)) == set(VALID_LABELS)
    # Images of one letter resemble each other more than images of different letters.
    flat = images.reshape(len(images), -1).astype(np.float64)
    means = np.stack([flat[labels == c].mean(0) for c in VALID_LABELS])
    nearest = np.argmin(((flat[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    accuracy = np.mean(np.array(VALID_LABELS)[nearest] == labels)
    assert accuracy > 3 / 24  # a nearest-mean classifier is far above chance


def test_the_splits_have_the_real_sizes():
    assert SPLIT_SIZES == {"train": 27_455, "test": 7_172}
