"""lsgan_celeba: LSGAN (least-squares objective, DCGAN networks) on 64x64 CelebA faces.

Same data and measurement as dcgan_celeba; the objective differs, and D has no batch norm. Ships
the averaged generator and, in its own file, the discriminator. The shipped entry is width 32 with
DiffAugment, as dcgan_celeba (the withdrawn entry, 2,100 steps without it, had collapsed onto one face):

    python recipes/lsgan_celeba.py --width=32 --augment=color,translation,cutout --steps=17640 --export

(FID of 5,000 samples 43.04), then 8,400 more steps from that entry (2026-12-05, FID 35.46), then
8,120 more from that one (FID 31.19; its card has the curve):

    python recipes/lsgan_celeba.py --init_from=lsgan_celeba --width=32 --augment=color,translation,cutout \
        --steps=8400 --steps_per_epoch=500 --snapshot_every=2000 --output_dir=runs/lsgan_ft --export
    python recipes/lsgan_celeba.py --init_from=lsgan_celeba --width=32 --augment=color,translation,cutout \
        --steps=13160 --steps_per_epoch=500 --snapshot_every=2000 --output_dir=runs/lsgan_ft2 --export \
        --export_snapshot=8120

The third run's faces turned washed-out after step 8,120 (FID of 1,000 samples 41.5 there, 72.3 at
10,080), so its snapshot at 8,120 ships: longer legs at this constant rate want their snapshots
measured as they come (scripts/checkpoint_fid.py).
"""

from absl import app, flags

import recipe_flags
from dcgan_celeba import CELEBA_DATASET, CELEBA_FID, CELEBA_LIMITATIONS, FLAGS, load_images

# With DCGAN's batch-normalised D, the least-squares game collapsed G to one image within
# 140 steps here (seeds 0 and 1: samples differed by ~2 grey levels); without it G keeps its
# spread (~13 levels at step 140, as DCGAN's non-saturating run has), so D goes without.
flags.DEFINE_bool("d_batch_norm", False, "Batch norm in D's hidden layers (DCGAN's D has it).")


def main(argv):
    del argv
    recipe_flags.run(
        "lsgan_celeba", "lsgan",
        {"resolution": 64, "channels": 3, "width": FLAGS.width, "latent_dim": 100, "ema_decay": 0.998,
         "d_batch_norm": FLAGS.d_batch_norm},
        load_images, steps=6000, batch_size=64, generator_only=True,
        # D only starts a fine-tune: stored at half precision (half the bytes), the samples stay float32 G's
        training_weights_dtype="float16",
        evaluation={"n_samples": 5000, "seed": 0, "fid": CELEBA_FID},
        dataset=CELEBA_DATASET,
        description="LSGAN (Mao et al. 2017): least-squares objective on the DCGAN networks (D without "
                    "batch norm, which collapsed G in this setting), trained on 64x64 CelebA faces; "
                    "samples come from an exponential moving average (decay 0.998) of G's weights.",
        limitations=CELEBA_LIMITATIONS)


if __name__ == "__main__":
    app.run(main)
