"""inpaint_celeba: fill holes in 64x64 CelebA faces (ganzoo/families/inpaint.py).

Trains on the first 9,000 faces with masks it draws itself (random rectangles and free-form
strokes); the last 1,000 faces are held out for the grids and the evaluation, which fills
centre squares, random boxes and strokes beside skimage's biharmonic inpainting.

    python recipes/inpaint_celeba.py --export
"""

from absl import app, flags

import recipe_flags
from dcgan_celeba import CELEBA_DATASET, load_images

flags.DEFINE_integer("inpaint_width", 16, "Filters of the U-Net's first layer and D's (pix2pix: 64; 16 fits a 2-core CPU).")
flags.DEFINE_enum("inpaint_fill", "smooth", ["zero", "smooth"], "What the U-Net reads in the hole: smooth, the harmonic "
                  "fill of the pixels around it, which the U-Net then corrects; or zero (mid-grey), as the first entry.")
FLAGS = flags.FLAGS

LIMITATIONS = (
    "Trained on 9,000 aligned faces (4.4% of CelebA) at 64x64: it fills faces, seen from the front "
    "and centred as CelebA's are; other pictures, other poses or holes over most of the face are out "
    "of its range. Trained on rectangles up to half the side and strokes; fills are plausible, not "
    "the true hidden face. CelebA's celebrities skew young and light-skinned; fills inherit that "
    "bias. Non-commercial research use only, as CelebA's terms require.")


def held_out(data_dir, source):
    from ganzoo import data

    return data.load("celeba", "test", data_dir=data_dir, source=source, resolution=64)[0][:32]


def main(argv):
    del argv
    recipe_flags.run(
        "inpaint_celeba", "inpaint",
        {"resolution": 64, "channels": 3, "width": FLAGS.inpaint_width, "l1_weight": 100.0, "fill": FLAGS.inpaint_fill},
        load_images, steps=10000, batch_size=16, preview_inputs=held_out,
        evaluation={"n_samples": 1000, "seed": 0, "inpainting": {"masks": ["centre", "box", "stroke"]}},
        dataset=CELEBA_DATASET, limitations=LIMITATIONS,
        description="Inpainting as a pix2pix (U-Net generator, PatchGAN discriminator) conditioned on the "
                    "masked face and its mask"
                    + (", the hole first filled smoothly from its surroundings (harmonic fill) and the U-Net's "
                       "output added to that fill" if FLAGS.inpaint_fill == "smooth" else "")
                    + "; adversarial loss plus 100 x L1 inside the hole, trained on "
                    "random rectangles and free-form strokes; inpaint(faces, masks) takes uint8 (N, 64, 64, 3) "
                    "faces and (64, 64) masks, 1 = missing, and returns the faces with only the holes filled.")


if __name__ == "__main__":
    app.run(main)
