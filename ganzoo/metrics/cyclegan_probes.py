"""Probes of a CycleGAN run in progress, for finding why one stalls near the identity:
`blob_reach` (can a bright spot sway a discriminator's far patches?) and `gradient_balance`
(does the adversarial term or the cycle term pull harder on the translations?), on arrays or on
a run's latest checkpoint (scripts/cyclegan_probes.py)."""

import numpy as np


def cyclegan_checkpoint(run_dir, what):
    """(model, step) of an unpaired translation run's latest checkpoint; `what` names the caller."""
    from ganzoo import training

    model, step = training.load_checkpoint(run_dir)
    if getattr(model, "pair_names", None) != ("a", "b"):
        raise ValueError(f"{what} measures unpaired translation runs (CycleGAN), not {type(model).__name__}.")
    return model, step


def blob_reach(model, faces_a, faces_b, share=0.02, grow=4, margin=8):
    """Whether a CycleGAN's discriminators can be swayed from afar: for each direction, the most
    changed `share` of each translation's pixels (grown by `grow` px) is put back as it was, and
    {direction: {"fake", "blob_removed", "untranslated"}} are the target discriminator's mean
    logits over the patches whose centre lies over `margin` px from that spot. With instance
    norm in D a bright spot moves them all; without, only the patches that see it move."""
    from keras import ops
    from scipy.ndimage import binary_dilation

    from ganzoo import images as image_utils

    def grown(masks, pixels):  # each image's mask, grown by `pixels` (not across images)
        return np.stack([binary_dilation(mask, iterations=pixels) for mask in masks])

    results = {}
    for direction, faces, critic in (("a2b", faces_a, "discriminator_b"), ("b2a", faces_b, "discriminator_a")):
        x = image_utils.from_uint8(np.asarray(faces))
        fake = ops.convert_to_numpy(model._direction(direction)(x))
        change = np.abs(fake - x).sum(axis=-1)
        spot = grown(change >= np.quantile(change.reshape(len(x), -1), 1 - share, axis=1)[:, None, None], grow)
        logits = {key: ops.convert_to_numpy(model.discriminator.get_layer(critic)(images))[..., 0]
                  for key, images in (("fake", fake), ("blob_removed", np.where(spot[..., None], x, fake)),
                                      ("untranslated", x))}
        cells = logits["fake"].shape[1]
        centres = ((np.arange(cells) + 0.5) * x.shape[1] / cells).astype(int)
        far = ~grown(spot, margin)[:, centres][:, :, centres]
        results[direction] = {key: float(value[far].mean()) for key, value in logits.items()}
    return results


def gradient_balance(model, faces_a, faces_b):
    """How hard each of a CycleGAN generator's terms pulls on its output: for each direction,
    the gradients of the adversarial term and of that direction's cycle term (both as weighted
    in generator_loss) w.r.t. the translated images, as {direction: {"adversarial", "cycle":
    mean over pixels of |gradient| summed over channels, "adversarial_wins": share of pixels
    where the adversarial pull is the larger}}. The L1 cycle term pulls with the same strength
    however small the change, so where it is larger a generator near the identity stays there."""
    import keras
    from keras import ops

    from ganzoo import images as image_utils
    from ganzoo.core.gan import value_and_grad

    results = {}
    for direction, faces, back, critic in (("a2b", faces_a, "b2a", "discriminator_b"),
                                           ("b2a", faces_b, "a2b", "discriminator_a")):
        x = ops.convert_to_tensor(image_utils.from_uint8(np.asarray(faces)))
        fake = keras.Variable(model._direction(direction)(x), trainable=True, name="translations")
        d, g_back = model.discriminator.get_layer(critic), model._direction(back)
        pulls = {}
        for term, loss in (("adversarial", lambda: model.adversarial_scale * model.g_objective(d(fake))),
                           ("cycle", lambda: model.cycle_weight * ops.mean(ops.abs(g_back(fake) - x)))):
            _, (grad,) = value_and_grad(loss, [fake])
            pulls[term] = np.abs(ops.convert_to_numpy(grad)).sum(axis=-1)
        results[direction] = {**{term: float(pull.mean()) for term, pull in pulls.items()},
                              "adversarial_wins": float(np.mean(pulls["adversarial"] > pulls["cycle"]))}
    return results


def checkpoint_gradient_balance(run_dir, a, b, n=16):
    """gradient_balance on the first n training faces of CelebA attributes a and b (a batch, as
    in training), with the latest checkpoint of a CycleGAN run, and its step."""
    from ganzoo import paired

    model, step = cyclegan_checkpoint(run_dir, "checkpoint_gradient_balance")
    faces_a, faces_b = paired.celeba_domains(a, b, "train")
    return {"step": step, **gradient_balance(model, faces_a[:n], faces_b[:n])}


def checkpoint_blob_reach(run_dir, a, b, n=64):
    """blob_reach on the first n held-out faces of CelebA attributes a and b, with the latest
    checkpoint of a CycleGAN run, and its step."""
    from ganzoo import paired

    model, step = cyclegan_checkpoint(run_dir, "checkpoint_blob_reach")
    faces_a, faces_b = paired.celeba_domains(a, b, "test")
    reach = blob_reach(model, faces_a[:n], faces_b[:n])
    return {"step": step, **{direction: {key: round(value, 4) for key, value in logits.items()}
                             for direction, logits in reach.items()}}
