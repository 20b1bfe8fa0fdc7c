"""An entry's recorded metrics in one line: the README's zoo table (scripts/update_readme.py) and the
gallery of `ganzoo serve` show it."""

import numpy as np

SHOWN = [  # (metric key suffix, column text), in this order
    ("/label_accuracy", "label accuracy"),
    ("/code_purity", "code purity"),
    ("/classes_matched", "classes matched"),
    ("/class_coverage", "coverage"),
    ("/confident_fraction", "confident"),
    ("/classifier_score", "score"),
]


def quality(metrics):
    """'label accuracy 0.98, ... (10000 samples); FID 12.3, KID 0.01 (2000 samples vs 2000 real)'."""
    parts = []
    scores = [f"{label} {record['value']}" for suffix, label in SHOWN
              for key, record in metrics.items() if key.startswith("classifier") and key.endswith(suffix)]
    if scores:
        n = next(r["n_samples"] for k, r in metrics.items() if k.startswith("classifier"))
        parts.append(f"{', '.join(scores)} ({n} samples)")
    fid = [(key, record) for key, record in metrics.items() if key.startswith("fid/")]
    for key, record in fid:
        reference = key[len("fid/"):]
        kid = metrics.get(f"kid/{reference}", {}).get("value")
        n = metrics.get("fid_samples", record)["value"] if "fid_samples" in metrics else record["n_samples"]
        real = metrics.get("fid_reference_images", {}).get("value")
        untranslated = metrics.get(f"untranslated_fid/{reference}", {}).get("value")
        parts.append(f"FID {record['value']}" + (f" (inputs untranslated: {untranslated})" if untranslated else "")
                     + (f", KID {kid}" if kid is not None else "") + f" ({n} samples vs {real} real {reference})")
        shown = [(name, metrics[f"{name}/{reference}"]) for name in ("precision", "recall", "density", "coverage",
                                                                     "nn_ratio") if f"{name}/{reference}" in metrics]
        if shown:  # on FID's samples when measured with it; otherwise perhaps another count, their own
            copying = "; nn_ratio > 1: farther from the training images than new real ones" \
                if any(name == "nn_ratio" for name, _ in shown) else ""
            with_fid = "command" in record and shown[0][1].get("command") == record["command"]
            parts.append(", ".join(f"{name} {r['value']}" for name, r in shown)
                         + f" ({n if with_fid else shown[0][1]['n_samples']} samples{copying})")
    if "psnr" in metrics:  # paired translation: against the true targets, beside the inputs as they are
        parts.append(f"L1 {metrics['l1']['value']}, PSNR {metrics['psnr']['value']} dB (inputs untranslated: "
                     f"{metrics['untranslated_l1']['value']}, {metrics['untranslated_psnr']['value']} dB) on "
                     f"{metrics['psnr']['n_samples']} held-out faces")
    # unpaired translation: how often a classifier of the two domains reads the output as the target
    read_as = [(key.split("/"), record["value"]) for key, record in metrics.items()
               if "_read_as_" in key and not key.startswith("untranslated_") and key.count("/") == 1]
    if read_as:
        counts = {"a2b": metrics["translated_faces"]["value"], "b2a": metrics["translated_faces_b2a"]["value"]}
        shares = []
        for (judge, measure), value in read_as:
            direction = measure.split("_read_as_")[0]
            untranslated = metrics[f"untranslated_{judge}/{measure}"]["value"]
            shares.append(f"{direction} {value} (untranslated {untranslated}, {counts[direction]} faces)")
        parts.append(f"read as the target domain by {read_as[0][0][0]}: {', '.join(shares)}")
        if "input_l1" in metrics:  # how much of each face the translation changed
            parts.append(f"L1 to the input {metrics['input_l1']['value']} (a2b)")
    edits = {key: record["value"] for key, record in metrics.items()
             if key.endswith("/read_as_target") and not key.startswith("untranslated_")}
    if edits:  # attribute editing: the judge's reading of the edits, and identity kept, averaged over the edits
        unedited = [metrics[f"untranslated_{key}"]["value"] for key in edits]
        identity = [record["value"] for key, record in metrics.items() if key.endswith("/identity_top1")]
        parts.append(f"edits read as the target {np.mean(list(edits.values())):.3f} (unedited faces "
                     f"{np.mean(unedited):.3f}), identity kept {np.mean(identity):.3f}, mean of {len(edits)} edits "
                     f"on {metrics['edited_faces']['value']} held-out faces")
    if "mean_follows" in metrics:  # text to image: stated attributes the judge reads in the samples
        ignored = (f", captions shuffled {metrics['shuffled_mean_follows']['value']}"
                   if "shuffled_mean_follows" in metrics else "")
        parts.append(f"caption attributes followed {metrics['mean_follows']['value']} (real faces of the captions "
                     f"{metrics['real_mean_follows']['value']}{ignored}, {metrics['captions']['value']} held-out captions)")
    holes = [kind for kind in ("centre", "box", "stroke") if f"{kind}/hole_psnr" in metrics]
    if holes:  # inpainting: PSNR inside the hole and FID of the completed faces, beside the classical baseline
        def pair(prefix, kind):
            return (f"{metrics[f'{prefix}{kind}/hole_psnr']['value']:.1f} dB / "
                    f"{metrics[f'{prefix}{kind}/fid/celeba/train']['value']:.1f}")
        parts.append("PSNR in the hole / FID of the completed faces: "
                     + ", ".join(f"{kind} {pair('', kind)} (biharmonic {pair('biharmonic_', kind)})" for kind in holes)
                     + f" ({metrics['inpainted_faces']['value']} held-out faces)")
        spread = [name for name in ("kid", "precision", "recall", "density", "coverage")
                  if all(f"{kind}/{name}/celeba/train" in metrics for kind in holes)]
        if spread:  # the completed faces' other measures on the same features: a hole filled with one face shows
            parts.append(f"{', '.join(spread)} of the completed faces: " + ", ".join(
                f"{kind} " + "/".join(str(metrics[f"{kind}/{name}/celeba/train"]["value"]) for name in spread)
                for kind in holes))
    benchmarks = [b for b in ("Set5", "Set14", "BSD100") if f"{b}/psnr" in metrics]
    if benchmarks:  # super-resolution: PSNR beside bicubic's
        parts.append(", ".join(f"{b} PSNR {metrics[f'{b}/psnr']['value']} dB (bicubic "
                               f"{metrics[f'{b}/bicubic_psnr']['value']})" for b in benchmarks) + " on Y, x4")
        for b in benchmarks:  # the perceptual side: upscaled patches against the true ones
            if f"{b}/patch_fid" in metrics:
                n = metrics[f"{b}/patches"]["value"]
                parts.append(f"{b} patches ({n}): FID {metrics[f'{b}/patch_fid']['value']} (bicubic "
                             f"{metrics[f'{b}/bicubic_patch_fid']['value']}), KID {metrics[f'{b}/patch_kid']['value']}, "
                             + ", ".join(f"{m} {metrics[f'{b}/patch_{m}']['value']}" for m in
                                         ("precision", "recall", "density", "coverage") if f"{b}/patch_{m}" in metrics))
    return "; ".join(parts) or "not measured"
