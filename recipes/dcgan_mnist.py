"""dcgan_mnist: DCGAN at 28x28 on the 60,000 MNIST training digits.

    python recipes/dcgan_mnist.py --export
"""

from absl import app, flags

import recipe_flags

FLAGS = flags.FLAGS

MNIST_DATASET = {"name": "mnist", "split": "train", "card_license": "cc-by-sa-3.0",
                 "license": "CC BY-SA 3.0 (MNIST, LeCun, Cortes, Burges)",
                 "description": "the 60,000 training digits, 28x28 grayscale."}


def load_images(data_dir, source):
    from ganzoo import data

    images, _ = data.load("mnist", "train", data_dir=data_dir, source=source)
    return images


def main(argv):
    del argv
    recipe_flags.run(
        "dcgan_mnist", "dcgan",
        {"resolution": 28, "channels": 1, "width": FLAGS.dcgan_width, "latent_dim": 100, "ema_decay": 0.999,
         **({"extra_layers": FLAGS.dcgan_extra_layers} if FLAGS.dcgan_extra_layers else {})},
        load_images, steps=20000, batch_size=64,
        evaluation={"n_samples": 10000, "seed": 0, "classifier": "classifier_mnist"},
        dataset=MNIST_DATASET,
        description="DCGAN (Radford et al. 2016) trained on MNIST digits, 28x28 grayscale, "
                    + (f"with {FLAGS.dcgan_extra_layers} 3x3 convolution(s) added at the 7x7 maps of G and D, "
                       if FLAGS.dcgan_extra_layers else "")
                    + "non-saturating loss; samples come from an exponential moving average "
                    "(decay 0.999) of the generator's weights.")


if __name__ == "__main__":
    # defined here, not on import: gan_mnist, cgan_mnist and infogan_mnist import this module's data
    # helpers and must not accept (and ignore) these flags
    flags.DEFINE_integer("dcgan_width", 64, "Filters of D's first / G's last hidden layer (paper: 64).")
    flags.DEFINE_integer("dcgan_extra_layers", 0, "3x3 convolutions added at the 7x7 maps of G and D (paper: 0).")
    app.run(main)
