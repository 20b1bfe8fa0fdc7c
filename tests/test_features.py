"""Content-loss networks: the Keras Inception stem against the TorchScript file it is read
from, shapes, the loss against numpy, and VGG19 without its (unreachable) ImageNet weights."""

import keras
import numpy as np
import pytest

from conftest import numpy
from ganzoo.core import features


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """One thread: the 2 cores are shared with a training job (see test_fid)."""
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def random_pixels(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape).astype(np.uint8)


def to_unit_range(pixels):
    """uint8 -> [-1, 1] as ganzoo.images does: the generators' range."""
    return pixels.astype(np.float32) / 127.5 - 1.0


def torchscript_stem(pixels):
    """The file's own modules conv .. conv_4 (with pool0) on NCHW (p - 128) / 128, as FID feeds it."""
    import torch

    from ganzoo.metrics.fid import inception_path

    net = torch.jit.load(str(inception_path()), map_location="cpu").net.layers
    x = torch.from_numpy((pixels.astype(np.float32) - 128.0) / 128.0).permute(0, 3, 1, 2)
    with torch.no_grad():
        for name in ("conv", "conv_1", "conv_2", "pool0", "conv_3", "conv_4"):
            x = getattr(net, name)(x)
    return x.permute(0, 2, 3, 1).numpy()


def test_stem_reproduces_the_torchscript_stem():
    pixels = random_pixels((2, 80, 80, 3))
    expected = torchscript_stem(pixels)
    assert expected.shape == (2, 16, 16, 192)
    assert (expected > 0).mean() > 0.2  # not a vacuous all-zero ReLU output
    stem = features.inception_stem()
    got = numpy(stem(to_unit_range(pixels)))
    scale = np.abs(expected).max()
    assert np.abs(got - expected).max() < 1e-4 * scale
    # The network is not symmetric under transposing H and W, so a port with kernels'
    # H and W swapped (the same as transposing the image) would fail the check above.
    transposed = numpy(stem(to_unit_range(pixels.transpose(0, 2, 1, 3)))).transpose(0, 2, 1, 3)
    assert np.abs(transposed - expected).max() > 0.1 * scale


def test_stem_shape_channels_and_frozen():
    stem = features.inception_stem()
    assert stem.name == "inception_stem"
    assert stem.trainable_weights == [] and len(stem.non_trainable_weights) == 10  # 5 kernels + 5 biases
    assert numpy(stem(np.zeros((1, 96, 96, 3), np.float32))).shape == (1, 20, 20, 192)
    assert features.inception_stem([None, None, 3]) is stem  # cached per input_shape
    with pytest.raises(ValueError, match="RGB"):
        features.inception_stem((96, 96, 1))


def test_content_loss_is_the_mean_squared_difference_of_scaled_features():
    network, scale = features.content_network("inception_stem")
    assert scale == features.CONTENT_NETWORKS["inception_stem"].scale
    hr = to_unit_range(random_pixels((2, 48, 48, 3), seed=1))
    sr = np.clip(hr + np.random.default_rng(2).normal(0, 0.1, hr.shape), -1, 1).astype(np.float32)
    assert float(features.content_loss(network, scale, hr, hr)) == 0.0
    loss = float(features.content_loss(network, scale, sr, hr))
    diff = numpy(network(sr)).astype(np.float64) - numpy(network(hr))
    assert loss > 0
    assert loss == pytest.approx(scale**2 * np.mean(diff**2), rel=1e-5)


def test_unknown_content_network_names_the_known_ones():
    with pytest.raises(ValueError, match="vgg19_54") as error:
        features.content_network("vgg16")
    assert "inception_stem" in str(error.value)


def test_vgg19_54_without_weights_is_block5_conv4_with_caffe_preprocessing():
    vgg = features.vgg19_54(weights=None)
    assert vgg.name == "vgg19_54" and vgg.trainable_weights == []
    images = np.random.default_rng(3).uniform(-1, 1, (1, 96, 96, 3)).astype(np.float32)
    out = numpy(vgg(images))
    assert out.shape == (1, 6, 6, 512) and out.min() >= 0  # 1/16 resolution, after the ReLU
    # The preprocessing inside equals Keras' own caffe-mode preprocess_input on [0, 255].
    trunk = vgg.get_layer("vgg19_to_block5_conv4")
    assert trunk.layers[-1].name == "block5_conv4"
    reference = numpy(trunk(keras.applications.vgg19.preprocess_input((images + 1.0) * 127.5)))
    assert np.abs(out - reference).max() < 1e-4 * np.abs(reference).max()


def test_vgg19_54_without_the_internet_says_to_use_the_stem(monkeypatch):
    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: Name or service not known")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(RuntimeError, match="could not be fetched.*inception_stem"):
        features.content_network("vgg19_54")
