"""Conditional GAN (Mirza & Osindero 2014) on DCGAN networks, with a projection discriminator.

G reads z joined with a learned embedding of the class; D scores an image as
dense(features) + <embed(class), features> (Miyato & Koyama 2018), which conditions D
more strongly than joining the label to its input. `sample(n, labels=...)` chooses the
classes; without labels the classes come round in turn, so every class is equally drawn.
"""

import numbers

import keras
import numpy as np
from keras import layers, ops

from ganzoo import images as image_utils
from ganzoo.core.gan import GAN, check_parameter_budget, check_positive_int, check_sample_count
from ganzoo.families import register_family
from ganzoo.families.dcgan import discriminator_features, feature_count, generator_body, parameter_estimate


def build_generator(resolution, channels, width, latent_dim, num_classes, embed_dim):
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input((), dtype="int32", name="label")
    embedding = layers.Embedding(num_classes, embed_dim, name="label_embedding")(label)
    x = layers.Concatenate()([z, embedding])
    return keras.Model([z, label], generator_body(x, resolution, channels, width), name="generator")


def build_discriminator(resolution, channels, width, num_classes):
    image = keras.Input((resolution, resolution, channels), name="image")
    label = keras.Input((), dtype="int32", name="label")
    features = discriminator_features(image, resolution, width)
    unconditional = layers.Dense(1, kernel_initializer=keras.initializers.RandomNormal(stddev=0.02),
                                 name="logit")(features)
    class_vector = layers.Embedding(num_classes, features.shape[-1], name="projection",
                                    embeddings_initializer=keras.initializers.RandomNormal(stddev=0.02))(label)
    projection = layers.Dot(axes=1)([class_vector, features])
    logit = layers.Add(dtype="float32", name="projected_logit")([unconditional, projection])
    return keras.Model([image, label], logit, name="discriminator")


@register_family("cgan")
class ConditionalGAN(GAN):
    """Class-conditional DCGAN; `class_names` (optional) lets labels be given by name."""

    def __init__(self, resolution=28, channels=1, width=64, latent_dim=100, num_classes=10,
                 class_names=None, embed_dim=50, objective="non_saturating", seed=None,
                 ema_decay=None, **kwargs):
        super().__init__(latent_dim=latent_dim, objective=objective, seed=seed, ema_decay=ema_decay, **kwargs)
        self.resolution = check_positive_int(resolution, "resolution")
        self.channels = check_positive_int(channels, "channels")
        self.width = check_positive_int(width, "width")
        self.num_classes = check_positive_int(num_classes, "num_classes")
        self.embed_dim = check_positive_int(embed_dim, "embed_dim")
        sizes = dict(resolution=self.resolution, channels=self.channels, width=self.width,
                     latent_dim=self.latent_dim, num_classes=self.num_classes, embed_dim=self.embed_dim)
        # DCGAN's networks on [z, label embedding], and the two class embeddings
        features = feature_count(self.resolution, self.width)
        check_parameter_budget(self.family, sizes, parameter_estimate(
            self.resolution, self.channels, self.width, self.latent_dim + self.embed_dim)
            + self.num_classes * (self.embed_dim + features))
        if class_names is not None and len(class_names) != self.num_classes:
            raise ValueError(f"class_names has {len(class_names)} names for {self.num_classes} classes.")
        self.class_names = list(class_names) if class_names is not None else None
        self.image_shape = (self.resolution, self.resolution, self.channels)
        self.generator = build_generator(self.resolution, self.channels, self.width, self.latent_dim,
                                         self.num_classes, self.embed_dim)
        self.discriminator = build_discriminator(self.resolution, self.channels, self.width, self.num_classes)
        self.build()

    def get_config(self):
        return {**super().get_config(), "resolution": self.resolution, "channels": self.channels,
                "width": self.width, "num_classes": self.num_classes, "class_names": self.class_names,
                "embed_dim": self.embed_dim}

    # -- training: fit(images, labels) -------------------------------------------------
    def prepare_batch(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2 or data[1] is None:
            raise ValueError("A conditional GAN trains on (images, labels): call fit(images, labels) "
                             "or give a dataset of (images, labels) pairs.")
        batch = super().prepare_batch(data)
        batch["labels"] = ops.cast(ops.reshape(data[1], (-1,)), "int32")
        return batch

    def discriminator_loss(self, batch):
        real, labels = batch["images"], batch["labels"]
        z = self.latent_batch(ops.shape(real)[0])
        fake = ops.stop_gradient(self.generator([z, labels], training=True))
        real_logits = self.discriminate(real, labels, real=True)  # augment: the images only, not the labels
        fake_logits = self.discriminate(fake, labels)
        return self.d_objective(real_logits, fake_logits)

    def generator_loss(self, batch):
        labels = batch["labels"]
        z = self.latent_batch(ops.shape(labels)[0])
        fake_logits = self.discriminate(self.generator([z, labels], training=True), labels)
        return self.g_objective(fake_logits)

    # -- inference -----------------------------------------------------------------------
    def class_ids(self, labels, n):
        """n class ids from None (round robin), one class, or a sequence of n classes;
        a class is an id in [0, num_classes) or, where the model has them, a name."""
        if labels is None:
            return np.arange(n, dtype=np.int32) % self.num_classes
        single = isinstance(labels, (numbers.Integral, str, np.integer))
        wanted = [labels] * n if single else list(np.asarray(labels).reshape(-1).tolist())
        if len(wanted) != n:
            raise ValueError(f"labels: give one class or a sequence of n={n} classes, got {len(wanted)}.")
        return np.array([self._class_id(label) for label in wanted], np.int32)

    def _class_id(self, label):
        names = self.class_names or []
        if isinstance(label, str) and label in names:
            return names.index(label)
        if isinstance(label, str) and label.strip().lstrip("-").isdigit():
            label = int(label)
        if isinstance(label, bool) or not isinstance(label, numbers.Integral) or not 0 <= label < self.num_classes:
            known = f"; or a name: {', '.join(names)}" if names else ""
            raise ValueError(f"Unknown class {label!r}: this model knows ids 0..{self.num_classes - 1}{known}.")
        return int(label)

    def sampling_inputs(self, n, seed=None, labels=None):
        ids = self.class_ids(labels, n)
        return [self.latent_numpy(n, seed), ids], {"labels": ids}

    def sample(self, n, labels=None, seed=None, batch_size=256):
        """n images of the given classes (see class_ids) as uint8 NHWC numpy."""
        n = check_sample_count(n, self.image_shape)  # before its latents are drawn
        return self.generate(self.sampling_inputs(n, seed, labels)[0], check_positive_int(batch_size, "batch_size"))

    def preview_grid(self, n=64, seed=0):
        """One row per class."""
        per_class = max(1, n // self.num_classes)
        labels = np.repeat(np.arange(self.num_classes), per_class)
        return image_utils.grid(self.sample(len(labels), labels=labels, seed=seed), cols=per_class)
