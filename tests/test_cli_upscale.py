"""`ganzoo upscale` against a private zoo of a tiny untrained SRResNet and a DCGAN that does not upscale."""

import numpy as np
import pytest

from conftest import point_cli_at, private_zoo, tiny_dcgan
from ganzoo import images, zoo
from ganzoo.families.srgan import SRResNet
from test_cli import fails_on_one_line, png_pixels, run

BSDS = {"name": "bsds500_train200", "split": "train", "license": "BSDS500: non-commercial research"}


@pytest.fixture(scope="module")
def sr_zoo(tmp_path_factory):
    root = tmp_path_factory.mktemp("sr_zoo")
    models = {"tiny_srresnet": SRResNet(blocks=1, width=8, crop=32, seed=0), "tiny_dcgan": tiny_dcgan()}
    return private_zoo(root, models, "A tiny untrained model for the upscale CLI tests.", BSDS)


@pytest.fixture(autouse=True)
def use_sr_zoo(sr_zoo, tmp_path, monkeypatch):
    point_cli_at(sr_zoo[0], tmp_path, monkeypatch)


def test_upscale_writes_the_image_four_times_larger(capsys, tmp_path, sr_zoo):
    photo = np.random.default_rng(0).integers(0, 256, (13, 21, 3), dtype=np.uint8)
    images.save_png(photo, tmp_path / "small.png")
    code, out, err = run(capsys, "upscale", "tiny_srresnet", str(tmp_path / "small.png"), "-o", "big.png",
                         "--tile", "8")
    assert code == 0, err
    assert "(21x13) upscaled x4" in out and "(84x52)" in out
    np.testing.assert_array_equal(png_pixels(tmp_path / "big.png"), sr_zoo[1]["tiny_srresnet"].upscale(photo))


def test_upscale_makes_grey_files_rgb(capsys, tmp_path, sr_zoo):
    grey = np.random.default_rng(1).integers(0, 256, (9, 9, 1), dtype=np.uint8)
    images.save_png(grey, tmp_path / "grey.png")
    code, _, err = run(capsys, "upscale", "tiny_srresnet", str(tmp_path / "grey.png"), "-o", "big.png")
    assert code == 0, err
    expected = sr_zoo[1]["tiny_srresnet"].upscale(np.repeat(grey, 3, axis=-1))
    np.testing.assert_array_equal(png_pixels(tmp_path / "big.png"), expected)


def test_upscale_refuses_models_that_do_not_upscale_and_bad_outputs(capsys, tmp_path):
    images.save_png(np.zeros((8, 8, 3), np.uint8), tmp_path / "x.png")
    fails_on_one_line(capsys, "upscale", "tiny_dcgan", str(tmp_path / "x.png"), match="does not upscale")
    fails_on_one_line(capsys, "upscale", "tiny_srresnet", str(tmp_path / "x.png"), "-o", "x.jpg",
                      match="must be a .png")
    fails_on_one_line(capsys, "upscale", "tiny_srresnet", str(tmp_path / "x.png"), "--tile", "0",
                      match="positive")


def test_a_zoo_srresnet_round_trips_its_generator(sr_zoo):
    loaded = zoo.load("tiny_srresnet")
    photo = np.random.default_rng(2).integers(0, 256, (10, 10, 3), dtype=np.uint8)
    np.testing.assert_array_equal(loaded.upscale(photo), sr_zoo[1]["tiny_srresnet"].upscale(photo))
