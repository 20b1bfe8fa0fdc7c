"""dcgan_mnist: DCGAN at 28x28 on the 60,000 MNIST training digits.

    python recipes/dcgan_mnist.py --export
"""

from absl import app

import recipe_flags

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
        {"resolution": 28, "channels": 1, "width": 64, "latent_dim": 100, "ema_decay": 0.999},
        load_images, steps=20000, batch_size=64,
        evaluation={"n_samples": 10000, "seed": 0, "classifier": "classifier_mnist"},
        dataset=MNIST_DATASET,
        description="DCGAN (Radford et al. 2016) trained on MNIST digits, 28x28 grayscale, "
                    "non-saturating loss; samples come from an exponential moving average "
                    "(decay 0.999) of the generator's weights.")


if __name__ == "__main__":
    app.run(main)
