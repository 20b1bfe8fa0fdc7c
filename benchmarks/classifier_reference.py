"""The classifier scores of the real test images: the ceiling the generated samples aim at.

    python benchmarks/classifier_reference.py --dataset=mnist
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganzoo import data  # noqa: E402
from ganzoo.metrics.classifier import class_scores, load_classifier, predict_probabilities  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist", choices=["mnist", "fashion_mnist"])
    args = parser.parse_args()
    images, labels = data.load(args.dataset, "test")
    scores = class_scores(predict_probabilities(load_classifier(f"classifier_{args.dataset}"), images), labels)
    print(json.dumps({k: round(v, 4) for k, v in scores.items()}, indent=2))


if __name__ == "__main__":
    main()
