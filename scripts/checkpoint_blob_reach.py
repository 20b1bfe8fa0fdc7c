"""Whether a CycleGAN run's generators sway its discriminators from afar: on the latest
checkpoint, the most changed 2% of each translation is put back as it was, and the target
discriminator's mean logit over the patches far from that spot is printed for the translation,
the translation with the spot removed, and the untranslated face (ganzoo.evaluate.blob_reach).

    python scripts/checkpoint_blob_reach.py --run_dir=runs/cyclegan_celeba_black2blond

A spot that raises the far patches' score well above the spot-free translation's is fooling D
through a normalisation over the whole image. Appends each result to RUN_DIR/blob_reach.jsonl.
"""

import json
import sys
from pathlib import Path

from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

flags.DEFINE_string("run_dir", None, "A CycleGAN recipe's output folder (runs/<name>).", required=True)
flags.DEFINE_string("a", "Black_Hair", "Domain A's CelebA attribute.")
flags.DEFINE_string("b", "Blond_Hair", "Domain B's CelebA attribute.")
flags.DEFINE_integer("n", 64, "The first n held-out faces of each domain.")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    from ganzoo import evaluate

    result = evaluate.checkpoint_blob_reach(FLAGS.run_dir, FLAGS.a, FLAGS.b, FLAGS.n)
    print(json.dumps(result))
    with open(Path(FLAGS.run_dir) / "blob_reach.jsonl", "a") as log:
        log.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    app.run(main)
