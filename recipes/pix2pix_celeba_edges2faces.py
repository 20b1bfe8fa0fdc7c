"""pix2pix_celeba_edges2faces: pix2pix from Sobel line drawings to 64x64 CelebA faces.

The pairs are made in the input pipeline from the faces themselves (ganzoo.paired.edges);
trains on the first 9,000 faces, holds out the last 1,000 for the grids and evaluation.

    python recipes/pix2pix_celeba_edges2faces.py --export

The entry is width 16 (at 64 the generator alone would be 117 MB): the recipe's 20,000 steps, then
20,000 more from them, FID of 1,000 held-out translations 128.48 -> 115.96 at the same L1 (0.1576);
a third 20,000 fitted the training faces (held-out L1 0.1584, recall 0.010 -> 0.004):
    python recipes/pix2pix_celeba_edges2faces.py --pix2pix_width=16 --steps=20000 --export
    python recipes/pix2pix_celeba_edges2faces.py --init_from=pix2pix_celeba_edges2faces --pix2pix_width=16 \
        --steps=20000 --export
"""

from absl import app, flags

import recipe_flags
from dcgan_celeba import CELEBA_DATASET

flags.DEFINE_integer("pix2pix_width", 64, "Filters of the U-Net's first layer and D's (paper: 64).")
flags.DEFINE_float("pix2pix_l1_weight", 100.0, "Weight of the L1 term against the adversarial one (paper: 100).")
flags.DEFINE_enum("pix2pix_generator_output", "image", ["image", "chroma"],
                  "G draws the whole image (the paper), or, for colourisation, only the chroma beside the grey "
                  "input kept as luma (the authors' colorization model: L in, ab out).")
FLAGS = flags.FLAGS

PAIRED_LIMITATIONS = (
    "Trained on 9,000 faces (4.4% of CelebA) at 64x64. The inputs are made from the faces "
    "themselves, so drawings or grey photos of other kinds (hand sketches, old photographs) are "
    "out of distribution. CelebA's celebrities skew young and light-skinned; outputs inherit that "
    "bias. Non-commercial research use only, as CelebA's terms require.")


def train_paired(name, task, what):
    """what: the rest of the card's description after the objective (what is translated to what)."""
    from ganzoo import paired

    def pairs(data_dir, source):
        return paired.celeba_pairs(task, "train", data_dir, source)

    def held_out(data_dir, source):
        return paired.celeba_pairs(task, "test", data_dir, source)[0][:32]  # the grid's 32 pairs

    input_channels = 1
    recipe_flags.run(
        name, "pix2pix",
        {"resolution": 64, "input_channels": input_channels, "output_channels": 3,
         "width": FLAGS.pix2pix_width, "l1_weight": FLAGS.pix2pix_l1_weight,
         "generator_output": FLAGS.pix2pix_generator_output},
        pairs, steps=20000, batch_size=16, generator_only=True, preview_inputs=held_out,
        evaluation={"n_samples": 1000, "seed": 0, "translation": {"task": task}},
        dataset=CELEBA_DATASET, limitations=PAIRED_LIMITATIONS,
        description="pix2pix (Isola et al. 2017): U-Net generator and PatchGAN discriminator, adversarial "
                    f"loss plus {FLAGS.pix2pix_l1_weight:g} x L1, {what}"
                    + (" G draws only the two chroma channels (BT.601 Cb, Cr); the grey input is kept as the "
                       "luma of its colours." if FLAGS.pix2pix_generator_output == "chroma" else ""))


def main(argv):
    del argv
    train_paired("pix2pix_celeba_edges2faces", "edges",
                 "trained to turn Sobel line drawings of 64x64 CelebA faces back into the faces; "
                 "translate(drawings) takes uint8 (N, 64, 64, 1).")


if __name__ == "__main__":
    app.run(main)
