"""DiscoGAN (ganzoo/families/discogan.py): its generator loss against the paper's sum computed by
hand, training, translation both ways, configs, and bad options. Tiny: 16 px, width 4."""

import numpy as np
import pytest

from conftest import moved, numpy, weights_of
from ganzoo.core.gan import no_grad
from ganzoo.families import get_family


def tiny(**overrides):
    return get_family("discogan")(**{"resolution": 16, "channels": 3, "width": 4, "seed": 0, **overrides})


def domains(n=16):
    rng = np.random.default_rng(0)
    a = np.full((n, 16, 16, 3), 40, np.uint8)
    b = np.full((n, 16, 16, 3), 200, np.uint8)
    return a + rng.integers(0, 20, a.shape, dtype=np.uint8), b + rng.integers(0, 20, b.shape, dtype=np.uint8)


@pytest.mark.parametrize("distance", ["mse", "l1"])
def test_the_generator_loss_is_the_papers_sum(distance):
    model = tiny(distance=distance, reconstruction_weight=0.5)
    a, b = (x.astype("float32") / 127.5 - 1 for x in domains(4))
    g_ab, g_ba = model.generator_ab, model.generator_ba
    d_a, d_b = (model.discriminator.get_layer(name) for name in ("discriminator_a", "discriminator_b"))
    fake_b, fake_a = numpy(g_ab(a, training=True)), numpy(g_ba(b, training=True))
    back_a, back_b = numpy(g_ba(fake_b, training=True)), numpy(g_ab(fake_a, training=True))

    def softplus(x):
        return np.log1p(np.exp(x))

    def d(x, y):
        return np.mean((x - y) ** 2) if distance == "mse" else np.mean(np.abs(x - y))

    expected = (np.mean(softplus(-numpy(d_b(fake_b, training=True)))) + np.mean(softplus(-numpy(d_a(fake_a, training=True))))
                + 0.5 * (d(back_a, a) + d(back_b, b)))
    with no_grad():  # torch: a loss that requires grad has no numpy view
        got = float(numpy(model.generator_loss({"a": a, "b": b})))
    np.testing.assert_allclose(got, expected, rtol=1e-4)


def test_fit_trains_all_four_networks_and_translates_both_ways(tmp_path):
    from ganzoo import export, zoo

    model = tiny()
    model.compile()
    before_g, before_d = weights_of(model.generator), weights_of(model.discriminator)
    history = model.fit(domains(), batch_size=4, epochs=1, verbose=0)
    assert moved(before_g, model.generator) and moved(before_d, model.discriminator)
    assert np.isfinite(history.history["reconstruction_loss"][0])
    a, b = domains(2)
    assert model.translate(a).shape == (2, 16, 16, 3) and model.translate(b[0], direction="b2a").shape == (16, 16, 3)
    assert model.preview_grid(8).ndim == 3
    again = zoo.load_folder(export.save_weights_folder(model, tmp_path / "disco"))
    np.testing.assert_array_equal(again.translate(a), model.translate(a))
    assert again.get_config() == model.get_config()


def test_with_ema_decay_the_averaged_pair_translates_and_is_what_an_export_keeps(tmp_path):
    from ganzoo import export, images, zoo

    model = tiny(ema_decay=0.5)
    model.compile()
    model.fit(domains(), batch_size=4, epochs=1, verbose=0)
    a, b = domains(2)
    averaged = model.generator_ema.get_layer("generator_ba")
    expected = images.to_uint8(numpy(averaged(images.from_uint8(b), training=False)))
    np.testing.assert_array_equal(model.translate(b, direction="b2a"), expected)
    x = images.from_uint8(b)  # floats: a fresh tiny G's outputs all round to grey
    assert not np.allclose(numpy(averaged(x, training=False)), numpy(model.generator_ba(x, training=False)))
    again = zoo.load_folder(export.save_weights_folder(model, tmp_path / "disco", generator_only=True))
    assert again.get_config()["ema_decay"] == 0.5
    np.testing.assert_array_equal(again.translate(b, direction="b2a"), expected)
    assert "ema_decay" not in tiny().get_config()  # configs without it read as they always did


def test_a_residual_generator_starts_near_its_input():
    a, _ = domains(2)
    change = np.abs(tiny(generator_output="residual").translate(a).astype(int) - a).mean()
    assert change < np.abs(tiny().translate(a).astype(int) - a).mean() and change < 10


@pytest.mark.parametrize("overrides, message", [
    ({"distance": "cosine"}, "distance must be"), ({"reconstruction_weight": -1}, ">= 0"),
    ({"generator_output": "mask"}, "generator_output"), ({"resolution": 24}, "power of two"),
    ({"upsampling": "bilinear"}, "upsampling must be"),
])
def test_bad_options_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        tiny(**overrides)


def test_resize_upsampling_builds_no_transposed_convolution_and_trains():
    model = tiny(upsampling="resize")
    kinds = {type(layer).__name__ for g in ("generator_ab", "generator_ba")
             for layer in model.generator.get_layer(g).layers}
    assert "Conv2DTranspose" not in kinds and "UpSampling2D" in kinds
    assert "Conv2DTranspose" in {type(layer).__name__ for layer in tiny().generator.get_layer("generator_ab").layers}
    assert type(model).from_config(model.get_config()).get_config()["upsampling"] == "resize"
    before = weights_of(model.generator)
    model.compile()
    model.fit(domains(8), batch_size=4, epochs=1, verbose=0)
    assert moved(before, model.generator) and model.translate(domains(2)[0]).shape == (2, 16, 16, 3)
