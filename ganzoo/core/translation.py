"""The base of the image-to-image families (pix2pix, CycleGAN, DiscoGAN): they train on pairs of
uint8 image batches and translate images instead of sampling from noise."""

import keras
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


DIRECTIONS = ("a2b", "b2a")


def pair_model(first, second, image_shape, name):
    """[a, b] -> [first(a), second(b)]: two networks as one player."""
    a, b = keras.Input(image_shape, name="a"), keras.Input(image_shape, name="b")
    return keras.Model([a, b], [first(a), second(b)], name=name)


class TwoDomainGAN(TranslationGAN):
    """Unpaired translation between domains A and B (CycleGAN, DiscoGAN): subclasses build
    `generator` as pair_model(G_ab, G_ba) and `discriminator` as pair_model(D_a, D_b), and set
    `image_shape`, `source_shape` and `pair_shapes`.

    fit((domain_a, domain_b)) on uint8 NHWC batches (the two sets may differ in size);
    translate(images, direction="a2b" | "b2a") -> uint8 images; preview_inputs, when set, is a
    pair (a, b).
    """

    pair_names = ("a", "b")

    @property
    def generator_ab(self):
        return self.generator.get_layer("generator_ab")

    @property
    def generator_ba(self):
        return self.generator.get_layer("generator_ba")

    def training_pair(self, pair):
        """Domains of different sizes are brought to one length (the two orders are independent)."""
        from ganzoo.paired import align_domains

        pair = super().training_pair(pair)
        if all(isinstance(images, np.ndarray) for images in pair) and len(pair[0]) != len(pair[1]):
            pair = align_domains(*pair, seed=self.seed or 0)
        return pair

    # -- inference ----------------------------------------------------------------------------
    def _direction(self, direction):
        """The network that translates in `direction`: the averaged one where ema_decay is set."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be 'a2b' (domain A to B) or 'b2a' (B to A), got {direction!r}.")
        return self.sampling_generator.get_layer("generator_ab" if direction == "a2b" else "generator_ba")

    def refresh_ema_statistics(self, n=1024, seed=0):
        """Nothing to measure: the averaged pair keeps G's batch-norm statistics, gathered on real faces
        of both domains, for which the seeded noise that refreshes a noise-to-image average cannot stand in."""

    def translate(self, images, direction="a2b", batch_size=32, resize=False):
        """uint8 (N, r, r, channels) or one (r, r, channels) image of one domain -> uint8 images of the
        other, same leading shape. Other sizes raise a ValueError unless resize=True (short side, centre crop)."""
        return self._translate(self._direction(direction), images, batch_size, resize)

    def sampling_inputs(self, n, seed=None, images=None, direction="a2b"):
        """(generator inputs in [-1, 1], {"inputs": the uint8 images}) for n translations in `direction`
        of `images`, else of that domain's `preview_inputs` (a pair (a, b)), else of seeded noise."""
        self._direction(direction)
        if images is None and self.preview_inputs is not None:
            images = self.preview_inputs[DIRECTIONS.index(direction)]
        sources = self._sources(n, seed, images, self.image_shape)
        return image_utils.from_uint8(sources), {"inputs": sources}

    def preview_grid(self, n=64, seed=0, inputs=None):
        """Rows of a | G_ab(a) | b | G_ba(b), twice per row; `inputs`: a pair (images of A, images of B)."""
        count = max(1, n // 4)
        pairs = []
        for i, direction in enumerate(DIRECTIONS):
            generator_inputs, conditions = self.sampling_inputs(count, seed + i, None if inputs is None else inputs[i],
                                                                direction)
            pairs.append(side_by_side(conditions["inputs"],
                                      self.generate(generator_inputs, network=self._direction(direction))))
        tiles = np.stack(pairs, axis=1)  # (count, direction, source | output, H, W, C)
        return image_utils.grid(tiles.reshape(-1, *tiles.shape[3:]), cols=8)
