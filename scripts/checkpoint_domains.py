"""How often a domain classifier reads a CycleGAN run's translations as the target domain, on
its latest checkpoint, while it runs, after --time_limit paused it or after it finished.

    python scripts/checkpoint_domains.py --run_dir=runs/cyclegan_celeba_black2blond

The held-out CelebA faces of each domain, translated both ways; the same measure as `ganzoo
evaluate` reports for a published entry, beside the untranslated faces. A classifier can be
fooled by washed-out or noisy translations: look at the run's grids too. Appends each result
to RUN_DIR/checkpoint_domains.jsonl.
"""

import sys
from pathlib import Path

from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

flags.DEFINE_string("run_dir", None, "A CycleGAN recipe's output folder (runs/<name>).", required=True)
flags.DEFINE_string("a", "Black_Hair", "Domain A's CelebA attribute.")
flags.DEFINE_string("b", "Blond_Hair", "Domain B's CelebA attribute.")
flags.DEFINE_string("classifier", "classifier_celeba_hair", "The evaluator that tells A from B.")
flags.DEFINE_integer("n", 1000, "At most this many held-out faces of each domain.")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    from ganzoo import evaluate

    ref = {"a": FLAGS.a, "b": FLAGS.b, "classifier": FLAGS.classifier}
    result = evaluate.checkpoint_domain_rates(FLAGS.run_dir, ref, FLAGS.n)
    evaluate.report_to_run(FLAGS.run_dir, "checkpoint_domains.jsonl", result)


if __name__ == "__main__":
    app.run(main)
