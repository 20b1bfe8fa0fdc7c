"""What FID mixes into one number, told apart: quality, variety and copying, on feature vectors.

- precision and recall (Kynkäänniemi et al. 2019): the share of generated samples inside the
  real data's k-nearest-neighbour balls, and of real samples inside the generated ones';
- density and coverage (Naeem et al. 2020): how many real balls hold each sample (density),
  and the share of real balls that hold at least one sample (coverage, robust to outliers).
  These four come from the `prdc` package, Naeem et al.'s own code, with k = 3 (Kynkäänniemi's),
  on as many real images as samples (the larger set is cut by a fixed random draw).
- memorisation: how near each sample's nearest training image is, beside how near held-out
  real images' nearest training images are. A generator that copies its training set sits
  nearer to it than unseen real images do.

    prdc_scores(real_features, fake_features)          # {"precision": ..., "coverage": ...}
    nearest_neighbours(train_features, query_features)  # (distances, indices)
    memorisation(train_features, sample_features, heldout_features)
"""

import contextlib
import io

import numpy as np

NEAREST_K = 3


def _check_features(*arrays):
    dims = set()
    for a in arrays:
        if a.ndim != 2 or len(a) < 2:
            raise ValueError(f"expected features of shape (N >= 2, D), got {a.shape}.")
        dims.add(a.shape[1])
    if len(dims) != 1:
        raise ValueError(f"feature sets of different widths: {sorted(dims)}.")


def equal_counts(real, fake, seed=0):
    """(real, fake) with the larger set cut to the smaller one's size by a fixed random draw.

    The four measures are defined on equal counts (both papers, and StudioGAN's evaluator, use as
    many real images as samples): 1,000 samples against 9,000 real images' balls, each ball three
    times smaller in count, could reach a coverage of at most 1,000 * 3 / 9,000 or so, and a
    perfect generator would read as collapsed."""
    n, rng = min(len(real), len(fake)), np.random.default_rng(seed)

    def cut(features):  # (only the larger set draws, so either side's cut is the same for a seed)
        return features if len(features) == n else features[np.sort(rng.choice(len(features), n, replace=False))]

    return cut(real), cut(fake)


def prdc_scores(real_features, fake_features, k=NEAREST_K, seed=0):
    """{"precision", "recall", "density", "coverage"} of fake against real features (N, D), on
    equal counts (equal_counts, drawn with `seed`)."""
    from prdc import compute_prdc

    real = np.asarray(real_features, np.float32)
    fake = np.asarray(fake_features, np.float32)
    _check_features(real, fake)
    real, fake = equal_counts(real, fake, seed)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k < min(len(real), len(fake)):
        raise ValueError(f"k must be an int in [1, {min(len(real), len(fake)) - 1}], got {k!r}.")
    with contextlib.redirect_stdout(io.StringIO()):  # prdc prints the set sizes
        scores = compute_prdc(real_features=real, fake_features=fake, nearest_k=k)
    return {name: float(scores[name]) for name in ("precision", "recall", "density", "coverage")}


def nearest_neighbours(reference, queries, chunk=1024):
    """(distance, index) of each query's nearest reference vector (Euclidean), in chunks so that
    10,000 x 10,000 comparisons never hold more than chunk x len(reference) distances."""
    reference = np.asarray(reference, np.float64)
    queries = np.asarray(queries, np.float64)
    _check_features(reference, queries)
    ref_norms = (reference**2).sum(axis=1)
    distances, indices = np.empty(len(queries)), np.empty(len(queries), np.int64)
    for start in range(0, len(queries), chunk):
        q = queries[start : start + chunk]
        squared = (q**2).sum(axis=1)[:, None] + ref_norms[None, :] - 2.0 * q @ reference.T
        nearest = squared.argmin(axis=1)
        indices[start : start + chunk] = nearest
        distances[start : start + chunk] = np.sqrt(np.maximum(squared[np.arange(len(q)), nearest], 0.0))
    return distances, indices


def memorisation(train_features, sample_features, heldout_features):
    """How near samples sit to the training set, measured against held-out real images.

    nn_ratio: median distance of a sample to its nearest training image over the same median
    for held-out real images (which were never trained on). Below 1, samples sit nearer the
    training images than new real images do: copying. copied_share: the share of samples
    nearer their nearest training image than 99% of held-out images are to theirs (a
    generator that copies some faces shows it here before the median moves).
    """
    sample_d, _ = nearest_neighbours(train_features, sample_features)
    heldout_d, _ = nearest_neighbours(train_features, heldout_features)
    threshold = np.quantile(heldout_d, 0.01)
    return {"nn_ratio": float(np.median(sample_d) / np.median(heldout_d)),
            "nn_sample_median": float(np.median(sample_d)),
            "nn_heldout_median": float(np.median(heldout_d)),
            "copied_share": float(np.mean(sample_d < threshold))}
