"""Adversarial objectives as pure functions of discriminator logits.

Every function takes raw (pre-sigmoid) logits and returns a scalar mean loss, so
each is checked in the tests against its closed form. Families pick them by name
through ``get_objective``: a DCGAN trained with the hinge loss is a config change.
"""

from keras import ops


def _mean(x):
    return ops.mean(ops.cast(x, "float32"))


# --- minimax (Goodfellow et al. 2014), the saturating original --------------------
def minimax_d_loss(real_logits, fake_logits):
    """-log D(x) - log(1 - D(G(z))) = softplus(-real) + softplus(fake)."""
    return _mean(ops.softplus(-real_logits)) + _mean(ops.softplus(fake_logits))


def minimax_g_loss(fake_logits):
    """log(1 - D(G(z))) = -softplus(fake): G minimises what D maximises."""
    return -_mean(ops.softplus(fake_logits))


# --- non-saturating: same D, G maximises log D(G(z)) for stronger early gradients ---
non_saturating_d_loss = minimax_d_loss


def non_saturating_g_loss(fake_logits):
    """-log D(G(z)) = softplus(-fake)."""
    return _mean(ops.softplus(-fake_logits))


# --- least squares (Mao et al. 2017), a=0, b=c=1 with the 1/2 factors ---------------
def least_squares_d_loss(real_logits, fake_logits):
    return 0.5 * _mean(ops.square(real_logits - 1.0)) + 0.5 * _mean(ops.square(fake_logits))


def least_squares_g_loss(fake_logits):
    return 0.5 * _mean(ops.square(fake_logits - 1.0))


# --- Wasserstein critic (Arjovsky et al. 2017); pair it with a gradient penalty -----
def wasserstein_d_loss(real_logits, fake_logits):
    return _mean(fake_logits) - _mean(real_logits)


def wasserstein_g_loss(fake_logits):
    return -_mean(fake_logits)


# --- hinge (Lim & Ye 2017; used by SAGAN/BigGAN) -------------------------------------
def hinge_d_loss(real_logits, fake_logits):
    return _mean(ops.relu(1.0 - real_logits)) + _mean(ops.relu(1.0 + fake_logits))


def hinge_g_loss(fake_logits):
    return -_mean(fake_logits)


OBJECTIVES = {
    "minimax": (minimax_d_loss, minimax_g_loss),
    "non_saturating": (non_saturating_d_loss, non_saturating_g_loss),
    "least_squares": (least_squares_d_loss, least_squares_g_loss),
    "wasserstein": (wasserstein_d_loss, wasserstein_g_loss),
    "hinge": (hinge_d_loss, hinge_g_loss),
}


def get_objective(name):
    """(d_loss_fn, g_loss_fn) for an objective name."""
    try:
        return OBJECTIVES[name]
    except KeyError:
        raise ValueError(
            f"Unknown objective {name!r}; expected one of {sorted(OBJECTIVES)}."
        ) from None
