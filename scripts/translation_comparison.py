"""A picture of unpaired translation entries side by side on the same held-out faces: for each
direction, a row of inputs, then one row per entry (docs/images/discogan_vs_cyclegan.png). A StarGAN
entry takes part by setting the target domain's attribute (its other attributes read by its own
classifier, as `ganzoo edit` does).

    python scripts/translation_comparison.py cyclegan_celeba_black2blond discogan_celeba_black2blond \
        -o docs/images/discogan_vs_cyclegan.png
"""

import sys
from pathlib import Path

from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

flags.DEFINE_string("output", None, "PNG to write.", required=True, short_name="o")
flags.DEFINE_integer("n", 8, "Held-out faces per direction (the first n of each domain).")
flags.DEFINE_string("a", "Black_Hair", "Domain A's CelebA attribute.")
flags.DEFINE_string("b", "Blond_Hair", "Domain B's CelebA attribute.")
flags.DEFINE_integer("scale", 2, "Pixel enlargement of the PNG.")
FLAGS = flags.FLAGS


def translate(model, faces, direction):
    if hasattr(model, "edit"):  # an attribute editor: the target domain's attribute set to 1
        return model.edit(faces, **{FLAGS.b if direction == "a2b" else FLAGS.a: 1})
    return model.translate(faces, direction=direction)


def main(argv):
    import numpy as np

    import ganzoo
    from ganzoo import images, paired

    names = argv[1:]
    if not names:
        raise app.UsageError("Name the translation entries to compare, e.g. cyclegan_celeba_black2blond "
                             "stargan_celeba.")
    models = [ganzoo.load(name) for name in names]
    faces = paired.celeba_domains(FLAGS.a, FLAGS.b, "test")
    rows = []
    for direction, inputs in zip(("a2b", "b2a"), faces):
        inputs = inputs[: FLAGS.n]
        rows += [inputs, *(translate(model, inputs, direction) for model in models)]
    picture = images.grid(np.concatenate(rows), cols=FLAGS.n)
    images.save_png(picture, FLAGS.output, scale=FLAGS.scale)
    print(f"wrote {FLAGS.output}: rows per direction (a2b, then b2a): inputs, {', '.join(names)}")


if __name__ == "__main__":
    app.run(main)
