"""The GAN base class through DCGAN: training mechanics, compile, inputs, serialisation, sampling.

Runs on both backends (CI runs this file under KERAS_BACKEND=torch too)."""

import keras
import numpy as np
import pytest

from conftest import tiny_dcgan, weights_of
from ganzoo.core.gan import value_and_grad


def test_value_and_grad_matches_the_analytic_gradient():
    v = keras.Variable(np.array([1.0, -2.0, 3.0], np.float32))
    loss, (grad,) = value_and_grad(lambda: keras.ops.sum(v * v) * 0.5, [v])
    assert float(keras.ops.convert_to_numpy(loss)) == pytest.approx(7.0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(grad), [1.0, -2.0, 3.0], rtol=1e-6)


def test_fit_updates_both_players_and_reports_losses(tiny_images):
    gan = tiny_dcgan()
    gan.compile()
    g_before, d_before = weights_of(gan.generator), weights_of(gan.discriminator)
    history = gan.fit(tiny_images, batch_size=16, epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert all(np.isfinite(history.history["d_loss"])) and all(np.isfinite(history.history["g_loss"]))
    g_after, d_after = weights_of(gan.generator), weights_of(gan.discriminator)
    assert any(not np.allclose(a, b) for a, b in zip(g_before, g_after))
    assert any(not np.allclose(a, b) for a, b in zip(d_before, d_after))
    assert int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations)) == 8
    assert int(keras.ops.convert_to_numpy(gan.d_optimizer.iterations)) == 8


def test_discriminator_learns_to_separate_real_from_fake(tiny_images):
    # With the generator frozen (lr 0), D's loss must fall well below its chance value log 4.
    gan = tiny_dcgan()
    gan.compile(g_learning_rate=0.0, d_learning_rate=2e-3)
    history = gan.fit(tiny_images, batch_size=16, epochs=6, verbose=0)
    assert history.history["d_loss"][-1] < 0.5 * np.log(4)


def test_compile_uses_published_settings_and_keyword_overrides():
    gan = tiny_dcgan()
    gan.compile()
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(gan.d_optimizer.beta_1) == pytest.approx(0.5)
    gan = tiny_dcgan()
    gan.compile(learning_rate=1e-3, d_learning_rate=4e-4, beta_1=0.0)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(1e-3)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(4e-4)
    assert float(gan.g_optimizer.beta_1) == 0.0
    sgd = keras.optimizers.SGD(0.1)
    gan = tiny_dcgan()
    gan.compile(g_optimizer=sgd)
    assert gan.g_optimizer is sgd


def test_fit_rejects_wrong_inputs_with_what_was_expected(tiny_images):
    gan = tiny_dcgan()
    with pytest.raises(RuntimeError, match="compile"):
        gan.fit(tiny_images)
    gan.compile()
    with pytest.raises(ValueError, match="uint8"):
        gan.fit(tiny_images.astype(np.float32) / 255)
    with pytest.raises(ValueError, match=r"images\[\.\.\., None\]"):
        gan.fit(tiny_images[..., 0])
    with pytest.raises(ValueError, match=r"\(N, 28, 28, 1\)"):
        gan.fit(np.zeros((4, 32, 32, 1), np.uint8))


def test_fit_takes_a_tf_data_dataset_of_uint8_batches(tiny_images):
    tf = pytest.importorskip("tensorflow")
    gan = tiny_dcgan()
    gan.compile()
    dataset = tf.data.Dataset.from_tensor_slices(tiny_images).batch(16)
    history = gan.fit(dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])


def test_sample_contract():
    gan = tiny_dcgan()
    images = gan.sample(5, seed=3)
    assert images.dtype == np.uint8 and images.shape == (5, 28, 28, 1)
    np.testing.assert_array_equal(images, gan.sample(5, seed=3))
    assert not np.array_equal(images, gan.sample(5, seed=4))
    # batching does not change the result
    np.testing.assert_array_equal(images, gan.sample(5, seed=3, batch_size=2))


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "4", None])
def test_sample_rejects_a_bad_count(bad):
    with pytest.raises(ValueError, match="positive int"):
        tiny_dcgan().sample(bad)


@pytest.mark.parametrize("bad", [-1, 1.5, "0"])
def test_sample_rejects_a_bad_seed(bad):
    with pytest.raises(ValueError, match="seed"):
        tiny_dcgan().sample(2, seed=bad)


def test_config_round_trip():
    gan = tiny_dcgan(objective="hinge")
    clone = type(gan).from_config(gan.get_config())
    assert clone.get_config() == gan.get_config()
    assert clone.objective == "hinge"


def test_keras_archive_round_trip_in_safe_mode(tmp_path, tiny_images):
    gan = tiny_dcgan()
    gan.compile(learning_rate=1e-3)
    gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    path = tmp_path / "gan.keras"
    gan.save(path)
    restored = keras.models.load_model(path, safe_mode=True)
    assert type(restored) is type(gan)
    np.testing.assert_array_equal(restored.sample(4, seed=0), gan.sample(4, seed=0))
    assert float(restored.g_optimizer.learning_rate) == pytest.approx(1e-3)
    # the restored model trains on
    restored.fit(tiny_images, batch_size=32, epochs=1, verbose=0)


def test_weights_file_round_trip(tmp_path, tiny_images):
    gan = tiny_dcgan()
    gan.compile()
    gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    gan.save_weights(tmp_path / "gan.weights.h5")
    other = tiny_dcgan(seed=123)
    assert not np.array_equal(other.sample(4, seed=0), gan.sample(4, seed=0))
    other.load_weights(tmp_path / "gan.weights.h5")
    np.testing.assert_array_equal(other.sample(4, seed=0), gan.sample(4, seed=0))


def test_generator_is_a_plain_keras_model():
    gan = tiny_dcgan()
    assert isinstance(gan.generator, keras.Model)
    out = keras.ops.convert_to_numpy(gan.generator(np.zeros((2, 8), np.float32)))
    assert out.shape == (2, 28, 28, 1) and np.abs(out).max() <= 1.0


def test_ema_of_generator_weights_follows_its_closed_form(tiny_images):
    gan = tiny_dcgan(ema_decay=0.9)
    gan.compile(learning_rate=1e-2)
    start = weights_of(gan.generator)
    np.testing.assert_array_equal(weights_of(gan.generator_ema)[0], start[0])
    gan.fit(tiny_images[:16], batch_size=16, epochs=1, verbose=0)  # one step
    after, ema = weights_of(gan.generator), weights_of(gan.generator_ema)
    decay = min(0.9, (1 + 1) / (10 + 1))  # the warm-up after G's first step
    assert float(gan.ema_decay_now()) == pytest.approx(decay)
    for w, s, a, e in zip(gan.generator.weights, start, after, ema):
        expected = decay * s + (1 - decay) * a if w.trainable else a  # batch-norm statistics are copied
        np.testing.assert_allclose(e, expected, rtol=1e-5, atol=1e-6)
    # sampling uses the averaged generator
    z = gan.latent_numpy(3, 0)
    from ganzoo.images import to_uint8

    np.testing.assert_array_equal(gan.sample(3, seed=0),
                                  to_uint8(keras.ops.convert_to_numpy(gan.generator_ema(z, training=False))))
    assert not np.array_equal(gan.sample(3, seed=0),
                              to_uint8(keras.ops.convert_to_numpy(gan.generator(z, training=False))))


def test_ema_decay_ramps_up_to_its_setting_over_the_optimizer_steps():
    gan = tiny_dcgan(ema_decay=0.999)
    gan.compile()
    for step, expected in [(0, 0.1), (10, 0.55), (1000, 1001 / 1010), (20000, 0.999)]:
        gan.g_optimizer.iterations.assign(step)
        assert float(gan.ema_decay_now()) == pytest.approx(expected, rel=1e-6), step


def test_ema_is_saved_and_restored(tmp_path, tiny_images):
    gan = tiny_dcgan(ema_decay=0.5)
    gan.compile(learning_rate=1e-2)
    gan.fit(tiny_images, batch_size=16, epochs=1, verbose=0)
    gan.save(tmp_path / "ema.keras")
    restored = keras.models.load_model(tmp_path / "ema.keras", safe_mode=True)
    assert restored.ema_decay == 0.5
    np.testing.assert_array_equal(restored.sample(4, seed=0), gan.sample(4, seed=0))
    with pytest.raises(ValueError, match="ema_decay"):
        tiny_dcgan(ema_decay=1.5)


def test_refreshed_ema_statistics_are_those_of_the_averaged_weights(tiny_images):
    gan = tiny_dcgan(ema_decay=0.5)
    gan.compile(learning_rate=1e-2)
    gan.fit(tiny_images, batch_size=16, epochs=1, verbose=0)
    z = gan.latent_numpy(256, 0)
    stale = keras.ops.convert_to_numpy(gan.generator_ema(z, training=False))
    gan.refresh_ema_statistics(n=256, seed=0)
    fresh = keras.ops.convert_to_numpy(gan.generator_ema(z, training=False))
    assert not np.allclose(stale, fresh, atol=1e-3)
    # inference with the refreshed statistics equals batch-statistics mode on that batch
    norms = [layer for layer in gan.generator_ema._flatten_layers()
             if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in norms:
        layer.trainable, layer.momentum = True, 1.0  # batch statistics, running ones untouched
    batch_mode = keras.ops.convert_to_numpy(gan.generator_ema(z, training=True))
    np.testing.assert_allclose(fresh, batch_mode, atol=2e-4)
