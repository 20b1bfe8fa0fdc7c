"""InfoGAN (Chen et al. 2016): latent codes that the networks learn to make meaningful.

G reads [z, one-hot categorical code, continuous codes]; a Q head that shares D's body
predicts the codes back from an image, and both G and Q minimise that prediction's
loss (a variational lower bound on the mutual information between codes and images):
cross-entropy for the categorical code, a unit-variance Gaussian's negative log
likelihood for the continuous ones. Networks and optimisers follow the paper's MNIST
appendix: D Adam(2e-4), G Adam(1e-3), beta_1=0.5; tanh output instead of sigmoid.
"""

import numbers

import keras
import numpy as np
from keras import layers, ops

from ganzoo import images as image_utils
from ganzoo.core.gan import GAN, check_parameter_budget, check_positive_int, check_sample_count, check_seed
from ganzoo.core.layers import BatchNormalization
from ganzoo.families import register_family


def build_generator(input_dim, resolution, channels):
    start = resolution // 4
    code = keras.Input((input_dim,), name="z_and_codes")
    x = layers.Dense(1024, use_bias=False, name="hidden")(code)
    x = layers.ReLU()(BatchNormalization(name="hidden_bn")(x))
    x = layers.Dense(start * start * 128, use_bias=False, name="project")(x)
    x = layers.ReLU()(BatchNormalization(name="project_bn")(x))
    x = layers.Reshape((start, start, 128))(x)
    x = layers.Conv2DTranspose(64, 4, strides=2, padding="same", use_bias=False, name="up0")(x)
    x = layers.ReLU()(BatchNormalization(name="up0_bn")(x))
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", name="to_image")(x)
    return keras.Model(code, layers.Activation("tanh", dtype="float32", name="tanh")(x), name="generator")


def build_discriminator(resolution, channels, num_categories, num_continuous):
    """D's body with two heads: the real/fake logit and Q's code predictions."""
    image = keras.Input((resolution, resolution, channels), name="image")
    x = layers.LeakyReLU(0.1)(layers.Conv2D(64, 4, strides=2, padding="same", name="down0")(image))
    x = layers.Conv2D(128, 4, strides=2, padding="same", use_bias=False, name="down1")(x)
    x = layers.LeakyReLU(0.1)(BatchNormalization(name="down1_bn")(x))
    x = layers.Dense(1024, use_bias=False, name="hidden")(layers.Flatten()(x))
    body = layers.LeakyReLU(0.1)(BatchNormalization(name="hidden_bn")(x))
    logit = layers.Dense(1, dtype="float32", name="logit")(body)
    q = layers.Dense(128, use_bias=False, name="q_hidden")(body)
    q = layers.LeakyReLU(0.1)(BatchNormalization(name="q_hidden_bn")(q))
    category_logits = layers.Dense(num_categories, dtype="float32", name="q_category")(q)
    continuous_mean = layers.Dense(num_continuous, dtype="float32", name="q_continuous")(q)
    return keras.Model(image, [logit, category_logits, continuous_mean], name="discriminator")


def information_loss(category_logits, continuous_mean, category, continuous, continuous_weight):
    """-(lower bound on I(codes; G(z, codes))) up to constants: CE + weight * Gaussian NLL."""
    log_probs = ops.log_softmax(ops.cast(category_logits, "float32"), axis=-1)
    category_nll = -ops.mean(ops.sum(ops.one_hot(category, ops.shape(log_probs)[-1]) * log_probs, axis=-1))
    error = ops.cast(continuous, "float32") - ops.cast(continuous_mean, "float32")
    continuous_nll = ops.mean(ops.sum(0.5 * ops.square(error), axis=-1))
    return category_nll + continuous_weight * continuous_nll


@register_family("infogan")
class InfoGAN(GAN):
    """`latent_dim` is the noise z; G's input adds num_categories + num_continuous code units."""

    default_learning_rates = {"generator": 1e-3, "discriminator": 2e-4}

    def __init__(self, resolution=28, channels=1, latent_dim=62, num_categories=10, num_continuous=2,
                 info_weight=1.0, continuous_weight=0.1, objective="non_saturating", seed=None,
                 ema_decay=None, **kwargs):
        super().__init__(latent_dim=latent_dim, objective=objective, seed=seed, ema_decay=ema_decay, **kwargs)
        self.resolution = check_positive_int(resolution, "resolution")
        if self.resolution % 4:
            raise ValueError(f"InfoGAN's networks halve the image twice: resolution must be a multiple "
                             f"of 4, got {resolution}.")
        self.channels = check_positive_int(channels, "channels")
        self.num_categories = check_positive_int(num_categories, "num_categories")
        self.num_continuous = check_positive_int(num_continuous, "num_continuous")
        self.info_weight, self.continuous_weight = float(info_weight), float(continuous_weight)
        self.image_shape = (self.resolution, self.resolution, self.channels)
        codes = self.num_categories + self.num_continuous
        projected = (self.resolution // 4) ** 2 * 128  # the 128 maps at a quarter of the size
        check_parameter_budget(self.family, dict(resolution=self.resolution, channels=self.channels,
                                                 latent_dim=self.latent_dim, num_categories=self.num_categories,
                                                 num_continuous=self.num_continuous),
                               (self.latent_dim + codes) * 1024 + 2 * 1024 * projected  # G's and D's dense layers
                               + 2 * 16 * 64 * (128 + self.channels) + 1024 * 128 + 128 * codes)
        self.generator = build_generator(self.latent_dim + self.num_categories + self.num_continuous,
                                         self.resolution, self.channels)
        self.discriminator = build_discriminator(self.resolution, self.channels, self.num_categories,
                                                 self.num_continuous)
        self.info_tracker = keras.metrics.Mean(name="info_loss")
        self.build()

    @property
    def metrics(self):
        return [*super().metrics, self.info_tracker]

    def get_config(self):
        return {**super().get_config(), "resolution": self.resolution, "channels": self.channels,
                "num_categories": self.num_categories, "num_continuous": self.num_continuous,
                "info_weight": self.info_weight, "continuous_weight": self.continuous_weight}

    # -- training -------------------------------------------------------------------------
    def _random_codes(self, n):
        """(G's input [z, one-hot c, continuous c], c, continuous c), c ~ Cat(K), cont ~ U(-1, 1)."""
        z = self.latent_batch(n)
        category = keras.random.randint((n,), 0, self.num_categories, seed=self.seed_generator)
        continuous = keras.random.uniform((n, self.num_continuous), -1.0, 1.0, seed=self.seed_generator)
        inputs = ops.concatenate([z, ops.one_hot(category, self.num_categories), continuous], axis=-1)
        return inputs, category, continuous

    def _info(self, heads, category, continuous):
        _, category_logits, continuous_mean = heads
        return self.info_weight * information_loss(category_logits, continuous_mean, category, continuous,
                                                   self.continuous_weight)

    def discriminator_loss(self, batch):
        real = batch["images"]
        inputs, category, continuous = self._random_codes(ops.shape(real)[0])
        fake = ops.stop_gradient(self.generator(inputs, training=True))
        real_logit = self.discriminate(real, real=True)[0]
        fake_heads = self.discriminate(fake)
        info = self._info(self._code_heads(fake, fake_heads), category, continuous)
        return self.d_objective(real_logit, fake_heads[0]) + info

    def _code_heads(self, fake, heads):
        """D's heads whose Q predictions the information loss reads: with augment, Q reads the
        un-augmented fakes (the codes describe G's images; cutout could hide them), one more D pass."""
        return heads if self.augmenter is None else self.discriminator(fake, training=True)

    def generator_loss(self, batch):
        inputs, category, continuous = self._random_codes(ops.shape(batch["images"])[0])
        fake = self.generator(inputs, training=True)
        heads = self.discriminate(fake)
        info = self._info(self._code_heads(fake, heads), category, continuous)
        self.info_tracker.update_state(ops.stop_gradient(info))
        return self.g_objective(heads[0]) + info

    # -- inference ------------------------------------------------------------------------
    def _codes(self, codes, n, rng):
        """(categories (n,), continuous (n, C)) from None, a category (int), n categories, or a
        dict {"category": ..., "continuous": one row (C,) or n rows (n, C)}; unset codes are random."""
        if codes is None or isinstance(codes, (numbers.Integral, list, tuple, np.ndarray)):
            codes = {"category": codes}
        if not isinstance(codes, dict) or set(codes) - {"category", "continuous"}:
            raise ValueError("codes: give a category id, a sequence of n ids, or a dict with keys "
                             "'category' and/or 'continuous'.")
        category = codes.get("category")
        if category is None:
            category = np.arange(n) % self.num_categories
        category = np.broadcast_to(np.asarray(category), (n,)) if np.ndim(category) == 0 else np.asarray(category)
        if category.shape != (n,) or category.dtype.kind not in "iu" or np.any(category < 0) \
                or np.any(category >= self.num_categories):
            raise ValueError(f"codes['category']: one id or n={n} ids, each in 0..{self.num_categories - 1}; "
                             f"got {codes.get('category')!r}.")
        continuous = codes.get("continuous")
        if continuous is None:
            continuous = rng.uniform(-1.0, 1.0, (n, self.num_continuous))
        continuous = np.asarray(continuous, np.float32)
        if continuous.shape == (self.num_continuous,):
            continuous = np.broadcast_to(continuous, (n, self.num_continuous))
        if continuous.shape != (n, self.num_continuous) or not np.all(np.isfinite(continuous)):
            raise ValueError(f"codes['continuous']: finite values of shape ({self.num_continuous},) or "
                             f"({n}, {self.num_continuous}) (trained on [-1, 1]); got shape {continuous.shape}.")
        return category.astype(np.int32), continuous.astype(np.float32)

    def sampling_inputs(self, n, seed=None, codes=None):
        rng = np.random.default_rng(check_seed(seed))
        z = rng.standard_normal((n, self.latent_dim), dtype=np.float32)
        category, continuous = self._codes(codes, n, rng)
        one_hot = np.eye(self.num_categories, dtype=np.float32)[category]
        return np.concatenate([z, one_hot, continuous], axis=1), {"category": category}

    def sample(self, n, codes=None, seed=None, batch_size=256):
        """n images as uint8 NHWC numpy with the given codes (see _codes); seeded like GAN.sample."""
        n = check_sample_count(n, self.image_shape)  # before its latents are drawn
        return self.generate(self.sampling_inputs(n, seed, codes)[0], check_positive_int(batch_size, "batch_size"))

    def preview_grid(self, n=64, seed=0):
        """Rows: the categorical code's values; columns: the first continuous code from -1 to 1,
        with one z for the whole grid, so what each code controls is all that changes."""
        cols = max(2, n // self.num_categories)
        rows = self.num_categories
        category = np.repeat(np.arange(rows), cols)
        continuous = np.zeros((rows * cols, self.num_continuous), np.float32)
        continuous[:, 0] = np.tile(np.linspace(-1.0, 1.0, cols), rows)
        inputs, _ = self.sampling_inputs(rows * cols, seed, {"category": category, "continuous": continuous})
        inputs[:, : self.latent_dim] = inputs[0, : self.latent_dim]
        return image_utils.grid(self.generate(inputs), cols=cols)
