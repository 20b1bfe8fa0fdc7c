"""Which backend trains a given family and config faster on this machine: the same fit step on
TensorFlow and on torch, each in its own process, alternating, on random uint8 images.

    python benchmarks/backend_step_time.py --family=infogan --config='{"resolution": 28, "channels": 1}'
    python benchmarks/backend_step_time.py --family=dcgan --config='{"resolution": 28, "channels": 1, "width": 64}'

Choose a long run's backend by this before starting it: the answer differs by network (DCGAN-28 was
faster on torch, InfoGAN-28, whose two 1024-unit layers and transposed convolutions dominate, on
TensorFlow). Prints seconds per step (median of --repeats) per backend and their ratio.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def worker(family, config, batch_size, steps):
    sys.path.insert(0, str(REPO))
    import time

    import numpy as np

    from ganzoo.families import get_family

    model = get_family(family)(**config)
    model.compile()
    shape = model.image_shape
    images = np.random.default_rng(0).integers(0, 256, (batch_size * steps, *shape), dtype=np.uint8)
    model.fit(images[: 2 * batch_size], batch_size=batch_size, epochs=1, verbose=0)  # builds the step
    start = time.perf_counter()
    model.fit(images, batch_size=batch_size, epochs=1, verbose=0)
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--family", required=True)
    parser.add_argument("--config", default="{}", help="the family's config as JSON")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    config = json.loads(args.config)
    if args.worker:
        print(json.dumps(worker(args.family, config, args.batch_size, args.steps)))
        return
    times = {"tensorflow": [], "torch": []}
    for _ in range(args.repeats):
        for backend in times:
            done = subprocess.run([sys.executable, __file__, "--worker", f"--family={args.family}",
                                   f"--config={args.config}", f"--batch_size={args.batch_size}", f"--steps={args.steps}"],
                                  capture_output=True, text=True, env={**os.environ, "KERAS_BACKEND": backend,
                                                                       "TF_CPP_MIN_LOG_LEVEL": "3"})
            if done.returncode:
                sys.exit(f"{backend} worker failed:\n{done.stderr[-2000:]}")
            times[backend].append(json.loads(done.stdout.strip().splitlines()[-1]))
    medians = {backend: statistics.median(values) for backend, values in times.items()}
    for backend, median in medians.items():
        print(f"{backend}: {median:.3f} s/step (repeats: {', '.join(f'{t:.3f}' for t in times[backend])})")
    print(f"torch / tensorflow step time: {medians['torch'] / medians['tensorflow']:.2f}")


if __name__ == "__main__":
    main()
