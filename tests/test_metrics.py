"""Classifier scores against closed forms, and `evaluate` on the shipped entry."""

import numpy as np
import pytest

from ganzoo.metrics.classifier import class_scores


def test_perfect_balanced_samples():
    p = np.eye(10)[np.arange(1000) % 10]
    s = class_scores(p, labels=np.arange(1000) % 10)
    assert s["class_coverage"] == 1.0 and s["mean_confidence"] == pytest.approx(1.0)
    assert s["classifier_score"] == pytest.approx(10.0, rel=1e-6)
    assert s["label_accuracy"] == 1.0


def test_mode_collapse_to_one_class():
    p = np.tile(np.eye(10)[3], (500, 1))
    s = class_scores(p)
    assert s["class_coverage"] == pytest.approx(0.1)
    assert s["max_class_share"] == 1.0
    assert s["classifier_score"] == pytest.approx(1.0, rel=1e-6)


def test_uniform_predictions_are_unconfident():
    s = class_scores(np.full((100, 10), 0.1))
    assert s["mean_confidence"] == pytest.approx(0.1)
    assert s["confident_fraction"] == 0.0
    assert s["classifier_score"] == pytest.approx(1.0)


def test_real_test_digits_score_near_the_ideal():
    from ganzoo import data
    from ganzoo.metrics.classifier import load_classifier, predict_probabilities

    images, labels = data.load("mnist", "test")
    s = class_scores(predict_probabilities(load_classifier(), images[:2000]), labels[:2000])
    assert s["label_accuracy"] > 0.98 and s["class_coverage"] == 1.0
    assert s["classifier_score"] > 9.0


def test_evaluate_the_published_dcgan():
    from ganzoo.evaluate import evaluate

    results = evaluate("dcgan_mnist", n=500, seed=0, progress=False)
    assert set(results) >= {"classifier_mnist/class_coverage", "classifier_mnist/classifier_score"}
    assert 0.0 <= results["classifier_mnist/mean_confidence"] <= 1.0
    assert results == evaluate("dcgan_mnist", n=500, seed=0, progress=False)  # fixed seed
