"""Keras callbacks for GAN training: sample grids written as training goes, snapshots of the
checkpoint, a learning-rate drop, a discriminator warm-up, a time limit, a stop on diverged losses."""

import math
import shutil
import time
from pathlib import Path

import keras
import numpy as np

from ganzoo import images


class SampleGrid(keras.callbacks.Callback):
    """Every `every` epochs, write a grid of samples from fixed latents to PNG.

    The latents are fixed (one seed), so the files show one set of images evolving.
    """

    def __init__(self, folder, n=64, seed=0, every=1, scale=2):
        super().__init__()
        self.folder, self.n, self.seed, self.every, self.scale = Path(folder), n, seed, every, scale

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        step = int(keras.ops.convert_to_numpy(self.model.g_optimizer.iterations))
        self.model.refresh_ema_statistics()  # no effect on training: G's are copied each step
        grid = self.model.preview_grid(self.n, seed=self.seed)
        images.save_png(grid, self.folder / f"step_{step:07d}.png", scale=self.scale)


class Snapshots(keras.callbacks.Callback):
    """Each time training passes a multiple of `every` generator steps, a copy of the checkpoint that
    BackupAndRestore has just written (it comes first in the list) as folder/step_NNNNNNN.weights.h5:
    a run that degrades late (a discriminator that wins) can still be measured and exported at an
    earlier step (training.load_checkpoint(run, step=...))."""

    def __init__(self, checkpoint, folder, every):
        super().__init__()
        self.checkpoint, self.folder, self.every = Path(checkpoint), Path(folder), every

    def _step(self):
        return int(keras.ops.convert_to_numpy(self.model.g_optimizer.iterations))

    def on_train_begin(self, logs=None):
        self.last = self._step()  # a resumed run: the checkpoint's step, restored just before

    def on_epoch_end(self, epoch, logs=None):
        step = self._step()
        if step // self.every > self.last // self.every:
            self.folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.checkpoint, self.folder / f"step_{step:07d}.weights.h5")
        self.last = step


class LearningRateDrop(keras.callbacks.Callback):
    """The generator's learning rate: `rate` before epoch `drop_epoch`, rate * factor from it on.

    Set at every epoch's start (so a resumed run sets it too) on the optimizer's own rate
    variable, which checkpoints hold either way; unlike a schedule object, that keeps
    checkpoints from before and after the change interchangeable. Nothing goes to the logs.
    """

    def __init__(self, drop_epoch, rate, factor=0.1):
        super().__init__()
        self.drop_epoch, self.rate, self.factor = drop_epoch, rate, factor

    def on_epoch_begin(self, epoch, logs=None):
        self.model.g_optimizer.learning_rate = self.rate * (self.factor if epoch >= self.drop_epoch else 1.0)


@keras.saving.register_keras_serializable(package="ganzoo")
class ZeroForFirstSteps(keras.optimizers.schedules.LearningRateSchedule):
    """`schedule`'s learning rate, but 0 for the optimizer's first `steps` steps (DiscriminatorWarmup)."""

    def __init__(self, schedule, steps):
        self.schedule, self.steps = schedule, int(steps)

    def __call__(self, step):
        rate = keras.ops.cast(self.schedule(step), "float32")
        return keras.ops.where(keras.ops.cast(step, "float32") < self.steps, keras.ops.zeros_like(rate), rate)

    def get_config(self):
        return {"schedule": keras.saving.serialize_keras_object(self.schedule), "steps": self.steps}

    @classmethod
    def from_config(cls, config):
        return cls(keras.saving.deserialize_keras_object(config["schedule"]), config["steps"])


class DiscriminatorWarmup(keras.callbacks.Callback):
    """The generator's learning rate is 0 for its first `steps` optimizer steps, then `rate`: the
    discriminator learns a generator that arrived without one (an entry that shipped its generator
    alone) before the game goes on, instead of a fresh D giving G the gradients of a blind judge.

    G's steps still run, so its Adam moments, the average's ramp and R1's interval count them
    (unchanged weights leave the moving average where it was). Checked before every batch, on
    the optimizer's own step count, so a run resumed in the middle of the warm-up keeps to it."""

    def __init__(self, steps, rate):
        super().__init__()
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise ValueError(f"DiscriminatorWarmup needs a whole number of steps >= 1, got {steps!r}.")
        self.steps, self.rate, self._warming, self._scheduled = steps, rate, None, False

    def on_train_begin(self, logs=None):
        # A family that compiles G's rate as a schedule (CycleGAN's, StarGAN's decay) has no rate to
        # set: the schedule is wrapped to give 0 for the first steps instead (before the step is traced).
        optimizer = getattr(self.model.g_optimizer, "inner_optimizer", self.model.g_optimizer)  # loss scaling
        schedule = getattr(optimizer, "_learning_rate", None)
        if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
            if not isinstance(schedule, ZeroForFirstSteps):
                optimizer._learning_rate = ZeroForFirstSteps(schedule, self.steps)
            self._scheduled = True

    def on_train_batch_begin(self, batch, logs=None):
        if self._scheduled:
            return
        warming = int(keras.ops.convert_to_numpy(self.model.g_optimizer.iterations)) < self.steps
        if warming != self._warming:  # set only when it changes: the rate is a variable of the optimizer
            self.model.g_optimizer.learning_rate = 0.0 if warming else self.rate
            self._warming = warming


class TimeLimit(keras.callbacks.Callback):
    """Stop training at the last epoch end that `seconds` of it allow: where another epoch as long as
    the longest so far (each timed without its first batch, which compiles) would end past them (the
    first epoch always runs). The epoch's checkpoint is written (BackupAndRestore comes first in the
    list), so running the same training again resumes there. For machines lent by the minute and
    sessions that end: a leg pauses before the time is up, not an epoch after it."""

    def __init__(self, seconds):
        super().__init__()
        if not seconds > 0:
            raise ValueError(f"TimeLimit needs a positive number of seconds, got {seconds!r}.")
        self.seconds = seconds

    def on_train_begin(self, logs=None):
        self.start = time.monotonic()
        self.longest_epoch = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start, self.first_batch_end, self.batches = time.monotonic(), None, 0

    def on_train_batch_end(self, batch, logs=None):
        if self.first_batch_end is None:
            self.first_batch_end = time.monotonic()
        self.batches += 1

    def on_epoch_end(self, epoch, logs=None):
        now = time.monotonic()
        duration = now - self.epoch_start
        if self.batches > 1:  # the first batch carries the step's tracing and compilation (a minute under
            # XLA on a GPU): time the others and scale them to the whole epoch, else a leg stops that long early
            duration = (now - self.first_batch_end) * self.batches / (self.batches - 1)
        self.longest_epoch = max(self.longest_epoch, duration)
        if now + self.longest_epoch - self.start > self.seconds and epoch + 1 < self.params["epochs"]:
            self.model.stop_training = True


class TrainingDiverged(RuntimeError):
    """The losses of a training run became NaN, infinite or absurdly large."""


class StopOnDivergence(keras.callbacks.Callback):
    """Raise TrainingDiverged after the first batch whose logs hold a NaN, an infinity or a value
    beyond +-`limit`.

    Unlike keras.callbacks.TerminateOnNaN it raises rather than setting stop_training: Keras
    still ends the epoch after stop_training, and BackupAndRestore would checkpoint the broken
    weights. Put it first in the list, so no other callback sees the epoch. The logs are the
    epoch's running means: once a batch diverges they stay off the scale.

    The limit: the objectives of these families are O(1) to O(100) in a healthy run (softplus,
    hinge or squares of logits, L1 x 100, critic values with a x10 gradient penalty). A loss past
    1e6 means logits in the millions, where sigmoids saturate and a loss can read exactly 0.0
    (D at a learning rate of 1e6: G's loss 1e14, D's 0.0): the run has diverged though finite.
    """

    def __init__(self, limit=1e6, hint=""):
        super().__init__()
        if not limit > 0:
            raise ValueError(f"StopOnDivergence needs a positive limit, got {limit!r}.")
        self.limit, self.hint = limit, hint

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        values = {}
        for key, value in (logs or {}).items():
            try:  # multi-worker logs have shape (1,)
                values[key] = float(np.asarray(keras.ops.convert_to_numpy(value)).reshape(-1)[0])
            except (TypeError, ValueError, IndexError):
                continue
        bad = {k: v for k, v in values.items() if not math.isfinite(v) or abs(v) > self.limit}
        if not bad:
            return
        step = int(keras.ops.convert_to_numpy(self.model.g_optimizer.iterations))
        kind = ("NaN or infinite" if any(not math.isfinite(v) for v in bad.values())
                else f"beyond {self.limit:g} in size")
        shown = ", ".join(f"{k} = {v:.4g}" for k, v in values.items())
        raise TrainingDiverged(
            f"Training diverged at step {step} (epoch {getattr(self, 'epoch', 0) + 1}, batch {batch + 1}): "
            f"losses {kind} ({shown}; the epoch's running means). Stopped before this epoch was "
            f"checkpointed; nothing is exported. Lower the learning rates.{' ' + self.hint if self.hint else ''}")
