"""Training input: batches whose order is a function of (seed, global step) alone.

Pass p over the data uses the permutation drawn from (seed, p); step k takes batch
k mod (n // batch_size) of pass k // (n // batch_size). A run resumed at step k starts
its input at step k and sees exactly the batches an uninterrupted run would (the
model's own random state, its seed generators, is in the checkpoint).

On TensorFlow this is a tf.data pipeline: stateless per-pass shuffles, batch gathers in
parallel, prefetching so the device does not wait on the host. The images are decoded
into memory once by ganzoo.data; what tf.data does per step is gather and batch. On
torch (no tf.data there) a Python generator yields the same kind of stream.
"""

import os

import keras
import numpy as np

# Fixed, not tf.data.AUTOTUNE: the autotuner's thread sleeps for a period that doubles as
# training goes on, and an iterator's destructor waits for it, so each fit() on TensorFlow
# ended with a stall of up to half its training time (1.7 s after 4 DCGAN-64 steps on the
# 2-core CPU, 3.5 s after 8). Gathering in-memory batches needs no tuning.
PARALLEL_CALLS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
PREFETCH_BATCHES = 4


def steps_per_pass(n, batch_size):
    if batch_size > n:
        raise ValueError(f"batch_size {batch_size} exceeds the {n} training images.")
    return n // batch_size  # drop the remainder: every step sees a full batch


def _options():
    import tensorflow as tf

    options = tf.data.Options()
    options.deterministic = True
    options.autotune.enabled = False
    return options


def tf_dataset(images, labels, batch_size, seed, start_step=0):
    """An infinite tf.data.Dataset of (images, labels) or images batches from start_step on."""
    import tensorflow as tf

    n = len(images)
    per_pass = steps_per_pass(n, batch_size)
    first_pass, offset = divmod(start_step, per_pass)

    def one_pass(p):
        order = tf.argsort(tf.random.stateless_uniform([n], seed=tf.stack([tf.cast(seed, tf.int64), p])))
        return tf.data.Dataset.from_tensor_slices(order[: per_pass * batch_size]).batch(batch_size)

    images_t = tf.constant(images)
    labels_t = None if labels is None else tf.constant(labels)

    def gather(index):
        batch = tf.gather(images_t, index)
        return batch if labels_t is None else (batch, tf.gather(labels_t, index))

    options = _options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return (tf.data.Dataset.range(first_pass, np.iinfo(np.int64).max)
            .flat_map(one_pass)
            .skip(offset)
            .map(gather, num_parallel_calls=PARALLEL_CALLS)
            .prefetch(PREFETCH_BATCHES)
            .with_options(options))


def numpy_batches(images, labels, batch_size, seed, start_step=0):
    """The same stream as a Python generator (numpy permutations: the order differs from TF's)."""
    per_pass = steps_per_pass(len(images), batch_size)
    step = start_step
    while True:
        p, k = divmod(step, per_pass)
        if k == 0 or step == start_step:
            order = np.random.default_rng([seed, p]).permutation(len(images))
        index = order[k * batch_size : (k + 1) * batch_size]
        yield (images[index],) if labels is None else (images[index], labels[index])
        step += 1


def stream_batches(stream, batch_size, seed, start_step=0):
    """The batches of a stream (an object whose batch_at(seed, step, batch_size) makes a tuple of
    uint8 arrays, e.g. ganzoo.superres.CropStream) from start_step on: made in parallel by tf.data
    on TensorFlow, in order by a generator elsewhere."""
    if keras.backend.backend() != "tensorflow":
        return (stream.batch_at(seed, step, batch_size) for step in range(start_step, np.iinfo(np.int64).max))
    import tensorflow as tf

    example = stream.batch_at(seed, start_step, batch_size)

    def make(step):
        parts = tf.numpy_function(lambda k: stream.batch_at(seed, k, batch_size), [step],
                                  [tf.as_dtype(part.dtype) for part in example])
        for part, like in zip(parts, example):
            part.set_shape(like.shape)
        return tuple(parts)

    return (tf.data.Dataset.range(start_step, np.iinfo(np.int64).max)
            .map(make, num_parallel_calls=PARALLEL_CALLS)
            .prefetch(PREFETCH_BATCHES)
            .with_options(_options()))


def training_batches(images, labels, batch_size, seed, start_step=0):
    """tf.data on the TensorFlow backend, a generator elsewhere; `images` may be a stream."""
    if hasattr(images, "batch_at"):
        return stream_batches(images, batch_size, seed, start_step)
    if keras.backend.backend() == "tensorflow":
        return tf_dataset(images, labels, batch_size, seed, start_step)
    return numpy_batches(images, labels, batch_size, seed, start_step)
