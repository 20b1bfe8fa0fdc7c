"""GAN-CLS (Reed et al. 2016, "Generative Adversarial Text to Image Synthesis") on DCGAN networks.

A caption becomes a sentence vector through a frozen text encoder (ganzoo.text, pre-trained as a
joint image-text embedding); G compresses it (dense + LeakyReLU(0.2) to `condition_dim`) and joins
it to z; D compresses it too, tiles it over its last 4x4 feature map, and judges the two together
through a 1x1 convolution and one logit. D is matching-aware: a real image with its own caption
is real, and both a real image with another image's caption (the batch's images rolled by one)
and a generated image with its caption are fake (objectives.matching_aware_d_loss). GAN-INT: G
also learns from captions halfway between two of the batch's (beta = 0.5 in embedding space),
which D judges with no real image to match, so that G fills the space between captions.

`generator` is [z, token ids] -> image, the encoder inside it (so the sampling weights hold it);
`conditional_generator` is its [z, sentence vector] part, which training and interpolation use.
fit(images, token_ids) with ids (N, MAX_WORDS) or (N, k, MAX_WORDS), one caption of k drawn per
image and step. sample(n, captions=[...]) draws n images per caption.
"""

import keras
import numpy as np
from keras import layers, ops

from ganzoo import images as image_utils
from ganzoo import text
from ganzoo.core.gan import GAN, check_parameter_budget, check_positive_int, check_sample_count
from ganzoo.core.layers import BatchNormalization
from ganzoo.core.objectives import matching_aware_d_loss
from ganzoo.families import register_family
from ganzoo.families.dcgan import _START_SIZE, _init, _upsamplings, discriminator_features, generator_body
from ganzoo.families.dcgan import parameter_estimate as dcgan_parameters


def _compress(embedding, condition_dim, name):
    return layers.LeakyReLU(0.2)(layers.Dense(condition_dim, kernel_initializer=_init(), name=name)(embedding))


def build_conditional_generator(resolution, channels, width, latent_dim, embedding_dim, condition_dim):
    z = keras.Input((latent_dim,), name="z")
    embedding = keras.Input((embedding_dim,), name="text_embedding")
    x = layers.Concatenate()([z, _compress(embedding, condition_dim, "compress_text")])
    return keras.Model([z, embedding], generator_body(x, resolution, channels, width), name="conditional_generator")


def build_discriminator(resolution, channels, width, embedding_dim, condition_dim):
    image = keras.Input((resolution, resolution, channels), name="image")
    embedding = keras.Input((embedding_dim,), name="text_embedding")
    start, filters = _START_SIZE[resolution], width * 2 ** (_upsamplings(resolution) - 1)
    features = layers.Reshape((start, start, filters))(discriminator_features(image, resolution, width))
    tiled = layers.UpSampling2D(start, name="tile_text")(
        layers.Reshape((1, 1, condition_dim))(_compress(embedding, condition_dim, "compress_text")))
    x = layers.Conv2D(filters, 1, use_bias=False, kernel_initializer=_init(), name="joint")(
        layers.Concatenate()([features, tiled]))
    x = layers.LeakyReLU(0.2)(BatchNormalization(name="joint_bn")(x))
    logit = layers.Dense(1, kernel_initializer=_init(), dtype="float32", name="logit")(layers.Flatten()(x))
    return keras.Model([image, embedding], logit, name="discriminator")


@register_family("gan_cls")
class GANCLS(GAN):
    """Text-to-image GAN-CLS with GAN-INT; `interpolation_weight` scales the GAN-INT term (0: off)."""

    def __init__(self, resolution=64, channels=3, width=64, latent_dim=100, embedding_dim=128, text_width=128,
                 condition_dim=128, interpolation_weight=1.0, objective="non_saturating", seed=None,
                 ema_decay=None, **kwargs):
        super().__init__(latent_dim=latent_dim, objective=objective, seed=seed, ema_decay=ema_decay, **kwargs)
        self.resolution = check_positive_int(resolution, "resolution")
        if self.resolution not in _START_SIZE:
            raise ValueError(f"GAN-CLS resolution must be one of {sorted(_START_SIZE)}, got {resolution!r}.")
        self.channels = check_positive_int(channels, "channels")
        self.width = check_positive_int(width, "width")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.text_width = check_positive_int(text_width, "text_width")
        self.condition_dim = check_positive_int(condition_dim, "condition_dim")
        if not float(interpolation_weight) >= 0.0:
            raise ValueError(f"interpolation_weight must be >= 0, got {interpolation_weight!r}.")
        self.interpolation_weight = float(interpolation_weight)
        sizes = dict(resolution=self.resolution, channels=self.channels, width=self.width,
                     latent_dim=self.latent_dim + self.condition_dim)
        check_parameter_budget(self.family, sizes, dcgan_parameters(**sizes))
        self.image_shape = (self.resolution, self.resolution, self.channels)
        self.text_encoder = text.build_text_encoder(self.embedding_dim, self.text_width)
        self.text_encoder.trainable = False  # pre-trained (recipes/gan_cls_celeba_captions.py), then frozen
        self.conditional_generator = build_conditional_generator(
            self.resolution, self.channels, self.width, self.latent_dim, self.embedding_dim, self.condition_dim)
        z = keras.Input((self.latent_dim,), name="z")
        tokens = keras.Input((text.MAX_WORDS,), dtype="int32", name="tokens")
        self.generator = keras.Model([z, tokens], self.conditional_generator([z, self.text_encoder(tokens)]),
                                     name="generator")
        self.discriminator = build_discriminator(self.resolution, self.channels, self.width, self.embedding_dim,
                                                 self.condition_dim)
        self.build()

    def get_config(self):
        return {**super().get_config(), "resolution": self.resolution, "channels": self.channels,
                "width": self.width, "embedding_dim": self.embedding_dim, "text_width": self.text_width,
                "condition_dim": self.condition_dim, "interpolation_weight": self.interpolation_weight}

    # -- training: fit(images, token_ids) -------------------------------------------------
    def prepare_batch(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2 or data[1] is None:
            raise ValueError("GAN-CLS trains on (images, caption token ids): call fit(images, "
                             "ganzoo.text.token_ids(captions)), ids (N, 32) or (N, k, 32).")
        batch = super().prepare_batch(data)
        tokens = text.pick_caption(ops.cast(data[1], "int32"), self.seed_generator)
        batch["text"] = ops.stop_gradient(self.text_encoder(tokens, training=False))
        return batch

    def discriminator_loss(self, batch):
        real, embedding = batch["images"], batch["text"]
        z = self.latent_batch(ops.shape(real)[0])
        fake = ops.stop_gradient(self.conditional_generator([z, embedding], training=True))
        right = self.discriminate(real, embedding, real=True)
        wrong = self.discriminate(ops.roll(real, 1, axis=0), embedding)  # another face, this caption
        return matching_aware_d_loss(right, wrong, self.discriminate(fake, embedding))

    def generator_loss(self, batch):
        embedding = batch["text"]
        n = ops.shape(embedding)[0]
        loss = self.g_objective(self.discriminate(
            self.conditional_generator([self.latent_batch(n), embedding], training=True), embedding))
        if self.interpolation_weight:  # GAN-INT: halfway between each caption and the next one's
            between = 0.5 * (embedding + ops.roll(embedding, 1, axis=0))
            fake = self.conditional_generator([self.latent_batch(n), between], training=True)
            loss = loss + self.interpolation_weight * self.g_objective(self.discriminate(fake, between))
        return loss

    # -- inference -----------------------------------------------------------------------
    def sampling_inputs(self, n, seed=None, captions=None):
        """[z, token ids] for n samples in all, the captions (text.DEFAULT_CAPTIONS unless given) in equal
        blocks, caption by caption, and {"captions": the caption of each sample}."""
        ids, each = text.caption_blocks(n, captions)
        return [self.latent_numpy(n, seed), ids], {"captions": each}

    def sample(self, n, captions=None, seed=None, batch_size=256):
        """n images per caption as uint8 NHWC (len(captions) * n of them, caption by caption); without
        captions, n per caption of text.DEFAULT_CAPTIONS."""
        n = check_positive_int(n, "n")
        count = n * len(text.caption_list(captions))
        check_sample_count(count, self.image_shape)
        inputs, _ = self.sampling_inputs(count, seed, captions)
        return self.generate(inputs, check_positive_int(batch_size, "batch_size"))

    def card_pictures(self):
        """captions.png: the card's grid with each row's caption written at its left."""
        return {"captions.png": image_utils.label_rows(self.preview_grid(64, seed=0), text.caption_list(None))}

    def preview_grid(self, n=64, seed=0, captions=None):
        """One row per caption (text.DEFAULT_CAPTIONS unless given), the same seeds in every row."""
        captions = text.caption_list(captions)
        per_caption = max(1, n // len(captions))
        z = self.latent_numpy(per_caption, seed)
        ids = text.token_ids(captions)
        inputs = [np.tile(z, (len(captions), 1)), np.repeat(ids, per_caption, axis=0)]
        return image_utils.grid(self.generate(inputs), cols=per_caption)
