"""gan_mnist: the original fully connected GAN on the 60,000 MNIST training digits.

The baseline every other entry is compared with.

    python recipes/gan_mnist.py --export
"""

from absl import app

import recipe_flags


def main(argv):
    del argv
    recipe_flags.run(
        "gan_mnist", "gan",
        {"resolution": 28, "channels": 1, "hidden": [256, 512, 1024], "latent_dim": 100,
         "dropout": 0.3, "ema_decay": 0.999},
        recipe_flags.load_mnist_digits, steps=10000, batch_size=128,
        evaluation={"n_samples": 10000, "seed": 0, "classifier": "classifier_mnist",
                    "fid": recipe_flags.MNIST_FID},
        dataset=recipe_flags.MNIST_DATASET,
        description="The original GAN (Goodfellow et al. 2014): fully connected generator and "
                    "discriminator on MNIST digits, 28x28 grayscale, non-saturating loss; samples "
                    "come from an exponential moving average (decay 0.999) of G's weights.")


if __name__ == "__main__":
    app.run(main)
