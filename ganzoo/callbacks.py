"""Keras callbacks for GAN training: sample grids written as training goes, a learning-rate
drop, a time limit."""

import time
from pathlib import Path

import keras

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


class TimeLimit(keras.callbacks.Callback):
    """Stop training at the first epoch end after `seconds` of it: the epoch's checkpoint is
    written (BackupAndRestore comes first in the list), so running the same training again
    resumes there. For machines lent by the minute."""

    def __init__(self, seconds):
        super().__init__()
        if not seconds > 0:
            raise ValueError(f"TimeLimit needs a positive number of seconds, got {seconds!r}.")
        self.seconds = seconds

    def on_train_begin(self, logs=None):
        self.start = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        if time.monotonic() - self.start >= self.seconds and epoch + 1 < self.params["epochs"]:
            self.model.stop_training = True
