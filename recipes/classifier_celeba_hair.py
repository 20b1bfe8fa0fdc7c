"""classifier_celeba_hair: black hair or blond? The judge of cyclegan_celeba_black2blond.

The same small CNN as classifier_mnist, at 64x64 RGB, trained on the two hair-colour domains
of the CelebA training faces (Black_Hair and not Blond_Hair: class 0; the reverse: class 1),
each face also mirrored; accuracy measured on the held-out faces of both domains. `ganzoo
evaluate` then counts how many translated faces it reads as the other domain.

    python recipes/classifier_celeba_hair.py --export
"""

from absl import app, flags

import recipe_flags
from dcgan_celeba import CELEBA_DATASET

flags.DEFINE_integer("epochs", 6, "Passes over the (mirrored) training faces.")
FLAGS = flags.FLAGS
CLASSES = ["Black_Hair", "Blond_Hair"]


def labelled_domains(split):
    import numpy as np

    from ganzoo import paired

    a, b = paired.celeba_domains(*CLASSES, split, FLAGS.data_dir, FLAGS.source)
    return np.concatenate([a, b]), np.repeat(np.arange(2), [len(a), len(b)])


def main(argv):
    del argv
    import keras
    import numpy as np

    from ganzoo.metrics.classifier import build_classifier

    keras.utils.set_random_seed(FLAGS.seed)
    x_train, y_train = labelled_domains("train")
    x_train, y_train = np.concatenate([x_train, x_train[:, :, ::-1]]), np.concatenate([y_train, y_train])
    x_test, y_test = labelled_domains("test")
    model = build_classifier(2, x_train.shape[1:])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=FLAGS.batch_size or 128, epochs=FLAGS.epochs, verbose=2, shuffle=True)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=500, verbose=0)
    print(f"classifier_celeba_hair: held-out accuracy {accuracy:.4f} on {len(x_test)} faces "
          f"({np.bincount(y_test).tolist()} per class)")
    if FLAGS.export:
        recipe_flags.export_classifier(
            "classifier_celeba_hair", model, 2, x_train.shape[1:], accuracy, epochs=FLAGS.epochs, classes=CLASSES,
            description="Small CNN that tells black-haired from blond 64x64 CelebA faces, used to score "
                        "cyclegan_celeba_black2blond (how many translations it reads as the other hair colour).",
            dataset={**CELEBA_DATASET,
                     "description": f"the faces of the first 9,000 labelled {CLASSES[0]} and not {CLASSES[1]} "
                                    "(class 0) or the reverse (class 1), each also mirrored; accuracy measured "
                                    "on the held-out faces of both classes."})


if __name__ == "__main__":
    app.run(main)
