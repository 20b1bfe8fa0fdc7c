"""How well a StarGAN run's latest checkpoint edits held-out faces, while it runs, after
--time_limit paused it or after it finished.

    python scripts/checkpoint_edits.py --run_dir=runs/stargan_celeba -n 200 [--step=5000]

For each edit and direction (e.g. Blond_Hair=1, Young=0) on the first n held-out CelebA faces:
the share the attribute judge reads as the target (beside the faces as they are), identity kept,
L1 to the input; FID of the edits at the inputs' count and an edit that changes nothing: what
`ganzoo evaluate` reports for a published entry. Appends each result to
RUN_DIR/checkpoint_edits.jsonl, so two runs (e.g. 1 and 5 critic steps) compare at equal cost.
"""

import sys
from pathlib import Path

from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

flags.DEFINE_string("run_dir", None, "A StarGAN recipe's output folder (runs/<name>).", required=True)
flags.DEFINE_string("classifier", "classifier_celeba_attributes", "The multi-label attribute judge (a zoo evaluator).")
flags.DEFINE_integer("n", 200, "Held-out faces to edit.", lower_bound=1)
flags.DEFINE_integer("step", None, "Measure the run's snapshot at this step (--snapshot_every) instead of its "
                     "latest checkpoint.", lower_bound=1)
FLAGS = flags.FLAGS


def main(argv):
    del argv
    from ganzoo import evaluate
    from ganzoo.metrics import edits

    result = evaluate.checkpoint_attribute_edits(FLAGS.run_dir, FLAGS.classifier, FLAGS.n, step=FLAGS.step)
    evaluate.report_to_run(FLAGS.run_dir, "checkpoint_edits.jsonl", result)
    print(f"step {result['step']}:\n{edits.table(result, FLAGS.classifier)}")


if __name__ == "__main__":
    app.run(main)
