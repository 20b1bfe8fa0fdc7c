"""Rewrite the zoo table in README.md from weights_manifest.json (between the markers).

    python scripts/update_readme.py
"""

import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from ganzoo import zoo  # noqa: E402

START, END = "<!-- zoo-table -->", "<!-- /zoo-table -->"
SHOWN = {  # metric key -> column text
    "classifier_mnist/class_coverage": "coverage",
    "classifier_mnist/confident_fraction": "confident",
    "classifier_mnist/classifier_score": "score",
    "fid/celeba/train": "FID",
    "kid/celeba/train": "KID",
}


def table(manifest):
    rows = ["| entry | family | data | samples | quality |", "|---|---|---|---|---|"]
    for name, entry in manifest["models"].items():
        metrics = entry["metrics"]
        quality = ", ".join(f"{label} {metrics[key]['value']}" for key, label in SHOWN.items() if key in metrics)
        n = next((m.get("n_samples") for m in metrics.values() if m.get("n_samples")), None)
        quality = f"{quality} ({n} samples)" if quality and n else (quality or "not measured")
        thumb = f"<img src='weights/{name}/samples.png' width='160'>"
        rows.append(f"| `{name}` | {entry['family']} | {entry['dataset']['name']} | {thumb} | {quality} |")
    return "\n".join(rows)


def main():
    readme = REPO_ROOT / "README.md"
    text = readme.read_text()
    if START not in text or END not in text:
        sys.exit(f"README.md lacks the markers {START} ... {END}")
    block = f"{START}\n{table(zoo.read_manifest())}\n{END}"
    readme.write_text(re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S))
    print("README.md zoo table updated")


if __name__ == "__main__":
    main()
