"""Rewrite the zoo table in README.md from weights_manifest.json (between the markers).

    python scripts/update_readme.py
"""

import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from ganzoo import zoo  # noqa: E402
from ganzoo.quality import quality  # noqa: E402  (ganzoo serve's gallery shows the same line)

START, END = "<!-- zoo-table -->", "<!-- /zoo-table -->"
def table(manifest):
    rows = ["| entry | family | data | samples | quality |", "|---|---|---|---|---|"]
    for name, entry in manifest["models"].items():
        thumb = f"<img src='weights/{name}/samples.png' width='160'>"
        rows.append(f"| `{name}` | {entry['family']} | {entry['dataset']['name']} | {thumb} "
                    f"| {quality(entry['metrics'])} |")
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
