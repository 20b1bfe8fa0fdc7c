"""SRResNet and SRGAN (Ledig et al. 2017): x4 single-image super-resolution.

G (SRResNet): a 9x9 convolution and PReLU, 16 residual blocks (conv-BN-PReLU-conv-BN plus the
block's input), a conv-BN joined to the first features by a global skip, two sub-pixel x2
upsamplers (conv to 4x the channels, pixel shuffle, PReLU), and a 9x9 convolution to RGB. It is
fully convolutional, so one network upscales images of any size.

`srresnet` trains G alone on the pixel MSE. `srgan` starts from it and adds D (eight 3x3
convolutions, stride 2 every other one, BN and LeakyReLU, then Dense 1024 and one logit)
with the loss content + 1e-3 * adversarial, where content is the MSE of a pretrained
network's features (VGG19's phi_5,4 in the paper; ganzoo.core.features). Adam with
beta_1 = 0.9 and lr 1e-4, batches of 16 crops of 96x96 (24x24 LR).

Pixels are in [-1, 1] on both sides (the paper scaled LR to [0, 1]); G's output is linear,
clipped when made uint8.
"""

import keras
import numpy as np
from keras import layers, ops

from ganzoo import images as image_utils
from ganzoo import superres
from ganzoo.core.gan import check_parameter_budget, check_positive_int, no_grad
from ganzoo.core.layers import BatchNormalization
from ganzoo.core.translation import TranslationGAN
from ganzoo.families import register_family


@keras.saving.register_keras_serializable(package="ganzoo")
class PixelShuffle(layers.Layer):
    """(N, H, W, C * r * r) -> (N, H * r, W * r, C): the sub-pixel convolution's rearrangement."""

    def __init__(self, factor=2, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        r = self.factor
        n, h, w, c = (ops.shape(x)[i] for i in range(4))
        x = ops.reshape(x, (n, h, w, r, r, c // (r * r)))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
        return ops.reshape(x, (n, h * r, w * r, c // (r * r)))

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        r = self.factor
        return (n, None if h is None else h * r, None if w is None else w * r, c // (r * r))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _prelu(name):
    return layers.PReLU(shared_axes=[1, 2], name=name)  # one slope per channel, any image size


def build_srresnet(blocks=16, width=64, scale=4):
    """The generator: uint8-scaled [-1, 1] LR images of any size -> [-1, 1] images scale x larger."""
    low_res = keras.Input((None, None, 3), name="low_res")
    x = features = _prelu("head_prelu")(layers.Conv2D(width, 9, padding="same", name="head")(low_res))
    for i in range(blocks):
        y = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"block{i}_conv0")(x)
        y = _prelu(f"block{i}_prelu")(BatchNormalization(name=f"block{i}_bn0")(y))
        y = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"block{i}_conv1")(y)
        x = layers.Add(name=f"block{i}_sum")([x, BatchNormalization(name=f"block{i}_bn1")(y)])
    x = layers.Conv2D(width, 3, padding="same", use_bias=False, name="body_conv")(x)
    x = layers.Add(name="global_skip")([features, BatchNormalization(name="body_bn")(x)])
    for i in range(int(np.log2(scale))):
        x = layers.Conv2D(width * 4, 3, padding="same", name=f"upsample{i}_conv")(x)
        x = _prelu(f"upsample{i}_prelu")(PixelShuffle(2, name=f"upsample{i}_shuffle")(x))
    out = layers.Conv2D(3, 9, padding="same", dtype="float32", name="to_image")(x)
    return keras.Model(low_res, out, name="generator")


def build_discriminator(size=96, width=64):
    """The SRGAN discriminator on size x size images: one logit per image."""
    image = keras.Input((size, size, 3), name="image")
    x = layers.LeakyReLU(0.2)(layers.Conv2D(width, 3, padding="same", name="conv0")(image))
    for i in range(1, 8):  # k3 n64 s2, n128 s1, n128 s2, ... n512 s2
        filters = width * 2 ** (i // 2)
        x = layers.Conv2D(filters, 3, strides=1 + i % 2, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.LeakyReLU(0.2)(BatchNormalization(name=f"conv{i}_bn")(x))
    x = layers.LeakyReLU(0.2)(layers.Dense(width * 16, name="dense")(layers.Flatten()(x)))
    return keras.Model(image, layers.Dense(1, dtype="float32", name="logit")(x), name="discriminator")


def receptive_radius(blocks, scale=4):
    """How many LR pixels each side of an output pixel the generator sees (rounded up)."""
    # head 9x9: 4; two 3x3 per block and the body conv: 1 each; upsamplers' 3x3 at 1, 2 (x LR
    # px 1/1, 1/2); the last 9x9 at the full scale: 4 / scale LR px
    return 4 + 2 * blocks + 1 + 1 + 1 + int(np.ceil(4 / scale))


@register_family("srresnet")
class SRResNet(TranslationGAN):
    """G alone, trained on the pixel MSE. fit((low_res, high_res)) on aligned uint8 crops;
    upscale(images) -> uint8 images `scale` times larger."""

    pair_names = ("low_res", "high_res")
    default_optimizer_settings = {"learning_rate": 1e-4, "beta_1": 0.9, "beta_2": 0.999}

    def __init__(self, scale=4, blocks=16, width=64, crop=96, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.scale = check_positive_int(scale, "scale")
        if self.scale & (self.scale - 1) or self.scale == 1:
            raise ValueError(f"scale must be a power of two >= 2 (x2 sub-pixel upsamplers), got {scale}.")
        self.blocks = check_positive_int(blocks, "blocks")
        self.width = check_positive_int(width, "width")
        self.crop = check_positive_int(crop, "crop")
        if self.crop % self.scale:
            raise ValueError(f"crop ({crop}) must be a multiple of scale ({scale}).")
        check_parameter_budget(self.family, dict(scale=self.scale, blocks=self.blocks, width=self.width,
                                                 crop=self.crop), self.parameter_estimate())
        self.source_shape = (self.crop // self.scale, self.crop // self.scale, 3)
        self.image_shape = (self.crop, self.crop, 3)
        self.pair_shapes = (self.source_shape, self.image_shape)
        self.generator = build_srresnet(self.blocks, self.width, self.scale)
        self.discriminator = self.build_discriminator()
        self.content_tracker = keras.metrics.Mean(name="content")  # SRGAN reports it
        self.build()

    def build_discriminator(self):
        return None

    def parameter_estimate(self):
        """About how many weights G (and D, in SRGAN) have, from the sizes (nothing built)."""
        w = self.width
        return 2 * 81 * 3 * w + (2 * self.blocks + 1) * 9 * w * w + int(np.log2(self.scale)) * 9 * w * 4 * w

    @property
    def metrics(self):
        return [self.g_loss_tracker]

    def get_config(self):
        return {"scale": self.scale, "blocks": self.blocks, "width": self.width, "crop": self.crop,
                "seed": self.seed}

    def generator_loss(self, batch):
        return ops.mean(ops.square(self.generator(batch["low_res"], training=True) - batch["high_res"]))

    # -- inference ------------------------------------------------------------------------
    def upscale(self, images, tile=192, context=None, batch_size=1):
        """uint8 (H, W, 3) or (N, H, W, 3) images of any size -> uint8 images `scale` x larger.

        The image is cut into tile x tile LR regions, each run with `context` extra LR pixels
        around it (default: the generator's receptive radius, so tiles match one whole-image
        pass to float rounding), and the cores are stitched: memory is bounded by the tile.
        """
        images = np.asarray(images)
        single = images.ndim == 3
        batch = images[None] if single else images
        if batch.dtype != np.uint8:
            raise ValueError(f"upscale(images): expected uint8 RGB images in [0, 255], got dtype {batch.dtype}"
                             + (" (scale [0, 1] floats with (x * 255).round().astype('uint8'))"
                                if batch.dtype.kind == "f" else "") + ".")
        if batch.ndim != 4 or batch.shape[-1] != 3 or 0 in batch.shape:
            grey = images.ndim == 2 or images.shape[-1] == 1
            hint = " (make grey images RGB: np.repeat(..., 3, axis=-1), after image[..., None] for (H, W))" if grey else ""
            raise ValueError(f"upscale(images): expected uint8 (H, W, 3) or (N, H, W, 3), got shape "
                             f"{images.shape}{hint}.")
        tile = check_positive_int(tile, "tile")
        context = receptive_radius(self.blocks, self.scale) if context is None else int(context)
        if context < 0:
            raise ValueError(f"context must be >= 0, got {context}.")
        n, h, w, _ = batch.shape
        s = self.scale
        out = np.empty((n, h * s, w * s, 3), np.uint8)
        for core, box in superres.tiles(h, w, tile, context):
            region = image_utils.from_uint8(batch[:, box[0] : box[2], box[1] : box[3]])
            result = self.generate(region, batch_size=check_positive_int(batch_size, "batch_size"))
            top, left = (core[0] - box[0]) * s, (core[1] - box[1]) * s
            out[:, core[0] * s : core[2] * s, core[1] * s : core[3] * s] = result[
                :, top : top + (core[2] - core[0]) * s, left : left + (core[3] - core[1]) * s]
        return out[0] if single else out

    def sample(self, *args, **kwargs):
        raise ValueError(f"A {self.family} model upscales images rather than sampling them: use "
                         "upscale(images) (command line: ganzoo upscale NAME in.png -o out.png).")

    def sampling_inputs(self, n, seed=None, images=None):
        images = self.preview_inputs if images is None else images
        sources = self._sources(n, seed, images, self.source_shape)
        return image_utils.from_uint8(sources), {"inputs": sources}

    def preview_grid(self, n=64, seed=0, inputs=None):
        """Rows of bicubic | this model for n // 2 LR crops (the preview inputs, else noise)."""
        generator_inputs, conditions = self.sampling_inputs(max(1, n // 2), seed, inputs)
        with no_grad():
            upscaled = self.generate(generator_inputs)
        bicubic = np.stack([superres.upscale_bicubic(x, self.scale) for x in conditions["inputs"]])
        tiles = np.stack([bicubic, upscaled], axis=1)
        return image_utils.grid(tiles.reshape(-1, *tiles.shape[2:]), cols=8)


@register_family("srgan")
class SRGAN(SRResNet):
    """SRResNet's generator trained against a discriminator: content + 1e-3 * adversarial loss.

    content: "vgg19_54" (the paper; ImageNet weights download), "inception_stem" (offline:
    the FID Inception's first layers), or "mse" (pixels)."""

    def __init__(self, scale=4, blocks=16, width=64, crop=96, content="vgg19_54", adversarial_weight=1e-3,
                 pixel_weight=0.0, objective="non_saturating", seed=None, **kwargs):
        self.content = content
        self.adversarial_weight = float(adversarial_weight)
        self.pixel_weight = float(pixel_weight)
        for name, value in (("adversarial_weight", adversarial_weight), ("pixel_weight", pixel_weight)):
            if not float(value) >= 0:
                raise ValueError(f"{name} must be >= 0, got {value!r}.")
        super().__init__(scale=scale, blocks=blocks, width=width, crop=crop, seed=seed, objective=objective,
                         **kwargs)
        if content != "mse":
            from ganzoo.core.features import CONTENT_NETWORKS

            if content not in CONTENT_NETWORKS:
                raise ValueError(f"Unknown content {content!r}; known: mse, {', '.join(sorted(CONTENT_NETWORKS))}.")

    def compile(self, *args, **kwargs):
        # The feature network is needed to train only (upscale() works without its weights);
        # built here, outside any traced step, and kept out of this model's own weights.
        self._content_network()
        super().compile(*args, **kwargs)

    def _content_network(self):
        """(frozen feature model, scale), or (None, 1) for the pixel MSE; cached per process."""
        if self.content == "mse":
            return None, 1.0
        from ganzoo.core.features import content_network

        return content_network(self.content)

    def build_discriminator(self):
        return build_discriminator(self.crop, self.width)

    def parameter_estimate(self):
        filters = [3] + [self.width * 2 ** (i // 2) for i in range(8)]  # conv0..conv7
        convs = sum(9 * a * b for a, b in zip(filters, filters[1:]))
        flat = (-(-self.crop // 16)) ** 2 * filters[-1]  # four stride-2 layers
        return super().parameter_estimate() + convs + flat * self.width * 16 + self.width * 16

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.content_tracker]

    def get_config(self):
        return {**super().get_config(), "content": self.content, "adversarial_weight": self.adversarial_weight,
                "pixel_weight": self.pixel_weight, "objective": self.objective}

    def discriminator_loss(self, batch):
        fake = ops.stop_gradient(self.generator(batch["low_res"], training=True))
        return self.d_objective(self.discriminator(batch["high_res"], training=True),
                                self.discriminator(fake, training=True))

    def content_loss(self, upscaled, high_res):
        """The feature network's loss, plus pixel_weight x the pixel MSE (the paper has none: it
        anchors colours where the features are blind, e.g. flat regions under a ReLU)."""
        network, scale = self._content_network()
        if network is None:
            return ops.mean(ops.square(upscaled - high_res))
        from ganzoo.core.features import content_loss

        loss = content_loss(network, scale, upscaled, high_res)
        if self.pixel_weight:  # a Python float: the step computes the pixel term only when it counts
            loss = loss + self.pixel_weight * ops.mean(ops.square(upscaled - high_res))
        return loss

    def generator_loss(self, batch):
        upscaled = self.generator(batch["low_res"], training=True)
        content = self.content_loss(upscaled, batch["high_res"])
        self.content_tracker.update_state(ops.stop_gradient(content))
        adversarial = self.g_objective(self.discriminator(upscaled, training=True))
        return content + self.adversarial_weight * adversarial
