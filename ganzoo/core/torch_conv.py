"""A workaround for PyTorch's CPU convolution at batch 1.

Keras hands torch its (height, width, in, out) kernels as a permuted view. At batch 1 torch's CPU
backward (slow_conv2d) rejects such a view when the convolution has one output channel, as the
real/fake head of StarGAN's PatchGAN does: "grad_weight must be contiguous". So a
StarGAN batch of one face, or a short last batch cut into critic batches of one, stopped fit().
Making the view contiguous costs a copy of the kernel, small beside the activations.
"""

import keras


def use_contiguous_kernels():
    """Patch Keras' torch backend once, so that every convolution gets a contiguous kernel."""
    if keras.backend.backend() != "torch":
        return
    from keras.src.backend.torch import nn

    transpose = getattr(nn, "_transpose_conv_kernel", None)
    if transpose is None or getattr(transpose, "contiguous_kernels", False):
        return  # a Keras without the helper, or patched already

    def contiguous_transpose(kernel):
        return transpose(kernel).contiguous()

    contiguous_transpose.contiguous_kernels = True
    nn._transpose_conv_kernel = contiguous_transpose
