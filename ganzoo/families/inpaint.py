"""Inpainting: fill the missing part of an image, as a pix2pix conditioned on the masked image
and its mask.

Why not a Context Encoder (Pathak et al. 2016)? It fills a fixed centre square from a 4,000-d
bottleneck and returns a blurry patch for anything else; our users' holes are anywhere, of any
shape. A U-Net (pix2pix's, Isola et al. 2017) sees the image around the hole at every scale
through its skip connections and takes any mask as a fourth input channel, as the free-form
inpainting papers that followed did (Yu et al. 2019, without their gated convolutions).

- G reads [image with the hole set to 0 (mid-grey in [-1, 1]), mask] and its output is kept only
  inside the hole: completed = mask * G + (1 - mask) * image, so known pixels come back unchanged.
- fill="smooth" (the default; "zero" skips it): G first fills the hole with the smooth
  (harmonic) continuation of the pixels around it (`smooth_fill`, no weights), and the U-Net
  reads that and adds a correction to it. The pix2pix U-Net has no layer at full resolution (its
  first and last are stride 2), so on its own it loses to a classical fill in thin strokes; given
  the classical fill, it only has to draw what the fill cannot (structure across big holes), as
  DeepFill's coarse stage gives its refinement stage a start (Yu et al. 2018), here by a
  closed-form coarse stage.
- D is pix2pix's PatchGAN on (masked image + mask, completed image): it judges whether the
  filling fits its surroundings, patch by patch.
- G minimises the adversarial loss plus `l1_weight` x the L1 distance inside the hole (the
  reconstruction term; Pathak et al. weigh it 999:1 against the adversarial one, pix2pix 100:1).
- Training draws its own masks: `fit(images)` takes whole uint8 images, and each step picks masks
  from a bank of `mask_bank` rectangles and free-form strokes (ganzoo.masks, seeded), flipped and
  transposed at random, so the bank's shapes appear in 4x as many forms.
"""

import keras
import numpy as np
from keras import layers, ops

from ganzoo import images as image_utils
from ganzoo import masks as mask_utils
from ganzoo.core.gan import GAN, check_parameter_budget, check_positive_int
from ganzoo.core.objectives import masked_l1
from ganzoo.families import register_family
from ganzoo.families.cyclegan import AddResidual
from ganzoo.families.pix2pix import build_discriminator, build_unet, check_resolution, parameter_estimate


FILLS = ("zero", "smooth")


def _neighbour_mean(x):
    """The mean of each pixel's 4 neighbours in (N, H, W, C), edges repeated beyond the border."""
    up = ops.concatenate([x[:, :1], x[:, :-1]], axis=1)
    down = ops.concatenate([x[:, 1:], x[:, -1:]], axis=1)
    left = ops.concatenate([x[:, :, :1], x[:, :, :-1]], axis=2)
    right = ops.concatenate([x[:, :, 1:], x[:, :, -1:]], axis=2)
    return 0.25 * (up + down + left + right)


def smooth_fill(images, masks, iterations=20):
    """images (N, H, W, C) with their holes filled smoothly from the pixels around them; masks
    (N, H, W, 1), 1 = missing (H, W powers of two). Known pixels come back unchanged.

    The fill is the harmonic one (each hole pixel the mean of its 4 neighbours: Laplace's equation
    with the known pixels as boundary), solved coarse to fine: the known pixels are averaged down a
    pyramid to 4x4, and at each level, starting from the coarser level's solution, `iterations`
    Jacobi sweeps set each cell to its known pixels' share `weight` of their mean plus the rest
    (1 - weight) of its neighbours' mean. A hole in a linear ramp is filled with the ramp."""
    images, masks = ops.cast(images, "float32"), ops.cast(masks, "float32")
    known = 1.0 - masks
    values, weights = [images * known], [known]  # values / weights: the known pixels' mean in each cell
    while values[-1].shape[1] > 4 and values[-1].shape[2] > 4:
        values.append(ops.average_pool(values[-1], 2, strides=2))
        weights.append(ops.average_pool(weights[-1], 2, strides=2))
    filled = None
    for value, weight in zip(reversed(values), reversed(weights)):
        if filled is None:  # every cell of the coarsest level starts at the known pixels' mean
            mean = ops.sum(value, axis=(1, 2), keepdims=True) / ops.maximum(ops.sum(weight, axis=(1, 2), keepdims=True), 1e-6)
            filled = ops.zeros_like(value) + mean
        else:
            filled = ops.image.resize(filled, value.shape[1:3], interpolation="bilinear")
        for _ in range(iterations):
            filled = value + (1.0 - weight) * _neighbour_mean(filled)  # weight * mean == value
    return known * images + masks * filled


@keras.saving.register_keras_serializable(package="ganzoo")
class SmoothFill(layers.Layer):
    """[image with holes, mask] on channels -> [the image with its holes smoothly filled, mask]
    (smooth_fill). No weights; float32 whatever the policy, like the image it stands in for."""

    def __init__(self, iterations=20, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})
        self.iterations = check_positive_int(iterations, "iterations")

    def call(self, source):
        source = ops.cast(source, "float32")
        masks = source[..., -1:]
        return ops.concatenate([smooth_fill(source[..., :-1], masks, self.iterations), masks], axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "iterations": self.iterations}


def build_generator(resolution, channels, width, fill="zero", seed=None):
    """pix2pix's U-Net on [masked image, mask]; fill="smooth": on the smoothly filled image and the
    mask, its output added to that fill."""
    if fill == "zero":
        return build_unet(resolution, channels + 1, channels, width, seed)
    source = keras.Input((resolution, resolution, channels + 1), name="source")
    prefilled = SmoothFill(name="smooth_fill")(source)
    correction = build_unet(resolution, channels + 1, channels, width, seed, name="unet")(prefilled)
    return keras.Model(source, AddResidual(name="fill_plus_correction")([prefilled, correction]), name="generator")


@register_family("inpaint")
class Inpainter(GAN):
    """Fills holes in `channels`-channel images of side `resolution`: inpaint(images, masks)."""

    supports_augment = False  # D reads (masked image, completed image) pairs

    def __init__(self, resolution=64, channels=3, width=64, l1_weight=100.0, mask_bank=2048, fill="smooth",
                 objective="non_saturating", seed=None, **kwargs):
        super().__init__(objective=objective, seed=seed, **kwargs)
        self.resolution = check_resolution(resolution)
        self.channels = check_positive_int(channels, "channels")
        self.width = check_positive_int(width, "width")
        self.mask_bank = check_positive_int(mask_bank, "mask_bank")
        if not float(l1_weight) >= 0.0:
            raise ValueError(f"l1_weight must be >= 0, got {l1_weight!r}.")
        self.l1_weight = float(l1_weight)
        if fill not in FILLS:
            raise ValueError(f"fill must be one of {', '.join(FILLS)}, got {fill!r}.")
        self.fill = fill
        sizes = dict(resolution=self.resolution, input_channels=self.channels + 1,
                     output_channels=self.channels, width=self.width)
        check_parameter_budget(self.family, sizes, parameter_estimate(**sizes))
        self.image_shape = (self.resolution, self.resolution, self.channels)
        self.generator = build_generator(self.resolution, self.channels, self.width, self.fill, self.seed)
        self.discriminator = build_discriminator(self.resolution, self.channels + 1, self.channels, self.width)
        # A constant, not a weight: the bank is remade from the seed, and never saved.
        bank = mask_utils.random_masks(self.mask_bank, self.resolution, seed=self.seed or 0)
        self._bank = ops.convert_to_tensor(bank)
        self.hole_l1_tracker = keras.metrics.Mean(name="hole_l1")
        self.preview_inputs = None
        self.build()

    @property
    def metrics(self):
        return [*super().metrics, self.hole_l1_tracker]

    def get_config(self):
        return {"resolution": self.resolution, "channels": self.channels, "width": self.width,
                "l1_weight": self.l1_weight, "mask_bank": self.mask_bank, "fill": self.fill, "objective": self.objective,
                "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        # a config saved before `fill` existed is a zero-fill model's (the first inpaint_celeba)
        return cls(**{"fill": "zero", **config})

    # -- training: fit(images) ------------------------------------------------------------
    def draw_masks(self, n):
        """n float masks (n, r, r, 1) from the bank, each flipped and transposed at random."""
        index = keras.random.randint((n,), 0, self.mask_bank, seed=self.seed_generator)
        masks = ops.cast(ops.take(self._bank, index, axis=0), "float32")[..., None]
        flip, swap = (keras.random.uniform((n, 1, 1, 1), seed=self.seed_generator) < 0.5 for _ in range(2))
        masks = ops.where(flip, ops.flip(masks, axis=2), masks)
        return ops.where(swap, ops.transpose(masks, (0, 2, 1, 3)), masks)

    @staticmethod
    def masked_source(images, masks):
        """G's and D's condition: the image with its hole at 0, and the mask, on channels."""
        return ops.concatenate([images * (1.0 - masks), masks], axis=-1)

    def _complete(self, images, masks, training):
        filled = self.generator(self.masked_source(images, masks), training=training)
        return masks * filled + (1.0 - masks) * images, filled

    def discriminator_loss(self, batch):
        real = batch["images"]
        masks = self.draw_masks(ops.shape(real)[0])
        completed, _ = self._complete(real, masks, training=True)
        source = self.masked_source(real, masks)
        real_logits = self.discriminator([source, real], training=True)
        fake_logits = self.discriminator([source, ops.stop_gradient(completed)], training=True)
        return self.d_objective(real_logits, fake_logits)

    def generator_loss(self, batch):
        real = batch["images"]
        masks = self.draw_masks(ops.shape(real)[0])
        completed, filled = self._complete(real, masks, training=True)
        adversarial = self.g_objective(self.discriminator([self.masked_source(real, masks), completed],
                                                          training=True))
        hole_l1 = masked_l1(filled, real, masks)
        self.hole_l1_tracker.update_state(ops.stop_gradient(hole_l1))
        return adversarial + self.l1_weight * hole_l1

    # -- inference ------------------------------------------------------------------------
    def inpaint(self, images, masks, batch_size=64):
        """Fill the holes of uint8 images ((N, r, r, C) or one (r, r, C)): `masks` are (r, r) or
        (N, r, r) [x 1], uint8 or bool, 1 (or 255) where a pixel is missing; one mask serves all
        images. Returns uint8 images of the same leading shape; pixels outside the holes are
        the inputs' own, unchanged. Deterministic (G in inference mode)."""
        batch, single = image_utils.input_batch(images, self.image_shape, what="inpaint(images)")
        holes = mask_utils.check_masks(masks, batch.shape)
        source = np.concatenate([image_utils.from_uint8(batch) * (1 - holes[..., None]),
                                 holes[..., None].astype(np.float32)], axis=-1)
        filled = self.generate(source, check_positive_int(batch_size, "batch_size"), network=self.generator)
        out = np.where(holes[..., None].astype(bool), filled, batch)
        return out[0] if single else out

    def sample(self, *args, **kwargs):
        raise ValueError("An inpainting model fills holes rather than sampling images: use inpaint(images, masks) "
                         "(command line: ganzoo inpaint NAME face.png --box x,y,w,h -o out.png).")

    def preview_grid(self, n=64, seed=0, images=None):
        """About n // 3 triplets (holes shown white | filled | original), four to a row (full rows only);
        of `images`, else `preview_inputs`, else seeded noise."""
        k = max(1, n // 12 * 4 if n >= 12 else n // 3)
        images = self.preview_inputs if images is None else images
        if images is None:
            images = np.random.default_rng(seed).integers(0, 256, (k, *self.image_shape), dtype=np.uint8)
        images = image_utils.check_uint8_images(images, self.image_shape, what="preview images")
        images = images[np.arange(k) % len(images)]
        holes = mask_utils.random_masks(k, self.resolution, seed=seed, kinds=("centre", "box", "stroke"))
        shown = np.where(holes[..., None].astype(bool), np.uint8(255), images)
        tiles = np.stack([shown, self.inpaint(images, holes), images], axis=1)
        return image_utils.grid(tiles.reshape(-1, *tiles.shape[2:]), cols=12)

    def card_pictures(self):
        """versus_biharmonic.png: 12 held-out faces (preview_inputs), a centre square, a box or a stroke
        each; per row: the hole | the classical baseline | this model | the true face."""
        if self.preview_inputs is None:
            return {}
        from ganzoo.evaluate import biharmonic_inpaint

        faces = image_utils.check_uint8_images(self.preview_inputs, self.image_shape, what="preview images")[:12]
        holes = mask_utils.random_masks(len(faces), self.resolution, seed=0, kinds=mask_utils.KINDS)
        shown = np.where(holes[..., None].astype(bool), np.uint8(255), faces)
        rows = np.stack([shown, biharmonic_inpaint(faces, holes), self.inpaint(faces, holes), faces], axis=1)
        return {"versus_biharmonic.png": image_utils.grid(rows.reshape(-1, *rows.shape[2:]), cols=8)}
