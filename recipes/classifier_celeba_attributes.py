"""classifier_celeba_attributes: which of 17 attributes does a 64x64 face show? The judge of the
attribute edits (stargan_celeba), of captions followed (gan_cls_celeba_captions) and of
fine-tuning to one attribute (ganzoo finetune).

The same small CNN as classifier_mnist with one sigmoid output per attribute (binary
cross-entropy), trained on the first 9,000 CelebA faces, each also mirrored; measured on the
1,000 held-out faces by each attribute's balanced accuracy (the mean of the true-positive and
true-negative rates, 0.5 for a judge that always answers the same however rare the attribute).

    python recipes/classifier_celeba_attributes.py --export
"""

from absl import app, flags

import recipe_flags
from dcgan_celeba import CELEBA_DATASET

flags.DEFINE_integer("epochs", 8, "Passes over the (mirrored) training faces.")
FLAGS = flags.FLAGS
ATTRIBUTES = ["Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair", "Male", "Young", "Smiling", "Eyeglasses",
              "Wavy_Hair", "Bangs", "Goatee", "Mustache", "No_Beard", "Wearing_Hat", "Heavy_Makeup",
              "Wearing_Lipstick", "Bald"]


def faces_and_attributes(split):
    from ganzoo import data, paired

    faces, attributes = data.load("celeba", split, data_dir=FLAGS.data_dir, source=FLAGS.source)
    names = data.load_celeba_attributes(FLAGS.data_dir)[1]
    return faces, paired.select_attributes(attributes, sorted(names) if FLAGS.source == "tfds" else names, ATTRIBUTES)


def main(argv):
    del argv
    import keras
    import numpy as np

    from ganzoo.metrics.classifier import balanced_accuracy, build_classifier, predict_attributes

    keras.utils.set_random_seed(FLAGS.seed)
    x_train, y_train = faces_and_attributes("train")
    x_train, y_train = np.concatenate([x_train, x_train[:, :, ::-1]]), np.concatenate([y_train, y_train])
    x_test, y_test = faces_and_attributes("test")
    model = build_classifier(len(ATTRIBUTES), x_train.shape[1:])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.BinaryCrossentropy(from_logits=True))
    model.fit(x_train, y_train.astype("float32"), batch_size=FLAGS.batch_size or 128, epochs=FLAGS.epochs,
              verbose=2, shuffle=True)
    predicted = predict_attributes(model, x_test) > 0.5
    scores = {name: round(balanced_accuracy(predicted[:, i], y_test[:, i]), 4) for i, name in enumerate(ATTRIBUTES)}
    mean = float(np.mean(list(scores.values())))
    print(f"classifier_celeba_attributes: held-out balanced accuracy {mean:.4f} (mean of {len(ATTRIBUTES)}); "
          + ", ".join(f"{name} {value}" for name, value in scores.items()))
    if FLAGS.export:
        recipe_flags.export_classifier(
            "classifier_celeba_attributes", model, len(ATTRIBUTES), x_train.shape[1:], mean, epochs=FLAGS.epochs,
            classes=ATTRIBUTES, multi_label=True, per_class=scores,
            description="Small CNN that reads 17 attributes of a 64x64 CelebA face (an independent sigmoid each), "
                        "used to score attribute edits, captions followed and fine-tuning to an attribute.",
            dataset={**CELEBA_DATASET,
                     "description": "the first 9,000 faces with 17 of their 40 attribute labels, each face also "
                                    "mirrored; balanced accuracy measured on the 1,000 held-out faces."})


if __name__ == "__main__":
    app.run(main)
