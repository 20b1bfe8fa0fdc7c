"""PSNR and SSIM of a super-resolution run's latest checkpoint on the benchmarks, while it runs,
after --time_limit paused it or after it finished: a long SRResNet or SRGAN run's curve.

    python scripts/checkpoint_psnr.py --run_dir=runs/srresnet_x4 --benchmarks=Set5,Set14

The protocol of `ganzoo evaluate` for SR entries (Y channel, 4 border pixels shaved, the LR
images as provided), bicubic beside it. Appends each result to RUN_DIR/checkpoint_psnr.jsonl.
"""

import sys
from pathlib import Path

from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

flags.DEFINE_string("run_dir", None, "A super-resolution recipe's output folder (runs/<name>).", required=True)
flags.DEFINE_list("benchmarks", ["Set5", "Set14"], "Benchmark sets to measure (Set5, Set14, BSD100).")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    from ganzoo import evaluate

    result = evaluate.checkpoint_super_resolution(FLAGS.run_dir, FLAGS.benchmarks)
    evaluate.report_to_run(FLAGS.run_dir, "checkpoint_psnr.jsonl", result)


if __name__ == "__main__":
    app.run(main)
