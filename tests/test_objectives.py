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


def test_optimal_discriminator_value_is_minus_log4():
    # With p_data = p_g, the optimal D outputs 1/2 everywhere: V = -log 4 (Goodfellow et al.).
    half = np.zeros((8, 1), np.float32)
    assert -value(objectives.minimax_d_loss(half, half)) == pytest.approx(-np.log(4), rel=1e-6)


def test_unknown_objective_names_the_choices():
    with pytest.raises(ValueError, match="hinge"):
        objectives.get_objective("hingee")
