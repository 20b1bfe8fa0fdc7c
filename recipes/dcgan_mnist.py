"""dcgan_mnist: DCGAN at 28x28 on the 60,000 MNIST training digits.

    python recipes/dcgan_mnist.py --export
"""

from absl import app, flags

import recipe_flags

FLAGS = flags.FLAGS

flags.DEFINE_integer("dcgan_width", 64, "Filters of D's first / G's last hidden layer (paper: 64).")
flags.DEFINE_integer("dcgan_extra_layers", 0, "3x3 convolutions added at the 7x7 maps of G and D (paper: 0).")
flags.DEFINE_integer("dcgan_hidden_units", 0, "A fully connected hidden layer of this many units in G and D "
                     "(the authors' MNIST code: 1024; the paper's LSUN/ImageNet networks: 0).")
flags.DEFINE_enum("dcgan_objective", "non_saturating", ["non_saturating", "hinge", "least_squares"],
                  "The game's loss (paper: non_saturating).")
flags.DEFINE_float("jacobian_truncation", 0.0, "The share of latents sampling rejects, where G's Jacobian norm is "
                   "largest (Tanielian et al. 2020; 0: none). A sampling setting: training is the same.")


# the shipped run's measured shortcomings, written into its card on export
LIMITATIONS = (
    "About one sample in fifteen is a malformed or ambiguous digit (6.6% of 10,000 samples are not read "
    "with p > 0.9 by the zoo's MNIST classifier, against 2% of real test digits). `sample(n, "
    "jacobian_truncation=0.1)` (`ganzoo sample dcgan_mnist --jacobian-truncation 0.1`) rejects the 10% of "
    "latents where the generator stretches most, which holds most shapes between two digits: 95.2% "
    "confident, at the price of variety (recall 0.671 against 0.725, FID 14.28 against 13.23; `python "
    "benchmarks/jacobian_truncation.py --name=dcgan_mnist --shares=0,0.1,0.15`, docs/families.md).")


def main(argv):
    del argv
    recipe_flags.run(
        "dcgan_mnist", "dcgan",
        {"resolution": 28, "channels": 1, "width": FLAGS.dcgan_width, "latent_dim": 100, "ema_decay": 0.999,
         **({"objective": FLAGS.dcgan_objective} if FLAGS.dcgan_objective != "non_saturating" else {}),
         **({"extra_layers": FLAGS.dcgan_extra_layers} if FLAGS.dcgan_extra_layers else {}),
         **({"hidden_units": FLAGS.dcgan_hidden_units} if FLAGS.dcgan_hidden_units else {}),
         **({"jacobian_truncation": FLAGS.jacobian_truncation} if FLAGS.jacobian_truncation else {})},
        recipe_flags.load_mnist_digits, steps=20000, batch_size=64, generator_only=True,
        # two 1024-unit layers make G and D 26 MB each in float32: float16 keeps the entry under 25 MB
        weights_dtype="float16" if FLAGS.dcgan_hidden_units else "float32",
        evaluation={"n_samples": 10000, "seed": 0, "classifier": "classifier_mnist", "fid": recipe_flags.MNIST_FID},
        dataset=recipe_flags.MNIST_DATASET,
        limitations=LIMITATIONS,
        description="DCGAN (Radford et al. 2016) trained on MNIST digits, 28x28 grayscale, "
                    + "".join(f"{part}, " for part in network_additions())
                    + f"{FLAGS.dcgan_objective.replace('_', '-')} loss; samples come from an exponential moving "
                    "average (decay 0.999) of the generator's weights" + truncation_clause() + ".")


def truncation_clause():
    """The description's words for --jacobian_truncation ('' without it)."""
    if not FLAGS.jacobian_truncation:
        return ""
    return (f", from which sampling drops the {FLAGS.jacobian_truncation:.0%} of latents where its Jacobian norm is "
            "largest, most of the shapes between two digits (Jacobian-based truncation, Tanielian et al. 2020)")


def network_additions():
    """The description's clauses for the layers the flags add to the paper's networks."""
    parts = []
    if FLAGS.dcgan_hidden_units:
        parts.append(f"with a {FLAGS.dcgan_hidden_units}-unit fully connected layer in G and D as in the authors' "
                     "MNIST code")
    extra = FLAGS.dcgan_extra_layers
    if extra:
        convolutions = "one more 3x3 convolution" if extra == 1 else f"{extra} more 3x3 convolutions"
        parts.append(f"{'and' if parts else 'with'} {convolutions} at the 7x7 maps of G and D")
    return parts


if __name__ == "__main__":
    app.run(main)
