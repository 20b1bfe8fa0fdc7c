"""ganzoo.core.layers.BatchNormalization: on torch it runs torch's fused kernel, and must give what
Keras' own layer gives (outputs, gradients, moving statistics) on every backend.
Runs on both backends (CI runs this file under KERAS_BACKEND=torch too)."""

import keras
import numpy as np
import pytest

from conftest import numpy
from ganzoo.core.gan import value_and_grad
from ganzoo.core.layers import BatchNormalization


@pytest.mark.parametrize("shape", [(16, 6, 6, 5), (32, 7)])
def test_it_matches_keras_batch_norm_in_both_modes(shape):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=shape) * 3 + 1).astype("float32")
    ours, theirs = BatchNormalization(momentum=0.9), keras.layers.BatchNormalization(momentum=0.9)
    for layer in (ours, theirs):
        layer.build(shape)
    theirs.set_weights([w + 0.1 * (i + 1) for i, w in enumerate(theirs.get_weights())])
    ours.set_weights(theirs.get_weights())
    weights = keras.ops.convert_to_tensor((np.arange(np.prod(shape)).reshape(shape) / np.prod(shape)).astype("float32"))
    for training in (True, False):
        results = []
        for layer in (ours, theirs):
            loss, grads = value_and_grad(
                lambda: keras.ops.sum(layer(keras.ops.convert_to_tensor(x), training=training) * weights),
                [layer.gamma, layer.beta])
            out = numpy(layer(keras.ops.convert_to_tensor(x), training=False))
            results.append((float(numpy(loss)), [numpy(g) for g in grads], out))
        (loss_a, grads_a, out_a), (loss_b, grads_b, out_b) = results
        assert loss_a == pytest.approx(loss_b, rel=1e-5, abs=1e-4)
        for a, b in zip(grads_a, grads_b):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(out_a, out_b, rtol=1e-5, atol=1e-5)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):  # the moving statistics moved alike
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(numpy(ours.moving_mean), 0.3)  # the training calls moved them from where they began


def test_it_serialises_as_a_ganzoo_layer():
    layer = BatchNormalization(momentum=0.8, name="bn")
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(again) is BatchNormalization and again.momentum == 0.8
