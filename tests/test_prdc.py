"""Precision/recall, density/coverage and the memorisation check on sets with known answers."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from ganzoo.metrics.prdc import equal_counts, memorisation, nearest_neighbours, prdc_scores


def gaussian(n, seed, dim=16, shift=0.0):
    return np.random.default_rng(seed).standard_normal((n, dim)) + shift


def test_a_set_against_itself_is_perfect():
    real = gaussian(300, 0)
    scores = prdc_scores(real, real)
    assert scores["precision"] == scores["recall"] == scores["coverage"] == 1.0
    assert scores["density"] >= 1.0  # each point lies in its own ball, and in some neighbours'


def test_two_samples_of_one_distribution_score_near_one():
    scores = prdc_scores(gaussian(1000, 0), gaussian(1000, 1))
    for name in ("precision", "recall", "coverage"):
        assert 0.6 < scores[name] <= 1.0, (name, scores)
    assert 0.6 < scores["density"] < 1.4


def test_a_collapsed_generator_keeps_precision_and_loses_recall_and_coverage():
    real = gaussian(500, 0)
    collapsed = real[0] + 1e-3 * gaussian(500, 1)  # every sample is (almost) one real point
    scores = prdc_scores(real, collapsed)
    assert scores["precision"] == 1.0
    assert scores["recall"] < 0.02 and scores["coverage"] < 0.02


def test_unequal_sets_are_measured_on_equal_counts():
    """1,000 real points against 100 samples of the same distribution: on all 1,000 balls the
    samples could cover at most ~30% of them; cut to 100 real points, coverage reads near one."""
    from prdc import compute_prdc

    real, fake = gaussian(1000, 0), gaussian(100, 1)
    scores = prdc_scores(real, fake)
    assert scores["coverage"] > 0.6
    uncut = compute_prdc(real_features=real, fake_features=fake, nearest_k=3)
    assert uncut["coverage"] < 0.35  # what the uneven counts gave
    cut_real, same_fake = equal_counts(real, fake)
    assert len(cut_real) == 100 and same_fake is fake and len(np.unique(cut_real, axis=0)) == 100
    assert set(map(tuple, cut_real)) <= set(map(tuple, real))
    assert scores == prdc_scores(cut_real, fake)  # the draw is fixed
    assert prdc_scores(fake, real) == prdc_scores(fake, equal_counts(fake, real)[1])  # either side is cut


def test_disjoint_sets_score_zero():
    scores = prdc_scores(gaussian(200, 0), gaussian(200, 1, shift=100.0))
    assert scores == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="widths"):
        prdc_scores(gaussian(10, 0, dim=4), gaussian(10, 1, dim=5))
    with pytest.raises(ValueError, match="k must be"):
        prdc_scores(gaussian(4, 0), gaussian(4, 1), k=4)
    with pytest.raises(ValueError, match="N >= 2"):
        nearest_neighbours(gaussian(10, 0), np.zeros(16))


def test_nearest_neighbours_match_brute_force():
    reference, queries = gaussian(300, 0), gaussian(250, 1)
    distances, indices = nearest_neighbours(reference, queries, chunk=64)
    full = cdist(queries, reference)
    np.testing.assert_array_equal(indices, full.argmin(axis=1))
    np.testing.assert_allclose(distances, full.min(axis=1), rtol=1e-6)


def test_memorisation_tells_copies_from_new_samples():
    train, heldout = gaussian(1000, 0), gaussian(300, 1)
    fresh = memorisation(train, gaussian(300, 2), heldout)
    assert 0.9 < fresh["nn_ratio"] < 1.1 and fresh["copied_share"] < 0.05
    copies = train[:300] + 1e-3 * gaussian(300, 3)
    copied = memorisation(train, copies, heldout)
    assert copied["nn_ratio"] < 0.01 and copied["copied_share"] == 1.0
