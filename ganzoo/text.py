"""Text for text-to-image: captions as token ids, a small text encoder, and its pre-training as
a joint image-text embedding (in the spirit of Reed et al. 2016's DS-SJE).

No language model can be downloaded here, and none is needed for captions of a 75-word
vocabulary (ganzoo.captions): word embeddings, two 1-D convolutions over the words and a
masked mean make a sentence vector, unit length. It is pre-trained with an image encoder (a
small CNN) so that a face and its captions land near each other and far from other faces'
captions: a symmetric contrastive loss over the batch (each image against every caption of the
batch, and the reverse), where DS-SJE used a structured hinge loss over classes; CelebA has no
classes, and the batch's other faces serve as its negatives.
"""

import keras
import numpy as np
from keras import layers, ops

from ganzoo import captions as caption_utils

MAX_WORDS = 32


def token_ids(texts):
    """int32 (N, MAX_WORDS) ids of a caption or a list of captions: 0 pads, a word is its
    VOCABULARY index + 1. Words outside the vocabulary and over-long captions raise ValueError."""
    texts = [texts] if isinstance(texts, str) else list(texts)
    if not texts:
        raise ValueError("Give at least one caption.")
    index = {word: i + 1 for i, word in enumerate(caption_utils.VOCABULARY)}
    ids = np.zeros((len(texts), MAX_WORDS), np.int32)
    for row, text in enumerate(texts):
        words = caption_utils.tokenize(text)
        if len(words) > MAX_WORDS:
            raise ValueError(f"The caption {text!r} has {len(words)} words; at most {MAX_WORDS} are read.")
        ids[row, : len(words)] = [index[word] for word in words]
    return ids


# what grids and samples draw when no caption is given
DEFAULT_CAPTIONS = ("a smiling young woman with wavy blond hair", "a young man with black hair",
                    "an older man with eyeglasses and a beard", "a young woman with heavy makeup and lipstick",
                    "a smiling man with a goatee", "an older woman with grey hair",
                    "a young man who wears a hat", "a woman with bangs and brown hair")


def caption_list(captions=None):
    """A caption or a list of them as a list; DEFAULT_CAPTIONS when None."""
    if captions is None:
        return list(DEFAULT_CAPTIONS)
    return [captions] if isinstance(captions, str) else list(captions)


def caption_blocks(n, captions=None):
    """(token ids of each of n samples, the caption of each): the captions in equal blocks, caption by
    caption (the last block shorter when n does not divide). Unknown words fail here, before sampling."""
    captions = caption_list(captions)
    ids = token_ids(captions)
    each = np.repeat(np.arange(len(captions)), -(-n // len(captions)))[:n]
    return ids[each], [captions[i] for i in each]


def pick_caption(tokens, seed_generator):
    """(N, MAX_WORDS) ids: `tokens` as they are, or one row of (N, k, MAX_WORDS) drawn per image."""
    if len(tokens.shape) == 2:
        return tokens
    n, k = ops.shape(tokens)[0], ops.shape(tokens)[1]
    choice = keras.random.randint((n, 1, 1), 0, k, seed=seed_generator)
    picked = ops.take_along_axis(tokens, ops.broadcast_to(choice, (n, 1, MAX_WORDS)), axis=1)
    return ops.squeeze(picked, axis=1)


def build_text_encoder(embedding_dim=128, width=128, name="text_encoder"):
    """token ids (N, MAX_WORDS) -> unit sentence vectors (N, embedding_dim)."""
    tokens = keras.Input((MAX_WORDS,), dtype="int32", name="tokens")
    x = layers.Embedding(len(caption_utils.VOCABULARY) + 1, width, name="words")(tokens)
    for i in range(2):
        x = layers.Conv1D(width, 3, padding="same", activation="relu", name=f"conv{i}")(x)
    present = ops.cast(ops.expand_dims(tokens > 0, -1), x.dtype)
    x = ops.sum(x * present, axis=1) / ops.maximum(ops.sum(present, axis=1), 1.0)  # mean over the words
    x = layers.Dense(embedding_dim, name="project")(x)
    return keras.Model(tokens, layers.UnitNormalization(dtype="float32", name="unit")(x), name=name)


def build_image_encoder(resolution=64, channels=3, embedding_dim=128, width=32, name="image_encoder"):
    """uint8-range images scaled to [-1, 1] -> unit vectors (N, embedding_dim)."""
    image = keras.Input((resolution, resolution, channels), name="image")
    x = image
    for i in range(4):
        x = layers.Conv2D(width * 2 ** min(i, 2), 4, strides=2, padding="same", name=f"down{i}")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Dense(embedding_dim, name="project")(layers.GlobalAveragePooling2D()(x))
    return keras.Model(image, layers.UnitNormalization(dtype="float32", name="unit")(x), name=name)


def contrastive_loss(image_vectors, text_vectors, scale):
    """Symmetric InfoNCE over a batch of matching pairs: row i of each is a pair, every other row a
    negative; cross-entropy of each image against all texts and each text against all images."""
    logits = scale * ops.matmul(image_vectors, ops.transpose(text_vectors))
    labels = ops.arange(ops.shape(logits)[0])
    per_image = keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    per_text = keras.losses.sparse_categorical_crossentropy(labels, ops.transpose(logits), from_logits=True)
    return 0.5 * (ops.mean(per_image) + ops.mean(per_text))


@keras.saving.register_keras_serializable(package="ganzoo")
class JointEmbedding(keras.Model):
    """A text encoder and an image encoder trained together on (images, token ids) pairs:
    fit((images_uint8, token_ids)) with compile(optimizer); a batch's other pairs are negatives.
    Token ids may be (N, k, MAX_WORDS), k captions per image: each step reads one at random."""

    def __init__(self, resolution=64, channels=3, embedding_dim=128, text_width=128, image_width=32,
                 temperature=0.07, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.resolution, self.channels = int(resolution), int(channels)
        self.embedding_dim, self.text_width, self.image_width = int(embedding_dim), int(text_width), int(image_width)
        self.temperature, self.seed = float(temperature), seed
        self.text_encoder = build_text_encoder(self.embedding_dim, self.text_width)
        self.image_encoder = build_image_encoder(self.resolution, self.channels, self.embedding_dim, self.image_width)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def get_config(self):
        return {"resolution": self.resolution, "channels": self.channels, "embedding_dim": self.embedding_dim,
                "text_width": self.text_width, "image_width": self.image_width, "temperature": self.temperature,
                "seed": self.seed}

    def call(self, inputs, training=False):
        images, tokens = inputs
        images = ops.cast(images, "float32") / 127.5 - 1.0
        return (self.image_encoder(images, training=training),
                self.text_encoder(pick_caption(ops.cast(tokens, "int32"), self.seed_generator), training=training))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        image_vectors, text_vectors = y_pred
        return contrastive_loss(image_vectors, text_vectors, 1.0 / self.temperature)

    def retrieval_accuracy(self, images, tokens, batch_size=100):
        """Share of images whose own caption is the nearest of `batch_size` captions (theirs and the
        other images' of the same batch), and the reverse: chance is 1 / batch_size."""
        hits = []
        for start in range(0, len(images) - batch_size + 1, batch_size):
            a, b = (ops.convert_to_numpy(v) for v in self((images[start : start + batch_size],
                                                           tokens[start : start + batch_size])))
            similarity = a @ b.T
            hits.append(((similarity.argmax(axis=1) == np.arange(batch_size)).mean()
                         + (similarity.argmax(axis=0) == np.arange(batch_size)).mean()) / 2)
        return float(np.mean(hits))
