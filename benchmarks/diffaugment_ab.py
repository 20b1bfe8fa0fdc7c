"""DiffAugment A/B on CelebA at equal steps: FID against steps, with and without.

The same DCGAN-64 recipe (width 32, batch 64, the 9,000 training faces, seed 0) runs twice, once
plain and once with `--augment=color,translation,cutout` (Zhao et al. 2020); each is measured
every 980 steps (7 passes over the faces, a multiple of the run's 140-step checkpoints) by the
FID of 1,000 samples against the 9,000 faces (`evaluate.checkpoint_fid`, as
scripts/checkpoint_fid.py), so the two curves compare point by point.

    python benchmarks/diffaugment_ab.py --time_limit=3600      # in legs, across sessions
    python benchmarks/diffaugment_ab.py --summary_only         # the table of what is measured

The runs live in runs/ab_dcgan_celeba_w32_{plain,diffaug}/ (the recipe's checkpoints: each leg
resumes them); the measurements go to benchmarks/results/diffaugment_ab_celeba.json, and the
table to stdout.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ARMS = {"plain": [], "diffaug": ["--augment=color,translation,cutout"]}
STEP = 980  # 7 passes of 140 steps (9,000 faces at batch 64): measured where a checkpoint is
REFERENCE = {"dataset": "celeba", "split": "train", "resolution": 64}


def run_dir(args, arm):
    return Path(args.runs) / f"ab_dcgan_celeba_w32_{arm}"


def train_to(args, arm, steps, seconds):
    """The recipe resumed up to `steps`; whether it got there before `seconds` ran out."""
    command = [sys.executable, str(REPO / "recipes" / "dcgan_celeba.py"), "--width=32", f"--steps={steps}",
               "--steps_per_epoch=500", f"--output_dir={run_dir(args, arm)}", f"--time_limit={max(seconds, 1)}",
               *ARMS[arm], *([f"--data_dir={args.data_dir}"] if args.data_dir else [])]
    subprocess.run(command, check=True, cwd=REPO)
    done = json.loads((run_dir(args, arm) / "training.json").read_text())["steps"]
    return done >= steps


def table(results):
    steps = sorted({int(s) for arm in results.values() for s in arm})
    rows = ["| steps | FID plain | FID DiffAugment |", "|---:|---:|---:|"]
    for s in steps:
        cells = [results.get(arm, {}).get(str(s)) for arm in ARMS]
        rows.append(f"| {s:,} | " + " | ".join("-" if c is None else f"{c:.1f}" for c in cells) + " |")
    return "\n".join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=5880, help="the last measured step (a multiple of 980)")
    parser.add_argument("-n", type=int, default=1000, help="samples per FID")
    parser.add_argument("--time_limit", type=float, default=None, help="seconds: stop at a checkpoint after this")
    parser.add_argument("--runs", default=str(REPO / "runs"))
    parser.add_argument("--data_dir", default=None)
    parser.add_argument("--results", default=str(REPO / "benchmarks" / "results" / "diffaugment_ab_celeba.json"))
    parser.add_argument("--summary_only", action="store_true")
    args = parser.parse_args(argv)
    if args.steps % STEP:
        parser.error(f"--steps must be a multiple of {STEP}, got {args.steps}")
    path = Path(args.results)
    record = json.loads(path.read_text()) if path.exists() else {"fid": {}}
    for arm, measured in record["fid"].items():  # a fresh clone keeps the results, not the runs
        if measured and not (run_dir(args, arm) / "training.json").exists() and not args.summary_only:
            sys.exit(f"{path} holds measurements of {run_dir(args, arm)}, which is gone: restore the run, or "
                     "move the results away to start both arms again.")
    deadline = time.monotonic() + (args.time_limit or float("inf"))
    finished = True
    if not args.summary_only:
        from ganzoo import evaluate

        for target in range(STEP, args.steps + 1, STEP):  # both arms at each step before the next
            for arm in ARMS:
                if str(target) in record["fid"].get(arm, {}):
                    continue
                left = deadline - time.monotonic()
                if left <= 0 or not train_to(args, arm, target, left):
                    finished = False
                    break
                scores = evaluate.checkpoint_fid(run_dir(args, arm), REFERENCE, args.n, progress=sys.stdout.isatty())
                record["fid"].setdefault(arm, {})[str(scores["step"])] = scores["fid/celeba/train"]
                record.update(command="python benchmarks/diffaugment_ab.py", n_samples=args.n, reference=REFERENCE)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(record, indent=2) + "\n")
                print(f"{arm} at step {scores['step']}: FID {scores['fid/celeba/train']}", flush=True)
            if not finished:
                break
    print(table(record["fid"]))
    if not finished:
        print("paused: run the same command again to go on.")


if __name__ == "__main__":
    main()
