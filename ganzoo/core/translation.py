"""The base of the image-to-image families (pix2pix, CycleGAN): they train on pairs of uint8
image batches and translate images instead of sampling from noise."""

import numpy as np

from ganzoo import images as image_utils
from ganzoo.core.gan import GAN, check_positive_int, scale_images


class TranslationGAN(GAN):
    """Subclasses set `pair_names` (the batch's two parts, as named in errors and in the
    batch dict), `pair_shapes`, `source_shape` (what translate() reads) and the GAN's networks.

    `preview_inputs`: uint8 images the preview grid translates (a fixed set shows training
    progress on the same images); without them previews translate seeded noise.
    """

    pair_names = ("inputs", "targets")
    preview_inputs = None
    # DiffAugment is not wired through these families' paired / two-domain discriminators (yet)
    supports_augment = False

    # -- training: fit((first, second)) or fit(first, second) ---------------------------
    def fit(self, x=None, y=None, *args, **kwargs):
        if y is not None or isinstance(x, (tuple, list)):
            # Both parts travel as x, so that Keras slices and shuffles them together.
            x, y = self.training_pair(x if y is None else (x, y)), None
        return super().fit(x, y, *args, **kwargs)

    def training_pair(self, pair):
        """The pair fit() trains on, its numpy parts checked up front (clearer than in the step)."""
        if len(pair) != 2:
            raise ValueError(f"{self.family} trains on pairs: fit(({', '.join(self.pair_names)})).")
        for images, shape, name in zip(pair, self.pair_shapes, self.pair_names):
            if isinstance(images, np.ndarray):
                image_utils.check_uint8_images(images, shape, what=f"fit: the {name}")
        return tuple(pair)

    def prepare_batch(self, data):
        # fit((a, b)) hands the step ((a, b),); fit(a, b) and datasets of pairs hand it (a, b)
        pair = data[0] if isinstance(data, (tuple, list)) and len(data) == 1 else data
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"{self.family} trains on pairs of uint8 image batches: call "
                             f"fit(({', '.join(self.pair_names)})) or give a dataset of such pairs.")
        return {name: scale_images(images, shape, what=f"Training {name}")
                for images, shape, name in zip(pair, self.pair_shapes, self.pair_names)}

    # -- inference --------------------------------------------------------------------------
    def sample(self, *args, **kwargs):
        raise ValueError(f"A {self.family} model translates images rather than sampling them: use "
                         "translate(images) (command line: ganzoo translate NAME in.png -o out.png).")

    def _translate(self, network, images, batch_size, resize):
        """uint8 translations of uint8 images (HWC or NHWC, the same leading shape returned)."""
        batch, single = image_utils.input_batch(images, self.source_shape, resize, what="translate(images)")
        out = self.generate(image_utils.from_uint8(batch), check_positive_int(batch_size, "batch_size"),
                            network=network)
        return out[0] if single else out

    def _sources(self, n, seed, images, shape):
        """n uint8 images to translate: `images` cycled, or seeded noise where there are none."""
        if images is None:
            return np.random.default_rng(seed).integers(0, 256, (n, *shape), dtype=np.uint8)
        images = image_utils.check_uint8_images(images, shape, what="preview images")
        return images[np.arange(n) % len(images)]


def side_by_side(sources, outputs):
    """(k, 2, H, W, C) tiles: each source beside its translation; grey ones made RGB beside colour."""
    channels = max(sources.shape[-1], outputs.shape[-1])
    return np.stack([np.repeat(x, channels // x.shape[-1], axis=-1) for x in (sources, outputs)], axis=1)
