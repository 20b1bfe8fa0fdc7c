"""Inpainting: the masks (ganzoo/masks.py), the masked L1 against its closed form, and the
family (ganzoo/families/inpaint.py) on tiny 32-px configs."""

import numpy as np
import pytest
from keras.ops import convert_to_numpy as to_numpy

from conftest import moved, weights_of
from ganzoo import masks
from ganzoo.core.objectives import masked_l1
from ganzoo.families import get_family
from ganzoo.families.inpaint import smooth_fill


def tiny(**overrides):
    config = dict(resolution=32, channels=3, width=4, mask_bank=32, seed=0)
    return get_family("inpaint")(**{**config, **overrides})


@pytest.fixture
def faces():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (16, 32, 32, 3), dtype=np.uint8)


# -- masks ----------------------------------------------------------------------------------
def test_the_centre_square_is_a_quarter_of_the_image():
    m = masks.centre(2, 64)
    assert m.shape == (2, 64, 64) and m.dtype == np.uint8 and m.sum() == 2 * 32 * 32
    assert m[0, 16:48, 16:48].all() and not m[0, :16].any()


def test_boxes_and_strokes_are_partial_seeded_and_varied():
    rng = np.random.default_rng(0)
    box = masks.boxes(50, 64, rng)
    sides = [(np.any(b, axis=1).sum(), np.any(b, axis=0).sum()) for b in box]
    assert all(8 <= h <= 32 and 8 <= w <= 32 for h, w in sides)
    assert all(b.sum() == h * w for b, (h, w) in zip(box, sides))  # one filled rectangle each
    stroke = masks.strokes(50, 64, np.random.default_rng(1))
    share = stroke.reshape(50, -1).mean(axis=1)
    assert share.min() > 0.01 and share.max() < 0.9 and len(np.unique(share)) > 40
    a, b = masks.random_masks(10, 32, seed=3), masks.random_masks(10, 32, seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, masks.random_masks(10, 32, seed=4))


@pytest.mark.parametrize("box, message", [
    ("1,2,3", "four"), ("a,b,c,d", "four whole numbers"), ("0,0,0,5", "positive size"), ("30,0,5,5", "inside"),
])
def test_a_bad_box_is_refused(box, message):
    with pytest.raises(ValueError, match=message):
        masks.from_box(box, 32)


def test_from_box():
    m = masks.from_box("2,3,4,5", 16)
    assert m.sum() == 20 and m[3:8, 2:6].all()


def test_check_masks_accepts_the_usual_forms_and_refuses_bad_ones():
    shape = (3, 8, 8, 3)
    one = np.zeros((8, 8), np.uint8)
    one[2:4, 2:4] = 255
    checked = masks.check_masks(one, shape)
    assert checked.shape == (3, 8, 8) and set(np.unique(checked)) == {0, 1}
    assert masks.check_masks(one[..., None] > 0, shape).shape == (3, 8, 8)  # bool, with a channel axis
    with pytest.raises(ValueError, match="8x8"):
        masks.check_masks(np.ones((4, 4), np.uint8), shape)
    with pytest.raises(ValueError, match="nothing to fill"):
        masks.check_masks(np.zeros((8, 8), np.uint8), shape)
    with pytest.raises(ValueError, match="every pixel"):
        masks.check_masks(np.ones((8, 8), np.uint8), shape)
    with pytest.raises(ValueError, match="uint8 or bool"):
        masks.check_masks(one.astype(np.float32), shape)


# -- the objective ------------------------------------------------------------------------------
def test_masked_l1_is_the_mean_over_the_hole_only():
    rng = np.random.default_rng(0)
    predicted, target = rng.normal(size=(2, 4, 4, 3)).astype("float32"), rng.normal(size=(2, 4, 4, 3)).astype("float32")
    hole = np.zeros((2, 4, 4, 1), np.float32)
    hole[0, :2, :2] = 1
    hole[1, 3, 3] = 1
    expected = np.abs(predicted - target)[np.broadcast_to(hole, predicted.shape) > 0].mean()
    np.testing.assert_allclose(float(masked_l1(predicted, target, hole)), expected, rtol=1e-6)
    assert float(masked_l1(predicted, target, np.zeros_like(hole))) == 0.0


# -- the smooth fill --------------------------------------------------------------------------
def test_the_smooth_fill_continues_a_ramp_and_keeps_known_pixels():
    """A linear ramp is harmonic (each pixel the mean of its neighbours): a hole in it is filled
    with the ramp itself; a constant image with the constant; known pixels are the input's."""
    y, x = np.mgrid[0:32, 0:32].astype(np.float32)
    ramp = np.stack([0.04 * x - 0.02 * y - 0.3, 0.5 - 0.03 * y], axis=-1)[None]
    hole = np.zeros((1, 32, 32, 1), np.float32)
    hole[0, 6:22, 9:27] = 1  # 16 x 18, inside the border
    filled = np.asarray(smooth_fill(ramp * (1 - hole), hole))
    assert np.abs(filled - ramp).max() < 0.01
    assert np.abs((ramp * (1 - hole) - ramp)[hole[..., 0] == 1]).max() > 0.3  # the hole was far from the ramp
    np.testing.assert_array_equal(filled[hole[..., 0] == 0], ramp[hole[..., 0] == 0])
    constant = np.full((2, 32, 32, 3), 0.25, np.float32)
    holes = masks.random_masks(2, 32, seed=1)[..., None].astype(np.float32)
    np.testing.assert_allclose(np.asarray(smooth_fill(constant * (1 - holes), holes)), constant, atol=1e-5)


def test_the_smooth_fill_beats_a_mid_grey_hole_on_faces_like_images():
    """On smooth random images (blurred noise), the fill is far closer to the truth in the hole
    than the mid-grey a hole starts as."""
    rng = np.random.default_rng(0)
    coarse = rng.uniform(-1, 1, (4, 4, 4, 3)).astype(np.float32)
    images = coarse.repeat(8, axis=1).repeat(8, axis=2)  # blocks of 8 px
    holes = masks.random_masks(4, 32, seed=2, kinds=("stroke",))[..., None].astype(np.float32)
    filled = np.asarray(smooth_fill(images * (1 - holes), holes))
    error = np.abs(filled - images)[np.broadcast_to(holes, images.shape) == 1].mean()
    grey_error = np.abs(images)[np.broadcast_to(holes, images.shape) == 1].mean()
    assert error < 0.5 * grey_error


# -- the family -------------------------------------------------------------------------------
@pytest.mark.parametrize("fill", ["zero", "smooth"])
def test_fit_trains_and_known_pixels_come_back_unchanged(faces, fill):
    model = tiny(fill=fill)
    model.compile()
    before = weights_of(model.generator)
    history = model.fit(faces, batch_size=8, epochs=1, verbose=0)
    assert moved(before, model.generator) and np.isfinite(history.history["hole_l1"][0])
    hole = masks.from_box("4,4,10,12", 32)
    out = model.inpaint(faces[:3], hole)
    assert out.shape == (3, 32, 32, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[:, hole == 0], faces[:3][:, hole == 0])
    assert (out[:, hole == 1] != faces[:3][:, hole == 1]).mean() > 0.5  # the hole was filled, not copied
    np.testing.assert_array_equal(model.inpaint(faces[0], hole), out[0])  # one image; deterministic


def test_training_masks_come_from_the_bank_flipped_and_transposed():
    model = tiny(mask_bank=4)
    drawn = np.asarray(model.draw_masks(64))[..., 0]
    assert drawn.shape == (64, 32, 32) and set(np.unique(drawn)) <= {0.0, 1.0}
    bank = masks.random_masks(4, 32, seed=0)
    forms = [g for b in bank for f in (b, b[:, ::-1]) for g in (f, f.T)]  # flipped, then transposed
    assert all(any(np.array_equal(d, f) for f in forms) for d in drawn)
    assert len({d.tobytes() for d in drawn}) > 4  # more forms than the bank holds


@pytest.mark.parametrize("fill", ["zero", "smooth"])
def test_the_weights_round_trip_and_the_bank_is_remade_from_the_seed(tmp_path, faces, fill):
    from ganzoo import export, zoo

    model = tiny(fill=fill)
    model.compile()
    model.fit(faces, batch_size=8, epochs=1, verbose=0)
    folder = export.save_weights_folder(model, tmp_path / "inpaint_tiny")
    again = zoo.load_folder(folder)
    hole = masks.centre(1, 32)[0]
    np.testing.assert_array_equal(again.inpaint(faces[:2], hole), model.inpaint(faces[:2], hole))
    np.testing.assert_array_equal(np.asarray(again._bank), np.asarray(model._bank))
    assert again.fill == fill


def test_a_config_saved_before_the_fill_option_loads_as_zero_fill():
    from ganzoo.families.inpaint import Inpainter

    config = tiny().get_config()
    assert config.pop("fill") == "smooth"  # the default for new models
    old = Inpainter.from_config(config)
    assert old.fill == "zero" and "smooth_fill" not in [layer.name for layer in old.generator.layers]


def test_the_smooth_fill_generator_corrects_the_fill():
    """fill="smooth": G's output is the smooth fill plus the U-Net's correction, clipped to [-1, 1]."""
    model = tiny(fill="smooth")
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    holes = masks.random_masks(2, 32, seed=0)[..., None].astype(np.float32)
    source = to_numpy(model.masked_source(images, holes))
    out = to_numpy(model.generator(source, training=False))
    prefilled = model.generator.get_layer("smooth_fill")(source)
    correction = to_numpy(model.generator.get_layer("unet")(prefilled, training=False))
    expected = np.clip(to_numpy(smooth_fill(source[..., :3], holes)) + correction, -1, 1)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    with pytest.raises(ValueError, match="fill must be one of zero, smooth"):
        tiny(fill="telea")


def test_inpaint_refuses_bad_input_and_sampling(faces):
    model = tiny()
    with pytest.raises(ValueError, match="32x32"):
        model.inpaint(faces, np.ones((16, 16), np.uint8))
    with pytest.raises(ValueError, match="every pixel"):
        model.inpaint(faces, np.ones((32, 32), np.uint8))
    with pytest.raises(ValueError, match="3-channel"):
        model.inpaint(faces[..., :1], masks.centre(1, 32)[0])
    with pytest.raises(ValueError, match="inpaint"):
        model.sample(4)
    with pytest.raises(ValueError, match="power of two"):
        tiny(resolution=48)


# -- the command line -------------------------------------------------------------------------------
@pytest.fixture
def published(tmp_path, monkeypatch, faces):
    """A tiny trained inpainting entry "inpaint_tiny" in tmp_path's weights and manifest."""
    from ganzoo import export, zoo

    model = tiny()
    model.compile()
    model.fit(faces, batch_size=8, epochs=1, verbose=0)
    folder = export.save_weights_folder(model, tmp_path / "weights" / "inpaint_tiny")
    entry = export.build_entry("inpaint_tiny", model, folder, description="tiny", dataset={"name": "celeba", "license": "x"},
                               recipe="recipes/inpaint_celeba.py", command="python recipes/inpaint_celeba.py",
                               training={"steps": 2})
    zoo.write_entry("inpaint_tiny", entry, tmp_path / "manifest.json")
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(tmp_path / "weights"))
    monkeypatch.setattr(zoo, "MANIFEST_PATH", tmp_path / "manifest.json")
    return model


def test_ganzoo_inpaint_fills_a_box_or_a_mask_file(tmp_path, published, faces, capsys):
    from PIL import Image

    from ganzoo import cli

    Image.fromarray(faces[0]).save(tmp_path / "face.png")
    code = cli.main(["inpaint", "inpaint_tiny", str(tmp_path / "face.png"), "--box", "8,8,10,10",
                     "-o", str(tmp_path / "out.png"), "--output-only"])
    assert code == 0, capsys.readouterr().err
    out = np.asarray(Image.open(tmp_path / "out.png"))
    np.testing.assert_array_equal(out, published.inpaint(faces[0], masks.from_box("8,8,10,10", 32)))

    big = np.asarray(Image.fromarray(faces[0]).resize((64, 64), Image.NEAREST))  # a face at twice the size
    Image.fromarray(big).save(tmp_path / "big.png")
    Image.fromarray((masks.from_box("16,16,20,20", 64) * 255).astype(np.uint8)).save(tmp_path / "mask.png")
    code = cli.main(["inpaint", "inpaint_tiny", str(tmp_path / "big.png"), "--mask", str(tmp_path / "mask.png"),
                     "--resize", "-o", str(tmp_path / "both.png")])
    assert code == 0, capsys.readouterr().err
    from ganzoo.images import grid

    height, width = grid(np.zeros((2, 32, 32, 3), np.uint8), cols=2).shape[:2]
    assert Image.open(tmp_path / "both.png").size == (4 * width, 4 * height)  # the pair, 4x enlarged


@pytest.mark.parametrize("extra, message", [
    ([], "--mask MASK.png"),
    (["--box", "1,1,4,4", "--mask", "m.png"], "one of them"),
    (["--box", "0,0,32,32"], "every pixel"),
    (["--box", "30,30,8,8"], "inside"),
    (["--mask", "small.png"], "add --resize"),
])
def test_ganzoo_inpaint_errors(tmp_path, published, faces, capsys, extra, message, monkeypatch):
    from PIL import Image

    from ganzoo import cli

    monkeypatch.chdir(tmp_path)
    Image.fromarray(faces[0]).save("face.png")
    Image.fromarray(np.full((8, 8), 255, np.uint8)).save("small.png")
    code = cli.main(["inpaint", "inpaint_tiny", "face.png", *extra, "-o", "out.png"])
    err = capsys.readouterr().err
    assert code == 2 and message in err, err


def test_ganzoo_inpaint_refuses_an_entry_of_another_family(capsys):
    from ganzoo import cli

    assert cli.main(["inpaint", "cgan_mnist", "x.png", "--box", "1,1,2,2"]) == 2
    assert "does not fill holes" in capsys.readouterr().err


def test_the_card_shows_the_model_beside_the_biharmonic_baseline(faces):
    from ganzoo.images import grid

    model = tiny()
    assert model.card_pictures() == {}  # no held-out faces to show
    model.preview_inputs = faces
    picture = model.card_pictures()["versus_biharmonic.png"]
    assert picture.shape == grid(np.zeros((48, 32, 32, 3), np.uint8), cols=8).shape  # 12 rows of 4


def test_a_mask_is_fitted_exactly_where_its_image_is(tmp_path):
    """--resize fits image and mask alike (short side, centre crop): the mask keeps 0/1 values and
    covers the same part of the picture."""
    from PIL import Image

    from ganzoo import cli, images

    picture = np.full((60, 100, 3), 255, np.uint8)
    picture[20:40, 50:70] = 0  # a dark box, off centre on a wide picture
    hole = np.zeros((60, 100), np.uint8)
    hole[20:40, 50:70] = 255
    Image.fromarray(hole).save(tmp_path / "mask.png")
    mask = cli._read_mask(tmp_path / "mask.png", 30, resize=True)
    assert set(np.unique(mask)) == {0, 1} and mask.sum() == 100  # a 10x10 box at half the size
    np.testing.assert_array_equal(np.argwhere(mask), np.argwhere(images.resize_square(picture, 30)[..., 0] < 128))
