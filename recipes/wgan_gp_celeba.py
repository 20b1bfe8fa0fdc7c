"""wgan_gp_celeba: WGAN-GP (critic without batch norm, n_critic=5, lambda=10) on 64x64 CelebA.

Same data and measurement as dcgan_celeba; Adam(1e-4, beta_1=0, beta_2=0.9) as in the paper.

    python recipes/wgan_gp_celeba.py --export
"""

from absl import app

import recipe_flags
from dcgan_celeba import CELEBA_DATASET, CELEBA_FID, CELEBA_LIMITATIONS, FLAGS, load_images


def main(argv):
    del argv
    recipe_flags.run(
        "wgan_gp_celeba", "wgan_gp",
        {"resolution": 64, "channels": 3, "width": FLAGS.width, "latent_dim": 100, "n_critic": 5,
         "gp_weight": 10.0, "ema_decay": 0.995},
        load_images, steps=6000, batch_size=64, generator_only=True,
        evaluation={"n_samples": 5000, "seed": 0, "fid": CELEBA_FID},
        dataset=CELEBA_DATASET,
        description="WGAN-GP (Gulrajani et al. 2017): Wasserstein critic without batch norm, gradient "
                    "penalty (lambda 10) on interpolates, 5 critic steps per generator step, trained "
                    "on 64x64 CelebA faces; samples come from an exponential moving average (decay "
                    "0.995) of G's weights.",
        limitations=CELEBA_LIMITATIONS)


if __name__ == "__main__":
    app.run(main)
