"""Top-k training (Sinha et al. 2020): the kept samples' mean against its closed form (the objectives'
per-sample terms are checked in tests/test_objectives.py), its gradient, the share's schedule, and the
base class's generator step with it (in the config, refused where G learns from more than D's score of
each sample)."""

import keras
import numpy as np
import pytest
from keras import ops

from conftest import tiny_dcgan
from ganzoo.core import objectives
from ganzoo.core.gan import value_and_grad


def value(x):
    return float(ops.convert_to_numpy(x))


TERMS = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], np.float32)
SCORES = np.array([0.3, -1.0, 2.0, 0.9, -0.2, 1.5], np.float32)


@pytest.mark.parametrize("share, expected", [
    (1.0, 3.5),  # all six
    (0.5, (3.0 + 6.0 + 4.0) / 3),  # the three scored 2.0, 1.5, 0.9
    (0.01, 3.0),  # at least one: the best scored
])
def test_top_k_mean_averages_the_terms_of_the_highest_scored_samples(share, expected):
    assert value(objectives.top_k_mean(TERMS, SCORES, share)) == pytest.approx(expected, rel=1e-6)


def test_samples_tied_at_the_cut_all_count():
    terms = np.array([0.0, 1.0, 5.0, 7.0], np.float32)
    scores = np.array([1.0, 1.0, 0.0, -2.0], np.float32)
    assert value(objectives.top_k_mean(terms, scores, 0.25)) == pytest.approx(0.5)


def test_only_the_kept_samples_get_a_gradient():
    x = keras.Variable(np.array([0.5, -1.0, 2.0, 1.0], np.float32))
    # terms x^2, scored by x itself: share 0.5 keeps x = 2 and 1, each with gradient 2x / 2
    loss, (grad,) = value_and_grad(lambda: objectives.top_k_mean(x * x, x, 0.5), [x])
    assert value(loss) == pytest.approx(2.5)
    np.testing.assert_allclose(ops.convert_to_numpy(grad), [0.0, 0.0, 2.0, 1.0], rtol=1e-6)


def test_the_share_falls_from_one_by_the_decay_every_thousand_steps_down_to_top_k():
    gan = tiny_dcgan(top_k=0.6, top_k_decay=0.9)
    gan.compile()
    for steps, share in [(0, 1.0), (1000, 0.9), (3000, 0.729), (10_000, 0.6)]:
        gan.g_optimizer.iterations.assign(steps)
        assert value(gan.top_k_share()) == pytest.approx(share, rel=1e-5)
    at_once = tiny_dcgan(top_k=0.6, top_k_decay=0.0)
    at_once.compile()
    at_once.g_optimizer.iterations.assign(1)
    assert value(at_once.top_k_share()) == pytest.approx(0.6)


def test_the_generator_learns_from_the_top_k_of_its_batch(monkeypatch):
    gan = tiny_dcgan(top_k=0.25, top_k_decay=0.0)
    gan.compile()
    gan.g_optimizer.iterations.assign(5)
    z = np.random.default_rng(0).standard_normal((16, 8)).astype(np.float32)
    monkeypatch.setattr(gan, "latent_batch", lambda batch_size: ops.convert_to_tensor(z))
    batch = {"images": np.zeros((16, 28, 28, 1), np.float32)}
    logits = gan.discriminate(gan.generator(z, training=True))
    terms = objectives.non_saturating_g_terms(logits)
    expected = objectives.top_k_mean(terms, logits, 0.25)
    assert value(gan.generator_loss(batch)) == pytest.approx(value(expected), rel=1e-5)
    assert value(expected) != pytest.approx(value(ops.mean(terms)), rel=1e-3)  # (the test would notice)


def test_fit_with_top_k_trains_and_its_settings_are_in_the_config_only_when_set(tiny_images):
    gan = tiny_dcgan(top_k=0.5, top_k_decay=0.0)
    gan.compile()
    history = gan.fit(tiny_images, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][-1])
    config = gan.get_config()
    assert (config["top_k"], config["top_k_decay"]) == (0.5, 0.0)
    assert type(gan).from_config(config).top_k == 0.5
    assert not {"top_k", "top_k_decay"} & set(tiny_dcgan().get_config())


def test_a_run_with_top_k_may_start_from_an_entry_without_it():
    from ganzoo import zoo

    assert zoo.network_config({"width": 8, "top_k": 0.5, "top_k_decay": 0.0}) == {"width": 8}


@pytest.mark.parametrize("settings, message", [
    ({"top_k": 0.0}, "least share"),
    ({"top_k": 1.5}, "least share"),
    ({"top_k": 0.5, "top_k_decay": -0.1}, "every 1,000"),
])
def test_bad_settings_are_explained(settings, message):
    with pytest.raises(ValueError, match=message):
        tiny_dcgan(**settings)


def test_families_whose_generator_learns_from_more_refuse_it():
    from ganzoo.families.cgan import ConditionalGAN as CGAN

    with pytest.raises(ValueError, match="score of each sample alone"):
        CGAN(resolution=28, channels=1, num_classes=10, width=8, latent_dim=8, top_k=0.5)
