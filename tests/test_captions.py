"""Captions from CelebA attributes (ganzoo/captions.py): deterministic, true to the attributes,
varied, inside the vocabulary; unknown words are refused with the nearest known ones."""

import numpy as np
import pytest

from ganzoo import captions

NAMES = ["Male", "Young", "No_Beard", "Black_Hair", "Blond_Hair", "Wavy_Hair", "Eyeglasses", "Smiling",
         "Goatee", "Wearing_Hat", "Big_Nose"]


def faces(n=200, seed=0):
    rng = np.random.default_rng(seed)
    attributes = (rng.random((n, len(NAMES))) < 0.4).astype(np.int8)
    attributes[:, NAMES.index("No_Beard")] = rng.random(n) < 0.8
    both = attributes[:, NAMES.index("Black_Hair")] & attributes[:, NAMES.index("Blond_Hair")]
    attributes[both > 0, NAMES.index("Blond_Hair")] = 0  # one hair colour, as CelebA nearly always has
    return attributes


def test_the_same_seed_gives_the_same_captions_and_another_seed_others():
    a, b = captions.captions(faces(), NAMES, per_face=5, seed=1), captions.captions(faces(), NAMES, per_face=5, seed=1)
    assert a == b and a != captions.captions(faces(), NAMES, per_face=5, seed=2)
    assert all(len(face) == 5 for face in a)


def test_every_caption_states_only_true_attributes_and_says_who():
    rows = faces()
    for row, texts in zip(rows, captions.captions(rows, NAMES, per_face=10, seed=0)):
        truth = dict(zip(NAMES, row.tolist()))
        for text in texts:
            stated = captions.mentioned_attributes(text)
            assert stated["Male"] == truth["Male"], text
            for name, value in stated.items():
                assert truth[name] == value, (text, name)


def test_captions_vary_within_a_face():
    rows = faces(50)
    distinct = [len(set(texts)) for texts in captions.captions(rows, NAMES, per_face=10, seed=0)]
    assert np.mean(distinct) > 6


def test_the_vocabulary_covers_every_caption_and_unknown_words_are_refused():
    for texts in captions.captions(faces(100), NAMES, per_face=10, seed=0):
        for text in texts:
            captions.tokenize(text)  # raises on any word outside the vocabulary
    assert captions.tokenize("A Smiling MAN, with glasses!") == ["a", "smiling", "man", "with", "glasses"]
    with pytest.raises(ValueError, match="'eyeglases'.*Nearest known words: eyeglasses"):
        captions.tokenize("a woman with eyeglases")
    with pytest.raises(ValueError, match="non-empty"):
        captions.tokenize("  ")


def test_the_example_sentences_read_as_intended():
    assert captions.mentioned_attributes("a smiling young woman with wavy blond hair") == {
        "Male": 0, "Young": 1, "Smiling": 1, "Wavy_Hair": 1, "Blond_Hair": 1}
    assert captions.mentioned_attributes("this man wears eyeglasses and has a goatee") == {
        "Male": 1, "Eyeglasses": 1, "Goatee": 1}
