"""StackGAN (Zhang et al. 2017): text to image in two stages.

Stage I draws a rough low-resolution picture from the caption and z; Stage II reads that picture
and the caption again and draws the detailed image. Each stage has its own conditioning
augmentation (CA): the caption's vector phi gives a mean and a log-variance, the condition is
drawn c = mu + sigma * eps, and G pays KL(N(mu, sigma^2) || N(0, I)) (weight `kl_weight`), so
that few captions still cover a smooth condition space. Each stage has a matching-aware
discriminator (objectives.matching_aware_d_loss, as GAN-CLS): real image with its caption,
another real image with it, a generated image with it.

Stage I G: [z, c1] -> a 4x4 map -> nearest-neighbour doublings with 3x3 convolutions (batch norm,
ReLU) -> tanh at `stage1_resolution`. Stage II G: the Stage I image is encoded down to a quarter
of its side, joined with c2 tiled, passed through `residual_blocks` residual blocks, and decoded
by doublings up to `resolution`. Both discriminators: stride-2 4x4 convolutions down to 4x4, the
compressed caption tiled and joined, a 1x1 convolution and one logit.

Training is in two runs, as in the paper: `training_stage=1` trains Stage I on images of
`stage1_resolution` (sample() gives its images); `training_stage=2` freezes Stage I (started from
a Stage I run's weights, `load_stage1`) and trains Stage II on images of `resolution` (sample()
gives the final images; sample(..., return_stages=True) both). Captions go
through a frozen, pre-trained text encoder (ganzoo.text), as in gan_cls.
"""

import keras
import numpy as np
from keras import layers, ops

from ganzoo import text
from ganzoo.core.gan import GAN, check_positive_int, check_sample_count
from ganzoo.core.layers import BatchNormalization
from ganzoo.core.objectives import matching_aware_d_loss
from ganzoo.families import register_family
from ganzoo.families.dcgan import _init


def _up(x, filters, name):
    x = layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_resize")(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer=_init(), name=name)(x)
    return layers.ReLU()(BatchNormalization(name=f"{name}_bn")(x))


def build_conditioning(embedding_dim, condition_dim, name):
    """phi -> [mu, log variance] of the condition (CA)."""
    embedding = keras.Input((embedding_dim,), name="text_embedding")
    x = layers.LeakyReLU(0.2)(layers.Dense(2 * condition_dim, kernel_initializer=_init(), name="moments")(embedding))
    return keras.Model(embedding, [x[:, :condition_dim], x[:, condition_dim:]], name=name)


def build_stage1_generator(resolution, channels, width, latent_dim, condition_dim):
    z, c = keras.Input((latent_dim,), name="z"), keras.Input((condition_dim,), name="condition")
    levels = int(np.log2(resolution // 4))
    filters = width * 2**levels
    x = layers.Dense(16 * filters, use_bias=False, kernel_initializer=_init(), name="project")(
        layers.Concatenate()([z, c]))
    x = layers.ReLU()(BatchNormalization(name="project_bn")(layers.Reshape((4, 4, filters))(x)))
    for i in range(levels):
        x = _up(x, width * 2 ** (levels - 1 - i), f"up{i}")
    image = layers.Conv2D(channels, 3, padding="same", kernel_initializer=_init(), name="to_image")(x)
    return keras.Model([z, c], layers.Activation("tanh", dtype="float32")(image), name="stage1_generator")


def build_stage2_generator(stage1_resolution, resolution, channels, width, condition_dim, residual_blocks):
    image, c = keras.Input((stage1_resolution, stage1_resolution, channels), name="stage1_image"), \
        keras.Input((condition_dim,), name="condition")
    x = layers.Conv2D(width, 3, padding="same", kernel_initializer=_init(), name="encode0")(image)
    x = layers.ReLU()(x)
    for i in (1, 2):  # to a quarter of the side
        x = layers.Conv2D(width * 2**i, 4, strides=2, padding="same", use_bias=False, kernel_initializer=_init(),
                          name=f"encode{i}")(x)
        x = layers.ReLU()(BatchNormalization(name=f"encode{i}_bn")(x))
    side = stage1_resolution // 4
    tiled = layers.UpSampling2D(side, name="tile_condition")(layers.Reshape((1, 1, condition_dim))(c))
    x = layers.Conv2D(width * 4, 3, padding="same", use_bias=False, kernel_initializer=_init(), name="joint")(
        layers.Concatenate()([x, tiled]))
    x = layers.ReLU()(BatchNormalization(name="joint_bn")(x))
    for i in range(residual_blocks):
        y = layers.Conv2D(width * 4, 3, padding="same", use_bias=False, kernel_initializer=_init(), name=f"res{i}_a")(x)
        y = layers.ReLU()(BatchNormalization(name=f"res{i}_a_bn")(y))
        y = layers.Conv2D(width * 4, 3, padding="same", use_bias=False, kernel_initializer=_init(), name=f"res{i}_b")(y)
        x = layers.ReLU()(layers.Add()([x, BatchNormalization(name=f"res{i}_b_bn")(y)]))
    for i in range(int(np.log2(resolution // side))):
        x = _up(x, max(width, width * 4 // 2 ** (i + 1)), f"up{i}")
    out = layers.Conv2D(channels, 3, padding="same", kernel_initializer=_init(), name="to_image")(x)
    return keras.Model([image, c], layers.Activation("tanh", dtype="float32")(out), name="stage2_generator")


def build_discriminator(resolution, channels, width, embedding_dim, condition_dim, name):
    image, embedding = keras.Input((resolution, resolution, channels), name="image"), \
        keras.Input((embedding_dim,), name="text_embedding")
    x, levels = image, int(np.log2(resolution // 4))
    for i in range(levels):
        x = layers.Conv2D(width * 2**i, 4, strides=2, padding="same", use_bias=i == 0, kernel_initializer=_init(),
                          name=f"down{i}")(x)
        if i > 0:
            x = BatchNormalization(name=f"down{i}_bn")(x)
        x = layers.LeakyReLU(0.2)(x)
    compressed = layers.LeakyReLU(0.2)(layers.Dense(condition_dim, kernel_initializer=_init(), name="compress_text")(
        embedding))
    tiled = layers.UpSampling2D(4, name="tile_text")(layers.Reshape((1, 1, condition_dim))(compressed))
    x = layers.Conv2D(width * 2 ** (levels - 1), 1, use_bias=False, kernel_initializer=_init(), name="joint")(
        layers.Concatenate()([x, tiled]))
    x = layers.LeakyReLU(0.2)(BatchNormalization(name="joint_bn")(x))
    logit = layers.Dense(1, kernel_initializer=_init(), dtype="float32", name="logit")(layers.Flatten()(x))
    return keras.Model([image, embedding], logit, name=name)


def kl_to_standard_normal(mu, log_variance):
    """Mean over the batch of KL(N(mu, exp(log_variance)) || N(0, I)), summed over dimensions."""
    return ops.mean(0.5 * ops.sum(ops.square(mu) + ops.exp(log_variance) - 1.0 - log_variance, axis=-1))


@register_family("stackgan")
class StackGAN(GAN):
    """Two-stage text to image; `training_stage` (1 or 2) says which stage fit trains."""

    def __init__(self, resolution=64, stage1_resolution=32, channels=3, width=32, latent_dim=100, embedding_dim=128,
                 text_width=128, condition_dim=128, kl_weight=1.0, residual_blocks=2, training_stage=1,
                 objective="non_saturating", seed=None, ema_decay=None, **kwargs):
        super().__init__(latent_dim=latent_dim, objective=objective, seed=seed, ema_decay=ema_decay, **kwargs)
        self.resolution, self.stage1_resolution = (check_positive_int(v, n) for v, n in (
            (resolution, "resolution"), (stage1_resolution, "stage1_resolution")))
        for value, label in ((self.resolution, "resolution"), (self.stage1_resolution, "stage1_resolution")):
            if value < 16 or value & (value - 1):
                raise ValueError(f"{label} must be a power of two, at least 16, got {value}.")
        if self.resolution < self.stage1_resolution:
            raise ValueError(f"Stage II's resolution ({self.resolution}) must be at least Stage I's "
                             f"({self.stage1_resolution}).")
        self.channels, self.width = check_positive_int(channels, "channels"), check_positive_int(width, "width")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.text_width = check_positive_int(text_width, "text_width")
        self.condition_dim = check_positive_int(condition_dim, "condition_dim")
        self.residual_blocks = check_positive_int(residual_blocks, "residual_blocks")
        if not float(kl_weight) >= 0.0:
            raise ValueError(f"kl_weight must be >= 0, got {kl_weight!r}.")
        self.kl_weight = float(kl_weight)
        if training_stage not in (1, 2):
            raise ValueError(f"training_stage must be 1 (Stage I) or 2 (Stage II), got {training_stage!r}.")
        self.training_stage = training_stage
        self.text_encoder = text.build_text_encoder(self.embedding_dim, self.text_width)
        self.text_encoder.trainable = False
        self.conditioning1 = build_conditioning(self.embedding_dim, self.condition_dim, "conditioning1")
        self.conditioning2 = build_conditioning(self.embedding_dim, self.condition_dim, "conditioning2")
        self.stage1_generator = build_stage1_generator(self.stage1_resolution, self.channels, self.width,
                                                       self.latent_dim, self.condition_dim)
        self.stage2_generator = build_stage2_generator(self.stage1_resolution, self.resolution, self.channels,
                                                       self.width, self.condition_dim, self.residual_blocks)
        self.stage1_discriminator = build_discriminator(self.stage1_resolution, self.channels, self.width,
                                                        self.embedding_dim, self.condition_dim, "stage1_discriminator")
        self.stage2_discriminator = build_discriminator(self.resolution, self.channels, self.width,
                                                        self.embedding_dim, self.condition_dim, "stage2_discriminator")
        # the sampling pipeline: token ids and CA noise in, so that a seed fixes every draw
        z = keras.Input((self.latent_dim,), name="z")
        tokens = keras.Input((text.MAX_WORDS,), dtype="int32", name="tokens")
        noise1, noise2 = (keras.Input((self.condition_dim,), name=f"ca_noise{i}") for i in (1, 2))
        phi = self.text_encoder(tokens)
        rough = self.stage1_generator([z, self._condition(self.conditioning1, phi, noise1)[0]])
        if training_stage == 1:
            self.generator = keras.Model([z, tokens, noise1, noise2], rough, name="generator")
            self.discriminator = self.stage1_discriminator
            self.image_shape = (self.stage1_resolution, self.stage1_resolution, self.channels)
        else:
            fine = self.stage2_generator([rough, self._condition(self.conditioning2, phi, noise2)[0]])
            self.generator = keras.Model([z, tokens, noise1, noise2], fine, name="generator")
            self.discriminator = self.stage2_discriminator
            self.image_shape = (self.resolution, self.resolution, self.channels)
            for frozen in (self.stage1_generator, self.conditioning1):  # Stage I is done
                frozen.trainable = False
        self.kl_tracker = keras.metrics.Mean(name="kl")
        self.build()

    def load_stage1(self, stage1_model):
        """Stage I's networks from a trained Stage I model into this one: the text encoder, CA and G
        that it samples with (its moving average, where it keeps one) and its discriminator."""
        source = stage1_model.sampling_generator
        for name in ("text_encoder", "conditioning1", "stage1_generator"):
            getattr(self, name).set_weights(source.get_layer(name).get_weights())
        self.stage1_discriminator.set_weights(stage1_model.stage1_discriminator.get_weights())
        if self.generator_ema is not None:
            self.generator_ema.set_weights(self.generator.get_weights())

    @staticmethod
    def _condition(conditioning, phi, noise, training=None):
        """(c, mu, log_variance) of conditioning augmentation, c = mu + exp(log_variance / 2) * noise, in
        float32: under a mixed precision policy the conditioning network computes in 16 bits, while the
        noise and the KL term stay float32."""
        mu, log_variance = (ops.cast(t, "float32") for t in conditioning(phi, training=training))
        return mu + ops.exp(0.5 * log_variance) * ops.cast(noise, "float32"), mu, log_variance

    @property
    def metrics(self):
        return [*super().metrics, self.kl_tracker]

    def get_config(self):
        return {**super().get_config(), "resolution": self.resolution, "stage1_resolution": self.stage1_resolution,
                "channels": self.channels, "width": self.width, "embedding_dim": self.embedding_dim,
                "text_width": self.text_width, "condition_dim": self.condition_dim, "kl_weight": self.kl_weight,
                "residual_blocks": self.residual_blocks, "training_stage": self.training_stage}

    # -- training: fit(images, token_ids), images of the training stage's size -----------------
    def prepare_batch(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2 or data[1] is None:
            raise ValueError("StackGAN trains on (images, caption token ids): call fit(images, "
                             "ganzoo.text.token_ids(captions)), ids (N, 32) or (N, k, 32).")
        batch = super().prepare_batch(data)  # images of image_shape: Stage I's size in stage 1
        tokens = text.pick_caption(ops.cast(data[1], "int32"), self.seed_generator)
        batch["text"] = ops.stop_gradient(self.text_encoder(tokens, training=False))
        return batch

    def _fake(self, embedding, training=True):
        """(generated images of the training stage, the KL of that stage's CA)."""
        n = ops.shape(embedding)[0]
        noise1, noise2 = (keras.random.normal((n, self.condition_dim), seed=self.seed_generator) for _ in range(2))
        c1, mu1, log_variance1 = self._condition(self.conditioning1, embedding, noise1, training)
        rough = self.stage1_generator([self.latent_batch(n), c1], training=training and self.training_stage == 1)
        if self.training_stage == 1:
            return rough, kl_to_standard_normal(mu1, log_variance1)
        c2, mu2, log_variance2 = self._condition(self.conditioning2, embedding, noise2, training)
        fine = self.stage2_generator([rough, c2], training=training)
        return fine, kl_to_standard_normal(mu2, log_variance2)

    def discriminator_loss(self, batch):
        real, embedding = batch["images"], batch["text"]
        fake = ops.stop_gradient(self._fake(embedding)[0])
        right = self.discriminate(real, embedding, real=True)
        wrong = self.discriminate(ops.roll(real, 1, axis=0), embedding)
        return matching_aware_d_loss(right, wrong, self.discriminate(fake, embedding))

    def generator_loss(self, batch):
        embedding = batch["text"]
        fake, kl = self._fake(embedding)
        self.kl_tracker.update_state(ops.stop_gradient(kl))
        return self.g_objective(self.discriminate(fake, embedding)) + self.kl_weight * kl

    # -- inference -------------------------------------------------------------------------
    def sampling_inputs(self, n, seed=None, captions=None):
        """[z, token ids, CA noise of each stage] for n samples in all, the captions (text.DEFAULT_CAPTIONS
        unless given) in equal blocks, and {"captions": each sample's caption}."""
        ids, each = text.caption_blocks(n, captions)
        rng = np.random.default_rng(None if seed is None else seed + 1)  # CA noise apart from z's stream
        noise = rng.standard_normal((2, n, self.condition_dim), dtype=np.float32)
        return [self.latent_numpy(n, seed), ids, noise[0], noise[1]], {"captions": each}

    def sample(self, n, captions=None, seed=None, batch_size=256, return_stages=False):
        """n images per caption (len(captions) * n, caption by caption) of the trained stage; with
        return_stages=True (Stage II models), (Stage I images, Stage II images)."""
        n = check_positive_int(n, "n")
        count = n * len(text.caption_list(captions))
        check_sample_count(count, self.image_shape)
        inputs, _ = self.sampling_inputs(count, seed, captions)
        final = self.generate(inputs, check_positive_int(batch_size, "batch_size"))
        if not return_stages:
            return final
        if self.training_stage == 1:
            raise ValueError("return_stages=True needs a Stage II model (training_stage=2); this one is Stage I.")
        return self.generate(inputs, batch_size, network=self._stage1_images), final

    def _stage1_images(self, inputs, training=False):
        """Stage I's images of the sampling pipeline's inputs, through its own (averaged) networks."""
        pipeline = self.sampling_generator
        z, tokens, noise1, _ = (ops.convert_to_tensor(x) for x in inputs)
        phi = pipeline.get_layer("text_encoder")(tokens, training=False)
        c1 = self._condition(pipeline.get_layer("conditioning1"), phi, noise1)[0]
        return pipeline.get_layer("stage1_generator")([z, c1], training=False)

    def card_pictures(self):
        """captions.png: the card's grid with each row's caption written at its left; for a Stage II
        model also stages.png, what Stage II makes of Stage I's image."""
        from ganzoo import images as image_utils

        captions = text.caption_list(None)
        pictures = {"captions.png": image_utils.label_rows(self.preview_grid(64, seed=0), captions)}
        if self.training_stage == 2:
            pictures["stages.png"] = image_utils.label_rows(self.stages_grid(4, seed=0), captions)
        return pictures

    def stages_grid(self, per_caption=4, seed=0, captions=None):
        """One row per caption, per_caption seeds (the same in every row), each as Stage I's image
        (enlarged, nearest) then Stage II's: a Stage II model's two steps side by side."""
        from ganzoo import images as image_utils

        if self.training_stage == 1:
            raise ValueError("stages_grid needs a Stage II model (training_stage=2); this one is Stage I.")
        inputs = self._rows_of_captions(per_caption, seed, captions)
        rough, fine = self.generate(inputs, network=self._stage1_images), self.generate(inputs)
        factor = fine.shape[1] // rough.shape[1]
        rough = rough.repeat(factor, axis=1).repeat(factor, axis=2)
        pairs = np.stack([rough, fine], axis=1).reshape(-1, *fine.shape[1:])  # I, II, I, II, ... in each row
        return image_utils.grid(pairs, cols=2 * per_caption)

    def preview_grid(self, n=64, seed=0, captions=None):
        """One row per caption (text.DEFAULT_CAPTIONS unless given), the same seeds in every row."""
        from ganzoo import images as image_utils

        per_caption = max(1, n // len(text.caption_list(captions)))
        return image_utils.grid(self.generate(self._rows_of_captions(per_caption, seed, captions)), cols=per_caption)

    def _rows_of_captions(self, per_caption, seed, captions):
        """Sampling inputs for per_caption samples of each caption (text.DEFAULT_CAPTIONS unless
        given), caption by caption, with the same z in every caption's row."""
        captions = text.caption_list(captions)
        inputs, _ = self.sampling_inputs(per_caption * len(captions), seed, captions)
        inputs[0] = np.tile(inputs[0][:per_caption], (len(captions), 1))
        return inputs
