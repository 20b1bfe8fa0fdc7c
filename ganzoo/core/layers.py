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


@keras.saving.register_keras_serializable(package="ganzoo")
class BatchNormalization(layers.BatchNormalization):
    """Keras' BatchNormalization, with the same variables, results and moving-average rule, that on the
    torch backend normalises channels-last maps with torch's fused batch norm.

    Keras computes a torch batch norm from generic ops (mean, variance, then the normalisation, each
    a pass with its own backward), which made batch norm the largest part of the gap between
    ganzoo's DCGAN step and a plain PyTorch one (benchmarks/torch_gap_profile.py). torch's kernel
    does it in one pass each way, on a channels-first view of the NHWC tensor (no copy), and returns
    the batch statistics it used, from which the moving averages follow Keras' rule (the biased
    variance), so that weights, moving statistics and samples agree across backends.
    Other backends, masks, renormalisation and other axes go to Keras' own code.
    """

    def call(self, inputs, training=None, mask=None):
        if keras.backend.backend() != "torch" or mask is not None or self.renorm or \
                self.axis not in (-1, len(inputs.shape) - 1):
            return super().call(inputs, training=training, mask=mask)
        import torch
        import torch.nn.functional as F

        x = ops.cast(inputs, keras.backend.result_type(inputs.dtype, "float32"))
        gamma = ops.cast(self.gamma, x.dtype) if self.scale else None
        beta = ops.cast(self.beta, x.dtype) if self.center else None
        channels_first = torch.movedim(x, -1, 1)  # a view: torch's kernel takes the channel at axis 1
        if training and self.trainable:
            # the kernel returns the batch mean and 1 / sqrt(biased variance + eps) it normalised with
            out, mean, inverse_std = torch.native_batch_norm(channels_first, gamma, beta, None, None, True, 0.0,
                                                             self.epsilon)
            variance = 1.0 / torch.square(inverse_std.detach()) - self.epsilon
            self.moving_mean.assign(ops.cast(self.moving_mean, x.dtype) * self.momentum
                                    + mean.detach() * (1.0 - self.momentum))
            self.moving_variance.assign(ops.cast(self.moving_variance, x.dtype) * self.momentum
                                        + variance * (1.0 - self.momentum))
        else:
            out = F.batch_norm(channels_first, ops.cast(self.moving_mean, x.dtype),
                               ops.cast(self.moving_variance, x.dtype), gamma, beta, training=False, eps=self.epsilon)
        return ops.cast(torch.movedim(out, 1, -1), self.compute_dtype)
