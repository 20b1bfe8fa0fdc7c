"""Why a CycleGAN run does what it does, on its latest checkpoint (ganzoo.metrics.cyclegan_probes):

- blob_reach: the most changed 2% of each held-out translation is put back as it was; prints
  the target discriminator's mean logit over the patches far from that spot, for the
  translation, the translation without the spot, and the untranslated face. A spot that
  raises the far patches' score is fooling D through a normalisation over the whole image.
- gradient_balance: on a batch of training faces, how hard the adversarial and the cycle term
  pull on each translated pixel, and the share of pixels where the adversarial pull wins. The
  L1 cycle term pulls as hard however small the change: where it wins, a generator near the
  identity stays there.

    python scripts/cyclegan_probes.py --probe=blob_reach --run_dir=runs/cyclegan_celeba_black2blond

Appends each result to RUN_DIR/probes.jsonl.
"""

import sys
from pathlib import Path

from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

flags.DEFINE_string("run_dir", None, "A CycleGAN recipe's output folder (runs/<name>).", required=True)
flags.DEFINE_enum("probe", None, ["blob_reach", "gradient_balance"], "What to measure.", required=True)
flags.DEFINE_string("a", "Black_Hair", "Domain A's CelebA attribute.")
flags.DEFINE_string("b", "Blond_Hair", "Domain B's CelebA attribute.")
flags.DEFINE_integer("n", None, "Faces of each domain (default: 64 held-out for blob_reach, a batch of 16 "
                                "training faces for gradient_balance).")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    from ganzoo import evaluate
    from ganzoo.metrics import cyclegan_probes

    measure = {"blob_reach": cyclegan_probes.checkpoint_blob_reach,
               "gradient_balance": cyclegan_probes.checkpoint_gradient_balance}[FLAGS.probe]
    kwargs = {} if FLAGS.n is None else {"n": FLAGS.n}
    result = {"probe": FLAGS.probe, **measure(FLAGS.run_dir, FLAGS.a, FLAGS.b, **kwargs)}
    evaluate.report_to_run(FLAGS.run_dir, "probes.jsonl", result)


if __name__ == "__main__":
    app.run(main)
