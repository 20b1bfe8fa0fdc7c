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


def minimax_g_terms(fake_logits):
    """log(1 - D(G(z))) = -softplus(fake) per sample: G minimises what D maximises."""
    return -ops.softplus(fake_logits)


def minimax_g_loss(fake_logits):
    return _mean(minimax_g_terms(fake_logits))


# --- non-saturating: same D, G maximises log D(G(z)) for stronger early gradients ---
non_saturating_d_loss = minimax_d_loss


def non_saturating_g_terms(fake_logits):
    """-log D(G(z)) = softplus(-fake) per sample."""
    return ops.softplus(-fake_logits)


def non_saturating_g_loss(fake_logits):
    return _mean(non_saturating_g_terms(fake_logits))


# --- least squares (Mao et al. 2017), a=0, b=c=1 with the 1/2 factors ---------------
def least_squares_d_loss(real_logits, fake_logits):
    return 0.5 * _mean(ops.square(real_logits - 1.0)) + 0.5 * _mean(ops.square(fake_logits))


def least_squares_g_terms(fake_logits):
    return 0.5 * ops.square(fake_logits - 1.0)


def least_squares_g_loss(fake_logits):
    return _mean(least_squares_g_terms(fake_logits))


# --- Wasserstein critic (Arjovsky et al. 2017); pair it with a gradient penalty -----
def wasserstein_d_loss(real_logits, fake_logits):
    return _mean(fake_logits) - _mean(real_logits)


def wasserstein_g_terms(fake_logits):
    return -fake_logits


def wasserstein_g_loss(fake_logits):
    return _mean(wasserstein_g_terms(fake_logits))


# --- hinge (Lim & Ye 2017; used by SAGAN/BigGAN) -------------------------------------
def hinge_d_loss(real_logits, fake_logits):
    return _mean(ops.relu(1.0 - real_logits)) + _mean(ops.relu(1.0 + fake_logits))


hinge_g_terms = wasserstein_g_terms  # G's side of the hinge game is the critic's score, as in WGAN
hinge_g_loss = wasserstein_g_loss


OBJECTIVES = {
    "minimax": (minimax_d_loss, minimax_g_loss),
    "non_saturating": (non_saturating_d_loss, non_saturating_g_loss),
    "least_squares": (least_squares_d_loss, least_squares_g_loss),
    "wasserstein": (wasserstein_d_loss, wasserstein_g_loss),
    "hinge": (hinge_d_loss, hinge_g_loss),
}


# G's loss per generated sample (each objective's g loss is their mean), for top_k_mean.
GENERATOR_TERMS = {
    "minimax": minimax_g_terms,
    "non_saturating": non_saturating_g_terms,
    "least_squares": least_squares_g_terms,
    "wasserstein": wasserstein_g_terms,
    "hinge": hinge_g_terms,
}


def top_k_mean(terms, scores, share):
    """The mean of per-sample `terms` over the round(share * n) of the n samples (at least one) whose
    `scores` are highest, ties at the cut included: top-k training (Sinha et al. 2020), where G learns
    only from the generated samples D rates most real (the paper: the worst-rated ones' gradients can
    point G the wrong way). share: in (0, 1], a float or a scalar tensor (a schedule). The ranking
    passes no gradient."""
    terms = ops.reshape(ops.cast(terms, "float32"), (-1,))
    scores = ops.stop_gradient(ops.reshape(ops.cast(scores, "float32"), (-1,)))
    n = ops.shape(scores)[0]
    k = ops.maximum(ops.cast(ops.round(ops.cast(share, "float32") * ops.cast(n, "float32")), "int32"), 1)
    cut = ops.take(ops.sort(scores), n - k)  # the k-th highest score
    keep = ops.cast(scores >= cut, "float32")
    return ops.sum(terms * keep) / ops.sum(keep)


def get_objective(name):
    """(d_loss_fn, g_loss_fn) for an objective name."""
    try:
        return OBJECTIVES[name]
    except KeyError:
        raise ValueError(
            f"Unknown objective {name!r}; expected one of {sorted(OBJECTIVES)}."
        ) from None


# --- regularisers: they need gradients of gradients ------------------------------------
def input_gradients(fn, inputs):
    """d sum(fn(x)) / dx, built so that it can itself be differentiated (nested tape on
    TensorFlow, create_graph on torch, jax.grad inside jax.value_and_grad on JAX): penalties on it
    train the network's weights."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        inputs = tf.convert_to_tensor(inputs)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            total = ops.sum(fn(inputs))
        return tape.gradient(total, inputs)
    if backend == "torch":
        import torch

        inputs = ops.convert_to_tensor(inputs).detach().requires_grad_(True)
        outputs = fn(inputs)
        return torch.autograd.grad(ops.sum(outputs), inputs, create_graph=True)[0]
    if backend == "jax":
        from ganzoo.core import jax_state

        return jax_state.input_gradients(fn, inputs)
    raise NotImplementedError(f"no input gradients on the {backend} backend")


def _per_example_sq_norm(grads):
    return ops.sum(ops.reshape(ops.square(grads), (ops.shape(grads)[0], -1)), axis=1)


def gradient_penalty(critic, real, fake, alpha):
    """WGAN-GP (Gulrajani et al. 2017): E[(||grad critic(x_hat)|| - 1)^2] on interpolates
    x_hat = alpha * real + (1 - alpha) * fake, alpha ~ U(0, 1) per example, shape (N, 1, 1, 1).
    Multiply by lambda (10 in the paper)."""
    interpolates = alpha * real + (1.0 - alpha) * fake
    grads = input_gradients(critic, interpolates)
    norms = ops.sqrt(_per_example_sq_norm(grads) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))


def r1_penalty(discriminator, real):
    """R1 (Mescheder et al. 2018): E[||grad D(x)||^2] on real data. Multiply by gamma / 2."""
    return ops.mean(_per_example_sq_norm(input_gradients(discriminator, real)))


def masked_l1(predicted, target, masks):
    """Mean absolute difference over the pixels where masks (N, H, W, 1) are 1, every channel
    counted (inpainting's reconstruction term); 0 for masks with no pixel set."""
    channels = ops.shape(predicted)[-1]
    pixels = ops.maximum(ops.sum(masks) * ops.cast(channels, "float32"), 1.0)
    return ops.sum(ops.abs(predicted - target) * masks) / pixels


def matching_aware_d_loss(real_right_logits, real_wrong_logits, fake_right_logits):
    """GAN-CLS's discriminator (Reed et al. 2016): a real image with its own text is real (1); a
    real image with another image's text, and a generated image with its text, are fake (0), the
    two fake kinds weighed a half each: softplus(-s_r) + (softplus(s_w) + softplus(s_f)) / 2."""
    return (_mean(ops.softplus(-real_right_logits))
            + 0.5 * (_mean(ops.softplus(real_wrong_logits)) + _mean(ops.softplus(fake_right_logits))))
