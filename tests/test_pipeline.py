"""The training input stream is a function of (seed, step): resuming at step k gives the
batches an uninterrupted stream gives from k, each pass visits each image once, and
labels stay with their images. Runs on both backends (tf.data on TensorFlow)."""

import itertools

import keras
import numpy as np
import pytest

from ganzoo import pipeline


def batches(images, labels, batch_size, seed, start, count):
    stream = pipeline.training_batches(images, labels, batch_size, seed, start)
    out = []
    for batch in itertools.islice(iter(stream), count):
        batch = batch if isinstance(batch, tuple) else (batch,)
        out.append(tuple(keras.ops.convert_to_numpy(part) for part in batch))
    return out


@pytest.fixture
def numbered():
    """23 images whose pixels all hold their own index; the labels are index + 100."""
    images = np.arange(23, dtype=np.uint8)[:, None, None, None] * np.ones((1, 2, 2, 1), np.uint8)
    return images, np.arange(23) + 100


def test_a_resumed_stream_continues_the_uninterrupted_one(numbered):
    straight = batches(*numbered, batch_size=5, seed=3, start=0, count=12)
    resumed = batches(*numbered, batch_size=5, seed=3, start=7, count=5)
    for a, b in zip(straight[7:], resumed):
        np.testing.assert_array_equal(a[0], b[0])
    other_seed = batches(*numbered, batch_size=5, seed=4, start=0, count=4)
    assert any(not np.array_equal(a[0], b[0]) for a, b in zip(straight, other_seed))


def test_each_pass_visits_each_image_once_and_keeps_labels(numbered):
    stream = batches(*numbered, batch_size=5, seed=0, start=0, count=8)  # 4 steps per pass of 23
    for first in (0, 4):
        seen = np.concatenate([images[:, 0, 0, 0] for images, _ in stream[first : first + 4]])
        assert len(seen) == 20 and len(set(seen.tolist())) == 20
    for images, labels in stream:
        assert images.dtype == np.uint8 and images.shape == (5, 2, 2, 1)
        np.testing.assert_array_equal(labels, images[:, 0, 0, 0].astype(int) + 100)
    first_pass = np.concatenate([images[:, 0, 0, 0] for images, _ in stream[:4]])
    second_pass = np.concatenate([images[:, 0, 0, 0] for images, _ in stream[4:]])
    assert not np.array_equal(first_pass, second_pass)  # reshuffled every pass


def test_unlabelled_stream_and_a_batch_larger_than_the_data(numbered):
    (only,) = batches(numbered[0], None, batch_size=4, seed=0, start=0, count=1)[0]
    assert only.shape == (4, 2, 2, 1)
    with pytest.raises(ValueError, match="batch_size 30 exceeds the 23"):
        batches(numbered[0], None, batch_size=30, seed=0, start=0, count=1)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.data exists on TensorFlow only")
def test_tf_pipelines_run_without_the_autotuner(numbered):
    # With tf.data's autotuner on, deleting an iterator waited for its sleeping thread and
    # each fit() ended with a stall of up to half its training time.
    class Crops:
        def batch_at(self, seed, step, batch_size):
            return (np.full((batch_size, 2, 2, 1), step % 256, np.uint8),)

    for stream in (pipeline.training_batches(*numbered, batch_size=5, seed=0),
                   pipeline.training_batches(Crops(), None, batch_size=5, seed=0)):
        options = stream.options()
        assert options.autotune.enabled is False
        assert options.deterministic is True
