"""Jacobian-based truncation: the norm's estimate against closed forms, what it rejects, and
sampling with it (seeded, prefix-stable, in the config, refused where it does not apply)."""

import numpy as np
import pytest
from scipy.stats import norm as gaussian

from conftest import tiny_dcgan
from ganzoo.core import jacobian_truncation as jbt


def test_norm_estimate_is_the_frobenius_norm_of_a_linear_generator():
    # along sqrt(D) * e_i the mean of ||A v||^2 is ||A||_F^2 exactly, for every latent
    rng = np.random.default_rng(0)
    a = rng.standard_normal((12, 5))
    latents = rng.standard_normal((7, 5)).astype(np.float32)
    directions = np.broadcast_to(np.sqrt(5.0) * np.eye(5, dtype=np.float32), (7, 5, 5))
    norms = jbt.jacobian_norms(lambda z: z.astype(np.float64) @ a.T, latents, directions)
    np.testing.assert_allclose(norms, np.linalg.norm(a), rtol=1e-4)


def test_random_directions_estimate_the_squared_norm_without_bias():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((12, 5))
    candidates = jbt.draw_candidates(rng, 4000, 5)
    norms = jbt.jacobian_norms(lambda z: z.astype(np.float64) @ a.T, candidates[:, 0], candidates[:, 1:])
    assert np.mean(norms**2) == pytest.approx(np.linalg.norm(a) ** 2, rel=0.03)


def steep_step(z):
    """A 'generator' that jumps between two modes at z0 = 0: it stretches the latent space most there."""
    return np.tanh(8.0 * z[:, :1].astype(np.float64))


def test_truncation_rejects_the_share_asked_for_where_the_generator_stretches():
    limit = jbt.norm_limit(steep_step, 2, 0.2)
    candidates = jbt.draw_candidates(np.random.default_rng(5), 4000, 2)
    norms = jbt.jacobian_norms(steep_step, candidates[:, 0], candidates[:, 1:])
    assert np.mean(norms > limit) == pytest.approx(0.2, abs=0.03)
    kept = jbt.truncated_latents(steep_step, np.random.default_rng(5), 2000, 2, limit, 0.2)
    assert kept.shape == (2000, 2)
    middle = gaussian.ppf(0.6)  # |z0| below it: the 20% of latents nearest the jump
    everything = candidates[:, 0, 0]
    assert np.mean(np.abs(everything) < middle) == pytest.approx(0.2, abs=0.03)
    assert np.mean(np.abs(kept[:, 0]) < middle) < 0.1  # most of the between-mode latents are gone
    assert np.mean(np.abs(kept[:, 1]) < middle) == pytest.approx(0.2, abs=0.03)  # the other axis is untouched


def test_sampling_with_truncation_is_seeded_and_keeps_a_prefix():
    gan = tiny_dcgan(jacobian_truncation=0.3)
    first = gan.sample(8, seed=4)
    np.testing.assert_array_equal(first, gan.sample(20, seed=4)[:8])
    np.testing.assert_array_equal(first, gan.sample(8, seed=4))
    assert not np.array_equal(first, gan.sample(8, seed=5))
    untruncated = tiny_dcgan()
    assert not np.array_equal(first, untruncated.sample(8, seed=4))
    np.testing.assert_array_equal(untruncated.latent_numpy(6, seed=4), untruncated.sampling_inputs(6, seed=4)[0])


def test_sampling_truncates_the_seeds_stream_with_the_models_own_generator_and_limit():
    # what truncation keeps is checked on a known generator above; here, that the model hands it its
    # sampling generator, the seed's stream and the limit of its share. (An untrained tiny G stretches
    # z almost evenly, so comparing its kept and dropped norms would test the initialisation.)
    gan = tiny_dcgan(jacobian_truncation=0.5)
    limit = gan.jacobian_norm_limit()
    assert limit == jbt.norm_limit(gan._generator_outputs, 8, 0.5)
    expected = jbt.truncated_latents(gan._generator_outputs, np.random.default_rng(3), 40, 8, limit, 0.5)
    np.testing.assert_array_equal(gan.sampling_inputs(40, seed=3)[0], expected)


def test_the_limit_follows_the_share_and_the_weights():
    gan = tiny_dcgan(jacobian_truncation=0.2)
    limit = gan.jacobian_norm_limit()
    assert gan.jacobian_norm_limit() == limit
    gan.jacobian_truncation = 0.5
    assert gan.jacobian_norm_limit() < limit
    gan.jacobian_truncation = 0.2
    to_image = gan.sampling_generator.get_layer("to_image")
    to_image.kernel.assign(2.0 * to_image.kernel)  # a steeper generator: every norm grows
    assert gan.jacobian_norm_limit() > limit


def test_truncation_is_in_the_config_only_when_set():
    from ganzoo.families.dcgan import DCGAN

    assert "jacobian_truncation" not in tiny_dcgan().get_config()
    config = tiny_dcgan(jacobian_truncation=0.15).get_config()
    assert config["jacobian_truncation"] == 0.15
    assert DCGAN.from_config(config).jacobian_truncation == 0.15


@pytest.mark.parametrize("bad", [1.0, -0.1, True, "0.2"])
def test_bad_shares_are_explained(bad):
    with pytest.raises(ValueError, match=r"share of latents .* \[0, 0\.9\]"):
        tiny_dcgan(jacobian_truncation=bad)


def test_families_with_other_sampling_inputs_refuse_it():
    from ganzoo.families.cgan import ConditionalGAN as CGAN

    with pytest.raises(ValueError, match="sample from z alone"):
        CGAN(resolution=28, channels=1, num_classes=10, width=8, latent_dim=8, jacobian_truncation=0.2)


def test_a_family_with_its_own_sampling_inputs_refuses_it_when_sampling():
    from ganzoo.families.dcgan import DCGAN

    class WithConditions(DCGAN):  # as a conditional family that kept GAN.sample would be
        def sampling_inputs(self, n, seed=None, labels=None):
            return super().sampling_inputs(n, seed)[0], {"labels": labels}

    model = WithConditions(resolution=28, channels=1, width=8, latent_dim=8, seed=0)
    assert model.sample(2, seed=0).shape == (2, 28, 28, 1)
    with pytest.raises(ValueError, match="sample from z alone"):
        model.sample(2, seed=0, jacobian_truncation=0.2)
