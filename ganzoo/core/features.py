"""Frozen feature networks for SRGAN's content loss (Ledig et al. 2017).

The paper compares VGG19 features (phi_5,4: block5_conv4 after its ReLU, divided by 12.75)
of the super-resolved and the real image. Keras downloads VGG19's ImageNet weights on first
use, which fails offline, so there is a second network that is always here: the stem of the
FID Inception-v3 (TF graph of 2015-12-05), read from the TorchScript file that FID already
uses (`ganzoo.metrics.fid.inception_path`). The stem is its first five convolutions and one
max-pool, up to conv_4's ReLU: 192 channels at about 1/4 resolution (receptive field 23 px).
It differs from the paper's: another architecture (Inception, though trained on the same
ImageNet), a much shallower layer (lower-level, more local features than block5's 1/16
resolution), and its own rescale factor.

Both are plain Keras models taking [-1, 1] NHWC RGB (the generators' output range), with the
network's own input scaling inside, so they run on every Keras backend; torch only reads
the Inception weights.

    network, scale = content_network("inception_stem")
    loss = content_loss(network, scale, sr, hr)
"""

import contextlib
import functools
from typing import Callable, NamedTuple

import keras
import numpy as np
from keras import layers, ops

# The stem's convolutions in the TorchScript file: name, stride, padding (each is followed by
# batch norm without a scale, eps 1e-3, and a ReLU; the max-pool after conv_2).
_STEM_CONVS = (("conv", 2, "valid"), ("conv_1", 1, "valid"), ("conv_2", 1, "same"),
               ("conv_3", 1, "valid"), ("conv_4", 1, "valid"))
_STEM_BN_EPSILON = 1e-3
_STEM_POOL_AFTER = "conv_2"

# What keras.applications.VGG19(include_top=False, weights="imagenet") fetches, under the same
# name and folder (~/.keras/models), so a copy already there (or put there by hand) is used.
_VGG19_NOTOP_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
_VGG19_NOTOP_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
                    + _VGG19_NOTOP_FILE)
_VGG19_NOTOP_MD5 = "253f8cb515780f3b799900260a226db6"
_VGG_MEAN_BGR = (103.939, 116.779, 123.68)  # caffe-mode ImageNet means on [0, 255]


@contextlib.contextmanager
def _float32_policy():
    """Build in float32 whatever the global policy: under mixed_float16 the squared feature
    differences (VGG's block5 reaches hundreds) would overflow float16's 65504."""
    saved = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(saved)


def _check_rgb(input_shape, name):
    input_shape = tuple(input_shape)
    if len(input_shape) != 3 or input_shape[-1] != 3:
        raise ValueError(f"{name}: expected input_shape (H, W, 3) of RGB images, got {input_shape}.")
    return input_shape


# -- Inception stem ----------------------------------------------------------------------
def _stem_weights():
    """{conv name: (Keras kernel HWIO, bias)} with each batch norm folded into its conv."""
    import torch

    from ganzoo.metrics.fid import inception_path

    state = torch.jit.load(str(inception_path()), map_location="cpu").state_dict()
    folded = {}
    for name, _, _ in _STEM_CONVS:
        w, beta, mean, var = (state[f"net.layers.{name}.{key}"].double().numpy()
                              for key in ("weight", "beta", "mean", "var"))
        # BN(conv(x)) = (conv(x) - mean) / sqrt(var + eps) + beta, with no gamma in this graph.
        inv_std = 1.0 / np.sqrt(var + _STEM_BN_EPSILON)
        kernel = w * inv_std[:, None, None, None]  # torch OIHW
        bias = beta - mean * inv_std
        # Both frameworks correlate (no kernel flip); only the axis order differs.
        folded[name] = kernel.transpose(2, 3, 1, 0).astype(np.float32), bias.astype(np.float32)
    return folded


@functools.lru_cache(maxsize=None)
def _inception_stem(input_shape):
    weights = _stem_weights()
    with _float32_policy():
        images = keras.Input(input_shape, name="images")
        # [-1, 1] -> pixels p = 127.5 (x + 1) in [0, 255] -> (p - 128) / 128, the network's input.
        x = layers.Rescaling(127.5 / 128.0, offset=-0.5 / 128.0, name="to_inception_range")(images)
        convs = []
        for name, stride, padding in _STEM_CONVS:
            kernel = weights[name][0]
            conv = layers.Conv2D(kernel.shape[-1], kernel.shape[:2], strides=stride, padding=padding,
                                 activation="relu", name=name)
            x = conv(x)
            convs.append(conv)
            if name == _STEM_POOL_AFTER:
                # TorchScript pool0: 3x3, stride 2, no padding, floor: Keras' "valid".
                x = layers.MaxPooling2D(3, strides=2, padding="valid", name="pool0")(x)
        model = keras.Model(images, x, name="inception_stem")
    for conv in convs:
        conv.set_weights(list(weights[conv.name]))
    model.trainable = False
    return model


def inception_stem(input_shape=(None, None, 3)):
    """The FID Inception-v3 stem up to conv_4's ReLU: [-1, 1] NHWC RGB -> (N, h, w, 192).

    Non-trainable, float32, built once per input_shape (later calls return the same model).
    A side of s pixels gives floor((floor((s - 3) / 2) - 4) / 2) - 1 (96 -> 20, 299 -> 71).
    """
    return _inception_stem(_check_rgb(input_shape, "inception_stem"))


# -- VGG19 phi_5,4 -----------------------------------------------------------------------
def _vgg19_imagenet_weights():
    try:
        return keras.utils.get_file(_VGG19_NOTOP_FILE, _VGG19_NOTOP_URL, cache_subdir="models",
                                    file_hash=_VGG19_NOTOP_MD5)
    except Exception as error:  # get_file raises a bare Exception on URL errors
        raise RuntimeError(
            f"vgg19_54: the VGG19 ImageNet weights could not be fetched from {_VGG19_NOTOP_URL} "
            f"(offline?). Put {_VGG19_NOTOP_FILE} in ~/.keras/models/ ($KERAS_HOME/models), or use "
            f'content="inception_stem", which needs no download.') from error


@functools.lru_cache(maxsize=None)
def _vgg19_54(input_shape, weights):
    # Download first: a missing file then fails before anything is built.
    weights_file = _vgg19_imagenet_weights() if weights == "imagenet" else weights
    with _float32_policy():
        vgg = keras.applications.VGG19(include_top=False, weights=None, input_shape=input_shape)
        if weights_file is not None:
            vgg.load_weights(weights_file)
        # block5_conv4 has its ReLU as activation: phi_5,4 of the paper.
        trunk = keras.Model(vgg.input, vgg.get_layer("block5_conv4").output, name="vgg19_to_block5_conv4")
        images = keras.Input(input_shape, name="images")
        # keras' caffe-mode preprocess_input on pixels 127.5 (x + 1): RGB -> BGR, minus the means.
        bgr = ops.flip(ops.cast(images, "float32"), axis=-1)
        x = bgr * 127.5 + ops.convert_to_tensor(127.5 - np.array(_VGG_MEAN_BGR, np.float32))
        model = keras.Model(images, trunk(x), name="vgg19_54")
    model.trainable = False
    return model


def vgg19_54(input_shape=(None, None, 3), weights="imagenet"):
    """VGG19 up to block5_conv4 after its ReLU (SRGAN's phi_5,4): [-1, 1] NHWC RGB -> (N, H/16, W/16, 512).

    weights: "imagenet" (downloaded once by Keras; RuntimeError when that fails), None (random,
    for tests), or the path of a weights file for keras.applications.VGG19(include_top=False).
    Non-trainable, float32, built once per (input_shape, weights).
    """
    return _vgg19_54(_check_rgb(input_shape, "vgg19_54"), weights)


# -- the content loss ----------------------------------------------------------------------
class ContentNetwork(NamedTuple):
    build: Callable  # input_shape -> frozen Keras model
    scale: float  # features are multiplied by this before the squared difference


CONTENT_NETWORKS = {
    # The paper's: features / 12.75, "to obtain VGG losses of a scale comparable to the MSE loss".
    "vgg19_54": ContentNetwork(vgg19_54, 1 / 12.75),
    # The same rule for the stem: on 32 CelebA 88x88 faces, bicubic x4 / x2 blur and Gaussian
    # noise (sigma 0.05) gave feature MSEs 39-45x their pixel MSE on [-1, 1] (the paper's MSE);
    # 1/6.5 (squared 1/42) brings the content loss to that pixel MSE's order.
    "inception_stem": ContentNetwork(inception_stem, 1 / 6.5),
}


def content_network(name, input_shape=(None, None, 3)):
    """(frozen model, feature scale) of a network in CONTENT_NETWORKS; ValueError for others."""
    if name not in CONTENT_NETWORKS:
        raise ValueError(f"Unknown content network {name!r}; known: {', '.join(sorted(CONTENT_NETWORKS))}.")
    network = CONTENT_NETWORKS[name]
    return network.build(input_shape), network.scale


def content_loss(network, scale, sr, hr):
    """mean((scale * phi(sr) - scale * phi(hr))^2), images in [-1, 1]: SRGAN's content loss."""
    sr_features = network(ops.cast(sr, "float32"), training=False)
    hr_features = network(ops.cast(hr, "float32"), training=False)
    return ops.mean(ops.square(scale * (sr_features - hr_features)))
