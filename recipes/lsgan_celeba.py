"""lsgan_celeba: LSGAN (least-squares objective, DCGAN networks) on 64x64 CelebA faces.

Same data, networks and measurement as dcgan_celeba; only the objective differs.

    python recipes/lsgan_celeba.py --export
"""

from absl import app

import recipe_flags
from dcgan_celeba import CELEBA_DATASET, CELEBA_FID, CELEBA_LIMITATIONS, FLAGS, load_images


def main(argv):
    del argv
    recipe_flags.run(
        "lsgan_celeba", "lsgan",
        {"resolution": 64, "channels": 3, "width": FLAGS.width, "latent_dim": 100, "ema_decay": 0.998},
        load_images, steps=6000, batch_size=64, generator_only=True,
        evaluation={"n_samples": 5000, "seed": 0, "fid": CELEBA_FID},
        dataset=CELEBA_DATASET,
        description="LSGAN (Mao et al. 2017): least-squares objective on the DCGAN networks, trained "
                    "on 64x64 CelebA faces; samples come from an exponential moving average (decay "
                    "0.998) of G's weights.",
        limitations=CELEBA_LIMITATIONS)


if __name__ == "__main__":
    app.run(main)
