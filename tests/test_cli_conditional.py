"""`ganzoo sample --labels` (cgan) and `--codes` (infogan): one row of the grid per value,
against a private zoo of two tiny untrained conditional models."""

import numpy as np
import pytest

from conftest import point_cli_at, private_zoo
from ganzoo import images
from ganzoo.families.cgan import ConditionalGAN
from ganzoo.families.infogan import InfoGAN
from test_cli import fails_on_one_line, png_pixels, run

CLASSES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


@pytest.fixture(scope="module")
def conditional_zoo(tmp_path_factory):
    root = tmp_path_factory.mktemp("conditional_zoo")
    models = {"tiny_cgan": ConditionalGAN(width=8, latent_dim=8, embed_dim=4, class_names=CLASSES, seed=0),
              "tiny_infogan": InfoGAN(latent_dim=8, seed=0)}
    return private_zoo(root, models, "A tiny untrained conditional model for the CLI tests.",
                       {"name": "mnist", "split": "train", "license": "CC BY-SA 3.0"}, "recipes/cgan_mnist.py")


@pytest.fixture(autouse=True)
def use_conditional_zoo(conditional_zoo, tmp_path, monkeypatch):
    point_cli_at(conditional_zoo[0], tmp_path, monkeypatch)


def test_labels_give_one_row_per_label(capsys, tmp_path, conditional_zoo):
    model = conditional_zoo[1]["tiny_cgan"]
    code, out, err = run(capsys, "sample", "tiny_cgan", "--labels", "3,seven,0", "-n", "4", "-o", "rows.png",
                         "--seed", "2", "--scale", "1")
    assert code == 0, err
    assert "wrote 12 samples" in out
    expected = images.grid(model.sample(12, labels=[3] * 4 + [7] * 4 + [0] * 4, seed=2), cols=4)
    np.testing.assert_array_equal(png_pixels(tmp_path / "rows.png"), expected[..., 0])
    assert expected.shape[:2] == (3 * 28 + 4 * 2, 4 * 28 + 5 * 2)


def test_codes_give_one_row_per_category(capsys, tmp_path, conditional_zoo):
    model = conditional_zoo[1]["tiny_infogan"]
    code, _, err = run(capsys, "sample", "tiny_infogan", "--codes", "1,2", "-o", "codes.png", "--seed", "0",
                       "--scale", "1")
    assert code == 0, err
    expected = images.grid(model.sample(16, codes=[1] * 8 + [2] * 8, seed=0), cols=8)
    np.testing.assert_array_equal(png_pixels(tmp_path / "codes.png"), expected[..., 0])


@pytest.mark.parametrize("argv,match", [
    (["tiny_cgan", "--labels", "3,ten"], "Unknown class 'ten'"),
    (["tiny_cgan", "--labels", "12"], "ids 0..9"),
    (["tiny_cgan", "--labels", ","], "comma-separated"),
    (["tiny_cgan", "--codes", "1"], "no categorical code"),
    (["tiny_infogan", "--labels", "1"], "not class-conditional"),
    (["tiny_infogan", "--codes", "1,x"], "category ids 0..9"),
    (["tiny_infogan", "--codes", "10"], "each in 0..9"),
    (["tiny_cgan", "--labels", "1", "--codes", "1"], "not both"),
])
def test_bad_labels_and_codes_fail_on_one_line(capsys, argv, match):
    fails_on_one_line(capsys, "sample", *argv, match=match)
