"""Store a shipped entry's weights as float16 where its samples barely change (room in the zoo's budget).

    python scripts/store_float16.py cgan_mnist [--keep_training_files_float32] [--max_level_change=1]

Draws 1,000 samples (seed 0) from weights/NAME/ before and after, and refuses when any value moves by
more than --max_level_change of 255; otherwise rewrites the folder (weights, pictures, card) and the
manifest's file records, with the check in the entry's "storage" record. The metrics were measured on the
float32 weights: measure them again with `ganzoo evaluate NAME --write`.
"""

import sys
from pathlib import Path

from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

flags.DEFINE_bool("keep_training_files_float32", False, "Leave the training files (the discriminator) as they are.")
flags.DEFINE_integer("max_level_change", 1, "Most a sample value (0-255) may move.", lower_bound=0)
flags.DEFINE_integer("n", 1000, "Samples compared.", lower_bound=1)
flags.DEFINE_string("manifest", None, "Manifest to update (default: the zoo's weights_manifest.json).")
flags.DEFINE_string("weights_dir", None, "Folder holding NAME/ (default: the zoo's weights/).")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) != 2:
        raise app.UsageError("Name one entry, e.g. python scripts/store_float16.py cgan_mnist")
    from ganzoo import export, hub, zoo

    name = argv[1]
    entry = zoo.get_entry(name, FLAGS.manifest)  # an unknown name gets the closest ones
    folder = Path(FLAGS.weights_dir or hub.REPO_WEIGHTS_DIR) / name
    if not (folder / "config.json").is_file():
        raise SystemExit(f"{folder} holds no entry (config.json); --weights_dir names the folder above it.")
    before = sum(f.stat().st_size for f in folder.iterdir())
    try:
        storage = export.store_entry_as_float16(name, entry, folder, n=FLAGS.n, max_level_change=FLAGS.max_level_change,
                                                training_files_too=not FLAGS.keep_training_files_float32)
    except ValueError as e:
        raise SystemExit(str(e)) from None
    zoo.write_entry(name, entry, FLAGS.manifest)
    after = sum(f.stat().st_size for f in folder.iterdir())
    print(f"{name}: {before / 1e6:.2f} MB -> {after / 1e6:.2f} MB; samples moved by at most "
          f"{storage['max_level_change']} of 255, {100 * storage['identical_share']:.2f}% identical. "
          f"Now measure again: ganzoo evaluate {name} --write")


if __name__ == "__main__":
    app.run(main)
