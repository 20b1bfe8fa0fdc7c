"""discogan_celeba_black2blond: DiscoGAN between black-haired and blond CelebA faces (unpaired), on
the same domains, held-out faces and judges as cyclegan_celeba_black2blond, so the two compare.

G adds a change to its input rather than drawing the whole face (--discogan_generator_output=residual,
as the CycleGAN entry does): with the paper's whole-image encoder-decoder (width 32, batch 8) the
translations were still coloured blobs over a checkerboard after 544 steps, the reconstruction
error barely falling (0.61 squared error), at 1.7 s a step on one core.

The shipped entry also weighs the reconstruction terms 10 (at the paper's 1 faces drifted and the
black -> blond FID was 91.07; 84.79 at 10) and translates with an average of G's weights:

    python recipes/discogan_celeba_black2blond.py --discogan_upsampling=resize --discogan_reconstruction_weight=10 --discogan_ema_decay=0.999 --steps=6000 --export
"""

from absl import app, flags

import recipe_flags
from cyclegan_celeba_black2blond import A, B, domains, held_out
from dcgan_celeba import CELEBA_DATASET
from pix2pix_celeba_edges2faces import PAIRED_LIMITATIONS

flags.DEFINE_integer("discogan_width", 32, "Filters of G's and D's first layer (paper: 64).")
flags.DEFINE_enum("discogan_generator_output", "residual", ["image", "residual"],
                  "G draws the whole image (the paper) or adds a change to its input (clipped).")
flags.DEFINE_float("discogan_reconstruction_weight", 1.0, "Weight of the two reconstruction terms (paper: 1).")
flags.DEFINE_enum("discogan_upsampling", "transpose", ["transpose", "resize"],
                  "G's upsampling: stride-2 transposed convolutions (the paper) or nearest doubling + a convolution.")
flags.DEFINE_float("discogan_ema_decay", None, "Translate with a moving average of G's weights at this decay "
                   "(e.g. 0.999; off if unset, as in the paper).")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    residual = " that add a change to their input" if FLAGS.discogan_generator_output == "residual" else ""
    recipe_flags.run(
        "discogan_celeba_black2blond", "discogan",
        {"resolution": 64, "channels": 3, "width": FLAGS.discogan_width,
         "reconstruction_weight": FLAGS.discogan_reconstruction_weight, "distance": "mse",
         "generator_output": FLAGS.discogan_generator_output, "upsampling": FLAGS.discogan_upsampling,
         **({} if FLAGS.discogan_ema_decay is None else {"ema_decay": FLAGS.discogan_ema_decay})},
        domains, steps=6000, batch_size=8, generator_only=True, preview_inputs=held_out,
        # D only starts a fine-tune: stored at half precision (half the bytes), the samples stay float32 G's
        training_weights_dtype="float16",
        evaluation={"n_samples": 1000, "seed": 0,
                    "translation": {"a": A, "b": B, "classifier": "classifier_celeba_hair"}},
        dataset=CELEBA_DATASET,
        description=f"DiscoGAN (Kim et al. 2017): encoder-decoder generators{residual} and convolutional "
                    "discriminators with batch norm, the non-saturating loss and two squared-error "
                    "reconstruction terms (A to B to A, B to A to B), trained between black-haired and blond "
                    "64x64 CelebA faces without pairs; translate(faces, direction='a2b' | 'b2a').",
        limitations=PAIRED_LIMITATIONS.replace("The inputs are made from the faces themselves, so "
                                               "drawings or grey photos of other kinds (hand sketches, "
                                               "old photographs) are out of distribution. ", "")
        + " Only the two hair colours of the training faces are domains: other hair colours, hats and bald "
          "heads are out of distribution.")


if __name__ == "__main__":
    app.run(main)
