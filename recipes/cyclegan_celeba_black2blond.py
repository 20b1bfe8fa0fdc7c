"""cyclegan_celeba_black2blond: CycleGAN between black-haired and blond CelebA faces (unpaired).

Domains from the attribute file: Black_Hair and not Blond_Hair, and the reverse, among the
first 9,000 faces; the held-out faces of each domain make the grids and the evaluation.
The learning rate is constant for the first half of the steps, then falls linearly to 0.
G upsamples by resizing then convolving (--cyclegan_upsampling=resize) rather than the paper's
transposed convolutions: a CPU run with those at 64 px and width 16 still showed a grid of dots
over every face after 6,000 steps.
G also predicts a change to its input rather than a whole image (--cyclegan_generator_output=residual,
Shen & Liu 2017): the whole-image runs at width 16 blurred every face and whitened the backgrounds
with the hair, and left pink speckles on the foreheads after 18,000 steps.
The discriminators have no instance norm (--cyclegan_discriminator_norm=none): with it, G learnt
to paint one bright blob per face, which made D score the rest of the image as more real.
No identity term (--cyclegan_identity_weight=0): the paper adds it only for paintings to photos,
and a residual G already leaves the image as it is wherever it does nothing.
A cycle weight of 1, not the paper's 10 (--cyclegan_cycle_weight=1): with 10, the residual G
stayed at the identity (at step 3,500 no face's hair had changed, with or without the identity
term). `scripts/cyclegan_probes.py --probe=gradient_balance` showed why: near the identity the
L1 cycle term pulls each pixel as hard however small the change, and it out-pulled the
adversarial term on all but 0.006% of the pixels. At 1, the adversarial term won on 45% of them
(black to blond) at step 1,000, and the hair began to change.

    python recipes/cyclegan_celeba_black2blond.py --export
"""

from absl import app, flags

import recipe_flags
from dcgan_celeba import CELEBA_DATASET
from pix2pix_celeba_edges2faces import PAIRED_LIMITATIONS

flags.DEFINE_integer("cyclegan_width", 64, "Filters of G's first layer and D's (paper: 64).")
flags.DEFINE_enum("cyclegan_upsampling", "resize", ["transpose", "resize"],
                  "G's two upsamplings: the paper's stride-2 transposed convolutions, or nearest-neighbour "
                  "doubling then a 3x3 convolution, which leaves no checkerboard dots at 64 px.")
flags.DEFINE_enum("cyclegan_generator_output", "residual", ["image", "residual"],
                  "What G's last convolution makes: the paper's whole image (tanh), or a change added to the "
                  "input image (clipped to the image range), which keeps the face and background.")
flags.DEFINE_enum("cyclegan_discriminator_norm", "none", ["instance", "none"],
                  "The PatchGANs' normalisation: the paper's instance norm, or none, so that a blob in one "
                  "place cannot change D's verdict on the rest of the image.")
flags.DEFINE_float("cyclegan_cycle_weight", 1.0,
                   "Weight of the cycle-consistency L1 term (paper: 10, which held the residual G at the identity).")
flags.DEFINE_float("cyclegan_identity_weight", 0.0,
                   "Weight of the identity L1 term relative to the cycle term (paper: 0.5 for paintings to photos, "
                   "none for its other tasks).")
FLAGS = flags.FLAGS
A, B = "Black_Hair", "Blond_Hair"


def domains(data_dir, source):
    from ganzoo import paired

    return paired.align_domains(*paired.celeba_domains(A, B, "train", data_dir, source))


def held_out(data_dir, source):
    from ganzoo import paired

    a, b = paired.celeba_domains(A, B, "test", data_dir, source)
    return a[:16], b[:16]  # the grid's 16 pairs each way


def describe():
    residual = " that add a change to their input" if FLAGS.cyclegan_generator_output == "residual" else ""
    d_norm = "without normalisation" if FLAGS.cyclegan_discriminator_norm == "none" else "with instance norm"
    cycle = FLAGS.cyclegan_cycle_weight
    identity = cycle * FLAGS.cyclegan_identity_weight  # the flag is relative to the cycle weight
    terms = f"cycle ({cycle:g}) and identity ({identity:g}) L1 terms" if identity else f"a cycle ({cycle:g}) L1 term"
    return (f"CycleGAN (Zhu et al. 2017): ResNet generators with instance norm{residual}, PatchGAN discriminators "
            f"{d_norm}, least-squares loss, {terms}, a pool of 50 generated images, trained between black-haired "
            f"and blond 64x64 CelebA faces without pairs; translate(faces, direction='a2b' | 'b2a').")


def main(argv):
    del argv
    recipe_flags.run(
        "cyclegan_celeba_black2blond", "cyclegan",
        {"resolution": 64, "channels": 3, "width": FLAGS.cyclegan_width, "cycle_weight": FLAGS.cyclegan_cycle_weight,
         "identity_weight": FLAGS.cyclegan_identity_weight, "pool_size": 50,
         "upsampling": FLAGS.cyclegan_upsampling, "generator_output": FLAGS.cyclegan_generator_output,
         "discriminator_norm": FLAGS.cyclegan_discriminator_norm},
        domains, steps=20000, batch_size=1, generator_only=True, preview_inputs=held_out,
        compile_kwargs={"total_steps": lambda steps: steps},
        evaluation={"n_samples": 1000, "seed": 0,
                    "translation": {"a": A, "b": B, "classifier": "classifier_celeba_hair"}},
        dataset=CELEBA_DATASET,
        description=describe(),
        limitations=PAIRED_LIMITATIONS.replace("The inputs are made from the faces themselves, so "
                                               "drawings or grey photos of other kinds (hand sketches, "
                                               "old photographs) are out of distribution. ", "")
        + " A small CPU run (width 16), not the paper's recipe (see the recipe's header). Black to blond "
          "often gives light-brown rather than blond hair, lightens skin and light backgrounds with it, "
          "draws pale halos around some heads, and leaves bleached, patchy skin on dark-skinned faces; "
          "blond to black is cleaner. Only the two hair colours of the training faces are domains: "
          "other hair colours, hats and bald heads are out of distribution.")


if __name__ == "__main__":
    app.run(main)
