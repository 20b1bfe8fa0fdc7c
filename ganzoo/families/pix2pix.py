"""pix2pix (Isola et al. 2017): paired image-to-image translation with a conditional GAN.

G is a U-Net: an encoder of stride-2 convolutions C64-C128-C256-C512-C512... down to a 1x1
bottleneck, a mirrored decoder whose blocks each join the encoder's output of the same
size (skip connections), dropout 0.5 in the first three decoder blocks, tanh output. D is
a PatchGAN: a small convolutional net that scores overlapping patches of (input, image)
joined on channels, so it judges whether the output fits *this* input, texture by texture.
G minimises the adversarial loss plus lambda = 100 times the L1 distance to the target.
Adam(2e-4, beta_1=0.5), N(0, 0.02) initial weights, as in the paper.

Option generator_output="chroma" (colourisation: one grey channel in, RGB out): G draws only
the two chroma channels and the grey input is kept as the output's luma, as the authors' code
colours L by predicting ab (`--model colorization`); the family's default draws the whole image.

Inference runs the generator in inference mode (no dropout, batch norm's moving
statistics), so translate() is deterministic; the paper kept dropout on at test time.
"""

import keras
from keras import layers, ops

from ganzoo import images as image_utils
from ganzoo.core.gan import check_parameter_budget, check_positive_int
from ganzoo.core.layers import BatchNormalization
from ganzoo.core.translation import TranslationGAN, side_by_side
from ganzoo.families import register_family
from ganzoo.paired import LUMA


def _init():
    return keras.initializers.RandomNormal(stddev=0.02)


def _filters(width, level):
    """C64-C128-C256-C512-C512-...: doubling per level up to 8 times the width."""
    return width * min(2**level, 8)


def check_resolution(resolution):
    resolution = check_positive_int(resolution, "resolution")
    if resolution < 16 or resolution & (resolution - 1):
        raise ValueError(f"resolution must be a power of two, at least 16 (the U-Net halves it down to "
                         f"1x1), got {resolution}.")
    return resolution


GENERATOR_OUTPUTS = ("image", "chroma")


def rgb_from_luma_chroma(luma, chroma):
    """Luma (..., 1) and chroma (..., 2), the BT.601 Y and (Cb, Cr) of an RGB image in [-1, 1] -> that
    RGB (..., 3). The inverse of Y = LUMA . RGB, Cb = (B - Y) / (2 (1 - LUMA_B)), Cr = (R - Y) / (2 (1 -
    LUMA_R)), whose range is [-1, 1] too: the luma of the result is `luma` exactly (before any clip)."""
    red_weight, green_weight, blue_weight = LUMA
    blue_difference = 2.0 * (1.0 - blue_weight) * chroma[..., :1]   # B - Y
    red_difference = 2.0 * (1.0 - red_weight) * chroma[..., 1:]     # R - Y
    green_difference = -(blue_weight * blue_difference + red_weight * red_difference) / green_weight
    return ops.concatenate([luma + red_difference, luma + green_difference, luma + blue_difference], axis=-1)


@keras.saving.register_keras_serializable(package="ganzoo")
class LumaChromaToRGB(layers.Layer):
    """[grey input, chroma] -> RGB clipped to [-1, 1]; float32, as the tanh before it."""

    def __init__(self, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})

    def call(self, inputs):
        luma, chroma = (ops.cast(x, "float32") for x in inputs)
        return ops.clip(rgb_from_luma_chroma(luma, chroma), -1.0, 1.0)

    def compute_output_shape(self, input_shapes):
        return (*input_shapes[0][:-1], 3)


def build_unet(resolution, input_channels, output_channels, width, seed=None, output="image", name="generator"):
    """output="chroma": the last layer draws 2 chroma channels, joined to the grey input as luma."""
    source = keras.Input((resolution, resolution, input_channels), name="source")
    levels = resolution.bit_length() - 1  # halvings down to the 1x1 bottleneck: 6 at 64 px, 8 at 256
    skips, x = [], source
    for i in range(levels):
        # no batch norm on the first layer (paper) nor at the 1x1 bottleneck (authors' code)
        normalised = 0 < i < levels - 1
        if i > 0:
            x = layers.LeakyReLU(0.2)(x)
        x = layers.Conv2D(_filters(width, i), 4, strides=2, padding="same", use_bias=not normalised,
                          kernel_initializer=_init(), name=f"down{i}")(x)
        if normalised:
            x = BatchNormalization(name=f"down{i}_bn")(x)
        skips.append(x)
    for block, i in enumerate(reversed(range(levels - 1))):
        x = layers.ReLU()(x)
        x = layers.Conv2DTranspose(_filters(width, i), 4, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=_init(), name=f"up{i}")(x)
        x = BatchNormalization(name=f"up{i}_bn")(x)
        if block < 3:  # the paper's CD blocks: dropout is G's only source of noise
            x = layers.Dropout(0.5, seed=None if seed is None else seed + block, name=f"up{i}_dropout")(x)
        x = layers.Concatenate(name=f"skip{i}")([x, skips[i]])
    x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(2 if output == "chroma" else output_channels, 4, strides=2, padding="same",
                               kernel_initializer=_init(), name="to_image")(x)
    x = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    if output == "chroma":
        x = LumaChromaToRGB(name="luma_and_chroma")([source, x])
    return keras.Model(source, x, name=name)


def patch_parameter_estimate(resolution, channels, width):
    """About how many weights patch_logits has on `channels`-channel images (nothing built)."""
    filters = [channels] + [_filters(width, i) for i in range(patch_strides(resolution) + 1)] + [1]
    return sum(16 * a * b for a, b in zip(filters, filters[1:]))


def parameter_estimate(resolution, input_channels, output_channels, width):
    """About how many weights the U-Net and the PatchGAN have together (nothing built)."""
    down = [input_channels] + [_filters(width, i) for i in range(resolution.bit_length() - 1)]
    encoder = sum(16 * a * b for a, b in zip(down, down[1:]))
    # each decoder level reads its input and the skip: about twice the encoder's weights
    decoder = 2 * (encoder - 16 * input_channels * width) + 16 * 2 * width * output_channels
    return encoder + decoder + patch_parameter_estimate(resolution, input_channels + output_channels, width)


def patch_strides(resolution):
    """The PatchGAN's stride-2 layers: 3 at 256 px (the papers' 70x70 patches), one fewer per
    halving of the image, so that a logit sees about the same fraction (~27%) of it: its
    receptive field is 9 * 2**strides - 2 pixels (7, 16, 34, 70 at 32, 64, 128, 256 px)."""
    return max(0, resolution.bit_length() - 6)


def patch_logits(x, width, strides, norm):
    """PatchGAN body: `strides` stride-2 4x4 convolutions, one stride-1, then a 1-channel map of
    logits; LeakyReLU(0.2); `norm(name)` after every convolution but the first (norm=None: none,
    and every convolution has a bias)."""
    for i in range(strides + 1):
        if i == strides:  # stride 1 with one pixel of zero padding, as the authors' code
            x = layers.ZeroPadding2D(1)(x)
        normalised = i > 0 and norm is not None
        x = layers.Conv2D(_filters(width, i), 4, strides=1 if i == strides else 2,
                          padding="valid" if i == strides else "same", use_bias=not normalised,
                          kernel_initializer=_init(), name=f"conv{i}")(x)
        if normalised:
            x = norm(f"conv{i}_norm")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.ZeroPadding2D(1)(x)
    return layers.Conv2D(1, 4, kernel_initializer=_init(), dtype="float32", name="logits")(x)


def build_discriminator(resolution, input_channels, output_channels, width):
    source = keras.Input((resolution, resolution, input_channels), name="source")
    image = keras.Input((resolution, resolution, output_channels), name="image")
    x = layers.Concatenate(name="source_and_image")([source, image])
    logits = patch_logits(x, width, patch_strides(resolution), lambda name: BatchNormalization(name=name))
    return keras.Model([source, image], logits, name="discriminator")


@register_family("pix2pix")
class Pix2Pix(TranslationGAN):
    """Paired translation of input_channels images to output_channels images at one resolution.

    fit((inputs, targets)) on uint8 NHWC pairs; translate(images) -> uint8 images.
    """

    pair_names = ("inputs", "targets")

    def __init__(self, resolution=256, input_channels=3, output_channels=3, width=64, l1_weight=100.0,
                 objective="non_saturating", seed=None, generator_output="image", **kwargs):
        super().__init__(objective=objective, seed=seed, **kwargs)
        self.resolution = check_resolution(resolution)
        self.input_channels = check_positive_int(input_channels, "input_channels")
        self.output_channels = check_positive_int(output_channels, "output_channels")
        self.width = check_positive_int(width, "width")
        if not float(l1_weight) >= 0.0:
            raise ValueError(f"l1_weight must be >= 0, got {l1_weight!r}.")
        self.l1_weight = float(l1_weight)
        if generator_output not in GENERATOR_OUTPUTS:
            raise ValueError(f"generator_output must be one of {GENERATOR_OUTPUTS}, got {generator_output!r}.")
        if generator_output == "chroma" and (self.input_channels, self.output_channels) != (1, 3):
            raise ValueError("generator_output='chroma' keeps a grey input as the luma of a colour output, so it "
                             "needs input_channels=1 and output_channels=3, got "
                             f"{self.input_channels} and {self.output_channels}; use 'image' for other tasks.")
        self.generator_output = generator_output
        sizes = dict(resolution=self.resolution, input_channels=self.input_channels,
                     output_channels=self.output_channels, width=self.width)
        check_parameter_budget(self.family, sizes, parameter_estimate(**sizes))
        self.source_shape = (self.resolution, self.resolution, self.input_channels)
        self.image_shape = (self.resolution, self.resolution, self.output_channels)
        self.pair_shapes = (self.source_shape, self.image_shape)
        self.generator = build_unet(self.resolution, self.input_channels, self.output_channels, self.width,
                                    self.seed, output=generator_output)
        self.discriminator = build_discriminator(self.resolution, self.input_channels, self.output_channels,
                                                 self.width)
        self.l1_tracker = keras.metrics.Mean(name="l1")
        self.build()

    @property
    def metrics(self):
        return [*super().metrics, self.l1_tracker]

    def get_config(self):
        return {"resolution": self.resolution, "input_channels": self.input_channels,
                "output_channels": self.output_channels, "width": self.width, "l1_weight": self.l1_weight,
                "objective": self.objective, "seed": self.seed, "generator_output": self.generator_output}

    # -- training -------------------------------------------------------------------------
    def discriminator_loss(self, batch):
        # The paper halves D's loss to slow it down; Adam's steps barely depend on the scale.
        source, target = batch["inputs"], batch["targets"]
        fake = ops.stop_gradient(self.generator(source, training=True))
        real_logits = self.discriminator([source, target], training=True)
        fake_logits = self.discriminator([source, fake], training=True)
        return self.d_objective(real_logits, fake_logits)

    def generator_loss(self, batch):
        source, target = batch["inputs"], batch["targets"]
        fake = self.generator(source, training=True)
        adversarial = self.g_objective(self.discriminator([source, fake], training=True))
        l1 = ops.mean(ops.abs(target - fake))
        self.l1_tracker.update_state(ops.stop_gradient(l1))
        return adversarial + self.l1_weight * l1

    # -- inference ------------------------------------------------------------------------
    def translate(self, images, batch_size=32, resize=False):
        """uint8 (N, r, r, input_channels) or one (r, r, input_channels) image -> uint8 outputs of the
        same leading shape. Other sizes raise a ValueError unless resize=True (short side, centre crop)."""
        return self._translate(self.generator, images, batch_size, resize)

    def sampling_inputs(self, n, seed=None, images=None):
        """(generator inputs in [-1, 1], {"inputs": the uint8 images}) for n translations of `images`,
        else of `preview_inputs`, else of seeded noise."""
        images = self.preview_inputs if images is None else images
        sources = self._sources(n, seed, images, self.source_shape)
        return image_utils.from_uint8(sources), {"inputs": sources}

    def preview_grid(self, n=64, seed=0, inputs=None):
        """n // 2 pairs input | output, four pairs to a row."""
        generator_inputs, conditions = self.sampling_inputs(max(1, n // 2), seed, inputs)
        tiles = side_by_side(conditions["inputs"], self.generate(generator_inputs, network=self.generator))
        return image_utils.grid(tiles.reshape(-1, *tiles.shape[2:]), cols=8)
