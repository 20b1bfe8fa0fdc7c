"""Keras callbacks for GAN training: sample grids written as training goes."""

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
