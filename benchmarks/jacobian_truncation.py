"""What Jacobian-based truncation (Tanielian et al. 2020) gives and costs an entry that samples
from noise alone: the entry's declared metrics at each share of rejected latents.

    python benchmarks/jacobian_truncation.py --name=dcgan_mnist --shares=0,0.1,0.15

Each share is measured by `ganzoo evaluate`'s protocol for the entry (its declared metrics, n and
seed 0), sampling with `sample(..., jacobian_truncation=share)`: the same samples for every measure,
so precision, recall and FID move together. Results go to stdout and --output (JSON);
docs/families.md quotes them.
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default="dcgan_mnist")
    parser.add_argument("--shares", default="0,0.1,0.15", help="comma-separated shares of latents to reject")
    parser.add_argument("--output", default=None, help="JSON (default benchmarks/results/jacobian_truncation_NAME.json)")
    args = parser.parse_args()

    import keras

    import ganzoo
    from ganzoo.evaluate import evaluate

    shares = [float(share) for share in args.shares.split(",")]
    model = ganzoo.load(args.name)
    rows = []
    for share in shares:
        model.jacobian_truncation = share  # checked when sampling: [0, 0.9]
        start = time.perf_counter()
        results, n, seed = evaluate(args.name, progress=False, model=model)
        rows.append({"share": share, "n_samples": n, "seed": seed, "seconds": round(time.perf_counter() - start, 1),
                     **{key: value for key, value in results.items() if isinstance(value, (int, float))}})
        print(json.dumps(rows[-1]), flush=True)
    output = Path(args.output or REPO / "benchmarks" / "results" / f"jacobian_truncation_{args.name}.json")
    output.write_text(json.dumps({
        "command": "python benchmarks/jacobian_truncation.py " + " ".join(sys.argv[1:]),
        "backend": keras.backend.backend(), "machine": platform.machine(), "rows": rows}, indent=2) + "\n")
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
