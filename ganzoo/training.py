"""The training driver every recipe shares: strategy, model, fit with checkpoints, export.

Resumable: `keras.callbacks.BackupAndRestore` checkpoints the whole state (both
networks, both optimizers, the latent seed generator, the epoch) every epoch, and the
input stream is a function of (seed, step) (ganzoo.pipeline), so a killed run started
again with the same arguments continues where it stopped and ends in the state an
uninterrupted run reaches.
"""

import contextlib
import json
import math
import numbers
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import keras

from ganzoo import callbacks as gz_callbacks
from ganzoo import pipeline
from ganzoo.core.gan import check_finite_weights, check_positive_int
from ganzoo.images import check_uint8_images
from ganzoo.distribute import get_strategy, is_chief, worker_task
from ganzoo.families import get_family


def hardware_description():
    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            return f"1x {torch.cuda.get_device_name(0)} (torch {torch.__version__})"
    elif backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            return f"{len(gpus)}x GPU (tensorflow {tf.__version__})"
    elif backend == "jax":
        import jax

        gpus = [device for device in jax.devices() if device.platform == "gpu"]
        if gpus:
            return f"{len(gpus)}x {gpus[0].device_kind} (jax {jax.__version__})"
    return f"CPU, {os.cpu_count()} cores, {platform.machine()} ({backend} backend)"


def resolve_jit_compile(choice="auto"):
    """XLA for the train step: 'on', 'off', or 'auto' = on for TensorFlow with a GPU, and always
    on JAX (Keras' default there: without it every op of the step is dispatched on its own).

    Auto follows what benchmarks/train_throughput.py measured (README, "Speed"): on the
    project's 2-core CPU XLA made the DCGAN-64 step 0.78x as fast.
    """
    if choice not in ("auto", "on", "off", True, False):
        raise ValueError(f"jit_compile must be 'auto', 'on' or 'off', got {choice!r}.")
    if choice in ("on", True) or (choice == "auto" and keras.backend.backend() == "jax"):
        return True
    if choice in ("off", False) or keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def resumed_epoch(backup_dir):
    """The epoch a BackupAndRestore checkpoint in backup_dir resumes at (0 without one)."""
    metadata = Path(backup_dir) / "training_metadata.json"
    if not (metadata.exists() and (Path(backup_dir) / "latest.weights.h5").exists()):
        return 0
    return int(json.loads(metadata.read_text())["epoch"])


RUN_FILE = "run.json"
MIN_EPOCH_STEPS = 100  # the shortest checkpoint interval a small data set gets (unless steps_per_epoch asks less)


def _recordable(compile_kwargs):
    """The compile arguments as JSON, or None where they hold objects JSON cannot (a schedule, an optimizer).

    load_checkpoint compiles with them because a learning-rate schedule leaves the optimizer without
    the variable a constant rate has, and Keras skips loading an optimizer whose variables do not
    match, its step count with it. Without them it compiles with the defaults: the weights load."""
    try:
        json.dumps(compile_kwargs)
    except TypeError:
        return None
    return compile_kwargs


SNAPSHOTS = "snapshots"


def snapshot_steps(output_dir):
    """The generator steps of the snapshots a train(snapshot_every=...) run kept, in order."""
    folder = Path(output_dir) / SNAPSHOTS
    return sorted(int(path.name[len("step_"):-len(".weights.h5")]) for path in folder.glob("step_*.weights.h5"))


def snapshot_file(output_dir, step):
    """The path of a run's snapshot at `step`, or a FileNotFoundError naming the steps it has."""
    output_dir = Path(output_dir)
    weights = output_dir / SNAPSHOTS / f"step_{int(step):07d}.weights.h5"
    if not weights.exists():
        kept = snapshot_steps(output_dir) if output_dir.is_dir() else []
        raise FileNotFoundError(f"{output_dir} has no snapshot at step {step}; it has "
                                + (f"snapshots at steps {', '.join(map(str, kept))}." if kept else
                                   "none (train with snapshot_every, the recipes' --snapshot_every)."))
    return weights


def load_checkpoint(output_dir, step=None):
    """(model, generator steps trained) from the checkpoint a train() run keeps in output_dir,
    while it runs or after it stopped, e.g. to measure a long run on its way; with `step`, from
    its snapshot at that step instead (train(snapshot_every=...))."""
    output_dir = Path(output_dir)
    run = output_dir / RUN_FILE
    weights = output_dir / "backup" / "latest.weights.h5" if step is None else snapshot_file(output_dir, step)
    for path in (run, weights):
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: {output_dir} is not a train() output folder with a "
                                    "checkpoint.")
    spec = json.loads(run.read_text())
    model = get_family(spec["family"])(**spec["config"], seed=spec["seed"])
    model.compile(**(spec.get("compile") or {}))
    with tempfile.TemporaryDirectory() as folder:  # a copy: the run may rewrite the file meanwhile
        copy = Path(folder) / "checkpoint.weights.h5"
        shutil.copy(weights, copy)
        model.load_weights(str(copy))
    return model, int(keras.ops.convert_to_numpy(model.g_optimizer.iterations))


def initialize_from_snapshot(model, output_dir, step):
    """Copy the weights of another run's snapshot at `step` (load_checkpoint) into `model`, network by
    network and layer by layer where the name and the weights' shapes agree: a run of a changed
    architecture (a layer added) goes on from a trained one. The names of `model`'s layers that kept
    their own weights, per network; a ValueError when the two have no layer in common."""
    source, _ = load_checkpoint(output_dir, step)
    targets = {"generator": model.generator, **model.training_networks()}
    sources = {"generator": source.generator, **source.training_networks()}
    fresh, copied = {}, 0
    for name, network in targets.items():
        if name not in sources:
            fresh[name] = [layer.name for layer in network.layers if layer.weights]
            continue
        theirs = {layer.name: layer for layer in sources[name].layers}
        for layer in network.layers:
            if not layer.weights:
                continue
            match = theirs.get(layer.name)
            values = match.get_weights() if match is not None else None
            if values is None or [v.shape for v in values] != [tuple(w.shape) for w in layer.weights]:
                fresh.setdefault(name, []).append(layer.name)
                continue
            layer.set_weights(values)
            copied += 1
    if not copied:
        raise ValueError(f"{output_dir}'s snapshot at step {step} shares no layer (name and shapes) with this model.")
    return fresh


def _legs(previous, start_step, seconds):
    """{"wall_time_s_legs": [...]} when this run resumed where the last recorded one (`previous`,
    None if none) paused (a time limit): the times of all legs so far. A leg that was killed
    records nothing, so a resume from an older checkpoint breaks the chain and only this leg is known."""
    if start_step == 0 or previous is None:
        return {}
    if previous.get("steps") != start_step:
        return {}
    return {"wall_time_s_legs": [*previous.get("wall_time_s_legs", [previous["wall_time_s_last_run"]]), seconds]}


def train(family, config, images, *, steps, batch_size, output_dir, seed=0, strategy="auto",
          steps_per_epoch=500, sample_every=1, compile_kwargs=None, extra_callbacks=(),
          verbose=None, mixed_precision=None, jit_compile="auto", preview_inputs=None, initialize=None,
          time_limit=None, loss_limit=1e6, continue_average=False, snapshot_every=None):
    """Train a family on uint8 images (numpy) for `steps` generator steps; returns (model, info).

    `images` may be a pair (images, labels) for the conditional families, or (inputs, targets)
    / (domain a, domain b) for the image-to-image ones; `preview_inputs` are the images those
    translate in the sample grids (held-out ones, so the grids show generalisation). Or `images`
    is a stream of batches (ganzoo.pipeline.stream_batches), as super-resolution's crops are.

    `initialize(model)` runs on a fresh start, after compile (a resumed run takes the checkpoint's).
    continue_average=True: the weights it starts from hold a published generator average, which
    goes on at its decay from the first step instead of warming up afresh (GAN.ema_ramp).

    Checkpoints live in output_dir/backup; sample grids in output_dir/samples; the loss
    history in output_dir/log.csv; with `snapshot_every` (steps), a copy of the checkpoint each time
    training passes a multiple of it, in output_dir/snapshots. `time_limit` (seconds): stop at the
    last epoch end it allows (another epoch as long as the longest so far would overrun it; the first
    always runs), keeping the checkpoint, so that the same call resumes; info["steps"] < steps says it did.
    A finished run keeps its last checkpoint too: the same call again takes no step and returns
    the trained model (e.g. to export it after a run without --export), and a call with more
    steps trains on from there.

    A run whose logged losses become NaN, infinite or larger than `loss_limit` in size raises
    callbacks.TrainingDiverged at that batch (its epoch is not checkpointed), and so does a run
    that ends with non-finite weights: a diverged model is never returned to be exported.
    """
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    steps_per_epoch = check_positive_int(steps_per_epoch, "steps_per_epoch")
    sample_every = check_positive_int(sample_every, "sample_every")
    if snapshot_every is not None:
        snapshot_every = check_positive_int(snapshot_every, "snapshot_every")
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, numbers.Real)
                                   or not time_limit > 0):
        raise ValueError(f"time_limit must be None or a positive number of seconds, got {time_limit!r}.")
    images, labels = images if isinstance(images, tuple) else (images, None)
    output_dir = Path(output_dir)
    if not is_chief():  # multi-worker: the other workers keep their own checkpoints and logs
        output_dir = output_dir / "workers" / "{}{}".format(*worker_task())
    output_dir.mkdir(parents=True, exist_ok=True)
    # what the checkpoint holds, so that load_checkpoint can rebuild it mid-run
    (output_dir / RUN_FILE).write_text(json.dumps({"family": family, "config": config, "seed": seed,
                                                   "compile": _recordable(compile_kwargs or {})}, indent=2))
    keras.utils.set_random_seed(seed)
    dist = get_strategy(strategy)
    if mixed_precision not in (None, "none", "float16", "bfloat16"):
        raise ValueError(f"mixed_precision must be None, 'float16' or 'bfloat16', got {mixed_precision!r}.")
    if mixed_precision in ("float16", "bfloat16"):  # variables stay float32; float16 scales losses
        keras.mixed_precision.set_dtype_policy(f"mixed_{mixed_precision}")
    # An epoch is a checkpoint interval: at most one pass over the data, so that a short
    # data set still checkpoints and draws a grid once per pass, but at least MIN_EPOCH_STEPS
    # (a folder of 400 images is 6 steps a pass: checkpoints and grids that often took ~85% of the time).
    scope = dist.scope() if dist is not None else contextlib.nullcontext()
    with scope:
        model = get_family(family)(**config, seed=seed)
        model.compile(jit_compile=resolve_jit_compile(jit_compile), **(compile_kwargs or {}))
    # batch_size is each critic step's; with fresh critic batches a step reads d_steps of them
    step_images = batch_size * model.batches_per_step
    streamed = hasattr(images, "batch_at")  # a stream of crops (super-resolution), not an array
    if not streamed and model.batches_per_step > 1 and step_images > len(images):  # else steps_per_pass says it
        raise ValueError(f"batch_size {batch_size} with a new batch for each of the {model.batches_per_step} critic "
                         f"steps (critic_batches='fresh') reads {step_images} images a step, more than the "
                         f"{len(images)} training images: lower batch_size, or use critic_batches='shared'.")
    data_steps = steps if streamed else pipeline.steps_per_pass(len(images), step_images)
    steps_per_epoch = min(steps_per_epoch, steps, max(data_steps, MIN_EPOCH_STEPS))
    epochs = math.ceil(steps / steps_per_epoch)
    start_step = resumed_epoch(output_dir / "backup") * steps_per_epoch
    batches = pipeline.training_batches(images, labels, step_images, seed, start_step)
    if initialize is not None and start_step == 0:  # e.g. SRGAN starts from SRResNet's weights
        initialize(model)
    model.ema_ramp = not continue_average  # on a resumed leg too: the checkpoint does not hold it
    if preview_inputs is not None:
        model.preview_inputs = preview_inputs
    # image-to-image families read inputs of another shape than the images they make
    if not streamed:
        check_uint8_images(images, getattr(model, "source_shape", model.image_shape), what="training images")
    # Kept after the run, paused or finished: what a rerun resumes from, or returns untouched.
    backup = output_dir / "backup"
    restart = (f"To train again, delete {output_dir} (a rerun resumes from the checkpoint in {backup}, "
               "optimizer settings included) or choose another output folder.")
    callbacks = [  # the divergence check first: it raises before any other callback sees the epoch
        gz_callbacks.StopOnDivergence(loss_limit, hint=restart),
        keras.callbacks.BackupAndRestore(str(backup), delete_checkpoint=False),
        *([gz_callbacks.Snapshots(backup / "latest.weights.h5", output_dir / SNAPSHOTS, snapshot_every)]
          if snapshot_every else []),
        keras.callbacks.CSVLogger(str(output_dir / "log.csv"), append=True),
        gz_callbacks.SampleGrid(output_dir / "samples", every=sample_every),
        *extra_callbacks,
        *([gz_callbacks.TimeLimit(time_limit)] if time_limit is not None else []),
    ]
    if verbose is None:  # a progress bar on a terminal, one line per epoch in a log
        verbose = 1 if sys.stdout.isatty() else 2
    start = time.time()
    # shuffle=False: the stream is already shuffled, by (seed, step)
    model.fit(batches, epochs=epochs, steps_per_epoch=steps_per_epoch, shuffle=False, callbacks=callbacks,
              verbose=verbose)
    trained = int(keras.ops.convert_to_numpy(model.g_optimizer.iterations))
    try:  # finite losses can still leave an infinity in a weight (or a batch-norm statistic)
        check_finite_weights(model, what=f"{family} after {trained} steps")
    except ValueError as e:
        raise gz_callbacks.TrainingDiverged(f"{e} Nothing is exported. {restart}") from None
    record = output_dir / "training.json"
    previous = json.loads(record.read_text()) if record.exists() else None
    if trained == start_step and previous is not None and previous.get("steps") == trained:
        return model, previous  # nothing ran (a finished run again, to export): no new leg
    seconds = round(time.time() - start, 1)
    info = {
        "steps": trained,
        "batch_size": batch_size,
        **({"batches_per_step": model.batches_per_step} if model.batches_per_step > 1 else {}),
        "epochs_of_data": round(trained * step_images / len(images), 2),  # what ran, not what was asked
        "wall_time_s_last_run": seconds,
        **_legs(previous, start_step, seconds),
        "hardware": hardware_description(),
        "backend": keras.backend.backend(),
        "strategy": strategy,
        "mixed_precision": mixed_precision or "none",
        "jit_compile": bool(model.jit_compile),
        "seed": seed,
    }
    record.write_text(json.dumps(info, indent=2))
    return model, info
