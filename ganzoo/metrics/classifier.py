"""Scores from a small classifier trained on the real data (MNIST, Fashion-MNIST).

For unconditional samples: which classes appear (coverage), how confidently the
classifier recognises them (a proxy for clean digits), and the classifier score
exp(E_x KL(p(y|x) || p(y))), the Inception Score computed with this classifier
(10 for perfect, balanced samples of 10 classes).
"""

import json
from pathlib import Path

import keras
import numpy as np
from keras import layers

from ganzoo.core.gan import no_grad


def build_classifier(num_classes=10, image_shape=(28, 28, 1)):
    """A small CNN (~99.3% on the MNIST test set once trained); takes uint8 images."""
    image = keras.Input(image_shape, name="image", dtype="uint8")
    x = layers.Rescaling(1 / 127.5, offset=-1.0)(image)
    for filters in (32, 64):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
        x = layers.BatchNormalization()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Dense(128, activation="relu")(x)
    logits = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(image, logits, name="classifier")


def load_classifier(name="classifier_mnist", weights_dir=None):
    """A classifier entry from the manifest's `evaluators` section, weights verified."""
    from ganzoo import hub, zoo

    entry = zoo.get_entry(name, section="evaluators")
    folder = hub.resolve(name, entry, weights_dir=weights_dir)
    config = json.loads((Path(folder) / "config.json").read_text())["config"]
    model = build_classifier(config["num_classes"], tuple(config["image_shape"]))
    model.load_weights(Path(folder) / "model.weights.h5")
    return model


def predict_probabilities(classifier, images, batch_size=500):
    out = []
    with no_grad():
        for i in range(0, len(images), batch_size):
            logits = classifier(images[i : i + batch_size], training=False)
            out.append(keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1)))
    return np.concatenate(out)


def predict_attributes(classifier, images, batch_size=500):
    """Per-attribute probabilities (N, K) of a multi-label classifier (an independent sigmoid per
    output: classifier_celeba_attributes)."""
    out = []
    with no_grad():
        for i in range(0, len(images), batch_size):
            logits = classifier(images[i : i + batch_size], training=False)
            out.append(keras.ops.convert_to_numpy(keras.ops.sigmoid(logits)))
    return np.concatenate(out)


def balanced_accuracy(predicted, truth):
    """Mean of the true-positive and true-negative rates of 0/1 predictions (N,) against truth (N,):
    0.5 for a judge that always answers the same, whatever the attribute's rarity."""
    predicted, truth = np.asarray(predicted).astype(bool), np.asarray(truth).astype(bool)
    rates = [np.mean(predicted[truth == value] == value) for value in (True, False) if np.any(truth == value)]
    return float(np.mean(rates))


def class_scores(probabilities, labels=None):
    """Coverage, confidence and classifier score of predicted class probabilities (N, K).

    With `labels` (the classes the images were asked to show), also the label accuracy.
    """
    p = np.asarray(probabilities, np.float64)
    n, k = p.shape
    predicted = p.argmax(axis=1)
    share = np.bincount(predicted, minlength=k) / n
    marginal = p.mean(axis=0)
    kl = (p * (np.log(p + 1e-12) - np.log(marginal + 1e-12))).sum(axis=1)
    scores = {
        # a class is covered when it gets at least half of its fair share of samples
        "class_coverage": float((share >= 0.5 / k).mean()),
        "min_class_share": float(share.min()),
        "max_class_share": float(share.max()),
        "mean_confidence": float(p.max(axis=1).mean()),
        "confident_fraction": float((p.max(axis=1) > 0.9).mean()),
        "classifier_score": float(np.exp(kl.mean())),
    }
    if labels is not None:
        scores["label_accuracy"] = float((predicted == np.asarray(labels)).mean())
    return scores


def code_purity(probabilities, codes):
    """How purely each categorical code value maps to one class (InfoGAN).

    For each code value, the share of its samples in its most frequent predicted class;
    `code_purity` is their mean (1.0: every value draws one class only) and
    `classes_matched` the number of distinct classes that are some value's majority
    (10 for MNIST when the codes found all ten digits).
    """
    predicted = np.asarray(probabilities).argmax(axis=1)
    codes = np.asarray(codes)
    k = np.asarray(probabilities).shape[1]
    purities, majorities = [], set()
    for value in np.unique(codes):
        counts = np.bincount(predicted[codes == value], minlength=k)
        purities.append(counts.max() / counts.sum())
        majorities.add(int(counts.argmax()))
    return {"code_purity": float(np.mean(purities)), "classes_matched": len(majorities)}
