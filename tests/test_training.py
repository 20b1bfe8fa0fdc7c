"""The shared training driver: XLA choice, labels for conditional families, input checks."""

import json

import numpy as np
import pytest

from conftest import BACKEND, add_to_private_zoo, drop_discriminator, weights_of
from ganzoo import training

xla_backend = pytest.mark.skipif(BACKEND != "tensorflow", reason="the XLA choice is the TensorFlow backend's")


def test_auto_xla_is_off_without_a_gpu_and_bad_choices_are_named():
    # CI and this machine have no GPU; JAX always compiles
    assert training.resolve_jit_compile("auto") is (BACKEND == "jax")
    assert training.resolve_jit_compile("on") is True and training.resolve_jit_compile("off") is False
    with pytest.raises(ValueError, match="'auto', 'on' or 'off'"):
        training.resolve_jit_compile("fast")


@xla_backend
def test_train_with_xla_on_records_it(tmp_path, tiny_images):
    model, info = training.train("dcgan", dict(resolution=28, channels=1, width=8, latent_dim=8), tiny_images,
                                 steps=4, batch_size=16, output_dir=tmp_path, jit_compile="on", verbose=0)
    assert model.jit_compile is True and info["jit_compile"] is True and info["steps"] == 4
    assert json.loads((tmp_path / "training.json").read_text())["jit_compile"] is True


def test_train_warms_the_average_up_unless_it_continues_a_published_one(tmp_path, tiny_images):
    config = dict(resolution=28, channels=1, width=8, latent_dim=8, ema_decay=0.99)
    fresh, _ = training.train("dcgan", config, tiny_images, steps=1, batch_size=16,
                              output_dir=tmp_path / "fresh", verbose=0)
    assert fresh.ema_ramp is True and float(fresh.ema_decay_now()) == pytest.approx(2 / 11)
    continued, _ = training.train("dcgan", config, tiny_images, steps=1, batch_size=16,
                                  output_dir=tmp_path / "continued", verbose=0, continue_average=True)
    assert continued.ema_ramp is False and float(continued.ema_decay_now()) == pytest.approx(0.99)
    # a resumed leg of it (the checkpoint does not hold the flag) continues the same way
    resumed, _ = training.train("dcgan", config, tiny_images, steps=2, batch_size=16,
                                output_dir=tmp_path / "continued", verbose=0, continue_average=True)
    assert resumed.ema_ramp is False


def test_train_a_conditional_family_on_images_and_labels(tmp_path, tiny_images):
    labels = np.arange(len(tiny_images)) % 10
    model, info = training.train("cgan", dict(width=8, latent_dim=8, embed_dim=4), (tiny_images, labels),
                                 steps=3, batch_size=16, output_dir=tmp_path, verbose=0)
    assert info["steps"] == 3 and (tmp_path / "samples").is_dir()


def test_fresh_critic_batches_read_d_steps_batches_a_step_and_the_record_says_so(tmp_path, tiny_images):
    config = dict(resolution=28, channels=1, width=4, latent_dim=4, n_critic=3)
    _, info = training.train("wgan_gp", config, tiny_images[:48], steps=2, batch_size=4, output_dir=tmp_path,
                             verbose=0)
    assert info["batches_per_step"] == 3 and info["batch_size"] == 4
    assert info["epochs_of_data"] == 0.5  # 2 steps of 3 batches of 4, of 48 images
    _, shared = training.train("wgan_gp", {**config, "critic_batches": "shared"}, tiny_images[:48], steps=2,
                               batch_size=4, output_dir=tmp_path / "shared", verbose=0)
    assert "batches_per_step" not in shared and shared["epochs_of_data"] == round(8 / 48, 2)
    with pytest.raises(ValueError, match="reads 60 images a step, more than the 48 training images"):
        training.train("wgan_gp", config, tiny_images[:48], steps=2, batch_size=20, output_dir=tmp_path / "big",
                       verbose=0)
    with pytest.raises(ValueError, match="batch_size 60 exceeds the 48 training images"):  # one batch a step
        training.train("dcgan", dict(resolution=28, channels=1, width=4, latent_dim=4), tiny_images[:48], steps=2,
                       batch_size=60, output_dir=tmp_path / "one", verbose=0)


def test_a_small_data_set_checkpoints_every_min_epoch_steps_not_every_pass(tmp_path, tiny_images):
    # 32 images at batch 16 are 2 steps a pass: one checkpoint and grid per pass would be 100 epochs
    steps = 2 * training.MIN_EPOCH_STEPS
    _, info = training.train("dcgan", dict(resolution=28, channels=1, width=4, latent_dim=4), tiny_images[:32],
                             steps=steps, batch_size=16, output_dir=tmp_path, verbose=0)
    assert info["steps"] == steps
    with open(tmp_path / "log.csv") as f:
        assert len(f.read().split()) == 1 + 2  # two epochs of MIN_EPOCH_STEPS, not 100 passes
    assert len(list((tmp_path / "samples").glob("*.png"))) == 2


def test_train_rejects_images_of_the_wrong_kind(tmp_path, tiny_images):
    with pytest.raises(ValueError, match="uint8"):
        training.train("dcgan", dict(resolution=28, channels=1, width=8, latent_dim=8),
                       tiny_images.astype("float32"), steps=2, batch_size=16, output_dir=tmp_path, verbose=0)


def test_what_each_backend_distributes():
    from ganzoo.distribute import get_strategy

    if BACKEND == "torch":  # one device: strategies are TensorFlow's
        assert get_strategy("auto") is None and get_strategy("one_device") is None
        with pytest.raises(ValueError, match="needs the tensorflow backend; torch trains on one device"):
            get_strategy("mirrored")
    else:
        import tensorflow as tf

        assert get_strategy("auto") is None  # no TF_CONFIG, no GPU: the default strategy, the fast one on a CPU
        assert isinstance(get_strategy("one_device"), tf.distribute.OneDeviceStrategy)
        assert isinstance(get_strategy("mirrored"), tf.distribute.MirroredStrategy)
    with pytest.raises(ValueError, match="strategy must be one of"):
        get_strategy("horovod")


def test_a_time_limit_stops_at_a_checkpoint_and_the_same_call_resumes(tmp_path, tiny_images):
    config = dict(resolution=28, channels=1, width=8, latent_dim=8)

    def train(time_limit):
        return training.train("dcgan", config, tiny_images, steps=6, steps_per_epoch=2, batch_size=16,
                              output_dir=tmp_path, verbose=0, time_limit=time_limit)

    _, first = train(time_limit=1e-6)  # spent before the first epoch ends: stops after it
    assert first["steps"] == 2 and (tmp_path / "backup").is_dir()
    assert "wall_time_s_legs" not in first
    assert first["epochs_of_data"] == 2 * 16 / len(tiny_images)  # the steps taken, not the 6 asked for
    finished, info = train(time_limit=None)
    assert info["steps"] == 6
    assert info["wall_time_s_legs"] == [first["wall_time_s_last_run"], info["wall_time_s_last_run"]]
    with open(tmp_path / "log.csv") as f:
        assert [line.split(",")[0] for line in f.read().split()[1:]] == ["0", "1", "2"]  # resumed, not redone
    # a finished run keeps its checkpoint: the same call again trains nothing and returns the same model
    again, again_info = train(time_limit=None)
    assert again_info == info  # nothing ran, so no new leg is recorded
    assert again_info["steps"] == 6 and all(np.array_equal(a, b) for a, b in zip(weights_of(again), weights_of(finished)))
    with open(tmp_path / "log.csv") as f:
        assert len(f.read().split()) == 1 + 3  # no epoch ran
    # and more steps go on from it
    _, info = training.train("dcgan", config, tiny_images, steps=8, steps_per_epoch=2, batch_size=16,
                             output_dir=tmp_path, verbose=0)
    assert info["steps"] == 8


def epochs_until_the_time_limit(monkeypatch, seconds, epochs):
    """(epochs ended, seconds on a fake clock) of TimeLimit(seconds) over `epochs`, each the seconds
    of its batches (a list: each batch reports its end, as fit's do) or of the whole epoch (a number)."""
    import types

    from ganzoo import callbacks

    clock = [0.0]
    monkeypatch.setattr(callbacks.time, "monotonic", lambda: clock[0])
    limit = callbacks.TimeLimit(seconds)
    limit.set_model(types.SimpleNamespace(stop_training=False))
    limit.set_params({"epochs": len(epochs)})
    limit.on_train_begin()
    for epoch, batches in enumerate(epochs):
        limit.on_epoch_begin(epoch)
        if isinstance(batches, list):
            for batch, batch_seconds in enumerate(batches):
                clock[0] += batch_seconds
                limit.on_train_batch_end(batch)
        else:
            clock[0] += batches
        limit.on_epoch_end(epoch)
        if limit.model.stop_training:
            return epoch + 1, clock[0]
    return len(epochs), clock[0]


def test_a_time_limit_pauses_at_the_last_epoch_end_that_fits_not_an_epoch_after_it(monkeypatch):
    ended, clock = epochs_until_the_time_limit(monkeypatch, 100.0, [30.0, 20.0, 30.0, 30.0, *[30.0] * 6])
    # after 80 s, another epoch as long as the longest (30 s) would end at 110 s: stop there, not at 110 s
    assert ended == 3 and clock == 80.0


def test_a_time_limit_does_not_take_the_first_batchs_compilation_for_the_length_of_every_epoch(monkeypatch):
    # 1 s a step, and 50 s more for the first batch of the run (compilation)
    epochs = [[51.0] + [1.0] * 9] + [[1.0] * 10] * 19
    ended, clock = epochs_until_the_time_limit(monkeypatch, 100.0, epochs)
    # epochs of 10 s after a first of 60 s: the last one that fits ends at 100 s (taken for 60 s each, at 60)
    assert ended == 5 and clock == 100.0


def test_a_paused_runs_checkpoint_loads_with_its_step_and_weights(tmp_path, tiny_images):
    import numpy as np

    from ganzoo.families import get_family

    model, info = training.train("dcgan", dict(resolution=28, channels=1, width=8, latent_dim=8), tiny_images,
                                 steps=6, steps_per_epoch=2, batch_size=16, output_dir=tmp_path, verbose=0,
                                 time_limit=1e-6)
    restored, step = training.load_checkpoint(tmp_path)
    assert step == info["steps"] == 2
    assert type(restored) is type(model)
    np.testing.assert_array_equal(restored.sample(4, seed=1), model.sample(4, seed=1))
    assert not np.array_equal(restored.sample(4, seed=1), get_family("dcgan")(
        resolution=28, channels=1, width=8, latent_dim=8, seed=0).sample(4, seed=1))  # not a fresh model
    finished, _ = training.train("dcgan", dict(resolution=28, channels=1, width=8, latent_dim=8), tiny_images,
                                 steps=6, steps_per_epoch=2, batch_size=16, output_dir=tmp_path, verbose=0)
    restored, step = training.load_checkpoint(tmp_path)  # a finished run's too
    assert step == 6
    np.testing.assert_array_equal(restored.sample(4, seed=1), finished.sample(4, seed=1))
    with pytest.raises(FileNotFoundError, match="is not a train\\(\\) output folder with a checkpoint"):
        training.load_checkpoint(tmp_path / "elsewhere")


def test_snapshots_keep_the_checkpoint_at_each_multiple_of_their_steps_across_a_pause(tmp_path, tiny_images):
    config = dict(resolution=28, channels=1, width=8, latent_dim=8)

    def train(steps, time_limit=None):
        return training.train("dcgan", config, tiny_images, steps=steps, steps_per_epoch=2, batch_size=16,
                              output_dir=tmp_path, verbose=0, time_limit=time_limit, snapshot_every=4)

    paused, info = train(6, time_limit=1e-6)  # one epoch (step 2): no multiple of 4 passed yet
    assert info["steps"] == 2 and training.snapshot_steps(tmp_path) == []
    train(6)  # resumed: epochs end at steps 4 and 6; only 4 passes a multiple
    assert training.snapshot_steps(tmp_path) == [4]
    train(10)  # more steps: 8 passes the next multiple, 10 does not
    assert training.snapshot_steps(tmp_path) == [4, 8]
    at_4, step = training.load_checkpoint(tmp_path, step=4)
    latest, latest_step = training.load_checkpoint(tmp_path)
    assert (step, latest_step) == (4, 10)
    assert not np.array_equal(at_4.sample(4, seed=1), latest.sample(4, seed=1))
    with pytest.raises(FileNotFoundError, match="no snapshot at step 6; it has snapshots at steps 4, 8"):
        training.load_checkpoint(tmp_path, step=6)
    with pytest.raises(ValueError, match="snapshot_every"):
        training.train("dcgan", config, tiny_images, steps=2, batch_size=16, output_dir=tmp_path / "x",
                       snapshot_every=0)


def test_a_paused_checkpoint_with_a_learning_rate_schedule_loads_its_step(tmp_path):
    # CycleGAN's schedule (compile(total_steps=...)) leaves the optimizer without a learning-rate variable;
    # rebuilt without it, Keras would skip loading the optimizer and report step 0
    import numpy as np

    rng = np.random.default_rng(0)
    domains = tuple(rng.integers(0, 256, (8, 16, 16, 3), dtype=np.uint8) for _ in range(2))
    config = dict(resolution=16, width=2, residual_blocks=1, pool_size=2)
    training.train("cyclegan", config, domains, steps=6, steps_per_epoch=2, batch_size=2, output_dir=tmp_path,
                   verbose=0, time_limit=1e-6, compile_kwargs={"total_steps": 6})
    restored, step = training.load_checkpoint(tmp_path)
    assert step == 2 and float(restored.g_optimizer.learning_rate) == pytest.approx(2e-4)


def test_compile_arguments_json_cannot_hold_still_train_and_the_checkpoint_loads(tmp_path, tiny_images):
    import keras
    import numpy as np

    config = dict(resolution=28, channels=1, width=8, latent_dim=8)
    model, info = training.train("dcgan", config, tiny_images, steps=2, batch_size=16, output_dir=tmp_path,
                                 verbose=0, compile_kwargs={"learning_rate": keras.optimizers.schedules.ExponentialDecay(
                                     2e-4, decay_steps=10, decay_rate=0.5)})
    assert info["steps"] == 2 and json.loads((tmp_path / "run.json").read_text())["compile"] is None
    restored, _ = training.load_checkpoint(tmp_path)  # compiled with the defaults: the weights still load
    np.testing.assert_array_equal(restored.sample(4, seed=1), model.sample(4, seed=1))


def test_time_limit_must_be_positive():
    from ganzoo.callbacks import TimeLimit

    with pytest.raises(ValueError, match="positive"):
        TimeLimit(0)


def test_a_family_without_a_discriminator_starts_from_its_entry(tmp_path, monkeypatch):
    """SRResNet trains G alone: its entry ships no discriminator and needs none (--init_from once
    refused srresnet_x4 as a generator-only entry)."""
    from ganzoo import zoo
    from ganzoo.families import get_family

    config = dict(scale=2, blocks=1, width=8, crop=16)
    published = get_family("srresnet")(**config, seed=1)
    add_to_private_zoo(tmp_path, "tiny_sr", published, "tiny", {"name": "bsds500", "license": "research"},
                       "recipes/x.py", generator_only=True)
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(tmp_path / "weights"))
    model = get_family("srresnet")(**config, seed=2)
    model.compile()
    zoo.initialize_from(model, "tiny_sr", tmp_path / "manifest.json")
    for a, b in zip(weights_of(model.generator), weights_of(published.generator)):
        np.testing.assert_array_equal(a, b)


def test_a_generator_only_entry_goes_on_after_its_new_discriminator_warms_up(tmp_path, tiny_images, monkeypatch):
    """An entry that shipped its generator alone: initialize_from refuses it unless the run warms a
    new discriminator up (fresh_discriminator=True); then DiscriminatorWarmup keeps G's learning rate
    at 0 for its first steps (G and its average stay the entry's, D learns), and after them both train."""
    import keras

    from ganzoo import export, zoo
    from ganzoo.callbacks import DiscriminatorWarmup
    from ganzoo.families import get_family

    config = dict(resolution=28, channels=1, width=8, latent_dim=8, ema_decay=0.9)
    published = get_family("dcgan")(**config, seed=1)
    folder = export.save_weights_folder(published, tmp_path / "weights" / "tiny", generator_only=True)
    drop_discriminator(folder)  # as the entries of before discriminators shipped
    entry = export.build_entry("tiny", published, folder, description="tiny", recipe="recipes/x.py", command="x",
                               dataset={"name": "mnist", "license": "CC BY-SA 3.0"}, training={"steps": 0})
    zoo.write_entry("tiny", entry, tmp_path / "manifest.json")
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(tmp_path / "weights"))
    model = get_family("dcgan")(**config, seed=2)
    model.compile()
    with pytest.raises(ValueError, match="generator alone"):
        zoo.initialize_from(model, "tiny", tmp_path / "manifest.json")
    fresh_d = weights_of(model.discriminator)
    zoo.initialize_from(model, "tiny", tmp_path / "manifest.json", fresh_discriminator=True)

    def trainable(network):  # G's learnt weights (batch norm's statistics follow every training-mode batch)
        return [np.array(w) for w, own in zip(network.weights, model.generator.weights) if own.trainable]

    entry_g = trainable(published.sampling_generator)
    for a, b in zip(trainable(model.generator), entry_g):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(weights_of(model.discriminator), fresh_d):
        np.testing.assert_array_equal(a, b)

    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append((trainable(self.model.generator), trainable(self.model.generator_ema),
                         weights_of(self.model.discriminator),
                         float(keras.ops.convert_to_numpy(self.model.g_optimizer.learning_rate))))

    rate = get_family("dcgan").learning_rates()["generator"]
    model.fit(tiny_images[:64], batch_size=16, epochs=1, steps_per_epoch=4, verbose=0,
              callbacks=[DiscriminatorWarmup(2, rate), Record()])
    assert len(seen) == 4 and len(entry_g) == len(model.generator.trainable_weights) > 0
    for step, (generator, average, discriminator, learning_rate) in enumerate(seen, start=1):
        same_g = all(np.array_equal(a, b) for a, b in zip(generator, entry_g))
        same_average = all(np.allclose(a, b, atol=1e-6) for a, b in zip(average, entry_g))
        moved_d = any(not np.array_equal(a, b) for a, b in zip(discriminator, fresh_d))
        assert moved_d, step
        assert (same_g, same_average) == ((True, True) if step <= 2 else (False, False)), step
        assert learning_rate == (0.0 if step <= 2 else pytest.approx(rate)), step
    # a run whose steps all warmed D up ships the entry's G as it was, batch-norm statistics included
    # (recipe_flags.run copies it back): the copy leaves the trained discriminator alone
    trained_d = weights_of(model.discriminator)
    zoo.initialize_from(model, "tiny", tmp_path / "manifest.json", fresh_discriminator=True)
    for a, b in zip(weights_of(model.generator), weights_of(zoo.load_folder(folder).generator)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(weights_of(model.discriminator), trained_d):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="whole number of steps"):
        DiscriminatorWarmup(0, rate)
