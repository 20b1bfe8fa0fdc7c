"""Which of a StarGAN run's attribute teachers would teach G edits the judge reads? Each teacher alone moves
held-out faces towards a target (stargan.teacher_steps: projected gradient steps within an L2 budget); the
judge then reads the moved faces. A teacher whose steps the judge follows at a small budget changes faces the
way a person would read them; one it does not follow is satisfied by a pattern of its own, which is what G
learns to draw for it. Cheap: no GAN training, a few minutes on a CPU.

    python scripts/teacher_transfer.py --run_dir=runs/stargan_kept_box \
        --teachers=pooled,layout,layout:0.0627,coarse -n 48 --budgets=4,8,16 --grid=/tmp/teachers.png

Teachers are read from RUN_DIR/attribute_teacher_*.weights.h5 (recipes/stargan_celeba.py trains and keeps them
there). Budgets are L2 distances in [-1, 1] units over a face's 64x64x3 values (8: an RMS change of 0.072, 9
grey levels). The grid: the inputs' first row, then each teacher's moved faces at the largest budget.
"""

import sys
from pathlib import Path

from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

flags.DEFINE_string("run_dir", None, "A StarGAN recipe's output folder holding its teachers.", required=True)
flags.DEFINE_list("teachers", None, "Teachers as KIND or KIND:EPSILON (recipes/stargan_celeba.py --stargan_teachers).",
                  required=True)
flags.DEFINE_list("budgets", ["4", "8", "16"], "L2 budgets, in [-1, 1] units over the whole face.")
flags.DEFINE_list("edits", ["Male=1", "Male=0", "Young=0", "Young=1"], "ATTRIBUTE=TARGET edits, each tried on the "
                  "held-out faces whose own value is the other one.")
flags.DEFINE_integer("n", 48, "Held-out faces per edit.", lower_bound=1)
flags.DEFINE_integer("steps", 20, "Gradient steps per budget.", lower_bound=1)
flags.DEFINE_string("classifier", "classifier_celeba_attributes", "The multi-label attribute judge (a zoo evaluator).")
flags.DEFINE_string("grid", None, "Where to write the grid of moved faces (PNG); none: no grid.")
FLAGS = flags.FLAGS

SHOWN = 6  # faces of each edit in the grid


def main(argv):
    del argv
    import numpy as np
    from PIL import Image

    from ganzoo import paired
    from ganzoo.evaluate import _attribute_judge
    from ganzoo.families.stargan import (ATTRIBUTES, load_attribute_teacher, parse_teacher, teacher_files,
                                         teacher_label, teacher_steps)
    from ganzoo.images import from_uint8, grid, to_uint8
    from ganzoo.metrics import classifier as clf
    from ganzoo.metrics.edits import read_as

    attributes = list(ATTRIBUTES)
    try:
        specs = [parse_teacher(item) for item in FLAGS.teachers]
        budgets = [float(b) for b in FLAGS.budgets]
        edits = [(name, int(target)) for name, target in (item.split("=") for item in FLAGS.edits)]
    except ValueError as error:
        raise app.UsageError(f"{error} (--budgets: numbers; --edits: ATTRIBUTE=0 or ATTRIBUTE=1).")
    if any(name not in attributes or target not in (0, 1) for name, target in edits):
        raise app.UsageError(f"--edits: ATTRIBUTE=0 or =1 with ATTRIBUTE one of {', '.join(attributes)}.")
    run_dir = Path(FLAGS.run_dir)
    teachers = []
    for kind, epsilon in specs:
        label = teacher_label(kind, epsilon)
        kept = load_attribute_teacher(run_dir, kind, epsilon)
        if kept is None:
            raise app.UsageError(f"{run_dir} has no {teacher_files(run_dir, kind, epsilon)[0].name}: "
                                 f"recipes/stargan_celeba.py trains it there (--stargan_teachers={label} "
                                 f"--stargan_teacher_weight=... --output_dir={run_dir}).")
        teachers.append((label, *kept))

    _, classes, judge = _attribute_judge(FLAGS.classifier, attributes)
    faces, own = paired.celeba_attributes(attributes, "test")
    rows = {edit: np.flatnonzero(own[:, attributes.index(edit[0])] != edit[1])[:FLAGS.n] for edit in edits}
    header = [f"{name}={target}@{budget:g}" for name, target in edits for budget in budgets]
    print("read as the target by the judge (%), each teacher's steps alone; accuracy: its held-out balanced "
          "accuracy on each edit's attribute")
    print(f"{'teacher':16s} {'accuracy':>14s}  " + "  ".join(f"{h:>10s}" for h in header))
    unmoved = [read_as(clf.predict_attributes(judge, faces[rows[e]])[:, classes.index(e[0])], e[1]) for e in edits]
    print(f"{'(unmoved)':16s} {'':14s}  " + "  ".join(f"{s * 100:10.0f}" for s in unmoved for _ in budgets))
    grid_rows = [np.concatenate([faces[rows[edit]][:SHOWN] for edit in edits])]
    for label, teacher, accuracy in teachers:
        shares, shown = [], []
        for name, target in edits:
            chosen = rows[(name, target)]
            targets = own[chosen].astype(np.float32)
            targets[:, attributes.index(name)] = target
            weights = np.eye(len(attributes), dtype=np.float32)[attributes.index(name)]  # this attribute alone
            for budget in budgets:
                moved = to_uint8(teacher_steps(teacher, from_uint8(faces[chosen]), targets, budget,
                                               steps=FLAGS.steps, weights=weights))
                shares.append(read_as(clf.predict_attributes(judge, moved)[:, classes.index(name)], target))
            shown.append(moved[:SHOWN])
        reads = "/".join(f"{accuracy[name]:.2f}" for name in dict.fromkeys(name for name, _ in edits))
        print(f"{label:16s} {reads:>14s}  " + "  ".join(f"{s * 100:10.0f}" for s in shares), flush=True)
        grid_rows.append(np.concatenate(shown))
    if FLAGS.grid:
        Image.fromarray(grid(np.concatenate(grid_rows), cols=len(grid_rows[0]))).save(FLAGS.grid)
        print(f"wrote {FLAGS.grid}: the inputs, then each teacher's faces at budget {budgets[-1]:g}")


if __name__ == "__main__":
    app.run(main)
