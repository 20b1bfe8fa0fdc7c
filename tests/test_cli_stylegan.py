"""`ganzoo sample --truncation` and `ganzoo style-mix` against a private zoo of a tiny StyleGAN-lite, and
`--jacobian-truncation`, the truncation of the families that sample from noise alone."""

import numpy as np
import pytest

from conftest import point_cli_at, private_zoo, tiny_dcgan
from ganzoo import images
from ganzoo.families.stylegan import StyleGANLite
from test_cli import fails_on_one_line, png_pixels, run

CELEBA = {"name": "celeba", "split": "train", "license": "CelebA: non-commercial research purposes only"}


@pytest.fixture(scope="module")
def style_zoo(tmp_path_factory):
    root = tmp_path_factory.mktemp("style_zoo")
    models = {"tiny_stylegan": StyleGANLite(resolution=8, width=4, latent_dim=8, w_dim=8, mapping_layers=1, seed=0),
              "tiny_dcgan": tiny_dcgan()}
    return private_zoo(root, models, "A tiny untrained model for the StyleGAN CLI tests.", CELEBA)


@pytest.fixture(autouse=True)
def use_style_zoo(style_zoo, tmp_path, monkeypatch):
    point_cli_at(style_zoo[0], tmp_path, monkeypatch)


def test_sample_with_truncation(capsys, tmp_path, style_zoo):
    code, _, err = run(capsys, "sample", "tiny_stylegan", "-n", "4", "--seed", "1", "--truncation", "0.5",
                       "--scale", "1", "-o", "t.png")
    assert code == 0, err
    expected = images.grid(style_zoo[1]["tiny_stylegan"].sample(4, seed=1, truncation=0.5))
    np.testing.assert_array_equal(png_pixels(tmp_path / "t.png"), expected)
    fails_on_one_line(capsys, "sample", "tiny_dcgan", "--truncation", "0.5", match="--truncation is for stylegan_lite")
    fails_on_one_line(capsys, "sample", "tiny_stylegan", "--truncation", "5", match="truncation must be in")


def test_sample_with_jacobian_truncation(capsys, tmp_path, style_zoo):
    code, _, err = run(capsys, "sample", "tiny_dcgan", "-n", "4", "--seed", "1", "--jacobian-truncation", "0.3",
                       "--scale", "1", "-o", "j.png")
    assert code == 0, err
    dcgan = style_zoo[1]["tiny_dcgan"]
    expected = dcgan.sample(4, seed=1, jacobian_truncation=0.3)
    np.testing.assert_array_equal(png_pixels(tmp_path / "j.png"), images.grid(expected)[..., 0])  # grey PNG: 2-D
    assert not np.array_equal(expected, dcgan.sample(4, seed=1))
    fails_on_one_line(capsys, "sample", "tiny_stylegan", "--jacobian-truncation", "0.3",
                      match="--jacobian-truncation is for entries that sample from noise alone")
    fails_on_one_line(capsys, "sample", "tiny_dcgan", "--jacobian-truncation", "0.95", match="a number in [0, 0.9]")


def test_style_mix_writes_the_grid(capsys, tmp_path, style_zoo):
    code, out, err = run(capsys, "style-mix", "tiny_stylegan", "--rows", "1,2", "--cols", "3,4,5", "--layers", "0-1",
                         "--scale", "1", "-o", "mix.png")
    assert code == 0, err
    assert "style-mixing grid" in out
    expected = style_zoo[1]["tiny_stylegan"].style_mix([1, 2], [3, 4, 5], layers=[0, 1])
    np.testing.assert_array_equal(png_pixels(tmp_path / "mix.png"), expected)
    fails_on_one_line(capsys, "style-mix", "tiny_dcgan", match="needs a stylegan_lite entry")
    fails_on_one_line(capsys, "style-mix", "tiny_stylegan", "--rows", "a,b", match="--rows must be")
    fails_on_one_line(capsys, "style-mix", "tiny_stylegan", "--layers", "x", match="--layers must be a range")
