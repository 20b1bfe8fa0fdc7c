"""The x4 super-resolution table: PSNR / SSIM of bicubic and the zoo's SR entries on Set5, Set14
and BSD100, beside the paper's figures, and the FID of upscaled BSD100 patches against the true
ones; side-by-side crops; the memory of a 1000x1000 upscale.

    python benchmarks/sr_benchmark.py                  # the table (stdout) and its JSON
    python benchmarks/sr_benchmark.py --write          # also: metrics into the manifest and model
                                                       # cards, comparison.png in each weights folder
    python benchmarks/sr_benchmark.py --upscale_memory # peak memory of `ganzoo upscale` on 1000x1000

Protocol (ganzoo.evaluate, ganzoo.metrics.sr): the LR images as provided, the Y channel of
BT.601, 4 border pixels shaved, PSNR with peak 255, SSIM with an 11x11 Gaussian window; the
bicubic baseline is MATLAB's imresize (ganzoo.superres), which gives the paper's bicubic PSNR.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from absl import app, flags

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

flags.DEFINE_list("entries", ["srresnet_x4"], "Zoo entries to measure (srgan_x4 was withdrawn).")
flags.DEFINE_bool("write", False, "Record the metrics in the manifest and cards; write comparison.png.")
flags.DEFINE_bool("upscale_memory", False, "Measure `ganzoo upscale` of a 1000x1000 image (peak RSS, time).")
flags.DEFINE_string("output", str(REPO_ROOT / "benchmarks" / "results" / "sr_benchmark.json"), "JSON results.")
FLAGS = flags.FLAGS

# Ledig et al. 2017, Table 2 (PSNR dB / SSIM, x4). Their SSIM came from another implementation:
# compare SSIM within a column of this table, not with the paper.
PAPER = {
    "bicubic": {"Set5": (28.43, 0.8211), "Set14": (25.99, 0.7486), "BSD100": (25.94, 0.6935)},
    "srresnet_x4": {"Set5": (32.05, 0.9019), "Set14": (28.49, 0.8184), "BSD100": (27.58, 0.7620)},
    "srgan_x4": {"Set5": (29.40, 0.8472), "Set14": (26.02, 0.7397), "BSD100": (25.16, 0.6688)},
}
# (benchmark, image, LR top, LR left, LR size) of the crops in comparison.png
CROPS = (("Set14", "img_001", 30, 40, 32), ("Set5", "img_003", 20, 20, 32), ("Set14", "img_014", 40, 60, 32))


def table(results):
    """PSNR / SSIM per benchmark, and where measured the FID (precision / recall) of upscaled patches."""
    benchmarks = ("Set5", "Set14", "BSD100")
    patches = [b for b in benchmarks if any(f"{b}/patch_fid" in scores for scores in results.values())]
    rows = ["| method | " + " | ".join(f"{b} PSNR / SSIM" for b in benchmarks)
            + "".join(f" | {b} patch FID (precision / recall)" for b in patches) + " | paper (PSNR / SSIM) |",
            "|---|" + "---|" * (len(benchmarks) + len(patches) + 1)]
    for method, scores in results.items():
        cells = [f"{scores[f'{b}/psnr']:.2f} / {scores[f'{b}/ssim']:.4f}" for b in benchmarks]
        cells += [f"{scores[f'{b}/patch_fid']:.1f} ({scores[f'{b}/patch_precision']:.2f} / "
                  f"{scores[f'{b}/patch_recall']:.2f})" for b in patches]
        paper = ", ".join(f"{b} {p:.2f} / {s:.4f}" for b, (p, s) in PAPER.get(method, {}).items())
        rows.append(f"| {method} | " + " | ".join(cells) + f" | {paper} |")
    return "\n".join(rows)


def comparison(models):
    """Rows of LR (nearest) | bicubic | each model | HR on CROPS, each tile shown at 2x."""
    import numpy as np

    from ganzoo import images, superres

    rows = []
    for benchmark, image_name, top, left, size in CROPS:
        pairs = {name: (lr, hr) for name, lr, hr in superres.load_benchmark(benchmark)}
        low, high = pairs[image_name]
        # upscale the whole image (as a user would) and cut the same window from every result
        outputs = [np.repeat(np.repeat(low, 4, axis=0), 4, axis=1), superres.upscale_bicubic(low),
                   *[model.upscale(low) for model in models.values()], high]
        window = (slice(4 * top, 4 * (top + size)), slice(4 * left, 4 * (left + size)))
        rows += [np.repeat(np.repeat(out[window], 2, axis=0), 2, axis=1) for out in outputs]
    return images.grid(np.stack(rows), cols=len(models) + 3)


def upscale_memory():
    """Peak RSS and wall time of `ganzoo upscale` on a 1000x1000 photograph, in a fresh process."""
    from ganzoo import images, superres

    photo = superres.load_training_images()[0]
    big = superres.imresize(photo, (1000, 1000))
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.png", Path(folder) / "out.png"
        images.save_png(big, source)
        start = time.time()
        subprocess.run([sys.executable, "-m", "ganzoo.cli", "upscale", FLAGS.entries[0], str(source), "-o",
                        str(target)], check=True)
        seconds = time.time() - start
        shape = images.load_image(target).shape
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # KiB -> GiB
    return {"entry": FLAGS.entries[0], "input": "1000x1000", "output": f"{shape[1]}x{shape[0]}",
            "peak_rss_gib": round(peak, 2), "seconds": round(seconds, 1), "cpus": os.cpu_count()}


def main(argv):
    del argv
    from ganzoo import evaluate, export, hub, images, zoo

    output = Path(FLAGS.output)
    saved = json.loads(output.read_text()) if output.exists() else {}
    if FLAGS.upscale_memory:
        saved["upscale_memory"] = upscale_memory()
        print(json.dumps(saved["upscale_memory"]))
        output.write_text(json.dumps(saved, indent=2) + "\n")
        return
    results, models = {}, {}
    command = "python benchmarks/sr_benchmark.py" + (" --write" if FLAGS.write else "")
    for name in FLAGS.entries:
        models[name] = zoo.load(name)
        scores, count, _ = evaluate.evaluate(name, model=models[name])
        results["bicubic"] = {k.replace("bicubic_", ""): v for k, v in scores.items() if "bicubic" in k}
        results[name] = {k: v for k, v in scores.items() if "bicubic" not in k}
        if FLAGS.write:
            evaluate.record(name, scores, command, count, None)
            entry = zoo.get_entry(name)  # the paper's figures beside ours in the card
            entry["paper_metrics"] = {"source": "Ledig et al. 2017, Table 2", "figures": {
                f"{b}/{kind}": value for method in ("bicubic", name) for b, pair in PAPER[method].items()
                for kind, value in zip((f"{'bicubic_' if method == 'bicubic' else ''}psnr",
                                        f"{'bicubic_' if method == 'bicubic' else ''}ssim"), pair)}}
            zoo.write_entry(name, entry)
    results = {"bicubic": results.pop("bicubic"), **results}
    print(table(results))
    saved.update({"command": command, "results": results, "paper": PAPER})
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(saved, indent=2) + "\n")
    if FLAGS.write:
        picture = comparison(models)
        for name in models:
            images.save_png(picture, hub.REPO_WEIGHTS_DIR / name / "comparison.png")
            entry = zoo.get_entry(name)
            export.refresh_card(name, entry, hub.REPO_WEIGHTS_DIR / name)
            zoo.write_entry(name, entry)
        print(f"wrote comparison.png (LR | bicubic | {' | '.join(models)} | HR) to each entry's folder")


if __name__ == "__main__":
    app.run(main)
