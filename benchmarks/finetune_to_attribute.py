"""Adapting a face entry to a few hundred faces of one hair colour, beside the same network trained
from scratch for the same steps: what `ganzoo finetune` is for.

    python benchmarks/finetune_to_attribute.py --name=dcgan_celeba --hair=blond --faces=400 --steps=1000

1. The first --faces of the entry's training faces that CelebA marks with that hair colour (and not
   the other one) are written as PNGs to runs/finetune_demo/<hair>_<faces>/: a user's folder.
2. "fine-tuned": `ganzoo finetune NAME --data FOLDER --steps S` (the entry's G and D, DiffAugment on
   below 5,000 images). "from scratch": `ganzoo train FAMILY --data FOLDER --like NAME --steps S`,
   the entry's network from a random start. Same batch, steps and augmentation.
3. The entry as published and both runs are sampled (-n, seed 0) and measured against the folder
   (`ganzoo.metrics.compare`: FID, KID, precision, recall, density, coverage), and
   classifier_celeba_hair, the judge that tells black from blond hair, gives the share of samples it
   reads as the wanted colour; the folder's own faces and the entry's training faces give that
   share's two ends.

The runs resume when the command is run again. Results: benchmarks/results/finetune_<name>_<hair>.json,
and a picture (rows: the folder, the entry, fine-tuned, from scratch) beside it.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
HAIR = {"blond": ("Blond_Hair", "Black_Hair"), "black": ("Black_Hair", "Blond_Hair")}


def write_folder(folder, hair, count, data_dir):
    """The first `count` training faces with that hair colour, as PNGs in `folder`; their array."""
    import numpy as np

    from ganzoo import paired
    from ganzoo.images import save_png

    wanted, other = HAIR[hair]
    faces = paired.celeba_domains(wanted, other, "train", data_dir)[0][:count]
    if len(faces) < count:
        sys.exit(f"only {len(faces)} training faces are marked {wanted} and not {other}; ask for fewer --faces.")
    folder.mkdir(parents=True, exist_ok=True)
    if len(list(folder.glob("*.png"))) != count:
        for i, face in enumerate(faces):
            save_png(face, folder / f"{i:04d}.png")
    return np.asarray(faces)


def ganzoo_command(*args):
    command = [str(Path(sys.executable).parent / "ganzoo"), *map(str, args)]
    print("running:", " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=REPO)


def hair_share(judge, images, hair):
    """The share of images the judge assigns to that hair colour (its most probable class, as
    `ganzoo evaluate` reads it), the class found by name in the judge's manifest entry."""
    from ganzoo import zoo
    from ganzoo.metrics import classifier as clf

    classes = zoo.get_entry("classifier_celeba_hair", section="evaluators")["config"]["classes"]
    read_as = clf.predict_probabilities(judge, images).argmax(axis=-1)
    return round(float((read_as == classes.index(HAIR[hair][0])).mean()), 4)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", default="dcgan_celeba", help="a face entry that ships its discriminator")
    parser.add_argument("--hair", choices=sorted(HAIR), default="blond")
    parser.add_argument("--faces", type=int, default=400)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("-n", type=int, default=1000, help="samples measured per model")
    parser.add_argument("--time_limit", type=float, default=None, help="seconds per training run (resumable)")
    parser.add_argument("--runs", default=str(REPO / "runs" / "finetune_demo"))
    parser.add_argument("--data_dir", default=None)
    parser.add_argument("--output", default=None, help="default benchmarks/results/finetune_<name>_<hair>.json")
    args = parser.parse_args(argv)

    import numpy as np

    import ganzoo
    from ganzoo import data, zoo
    from ganzoo.images import grid, save_png
    from ganzoo.metrics import classifier as clf
    from ganzoo.metrics.compare import MEASURES, _model_in, compare

    entry = zoo.get_entry(args.name)
    runs = Path(args.runs)
    folder = runs / f"{args.hair}_{args.faces}"
    faces = write_folder(folder, args.hair, args.faces, args.data_dir)
    arms = {"fine-tuned": runs / f"{args.name}_{args.hair}_{args.faces}_finetuned",
            "from scratch": runs / f"{args.name}_{args.hair}_{args.faces}_scratch"}
    limit = ["--time_limit", args.time_limit] if args.time_limit else []
    ganzoo_command("finetune", args.name, "--data", folder, "--steps", args.steps, "--output_dir",
                   arms["fine-tuned"], *limit)
    ganzoo_command("train", entry["family"], "--data", folder, "--like", args.name, "--steps", args.steps,
                   "--output_dir", arms["from scratch"], *limit)
    for arm, run_dir in arms.items():
        done = json.loads((run_dir / "training.json").read_text())["steps"] if (run_dir / "training.json").exists() else 0
        if done < args.steps:
            sys.exit(f"{arm} is at step {done} of {args.steps}: run the same command again to go on.")

    judge = clf.load_classifier("classifier_celeba_hair")
    training_faces = data.load("celeba", "train", data_dir=args.data_dir)[0]
    models = {"as published": ganzoo.load(args.name), **{arm: _model_in(run_dir) for arm, run_dir in arms.items()}}
    rows, pictures = {}, [faces[:8]]
    for label, model in models.items():
        samples = model.sample(args.n, seed=0)
        scores = compare(str(folder), samples, n=args.n, progress=sys.stdout.isatty())
        rows[label] = {**{m: round(scores[m], 4) for m in MEASURES}, "read_as_hair": hair_share(judge, samples, args.hair)}
        pictures.append(samples[:8])
        print(label, rows[label], flush=True)
    record = {
        "command": "python benchmarks/finetune_to_attribute.py " + " ".join(
            f"--{k}={v}" for k, v in (("name", args.name), ("hair", args.hair), ("faces", args.faces),
                                       ("steps", args.steps))) + f" -n {args.n}",
        "folder": f"the first {args.faces} of the 9,000 training faces marked {HAIR[args.hair][0]} and not "
                  f"{HAIR[args.hair][1]}", "samples": args.n, "seed": 0,
        "judge": "classifier_celeba_hair (black vs blond hair): share of samples read as " + args.hair,
        "read_as_hair_of_the_folder": hair_share(judge, faces, args.hair),
        "read_as_hair_of_the_training_faces": hair_share(judge, training_faces, args.hair),
        "results": rows,
        "runs": {arm: json.loads((run_dir / "own_data.json").read_text())["command"] for arm, run_dir in arms.items()},
    }
    output = Path(args.output or REPO / "benchmarks" / "results" / f"finetune_{args.name}_{args.hair}.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=2) + "\n")
    save_png(grid(np.concatenate(pictures), rows=len(pictures)), output.with_suffix(".png"), scale=2)
    header = "| | FID | KID | precision | recall | density | coverage | read as " + args.hair + " |"
    print(header + "\n|---|" + "---:|" * 7)
    for label, row in rows.items():
        print(f"| {label} | " + " | ".join(f"{row[m]:.3f}" for m in ("fid", "kid", "precision", "recall",
                                                                          "density", "coverage", "read_as_hair")) + " |")
    print(f"wrote {output} and {output.with_suffix('.png')}")


if __name__ == "__main__":
    main()
