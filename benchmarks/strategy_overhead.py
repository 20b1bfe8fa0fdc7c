"""What a tf.distribute.OneDeviceStrategy costs on a CPU: the same DCGAN fit step with and
without one, in the same run.

    python benchmarks/strategy_overhead.py                      # DCGAN-28 (batch 128) and DCGAN-64 (batch 64)
    python benchmarks/strategy_overhead.py --resolutions=28 --repeats=5

Each contestant (resolution x {default, one_device}) runs in its own process (a strategy must
exist before any other TF op): it builds ganzoo's DCGAN (width 64, EMA 0.999, as the recipes
do) in the strategy's scope, feeds it ganzoo's training pipeline, warms up, then times --steps
steps. Repeats alternate the two contestants, so machine noise hits both alike. The medians
and their ratio go to stdout and --output (JSON). `get_strategy("auto")` returns None (the
default strategy) on a machine without a GPU because of what this measures.
"""

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BATCH = {28: 128, 32: 128, 64: 64}


def worker(strategy, resolution, steps):
    sys.path.insert(0, str(REPO))
    import numpy as np
    import tensorflow as tf

    from ganzoo import pipeline
    from ganzoo.families import get_family

    dist = tf.distribute.OneDeviceStrategy("/cpu:0") if strategy == "one_device" else None
    channels, batch = (1 if resolution == 28 else 3), BATCH[resolution]
    images = np.random.default_rng(0).integers(0, 256, (batch * 8, resolution, resolution, channels), dtype=np.uint8)
    with dist.scope() if dist else contextlib.nullcontext():
        model = get_family("dcgan")(resolution=resolution, channels=channels, width=64, latent_dim=100,
                                    ema_decay=0.999)
        model.compile(jit_compile=False)
    batches = pipeline.training_batches(images, None, batch, 0, 0)
    model.fit(batches, steps_per_epoch=3, epochs=1, verbose=0, shuffle=False)  # tracing
    start = time.perf_counter()
    model.fit(batches, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resolutions", default="28,64")
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", default=str(REPO / "benchmarks/results/strategy_overhead_cpu.json"))
    parser.add_argument("--worker", choices=["default", "one_device"])
    parser.add_argument("--resolution", type=int)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps({"seconds_per_step": worker(args.worker, args.resolution, args.steps)}))
        return
    results = {}
    for resolution in [int(r) for r in args.resolutions.split(",")]:
        times = {"default": [], "one_device": []}
        for repeat in range(args.repeats):
            order = ["default", "one_device"] if repeat % 2 == 0 else ["one_device", "default"]
            for strategy in order:
                out = subprocess.run([sys.executable, __file__, f"--worker={strategy}", f"--resolution={resolution}",
                                      f"--steps={args.steps}"], capture_output=True, text=True, check=True)
                times[strategy].append(json.loads(out.stdout.strip().splitlines()[-1])["seconds_per_step"])
        medians = {name: statistics.median(values) for name, values in times.items()}
        results[f"dcgan_{resolution}"] = {"batch": BATCH[resolution], "seconds_per_step": times, "median": medians,
                                          "one_device_over_default": medians["one_device"] / medians["default"]}
        print(f"DCGAN-{resolution} (batch {BATCH[resolution]}): default {medians['default']:.3f} s/step, "
              f"OneDeviceStrategy {medians['one_device']:.3f} s/step: "
              f"{medians['one_device'] / medians['default']:.2f}x slower")
    Path(args.output).write_text(json.dumps({"command": " ".join(["python"] + sys.argv), "steps": args.steps,
                                             "repeats": args.repeats, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
