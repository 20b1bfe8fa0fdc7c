"""Turn a trained model into a zoo entry: a weights folder in the Hub layout, its model
card, and the manifest entry that names every file with its sha256."""

import json
from pathlib import Path

import numpy as np

from ganzoo import images
from ganzoo.core.gan import check_finite_weights
from ganzoo.hub import sha256_of

HUB_ORG = "ganzoo"
HUB_REVISION = "v0.1.0"  # the tag each entry is published under


def file_records(folder, names):
    folder = Path(folder)
    return [{"path": n, "sha256": sha256_of(folder / n), "size": (folder / n).stat().st_size} for n in names]


COMPRESSED_SIZE = 4096  # arrays of at least this many values are stored gzip-compressed


def store_compressed(path, float16=False):
    """Rewrite a Keras weights file with its large arrays gzip-compressed after HDF5's byte shuffle,
    and with every float32 array as float16 (half the bytes) where `float16`. Lossless otherwise:
    the shuffle groups the bytes of each position, and a trained network's exponent bytes repeat
    (float32 files shrink by about 10%, float16 ones by 11%: what keeps InfoGAN's entry with its
    discriminator under the per-entry budget, and the zoo under its total). Keras casts float16
    back to the float32 variables when the file is loaded, and h5py decompresses on reading."""
    import h5py

    from ganzoo.checkpoint_packing import arrays

    with h5py.File(path, "r+") as f:
        # the small arrays stay as they are unless float16 asks for them too: gzip would not pay there
        rewritten = [array.name for array in arrays(f)
                     if array.dtype == np.float32 and (float16 or array.size >= COMPRESSED_SIZE)]
        for key in rewritten:
            values = f[key][()]
            attributes = dict(f[key].attrs)
            del f[key]
            compress = dict(compression="gzip", compression_opts=9, shuffle=True) if values.size >= COMPRESSED_SIZE else {}
            written = f.create_dataset(key, data=values.astype(np.float16) if float16 else values, **compress)
            written.attrs.update(attributes)
    # h5py leaves the freed space in the file: copy it to a compact one
    compact = path.with_suffix(".compact")
    with h5py.File(path, "r") as src, h5py.File(compact, "w") as dst:
        for key in src:
            src.copy(src[key], dst, name=key)
        for key, value in src.attrs.items():
            dst.attrs[key] = value
    compact.replace(path)


def check_finite_weights_file(path):
    """Raise a ValueError naming the arrays of a Keras weights file that hold NaN or infinite values
    (a diverged run's weights: they hash and load like any others, and sample blank images)."""
    import h5py

    bad = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda key, item: bad.append(key) if isinstance(item, h5py.Dataset) and item.dtype.kind == "f"
                     and not np.isfinite(item[()]).all() else None)
    if bad:
        shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        raise ValueError(f"{path}: {len(bad)} weight arrays hold NaN or infinite values ({shown}); "
                         "refusing weights of a diverged run.")
    return path


def save_weights_folder(model, folder, *, generator_only=False, grid_seed=0, weights_dtype="float32",
                        training_weights_dtype=None):
    """config.json, model.weights.h5 (no optimizer state) and samples.png.

    weights_dtype="float16" stores the weights at half precision (for a large generator that
    would not fit the size budget). samples.png and the card's pictures are drawn from the folder as
    users load it: the stored weights, computing in float32.
    training_weights_dtype (default: weights_dtype): the same for the training files alone (the
    discriminator, which only starts a fine-tune), so the samples stay those of float32 weights.
    """
    training_weights_dtype = training_weights_dtype or weights_dtype
    for label, value in (("weights_dtype", weights_dtype), ("training_weights_dtype", training_weights_dtype)):
        if value not in ("float32", "float16"):
            raise ValueError(f"{label} must be 'float32' or 'float16', got {value!r}.")
    folder = Path(folder)
    model.refresh_ema_statistics()
    check_finite_weights(model, what=f"Refusing to export {model.family}")  # before anything is written
    folder.mkdir(parents=True, exist_ok=True)
    # A fresh, uncompiled twin carries the weights without optimizer slots.
    twin = type(model).from_config(model.get_config())
    training_files = []
    if generator_only:  # the generator that samples (the EMA one when there is one) ...
        twin.generator.set_weights(model.sampling_generator.get_weights())
        twin.generator.save_weights(folder / "model.weights.h5")
        # ... and, each in its own file, what fit needs to continue the game (the discriminator)
        for stem, network in model.training_networks().items():
            training_files.append(f"{stem}.weights.h5")
            network.save_weights(folder / training_files[-1])
    else:
        twin.set_weights(model.get_weights())
        twin.save_weights(folder / "model.weights.h5")
    write_folder_config(folder, model, weights_scope="generator" if generator_only else "gan",
                        training_files=training_files, weights_dtype=weights_dtype,
                        training_weights_dtype=training_weights_dtype)
    for file, dtype in [("model.weights.h5", weights_dtype), *((f, training_weights_dtype) for f in training_files)]:
        store_compressed(folder / file, float16=dtype == "float16")
        check_finite_weights_file(folder / file)  # beyond float16's range: infinite
    save_pictures(_as_users_load_it(model, folder), folder, grid_seed)  # what users will load draws them
    return folder


def save_pictures(model, folder, grid_seed=0):
    """samples.png and the card's own pictures (e.g. StyleGAN's mixing grid), drawn by `model`."""
    images.save_png(model.preview_grid(64, seed=grid_seed), Path(folder) / "samples.png", scale=2)
    for name, picture in model.card_pictures().items():
        images.save_png(picture, Path(folder) / name, scale=2)


def store_entry_as_float16(name, entry, folder, *, training_files_too=True, n=1000, seed=0, max_level_change=1):
    """Rewrite a shipped entry's weights as float16 (gzip-compressed), for room in the size budget,
    where its samples barely change: `n` samples (seed `seed`) drawn from the stored folder before and
    after may differ by at most `max_level_change` of 255, else a ValueError and the folder untouched.
    The training files (the discriminator) go to float16 too unless `training_files_too` is False.
    Redraws the pictures from the rewritten weights, records the check in entry["storage"] for the
    card, and rewrites the card and file records; returns that record. Metrics measured on the
    float32 weights are left for `ganzoo evaluate NAME --write` to measure again."""
    import shutil

    from ganzoo.hub import read_config
    from ganzoo.zoo import load_folder

    folder = Path(folder)
    config = read_config(folder)
    if config.get("weights_dtype", "float32") != "float32":
        raise ValueError(f"{name}: model.weights.h5 is stored as {config['weights_dtype']} already.")
    try:
        drawn = load_folder(folder).sample(n, seed=seed).astype(np.int16)
    except ValueError as e:  # image-to-image families draw from inputs, not from a seed
        raise ValueError(f"{name}: this check compares samples drawn from noise, which a {entry['family']} "
                         f"entry does not draw ({e}); re-export it from its recipe at float16 instead.") from None
    work = folder.with_name(folder.name + ".float16")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(folder, work)
    training_files = config.get("training_files", [])
    rewritten = ["model.weights.h5", *(training_files if training_files_too else [])]
    for file in rewritten:  # load_folder below refuses weights that float16 made infinite
        store_compressed(work / file, float16=True)
    training_dtype = "float16" if training_files_too else config.get("training_weights_dtype", "float32")
    config["weights_dtype"] = "float16"
    config.pop("training_weights_dtype", None)
    if training_files and training_dtype != "float16":  # as write_folder_config: only where it differs
        config["training_weights_dtype"] = training_dtype
    (work / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    after = load_folder(work)
    change = np.abs(after.sample(n, seed=seed).astype(np.int16) - drawn)
    if change.max() > max_level_change:
        shutil.rmtree(work)
        raise ValueError(f"{name}: at float16 its samples change by up to {change.max()} of 255 (more than "
                         f"{max_level_change}); it stays float32.")
    save_pictures(after, work)
    entry["storage"] = {
        "weights_dtype": "float16", "rewritten": rewritten,
        "float32_sha256": sha256_of(folder / "model.weights.h5"), "n_samples": n, "seed": seed,
        "max_level_change": int(change.max()), "identical_share": round(float((change == 0).mean()), 4),
        "command": f"python scripts/store_float16.py {name}"
                   + ("" if training_files_too or not training_files else " --keep_training_files_float32")}
    refresh_card(name, entry, work)
    shutil.rmtree(folder)
    work.rename(folder)
    return entry["storage"]


def storage_summary(storage):
    """The card's sentence for an entry rewritten by store_entry_as_float16."""
    files = " and ".join(storage["rewritten"])
    return (f"{files} {'were' if len(storage['rewritten']) > 1 else 'was'} then stored as float16 "
            f"(`{storage['command']}`): {storage['n_samples']:,} samples (seed {storage['seed']}) differ from "
            f"those of the float32 weights (model.weights.h5 sha256 {storage['float32_sha256'][:16]}...) by at most {storage['max_level_change']} of 255, "
            f"{100 * storage['identical_share']:.2f}% of values identical.")


def _as_users_load_it(model, folder):
    """A twin of `model` with the weights as stored in `folder` (half precision where they were
    stored so) and computing in float32 as a loaded entry does, even where a bfloat16 training run
    set Keras' global policy: a picture drawn at bfloat16 would differ from users' samples by up
    to 17 levels of 255 (stackgan_celeba_captions' first export)."""
    import keras

    from ganzoo.zoo import load_weights_folder

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        stored = type(model).from_config(model.get_config())
    finally:
        keras.config.set_dtype_policy(previous)
    stored.preview_inputs = getattr(model, "preview_inputs", None)  # the faces the pictures edit
    load_weights_folder(stored, folder)
    return stored


def write_folder_config(folder, model, *, weights_scope, training_files=(), weights_dtype="float32",
                        training_weights_dtype=None):
    """config.json and metadata.json: the zoo's keys (family, config, weights_scope, training_files,
    weights_dtype, training_weights_dtype where it differs) joined with Keras' own (module, class_name,
    registered_name), so that the folder is also a Keras model directory: `keras.saving.load_model(folder)`
    builds the family from the same "config" and loads model.weights.h5 (GAN.load_own_variables lays out
    a generator-only file)."""
    import datetime

    import keras

    keras_keys = {key: value for key, value in keras.saving.serialize_keras_object(model).items()
                  if key in ("module", "class_name", "registered_name")}
    config = {"family": model.family, "config": model.get_config(), **keras_keys, "weights_scope": weights_scope,
              **({"training_files": list(training_files)} if training_files else {}),
              **({"weights_dtype": weights_dtype} if weights_dtype != "float32" else {}),
              **({"training_weights_dtype": training_weights_dtype}
                 if training_files and training_weights_dtype not in (None, weights_dtype) else {})}
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    metadata = {"keras_version": keras.__version__, "date_saved": datetime.date.today().isoformat(),
                "library": "ganzoo"}
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")


def metrics_table(metrics):
    if not metrics:
        return "Not measured yet.\n"
    rows = ["| metric | value | samples | seed | measured with |", "|---|---|---|---|---|"]
    for key, record in metrics.items():
        value = record["value"]
        value = f"{value:.4g}" if isinstance(value, float) else value
        seed = "" if record.get("seed") is None else record["seed"]  # benchmarks have none
        rows.append(f"| {key} | {value} | {record.get('n_samples', '')} | {seed} "
                    f"| `{record['command']}` |")
    return "\n".join(rows) + "\n"


def paper_table(paper_metrics):
    """Lines of a card section with the published figures the metrics compare with, if the entry
    has them ({"source": ..., "figures": {metric: value}})."""
    if not paper_metrics:
        return []
    rows = [f"The published figures ({paper_metrics['source']}), measured by the paper's own code:", "",
            "| metric | paper |", "|---|---|"]
    rows += [f"| {key} | {value} |" for key, value in paper_metrics["figures"].items()]
    return [*rows, ""]


def training_summary(training):
    """One sentence from what the entry's training record holds (GAN steps or classifier epochs)."""
    if "steps" in training:
        fresh = training.get("batches_per_step", 1)
        each = f", a new batch for each of {fresh} critic steps," if fresh > 1 else ""
        length = (f"{training['steps']} steps at batch {training.get('batch_size')}{each} "
                  f"({training.get('epochs_of_data')} passes over the data)")
    else:
        length = f"{training.get('epochs')} epochs at batch {training.get('batch_size')}"
    if "wall_time_s" in training:
        took = f", {training['wall_time_s']} s"
    elif "wall_time_s_legs" in training:  # paused by time limits and resumed
        legs = training["wall_time_s_legs"]
        took = f", {round(sum(legs), 1)} s in {len(legs)} legs ({' + '.join(map(str, legs))} s)"
    elif "wall_time_s_last_run" in training:  # a resumed run times its own leg only
        took = f", {training['wall_time_s_last_run']} s in its last (or only) run"
    else:
        took = ""
    run = training.get("snapshot_of_run")
    if run:  # exported from a snapshot of a longer run (recipes' --export_snapshot)
        took = (f", the snapshot at that step of a run trained to {run['steps']} steps "
                f"({round(sum(run.get('wall_time_s_legs', [run.get('wall_time_s_last_run', 0)])), 1)} s)")
    began = training.get("initialized_from")
    start = (f" It began from the weights of the entry `{began['entry']}` of the time "
             f"({began.get('steps')} steps, made by `{began.get('command')}`; model.weights.h5 sha256 "
             f"{began.get('files', {}).get('model.weights.h5', '?')[:16]}...), so the steps add to those."
             if began and "entry" in began else "")
    if began and "snapshot" in began:  # a recipe's --init_snapshot: another run's weights, a changed config
        fresh = "; ".join(f"{network}: {', '.join(names)}" for network, names in began.get("fresh_layers", {}).items())
        start = (f" It began from the snapshot at step {began['steps']} of another run (`{began['snapshot']}`, "
                 f"sha256 {began.get('sha256', '?')[:16]}...), so the steps add to those"
                 + (f"; these layers, new in this config, started fresh: {fresh}." if fresh else "."))
    if began and began.get("discriminator_warmup"):  # an entry that had shipped its generator alone
        warmup = began["discriminator_warmup"]
        if training.get("steps") is not None and warmup >= training["steps"]:  # the discriminator alone trained
            start = (f" Its generator is that of the entry `{began['entry']}` of the time ({began.get('steps')} "
                     f"steps, made by `{began.get('command')}`), which shipped no discriminator: in these "
                     f"{training['steps']} steps a new one learnt against that generator, frozen (learning rate 0).")
        else:
            start += (f" That entry shipped no discriminator: for the first {warmup} of these steps a new one "
                      "learnt against its frozen generator (learning rate 0), then both trained.")
    return f"{length}{took} on {training.get('hardware')}.{start}"


def _usage(name, family):
    """(python lines, caption of samples.png) for a family's model card."""
    load = f"model = ganzoo.load({name!r})"
    if family == "cgan":
        return ([load, "images = model.sample(16, labels=3, seed=0)  # uint8 NHWC, class 3 (id or name)",
                 f"# command line: ganzoo sample {name} --labels 0,1,2 -o rows.png"],
                "one row per class, seed 0")
    if family == "infogan":
        return ([load, "images = model.sample(16, codes={'category': 3, 'continuous': [0.5, 0.0]}, seed=0)",
                 f"# command line: ganzoo sample {name} --codes 0,1,2 -o rows.png"],
                "rows: the categorical code's values; columns: the first continuous code from -1 to 1; one z")
    if family == "pix2pix":
        return ([load, "outputs = model.translate(inputs)  # uint8 NHWC (or one HWC image) in and out",
                 f"# command line: ganzoo translate {name} in.png -o out.png"], "input | output pairs")
    if family == "inpaint":
        return ([load, "filled = model.inpaint(faces, masks)  # uint8 NHWC faces; masks (H, W) or (N, H, W), 1 = missing",
                 f"# command line: ganzoo inpaint {name} face.png --box 16,16,32,32 -o filled.png"],
                "held-out faces, each: the hole (white) | filled | the true face")
    if family in ("cyclegan", "discogan"):
        return ([load, "b_images = model.translate(a_images, direction='a2b')  # uint8 NHWC in and out",
                 f"# command line: ganzoo translate {name} in.png -o out.png --direction b2a"],
                "rows of a | a to b | b | b to a")
    if family == "stargan":
        return ([load, "edited = model.edit(faces, Blond_Hair=1)  # uint8 NHWC (or one HWC face) in and out",
                 "grid = model.edit_grid(faces)  # each face, then each hair colour set and each other attribute flipped",
                 f"# command line: ganzoo edit {name} face.png --set Blond_Hair=1 -o out.png"],
                "rows of held-out faces: the face, then each hair colour set, then each other attribute flipped")
    if family == "stylegan_lite":
        return ([load, "images = model.sample(16, seed=0, truncation=0.7)  # uint8 NHWC; psi 1: no truncation",
                 "grid = model.style_mix([1, 2, 3], [4, 5, 6, 7])  # the mixing grid as one image",
                 f"# command line: ganzoo sample {name} --truncation 0.7; ganzoo style-mix {name} -o mix.png"],
                "64 samples of the EMA generator, seed 0, no truncation")
    if family in ("srresnet", "srgan"):
        return ([load, "large = model.upscale(image)  # uint8 (H, W, 3) or NHWC of any size -> 4x larger",
                 f"# command line: ganzoo upscale {name} in.png -o out.png"],
                "pairs of bicubic | this model on 24x24 crops of Set14's LR images")
    return [f"images = ganzoo.load({name!r}).sample(16, seed=0)  # uint8 NHWC"], "64 samples, seed 0"


# Pictures a card shows besides samples.png when its folder has them (made by benchmark scripts).
EXTRA_PICTURES = {
    "nearest_neighbours.png": "Copying check: each row a sample, then its nearest training images (Inception features)",
    "comparison.png": "Side by side on benchmark crops (benchmarks/sr_benchmark.py)",
    "style_mix.png": "Style mixing: each cell has its row's fine styles and its column's coarse ones (w 0-3)",
    "truncation.png": "Truncation sweep: one seed per row, psi 1.0, 0.85, 0.7, 0.5, 0.3, 0 across",
    "captions.png": "Each row one caption, written at its left; the same seeds in every row",
    "stages.png": "Stage I (32x32, enlarged) then Stage II (64x64) for each seed; each row one caption",
    "aging.png": "Face aging on held-out faces: left, young faces and the same made old; "
                 "right, old faces made young",
    "versus_biharmonic.png": "Held-out faces, each row: the hole (white) | skimage's biharmonic inpainting | "
                             "this model | the true face; centre squares, boxes and strokes",
}


def model_card(name, entry, pictures=()):
    """README.md in the Hub's model-card format: YAML front matter, then prose; `pictures`: the
    EXTRA_PICTURES files the folder has."""
    dataset, training = entry["dataset"], entry["training"]
    license_id = dataset.get("card_license", "other")
    classifier = entry["family"] == "classifier"  # the scorers are cards too, not GANs
    usage, caption = _usage(name, entry["family"])
    lines = [
        "---",
        f"license: {license_id}",
        "library_name: keras",
        "datasets:",
        f"- {dataset['name']}",
        "tags:",
        *([] if classifier else ["- gan"]),
        f"- {entry['family']}",
        "- ganzoo",
        "- keras",
        "pipeline_tag: " + ("image-classification" if classifier else
                            "image-to-image" if entry["family"] in ("pix2pix", "cyclegan", "discogan", "stargan", "inpaint",
                                                                    "srresnet", "srgan") else
                            "unconditional-image-generation"),
        "---",
        "",
        f"# {name}",
        "",
        entry["description"],
        "",
        "```python",
        *(["from ganzoo.metrics.classifier import load_classifier",
            f"logits = load_classifier({name!r})(uint8_images)"] if classifier else
          ["import ganzoo", *usage]),
        "```",
        "",
        *([] if classifier else [f"![{caption}](samples.png)"]),
        "",
        *[line for picture in pictures for line in (f"## {EXTRA_PICTURES[picture]}", "", f"![{picture}]({picture})", "")],
        "## Model",
        f"Family `{entry['family']}`, config:",
        "",
        "```json",
        json.dumps(entry["config"], indent=2),
        "```",
        "",
        "## Data",
        f"{dataset['name']} ({dataset.get('split', 'train')} split): {dataset.get('description', '')}",
        f"License of the data: {dataset['license']}.",
        "",
        "## Training",
        f"Recipe `{entry['recipe']}`, run as:",
        "",
        "```",
        entry["command"],
        "```",
        "",
        training_summary(training),
        *([training["note"]] if training.get("note") else []),
        *([storage_summary(entry["storage"])] if entry.get("storage") else []),
        "",
        "## Metrics",
        metrics_table(entry["metrics"]),
        *paper_table(entry.get("paper_metrics")),
        "## Limitations",
        entry.get("limitations", "A small research model: outputs show the biases and gaps of its training data."),
        "",
    ]
    return "\n".join(lines)


def build_entry(name, model, folder, *, description, dataset, recipe, command, training,
                metrics=None, limitations=None, evaluation=None):
    """Write the model card, then return the manifest entry listing every file's hash."""
    folder = Path(folder)
    check_finite_weights(model, what=f"Refusing an entry for {name}")  # (refresh_card checks the file)
    entry = {
        "family": model.family,
        "description": description,
        "config": model.get_config(),
        "dataset": dataset,
        "hub": {"repo_id": f"{HUB_ORG}/{name}", "revision": HUB_REVISION},
        "recipe": recipe,
        "command": command,
        "training": training,
        "metrics": metrics or {},
        "files": [],
    }
    if limitations:
        entry["limitations"] = limitations
    if evaluation:
        entry["evaluation"] = evaluation
    refresh_card(name, entry, folder)
    return entry


def refresh_card(name, entry, folder):
    """Rewrite README.md from the entry and recompute the file records (in place); weights with
    NaN or infinite values are refused, so that no entry hashes them."""
    folder = Path(folder)
    training_files = training_file_names(folder)
    for file in ["model.weights.h5", *training_files]:
        check_finite_weights_file(folder / file)
    pictures = [picture for picture in EXTRA_PICTURES if (folder / picture).exists()]
    (folder / "README.md").write_text(model_card(name, entry, pictures))
    names = ["config.json", *(["metadata.json"] if (folder / "metadata.json").exists() else []), "model.weights.h5",
             "README.md"]
    names += [p.name for p in sorted(folder.glob("*.png"))]
    # role "training": fetched only when fit needs them, never for sampling (hub.resolve)
    entry["files"] = file_records(folder, names) + [dict(record, role="training")
                                                    for record in file_records(folder, training_files)]
    return entry


def training_file_names(folder):
    """The weights files that config.json says only training needs (the discriminator's)."""
    from ganzoo.hub import read_config

    return list(read_config(Path(folder)).get("training_files", []))
