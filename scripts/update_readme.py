"""Rewrite the zoo table in README.md from weights_manifest.json, and the objectives comparison from
benchmarks/results/compare_objectives.json (each between its markers).

    python scripts/update_readme.py
"""

import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from ganzoo import zoo  # noqa: E402
from ganzoo.quality import quality  # noqa: E402  (ganzoo serve's gallery shows the same line)

START, END = "<!-- zoo-table -->", "<!-- /zoo-table -->"
OBJECTIVES_START, OBJECTIVES_END = "<!-- objectives-table -->", "<!-- /objectives-table -->"
OBJECTIVES_RESULTS = REPO_ROOT / "benchmarks" / "results" / "compare_objectives.json"
DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}


def table(manifest):
    rows = ["| entry | family | data | samples | quality |", "|---|---|---|---|---|"]
    for name, entry in manifest["models"].items():
        thumb = f"<img src='weights/{name}/samples.png' width='160'>"
        rows.append(f"| `{name}` | {entry['family']} | {entry['dataset']['name']} | {thumb} "
                    f"| {quality(entry['metrics'])} |")
    return "\n".join(rows)


def objectives_table(results):
    """compare_objectives' results as one row per objective, data sets side by side: mean over seeds
    (max - min in brackets) of FID, precision / recall and the classifier's confident share."""
    datasets = list(results["table"])
    objectives = list(dict.fromkeys(o for d in datasets for o in results["table"][d]))
    header = ["objective"] + [f"{DATASET_NAMES.get(d, d)} {column}" for d in datasets
                              for column in ("FID", "precision / recall", "confident", "Lucic et al. FID")]
    rows = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]

    def mean(cell, measure, digits, spread=False):
        m = cell.get(measure)
        if not m:
            return "-"
        return f"{m['mean']:.{digits}f}" + (f" ({m['spread']:.{digits}f})" if spread and m["runs"] > 1 else "")

    for objective in objectives:
        row = [objective]
        for d in datasets:
            cell = results["table"][d].get(objective, {})
            row += [mean(cell, "fid", 1, spread=True),
                    f"{mean(cell, 'precision', 2)} / {mean(cell, 'recall', 2)}", mean(cell, "confident", 2),
                    str(results.get("lucic_fid", {}).get(d, {}).get(objective, "-"))]
        rows.append("| " + " | ".join(row) + " |")
    return "\n".join(rows)


def replace_block(text, start, end, body):
    if start not in text or end not in text:
        sys.exit(f"README.md lacks the markers {start} ... {end}")
    block = f"{start}\n{body}\n{end}"
    return re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)


def main():
    readme = REPO_ROOT / "README.md"
    text = replace_block(readme.read_text(), START, END, table(zoo.read_manifest()))
    objectives = json.loads(OBJECTIVES_RESULTS.read_text()) if OBJECTIVES_RESULTS.exists() else None
    if objectives and objectives["complete"]:  # a table of some runs would compare unequal seeds
        text = replace_block(text, OBJECTIVES_START, OBJECTIVES_END, objectives_table(objectives))
    elif objectives:
        print(f"{OBJECTIVES_RESULTS.name} is not complete: the README's objectives table is left as it was")
    readme.write_text(text)
    print("README.md tables updated")


if __name__ == "__main__":
    main()
