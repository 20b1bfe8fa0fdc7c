"""dcgan_celeba: DCGAN at 64x64 on the CelebA faces (short side to 64, centre crop).

Trains on the first 9,000 of the 10,000 faces in ../shared/data/celeba (the last
1,000 are held out). Ships the averaged generator (what sampling needs) and, in its own file,
the discriminator (what fine-tuning needs). The shipped entry is the paper's width 64 with
DiffAugment, in bfloat16 (about 3 hours of 2 CPU cores, in legs: the same command resumes):

    python recipes/dcgan_celeba.py --width=64 --augment=color,translation,cutout --steps=17640 \
        --mixed_precision=bfloat16 --export
"""

from absl import app, flags

import recipe_flags

flags.DEFINE_integer("width", 64, "Filters of D's first / G's last hidden layer (paper: 64).")
FLAGS = flags.FLAGS

CELEBA_DATASET = {
    "name": "celeba", "split": "train (faces 000001-009000)", "card_license": "other",
    "license": "CelebA: non-commercial research purposes only",
    "description": "the first 9,000 of 10,000 aligned CelebA faces provided at 89x109, short side "
                   "resized to 64 and centre-cropped to 64x64. Full CelebA has 202,599 faces at "
                   "178x218: this set is 22x smaller."}
CELEBA_FID = {"dataset": "celeba", "split": "train", "resolution": 64}
CELEBA_LIMITATIONS = (
    "Trained on 9,000 faces (4.4% of CelebA) on a CPU: expect lower diversity and detail than "
    "models trained on the full data set. CelebA's celebrities skew young and light-skinned; "
    "samples inherit that bias. Non-commercial research use only, as CelebA's terms require.")


def load_images(data_dir, source):
    from ganzoo import data

    images, _ = data.load("celeba", "train", data_dir=data_dir, source=source, resolution=64)
    return images


def main(argv):
    del argv
    recipe_flags.run(
        "dcgan_celeba", "dcgan",
        {"resolution": 64, "channels": 3, "width": FLAGS.width, "latent_dim": 100, "ema_decay": 0.999},
        load_images, steps=6000, batch_size=64, generator_only=True,
        # from width 64 the discriminator ships at half precision: G and D in float32 (25.4 MB) would pass
        # the 25 MB an entry may take; D only starts a fine-tune, and the samples stay float32 G's
        training_weights_dtype="float16" if FLAGS.width >= 64 else None,
        evaluation={"n_samples": 5000, "seed": 0, "fid": CELEBA_FID},
        dataset=CELEBA_DATASET,
        description="DCGAN (Radford et al. 2016) trained on 64x64 CelebA faces, non-saturating loss.",
        limitations=CELEBA_LIMITATIONS)


if __name__ == "__main__":
    app.run(main)
