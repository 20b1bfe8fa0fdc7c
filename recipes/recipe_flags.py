"""Flags and the run() every recipe shares (absl). A recipe supplies its data and defaults.

    python recipes/dcgan_mnist.py --steps=6000 --output_dir=runs/dcgan_mnist --export

Killed and started again with the same flags, a run resumes from its last checkpoint
(output_dir/backup). With --export it writes weights/<name>/ and its manifest entry.
"""

import json
import os
import shlex
import sys
from pathlib import Path

from absl import flags

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

FLAGS = flags.FLAGS
flags.DEFINE_string("data_dir", None, "Data folder (default: $GANZOO_DATA_DIR, then ../shared/data).")
flags.DEFINE_enum("source", "auto", ["auto", "local", "tfds"], "Local files, TFDS, or local with TFDS fallback.")
flags.DEFINE_integer("steps", None, "Generator steps to train for (recipe default if unset).", lower_bound=1)
flags.DEFINE_integer("batch_size", None, "Global batch size (recipe default if unset).", lower_bound=1)
flags.DEFINE_float("g_learning_rate", None, "Generator Adam learning rate (published value if unset).")
flags.DEFINE_float("d_learning_rate", None, "Discriminator Adam learning rate (published value if unset).")
flags.DEFINE_float("beta_1", None, "Adam beta_1 for both players (published value if unset).")
flags.DEFINE_string("output_dir", None, "Checkpoints, sample grids, logs (default runs/<name>).")
flags.DEFINE_integer("seed", 0, "Random seed for weights, latents and shuffling.")
flags.DEFINE_enum("strategy", "auto", ["auto", "one_device", "mirrored", "multi_worker", "tpu"],
                  "tf.distribute strategy (TensorFlow backend).")
flags.DEFINE_enum("mixed_precision", "none", ["none", "float16", "bfloat16"],
                  "Mixed precision: float16 (with loss scaling) or bfloat16 compute, float32 variables.")
flags.DEFINE_enum("jit_compile", "auto", ["auto", "on", "off"],
                  "XLA for the train step (auto: on for TensorFlow with a GPU, off on CPUs).")
flags.DEFINE_integer("steps_per_epoch", 500, "Steps between checkpoints and sample grids.", lower_bound=1)
flags.DEFINE_float("time_limit", None, "Seconds: stop at the last checkpoint before this (judged by the "
                   "longest epoch so far); the same command run again resumes there (for machines lent by the "
                   "minute). Exports only once all steps ran.")
flags.register_validator("time_limit", lambda seconds: seconds is None or seconds > 0,
                         message="--time_limit must be a positive number of seconds.")
flags.DEFINE_bool("export", False, "Write weights/<name>/ and the manifest entry at the end.")
flags.DEFINE_integer("snapshot_every", None, "Keep a copy of the checkpoint each time training passes a multiple "
                     "of this many steps (output_dir/snapshots), to measure or export an earlier step later.",
                     lower_bound=1)
flags.DEFINE_integer("export_snapshot", None, "With --export: once the run has finished, export its snapshot "
                     "at this step instead of its last step (a run that got worse late).", lower_bound=1)
flags.DEFINE_string("export_dir", None, "Where --export writes (default weights/<name>).")
flags.DEFINE_string("manifest", str(REPO_ROOT / "weights_manifest.json"), "Manifest --export updates.")
flags.DEFINE_string("init_from", None, "Start a fresh run from this zoo entry's weights, discriminator included "
                    "(same family and config): more steps for a published entry without training from zero.")
flags.DEFINE_string("init_snapshot", None, "Start a fresh run from another run's snapshot, RUN_DIR:STEP (its "
                    "--snapshot_every copies): layers of the same name and shapes take its weights, the others (a layer "
                    "the new config adds) start fresh; the optimizers and the learning-rate schedule start afresh.")
flags.DEFINE_integer("discriminator_warmup", 0, "With --init_from an entry that shipped its generator alone: "
                     "this many first steps train only a new discriminator against the frozen generator (G's "
                     "learning rate 0), then the game goes on.", lower_bound=0)
flags.DEFINE_string("augment", None, "DiffAugment policy before D, e.g. color,translation,cutout (off if unset; "
                    "the families that generate from noise).")
flags.DEFINE_float("augment_target", None, "With --augment: adapt its probability p as ADA does, towards this "
                   "r_t = E[sign(D(real))] (ADA: 0.6); p starts at 1 (the family's augment_p).")
flags.DEFINE_float("top_k", None, "Top-k training (Sinha et al. 2020): the least share of each generated batch G "
                   "learns from, those D rates most real (0.5 to 0.75 in the paper; gan, dcgan, lsgan, wgan_gp).")
flags.DEFINE_float("top_k_decay", None, "With --top_k: the factor on the share every 1,000 generator steps, from 1 "
                   "down to --top_k (default 0.99, the paper's per epoch; 0: --top_k at once).")

# FID of 28x28 digits: the Inception network runs at ~5 images/s on a 2-core CPU, so the
# MNIST entries compare 2,000 samples with the first 2,000 test digits (state it with the value).
MNIST_FID = {"dataset": "mnist", "split": "test", "n_real": 2000, "n_samples": 2000}
FASHION_MNIST_FID = dict(MNIST_FID, dataset="fashion_mnist")

# The MNIST entries (gan, dcgan, infogan; cgan reads the labels too) share their data and its card text.
MNIST_DATASET = {"name": "mnist", "split": "train", "card_license": "cc-by-sa-3.0",
                 "license": "CC BY-SA 3.0 (MNIST, LeCun, Cortes, Burges)",
                 "description": "the 60,000 training digits, 28x28 grayscale."}


def load_mnist_digits(data_dir, source):
    from ganzoo import data

    images, _ = data.load("mnist", "train", data_dir=data_dir, source=source)
    return images


# Flags that decide where a run pauses or which manifest file it writes, not what it computes
# (scripts/device_recipe.sh gives each recipe a manifest of its own, so recipes can share a machine).
UNRECORDED_FLAGS = ("time_limit", "manifest")


def recorded_command():
    """The command line as it was run, with the path relative to the repository; without
    UNRECORDED_FLAGS."""
    script = os.path.relpath(os.path.abspath(sys.argv[0]), REPO_ROOT)
    args, skip_value = [], False
    for arg in sys.argv[1:]:
        if skip_value or arg.lstrip("-").split("=")[0] in UNRECORDED_FLAGS:
            skip_value = arg.lstrip("-") in UNRECORDED_FLAGS  # "--time_limit 600": the value follows
            continue
        args.append(arg)
    return " ".join(["python", shlex.quote(script), *map(shlex.quote, args)])


def run_folder(name, run_dir=None):
    """The run's folder: --output_dir, else run_dir, else runs/<name>."""
    return Path(FLAGS.output_dir or run_dir or REPO_ROOT / "runs" / name)


def run(name, family, config, load_images, *, steps, batch_size, dataset, description,
        evaluation, limitations=None, generator_only=False, weights_dtype="float32", training_weights_dtype=None,
        compile_kwargs=None, preview_inputs=None, initialize=None, callbacks=(), run_dir=None):
    """Train `family(**config)` on load_images(data_dir, source) and optionally export it.

    run_dir: the output folder when --output_dir is not given (default runs/<name>), for recipes that
    train one entry in several runs (StackGAN's two stages);
    compile_kwargs: the family's own compile arguments (e.g. CycleGAN's total_steps);
    preview_inputs: (data_dir, source) -> the images that translation families show in grids;
    initialize: model -> None, run on a fresh start (SRGAN loads SRResNet's weights);
    callbacks: more Keras callbacks for fit (e.g. a learning-rate drop).
    """
    from ganzoo import export, training, zoo
    from ganzoo.callbacks import TrainingDiverged
    from ganzoo.distribute import is_chief

    if FLAGS.export_snapshot is not None and not FLAGS.export:
        raise SystemExit("--export_snapshot says which step --export writes: add --export.")
    if FLAGS.discriminator_warmup and not FLAGS.init_from:
        raise SystemExit("--discriminator_warmup warms a new discriminator up against a published generator: "
                         "give the entry with --init_from.")
    images = load_images(FLAGS.data_dir, FLAGS.source)
    steps = steps if FLAGS.steps is None else FLAGS.steps  # (the flags' bounds refuse 0 and below)
    compile_kwargs = {**{k: v(steps) if callable(v) else v for k, v in (compile_kwargs or {}).items()},
                      **{k: v for k, v in {"g_learning_rate": FLAGS.g_learning_rate,
                                           "d_learning_rate": FLAGS.d_learning_rate,
                                           "beta_1": FLAGS.beta_1}.items() if v is not None}}
    batch_size = batch_size if FLAGS.batch_size is None else FLAGS.batch_size
    if FLAGS.top_k_decay is not None and FLAGS.top_k is None:
        raise SystemExit("--top_k_decay says how fast top-k training reaches --top_k: add --top_k.")
    config = {**config, **{k: v for k, v in {"augment": FLAGS.augment or None, "augment_target": FLAGS.augment_target,
                                             "top_k": FLAGS.top_k, "top_k_decay": FLAGS.top_k_decay}.items()
                           if v is not None}}
    output_dir = run_folder(name, run_dir)
    if FLAGS.init_from and FLAGS.init_snapshot:
        raise SystemExit("--init_from and --init_snapshot both say where a run starts: give one.")
    if FLAGS.init_from:
        initialize = _initialize_from(FLAGS.init_from, output_dir)
    if FLAGS.init_snapshot:
        initialize = _initialize_from_snapshot(FLAGS.init_snapshot, output_dir)
    if FLAGS.discriminator_warmup:
        from ganzoo.callbacks import DiscriminatorWarmup
        from ganzoo.families import get_family

        rate = get_family(family).learning_rates(**compile_kwargs)["generator"]  # what compile will give G
        callbacks = (*callbacks, DiscriminatorWarmup(FLAGS.discriminator_warmup, rate))
    try:
        model, info = training.train(
            family, config, images, steps=steps, batch_size=batch_size, output_dir=output_dir,
            seed=FLAGS.seed, strategy=FLAGS.strategy, steps_per_epoch=FLAGS.steps_per_epoch,
            compile_kwargs=compile_kwargs, mixed_precision=FLAGS.mixed_precision, jit_compile=FLAGS.jit_compile,
            preview_inputs=preview_inputs(FLAGS.data_dir, FLAGS.source) if preview_inputs else None,
            initialize=initialize, extra_callbacks=callbacks, time_limit=FLAGS.time_limit,
            snapshot_every=FLAGS.snapshot_every,
            continue_average=bool(FLAGS.init_from))  # more steps of the entry: its average goes on
    except TrainingDiverged as e:  # the message, and exit status 1: nothing exported
        raise SystemExit(f"{name}: {e}") from None
    if info["steps"] < steps:
        print(f"{name}: stopped by --time_limit at step {info['steps']} of {steps}; the checkpoint is in "
              f"{output_dir / 'backup'}: run the same command again to go on.")
        return model
    if FLAGS.init_from and FLAGS.discriminator_warmup >= steps:
        # only the new discriminator trained: the generator ships exactly as the entry had it (G's
        # batch-norm statistics, which training-mode passes move even at learning rate 0, included)
        zoo.initialize_from(model, FLAGS.init_from, FLAGS.manifest, fresh_discriminator=True)
    if (output_dir / INITIALIZED_FROM).exists():  # recorded when the run started, for its card
        info = {**info, "initialized_from": json.loads((output_dir / INITIALIZED_FROM).read_text())}
    if FLAGS.export_snapshot is not None:
        model, info = _snapshot(model, info, output_dir)
    if FLAGS.export and is_chief():  # one writer of weights/ and the manifest
        folder = Path(FLAGS.export_dir or REPO_ROOT / "weights" / name)
        export.save_weights_folder(model, folder, generator_only=generator_only, weights_dtype=weights_dtype,
                                   training_weights_dtype=training_weights_dtype)
        entry = export.build_entry(
            name, model, folder, description=description, dataset=dataset,
            recipe=os.path.relpath(os.path.abspath(sys.argv[0]), REPO_ROOT),
            command=recorded_command(), training=info, limitations=limitations, evaluation=evaluation)
        zoo.write_entry(name, entry, FLAGS.manifest)
        print(f"exported {name} to {folder} and weights_manifest.json")
    return model


INITIALIZED_FROM = "initialized_from.json"


def _snapshot(model, info, output_dir):
    """(model, training record) of the finished run's snapshot at --export_snapshot."""
    from ganzoo import training

    try:
        snapshot, step = training.load_checkpoint(output_dir, step=FLAGS.export_snapshot)
    except FileNotFoundError as e:
        raise SystemExit(f"--export_snapshot: {e}") from None
    snapshot.preview_inputs = getattr(model, "preview_inputs", None)  # the faces its pictures edit
    # the run's record, scaled to the snapshot's step; timings are the whole run's, so left out
    record = {k: v for k, v in info.items() if not k.startswith("wall_time")}
    record.update(steps=step, epochs_of_data=round(info["epochs_of_data"] * step / info["steps"], 2),
                  snapshot_of_run={"steps": info["steps"], **{k: v for k, v in info.items() if k.startswith("wall_time")}})
    return snapshot, record


def _initialize_from(entry_name, output_dir):
    """initialize(model) for --init_from: the entry's weights, and a record of what they were
    (their files' sha256 and the command that made them) beside the run, for the export's card."""
    from ganzoo import zoo

    if (output_dir / INITIALIZED_FROM).exists():  # a resumed run: the checkpoint holds the weights
        return None  # (and the entry may have been replaced or withdrawn since)
    source_entry = zoo.get_entry(entry_name, FLAGS.manifest)  # a clear error for an unknown name, first

    def initialize(model):
        zoo.initialize_from(model, entry_name, FLAGS.manifest, fresh_discriminator=FLAGS.discriminator_warmup > 0)
        record = {"entry": entry_name, "command": source_entry["command"],
                  "files": {r["path"]: r["sha256"] for r in source_entry["files"] if r["path"].endswith(".h5")},
                  "steps": source_entry.get("training", {}).get("steps"),
                  **({"discriminator_warmup": FLAGS.discriminator_warmup} if FLAGS.discriminator_warmup else {})}
        output_dir.mkdir(parents=True, exist_ok=True)
        (output_dir / INITIALIZED_FROM).write_text(json.dumps(record, indent=2) + "\n")

    return initialize


def _initialize_from_snapshot(spec, output_dir):
    """initialize(model) for --init_snapshot=RUN_DIR:STEP, recording the snapshot (its file's sha256, the
    source run's config) and the layers that started fresh beside the run, for the export's card."""
    from ganzoo import training
    from ganzoo.hub import sha256_of

    if (output_dir / INITIALIZED_FROM).exists():  # a resumed run: the checkpoint holds the weights
        return None
    run_dir, _, step = spec.rpartition(":")
    if not run_dir or not step.isdigit():
        raise SystemExit(f"--init_snapshot={spec}: expected RUN_DIR:STEP, e.g. runs/stargan_celeba:40000.")
    try:
        snapshot = training.snapshot_file(run_dir, step)
    except FileNotFoundError as e:
        raise SystemExit(f"--init_snapshot: {e}") from None

    def initialize(model):
        try:
            fresh = training.initialize_from_snapshot(model, run_dir, int(step))
        except ValueError as e:
            raise SystemExit(f"--init_snapshot: {e}") from None
        source_run = json.loads((Path(run_dir) / training.RUN_FILE).read_text())
        record = {"snapshot": str(snapshot), "steps": int(step),
                  "sha256": sha256_of(snapshot),
                  "config": source_run.get("config"), "fresh_layers": fresh}
        print(f"started from {snapshot}; layers with fresh weights: {fresh or 'none'}")
        output_dir.mkdir(parents=True, exist_ok=True)
        (output_dir / INITIALIZED_FROM).write_text(json.dumps(record, indent=2) + "\n")

    return initialize


def export_classifier(name, model, num_classes, image_shape, accuracy, *, epochs, description, dataset, classes=None,
                      multi_label=False, per_class=None):
    """Write weights/<name>/ (weights, config, card) and the manifest's `evaluators` entry.
    multi_label: one sigmoid per class (accuracy is then the mean balanced accuracy, and
    per_class {class: balanced accuracy} goes in the metrics too)."""
    from ganzoo import export, training, zoo
    from ganzoo.metrics.classifier import build_classifier

    folder = Path(FLAGS.export_dir or REPO_ROOT / "weights" / name)
    folder.mkdir(parents=True, exist_ok=True)
    twin = build_classifier(num_classes, tuple(image_shape))  # uncompiled: no optimizer slots in the file
    twin.set_weights(model.get_weights())
    twin.save_weights(folder / "model.weights.h5")
    config = {"num_classes": num_classes, "image_shape": list(image_shape), **({"classes": classes} if classes else {}),
              **({"multi_label": True} if multi_label else {})}
    (folder / "config.json").write_text(json.dumps({"family": "classifier", "config": config}, indent=2))
    entry = {
        "family": "classifier",
        "description": description,
        "config": config,
        "dataset": dataset,
        "hub": {"repo_id": f"{export.HUB_ORG}/{name}", "revision": export.HUB_REVISION},
        "recipe": os.path.relpath(os.path.abspath(sys.argv[0]), REPO_ROOT),
        "command": recorded_command(),
        "training": {"epochs": epochs, "batch_size": FLAGS.batch_size or 128,
                     "hardware": training.hardware_description(), "seed": FLAGS.seed},
        "metrics": {("test_balanced_accuracy" if multi_label else "test_accuracy"): {
                        "value": round(float(accuracy), 4), "command": recorded_command()},
                    **{f"test_balanced_accuracy/{label}": {"value": value, "command": recorded_command()}
                       for label, value in (per_class or {}).items()}},
        "files": [],
    }
    export.refresh_card(name, entry, folder)
    zoo.write_entry(name, entry, FLAGS.manifest, section="evaluators")
    print(f"exported {name} to {folder}")
