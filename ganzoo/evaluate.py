"""`ganzoo evaluate NAME`: an entry's declared metrics, with a fixed seed and sample count.

An entry declares what measures it in its manifest `evaluation` block, e.g.

    {"n_samples": 10000, "seed": 0, "classifier": "classifier_mnist"}
    {"n_samples": 5000, "seed": 0, "fid": {"dataset": "celeba", "split": "train", "resolution": 64}}

- classifier: scores from a classifier trained on the real data (manifest `evaluators`).
- fid: FID and KID on the standard Inception network against every image of the named
  real split, or its first `n_real`, with the first `n_samples` samples (statistics cached on disk after the first run).
- translation: image-to-image entries on the held-out CelebA faces (see _translation).
- inpainting: holes filled in held-out CelebA faces, beside a classical baseline (see _inpainting).
- captions: text-to-image entries drawing the held-out faces' captions, judged attribute by attribute (see
  _caption_following).
- super_resolution: PSNR and SSIM (Y channel, border shaved) on the x4 benchmarks, beside
  bicubic, and optionally FID, KID, precision, recall, density and coverage of upscaled patches
  against the true ones (see _super_resolution).
- conditional families also report label accuracy (cGAN) or code purity (InfoGAN), from
  the conditions that `sampling_inputs` says each sample was asked to meet.
"""

import json
from pathlib import Path

import numpy as np

from ganzoo import export, zoo

DEFAULT_EVALUATION = {"n_samples": 10000, "seed": 0}


METRICS = zoo.EVALUATION_METRICS


def evaluation_spec(entry, metrics=None):
    """The entry's evaluation block, restricted to `metrics` (a subset of METRICS) if given."""
    spec = dict(DEFAULT_EVALUATION, **entry.get("evaluation", {}))
    declared = [m for m in METRICS if m in spec]
    if not declared:
        raise ValueError(f"The entry declares no metric: its 'evaluation' names none of {', '.join(METRICS)}.")
    for metric in metrics or ():
        if metric not in declared:
            raise ValueError(f"The entry declares no {metric!r} metric; it declares: {', '.join(declared)}.")
    for metric in declared:
        if metrics and metric not in metrics:
            del spec[metric]
    return spec


def _generate(model, n, seed, batch_size, progress, name):
    """(n samples as uint8 NHWC, the conditions they were asked to meet)."""
    inputs, conditions = model.sampling_inputs(n, seed)
    return model.generate(inputs, batch_size, progress=f"sampling {name}" if progress else None), conditions


def _real_images(ref):
    """The real images of an fid reference, the first `n_real` of the split if it says so."""
    from ganzoo import data

    images = data.load(ref["dataset"], ref["split"], resolution=ref.get("resolution"))[0]
    return images[: ref["n_real"]] if ref.get("n_real") else images


# What face edits, translations and captions are measured against: FID and the copying check.
CELEBA_TRAINING_FACES = {"dataset": "celeba", "split": "train", "resolution": 64}


def _celeba_training_faces():
    """(the CelebA training faces, their statistics' cache key, the reference's name in metric keys)."""
    faces = CELEBA_TRAINING_FACES
    return (_real_images(faces), (faces["dataset"], faces["split"], faces["resolution"]),
            f"{faces['dataset']}/{faces['split']}")


def _fid(samples, real_images, key, reference, progress, fake=None):
    """FID and KID (and precision, recall, density, coverage) of samples against real images whose
    statistics are cached under key (dataset, split, resolution), with the counts of both sets.
    `fake`: the samples' Inception features, where the caller has them."""
    from ganzoo.metrics import fid

    real = fid.real_statistics(fid.statistics_key(*key, len(real_images)), lambda: real_images, progress=progress)
    if fake is None:
        fake = fid.inception_features(samples, progress=progress)
    results = _feature_scores(fake, real, reference)
    results.update({"fid_reference_images": len(real_images), "fid_samples": len(samples)})
    return results


def _feature_scores(fake, real, reference):
    """FID and KID of fake Inception features against real statistics (fid.Statistics), and
    precision, recall, density and coverage where the real features are kept (up to 10,000)."""
    from ganzoo.metrics import fid
    from ganzoo.metrics.prdc import prdc_scores

    kid_mean, kid_std = fid.kid(fake, real.features)
    results = {f"fid/{reference}": round(float(fid.frechet_distance(*fid.feature_statistics(fake), real.mu,
                                                                     real.sigma)), 3),
               f"kid/{reference}": round(float(kid_mean), 5), f"kid_std/{reference}": round(float(kid_std), 5)}
    if real.features is not None and len(fake) > 3:
        results.update({f"{name}/{reference}": round(value, 4)
                        for name, value in prdc_scores(real.features, fake).items()})
    return results


def memorisation_scores(samples, ref, progress=True, sample_features=None):
    """The nearest-training-image check (metrics.prdc.memorisation) of samples against a reference
    that is a training split, with the data set's test split as the held-out real images."""
    from ganzoo import data
    from ganzoo.metrics import fid
    from ganzoo.metrics.prdc import memorisation

    resolution = ref.get("resolution") or samples.shape[1]
    train = _real_images(ref)
    heldout = data.load(ref["dataset"], "test", resolution=ref.get("resolution"))[0]
    stats = [fid.real_statistics(fid.statistics_key(ref["dataset"], split, resolution, len(images)),
                                 lambda images=images: images, progress=progress)
             for split, images in ((ref["split"], train), ("test", heldout))]
    if stats[0].features is None:
        raise ValueError(f"{ref['dataset']}/{ref['split']} has more than {fid.MAX_CACHED_FEATURES} images: "
                         "its features are not kept, so nearest neighbours cannot be measured.")
    if sample_features is None:
        sample_features = fid.inception_features(samples, progress=progress)
    scores = memorisation(stats[0].features, sample_features, stats[1].features)
    reference = f"{ref['dataset']}/{ref['split']}"
    return {f"{name}/{reference}": round(value, 4) for name, value in scores.items()}


def _psnr(outputs, targets):
    """Mean over images of the RGB PSNR in dB (peak 255)."""
    mse = ((outputs.astype(np.float64) - targets.astype(np.float64)) ** 2).mean(axis=(1, 2, 3))
    return float(np.mean(10.0 * np.log10(255.0**2 / np.maximum(mse, 1e-10))))


def _translation(model, ref, n, progress):
    """Image-to-image entries on held-out CelebA faces.

    pix2pix ({"task": "edges" | "grayscale"}): L1 (on [0, 1]) and PSNR of the outputs against
    the true faces, FID of the outputs against the training faces. CycleGAN and DiscoGAN ({"a":
    attribute, "b": attribute}): FID of the held-out a faces turned into b against the training b
    faces, and input_l1, the mean L1 between each face and its translation (how much was changed);
    with "classifier" (an evaluator trained on the two domains, classes [a, b]), the share of
    held-out a faces turned into b that it reads as b, and the same for b turned into a.
    Each metric also comes as `untranslated_*`: the same measure of the inputs as they are
    (grey drawings as RGB), the score of a model that does nothing. Returns (results, the number
    of faces translated: n, or fewer where the held-out domain has fewer).
    """
    from ganzoo import data, paired

    if "edits" in ref:
        return _attribute_edits(model, ref, n, progress)
    if "task" in ref:
        inputs, targets = (part[:n] for part in paired.celeba_pairs(ref["task"], "test"))
        outputs = model.translate(inputs)
        untranslated = np.repeat(inputs, 3 // inputs.shape[-1], axis=-1)
        results = {}
        for prefix, images in (("", outputs), ("untranslated_", untranslated)):
            results[f"{prefix}l1"] = round(float(np.abs(images / 255.0 - targets / 255.0).mean()), 4)
            results[f"{prefix}psnr"] = round(_psnr(images, targets), 3)
        real, key, reference = _celeba_training_faces()
    else:
        untranslated = paired.celeba_domains(ref["a"], ref["b"], "test")[0][:n]
        outputs = model.translate(untranslated, direction="a2b")
        real = paired.celeba_domains(ref["a"], ref["b"], "train")[1]
        key, reference = ("celeba", f"train_{ref['b']}", 64), f"celeba/train_{ref['b']}"
        # how much of each face the translation changed (L1 on [0, 1]): hair alone is a small share
        results = {"translated_faces": len(outputs),
                   "input_l1": round(float(np.abs(outputs / 255.0 - untranslated / 255.0).mean()), 4)}
        if "classifier" in ref:
            results.update(domain_rates(model, ref, n, a2b=outputs))
    results.update(_fid(outputs, real, key, reference, progress))
    baseline = _fid(untranslated, real, key, reference, progress)
    results[f"untranslated_fid/{reference}"] = baseline[f"fid/{reference}"]
    return results, len(outputs)


def _attribute_judge(name, needed=()):
    """(manifest entry, classes, loaded model) of a multi-label evaluator that reads every attribute in
    `needed`; a ValueError otherwise."""
    from ganzoo.metrics import classifier as clf

    entry = zoo.get_entry(name, section="evaluators")
    classes = entry["config"].get("classes") or []
    missing = [attribute for attribute in needed if attribute not in classes]
    if missing or not entry["config"].get("multi_label"):
        raise ValueError(f"{name} must be a multi-label judge of {', '.join(needed) or 'attributes'}; "
                         f"it reads {classes} (missing: {missing}).")
    return entry, classes, clf.load_classifier(name)


def _domain_judge(ref):
    """The loaded evaluator ref["classifier"] of the two domains, classes [ref["a"], ref["b"]] in that order."""
    from ganzoo.metrics import classifier as clf

    classes = zoo.get_entry(ref["classifier"], section="evaluators")["config"].get("classes")
    if classes != [ref["a"], ref["b"]]:
        raise ValueError(f"{ref['classifier']} tells apart {classes}, not the domains [{ref['a']!r}, {ref['b']!r}].")
    return clf.load_classifier(ref["classifier"])


def _attribute_edits(model, ref, n, progress):
    """StarGAN entries on the first n held-out CelebA faces, edited from their true attributes.

    For each edit and direction of metrics.edits.edit_plan (e.g. Blond_Hair=1, Young=0):
    read_as_target, the share of edits that the multi-label judge ref["edits"]["classifier"]
    reads as the target, beside untranslated_ (the same share of the faces as they are: the
    judge's error on them) and real_ (the share of all the held-out faces that truly have the
    target that it reads so, weighted to the edited faces' mix of ref["edits"]["strata"], by
    default Male: metrics.edits.real_faces_read_as, how far the judge can be trusted on such
    faces); identity_top1 (metrics.edits); input_l1; horizontal_bands (metrics.edits: grey levels of
    faint horizontal bands drawn over the faces; 0 for none); change_colour (metrics.edits: grey levels
    of colour, not brightness, in what the edit changed); and the judge's own
    held-out balanced accuracy for that attribute (how far to trust it); own_classifier_, the share
    that the model's own attribute classifier (D's) reads as the target: far above the judge's, G has
    learnt to fool D's classifier rather than to change the attribute. Also the FID of a seeded
    n of all the edits against the training faces, beside the inputs' own at the same count;
    with "reconstruction", the L1 of an edit that changes nothing; with "black2blond", Blond_Hair=1
    on the held-out black-haired faces and Black_Hair=1 on the blond ones, scored as cyclegan
    entries are (domain classifier both ways, FID against the blond training faces), so the two
    compare directly.
    """
    from tqdm.auto import tqdm

    from ganzoo import data, paired
    from ganzoo.metrics import classifier as clf
    from ganzoo.metrics import fid
    from ganzoo.metrics.edits import (change_colour, edit_plan, horizontal_bands, identity_top1, read_as,
                                      real_faces_read_as)

    spec = ref["edits"]
    judge_entry, classes, judge = _attribute_judge(spec["classifier"], model.attributes)
    all_faces, all_own = paired.celeba_attributes(model.attributes, "test")
    all_reading = clf.predict_attributes(judge, all_faces)  # real faces with each target: all 1,000
    faces, own, input_reading = all_faces[:n], all_own[:n], all_reading[:n]
    strata = spec.get("strata", "Male" if "Male" in model.attributes else None)
    input_features = fid.inception_features(faces, progress=progress)
    results, all_edits, all_features, hair_edits = {"edited_faces": len(faces)}, [], [], {}
    plan = edit_plan(own, model.attributes, model.hair_group)
    for name, value, rows in tqdm(plan, desc="editing", unit="edit", disable=not progress):
        edited = model.edit(faces[rows], attributes=own[rows], **{name: value})
        column, key = classes.index(name), f"{name}={value}"
        features = fid.inception_features(edited, progress=False)
        results[f"{key}/faces"] = len(rows)
        results[f"{spec['classifier']}/{key}/read_as_target"] = round(
            read_as(clf.predict_attributes(judge, edited)[:, column], value), 4)
        results[f"untranslated_{spec['classifier']}/{key}/read_as_target"] = round(
            read_as(input_reading[rows, column], value), 4)
        stratum = (all_own[:, model.attributes.index(strata)] if strata not in (None, name)
                   else np.zeros(len(all_own), int))  # an edit of the strata attribute: one stratum
        real_share, real_faces = real_faces_read_as(all_reading[:, column], all_own[:, model.attributes.index(name)],
                                                    value, stratum, stratum[rows])
        if real_share is not None:
            results[f"real_{spec['classifier']}/{key}/read_as_target"] = round(real_share, 4)
            results[f"{key}/real_faces"] = real_faces
        results[f"own_classifier/{key}/read_as_target"] = round(
            read_as(model.read_attributes(edited)[:, model.attributes.index(name)], value), 4)
        results[f"{key}/identity_top1"] = round(identity_top1(input_features, features, rows), 4)
        results[f"{key}/input_l1"] = round(float(np.abs(edited / 255.0 - faces[rows] / 255.0).mean()), 4)
        results[f"{key}/horizontal_bands"] = round(horizontal_bands(faces[rows], edited), 2)
        results[f"{key}/change_colour"] = round(change_colour(faces[rows], edited), 2)
        judge_accuracy = judge_entry["metrics"].get(f"test_balanced_accuracy/{name}", {}).get("value")
        if judge_accuracy is not None:
            results[f"{spec['classifier']}/{name}/balanced_accuracy"] = judge_accuracy
        all_edits.append(edited)
        all_features.append(features)
        if "black2blond" in ref and value == 1 and name in (ref["black2blond"]["a"], ref["black2blond"]["b"]):
            hair_edits[name] = dict(zip(rows.tolist(), edited))  # each face's edit to that hair colour
    # FID at equal counts: n edits drawn from all of them (seeded) against the n inputs' own
    chosen = np.random.default_rng(0).permutation(sum(map(len, all_edits)))[: len(faces)]
    real, key, reference = _celeba_training_faces()
    edits_fid = _fid(np.concatenate(all_edits)[chosen], real, key, reference, progress,
                     fake=np.concatenate(all_features)[chosen])
    results.update({f"edits_{metric}": value for metric, value in edits_fid.items()})
    results[f"untranslated_fid/{reference}"] = _fid(faces, real, key, reference, progress,
                                                    fake=input_features)[f"fid/{reference}"]
    if ref.get("reconstruction"):
        unchanged = model.edit(faces, attributes=own)
        results["reconstruction_l1"] = round(float(np.abs(unchanged / 255.0 - faces / 255.0).mean()), 4)
    if "black2blond" in ref:
        results.update(_black_to_blond(model, ref["black2blond"], faces, own, hair_edits, progress))
    return results, len(faces)


def _black_to_blond(model, ref, faces, own, hair_edits, progress):
    """b=1 (Blond_Hair) on the held-out faces with a and not b (CycleGAN's domain a), and a=1 on those
    with b and not a (its domain b), scored with the cyclegan entries' domain classifier, the first
    also by FID against the training b faces; keys prefixed black2blond/. `hair_edits`: {attribute:
    {row: that row's edit to it}}."""
    from ganzoo import paired
    from ganzoo.metrics import classifier as clf

    a, b = ref["a"], ref["b"]
    has_a, has_b = (own[:, model.attributes.index(name)] == 1 for name in (a, b))
    scorer = _domain_judge(ref)
    results = {}
    for direction, rows, target, reads_as in (("a2b", np.flatnonzero(has_a & ~has_b), b, "b"),
                                              ("b2a", np.flatnonzero(has_b & ~has_a), a, "a")):
        edited = np.stack([hair_edits[target][row] for row in rows])
        results["translated_faces" + ("" if direction == "a2b" else "_b2a")] = len(rows)
        for prefix, images in (("", edited), ("untranslated_", faces[rows])):
            read = clf.predict_probabilities(scorer, images).argmax(axis=-1) == (1 if reads_as == "b" else 0)
            results[f"{prefix}{ref['classifier']}/{direction}_read_as_{reads_as}"] = round(float(np.mean(read)), 4)
        if direction == "a2b":  # FID and L1 as the cyclegan entries report them: black to blond
            real = paired.celeba_domains(a, b, "train")[1]
            key, reference = ("celeba", f"train_{b}", 64), f"celeba/train_{b}"
            for prefix, images in (("", edited), ("untranslated_", faces[rows])):
                results[f"{prefix}fid/{reference}"] = _fid(images, real, key, reference, progress)[f"fid/{reference}"]
            results["input_l1"] = round(float(np.abs(edited / 255.0 - faces[rows] / 255.0).mean()), 4)
    return {f"black2blond/{metric}": value for metric, value in results.items()}


def copying_reference(entry):
    """The training images an entry's samples are checked against for copying (nn_ratio and the
    card's nearest-neighbour grid), or None where its evaluation has no training split."""
    spec = entry.get("evaluation", {})
    if spec.get("fid", {}).get("split") == "train":
        return spec["fid"]
    return CELEBA_TRAINING_FACES if "captions" in spec else None


def _caption_following(model, ref, n, seed, progress):
    """Text-to-image entries, one sample per held-out face's caption (its first, seed 0).

    For each attribute and value a caption states (metrics.captions), `follows`: the share of
    samples that the multi-label judge ref["classifier"] reads with the stated value, beside
    `real_` (the same share of the faces the captions were written from: what this judge allows),
    and how many captions state it; `mean_follows` and `real_mean_follows` average over those
    attributes. FID of the samples against the training faces, beside the held-out faces' own at the
    same count, and the copying check of the samples (fid_scores). A StackGAN of two stages
    also reports its Stage I images' (stage1_ keys). `shuffled_`: the same samples scored against
    another caption's statements (a seeded permutation), what a generator that ignored its captions
    would score: the chance level each `follows` is above.
    """
    from ganzoo import captions, data
    from ganzoo.metrics import classifier as clf
    from ganzoo.metrics.captions import stated_agreement

    _, classes, judge = _attribute_judge(ref["classifier"])
    faces, attributes = data.load("celeba", "test")
    names = data.load_celeba_attributes()[1]
    texts = [face[0] for face in captions.captions(attributes[:n], names, per_face=1, seed=0)]
    faces, stated = faces[: len(texts)], [captions.mentioned_attributes(text) for text in texts]
    inputs, _ = model.sampling_inputs(len(texts), seed, captions=texts)
    outputs = {"": model.generate(inputs, progress="sampling the captions" if progress else None)}
    if getattr(model, "training_stage", 1) == 2:
        stage1 = model.generate(inputs, network=model._stage1_images)
        scale = faces.shape[1] // stage1.shape[1]  # the judge reads faces of its own size
        outputs["stage1_"] = np.repeat(np.repeat(stage1, scale, axis=1), scale, axis=2)
    real, key, reference = _celeba_training_faces()
    results = {"captions": len(texts)}
    shuffled = [stated[i] for i in np.random.default_rng(0).permutation(len(stated))]
    for prefix, images in (*outputs.items(), ("real_", faces)):
        readings = clf.predict_attributes(judge, images) > 0.5
        shares = stated_agreement(readings, stated, classes)
        if prefix == "":  # the samples against captions they were not drawn from
            chance = stated_agreement(readings, shuffled, classes)
            for (name, value), (share, _) in chance.items():
                results[f"shuffled_{ref['classifier']}/{name}={value}/follows"] = round(share, 4)
            results["shuffled_mean_follows"] = round(float(np.mean([share for share, _ in chance.values()])), 4)
        for (name, value), (share, count) in shares.items():
            results[f"{prefix}{ref['classifier']}/{name}={value}/follows"] = round(share, 4)
            results[f"{name}={value}/captions"] = count
        results[f"{prefix}mean_follows"] = round(float(np.mean([share for share, _ in shares.values()])), 4)
        # the samples: FID and the copying check (did it copy the faces it learnt from?); the others FID alone
        scores = fid_scores(images, CELEBA_TRAINING_FACES, progress) if prefix == "" else \
            _fid(images, real, key, reference, progress)
        results.update({f"{prefix}{metric}": value for metric, value in scores.items()} if prefix != "real_"
                       else {f"real_fid/{reference}": scores[f"fid/{reference}"]})
    return results, len(texts)


def biharmonic_inpaint(images, holes):
    """The classical baseline: each hole filled by skimage's biharmonic inpainting (a smooth
    continuation of the pixels around it), uint8 in and out, known pixels unchanged."""
    from skimage.restoration import inpaint_biharmonic

    filled = [inpaint_biharmonic(image / 255.0, hole.astype(bool), channel_axis=-1) for image, hole in zip(images, holes)]
    out = np.clip(np.round(np.stack(filled) * 255.0), 0, 255).astype(np.uint8)
    return np.where(holes[..., None].astype(bool), out, images)


def harmonic_inpaint(images, holes):
    """The smooth fill that fill="smooth" inpainters start from (families.inpaint.smooth_fill), alone:
    uint8 in and out, known pixels unchanged. What the learned correction adds is measured against it."""
    from keras import ops

    from ganzoo import images as image_utils
    from ganzoo.families.inpaint import smooth_fill

    filled = smooth_fill(image_utils.from_uint8(images), holes[..., None].astype(np.float32))
    return np.where(holes[..., None].astype(bool), image_utils.to_uint8(ops.convert_to_numpy(filled)), images)


def hole_scores(outputs, targets, holes):
    """(L1 on [0, 1], PSNR in dB with peak 255) over the missing pixels only: per image, then the mean."""
    inside = np.broadcast_to(holes[..., None].astype(bool), outputs.shape)
    difference = (outputs.astype(np.float64) - targets.astype(np.float64)) * inside
    count = inside.reshape(len(outputs), -1).sum(axis=1)
    l1 = np.abs(difference).reshape(len(outputs), -1).sum(axis=1) / 255.0 / count
    mse = (difference**2).reshape(len(outputs), -1).sum(axis=1) / count
    return float(l1.mean()), float(np.mean(10.0 * np.log10(255.0**2 / np.maximum(mse, 1e-10))))


def _inpainting(model, ref, n, seed, progress):
    """Inpainting entries on the first n held-out CelebA faces, for each mask kind in ref["masks"]
    (centre square, random boxes, strokes; ganzoo.masks, drawn from `seed`): L1 and PSNR inside the
    hole against the true face, and FID, KID, precision, recall, density and coverage of the completed
    faces against the training faces, each beside the same measures of skimage's biharmonic
    inpainting (`biharmonic_*`); and L1 and PSNR in the hole of the harmonic fill alone (`harmonic_*`,
    harmonic_inpaint), which a fill="smooth" model corrects."""
    from ganzoo import data, masks

    faces = data.load("celeba", "test")[0][:n]
    real, key, reference = _celeba_training_faces()
    results = {"inpainted_faces": len(faces)}
    for kind in ref.get("masks", masks.KINDS):
        holes = masks.random_masks(len(faces), faces.shape[1], seed=seed, kinds=(kind,))
        for prefix, outputs in (("", model.inpaint(faces, holes)), ("biharmonic_", biharmonic_inpaint(faces, holes))):
            l1, psnr = hole_scores(outputs, faces, holes)
            results[f"{prefix}{kind}/hole_l1"] = round(l1, 4)
            results[f"{prefix}{kind}/hole_psnr"] = round(psnr, 3)
            scores = _fid(outputs, real, key, reference, progress)
            results.update({f"{prefix}{kind}/{measure}": value for measure, value in scores.items()
                            if measure.endswith(f"/{reference}")})  # the counts are those of the faces
        l1, psnr = hole_scores(harmonic_inpaint(faces, holes), faces, holes)
        results[f"harmonic_{kind}/hole_l1"], results[f"harmonic_{kind}/hole_psnr"] = round(l1, 4), round(psnr, 3)
    return results, len(faces)


def domain_rates(model, ref, n, a2b=None):
    """{classifier/a2b_read_as_b: share of the translated held-out a faces the classifier assigns to b,
    untranslated_...: the same share of the faces as they are (its error rate), likewise b2a, and
    translated_faces, translated_faces_b2a: how many a and b faces}. `a2b`: the translations of the
    first n held-out a faces, where the caller has already made them."""
    from ganzoo import paired
    from ganzoo.metrics import classifier as clf

    scorer = _domain_judge(ref)
    held_out = paired.celeba_domains(ref["a"], ref["b"], "test")
    results = {"translated_faces": len(held_out[0][:n]), "translated_faces_b2a": len(held_out[1][:n])}
    for source, (direction, target) in enumerate((("a2b", "b"), ("b2a", "a"))):
        faces = held_out[source][:n]
        translated = a2b if direction == "a2b" and a2b is not None else model.translate(faces, direction=direction)
        for prefix, images in (("", translated), ("untranslated_", faces)):
            read_as = clf.predict_probabilities(scorer, images).argmax(axis=-1)
            key = f"{prefix}{ref['classifier']}/{direction}_read_as_{target}"
            results[key] = round(float(np.mean(read_as == 1 - source)), 4)
    return results


def _super_resolution(model, ref, progress):
    """Mean PSNR (dB) and SSIM over each benchmark's images, of the model and of bicubic, on the
    Y channel with `shave` border pixels removed, the LR images as provided (ganzoo.metrics.sr).
    With ref["patches"] also the perceptual side that PSNR cannot see (see _patch_scores)."""
    from tqdm.auto import tqdm

    from ganzoo import superres
    from ganzoo.metrics import sr

    patches = ref.get("patches")
    if patches and patches["benchmark"] not in ref["benchmarks"]:
        raise ValueError(f"patches come from {patches['benchmark']!r}, which is not one of the benchmarks "
                         f"{', '.join(ref['benchmarks'])}: add it to them.")
    crops = {"high_res": [], "model": [], "bicubic": []}
    rng = np.random.default_rng(patches.get("seed", 0)) if patches else None
    results, count = {}, 0
    for benchmark in ref["benchmarks"]:
        scores = {"psnr": [], "ssim": [], "bicubic_psnr": [], "bicubic_ssim": []}
        for _, low_res, high_res in tqdm(superres.load_benchmark(benchmark), desc=f"upscaling {benchmark}",
                                         unit="image", disable=not progress):
            upscaled = {"model": model.upscale(low_res), "bicubic": superres.upscale_bicubic(low_res)}
            for prefix, image in (("", upscaled["model"]), ("bicubic_", upscaled["bicubic"])):
                scores[f"{prefix}psnr"].append(sr.psnr_y(image, high_res, shave=ref["shave"]))
                scores[f"{prefix}ssim"].append(sr.ssim_y(image, high_res, shave=ref["shave"]))
            if patches and benchmark == patches["benchmark"]:
                for window in _patch_windows(high_res.shape, patches["size"], patches["per_image"], rng):
                    crops["high_res"].append(high_res[window])
                    for method, image in upscaled.items():
                        crops[method].append(image[window])
            count += 1
        results.update({f"{benchmark}/{key}": round(float(np.mean(values)), 4 if "ssim" in key else 2)
                        for key, values in scores.items()})
    if patches:
        results.update(_patch_scores({k: np.stack(v) for k, v in crops.items()}, patches, progress))
    return results, count


def _patch_windows(shape, size, count, rng):
    """`count` random size x size windows (row and column slices) inside an image of `shape`."""
    height, width = shape[:2]
    if height < size or width < size:
        raise ValueError(f"patches of {size} px do not fit a {width}x{height} benchmark image.")
    return [(slice(top, top + size), slice(left, left + size))
            for top, left in zip(rng.integers(0, height - size + 1, count), rng.integers(0, width - size + 1, count))]


def _patch_scores(crops, patches, progress):
    """FID, KID, precision, recall, density and coverage of the model's and of bicubic's upscaled
    patches against the true high-resolution patches at the same places (Inception features of
    each patch resized to 299 px). PSNR rewards the blur that averages every plausible detail,
    which is what SRGAN's adversarial term trades away: these measures see the other side, how
    real the upscaled texture looks. Keys "<benchmark>/patch_<measure>", ".../bicubic_patch_..." and
    "<benchmark>/patches", the patch count.
    """
    from ganzoo.metrics import fid

    key = fid.statistics_key(f"{patches['benchmark']}_patches{patches['size']}", f"seed{patches.get('seed', 0)}",
                             patches["size"], len(crops["high_res"]))
    real = fid.real_statistics(key, lambda: crops["high_res"], progress=progress)
    results = {f"{patches['benchmark']}/patches": len(crops["high_res"])}  # record() counts images, not patches
    for method, prefix in (("model", ""), ("bicubic", "bicubic_")):
        scores = _feature_scores(fid.inception_features(crops[method], progress=progress), real, "patches")
        results.update({f"{patches['benchmark']}/{prefix}patch_{name.split('/')[0]}": value
                        for name, value in scores.items() if not name.startswith("kid_std")})  # one subset: no spread
    return results


def evaluate(name, n=None, seed=None, weights_dir=None, progress=True, batch_size=250, metrics=None, model=None):
    """{metric: value} for entry `name`; n and seed default to the entry's declared ones,
    and `metrics` (e.g. ["classifier"]) to all it declares. `model`: the entry already loaded.

    The samples are generated once and shared by every declared metric.
    """
    from ganzoo.core.gan import check_positive_int, check_seed

    entry = zoo.get_entry(name)
    spec = evaluation_spec(entry, metrics)
    n = check_positive_int(spec["n_samples"] if n is None else n, "n")
    seed = check_seed(spec["seed"] if seed is None else seed)
    model = zoo.load(name, weights_dir=weights_dir) if model is None else model
    if "super_resolution" in spec:  # every benchmark image once: n and seed do not apply
        results, count = _super_resolution(model, spec["super_resolution"], progress)
        return results, count, None
    if "translation" in spec:
        results, count = _translation(model, spec["translation"], n, progress)
        return results, count, seed
    if "inpainting" in spec:
        results, count = _inpainting(model, spec["inpainting"], n, seed, progress)
        return results, count, seed
    if "captions" in spec:
        results, count = _caption_following(model, spec["captions"], n, seed, progress)
        return results, count, seed
    samples, conditions = _generate(model, n, seed, batch_size, progress, name)
    results = {}
    if "classifier" in spec:
        results.update(classifier_scores(samples, spec["classifier"], conditions))
    if "fid" in spec:
        results.update(fid_scores(samples, spec["fid"], progress))
    return results, n, seed


def fid_scores(samples, ref, progress=True):
    """FID and KID of uint8 samples against an fid reference ({"dataset", "split", "resolution",
    optional "n_real", optional "n_samples": use only that many of the samples}), with precision,
    recall, density and coverage, and against a training split the memorisation check."""
    real_images = _real_images(ref)
    key = (ref["dataset"], ref["split"], ref.get("resolution") or real_images.shape[1])
    n_fid = min(len(samples), ref.get("n_samples", len(samples)))  # Inception is slow: a metric may use fewer
    from ganzoo.metrics import fid

    fake = fid.inception_features(samples[:n_fid], progress=progress)
    results = _fid(samples[:n_fid], real_images, key, f"{ref['dataset']}/{ref['split']}", progress, fake=fake)
    if ref["split"] == "train":  # measured against what the generator learnt from: did it copy it?
        results.update(memorisation_scores(samples[:n_fid], ref, progress, sample_features=fake))
    return results


def nearest_neighbour_grid(model, ref, n=8, k=4, seed=0):
    """uint8 picture: each row one of n samples, then its k nearest training images by Inception
    features (what the copying check measures), for the model card."""
    from ganzoo import images
    from ganzoo.metrics import fid

    samples, _ = _generate(model, n, seed, 250, False, "")
    train = _real_images(ref)
    resolution = ref.get("resolution") or train.shape[1]
    stats = fid.real_statistics(fid.statistics_key(ref["dataset"], ref["split"], resolution, len(train)),
                                lambda: train, progress=False)
    if stats.features is None:
        raise ValueError(f"{ref['dataset']}/{ref['split']}: features not kept, no nearest neighbours.")
    features = fid.inception_features(samples, progress=False)
    rows = []
    for sample, query in zip(samples, features):  # Euclidean, as metrics.prdc.nearest_neighbours
        distance = ((stats.features.astype(np.float64) - query) ** 2).sum(axis=1)
        rows += [sample, *train[np.argsort(distance)[:k]]]
    return images.grid(np.stack(rows), cols=k + 1)


def classifier_scores(samples, classifier, conditions=None):
    """{"<classifier>/<score>": value} of uint8 samples by a zoo evaluator (manifest `evaluators`),
    with label accuracy or code purity where `conditions` says what each sample was asked to be."""
    from ganzoo.metrics import classifier as clf

    conditions = conditions or {}
    probabilities = clf.predict_probabilities(clf.load_classifier(classifier), samples)
    scores = clf.class_scores(probabilities, labels=conditions.get("labels"))
    if "category" in conditions:
        scores.update(clf.code_purity(probabilities, conditions["category"]))
    return {f"{classifier}/{key}": round(value, 4) for key, value in scores.items()}


def checkpoint_fid(run_dir, ref, n, seed=0, progress=True, classifier=None, step=None):
    """FID and KID of n samples from the checkpoint of a run in progress (training.load_checkpoint),
    with the training step it holds: how a long run is doing before it ends; `step`: its snapshot
    at that step instead. `ref` None skips FID; `classifier` (a zoo evaluator's name) adds its
    scores of the same samples."""
    from ganzoo import training

    model, step = training.load_checkpoint(run_dir, step=step)
    if hasattr(model, "translate") or hasattr(model, "upscale"):
        raise ValueError(f"checkpoint_fid measures families that sample from noise, not {type(model).__name__}: "
                         "scripts/checkpoint_psnr.py measures an upscaling run; export a translation run and use "
                         "`ganzoo evaluate`.")
    model.refresh_ema_statistics()  # as an export does: the averaged generator's own batch-norm statistics
    samples, conditions = _generate(model, n, seed, 250, progress, f"step {step}")
    results = {"step": step}
    if classifier:
        results.update(classifier_scores(samples, classifier, conditions))
    if ref:
        results.update(fid_scores(samples, ref, progress))
    return results


def checkpoint_super_resolution(run_dir, benchmarks=("Set5", "Set14"), shave=4, progress=True):
    """PSNR and SSIM of the latest checkpoint of a super-resolution run on the benchmarks (and of
    bicubic), by `ganzoo evaluate`'s protocol, with its step: checkpoint_fid's counterpart for
    SRResNet and SRGAN runs, whose quality is measured on images rather than samples."""
    from ganzoo import training

    model, step = training.load_checkpoint(run_dir)
    if not hasattr(model, "upscale"):
        raise ValueError(f"checkpoint_super_resolution measures upscaling runs (SRResNet, SRGAN), not "
                         f"{type(model).__name__}: use scripts/checkpoint_fid.py for generators.")
    results, _ = _super_resolution(model, {"benchmarks": list(benchmarks), "shave": shave}, progress)
    return {"step": step, **results}


def report_to_run(run_dir, log_name, result):
    """Print a checkpoint measurement as one JSON line and append it to RUN_DIR/log_name, so that a
    run's measurements along the way stay beside it (what the scripts/checkpoint_* tools do)."""
    line = json.dumps(result)
    print(line)
    with open(Path(run_dir) / log_name, "a") as log:
        log.write(line + "\n")


def checkpoint_domain_rates(run_dir, ref, n=1000):
    """domain_rates of the latest checkpoint of an unpaired translation run (ref: {"a", "b",
    "classifier"}), with its step: how a CycleGAN run is doing before it ends."""
    from ganzoo.metrics.cyclegan_probes import cyclegan_checkpoint

    model, step = cyclegan_checkpoint(run_dir, "checkpoint_domain_rates")
    return {"step": step, **domain_rates(model, ref, n)}


def checkpoint_attribute_edits(run_dir, classifier="classifier_celeba_attributes", n=200, progress=True, step=None):
    """_attribute_edits of the latest checkpoint of a StarGAN run on its first n held-out faces, with its
    step: each edit read by the multi-label judge `classifier`, identity kept, FID at the inputs' count,
    and an edit that changes nothing. How a StarGAN run is doing before it ends, or which of two runs
    edits better at equal cost. `step`: its snapshot at that step instead (as checkpoint_fid)."""
    from ganzoo import training

    model, step = training.load_checkpoint(run_dir, step=step)
    if not hasattr(model, "edit"):
        raise ValueError(f"checkpoint_attribute_edits measures attribute-editing runs (StarGAN), not "
                         f"{type(model).__name__}: use scripts/checkpoint_fid.py for generators, "
                         "scripts/checkpoint_domains.py for CycleGAN runs.")
    results, _ = _attribute_edits(model, {"edits": {"classifier": classifier}, "reconstruction": True}, n, progress)
    return {"step": step, **results}


# Measures of the Inception features of the samples: where an evaluation ran them on fewer samples than
# its classifier scores (MNIST: 2,000 of 10,000), their rows say so.
FEATURE_MEASURES = ("fid", "kid", "kid_std", "precision", "recall", "density", "coverage", "nn_ratio")


def samples_behind(key, results, n):
    """How many samples the result `key` was measured on: results["fid_samples"] for the Inception
    feature measures where the evaluation gives it, else the evaluation's n."""
    if "fid_samples" in results and (key.split("/")[0] in FEATURE_MEASURES
                                     or key in ("fid_samples", "fid_reference_images")):
        return int(results["fid_samples"])
    return n


def record(name, results, command, n, seed):
    """Write measured results into the manifest entry and refresh its model card."""
    from ganzoo import hub

    zoo.refresh()  # the file may have changed during a long evaluation
    entry = zoo.get_entry(name)
    for key, value in results.items():
        entry["metrics"][key] = {"value": value, "n_samples": samples_behind(key, results, n), "seed": seed,
                                 "command": command}
    folder = hub.REPO_WEIGHTS_DIR / name
    if not folder.is_dir():
        raise FileNotFoundError(f"--write updates the repository's weights/{name}/ folder, which is missing.")
    export.refresh_card(name, entry, folder)
    zoo.write_entry(name, entry)
