"""Does fine-tuning a zoo entry on its own training data keep its quality? With the shipped
discriminator, and with a fresh one (what users got when only G shipped).

    KERAS_BACKEND=torch python benchmarks/finetune_keeps_quality.py                    # cgan_mnist, 300 steps
    python benchmarks/finetune_keeps_quality.py --name=cgan_mnist --steps=300 -n 10000

For each arm the entry is loaded (`ganzoo.load(name, training=True)`), compiled with its
family's optimiser settings, fit for --steps batches of its recipe's size on its training data
in the recipe's seeded order, then measured by `ganzoo evaluate`'s protocol for the entry (its
declared metrics, -n samples, seed 0): the same protocol as the published numbers, measured
again here before fine-tuning so all three columns come from one run. The "fresh D" arm
re-initialises the discriminator (seeded) and keeps G and its average as shipped. Results go to
stdout and --output (JSON); docs/training.md quotes them.

The average that samples continues at the entry's decay (GAN.ema_ramp), so after --steps it still
holds ema_decay ** steps of the published weights (reported): each arm is also measured from G
itself, the weights that trained.
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def training_data(entry):
    """(images, labels or None) of the entry's training split, as its recipe read them."""
    from ganzoo import data

    # the manifest's split is a description ("train (faces 000001-009000)"); every generator trains on "train"
    images, labels = data.load(entry["dataset"]["name"], "train")
    return images, (labels if entry["family"] == "cgan" else None)


def measured(name, model, n):
    from ganzoo.evaluate import evaluate

    results, _, _ = evaluate(name, n=n, progress=False, model=model)
    return {key: value for key, value in results.items() if isinstance(value, (int, float))}


def finetuned(name, steps, fresh_discriminator):
    """The entry after `steps` batches of fit on its own training data."""
    import keras
    import numpy as np

    from ganzoo import pipeline, zoo

    entry = zoo.get_entry(name)
    model = zoo.load(name, training=True)
    if fresh_discriminator:
        keras.utils.set_random_seed(0)
        twin = type(model).from_config(model.get_config())
        model.discriminator.set_weights(twin.discriminator.get_weights())
    model.compile()
    images, labels = training_data(entry)
    batch_size = entry["training"]["batch_size"]
    batches = pipeline.training_batches(images, labels, batch_size, seed=0)
    start = time.perf_counter()
    history = model.fit(batches, steps_per_epoch=steps, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    model.refresh_ema_statistics()  # as export does before the published samples
    losses = {key: float(np.mean(values)) for key, values in history.history.items()}
    return model, {"seconds": round(seconds, 1), "losses": losses}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default="cgan_mnist", help="a zoo entry that ships its discriminator")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("-n", type=int, default=None, help="samples (default: the entry's declared count)")
    parser.add_argument("--fresh_d_arm", action=argparse.BooleanOptionalAction, default=True,
                        help="also fine-tune with a fresh discriminator (--no-fresh_d_arm: the shipped one alone)")
    parser.add_argument("--output", default=None, help="JSON file (default benchmarks/results/finetune_NAME_cpu.json; _STEPS_ before cpu when --steps is not 300)")
    args = parser.parse_args()

    import keras

    from ganzoo import zoo

    rows = {"published": measured(args.name, zoo.load(args.name), args.n)}
    print("published", json.dumps(rows["published"]), flush=True)
    runs = {}
    for arm, fresh in (("shipped D", False), ("fresh D", True))[: 2 if args.fresh_d_arm else 1]:
        model, runs[arm] = finetuned(args.name, args.steps, fresh)
        rows[f"after {args.steps} steps, {arm}"] = measured(args.name, model, args.n)
        print(arm, json.dumps(rows[f"after {args.steps} steps, {arm}"]), json.dumps(runs[arm]), flush=True)
        if model.generator_ema is not None:  # G itself, beside the average that samples: did the game hold?
            model.generator_ema = None
            rows[f"after {args.steps} steps, {arm}: G itself, not its average"] = measured(args.name, model, args.n)
            print(arm, "G", json.dumps(rows[f"after {args.steps} steps, {arm}: G itself, not its average"]), flush=True)
    decay = zoo.get_entry(args.name)["config"].get("ema_decay")
    report = {"name": args.name, "steps": args.steps, "n_samples": args.n, "backend": keras.backend.backend(),
              # how much of the average that samples is still the published one (it continues at its decay)
              "published_share_of_average": round(decay ** args.steps, 4) if decay else None,
              "machine": platform.machine(), "rows": rows, "runs": runs,
              "command": "python benchmarks/finetune_keeps_quality.py " + " ".join(sys.argv[1:])}
    default_output = f"finetune_{args.name}_cpu.json" if args.steps == 300 else f"finetune_{args.name}_{args.steps}_cpu.json"
    output = Path(args.output or REPO / "benchmarks" / "results" / default_output)
    output.write_text(json.dumps(report, indent=2) + "\n")
    keys = [key for key in rows["published"] if any(word in key for word in
                                                    ("confident", "label_accuracy", "code_purity", "fid/"))]
    print("| | " + " | ".join(keys) + " |")
    for row, values in rows.items():
        print(f"| {row} | " + " | ".join(str(values.get(key)) for key in keys) + " |")


if __name__ == "__main__":
    main()
