"""Images/s of the FID Inception network: the TorchScript graph (`fast=False`, the path before
this benchmark) against ganzoo's eager rebuild of it (`fast=True`, the default), on 64x64
uint8 CelebA faces (random uint8 images where the data is absent), in one process, alternating.

    python benchmarks/inception_speed.py                      # threads 1 and 2, 4 repeats of 50
    python benchmarks/inception_speed.py --threads=1 --images=100 --repeats=3 --batch_size=25

Each repeat feeds the next `images` faces to both paths (the first path alternating between
repeats), timing wall clock and this process's CPU time; the ratio new/old of each repeat
and their median go to benchmarks/results/inception_speed_cpu.json, with the load average
(uptime) before and after each measurement: the machine may be shared, so compare the
ratios, which old and new measured side by side share, more than the images/s. Images per
CPU-second (process CPU time) are much less sensitive to other processes than wall-clock
images/s; with one thread they are what an idle core would give. The features of both
paths on the first thread setting's images are compared: max |difference|, and FID
between the two feature sets (0 for identical features).
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganzoo.metrics import fid as fidlib  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "inception_speed_cpu.json"


def load_average():
    return [round(v, 2) for v in os.getloadavg()]


def faces(n, size=64):
    """n CelebA faces, center-cropped and resized to size x size, uint8; random images without the data."""
    from ganzoo import data

    try:
        return np.array(data.load_celeba("train", resolution=size)[0][:n]), "celeba"
    except (OSError, KeyError, ImportError) as e:
        print(f"no CelebA faces ({e}); random uint8 images instead", flush=True)
    return np.random.default_rng(0).integers(0, 256, (n, size, size, 3), dtype=np.uint8), "random"


def measure(images, fast, batch_size):
    wall, cpu = time.perf_counter(), time.process_time()
    before = load_average()
    features = fidlib.inception_features(images, batch_size=batch_size, progress=False, fast=fast)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return features, {"images_per_s": len(images) / wall, "images_per_cpu_s": len(images) / cpu,
                      "seconds": wall, "cpu_seconds": cpu, "load_before": before, "load_after": load_average()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", default="1,2", help="comma-separated torch thread counts")
    parser.add_argument("--images", type=int, default=50, help="images per repeat and path")
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--batch_size", type=int, default=50)
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args()
    import torch

    threads = [int(t) for t in args.threads.split(",")]
    images, source = faces(args.images * args.repeats)
    result = {
        "benchmark": "inception_speed", "device": "cpu", "host": platform.node(),
        "cpu_count": os.cpu_count(), "processor": platform.processor() or platform.machine(),
        "torch": torch.__version__, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"),
        "inception_sha256": fidlib.inception_sha256(), "images": source, "image_size": 64,
        "images_per_repeat": args.images, "repeats": args.repeats, "batch_size": args.batch_size,
        "load_at_start": load_average(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "settings": [],
    }
    saved_threads = torch.get_num_threads()
    for n_threads in threads:
        torch.set_num_threads(n_threads)
        for fast in (False, True):  # warm up: first calls build the network and oneDNN kernels
            fidlib.inception_features(images[:2], batch_size=2, progress=False, fast=fast)
        runs = {"old": [], "new": []}
        feats = {"old": [], "new": []}
        for r in range(args.repeats):
            chunk = images[r * args.images:(r + 1) * args.images]
            order = ("old", "new") if r % 2 == 0 else ("new", "old")
            for name in order:
                f, m = measure(chunk, name == "new", args.batch_size)
                runs[name].append(m)
                feats[name].append(f)
            ratio = runs["new"][-1]["images_per_s"] / runs["old"][-1]["images_per_s"]
            print(f"threads {n_threads} repeat {r}: old {runs['old'][-1]['images_per_s']:.2f} img/s, "
                  f"new {runs['new'][-1]['images_per_s']:.2f} img/s, ratio {ratio:.2f}, "
                  f"load {load_average()}", flush=True)
        setting = {"threads": n_threads}
        for name in ("old", "new"):
            setting[name] = {
                "path": "TorchScript graph (fast=False)" if name == "old" else "eager rebuild (fast=True)",
                "images_per_s_median": float(np.median([m["images_per_s"] for m in runs[name]])),
                "images_per_cpu_s_median": float(np.median([m["images_per_cpu_s"] for m in runs[name]])),
                "runs": runs[name]}
        ratios = [n["images_per_s"] / o["images_per_s"] for o, n in zip(runs["old"], runs["new"])]
        cpu_ratios = [n["images_per_cpu_s"] / o["images_per_cpu_s"] for o, n in zip(runs["old"], runs["new"])]
        setting["ratio_per_repeat"] = ratios
        setting["ratio_median"] = float(np.median(ratios))
        setting["cpu_ratio_median"] = float(np.median(cpu_ratios))
        if not result["settings"]:
            old, new = np.concatenate(feats["old"]), np.concatenate(feats["new"])
            diff = float(np.abs(old - new).max())
            result["agreement"] = {
                "images": len(old), "max_abs_difference": diff, "feature_max": float(np.abs(old).max()),
                "relative_to_feature_max": diff / float(np.abs(old).max()),
                "fid_old_vs_new": fidlib.fid(old, new), "fid_old_vs_old": fidlib.fid(old, old)}
            print("agreement", result["agreement"], flush=True)
        result["settings"].append(setting)
        print(f"threads {n_threads}: median ratio new/old {setting['ratio_median']:.2f} (wall), "
              f"{setting['cpu_ratio_median']:.2f} (CPU time)", flush=True)
    torch.set_num_threads(saved_threads)
    result["load_at_end"] = load_average()
    result["uptime"] = os.popen("uptime").read().strip()
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
