"""Where the torch backend's time goes: the DCGAN-64 step of ganzoo (Keras on torch) and of the plain
PyTorch loop of benchmarks/train_throughput.py, each under torch.profiler, op by op.

    KERAS_BACKEND=torch python benchmarks/torch_gap_profile.py --steps=5

Both run in this one process, alternating (plain, ganzoo, plain, ganzoo, ...) after a warm-up, on
--threads CPU threads. Every aten op's self CPU time is summed per step and put in a category
(convolution, layout copies, batch norm, optimizer, elementwise and the rest), so that a gap
between the two shows where it comes from. Results go to stdout and --output (JSON).
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

# aten op name -> category; the first pattern found in the name wins
CATEGORIES = [
    ("convolution", ("conv", "mkldnn")),
    ("layout copies", ("permute", "contiguous", "copy_", "clone", "transpose", "_to_copy", "as_strided")),
    ("batch norm", ("batch_norm",)),
    ("optimizer", ("_foreach", "addcdiv", "lerp")),
    ("reductions", ("mean", "sum", "var", "std")),
    ("matmul", ("mm", "matmul", "linear", "addmm")),
]


def category(name):
    name = name.lower()
    return next((label for label, patterns in CATEGORIES if any(p in name for p in patterns)), "elementwise and rest")


def ganzoo_step_runner(batch, width):
    from ganzoo import pipeline
    from ganzoo.families.dcgan import DCGAN
    from train_throughput import CHANNELS, LATENT_DIM, RESOLUTION, uint8_images

    model = DCGAN(resolution=RESOLUTION, channels=CHANNELS, width=width, latent_dim=LATENT_DIM, seed=0)
    model.compile()
    data = pipeline.training_batches(uint8_images(8 * batch), None, batch, 0, 0)
    model.fit(data, steps_per_epoch=2, epochs=1, verbose=0)  # builds the train function
    batches = iter(pipeline.training_batches(uint8_images(8 * batch), None, batch, 0, 0))

    def step():
        batch_data = next(batches)
        model.train_on_batch(batch_data[0] if isinstance(batch_data, tuple) else batch_data)
    return step


def plain_step_runner(batch, width):
    import torch

    from train_throughput import BETA_1, BETA_2, LATENT_DIM, LEARNING_RATE, torch_networks, uint8_images

    generator, discriminator = torch_networks(width)
    g_opt = torch.optim.Adam(generator.parameters(), lr=LEARNING_RATE, betas=(BETA_1, BETA_2))
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=LEARNING_RATE, betas=(BETA_1, BETA_2))
    bce = torch.nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
    images = torch.from_numpy(uint8_images(8 * batch)).split(batch)
    state = {"i": 0}

    def step():
        real = images[state["i"] % len(images)].permute(0, 3, 1, 2).float() / 127.5 - 1.0
        state["i"] += 1
        with torch.no_grad():
            fake = generator(torch.randn(batch, LATENT_DIM))
        d_loss = bce(discriminator(real), ones) + bce(discriminator(fake), zeros)
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        g_loss = bce(discriminator(generator(torch.randn(batch, LATENT_DIM))), ones)
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
    return step


def profile(step, steps):
    """(seconds per step, {category: self CPU ms per step}, [(op, self CPU ms per step)] top 12)."""
    from torch.profiler import ProfilerActivity, profile as torch_profile

    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        for _ in range(steps):
            step()
        seconds = (time.perf_counter() - start) / steps
    ops = [(e.key, e.self_cpu_time_total / 1000.0 / steps) for e in prof.key_averages() if e.key.startswith("aten::")]
    by_category = {}
    for name, ms in ops:
        by_category[category(name)] = by_category.get(category(name), 0.0) + ms
    return seconds, by_category, sorted(ops, key=lambda item: -item[1])[:12]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=5, help="profiled steps per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", default=str(REPO / "benchmarks" / "results" / "torch_gap_profile_cpu.json"))
    args = parser.parse_args()
    if os.environ.get("KERAS_BACKEND") != "torch":
        sys.exit("run with KERAS_BACKEND=torch")
    import torch

    torch.set_num_threads(args.threads)
    runners = {"plain-torch": plain_step_runner(args.batch_size, args.width),
               "ganzoo-torch": ganzoo_step_runner(args.batch_size, args.width)}
    for step in runners.values():  # warm-up, untimed
        for _ in range(2):
            step()
    results = {name: [] for name in runners}
    for _ in range(args.rounds):
        for name, step in runners.items():
            results[name].append(profile(step, args.steps))
    summary = {}
    for name, rounds in results.items():
        best = min(rounds, key=lambda r: r[0])  # the least disturbed round
        summary[name] = {"seconds_per_step": round(best[0], 4),
                         "self_cpu_ms_per_step": {k: round(v, 1) for k, v in sorted(best[1].items(), key=lambda kv: -kv[1])},
                         "top_ops_ms_per_step": [(op, round(ms, 1)) for op, ms in best[2]],
                         "all_rounds_seconds": [round(r[0], 4) for r in rounds]}
    ratio = summary["plain-torch"]["seconds_per_step"] / summary["ganzoo-torch"]["seconds_per_step"]
    report = {"benchmark": "torch_gap_profile", "command": "KERAS_BACKEND=torch python benchmarks/torch_gap_profile.py "
              + " ".join(sys.argv[1:]), "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": platform.machine(),
              "torch": torch.__version__, "settings": vars(args), "ganzoo_speed_vs_plain": round(ratio, 3),
              "contestants": summary}
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n")
    labels = sorted({k for s in summary.values() for k in s["self_cpu_ms_per_step"]})
    print(f"ganzoo-torch runs at {ratio:.2f}x plain PyTorch's speed (best of {args.rounds} rounds of {args.steps} steps)")
    print("| self CPU ms per step | " + " | ".join(summary) + " |")
    print("|---|" + "---|" * len(summary))
    for label in labels:
        print(f"| {label} | " + " | ".join(str(s["self_cpu_ms_per_step"].get(label, 0.0)) for s in summary.values()) + " |")
    print("| wall s per step | " + " | ".join(str(s["seconds_per_step"]) for s in summary.values()) + " |")
    for name, s in summary.items():
        print(f"\n{name} top ops (self CPU ms per step): " + ", ".join(f"{op} {ms}" for op, ms in s["top_ops_ms_per_step"]))


if __name__ == "__main__":
    main()
