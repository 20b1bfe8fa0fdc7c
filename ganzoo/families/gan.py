"""The original GAN (Goodfellow et al. 2014): fully connected generator and discriminator.

The paper's generator is an MLP with ReLU hidden layers; its discriminator used maxout
units with dropout. Here D uses LeakyReLU(0.2) with dropout (maxout's modern stand-in),
and G batch-normalises its hidden layers, which the paper predates but which keeps
an MLP generator from collapsing. The objective defaults to the non-saturating loss
that the paper recommends in practice; objective="minimax" gives the saturating game.
"""

import keras
from keras import layers

from ganzoo.core.gan import GAN, check_parameter_budget, check_positive_int
from ganzoo.core.layers import BatchNormalization
from ganzoo.families import register_family


def build_generator(image_shape, hidden, latent_dim):
    z = keras.Input((latent_dim,), name="z")
    x = z
    for i, units in enumerate(hidden):
        x = layers.Dense(units, name=f"hidden{i}")(x)
        x = BatchNormalization(name=f"hidden{i}_bn")(x)
        x = layers.ReLU()(x)
    size = image_shape[0] * image_shape[1] * image_shape[2]
    x = layers.Dense(size, name="to_pixels")(x)
    x = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(z, layers.Reshape(image_shape, dtype="float32")(x), name="generator")


def build_discriminator(image_shape, hidden, dropout):
    image = keras.Input(image_shape, name="image")
    x = layers.Flatten()(image)
    for i, units in enumerate(hidden):
        x = layers.Dense(units, name=f"hidden{i}")(x)
        x = layers.LeakyReLU(0.2)(x)
        x = layers.Dropout(dropout)(x)
    logit = layers.Dense(1, dtype="float32", name="logit")(x)
    return keras.Model(image, logit, name="discriminator")


@register_family("gan")
class FullyConnectedGAN(GAN):
    """MLP GAN: G has `hidden` units per layer (widening), D the same in reverse."""

    def __init__(self, resolution=28, channels=1, hidden=(256, 512, 1024), latent_dim=100,
                 dropout=0.3, objective="non_saturating", seed=None, ema_decay=None, **kwargs):
        super().__init__(latent_dim=latent_dim, objective=objective, seed=seed, ema_decay=ema_decay, **kwargs)
        self.resolution = check_positive_int(resolution, "resolution")
        self.channels = check_positive_int(channels, "channels")
        self.hidden = tuple(check_positive_int(units, "hidden units") for units in hidden)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
        self.dropout = float(dropout)
        self.image_shape = (self.resolution, self.resolution, self.channels)
        units = [self.latent_dim, *self.hidden, self.resolution**2 * self.channels]  # G's; D's reversed, to 1
        check_parameter_budget(self.family, dict(resolution=self.resolution, channels=self.channels,
                                                 hidden=list(self.hidden), latent_dim=self.latent_dim),
                               2 * sum(a * b for a, b in zip(units, units[1:])))
        self.generator = build_generator(self.image_shape, self.hidden, self.latent_dim)
        self.discriminator = build_discriminator(self.image_shape, self.hidden[::-1], self.dropout)
        self.build()

    def get_config(self):
        return {**super().get_config(), "resolution": self.resolution, "channels": self.channels,
                "hidden": list(self.hidden), "dropout": self.dropout}
