"""classifier_mnist / classifier_fashion_mnist: the small CNN that scores generated digits.

Trained on the real training set, measured on the real test set, exported to
weights/<name>/ as an `evaluators` entry of the manifest.

    python recipes/classifier_mnist.py --dataset=mnist --export
"""

from absl import app, flags

import recipe_flags

flags.DEFINE_enum("dataset", "mnist", ["mnist", "fashion_mnist"], "Which data set.")
flags.DEFINE_integer("epochs", 4, "Passes over the training set.")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    import keras

    from ganzoo import data
    from ganzoo.metrics.classifier import build_classifier

    keras.utils.set_random_seed(FLAGS.seed)
    name = f"classifier_{FLAGS.dataset}"
    x_train, y_train = data.load(FLAGS.dataset, "train", data_dir=FLAGS.data_dir, source=FLAGS.source)
    x_test, y_test = data.load(FLAGS.dataset, "test", data_dir=FLAGS.data_dir, source=FLAGS.source)
    model = build_classifier(10, x_train.shape[1:])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=FLAGS.batch_size or 128, epochs=FLAGS.epochs,
              verbose=2, validation_split=0.05)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=500, verbose=0)
    print(f"{name}: test accuracy {accuracy:.4f}")
    if FLAGS.export:
        info = data.DATASETS[FLAGS.dataset]
        recipe_flags.export_classifier(
            name, model, 10, x_train.shape[1:], accuracy, epochs=FLAGS.epochs,
            description=f"Small CNN classifier of {FLAGS.dataset}, used to score generated images "
                        "(class coverage, confidence, label accuracy).",
            dataset={"name": FLAGS.dataset, "split": "train", "license": info["license"],
                     "card_license": "cc-by-sa-3.0" if FLAGS.dataset == "mnist" else "mit",
                     "description": "the 60,000 training images; accuracy measured on the 10,000 test images."})


if __name__ == "__main__":
    app.run(main)
