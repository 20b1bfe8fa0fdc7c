"""`ganzoo translate` against a private zoo of tiny untrained models: a pix2pix (grey 16 px
in, colour out), a CycleGAN (16 px colour) and a DCGAN that does not translate."""

import numpy as np
import pytest

from conftest import point_cli_at, private_zoo, tiny_dcgan
from ganzoo import images, paired
from ganzoo.core.translation import side_by_side
from ganzoo.families.cyclegan import CycleGAN
from ganzoo.families.pix2pix import Pix2Pix
from test_cli import fails_on_one_line, png_pixels, run


@pytest.fixture(scope="module")
def translation_zoo(tmp_path_factory):
    root = tmp_path_factory.mktemp("translation_zoo")
    models = {"tiny_pix2pix": Pix2Pix(resolution=16, input_channels=1, output_channels=3, width=4, seed=0),
              "tiny_cyclegan": CycleGAN(resolution=16, width=4, residual_blocks=1, pool_size=2, seed=0),
              "tiny_dcgan": tiny_dcgan()}
    return private_zoo(root, models, "A tiny untrained model for the translate CLI tests.",
                       {"name": "celeba", "split": "train", "license": "CelebA: non-commercial research purposes only"})


@pytest.fixture(autouse=True)
def use_translation_zoo(translation_zoo, tmp_path, monkeypatch):
    point_cli_at(translation_zoo[0], tmp_path, monkeypatch)


@pytest.fixture
def faces(tmp_path):
    """(colour 16x16 face-like image, its PNG file, the PNG of its edge map)."""
    face = np.zeros((16, 16, 3), np.uint8)
    face[4:12, 3:13] = (200, 150, 120)
    face[6:8, 5:7] = face[6:8, 9:11] = 20
    images.save_png(face, tmp_path / "face.png")
    images.save_png(paired.edges(face[None])[0], tmp_path / "edges.png")
    return face, tmp_path / "face.png", tmp_path / "edges.png"


def test_translate_writes_the_input_beside_its_translation(capsys, tmp_path, faces, translation_zoo):
    model = translation_zoo[1]["tiny_pix2pix"]
    code, out, err = run(capsys, "translate", "tiny_pix2pix", str(faces[2]), "-o", "pair.png")
    assert code == 0, err
    assert "wrote the translation" in out
    drawing = images.load_image(faces[2])
    assert drawing.shape == (16, 16, 1)
    expected = images.grid(side_by_side(drawing[None], model.translate(drawing)[None])[0], cols=2)
    scale = 128 // 16  # like `sample`, each image enlarged to ~128 px by default
    np.testing.assert_array_equal(png_pixels(tmp_path / "pair.png"), expected.repeat(scale, 0).repeat(scale, 1))
    code, _, err = run(capsys, "translate", "tiny_pix2pix", str(faces[2]), "-o", "only.png", "--output-only")
    assert code == 0, err
    np.testing.assert_array_equal(png_pixels(tmp_path / "only.png"), model.translate(drawing))


def test_translate_makes_colour_files_grey_for_a_grey_model(capsys, tmp_path, faces, translation_zoo):
    model = translation_zoo[1]["tiny_pix2pix"]
    code, _, err = run(capsys, "translate", "tiny_pix2pix", str(faces[1]), "-o", "grey.png", "--output-only")
    assert code == 0, err
    np.testing.assert_array_equal(png_pixels(tmp_path / "grey.png"),
                                  model.translate(paired.grayscale(faces[0][None])[0]))


@pytest.mark.parametrize("direction", [None, "a2b", "b2a"])
def test_cyclegan_translates_in_the_direction_asked(capsys, tmp_path, faces, translation_zoo, direction):
    model = translation_zoo[1]["tiny_cyclegan"]
    argv = ["translate", "tiny_cyclegan", str(faces[1]), "-o", "out.png", "--output-only"]
    code, _, err = run(capsys, *argv, *(["--direction", direction] if direction else []))
    assert code == 0, err
    np.testing.assert_array_equal(png_pixels(tmp_path / "out.png"), model.translate(faces[0], direction or "a2b"))


def test_other_sizes_need_resize(capsys, tmp_path, translation_zoo):
    model = translation_zoo[1]["tiny_cyclegan"]
    photo = np.random.default_rng(0).integers(0, 256, (24, 20, 3), dtype=np.uint8)
    images.save_png(photo, tmp_path / "photo.png")
    line = fails_on_one_line(capsys, "translate", "tiny_cyclegan", "photo.png", match="add --resize")
    assert "photo.png is 20x24 pixels; tiny_cyclegan translates 16x16 images" in line
    code, _, err = run(capsys, "translate", "tiny_cyclegan", "photo.png", "-o", "out.png", "--resize", "--output-only")
    assert code == 0, err
    np.testing.assert_array_equal(png_pixels(tmp_path / "out.png"), model.translate(photo, resize=True))


def test_help_says_what_is_written(capsys):
    code, out, _ = run(capsys, "translate", "--help")
    assert code == 0
    assert "beside its translation" in " ".join(out.split()) and "--output-only" in out and "--resize" in out
    assert "translate an image" in run(capsys, "--help")[1]


@pytest.mark.parametrize("argv,match", [
    (["tiny_pix2pix", "missing.png"], "No such image file: missing.png"),
    (["tiny_pix2pix", "notes.png"], "Cannot read notes.png as an image"),
    (["tiny_pix2pix", "face.png", "--direction", "b2a"], "--direction is for cyclegan and discogan entries"),
    (["tiny_cyclegan", "face.png", "--direction", "sideways"], "invalid choice: 'sideways'"),
    (["tiny_dcgan", "face.png"], "it does not translate them"),
    (["tiny_pix2pix", "face.png", "-o", "out.jpg"], "--output must be a .png file"),
    (["tiny_pix2pixx", "face.png"], "Did you mean 'tiny_pix2pix'"),
])
def test_bad_translate_requests_fail_on_one_line(capsys, tmp_path, faces, argv, match):
    (tmp_path / "notes.png").write_text("not an image")
    fails_on_one_line(capsys, "translate", *argv, match=match)


def test_sampling_a_translation_model_points_to_translate(capsys):
    fails_on_one_line(capsys, "sample", "tiny_cyclegan", match="use translate(images)")
