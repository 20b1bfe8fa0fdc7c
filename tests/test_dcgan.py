"""DCGAN follows the paper's architecture guidelines at every resolution."""

import keras
import numpy as np
import pytest

from conftest import tiny_dcgan
from ganzoo.families.dcgan import DCGAN


def layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


@pytest.mark.parametrize("resolution,channels", [(28, 1), (32, 3), (64, 3)])
def test_shapes_at_each_resolution(resolution, channels):
    gan = DCGAN(resolution=resolution, channels=channels, width=8, latent_dim=16)
    assert gan.generator.output_shape == (None, resolution, resolution, channels)
    assert gan.discriminator.input_shape == (None, resolution, resolution, channels)
    assert gan.discriminator.output_shape == (None, 1)
    assert gan.sample(2, seed=0).shape == (2, resolution, resolution, channels)


@pytest.mark.parametrize("resolution", [28, 64])
def test_architecture_guidelines(resolution):
    gan = DCGAN(resolution=resolution, channels=3, width=8, latent_dim=16)
    g, d = layer_types(gan.generator), layer_types(gan.discriminator)
    for types in (g, d):
        assert not any("Pooling" in t for t in types), "strided convolutions, not pooling"
        assert "BatchNormalization" in types
    # only the projection of z and D's logit are dense; no hidden fully connected layers
    assert g.count("Dense") == 1 and d.count("Dense") == 1
    assert "ReLU" in g and "LeakyReLU" not in g
    assert gan.generator.layers[-1].get_config()["activation"] == "tanh"
    assert "LeakyReLU" in d and d.count("Conv2D") >= 2
    # no batch norm right after D's input layer
    first_conv = d.index("Conv2D")
    assert d[first_conv + 1] != "BatchNormalization"
    # feature maps double in D and halve in G
    convs = [layer for layer in gan.discriminator.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [8 * 2**i for i in range(len(convs))]


def test_initial_weights_follow_the_paper():
    gan = DCGAN(resolution=64, channels=3, width=16, latent_dim=100)
    kernel = np.array(gan.discriminator.get_layer("down1").kernel)
    assert kernel.std() == pytest.approx(0.02, rel=0.1)


def test_bad_resolution_is_explained():
    with pytest.raises(ValueError, match=r"28, 32, 64"):
        DCGAN(resolution=48)


def test_objective_is_a_config_choice(tiny_images):
    gan = tiny_dcgan(objective="least_squares")
    gan.compile()
    history = gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
    with pytest.raises(ValueError, match="objective"):
        tiny_dcgan(objective="nonsense")
