"""StyleGAN-lite (issue 7): modulation/demodulation, equalised learning rate, mixing, truncation,
the moving averages, lazy R1, minibatch stddev; tiny configs (16 px, width 8), a few steps.

Runs on both backends (CI runs this file under KERAS_BACKEND=torch too)."""

import numpy as np
import pytest

from conftest import numpy
from ganzoo.families.stylegan import (EqualizedDense, MinibatchStddev, ModulatedConv2D, StyleGANLite,
                                      TrackedAverage, mix_styles)


def tiny(**overrides):
    return StyleGANLite(**{"resolution": 16, "width": 8, "latent_dim": 16, "w_dim": 16, "mapping_layers": 2,
                           "seed": 0, **overrides})


@pytest.fixture(scope="module")
def faces():
    """16 uint8 16x16 RGB images: a bright disc of random colour at a random place."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:16, :16]
    out = np.full((16, 16, 16, 3), 40, np.uint8)
    for image in out:
        cy, cx = rng.integers(5, 11, size=2)
        image[(yy - cy) ** 2 + (xx - cx) ** 2 < 16] = rng.integers(100, 256, 3)
    return out


def test_demodulation_gives_unit_variance_whatever_the_style():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 16, 16, 32)).astype(np.float32)
    for style_scale in (0.1, 1.0, 10.0):
        w = (style_scale * rng.standard_normal((8, 16))).astype(np.float32)
        layer = ModulatedConv2D(32, 3)
        layer.build((x.shape, w.shape))
        layer.affine.bias.assign(np.full(32, style_scale, np.float32))  # large or small styles
        y = numpy(layer([x, w]))[:, 2:-2, 2:-2]  # away from the zero padding
        assert np.std(y) == pytest.approx(1.0, abs=0.1)
        # per example and output channel too, not only on average
        assert np.abs(np.std(y, axis=(1, 2)) - 1.0).max() < 0.35


def test_modulation_without_demodulation_scales_with_the_style():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 8, 8, 4)).astype(np.float32)
    w = np.zeros((2, 16), np.float32)  # affine(0) = its bias: the style
    layer = ModulatedConv2D(3, 1, demodulate=False)
    layer.build((x.shape, w.shape))
    once = numpy(layer([x, w]))
    layer.affine.bias.assign(np.full(4, 2.0, np.float32))
    np.testing.assert_allclose(numpy(layer([x, w])), 2.0 * once, rtol=1e-5)
    # and it is the 1x1 convolution with weights kernel / sqrt(fan_in), times the style
    kernel = numpy(layer.kernel)[0, 0] / np.sqrt(4)
    np.testing.assert_allclose(once, x @ kernel, rtol=1e-4, atol=1e-5)


def test_equalised_dense_stores_unit_weights_and_scales_them_at_run_time():
    layer = EqualizedDense(512, lr_multiplier=0.01, bias_init=1.0)
    x = np.random.default_rng(2).standard_normal((256, 64)).astype(np.float32)
    y = numpy(layer(x))
    stored = numpy(layer.kernel)
    assert np.std(stored) == pytest.approx(100.0, rel=0.05)  # N(0, 1 / lr_multiplier)
    np.testing.assert_allclose(numpy(layer.bias), 100.0)  # bias_init / lr_multiplier
    np.testing.assert_allclose(y, x @ (stored * 0.01 / np.sqrt(64)) + 1.0, rtol=1e-4, atol=1e-4)
    assert np.std(y) == pytest.approx(1.0, rel=0.1)  # the run-time weights are He-scaled


def test_mix_styles_switches_to_the_second_w_at_each_crossover():
    w1, w2 = np.zeros((3, 2), np.float32), np.ones((3, 2), np.float32)
    ws = numpy(mix_styles(w1, w2, np.array([[1], [3], [4]]), 4))
    assert ws.shape == (3, 4, 2)
    np.testing.assert_array_equal(ws[:, :, 0], [[0, 1, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]])


def test_minibatch_stddev_appends_the_group_standard_deviation():
    x = np.random.default_rng(3).standard_normal((8, 4, 4, 3)).astype(np.float32)
    y = numpy(MinibatchStddev(4)(x))
    assert y.shape == (8, 4, 4, 4)
    np.testing.assert_array_equal(y[..., :3], x)
    groups = x.reshape(4, 2, 4, 4, 3)  # example n = g * 2 + m is in group member position m
    expected = np.sqrt(groups.var(axis=0) + 1e-8).mean(axis=(1, 2, 3))
    for n in range(8):
        np.testing.assert_allclose(y[n, ..., 3], expected[n % 2], rtol=1e-5)


def test_tracked_average_moves_in_training_only():
    layer = TrackedAverage(decay=0.5)
    w = np.full((4, 3), 2.0, np.float32)
    layer(w, training=False)
    np.testing.assert_array_equal(numpy(layer.average), 0.0)
    layer(w, training=True)
    np.testing.assert_allclose(numpy(layer.average), 1.0)


def test_generator_is_mapping_then_synthesis_from_a_constant():
    gan = tiny()
    mapping, synthesis = gan.parts(gan.generator)
    assert gan.num_ws == 6  # 4x4: conv; 8, 16: two convs each; and the last RGB layer
    assert [layer.name for layer in mapping.layers if isinstance(layer, EqualizedDense)] == ["dense0", "dense1"]
    assert all(layer.lr_multiplier == 0.01 for layer in mapping.layers if isinstance(layer, EqualizedDense))
    assert tuple(synthesis.get_layer("constant").constant.shape) == (1, 4, 4, 32)  # width x 4 at a quarter of 16 px
    assert tuple(gan.generator(np.zeros((2, 16), np.float32)).shape) == (2, 16, 16, 3)


def test_training_moves_both_players_the_ema_and_the_w_average(faces):
    gan = tiny(r1_interval=2, ema_decay=0.9)
    gan.compile()
    ema_before = [np.array(w) for w in gan.generator_ema.weights]
    history = gan.fit(faces, batch_size=8, epochs=2, verbose=0)  # 4 steps
    assert set(history.history) == {"d_loss", "g_loss", "r1"}
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    # lazy R1: one extra D step every r1_interval steps (steps 1 and 3)
    assert int(numpy(gan.d_optimizer.iterations)) == 4 + 2
    average = numpy(gan.parts(gan.generator)[0].get_layer("track_w_average").average)
    assert np.abs(average).max() > 0
    # the EMA moved towards G but is not G
    g = [np.array(w) for w in gan.generator.weights]
    ema = [np.array(w) for w in gan.generator_ema.weights]
    trainable = [i for i, w in enumerate(gan.generator.weights) if w.trainable]
    assert any(not np.allclose(ema[i], ema_before[i]) for i in trainable)
    assert any(not np.allclose(ema[i], g[i]) for i in trainable)
    np.testing.assert_array_equal(  # non-trainable state (the w average) is copied
        numpy(gan.parts(gan.generator_ema)[0].get_layer("track_w_average").average), average)


def test_ema_update_is_the_exponential_moving_average():
    gan = tiny(ema_decay=0.75)
    gan.compile()
    for w in gan.generator.trainable_weights:
        w.assign(w + 1.0)
    before = [np.array(w) for w in gan.generator_ema.trainable_weights]
    gan.update_ema()
    for old, new, current in zip(before, gan.generator_ema.trainable_weights, gan.generator.trainable_weights):
        np.testing.assert_allclose(numpy(new), 0.75 * old + 0.25 * numpy(current), rtol=1e-5, atol=1e-6)


def test_truncation_pulls_samples_to_the_average_w(faces):
    gan = tiny(ema_decay=0.5)
    gan.compile()
    gan.fit(faces, batch_size=8, epochs=1, verbose=0)
    average_images = gan.sample(4, seed=1, truncation=0.0)
    assert all(np.array_equal(average_images[0], image) for image in average_images)
    plain = gan.sample(4, seed=1)
    np.testing.assert_array_equal(plain, gan.sample(4, seed=1, truncation=1.0))
    assert not np.array_equal(plain[0], plain[1])
    # psi = 1 is the EMA generator itself, run on the same z
    from ganzoo import images

    direct = images.to_uint8(numpy(gan.generator_ema(gan.latent_numpy(4, 1), training=False)))
    assert np.abs(direct.astype(int) - plain).max() <= 1
    with pytest.raises(ValueError, match="truncation"):
        gan.sample(2, truncation=3.0)


def test_style_mix_grid_takes_the_given_layers_from_the_columns():
    gan = tiny()
    size = 16 + 2  # tile plus the grid's padding
    every = gan.style_mix([1, 2], [3, 4, 5], layers=range(gan.num_ws))
    assert every.shape == (3 * size + 2, 4 * size + 2, 3)

    def tile(grid, row, col):
        return grid[2 + row * size : row * size + size, 2 + col * size : col * size + size]

    for col in range(1, 4):  # all layers from the column: every row is the top row
        for row in range(1, 3):
            np.testing.assert_array_equal(tile(every, row, col), tile(every, 0, col))
    coarse = gan.style_mix([1, 2], [3, 4, 5])
    assert not np.array_equal(tile(coarse, 1, 1), tile(coarse, 0, 1))
    assert not np.array_equal(tile(coarse, 1, 1), tile(coarse, 1, 0))
    with pytest.raises(ValueError, match="layers"):
        gan.style_mix([1], [2], layers=[gan.num_ws])


def test_interpolate_walks_from_one_seed_to_the_other():
    gan = tiny()
    walk = gan.interpolate(1, 2, steps=5)
    assert walk.shape == (5, 16, 16, 3)
    # a batch of 5 against a batch of 1: the same arithmetic up to float rounding, so to 1 grey level
    np.testing.assert_allclose(walk[0].astype(int), gan.sample(1, seed=1)[0].astype(int), atol=1)
    np.testing.assert_allclose(walk[-1].astype(int), gan.sample(1, seed=2)[0].astype(int), atol=1)


def test_weights_round_trip_and_the_generator_alone_samples_the_same(tmp_path, faces):
    from ganzoo import export, zoo

    gan = tiny()
    gan.compile()
    gan.fit(faces, batch_size=8, epochs=1, verbose=0)
    folder = export.save_weights_folder(gan, tmp_path / "sg", generator_only=True)
    from ganzoo import images

    assert images.load_image(folder / "style_mix.png").shape == (2 * (5 * 18 + 2), 2 * (6 * 18 + 2), 3)
    assert images.load_image(folder / "truncation.png").shape == (2 * (4 * 18 + 2), 2 * (6 * 18 + 2), 3)
    export.build_entry("sg", gan, folder, description="d", dataset={"name": "x", "license": "y"},
                       recipe="recipes/x.py", command="c", training={"steps": 1})
    card = (folder / "README.md").read_text()
    assert "![style_mix.png](style_mix.png)" in card and "![truncation.png](truncation.png)" in card
    loaded = StyleGANLite.from_config(gan.get_config())
    zoo.load_weights_folder(loaded, folder)
    np.testing.assert_array_equal(loaded.sample(4, seed=3, truncation=0.7), gan.sample(4, seed=3, truncation=0.7))
