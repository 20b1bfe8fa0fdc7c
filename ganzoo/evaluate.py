"""`ganzoo evaluate NAME`: measure a zoo entry with a fixed seed and sample count.

Entries trained on a labelled data set (MNIST, Fashion-MNIST) are scored by the
classifier trained on that data set's real training images (manifest `evaluators`).
"""

import numpy as np

from ganzoo import export, zoo
from ganzoo.metrics import classifier as clf

DEFAULT_SAMPLES = 10000
DEFAULT_SEED = 0


def classifier_name(entry):
    name = f"classifier_{entry['dataset']['name']}"
    return name if name in zoo.read_manifest().get("evaluators", {}) else None


def evaluate(name, n=DEFAULT_SAMPLES, seed=DEFAULT_SEED, weights_dir=None, progress=True, batch_size=500):
    """{metric: value} for entry `name`, from n samples drawn with `seed`."""
    from tqdm.auto import tqdm

    from ganzoo.core.gan import check_positive_int, check_seed

    n, seed = check_positive_int(n, "n"), check_seed(seed)
    entry = zoo.get_entry(name)
    scorer = classifier_name(entry)
    if scorer is None:
        raise ValueError(f"{name}: no metric is available yet for data set {entry['dataset']['name']!r}.")
    model = zoo.load(name, weights_dir=weights_dir)
    classifier = clf.load_classifier(scorer)
    z = model.latent_numpy(n, seed)
    probabilities = []
    for start in tqdm(range(0, n, batch_size), desc=f"scoring {name}", unit="batch", disable=not progress):
        images = model.generate(z[start : start + batch_size])
        probabilities.append(clf.predict_probabilities(classifier, images))
    scores = clf.class_scores(np.concatenate(probabilities))
    return {f"{scorer}/{key}": round(value, 4) for key, value in scores.items()}


def record(name, results, command, n, seed):
    """Write measured results into the manifest entry and refresh its model card."""
    from ganzoo import hub

    entry = zoo.get_entry(name)
    for key, value in results.items():
        entry["metrics"][key] = {"value": value, "n_samples": n, "seed": seed, "command": command}
    folder = hub.REPO_WEIGHTS_DIR / name
    if not folder.is_dir():
        raise FileNotFoundError(f"--write updates the repository's weights/{name}/ folder, which is missing.")
    export.refresh_card(name, entry, folder)
    zoo.write_entry(name, entry)
