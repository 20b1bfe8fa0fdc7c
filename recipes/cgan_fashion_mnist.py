"""cgan_fashion_mnist: class-conditional DCGAN on the 60,000 Fashion-MNIST training images.

    python recipes/cgan_fashion_mnist.py --export
"""

from absl import app

import recipe_flags
from cgan_mnist import train_conditional

FASHION_MNIST_DATASET = {"name": "fashion_mnist", "split": "train", "card_license": "mit",
                         "license": "MIT (Fashion-MNIST, Zalando SE)",
                         "description": "the 60,000 training images of 10 clothing classes, 28x28 grayscale."}


def main(argv):
    del argv
    train_conditional("cgan_fashion_mnist", "fashion_mnist", FASHION_MNIST_DATASET,
                      recipe_flags.FASHION_MNIST_FID, "classifier_fashion_mnist",
                      "Fashion-MNIST clothes (10 classes)", steps=3000, ema_decay=0.998)


if __name__ == "__main__":
    app.run(main)
