"""stylegan_lite_celeba: StyleGAN-lite at 64x64 on the CelebA faces (as dcgan_celeba's data).

Trains on the first 9,000 of the 10,000 faces in ../shared/data/celeba, batch 32, Adam(2e-3,
0, 0.99), lazy R1 every 16 steps, style mixing 0.9, and ships the EMA generator only (what
sampling needs), measured by FID exactly as dcgan_celeba (5,000 samples, the 9,000 faces).
The defaults (width 32, 40,000 steps) want a GPU: run them with KERAS_BACKEND=torch there.
The shipped entry is width 16, 10,397 steps, on the 2-core CPU (100 minutes):

    python recipes/stylegan_lite_celeba.py --stylegan_width=16 --steps=10397 --export

It ran as a 30,000-step run that --time_limit paused at step 10,397, then that command
exported the checkpoint; the learning rate is constant, so the steps are the same either way.

A width-32 run on the 2-core CPU is under way (from 2026-12-04; one core, 2.45 s a step in bfloat16):

    python recipes/stylegan_lite_celeba.py --stylegan_width=32 --augment=color,translation,cutout \
        --steps=30000 --steps_per_epoch=250 --snapshot_every=2000 --mixed_precision=bfloat16 \
        --output_dir=runs/stylegan_lite_celeba_w32

FID of 1,000 samples against the training faces (`python scripts/checkpoint_fid.py
--run_dir=runs/stylegan_lite_celeba_w32 -n 1000 --step=S`): 168.3 / 90.4 / 71.8 at steps 2,000 / 4,000 /
6,000, precision 0.07 / 0.50 / 0.59, nn_ratio 1.48 / 1.21 / 1.15 (no copying). The shipped width-16
entry reads 71.6 on the same measure after 10,397 steps and was flat from there: width 32 has matched it
at 6,000 steps and is still falling. Shipping it needs room in weights/ (its generator alone is 10.9 MB
in float32).
"""

from absl import app, flags

import recipe_flags
from dcgan_celeba import CELEBA_DATASET, CELEBA_LIMITATIONS, load_images

flags.DEFINE_integer("stylegan_width", 32, "Channels at 64x64, doubling per halving up to 8x (256 at 8x8).")
flags.DEFINE_float("r1_gamma", 0.05, "R1 weight gamma (StyleGAN2-ADA's heuristic: 2e-4 * 64^2 / 32 = 0.026).")
FLAGS = flags.FLAGS

STYLEGAN_LIMITATIONS = (" A narrow network (width 16, 0.8M generator parameters) trained for 37 passes: faces "
                        "have smeared backgrounds, halos around the hair and some broken faces; truncation "
                        "below 1 (e.g. 0.7) trades variety for fewer broken faces, as the truncation sweep shows.")

# dcgan_celeba's measurement, so the two FIDs compare
STYLEGAN_EVALUATION = {"n_samples": 5000, "seed": 0, "fid": {"dataset": "celeba", "split": "train", "resolution": 64}}


def main(argv):
    del argv
    recipe_flags.run(
        "stylegan_lite_celeba", "stylegan_lite",
        {"resolution": 64, "channels": 3, "width": FLAGS.stylegan_width, "latent_dim": 128, "w_dim": 128,
         "mapping_layers": 4, "mixing_probability": 0.9, "r1_gamma": FLAGS.r1_gamma, "r1_interval": 16,
         "ema_decay": 0.999},
        load_images, steps=40000, batch_size=32, generator_only=True, evaluation=STYLEGAN_EVALUATION,
        # D only starts a fine-tune: stored at half precision (half the bytes), the samples stay float32 G's
        training_weights_dtype="float16",
        dataset=CELEBA_DATASET,
        description="StyleGAN-lite: a small StyleGAN2 (mapping network, modulated/demodulated convolutions "
                    "from a learned constant, noise inputs, skip RGB outputs, residual D with minibatch "
                    "stddev, lazy R1, style mixing, EMA generator) trained on 64x64 CelebA faces; "
                    "sample(n, truncation=0.7), style_mix(rows, cols), interpolate(a, b).",
        limitations=CELEBA_LIMITATIONS + STYLEGAN_LIMITATIONS)


if __name__ == "__main__":
    app.run(main)
