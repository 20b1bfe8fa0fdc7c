"""Small layers the families share that Keras does not have under these names."""

import keras
from keras import layers, ops


def instance_norm(name=None):
    """Instance normalisation (Ulyanov et al. 2016): each channel of each image normalised over
    H and W, then a learned per-channel scale and offset.

    GroupNormalization with one group per channel is exactly that. LayerNormalization over
    axes (1, 2) normalises the same way but learns a scale per pixel (tied to the image
    size) rather than per channel, and its torch backend rejects those axes.
    """
    return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)


@keras.saving.register_keras_serializable(package="ganzoo")
class ReflectionPadding2D(layers.Layer):
    """Pad H and W of NHWC images by mirroring them (without repeating the edge), as numpy's
    mode='reflect': CycleGAN's generator pads so to avoid dark borders from zero padding."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, x):
        p = self.padding
        return ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        return n, *(None if side is None else side + 2 * self.padding for side in (h, w)), c

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}
