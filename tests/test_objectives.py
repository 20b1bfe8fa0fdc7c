"""Each objective against its closed form, on whichever backend the suite runs."""

import numpy as np
import pytest
from keras import ops

from ganzoo.core import objectives

REAL = np.array([[2.0], [-1.0], [0.5], [0.0]], np.float32)
FAKE = np.array([[-3.0], [1.5], [0.2], [-0.7]], np.float32)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def value(x):
    return float(ops.convert_to_numpy(x))


def test_minimax_is_the_original_value_function():
    d_expected = -np.mean(np.log(sigmoid(REAL))) - np.mean(np.log(1 - sigmoid(FAKE)))
    g_expected = np.mean(np.log(1 - sigmoid(FAKE)))
    assert value(objectives.minimax_d_loss(REAL, FAKE)) == pytest.approx(d_expected, rel=1e-5)
    assert value(objectives.minimax_g_loss(FAKE)) == pytest.approx(g_expected, rel=1e-5)


def test_non_saturating_generator_is_softplus_of_minus_logits():
    assert value(objectives.non_saturating_g_loss(FAKE)) == pytest.approx(
        np.mean(-np.log(sigmoid(FAKE))), rel=1e-5)
    assert value(objectives.non_saturating_d_loss(REAL, FAKE)) == pytest.approx(
        value(objectives.minimax_d_loss(REAL, FAKE)))


def test_least_squares():
    d_expected = 0.5 * np.mean((REAL - 1) ** 2) + 0.5 * np.mean(FAKE ** 2)
    assert value(objectives.least_squares_d_loss(REAL, FAKE)) == pytest.approx(d_expected, rel=1e-6)
    assert value(objectives.least_squares_g_loss(FAKE)) == pytest.approx(0.5 * np.mean((FAKE - 1) ** 2), rel=1e-6)


def test_wasserstein():
    assert value(objectives.wasserstein_d_loss(REAL, FAKE)) == pytest.approx(FAKE.mean() - REAL.mean(), rel=1e-6)
    assert value(objectives.wasserstein_g_loss(FAKE)) == pytest.approx(-FAKE.mean(), rel=1e-6)


def test_hinge():
    d_expected = np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE))
    assert value(objectives.hinge_d_loss(REAL, FAKE)) == pytest.approx(d_expected, rel=1e-6)
    assert value(objectives.hinge_g_loss(FAKE)) == pytest.approx(-FAKE.mean(), rel=1e-6)


@pytest.mark.parametrize("name", sorted(objectives.OBJECTIVES))
def test_generator_terms_average_to_the_objectives_loss(name):
    # the per-sample terms top-k training averages over part of the batch
    _, g_loss = objectives.get_objective(name)
    terms = ops.convert_to_numpy(objectives.GENERATOR_TERMS[name](FAKE))
    assert terms.shape == FAKE.shape
    assert np.mean(terms) == pytest.approx(value(g_loss(FAKE)), rel=1e-6)


def test_optimal_discriminator_value_is_minus_log4():
    # With p_data = p_g, the optimal D outputs 1/2 everywhere: V = -log 4 (Goodfellow et al.).
    half = np.zeros((8, 1), np.float32)
    assert -value(objectives.minimax_d_loss(half, half)) == pytest.approx(-np.log(4), rel=1e-6)


def test_unknown_objective_names_the_choices():
    with pytest.raises(ValueError, match="hinge"):
        objectives.get_objective("hingee")


# --- regularisers: closed forms with a linear critic f(x) = <w, x> -----------------------
def linear_critic(w):
    return lambda x: ops.sum(x * w, axis=(1, 2, 3))


def test_gradient_penalty_and_r1_closed_forms():
    import keras

    w_np = np.array([0.3, -1.2, 2.0, 0.5], np.float32).reshape(1, 2, 2, 1)
    w = keras.Variable(w_np)
    rng = np.random.default_rng(0)
    real = rng.normal(size=(5, 2, 2, 1)).astype(np.float32)
    fake = rng.normal(size=(5, 2, 2, 1)).astype(np.float32)
    alpha = rng.uniform(size=(5, 1, 1, 1)).astype(np.float32)
    norm = np.linalg.norm(w_np)
    gp = objectives.gradient_penalty(linear_critic(w), real, fake, alpha)
    assert value(gp) == pytest.approx((norm - 1.0) ** 2, rel=1e-5)
    assert value(objectives.r1_penalty(linear_critic(w), real)) == pytest.approx(norm ** 2, rel=1e-5)


def test_penalties_are_differentiable_in_the_weights():
    # the gradient of a gradient penalty: d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w||
    import keras

    from ganzoo.core.gan import value_and_grad

    w_np = np.array([0.3, -1.2, 2.0, 0.5], np.float32).reshape(1, 2, 2, 1)
    w = keras.Variable(w_np)
    rng = np.random.default_rng(1)
    real = rng.normal(size=(4, 2, 2, 1)).astype(np.float32)
    alpha = np.full((4, 1, 1, 1), 0.5, np.float32)
    _, (grad,) = value_and_grad(lambda: objectives.gradient_penalty(linear_critic(w), real, -real, alpha), [w])
    norm = np.linalg.norm(w_np)
    np.testing.assert_allclose(ops.convert_to_numpy(grad), 2 * (norm - 1) * w_np / norm, rtol=1e-4)
    _, (grad,) = value_and_grad(lambda: objectives.r1_penalty(linear_critic(w), real), [w])
    np.testing.assert_allclose(ops.convert_to_numpy(grad), 2 * w_np, rtol=1e-4)
