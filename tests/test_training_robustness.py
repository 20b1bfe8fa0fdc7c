"""The training driver refuses what would train forever, publish broken weights or exhaust memory:
diverged losses, non-finite weights (training, export, the manifest, load), bad step counts,
configs and sample counts beyond memory, fit on a list or on nothing."""

import json
import math
import os
import re
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from conftest import BACKEND, REPO_ROOT, add_to_private_zoo, tiny_dcgan
from ganzoo import export, training, zoo
from ganzoo.callbacks import TrainingDiverged
from ganzoo.core.gan import MAX_SAMPLE_BYTES
from ganzoo.families import get_family

TINY = dict(resolution=28, channels=1, width=8, latent_dim=8)


def train_tiny(tmp_path, images, **kwargs):
    kwargs = {"steps": 4, "steps_per_epoch": 2, "batch_size": 16, **kwargs}
    return training.train("dcgan", TINY, images, output_dir=tmp_path / "run", verbose=0, **kwargs)


# -- diverged runs ------------------------------------------------------------------------------

@pytest.mark.parametrize("rate, says", [(1e30, "losses NaN or infinite"), (1e6, "losses beyond 1e+06 in size")])
def test_a_diverging_run_stops_with_a_clear_error_and_keeps_no_diverged_checkpoint(tmp_path, tiny_images, rate, says):
    with pytest.raises(TrainingDiverged, match=re.escape(says)) as caught:
        train_tiny(tmp_path, tiny_images, compile_kwargs={"learning_rate": rate})
    message = str(caught.value)
    assert "Training diverged at step" in message and "epoch 1" in message and "nothing is exported" in message
    assert "g_loss = " in message and str(tmp_path / "run") in message  # what to delete to start over
    assert not (tmp_path / "run" / "backup" / "latest.weights.h5").exists()  # the epoch was not checkpointed
    assert not (tmp_path / "run" / "training.json").exists()
    log = tmp_path / "run" / "log.csv"
    assert not log.exists() or len(log.read_text().split()) <= 1  # no epoch logged


def test_non_finite_weights_after_training_are_refused_even_with_finite_losses(tmp_path, tiny_images):
    def poison_ema(model):  # the averaged generator never enters a loss: the losses stay finite
        weights = model.generator_ema.get_weights()
        weights[0][...] = np.inf
        model.generator_ema.set_weights(weights)

    with pytest.raises(TrainingDiverged, match=r"dcgan after 2 steps: \d+ of \d+ weight variables hold NaN or "
                                               r"infinite values \(.*project/kernel.*Nothing is exported"):
        training.train("dcgan", {**TINY, "ema_decay": 0.9}, tiny_images, steps=2, batch_size=16,
                       output_dir=tmp_path / "run", verbose=0, initialize=poison_ema)


def nan_model():
    model = tiny_dcgan()
    weights = model.get_weights()
    weights[0][...] = np.nan
    model.set_weights(weights)
    return model


def test_export_refuses_non_finite_weights_before_writing_anything(tmp_path):
    with pytest.raises(ValueError, match=r"Refusing to export dcgan: .* hold NaN or infinite values"):
        export.save_weights_folder(nan_model(), tmp_path / "weights")
    assert not (tmp_path / "weights").exists()
    with pytest.raises(ValueError, match="Refusing an entry for nan_entry"):
        export.build_entry("nan_entry", nan_model(), tmp_path, description="d", dataset={}, recipe="recipes/x.py",
                           command="x", training={})


def poison_weights_file(path):
    with h5py.File(path, "r+") as f:
        keys = []
        f.visititems(lambda key, item: keys.append(key) if isinstance(item, h5py.Dataset) and item.dtype.kind == "f"
                     else None)
        values = f[keys[0]][()]
        f[keys[0]][...] = np.full_like(values, np.nan)
    return keys[0]


def test_a_published_entry_with_nan_weights_fails_to_refresh_and_to_load(tmp_path):
    dataset = {"name": "squares", "license": "CC0"}
    add_to_private_zoo(tmp_path, "tiny", tiny_dcgan(), "a tiny DCGAN", dataset, "recipes/dcgan_mnist.py")
    folder = tmp_path / "weights" / "tiny"
    key = poison_weights_file(folder / "model.weights.h5")
    entry = zoo.read_manifest(tmp_path / "manifest.json")["models"]["tiny"]
    with pytest.raises(ValueError, match=r"model.weights.h5: 1 weight arrays hold NaN or infinite values"):
        export.refresh_card("tiny", entry, folder)  # no new hashes for diverged weights
    # as if such a file had been hashed into the manifest: the sha check passes, load must not
    entry = json.loads(json.dumps(entry))
    entry["files"] = export.file_records(folder, [f["path"] for f in entry["files"]])
    zoo.write_entry("tiny", entry, tmp_path / "manifest.json")
    with pytest.raises(ValueError, match=r"tiny \(.*model.weights.h5\): 1 of \d+ weight variables hold NaN"):
        zoo.load("tiny", weights_dir=tmp_path / "weights", manifest_path=tmp_path / "manifest.json")
    assert key  # the poisoned array


# -- step counts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("argument, value, says", [
    ("steps", 0, "steps must be a positive int, got 0"),
    ("steps", -5, "steps must be a positive int, got -5"),
    ("steps", 2.5, "steps must be a positive int, got 2.5"),
    ("steps", True, "steps must be a positive int, got True"),
    ("batch_size", 0, "batch_size must be a positive int, got 0"),
    ("steps_per_epoch", -1, "steps_per_epoch must be a positive int, got -1"),
    ("time_limit", 0, "time_limit must be None or a positive number of seconds, got 0"),
    ("time_limit", -3.0, "time_limit must be None or a positive number of seconds, got -3.0"),
    ("time_limit", math.nan, "time_limit must be None or a positive number of seconds, got nan"),
])
def test_train_refuses_step_counts_that_cannot_mean_anything_before_writing(tmp_path, tiny_images, argument,
                                                                             value, says):
    with pytest.raises(ValueError, match=f"^{says}"):
        train_tiny(tmp_path, tiny_images, **{argument: value})
    assert not (tmp_path / "run").exists()


def run_recipe(*args, timeout=300):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "recipes/dcgan_mnist.py", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("flag", ["--steps=0", "--steps=-5", "--batch_size=0", "--steps_per_epoch=0",
                                  "--time_limit=0", "--time_limit=-1"])
def test_recipes_refuse_step_counts_with_a_usage_error(tmp_path, flag):
    result = run_recipe(flag, f"--output_dir={tmp_path / 'run'}", timeout=60)
    assert result.returncode != 0
    assert flag.split("=")[0] in result.stderr and ("must be >= 1" in result.stderr or "positive" in result.stderr), \
        result.stderr[-2000:]
    assert not (tmp_path / "run").exists()


def test_a_diverging_recipe_exits_non_zero_and_exports_nothing(tmp_path, small_mnist_data):  # stand-in MNIST
    manifest = tmp_path / "manifest.json"
    result = run_recipe("--steps=2", "--steps_per_epoch=1", "--batch_size=16", "--g_learning_rate=1e30",
                        "--d_learning_rate=1e30", f"--output_dir={tmp_path / 'run'}", "--export",
                        f"--export_dir={tmp_path / 'weights'}", f"--manifest={manifest}")
    assert result.returncode == 1, result.stderr[-3000:]
    assert "dcgan_mnist: Training diverged at step 1" in result.stderr
    assert "Traceback" not in result.stderr  # a message, not a crash
    assert not manifest.exists() and not (tmp_path / "weights").exists()


# -- sizes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("family, config, named", [
    ("dcgan", dict(resolution=28, channels=1, width=10**5), "width=100000"),
    ("dcgan", dict(width=10**9), "width=1000000000"),
    ("lsgan", dict(width=10**5), "width=100000"),
    ("wgan_gp", dict(width=10**5), "width=100000"),
    ("cgan", dict(num_classes=10**9), "num_classes=1000000000"),
    ("gan", dict(hidden=(10**6, 10**6)), "hidden=[1000000, 1000000]"),
    ("infogan", dict(resolution=40_000), "resolution=40000"),
    ("pix2pix", dict(width=10**5), "width=100000"),
    ("cyclegan", dict(resolution=256, pool_size=10**7), "pool_size=10000000"),
    ("srresnet", dict(width=10**5), "width=100000"),
    ("srgan", dict(crop=96 * 1000), "crop=96000"),
    ("stylegan_lite", dict(width=10**5), "width=100000"),
])
def test_configs_beyond_memory_are_refused_before_anything_is_allocated(family, config, named):
    start = time.monotonic()
    with pytest.raises(ValueError, match=rf"^{family} with .*{re.escape(named)}.* would have about .* weights .*; "
                                         r"the limit is"):
        get_family(family)(**config)
    assert time.monotonic() - start < 5  # refused from the sizes, not after trying to allocate


def test_the_parameter_estimate_is_close_to_the_built_count():
    from ganzoo.families.dcgan import parameter_estimate

    model = tiny_dcgan()
    estimate = parameter_estimate(**TINY)
    assert 0.95 < estimate / model.count_params() <= 1.0  # biases and batch norm left out


def test_sample_counts_beyond_memory_are_refused_before_drawing_latents():
    model = tiny_dcgan()
    start = time.monotonic()
    fits = MAX_SAMPLE_BYTES // (28 * 28)
    with pytest.raises(ValueError, match=r"sample: 10000000 images of shape \(28, 28, 1\) would take 7.84 GB as uint8; "
                                         rf"at most {fits} fit in one call"):
        model.sample(10**7)
    assert time.monotonic() - start < 1
    cgan = get_family("cgan")(width=8, latent_dim=8, embed_dim=4)
    with pytest.raises(ValueError, match="at most"):
        cgan.sample(10**7, labels=3)
    images = model.sample(300, seed=1, batch_size=128)  # batches, converted to uint8 one by one
    assert images.shape == (300, 28, 28, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(images[:5], model.sample(5, seed=1))


# -- fit on the wrong kind of data ------------------------------------------------------------------

def test_fit_on_a_list_or_tuple_of_arrays_says_what_to_pass(tiny_images):
    model = tiny_dcgan()
    model.compile()
    with pytest.raises(TypeError, match=r"one uint8 NumPy array of shape \(N, 28, 28, 1\).*not a list of 2 items"):
        model.fit([tiny_images[:32], tiny_images[32:]], batch_size=16, epochs=1, verbose=0)
    with pytest.raises(TypeError, match=r"np.stack\(...\) a list of images"):
        model.fit(tuple(tiny_images), batch_size=16, epochs=1, verbose=0)
    cgan = get_family("cgan")(width=8, latent_dim=8, embed_dim=4)
    cgan.compile()
    with pytest.raises(TypeError, match=r"fit\(images, labels\)"):
        cgan.fit((tiny_images, np.zeros(len(tiny_images), "int32")), batch_size=16, epochs=1, verbose=0)


def test_fit_on_an_empty_dataset_raises(tiny_images):
    import tensorflow as tf

    model = tiny_dcgan()
    model.compile()
    for empty in (tf.data.Dataset.from_tensor_slices(tiny_images).take(0).batch(16),
                  tf.data.Dataset.from_tensor_slices(tiny_images).filter(lambda x: False).batch(16),  # size unknown
                  tf.data.Dataset.from_tensor_slices(tiny_images[:8]).batch(16, drop_remainder=True)):
        with pytest.raises(ValueError, match="the training data gave no batch"):
            model.fit(empty, epochs=2, verbose=0)
    history = model.fit(tf.data.Dataset.from_tensor_slices(tiny_images).batch(16), epochs=2, verbose=0)
    assert len(history.history["g_loss"]) == 2  # data that runs is untouched
    assert BACKEND in ("tensorflow", "torch")
