"""DCGAN (Radford et al. 2016) at 28, 32 or 64 pixels.

The paper's guidelines: strided (transposed) convolutions instead of pooling, batch
norm in both networks (not on G's output nor D's input layer), no fully connected
hidden layers (only the projection of z and D's single logit), ReLU with a tanh
output in G, LeakyReLU(0.2) in D, N(0, 0.02) initial weights, Adam(2e-4, beta_1=0.5).
`hidden_units` adds what the authors' own MNIST model has (Newmu/dcgan_code,
mnist/train_cond_dcgan.py: 1024): one batch-normalised fully connected layer between z and the
projection in G, and between D's convolutions and its logit.
"""

import keras
from keras import layers

from ganzoo.core.gan import GAN, check_parameter_budget, check_positive_int
from ganzoo.core.layers import BatchNormalization
from ganzoo.families import register_family

# resolution -> side of the first feature map; each stride-2 layer doubles it
_START_SIZE = {28: 7, 32: 4, 64: 4}


def _init():
    return keras.initializers.RandomNormal(stddev=0.02)


def _upsamplings(resolution):
    if resolution not in _START_SIZE:
        raise ValueError(f"DCGAN resolution must be one of {sorted(_START_SIZE)}, got {resolution!r}.")
    n, size = 0, _START_SIZE[resolution]
    while size < resolution:
        size, n = size * 2, n + 1
    return n


def feature_count(resolution, width):
    """The length of D's flattened features: width * 2**(n-1) maps of the first feature map's size."""
    return _START_SIZE[resolution] ** 2 * width * 2 ** (_upsamplings(resolution) - 1)


def parameter_estimate(resolution, channels, width, latent_dim, extra_layers=0, hidden_units=0):
    """How many weights G and D have together, computed from the sizes (nothing is built); biases
    and batch-norm parameters left out."""
    filters = [width * 2**i for i in range(_upsamplings(resolution))]
    convs = sum(16 * a * b for a, b in zip(filters, filters[1:]))  # the same in G (reversed) and D
    convs += extra_layers * 9 * filters[-1] ** 2
    features = feature_count(resolution, width)
    if hidden_units:  # z -> hidden -> projection in G; features -> hidden -> logit in D
        generator = latent_dim * hidden_units + hidden_units * features + convs + 16 * width * channels
        discriminator = 16 * channels * width + convs + features * hidden_units + hidden_units
    else:
        generator = latent_dim * features + convs + 16 * width * channels
        discriminator = 16 * channels * width + convs + features
    return generator + discriminator


def _extra_layers(x, count, activation, name):
    """`count` 3x3 stride-1 convolutions at the smallest feature map, each batch-normalised: in a
    28-px DCGAN every output pixel of G and D's last features see only ~10 px of the digit, so
    its overall shape is left to one linear layer; each of these widens that view by 8 px."""
    filters = x.shape[-1]
    for i in range(count):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer=_init(),
                          name=f"{name}{i}")(x)
        x = activation()(BatchNormalization(name=f"{name}{i}_bn")(x))
    return x


def _hidden_layer(x, units, activation, name):
    """A batch-normalised fully connected layer (none when units is 0)."""
    if not units:
        return x
    x = layers.Dense(units, use_bias=False, kernel_initializer=_init(), name=name)(x)
    return activation()(BatchNormalization(name=f"{name}_bn")(x))


def generator_body(x, resolution, channels, width, extra_layers=0, hidden_units=0):
    """DCGAN's generator from a latent tensor x (z, or z joined with a condition) to tanh pixels."""
    n_up = _upsamplings(resolution)
    start = _START_SIZE[resolution]
    filters = width * 2 ** (n_up - 1)
    x = _hidden_layer(x, hidden_units, layers.ReLU, "hidden")
    x = layers.Dense(start * start * filters, use_bias=False, kernel_initializer=_init(), name="project")(x)
    x = layers.Reshape((start, start, filters))(x)
    x = BatchNormalization(name="project_bn")(x)
    x = layers.ReLU()(x)
    x = _extra_layers(x, extra_layers, layers.ReLU, "refine")
    for i in range(n_up - 1):
        filters //= 2
        x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=_init(), name=f"up{i}")(x)
        x = BatchNormalization(name=f"up{i}_bn")(x)
        x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", kernel_initializer=_init(),
                               name="to_image")(x)
    return layers.Activation("tanh", dtype="float32", name="tanh")(x)


def build_generator(resolution, channels, width, latent_dim, extra_layers=0, hidden_units=0):
    z = keras.Input((latent_dim,), name="z")
    return keras.Model(z, generator_body(z, resolution, channels, width, extra_layers, hidden_units),
                       name="generator")


def discriminator_features(image, resolution, width, batch_norm=True, extra_layers=0):
    """DCGAN's discriminator body: strided convolutions, flattened (no logit).

    batch_norm=False leaves the body unnormalised, as WGAN-GP's critic must be: the
    gradient penalty is per example, and batch norm mixes the examples of a batch.
    """
    x, filters = image, width
    for i in range(_upsamplings(resolution)):
        x = layers.Conv2D(filters, 4, strides=2, padding="same", use_bias=i == 0 or not batch_norm,
                          kernel_initializer=_init(), name=f"down{i}")(x)
        if i > 0 and batch_norm:  # no batch norm on D's input layer (paper)
            x = BatchNormalization(name=f"down{i}_bn")(x)
        x = layers.LeakyReLU(0.2)(x)
        filters *= 2
    if extra_layers and not batch_norm:
        raise ValueError("extra_layers are batch-normalised: they need d_batch_norm=True.")
    x = _extra_layers(x, extra_layers, lambda: layers.LeakyReLU(0.2), "refine")
    return layers.Flatten()(x)


def build_discriminator(resolution, channels, width, batch_norm=True, name="discriminator", extra_layers=0,
                        hidden_units=0):
    image = keras.Input((resolution, resolution, channels), name="image")
    x = discriminator_features(image, resolution, width, batch_norm, extra_layers)
    if hidden_units and not batch_norm:
        raise ValueError("hidden_units are batch-normalised: they need d_batch_norm=True.")
    x = _hidden_layer(x, hidden_units, lambda: layers.LeakyReLU(0.2), "hidden")
    logit = layers.Dense(1, kernel_initializer=_init(), dtype="float32", name="logit")(x)
    return keras.Model(image, logit, name=name)


@register_family("dcgan")
class DCGAN(GAN):
    """DCGAN; `width` is the filter count of D's first and G's last hidden layer; `extra_layers`
    3x3 convolutions at the smallest feature map in both, `hidden_units` a fully connected hidden
    layer in both (0, the paper's networks, by default)."""

    def __init__(self, resolution=64, channels=3, width=64, latent_dim=100,
                 objective="non_saturating", seed=None, ema_decay=None, d_batch_norm=True, extra_layers=0,
                 hidden_units=0, **kwargs):
        super().__init__(latent_dim=latent_dim, objective=objective, seed=seed, ema_decay=ema_decay, **kwargs)
        self.d_batch_norm = bool(d_batch_norm)
        if isinstance(extra_layers, bool) or not isinstance(extra_layers, int) or extra_layers < 0:
            raise ValueError(f"extra_layers must be a whole number >= 0, got {extra_layers!r}.")
        self.extra_layers = extra_layers
        if isinstance(hidden_units, bool) or not isinstance(hidden_units, int) or hidden_units < 0:
            raise ValueError(f"hidden_units must be a whole number >= 0 (0: none), got {hidden_units!r}.")
        self.hidden_units = hidden_units
        self.resolution = check_positive_int(resolution, "resolution")
        self.channels = check_positive_int(channels, "channels")
        self.width = check_positive_int(width, "width")
        sizes = dict(resolution=self.resolution, channels=self.channels, width=self.width, latent_dim=self.latent_dim)
        check_parameter_budget(self.family, sizes, parameter_estimate(**sizes, extra_layers=extra_layers,
                                                                     hidden_units=hidden_units))
        self.image_shape = (self.resolution, self.resolution, self.channels)
        self.generator = build_generator(self.resolution, self.channels, self.width, self.latent_dim,
                                         extra_layers, hidden_units)
        self.discriminator = build_discriminator(self.resolution, self.channels, self.width,
                                                 batch_norm=self.d_batch_norm, extra_layers=extra_layers,
                                                 hidden_units=hidden_units)
        self.build()

    def get_config(self):
        config = {**super().get_config(), "resolution": self.resolution,
                  "channels": self.channels, "width": self.width}
        if not self.d_batch_norm:  # the default is left out, so published configs stay as they were
            config["d_batch_norm"] = False
        if self.extra_layers:
            config["extra_layers"] = self.extra_layers
        if self.hidden_units:
            config["hidden_units"] = self.hidden_units
        return config
