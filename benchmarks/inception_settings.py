"""Settings of the FID Inception network (ganzoo's eager rebuild, `fast=True`) on a CPU: batch
sizes, and bfloat16 autocast against float32, in one process, alternating.

    python benchmarks/inception_settings.py                            # batch 50 against 20, two threads
    python benchmarks/inception_settings.py --bfloat16                 # and bfloat16 at batch 20
    python benchmarks/inception_settings.py --bfloat16 --repeats=0 --fid_samples=2000  # bfloat16's FID shift only

Speed: each repeat feeds the next `images` CelebA faces (64x64) to every arm, the first arm
rotating between repeats; images/s (wall) and images per CPU-second, and the median ratio of each
arm to the first, go to benchmarks/results/inception_settings_cpu.json with the load average.
Features: each arm's largest difference from the first arm's on the same faces.

With --fid_samples=N (bfloat16 only): the FID of N samples of --entry at seeds 0 and 1 against the
cached CelebA training statistics (float32 features, as `ganzoo evaluate` uses them), with the
samples' features in float32 and in bfloat16; and the same for the first N training faces. The
seed-to-seed difference is the sampling noise that a precision's shift is compared with.
"""

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ganzoo.metrics import fid as fidlib  # noqa: E402
from inception_speed import faces, load_average  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "inception_settings_cpu.json"


def precision(bfloat16):
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16) if bfloat16 else contextlib.nullcontext()


def features(images, batch_size, bfloat16=False):
    with precision(bfloat16):
        return fidlib.inception_features(images, batch_size=batch_size, progress=False)


def measure(images, batch_size, bfloat16):
    wall, cpu = time.perf_counter(), time.process_time()
    f = features(images, batch_size, bfloat16)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return f, {"images_per_s": len(images) / wall, "images_per_cpu_s": len(images) / cpu, "load": load_average()}


def fid_shift(entry, n):
    """FID of n samples (seeds 0 and 1) and of n training faces against the cached training
    statistics, with float32 and bfloat16 features."""
    import ganzoo
    from ganzoo import evaluate

    train, key, _ = evaluate._celeba_training_faces()  # what `ganzoo evaluate` compares face samples with
    real = fidlib.real_statistics(fidlib.statistics_key(*key, len(train)), lambda: train)

    def fid_to_real(f):
        mu, sigma = fidlib.feature_statistics(f)
        return fidlib.frechet_distance(mu, sigma, real.mu, real.sigma)

    model, out = ganzoo.load(entry), {"entry": entry, "samples": n}
    for name, images in (("seed0", model.sample(n, seed=0)), ("seed1", model.sample(n, seed=1)),
                         ("training_faces", train[:n])):
        for bf in (False, True):
            label = f"{name}_{'bfloat16' if bf else 'float32'}"
            out[label] = fid_to_real(features(images, fidlib.FEATURE_BATCH_SIZE, bf))
            print(label, out[label], flush=True)
    out["seed_to_seed_float32"] = out["seed1_float32"] - out["seed0_float32"]
    out["bfloat16_shift_seed0"] = out["seed0_bfloat16"] - out["seed0_float32"]
    out["bfloat16_shift_seed1"] = out["seed1_bfloat16"] - out["seed1_float32"]
    out["bfloat16_shift_training_faces"] = out["training_faces_bfloat16"] - out["training_faces_float32"]
    return out


def time_arms(arms, images, per_repeat, repeats):
    """Images/s of each arm on the same faces, alternating; ratios and feature differences to the first arm."""
    for _, batch_size, bf in arms:  # warm-up: oneDNN builds its kernels for each shape and precision
        features(images[:batch_size], batch_size, bf)
    runs, feats = {a[0]: [] for a in arms}, {a[0]: [] for a in arms}
    for r in range(repeats):
        chunk = images[r * per_repeat:(r + 1) * per_repeat]
        for name, batch_size, bf in arms[r % len(arms):] + arms[:r % len(arms)]:
            f, m = measure(chunk, batch_size, bf)
            runs[name].append(m)
            feats[name].append(f)
        print(f"repeat {r}: " + ", ".join(f"{n} {runs[n][-1]['images_per_s']:.2f} img/s" for n in runs), flush=True)
    base = arms[0][0]
    reference = np.concatenate(feats[base])
    out = {"base": base, "feature_max": float(np.abs(reference).max()), "arms": {}}
    for name, _, _ in arms:
        rates = [m["images_per_s"] for m in runs[name]]
        arm = out["arms"][name] = {
            "images_per_s_median": float(np.median(rates)),
            "images_per_cpu_s_median": float(np.median([m["images_per_cpu_s"] for m in runs[name]])),
            "ratio_to_base_median": float(np.median([a / b["images_per_s"] for a, b in zip(rates, runs[base])])),
            "max_abs_feature_difference": float(np.abs(np.concatenate(feats[name]) - reference).max()),
            "runs": runs[name]}
        print(f"{name}: {arm['images_per_s_median']:.2f} img/s, {arm['ratio_to_base_median']:.2f}x {base}, "
              f"features within {arm['max_abs_feature_difference']:.2g}", flush=True)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch_sizes", default="50,20", help="comma-separated; the first is every ratio's base")
    parser.add_argument("--bfloat16", action="store_true", help="add a bfloat16 arm at the last batch size")
    parser.add_argument("--images", type=int, default=100, help="images per repeat and arm")
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--fid_samples", type=int, default=0, help="with --bfloat16: samples for the FID shift")
    parser.add_argument("--entry", default="dcgan_celeba")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    sizes = [int(b) for b in args.batch_sizes.split(",")]
    if args.repeats and args.images < 2 * max(sizes):
        parser.error(f"--images={args.images} is less than two batches of {max(sizes)}: every arm would "
                     "run the same batch shape.")
    arms = [(f"float32_batch{b}", b, False) for b in sizes]
    if args.bfloat16:
        arms.append((f"bfloat16_batch{sizes[-1]}", sizes[-1], True))
    images, source = faces(max(args.images * args.repeats, 1))
    result = {"benchmark": "inception_settings", "threads": args.threads, "images": source, "image_size": 64,
              "images_per_repeat": args.images, "repeats": args.repeats, "torch": torch.__version__,
              "load_at_start": load_average()}
    if args.repeats:
        result.update(time_arms(arms, images, args.images, args.repeats))
    if args.bfloat16 and args.fid_samples:
        result["fid_shift"] = fid_shift(args.entry, args.fid_samples)
    result["load_at_end"] = load_average()
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
