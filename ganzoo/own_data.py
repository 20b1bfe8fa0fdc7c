"""Train a family on your own folder of pictures, and export the run in the zoo's format.

    ganzoo train dcgan --data photos/ --resolution 64 --steps 5000   # -> runs/dcgan_photos
    ganzoo export runs/dcgan_photos -o my_dcgan                      # config.json, weights, card
    ganzoo sample my_dcgan -o samples.png                            # a folder loads like an entry

train_on_folder() reads the folder with ganzoo.folders (decoded once, cached), then calls
ganzoo.training.train, the driver the recipes share: checkpoints every epoch in
OUTPUT_DIR/backup (the same command again resumes exactly, or returns at once when the run
is done), sample grids in OUTPUT_DIR/samples, losses in OUTPUT_DIR/log.csv, and here also
TensorBoard logs (losses, and the sample grids as images) in OUTPUT_DIR/tensorboard.
"""

import json
import shlex
import sys
import time
import warnings
from pathlib import Path

from ganzoo.folders import FolderWarning

# The families that train from images, and how they read the folder(s):
# images: one folder; labels: a class per sub-folder; pairs: two folders of matching names;
# domains: two folders, unpaired.
FOLDER_FAMILIES = {"gan": "images", "dcgan": "images", "lsgan": "images", "wgan_gp": "images",
                   "stylegan_lite": "images", "cgan": "labels", "pix2pix": "pairs", "cyclegan": "domains",
                   "discogan": "domains"}
DEFAULT_BATCH_SIZE = {"stylegan_lite": 32, "pix2pix": 16, "cyclegan": 1, "discogan": 16}  # others: 64
DEFAULT_RESOLUTION = {"gan": 32}  # an MLP: its weights grow with the pixel count; others: 64
DEFAULT_AUGMENT = "color,translation,cutout"
AUGMENT_BELOW = 5000  # --augment auto: DiffAugment on for folders of fewer images than this
OWN_DATA_FILE = "own_data.json"  # what the run was trained on, for its export's model card
PREVIEW_FILE = "preview_inputs.npz"  # the images translation families show in their grids


def default_output_dir(family, data):
    return Path("runs") / f"{family}_{Path(data).expanduser().resolve().name}"


def _read(family, data, data_b, resolution, channels, cache_dir):
    """(what train() takes, a description of the data for the card, preview inputs or None)."""
    from ganzoo import folders

    kind = FOLDER_FAMILIES[family]
    if kind in ("pairs", "domains") and data_b is None:
        roles = ("the inputs in --data, their targets (same file names) in --data-b" if kind == "pairs"
                 else "domain A in --data, domain B in --data-b")
        raise ValueError(f"{family} trains on two folders: {roles}.")
    if kind not in ("pairs", "domains") and data_b is not None:
        raise ValueError(f"--data-b is for pix2pix, cyclegan and discogan; {family} trains on one folder.")
    if kind == "images":
        images = folders.from_folder(data, resolution, channels, cache_dir)
        return images, {"images": len(images)}, None
    if kind == "labels":
        images, labels, names = folders.from_folder(data, resolution, channels, cache_dir, labels=True)
        return (images, labels), {"images": len(images), "classes": names}, None
    if kind == "pairs":
        inputs, targets = folders.pairs_from_folders(data, data_b, resolution, channels, cache_dir=cache_dir)
        return (inputs, targets), {"images": len(inputs), "pairs": len(inputs)}, inputs[:32]
    from ganzoo.paired import align_domains

    a, b = folders.domains_from_folders(data, data_b, resolution, channels, cache_dir, align=False)
    aligned = align_domains(a, b)  # what domains_from_folders(align=True) returns
    return aligned, {"images": len(aligned[0]), "domain_a": len(a), "domain_b": len(b)}, (a[:16], b[:16])


def _config(family, resolution, channels, width, read, augment):
    config = {"resolution": resolution}
    if family == "pix2pix":
        config.update(input_channels=channels, output_channels=channels)
    else:
        config["channels"] = channels
    if width is not None:
        if family == "gan":
            raise ValueError("gan is a multilayer perceptron: it has no --width (its layer sizes are fixed).")
        config["width"] = width
    if family == "cgan":
        config.update(num_classes=len(read["classes"]), class_names=read["classes"])
    if augment:
        config["augment"] = augment
    return config


def _resolve_augment(augment, family, count):
    """(DiffAugment policy or None, a sentence saying why)."""
    from ganzoo.families import get_family

    supported = get_family(family).supports_augment
    if augment in (None, "auto"):
        if not supported:
            return None, f"augment: off ({family} does not support DiffAugment)"
        if count < AUGMENT_BELOW:
            return DEFAULT_AUGMENT, (f"augment: {DEFAULT_AUGMENT} (DiffAugment, on by default below {AUGMENT_BELOW:,} "
                                     f"images; --augment none turns it off)")
        return None, f"augment: off (on by default below {AUGMENT_BELOW:,} images only; --augment POLICY turns it on)"
    if augment.lower() in ("none", "off", ""):
        return None, "augment: off (--augment none)"
    if not supported:
        raise ValueError(f"{family} does not support --augment (DiffAugment is for the families that sample "
                         "from noise).")
    return augment, f"augment: {augment}"


def _check_same_run(output_dir, family, config, seed):
    """A rerun must resume the run that is there, not load its checkpoint into another model."""
    run = output_dir / "run.json"
    if not (run.exists() and (output_dir / "backup").exists()):
        return
    before = json.loads(run.read_text())
    if before.get("family") != family or before.get("config") != config or before.get("seed") != seed:
        differ = sorted(k for k in {**before.get("config", {}), **config}
                        if before.get("config", {}).get(k) != config.get(k))
        raise ValueError(f"{output_dir} holds another run ({before.get('family')}, differing in "
                         f"{', '.join(differ) or 'family or seed'}): give another --output_dir, or delete it to "
                         "start again.")


def _callbacks(output_dir, steps):
    import keras

    class Progress(keras.callbacks.Callback):
        """One line per epoch: the step reached of all steps, and the time left at this pace."""

        def on_train_begin(self, logs=None):
            self.start, self.first = time.monotonic(), None

        def on_epoch_end(self, epoch, logs=None):
            step = int(keras.ops.convert_to_numpy(self.model.g_optimizer.iterations))
            if self.first is None:
                self.first = step - self.params["steps"]  # where this leg began
            done, elapsed = step - self.first, time.monotonic() - self.start
            left = (steps - step) * elapsed / max(done, 1)
            print(f"step {step}/{steps}, {_clock(elapsed)} so far, ETA {_clock(left)}", flush=True)

    try:
        import tensorflow  # noqa: F401  (a torch-only machine writes no TensorBoard logs)
    except ImportError:
        print("no TensorBoard logs: they need TensorFlow installed beside the torch backend", flush=True)
        return [Progress()]
    return [Progress(), _tensorboard_callback_class()(output_dir / "tensorboard")]


def _tensorboard_callback_class():
    import keras
    import numpy as np

    class TensorBoardLog(keras.callbacks.Callback):
        """Losses (each epoch's means) and the newest sample grid, at the generator step reached, as
        TensorBoard events in `log_dir`/train. Written with TensorFlow's own summary op and the
        protos TensorBoard reads, not keras.callbacks.TensorBoard: that one needs the `tensorboard`
        package, which TensorFlow 2.21 no longer installs (viewing the logs still needs it)."""

        def __init__(self, log_dir):
            super().__init__()
            self.log_dir = Path(log_dir)

        writer = None  # made at the first epoch's end: a rerun of a finished run writes no empty file

        def on_epoch_end(self, epoch, logs=None):
            import tensorflow as tf
            from tensorflow.core.framework import summary_pb2

            if self.writer is None:
                self.writer = tf.summary.create_file_writer(str(self.log_dir / "train"))

            def metadata(plugin, data_class):
                proto = summary_pb2.SummaryMetadata(data_class=data_class)
                proto.plugin_data.plugin_name = plugin
                return proto.SerializeToString()

            step = int(keras.ops.convert_to_numpy(self.model.g_optimizer.iterations))
            with self.writer.as_default():
                for key, value in (logs or {}).items():
                    value = np.asarray(keras.ops.convert_to_numpy(value), np.float32).reshape(-1)
                    if value.size:  # multi-worker logs have shape (1,)
                        tf.summary.write(key, tf.constant(value[0]), step=step,
                                         metadata=metadata("scalars", summary_pb2.DATA_CLASS_SCALAR))
                grids = sorted((self.log_dir.parent / "samples").glob("step_*.png"))  # SampleGrid's, just written
                if grids:
                    from PIL import Image

                    with Image.open(grids[-1]) as im:
                        width, height = im.size
                    content = tf.constant([str(width).encode(), str(height).encode(), grids[-1].read_bytes()])
                    tf.summary.write("samples", content, step=step,
                                     metadata=metadata("images", summary_pb2.DATA_CLASS_BLOB_SEQUENCE))
            self.writer.flush()

        def on_train_end(self, logs=None):
            if self.writer is not None:
                self.writer.close()

    return TensorBoardLog


def _clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def train_on_folder(family, data, data_b=None, *, resolution=None, channels=None, steps=10000, batch_size=None,
                    augment="auto", time_limit=None, output_dir=None, strategy="auto", mixed_precision=None,
                    width=None, seed=0, cache_dir=None, verbose=None, command=None, like=None, _start=None):
    """Train `family` on the images of folder `data` (and `data_b`: pix2pix's targets of the same
    file names, or cyclegan's domain B); returns (model, info) as ganzoo.training.train does.

    augment="auto": DiffAugment "color,translation,cutout" when the folder has fewer than 5,000
    images, off otherwise (and always off for the translation families, which do not support it);
    "none" turns it off, any other string is the policy. batch_size: the family's default
    (64; stylegan_lite 32, pix2pix 16, discogan 16, cyclegan 1), at most the image count.
    `command`: the command line, recorded for the export's model card. `like`: a zoo entry's name: its
    network (width, latent size, average...) from a random start, what a fine-tune of that entry is
    measured against; resolution and channels are then the entry's.
    """
    from ganzoo import training

    if family not in FOLDER_FAMILIES:
        raise ValueError(f"{family} does not train from a folder of images; the families that do: "
                         f"{', '.join(FOLDER_FAMILIES)}.")
    if like is not None:
        if _start is not None or width is not None:
            raise ValueError("like= takes an entry's whole network: give no width (and fine-tune with finetune_on_folder).")
        like_config = _entry_network(like, family, resolution, channels)
        resolution, channels = like_config["resolution"], like_config["channels"]
    resolution, channels = resolution or DEFAULT_RESOLUTION.get(family, 64), channels or 3
    output_dir = Path(output_dir) if output_dir is not None else default_output_dir(family, data)
    started = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:  # shown on stderr even where warnings are hidden
        warnings.simplefilter("always")
        batches, read, preview = _read(family, data, data_b, resolution, channels, cache_dir)
    for warning in caught:
        if issubclass(warning.category, FolderWarning):
            print(f"warning: {warning.message}", file=sys.stderr, flush=True)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    sources = f"{data} and {data_b}" if data_b else f"{data}"
    classes = f" ({len(read['classes'])} classes: {', '.join(read['classes'])})" if "classes" in read else ""
    print(f"read {read['images']} {'pairs of ' if family == 'pix2pix' else ''}images from {sources} at "
          f"{resolution}x{resolution} in {time.monotonic() - started:.1f} s{classes}", flush=True)
    augment, augment_note = _resolve_augment(augment, family, read["images"])
    print(augment_note, flush=True)
    if like is not None:  # the entry's networks from a random start, with this run's augmentation
        config = {**like_config, **({"augment": augment} if augment else {})}
    elif _start is None:
        config = _config(family, resolution, channels, width, read, augment)
    else:  # fine-tuning: the entry's networks, and this run's augmentation
        config = {**_start["config"], **({"augment": augment} if augment else {})}
    default_batch = DEFAULT_BATCH_SIZE.get(family, 64)
    batch_size = batch_size or min(default_batch, read["images"])
    _check_same_run(output_dir, family, config, seed)
    output_dir.mkdir(parents=True, exist_ok=True)
    record = {"family": family, "data": str(Path(data).expanduser().resolve()),
              **({"data_b": str(Path(data_b).expanduser().resolve())} if data_b else {}),
              "resolution": resolution, "channels": channels, "batch_size": batch_size, "steps": steps,
              "augment": augment, "seed": seed, **read,
              **({"finetuned_from": _start["name"], "freeze_d": _start["freeze_d"]} if _start else {}),
              **({"network_of": like} if like else {}),
              "command": command or shlex.join(["ganzoo", *sys.argv[1:]])}
    (output_dir / OWN_DATA_FILE).write_text(json.dumps(record, indent=2) + "\n")
    if preview is not None:
        import numpy as np

        np.savez(output_dir / PREVIEW_FILE, *(preview if isinstance(preview, tuple) else (preview,)))
    model, info = training.train(
        family, config, batches, steps=steps, batch_size=batch_size, output_dir=output_dir, seed=seed,
        strategy=strategy, mixed_precision=mixed_precision, time_limit=time_limit, verbose=verbose,
        preview_inputs=preview, initialize=_start["initialize"] if _start else None,
        extra_callbacks=[*_callbacks(output_dir, steps),
                         *([_freeze_d_callback(_start["freeze_d"])] if _start and _start["freeze_d"] else [])])
    if info["steps"] < steps:
        print(f"stopped by --time_limit at step {info['steps']} of {steps}: run the same command again to go on.")
    else:
        print(f"trained {info['steps']} steps: grids in {output_dir / 'samples'}, losses in {output_dir / 'log.csv'} "
              f"and TensorBoard (tensorboard --logdir {output_dir / 'tensorboard'}); to publish it: "
              f"ganzoo export {output_dir} -o DIR")
    return model, info


def _entry_network(name, family, resolution, channels):
    """Zoo entry `name`'s network config, for a run of `family` at `resolution` and `channels` (None: the
    entry's); ValueError where they differ."""
    from ganzoo import zoo

    entry = zoo.get_entry(name)
    if entry["family"] != family:
        raise ValueError(f"{name} is a {entry['family']}, not a {family}: train `ganzoo train {entry['family']} "
                         f"--like {name}`.")
    config = zoo.network_config(entry["config"])
    for key, asked in (("resolution", resolution), ("channels", channels)):
        if asked is not None and asked != config[key]:
            raise ValueError(f"{name} works at {key} {config[key]}, not {asked}: leave --{key} out with --like.")
    return config


def frozen_layers(discriminator, count):
    """The first `count` layers of D that hold weights (its input side), batch norms counted with
    the convolution they follow, as FreezeD (Mo et al. 2020) freezes them."""
    from keras import layers

    chosen, blocks = [], 0
    for layer in discriminator.layers:
        if not layer.weights:
            continue
        if not isinstance(layer, layers.BatchNormalization):
            if blocks == count:
                break
            blocks += 1
        chosen.append(layer)
    if blocks < count:
        raise ValueError(f"freeze_d={count}: the discriminator has only {blocks} layers with weights; freeze fewer.")
    return chosen


def _freeze_d_callback(count):
    import keras

    class FreezeD(keras.callbacks.Callback):
        """Freezes D's first `count` layers before the step is traced, on every start and resume."""

        def on_train_begin(self, logs=None):
            for layer in frozen_layers(self.model.discriminator, count):
                layer.trainable = False

    return FreezeD()


def finetune_on_folder(name, data, *, steps=1000, batch_size=None, augment="auto", freeze_d=0, time_limit=None,
                       output_dir=None, strategy="auto", mixed_precision=None, seed=0, cache_dir=None,
                       verbose=None, command=None, manifest_path=None):
    """Adapt zoo entry `name` (its generator and its discriminator, so the game goes on where it
    stopped) to the images of folder `data`, at the entry's resolution and channels; returns
    (model, info) as train_on_folder does, and `ganzoo export` publishes the run.

    Made for small folders (a few hundred images), as transfer-learning GAN papers are:
    augment="auto" turns DiffAugment (color,translation,cutout) on below 5,000 images, so that D
    does not memorise them. freeze_d=N keeps D's first N layers (its input side) as the entry
    had them, as FreezeD does: fewer weights to fit to few images. An entry that ships its generator
    alone is refused (a fresh discriminator would undo the game). Default output folder:
    runs/<name>_<folder name>.
    """
    from ganzoo import hub, zoo

    entry = zoo.get_entry(name, manifest_path)
    family = entry["family"]
    if FOLDER_FAMILIES.get(family) != "images":
        image_families = ", ".join(f for f, kind in FOLDER_FAMILIES.items() if kind == "images")
        raise ValueError(f"`ganzoo finetune` adapts a generator that samples from noise ({image_families}) to one "
                         f"folder of images; {name} is a {family}. Train a {family} on your folders with "
                         f"`ganzoo train {family} --data DIR`.")
    ships_discriminator = any(record.get("role") == "training" for record in entry["files"])
    if not ships_discriminator and hub.read_config(hub.resolve(name, entry)).get("weights_scope", "gan") != "gan":
        raise ValueError(f"{name} ships its generator alone: fine-tuning it would pit it against a fresh "
                         "discriminator, which undoes the game (retrain the entry with its recipe so that its "
                         "discriminator ships, or pick an entry whose files include discriminator.weights.h5).")
    config = zoo.network_config(entry["config"])
    if isinstance(freeze_d, bool) or not isinstance(freeze_d, int) or freeze_d < 0:
        raise ValueError(f"freeze_d must be a whole number of layers >= 0, got {freeze_d!r}.")
    # training.train's continue_average stays False: the entry's average is of its own data, so on
    # yours it warms up afresh and the samples show your images after a few hundred steps
    start = {"name": name, "config": config, "freeze_d": freeze_d,
             "initialize": lambda model: zoo.initialize_from(model, name, manifest_path)}
    if output_dir is None:
        output_dir = Path("runs") / f"{name}_{Path(data).expanduser().resolve().name}"
    return train_on_folder(family, data, resolution=config["resolution"], channels=config["channels"], steps=steps,
                           batch_size=batch_size, augment=augment, time_limit=time_limit, output_dir=output_dir,
                           strategy=strategy, mixed_precision=mixed_precision, seed=seed, cache_dir=cache_dir,
                           verbose=verbose, command=command, _start=start)


def _preview_inputs(run_dir, family):
    path = Path(run_dir) / PREVIEW_FILE
    if not path.exists():
        return None
    import numpy as np

    with np.load(path) as archive:
        arrays = [archive[key] for key in sorted(archive.files, key=lambda k: int(k.split("_")[1]))]
    return tuple(arrays) if FOLDER_FAMILIES.get(family) == "domains" else arrays[0]


def export_run(run_dir, folder, name=None):
    """Write the checkpoint of a train() run (ganzoo train FAMILY --data DIR, or a recipe's
    OUTPUT_DIR) as a weights folder in the zoo's layout: config.json, model.weights.h5 (both
    players, so that fit can continue the game), samples.png and README.md, a model card with the
    training command. ganzoo.load(folder) and `ganzoo sample FOLDER` read it. Returns the folder."""
    from ganzoo import export, training

    run_dir, folder = Path(run_dir), Path(folder)
    if folder.resolve() == run_dir.resolve() or run_dir.resolve() in folder.resolve().parents:
        raise ValueError(f"-o {folder}: export outside the run folder {run_dir}.")
    if folder.is_file() or (folder.is_dir() and any(folder.iterdir()) and not (folder / "config.json").exists()):
        raise ValueError(f"-o {folder} exists and is not an exported model folder: give a new or empty folder.")
    model, step = training.load_checkpoint(run_dir)
    own = json.loads((run_dir / OWN_DATA_FILE).read_text()) if (run_dir / OWN_DATA_FILE).exists() else {}
    preview = _preview_inputs(run_dir, model.family)
    if preview is not None:
        model.preview_inputs = preview
    export.save_weights_folder(model, folder)
    record = run_dir / "training.json"
    trained = json.loads(record.read_text()) if record.exists() else {}
    if trained.get("steps") != step:  # a run killed or still going: what the checkpoint says
        trained = {"steps": step, "batch_size": own.get("batch_size"), "hardware": training.hardware_description(),
                   "note": "Exported from the checkpoint of a run that had not finished."}
    name = name or folder.resolve().name
    data = own.get("data", "unknown")
    what = (f"{own['images']} images" if "images" in own else "its images") + (
        f" in {len(own['classes'])} classes ({', '.join(own['classes'])})" if own.get("classes") else "")
    entry = {
        "family": model.family,
        "description": (f"A {model.family} "
                        + (f"fine-tuned from the zoo entry {own['finetuned_from']} with `ganzoo finetune` "
                           if own.get("finetuned_from") else "trained with `ganzoo train` "
                           + (f"(the network of the zoo entry {own['network_of']}, from a random start) "
                              if own.get("network_of") else ""))
                        + f"on {what} of the folder `{Path(data).name}`; `ganzoo.load` takes this folder's path."),
        "config": model.get_config(),
        "dataset": {"name": Path(data).name, "split": "all",
                    "license": "that of the images in the folder (their owner's terms)",
                    "description": f"{what} from {data}"
                                   + (f" and {own['data_b']}" if own.get("data_b") else "")
                                   + (f" at {own['resolution']}x{own['resolution']}" if "resolution" in own else "")
                                   + (f", DiffAugment {own['augment']}" if own.get("augment") else "") + "."},
        "recipe": "ganzoo/own_data.py",
        "command": own.get("command", f"ganzoo.training.train (run folder {run_dir}; no command recorded)"),
        "training": trained,
        "metrics": {},
        "limitations": "Trained on one folder of pictures: it makes images like those and nothing else, "
                       "and copies them when the folder is small; check the samples against the folder "
                       "(ganzoo metrics FOLDER THIS_FOLDER measures FID, precision and recall).",
    }
    (folder / "README.md").write_text(export.model_card(name, entry))
    return folder
