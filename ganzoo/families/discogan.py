"""DiscoGAN (Kim et al. 2017): unpaired translation between two domains, learnt through two
reconstruction losses.

Where CycleGAN weighs one cycle-consistency term against the adversarial ones (and adds an
image pool, least squares and a learning-rate schedule), DiscoGAN pairs two plain GANs: G_ab
maps A to B and is judged by D_b, G_ba maps B to A and is judged by D_a, and each round trip
must come back: L_const_a = d(G_ba(G_ab(a)), a), L_const_b = d(G_ab(G_ba(b)), b). G minimises
L_gan_b + L_const_a + L_gan_a + L_const_b (`reconstruction_weight` scales the two L_const
terms; 1 in the paper), with the non-saturating loss and the squared distance d (the paper allows
MSE, cosine or hinge; its code uses MSE).

The paper's networks, at any power-of-two resolution: G is an encoder-decoder with no residual
blocks and no skips, stride-2 4x4 convolutions (LeakyReLU 0.2, batch norm but on the first)
from `width` filters doubling down to a 4x4 map, then stride-2 4x4 transposed convolutions
(batch norm, ReLU) back up to tanh; D is the same encoder ending in one logit from the 4x4 map.
Adam(2e-4, beta_1=0.5, beta_2=0.999), as in the authors' code.

generator_output="residual" has G add a change to its input (clipped), as the CycleGAN option
of that name does (Shen & Liu 2017); the default is the paper's whole image.
upsampling="resize" doubles G's maps by nearest neighbours and a 3x3 convolution instead of the
paper's transposed convolutions (the CycleGAN entry needed it against checkerboard artefacts).
"""

import keras
from keras import layers, ops

from ganzoo.core.gan import check_parameter_budget, check_positive_int
from ganzoo.core.layers import BatchNormalization
from ganzoo.core.translation import TwoDomainGAN, pair_model
from ganzoo.families import register_family
from ganzoo.families.cyclegan import OUTPUTS, UPSAMPLINGS, AddResidual
from ganzoo.families.pix2pix import check_resolution

DISTANCES = ("mse", "l1")


def _init():
    return keras.initializers.RandomNormal(stddev=0.02)


def _levels(resolution):
    """Stride-2 layers from the image down to a 4x4 map: 4 at 64 px."""
    return resolution.bit_length() - 3


def _encoder(x, width, levels, name):
    for i in range(levels):
        x = layers.Conv2D(width * 2**i, 4, strides=2, padding="same", use_bias=i == 0, kernel_initializer=_init(),
                          name=f"{name}down{i}")(x)
        if i > 0:
            x = BatchNormalization(name=f"{name}down{i}_bn")(x)
        x = layers.LeakyReLU(0.2)(x)
    return x


def _up(x, filters, upsampling, name, use_bias=False):
    """x at twice the size: the paper's stride-2 4x4 transposed convolution, or (upsampling="resize")
    nearest-neighbour doubling then a 3x3 convolution, which cannot draw the checkerboard that uneven
    kernel overlap leaves (Odena et al. 2016)."""
    if upsampling == "transpose":
        return layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=use_bias,
                                      kernel_initializer=_init(), name=name)(x)
    x = layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_resize")(x)
    return layers.Conv2D(filters, 3, padding="same", use_bias=use_bias, kernel_initializer=_init(), name=name)(x)


def build_generator(resolution, channels, width, name, output="image", upsampling="transpose"):
    image = keras.Input((resolution, resolution, channels), name="image")
    levels = _levels(resolution)
    x = _encoder(image, width, levels, "")
    for i in reversed(range(levels - 1)):
        x = _up(x, width * 2**i, upsampling, f"up{i}")
        x = layers.ReLU()(BatchNormalization(name=f"up{i}_bn")(x))
    x = _up(x, channels, upsampling, "to_image", use_bias=True)
    if output == "residual":
        return keras.Model(image, AddResidual(name="add_residual")([image, x]), name=name)
    return keras.Model(image, layers.Activation("tanh", dtype="float32", name="tanh")(x), name=name)


def build_discriminator(resolution, channels, width, name):
    image = keras.Input((resolution, resolution, channels), name="image")
    x = layers.Flatten()(_encoder(image, width, _levels(resolution), ""))
    logit = layers.Dense(1, kernel_initializer=_init(), dtype="float32", name="logit")(x)  # the paper's 4x4 conv
    return keras.Model(image, logit, name=name)


def parameter_estimate(resolution, channels, width):
    """About how many weights the two generators and two discriminators have (nothing built)."""
    filters = [channels] + [width * 2**i for i in range(_levels(resolution))]
    encoder = sum(16 * a * b for a, b in zip(filters, filters[1:]))
    return 2 * (2 * encoder + encoder + 16 * filters[-1])  # G: encoder + mirrored decoder; D: encoder + logit


@register_family("discogan")
class DiscoGAN(TwoDomainGAN):
    """Unpaired translation between domains A and B (fit, translate: TwoDomainGAN)."""

    def __init__(self, resolution=64, channels=3, width=64, reconstruction_weight=1.0, distance="mse",
                 generator_output="image", upsampling="transpose", objective="non_saturating", seed=None, **kwargs):
        super().__init__(objective=objective, seed=seed, **kwargs)
        self.resolution = check_resolution(resolution)
        self.channels = check_positive_int(channels, "channels")
        self.width = check_positive_int(width, "width")
        if not float(reconstruction_weight) >= 0.0:
            raise ValueError(f"reconstruction_weight must be >= 0, got {reconstruction_weight!r}.")
        self.reconstruction_weight = float(reconstruction_weight)
        if distance not in DISTANCES:
            raise ValueError(f"distance must be 'mse' (the paper's code) or 'l1', got {distance!r}.")
        self.distance = distance
        if generator_output not in OUTPUTS:
            raise ValueError(f"generator_output must be 'image' (G draws the whole image, as in the paper) or "
                             f"'residual' (G adds a change to its input), got {generator_output!r}.")
        self.generator_output = generator_output
        if upsampling not in UPSAMPLINGS:
            raise ValueError(f"upsampling must be 'transpose' (the paper's stride-2 transposed convolutions) or "
                             f"'resize' (nearest-neighbour doubling, then a convolution), got {upsampling!r}.")
        self.upsampling = upsampling
        sizes = dict(resolution=self.resolution, channels=self.channels, width=self.width)
        check_parameter_budget(self.family, sizes, parameter_estimate(**sizes))
        self.image_shape = self.source_shape = (self.resolution, self.resolution, self.channels)
        self.pair_shapes = (self.image_shape, self.image_shape)
        self.generator = pair_model(*(build_generator(self.resolution, self.channels, self.width, name,
                                                      self.generator_output, self.upsampling)
                                      for name in ("generator_ab", "generator_ba")), self.image_shape, "generator")
        self.discriminator = pair_model(*(build_discriminator(self.resolution, self.channels, self.width, name)
                                          for name in ("discriminator_a", "discriminator_b")),
                                        self.image_shape, "discriminator")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.build()

    @property
    def metrics(self):
        return [*super().metrics, self.reconstruction_tracker]

    def get_config(self):
        return {"resolution": self.resolution, "channels": self.channels, "width": self.width,
                "reconstruction_weight": self.reconstruction_weight, "distance": self.distance,
                "generator_output": self.generator_output, "upsampling": self.upsampling, "objective": self.objective,
                "seed": self.seed, **self.ema_config()}

    def reconstruction(self, reconstructed, original):
        difference = reconstructed - original
        return ops.mean(ops.square(difference) if self.distance == "mse" else ops.abs(difference))

    def discriminator_loss(self, batch):
        a, b = batch["a"], batch["b"]
        fake_b, fake_a = (ops.stop_gradient(x) for x in self.generator([a, b], training=True))
        real_logits_a, real_logits_b = self.discriminator([a, b], training=True)
        fake_logits_a, fake_logits_b = self.discriminator([fake_a, fake_b], training=True)
        return self.d_objective(real_logits_a, fake_logits_a) + self.d_objective(real_logits_b, fake_logits_b)

    def generator_loss(self, batch):
        a, b = batch["a"], batch["b"]
        fake_b, fake_a = self.generator([a, b], training=True)
        logits_a, logits_b = self.discriminator([fake_a, fake_b], training=True)
        back_b, back_a = self.generator([fake_a, fake_b], training=True)  # G_ab(G_ba(b)), G_ba(G_ab(a))
        reconstruction = self.reconstruction(back_a, a) + self.reconstruction(back_b, b)
        self.reconstruction_tracker.update_state(ops.stop_gradient(reconstruction))
        return self.g_objective(logits_a) + self.g_objective(logits_b) + self.reconstruction_weight * reconstruction
