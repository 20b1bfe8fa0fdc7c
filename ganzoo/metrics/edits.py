"""Scores of attribute edits (StarGAN): did the edit take, and is it still the same face?

    edit_plan(own, attributes, hair_group)   # [(attribute, value, rows)]: every edit and direction
    read_as(probabilities, value)            # share of a judge's readings that equal the target
    real_faces_read_as(probabilities, truth, value, strata, source_strata)
                                             # the same share on real faces that have the target
    identity_top1(input_features, edited_features, rows)
    horizontal_bands(inputs, edited)         # grey levels of horizontal bands in what the edits changed
    change_colour(inputs, edited)            # grey levels of colour (not brightness) the edits changed
    table(result, judge)                     # a measurement's shares as a text table, one row per edit

Identity: an edit counts as the same face when, among all the unedited held-out faces, its
nearest (Inception features, Euclidean, as for FID) is the face it was made from. A model that
returns its input scores 1; one that ignores the input scores about 1 / the number of faces. It is
fair to every model alike: no face recogniser trained here would be better calibrated, the same
features judge every edit, and a hair colour or age that changes the features a little still
leaves the edit nearer its own photograph (pose, framing, background, face) than to 999 others.
"""

import numpy as np

from ganzoo.metrics.prdc import nearest_neighbours
from ganzoo.paired import LUMA


def edit_plan(own, attributes, hair_group=()):
    """Every edit to measure: (attribute, target value, indices of the faces it applies to).

    A hair colour in `hair_group` is set to 1 on the faces without it (a face has one colour, so
    "to 0" is another colour's "to 1"); every other attribute both ways: to 1 on the faces
    without it, to 0 on the faces with it. Directions that apply to no face are left out.
    """
    own = np.asarray(own)
    attributes = list(attributes)
    if own.ndim != 2 or own.shape[1] != len(attributes):
        raise ValueError(f"own: expected (N, {len(attributes)}) 0/1 attributes, got shape {own.shape}.")
    plan = []
    for column, name in enumerate(attributes):
        for value in (1,) if name in hair_group else (1, 0):
            rows = np.flatnonzero(own[:, column] != value)
            if len(rows):
                plan.append((name, value, rows))
    return plan


def read_as(probabilities, value):
    """The share of per-image probabilities (N,) of one attribute whose reading (p > 0.5) is `value`."""
    probabilities = np.asarray(probabilities, np.float64)
    if probabilities.ndim != 1 or not len(probabilities):
        raise ValueError(f"probabilities: expected a non-empty (N,) array, got shape {probabilities.shape}.")
    return float(np.mean((probabilities > 0.5) == bool(value)))


def real_faces_read_as(probabilities, truth, value, strata, source_strata):
    """How often a judge reads real faces that have the target (truth == value) as the target, weighted
    to the edited faces' mix of another attribute: the share an edit could reach if it were as
    readable as a real photograph. probabilities, truth and strata cover all the real faces (N,);
    source_strata are the edited faces' own strata. E.g. for edits to blond hair, strata = sex: a
    CelebA judge reads few real blond men as blond (they are 2% of CelebA's men), so blond edits of
    men are held to that. A stratum without a real face that has the target is left out and the
    others' weights renormalised. Returns (share, real faces used), or (None, 0) when none is left."""
    probabilities, truth, strata = (np.asarray(a).ravel() for a in (probabilities, truth, strata))
    if not len(probabilities) == len(truth) == len(strata):
        raise ValueError(f"probabilities, truth and strata: one value per real face expected, got "
                         f"{len(probabilities)}, {len(truth)} and {len(strata)}.")
    with_target = truth == value
    total, weight, used = 0.0, 0, 0
    for stratum, count in zip(*np.unique(np.asarray(source_strata).ravel(), return_counts=True)):
        real = with_target & (strata == stratum)
        if real.any():
            total += count * read_as(probabilities[real], value)
            weight, used = weight + count, used + int(real.sum())
    return (total / weight, used) if weight else (None, 0)


def identity_top1(input_features, edited_features, rows):
    """The share of edits whose nearest input face (all of `input_features`) is their own:
    edited_features[i] was made from input rows[i]."""
    rows = np.asarray(rows)
    if len(rows) != len(edited_features):
        raise ValueError(f"rows: one input index per edit expected, got {len(rows)} for {len(edited_features)}.")
    _, nearest = nearest_neighbours(input_features, edited_features)
    return float(np.mean(nearest == rows))


def horizontal_bands(inputs, edited, periods=(3, 5)):
    """How strong the horizontal bands are in what the edits changed (edited - inputs, uint8 (N, H, W, C)
    each), in grey levels (0-255): the root of the change's variance at vertical periods of periods[0] to
    periods[1] px less its variance at horizontal periods as fine (each face's mean change taken out), 0
    where the latter is the larger. A change without a direction scores about 0, bands of +-A grey levels
    and period 4 score A; faint pink and green bands that StarGAN runs here drew over faces, 2-5 over
    the whole image (more where they are)."""
    inputs, edited = np.asarray(inputs, np.float64), np.asarray(edited, np.float64)
    if inputs.shape != edited.shape or inputs.ndim != 4:
        raise ValueError(f"inputs and edited: the same (N, H, W, C) shape expected, got {inputs.shape} and "
                         f"{edited.shape}.")
    change = edited - inputs
    change -= change.mean(axis=(1, 2), keepdims=True)

    def variance(axis):  # Parseval: a one-sided frequency below Nyquist holds half its two-sided power
        size = change.shape[axis]
        band = slice(max(int(np.ceil(size / periods[1])), 1), min(size // periods[0], (size - 1) // 2) + 1)
        power = (np.abs(np.fft.rfft(change, axis=axis)) ** 2)[(slice(None),) * axis + (band,)]
        return 2.0 * power.sum() / (size * change.size)

    return float(np.sqrt(max(variance(1) - variance(2), 0.0)))


def change_colour(inputs, edited):
    """The mean absolute colour of what the edits changed (edited - inputs, uint8 (N, H, W, 3) each) in grey
    levels (0-255): each channel of the change less its BT.601 luma, averaged over channels, pixels and
    edits. 0 for a change of brightness alone; a flat shift of red by A scores A (0.701 + 2 x 0.299) / 3.
    A hair colour needs colour; an edit of sex or age hardly any (the judge reads sex nearly as well in
    grey), so there it measures the coloured blots that StarGAN runs here drew at eyes and mouth."""
    inputs, edited = np.asarray(inputs, np.float64), np.asarray(edited, np.float64)
    if inputs.shape != edited.shape or inputs.ndim != 4 or inputs.shape[-1] != 3:
        raise ValueError(f"inputs and edited: the same (N, H, W, 3) shape expected, got {inputs.shape} and "
                         f"{edited.shape}.")
    change = edited - inputs
    return float(np.abs(change - change @ np.array(LUMA)[:, None]).mean())


def table(result, judge):
    """The per-edit numbers of an attribute-edit measurement (evaluate._attribute_edits' keys) as a
    text table, one row per edit: faces, % read as the target by `judge`, by the model's own D, on
    the unedited inputs and on real faces that have the target (real_faces_read_as), identity_top1,
    input_l1, horizontal_bands and change_colour; then the edits' FID and reconstruction."""
    suffix = "/faces"
    edits = [key[: -len(suffix)] for key in result if key.endswith(suffix) and "/" not in key[: -len(suffix)]]

    def percent(key):
        return f"{100 * result[key]:.0f}" if key in result else "-"

    lines = [f"{'edit':<14} {'faces':>5} {'judge %':>7} {'own D %':>7} {'inputs %':>8} {'real %':>6} "
             f"{'identity':>8} {'input L1':>8} {'bands':>5} {'colour':>6}"]
    for edit in edits:
        lines.append(f"{edit:<14} {result[edit + suffix]:>5} {percent(f'{judge}/{edit}/read_as_target'):>7} "
                     f"{percent(f'own_classifier/{edit}/read_as_target'):>7} "
                     f"{percent(f'untranslated_{judge}/{edit}/read_as_target'):>8} "
                     f"{percent(f'real_{judge}/{edit}/read_as_target'):>6} "
                     f"{result.get(edit + '/identity_top1', float('nan')):>8.3f} "
                     f"{result.get(edit + '/input_l1', float('nan')):>8.3f} "
                     f"{result.get(edit + '/horizontal_bands', float('nan')):>5.1f} "
                     f"{result.get(edit + '/change_colour', float('nan')):>6.1f}")
    tail = [f"{name} {result[key]}" for name, key in (("edits FID", "edits_fid/celeba/train"),
                                                     ("inputs FID", "untranslated_fid/celeba/train"),
                                                     ("reconstruction L1", "reconstruction_l1")) if key in result]
    return "\n".join(lines + ([", ".join(tail)] if tail else []))
