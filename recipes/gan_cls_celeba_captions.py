"""gan_cls_celeba_captions: GAN-CLS text to image on 64x64 CelebA faces and captions made from their
attributes (ganzoo/captions.py, ten per face).

A fresh run first pre-trains the text encoder with an image encoder as a joint embedding
(ganzoo.text.JointEmbedding, --text_epochs passes over the faces), keeps it in
OUTPUT_DIR/text_encoder.weights.h5 with its held-out retrieval score, then freezes it inside
GAN-CLS and trains the GAN; a resumed run reads the encoder back from the checkpoint.

    python recipes/gan_cls_celeba_captions.py --export
"""

import json
from pathlib import Path

from absl import app, flags

import recipe_flags
from dcgan_celeba import CELEBA_DATASET, CELEBA_LIMITATIONS

flags.DEFINE_integer("gan_cls_width", 64, "Filters of D's first / G's last hidden layer (DCGAN: 64).")
flags.DEFINE_integer("text_epochs", 30, "Passes of the joint-embedding pre-training over the training faces.")
flags.DEFINE_integer("captions_per_face", 10, "Captions made for each face (one drawn per face and step).")
FLAGS = flags.FLAGS
# `ganzoo evaluate`: one sample per held-out face's caption, each stated attribute read by the judge beside
# the real faces' reading, and FID at the same count (evaluate._caption_following)
CAPTION_EVALUATION = {"n_samples": 1000, "seed": 0, "captions": {"classifier": "classifier_celeba_attributes"}}


def faces_and_captions(split, data_dir, source, resolution=64):
    import numpy as np

    from ganzoo import captions, data, text

    faces, attributes = data.load("celeba", split, data_dir=data_dir, source=source, resolution=resolution)
    names = data.load_celeba_attributes(data_dir)[1]
    texts = captions.captions(attributes, names, per_face=FLAGS.captions_per_face, seed=0 if split == "train" else 1)
    return faces, np.stack([text.token_ids(face) for face in texts])


def pretrain_text_encoder(output_dir):
    """initialize(model): the joint embedding's text encoder, trained once and kept beside the run."""
    def initialize(model):
        import keras

        from ganzoo import text

        saved = Path(output_dir) / "text_encoder.weights.h5"
        if not saved.exists():
            faces, tokens = faces_and_captions("train", FLAGS.data_dir, FLAGS.source)
            joint = text.JointEmbedding(embedding_dim=model.embedding_dim, text_width=model.text_width, seed=FLAGS.seed)
            joint.compile(optimizer=keras.optimizers.Adam(1e-3))
            joint.fit((faces, tokens), batch_size=100, epochs=FLAGS.text_epochs, verbose=2, shuffle=True)
            held_faces, held_tokens = faces_and_captions("test", FLAGS.data_dir, FLAGS.source)
            score = joint.retrieval_accuracy(held_faces, held_tokens[:, 0], batch_size=100)
            print(f"text encoder: held-out retrieval among 100 faces {score:.3f} (chance 0.010)")
            joint.text_encoder.save_weights(saved)
            (saved.parent / "text_encoder.json").write_text(json.dumps(
                {"epochs": FLAGS.text_epochs, "heldout_retrieval_at_100": round(score, 4)}, indent=2) + "\n")
        model.text_encoder.load_weights(saved)
        if model.generator_ema is not None:  # the average starts as G, its copy of the encoder included
            model.generator_ema.set_weights(model.generator.get_weights())
    return initialize


def main(argv):
    del argv
    output_dir = Path(FLAGS.output_dir or recipe_flags.REPO_ROOT / "runs" / "gan_cls_celeba_captions")
    recipe_flags.run(
        "gan_cls_celeba_captions", "gan_cls",
        {"resolution": 64, "channels": 3, "width": FLAGS.gan_cls_width, "latent_dim": 100, "embedding_dim": 128,
         "text_width": 128, "condition_dim": 128, "interpolation_weight": 1.0, "ema_decay": 0.999},
        lambda data_dir, source: faces_and_captions("train", data_dir, source), steps=20000, batch_size=64,
        initialize=pretrain_text_encoder(output_dir),
        # stored at half precision (17.6 -> 8.4 MB, so that weights/ keeps within 200 MB): samples within one level
        # of 255 of float32's, and drawn from the stored weights
        weights_dtype="float16",
        evaluation=CAPTION_EVALUATION,
        dataset={**CELEBA_DATASET, "description": CELEBA_DATASET["description"]
                 + f" Each face has {FLAGS.captions_per_face} captions made from its own attributes (ganzoo/captions.py)."},
        description="GAN-CLS (Reed et al. 2016) with GAN-INT on DCGAN networks: 64x64 CelebA faces from English "
                    "captions built from their attributes, a frozen text encoder pre-trained as a joint image-text "
                    "embedding; sample(n, captions=[...]) draws n faces per caption.",
        limitations=CELEBA_LIMITATIONS + " Captions use a 75-word vocabulary of CelebA attributes "
                                         "(ganzoo.captions.VOCABULARY); other words are refused.")


if __name__ == "__main__":
    app.run(main)
