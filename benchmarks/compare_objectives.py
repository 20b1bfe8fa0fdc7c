"""GANs compared on one protocol: Lucic et al. 2018 ("Are GANs Created Equal?") in miniature.

The same DCGAN-28 networks (width 32, latent 100, batch 64, Adam as each objective's paper sets
it) trained with each objective on MNIST and Fashion-MNIST, at one budget of steps, for several
seeds; each run is then scored by FID, KID, precision and recall of --n_samples samples against
as many test images (the standard Inception network, cached real statistics), and by the share of
them that the zoo's classifier of the data set reads with confidence (p > 0.9: the zoo's floor for
digit generators), so that the best run can be weighed as an entry.

    python benchmarks/compare_objectives.py --time_limit=7200                 # in legs, across sessions
    python benchmarks/compare_objectives.py --summary_only                     # the table of what is done

Objectives: minimax, non_saturating, least_squares and hinge on the `dcgan` family (batch norm
in D), and wgan_gp on the `wgan_gp` family (the same networks without batch norm in the critic,
5 critic steps, gradient penalty 10, Adam(1e-4, 0, 0.9)), as Lucic et al. pair them.

Each run lives in OUTPUT_DIR/<dataset>_<objective>_seed<k>/ (the driver's checkpoints: the same
command resumes a run at its last checkpoint, and skips finished and scored ones); its scores go to
score.json there. --time_limit stops at the last checkpoint before that many seconds, before the
next run starts. The table (mean and spread over seeds, beside Lucic et al.'s FIDs) goes to stdout
and to benchmarks/results/compare_objectives.json.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

OBJECTIVES = ("minimax", "non_saturating", "least_squares", "wgan_gp", "hinge")
DATASETS = ("mnist", "fashion_mnist")
# Lucic et al. 2018, Table 2 (FID of 10k samples, best model of a wide search): where they report one
LUCIC_FID = {"mnist": {"minimax": 9.8, "non_saturating": 6.8, "least_squares": 7.8, "wgan_gp": 20.3},
             "fashion_mnist": {"minimax": 29.6, "non_saturating": 26.5, "least_squares": 30.7, "wgan_gp": 24.5}}
SCORE_FILE = "score.json"
CLASSIFIERS = {"mnist": "classifier_mnist", "fashion_mnist": "classifier_fashion_mnist"}  # zoo evaluators


def run_config(objective, width):
    """(family, config) of one contestant: the same DCGAN-28 networks throughout."""
    config = {"resolution": 28, "channels": 1, "width": width, "latent_dim": 100}
    if objective == "wgan_gp":
        return "wgan_gp", config
    return "dcgan", {**config, "objective": objective}


def score(run_dir, dataset, n_samples, progress):
    from ganzoo import evaluate, training

    model, step = training.load_checkpoint(run_dir)
    samples = model.sample(n_samples, seed=0)
    results = evaluate.fid_scores(samples, {"dataset": dataset, "split": "test", "n_real": n_samples,
                                            "resolution": 28}, progress=progress)
    results.update(evaluate.classifier_scores(samples, CLASSIFIERS[dataset]))
    return {"step": step, "n_samples": n_samples, **results}


def contest(args, deadline):
    """Train and score every (dataset, objective, seed) not yet scored, until the deadline."""
    from ganzoo import data, training

    for dataset in args.datasets:
        images = None
        for objective in args.objectives:
            for seed in args.seeds:
                run_dir = Path(args.output_dir) / f"{dataset}_{objective}_seed{seed}"
                if (run_dir / SCORE_FILE).exists():
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                if images is None:
                    images = data.load(dataset, "train", data_dir=args.data_dir)[0]
                family, config = run_config(objective, args.width)
                print(f"{run_dir.name}: training ({family}, {args.steps} steps)", flush=True)
                _, info = training.train(family, config, images, steps=args.steps, batch_size=args.batch_size,
                                         output_dir=run_dir, seed=seed, steps_per_epoch=args.steps_per_epoch,
                                         time_limit=left, verbose=2, mixed_precision=args.mixed_precision)
                if info["steps"] < args.steps:
                    return  # paused by the time limit: the same command goes on
                result = {**score(run_dir, dataset, args.n_samples, progress=sys.stdout.isatty()),
                          "mixed_precision": args.mixed_precision}
                (run_dir / SCORE_FILE).write_text(json.dumps(result, indent=2) + "\n")
                print(f"{run_dir.name}: FID {result[f'fid/{dataset}/test']}", flush=True)


def summary(args):
    """{dataset: {objective: {measure: {mean, spread, runs}}}} of the scored runs, and its table."""
    table, rows = {}, ["| data | objective | runs | FID | precision | recall | KID | confident | Lucic et al. FID |",
                       "|---|---|---:|---|---|---|---|---|---:|"]
    for dataset in args.datasets:
        for objective in args.objectives:
            scores = [json.loads(p.read_text()) for p in sorted(Path(args.output_dir).glob(
                f"{dataset}_{objective}_seed*/{SCORE_FILE}"))]
            if not scores:
                continue
            cell = {}
            keys = {**{m: f"{m}/{dataset}/test" for m in ("fid", "precision", "recall", "kid")},
                    "confident": f"{CLASSIFIERS[dataset]}/confident_fraction"}
            for measure, key in keys.items():
                values = [s[key] for s in scores if key in s]
                if values:
                    cell[measure] = {"mean": round(statistics.mean(values), 4), "runs": len(values),
                                     "spread": round(max(values) - min(values), 4)}
            table.setdefault(dataset, {})[objective] = cell

            def shown(measure):
                m = cell.get(measure)
                return f"{m['mean']:.3g} (range {m['spread']:.2g})" if m else "-"

            lucic = LUCIC_FID.get(dataset, {}).get(objective, "-")
            rows.append(f"| {dataset} | {objective} | {len(scores)} | "
                        + " | ".join(shown(m) for m in ("fid", "precision", "recall", "kid", "confident")) + f" | {lucic} |")
    return table, "\n".join(rows)


# Flags that say where or how long the runs go, not what they are: the table's command leaves them out.
BOOKKEEPING_FLAGS = ("--summary_only", "--time_limit", "--results", "--output_dir", "--data_dir")


def reproducing_command(argv):
    """The command that makes the table's runs: argv without the bookkeeping flags (and their values)."""
    kept, skip_value = [], False
    for arg in argv:
        if skip_value:
            skip_value = False
        elif arg.split("=")[0] in BOOKKEEPING_FLAGS:
            skip_value = "=" not in arg and arg != "--summary_only"
        else:
            kept.append(arg)
    return " ".join(["python benchmarks/compare_objectives.py", *kept])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=lambda s: s.split(","), default=list(DATASETS))
    parser.add_argument("--objectives", type=lambda s: s.split(","), default=list(OBJECTIVES))
    parser.add_argument("--seeds", type=lambda s: [int(v) for v in s.split(",")], default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=5000, help="generator steps per run (the fixed budget)")
    parser.add_argument("--batch_size", type=int, default=64)
    # 32, half DCGAN's 64: the 30 runs take about 4 hours of 2 CPU cores instead of 7.5 (timed at 300 steps:
    # 0.05 / 0.17 s a step for non-saturating / WGAN-GP at 32, 0.1 / 0.4 at 64, float32)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--steps_per_epoch", type=int, default=500)
    parser.add_argument("--mixed_precision", choices=["none", "bfloat16", "float16"], default="none",
                        help="the runs' compute dtype (keep one setting for a whole table; score.json records it)")
    parser.add_argument("--n_samples", type=int, default=2000, help="samples (and test images) per FID")
    parser.add_argument("--time_limit", type=float, default=None,
                        help="seconds: pause at the last checkpoint before this")
    parser.add_argument("--output_dir", default=str(REPO / "runs" / "compare_objectives"))
    parser.add_argument("--data_dir", default=None)
    parser.add_argument("--results", default=str(REPO / "benchmarks" / "results" / "compare_objectives.json"))
    parser.add_argument("--summary_only", action="store_true")
    args = parser.parse_args(argv)
    for objective in args.objectives:
        if objective not in OBJECTIVES:
            parser.error(f"unknown objective {objective!r}; choose from {', '.join(OBJECTIVES)}")
    if not args.summary_only:
        deadline = time.monotonic() + (args.time_limit if args.time_limit else float("inf"))
        contest(args, deadline)
    done = all((Path(args.output_dir) / f"{dataset}_{objective}_seed{seed}" / SCORE_FILE).exists()
               for dataset in args.datasets for objective in args.objectives for seed in args.seeds)
    table, markdown = summary(args)
    print(markdown)
    Path(args.results).parent.mkdir(parents=True, exist_ok=True)
    Path(args.results).write_text(json.dumps({"command": reproducing_command(sys.argv[1:] if argv is None else argv),
                                              "complete": done, "steps": args.steps, "batch_size": args.batch_size,
                                              "width": args.width, "seeds": args.seeds, "n_samples": args.n_samples,
                                              "lucic_fid": LUCIC_FID, "table": table}, indent=2) + "\n")
    if not done:
        print("not every run is scored yet: run the same command (without --summary_only) to go on.")


if __name__ == "__main__":
    main()
