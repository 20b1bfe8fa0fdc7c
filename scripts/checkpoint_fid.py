"""FID of a training run's latest checkpoint, while it runs or after --time_limit paused it.

    python scripts/checkpoint_fid.py --run_dir=runs/stylegan_lite_celeba -n 1000
    python scripts/checkpoint_fid.py --run_dir=runs/dcgan_mnist --dataset=mnist --split=test \
        --resolution=28 --classifier=classifier_mnist -n 10000 --nofid    # the digit classifier's scores

For the families that sample from noise (translation and upscaling runs are refused).
Samples come from the sampling generator (the EMA one where the family keeps one), with the
same seed and reference statistics as `ganzoo evaluate`. FID grows as n shrinks: compare runs
and entries at the same n (`ganzoo evaluate NAME -n 1000` gives a published entry's).
Appends each result to RUN_DIR/checkpoint_fid.jsonl.
"""

import sys
from pathlib import Path

from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

flags.DEFINE_string("run_dir", None, "A recipe's output folder (runs/<name>).", required=True)
flags.DEFINE_integer("n", 1000, "Samples.")
flags.DEFINE_integer("seed", 0, "Sampling seed.")
flags.DEFINE_string("dataset", "celeba", "Reference dataset.")
flags.DEFINE_string("split", "train", "Reference split.")
flags.DEFINE_integer("resolution", 64, "Reference resolution.")
flags.DEFINE_string("classifier", None, "Also score the samples with this zoo evaluator (e.g. classifier_mnist).")
flags.DEFINE_bool("fid", True, "Measure FID and KID (--nofid with --classifier: the classifier's scores alone).")
flags.DEFINE_integer("step", None, "Measure the run's snapshot at this step (--snapshot_every) instead of its "
                     "latest checkpoint.", lower_bound=1)
FLAGS = flags.FLAGS


def main(argv):
    del argv
    from ganzoo import evaluate

    ref = {"dataset": FLAGS.dataset, "split": FLAGS.split, "resolution": FLAGS.resolution} if FLAGS.fid else None
    result = {**evaluate.checkpoint_fid(FLAGS.run_dir, ref, FLAGS.n, FLAGS.seed, classifier=FLAGS.classifier,
                                         step=FLAGS.step),
              "seed": FLAGS.seed}
    evaluate.report_to_run(FLAGS.run_dir, "checkpoint_fid.jsonl", result)


if __name__ == "__main__":
    app.run(main)
