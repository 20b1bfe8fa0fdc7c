"""Jacobian-based truncation (Tanielian et al. 2020, "Learning disconnected manifolds: a no GAN's land").

A generator fed a connected latent space (a Gaussian) cannot jump between the separate modes of its
data (MNIST's ten digits): it passes through shapes between them, and does so where it stretches the
latent space most. Sampling that rejects the latents with the largest Jacobian norm ||dG/dz||_F drops
most of those in-between shapes, at the price of a little variety, as StyleGAN's truncation does.

The norm is estimated by finite differences along random directions (E ||J v||^2 = ||J||_F^2 for
v ~ N(0, I)), so it costs a few more generator passes and no gradients, on every backend alike.
"""

import numpy as np

DIRECTIONS = 4  # random directions per latent for the norm's estimate
STEP = 1e-2  # finite-difference step in z; G's float32 outputs keep ~5 digits of the difference
CALIBRATION_LATENTS = 4096  # the limit's quantile is then within about 0.6 points of the share asked for
CALIBRATION_SEED = 2020  # a fixed pool, apart from the seeds users sample with
CHUNK = 1024  # most candidates judged in one go


def check_reject_share(share):
    """`share` as a float in [0, 0.9], or a ValueError that says what it is for."""
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0.0 <= share <= 0.9:
        raise ValueError(f"jacobian_truncation is the share of latents that sampling rejects, those where the "
                         f"generator's Jacobian norm is largest: a number in [0, 0.9] (0: none), got {share!r}.")
    return float(share)


def draw_candidates(rng, n, latent_dim):
    """n candidate latents and their DIRECTIONS random directions, (n, 1 + DIRECTIONS, latent_dim) float32.
    numpy fills them in order, so drawing in chunks gives the same stream as drawing at once."""
    return rng.standard_normal((n, 1 + DIRECTIONS, latent_dim), dtype=np.float32)


def jacobian_norms(generate, latents, directions, step=STEP):
    """Estimated ||dG/dz||_F at each latent: sqrt(mean_k ||G(z + step v_k) - G(z)||^2) / step.

    generate: float32 latents (N, D) -> outputs (N, ...); latents (N, D); directions (N, K, D).
    """
    base = np.asarray(generate(latents), dtype=np.float64).reshape(len(latents), -1)
    squares = np.zeros(len(latents))
    for k in range(directions.shape[1]):
        moved = np.asarray(generate(latents + step * directions[:, k]), dtype=np.float64).reshape(len(latents), -1)
        squares += np.sum(np.square(moved - base), axis=1)
    return np.sqrt(squares / directions.shape[1]) / step


def norm_limit(generate, latent_dim, reject_share):
    """The Jacobian norm above which `reject_share` of a fixed pool of latents lies."""
    candidates = draw_candidates(np.random.default_rng(CALIBRATION_SEED), CALIBRATION_LATENTS, latent_dim)
    norms = np.concatenate([jacobian_norms(generate, chunk[:, 0], chunk[:, 1:])
                            for chunk in np.array_split(candidates, -(-CALIBRATION_LATENTS // CHUNK))])
    return float(np.quantile(norms, 1.0 - reject_share))


def truncated_latents(generate, rng, n, latent_dim, limit, reject_share):
    """The first n latents of rng's candidate stream whose Jacobian norm is at most `limit`: each
    latent is kept or dropped on its own, so the first k of n samples are the k samples of the same seed.
    reject_share only sizes the chunks (a few more candidates than it says the rest will need)."""
    kept, count = [], 0
    while count < n:
        wanted = int(np.ceil((n - count) / (1.0 - reject_share) * 1.1)) + 8
        chunk = draw_candidates(rng, min(CHUNK, wanted), latent_dim)
        latents = chunk[:, 0]
        latents = latents[jacobian_norms(generate, latents, chunk[:, 1:]) <= limit]
        kept.append(latents)
        count += len(latents)
    return np.concatenate(kept)[:n]
