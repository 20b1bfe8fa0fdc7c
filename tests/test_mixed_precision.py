"""Mixed precision in the base class (TensorFlow pass only: torch has no float16 convolutions
on the CPU, where CI runs)."""

import keras
import numpy as np
import pytest

from conftest import TINY_GAN_CLS, TINY_STACKGAN, tiny_dcgan


@pytest.fixture
def policy():
    def use(name):
        keras.mixed_precision.set_dtype_policy(name)

    yield use
    keras.mixed_precision.set_dtype_policy("float32")


def test_float16_scales_the_loss_and_keeps_float32_variables(policy, tiny_images):
    policy("mixed_float16")
    gan = tiny_dcgan()
    gan.compile()
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    conv = gan.generator.get_layer("up0")
    assert conv.compute_dtype == "float16" and conv.kernel.dtype == "float32"
    assert all(v.dtype == "float32" for v in gan.generator.weights + gan.discriminator.weights)
    scaled = []
    for optimizer in (gan.g_optimizer, gan.d_optimizer):
        original = optimizer.scale_loss
        optimizer.scale_loss = lambda loss, original=original: scaled.append(1) or original(loss)
    before = [np.array(w) for w in gan.generator.trainable_weights]
    history = gan.fit(tiny_images, batch_size=16, epochs=1, verbose=0, steps_per_epoch=2)
    assert len(scaled) == 2  # both players' losses are scaled (traced once each)
    assert float(gan.g_optimizer.dynamic_scale) > 1.0
    assert np.isfinite(history.history["g_loss"][0])
    assert any(not np.allclose(a, np.array(b)) for a, b in zip(before, gan.generator.trainable_weights))
    images = gan.sample(3, seed=0)
    assert images.dtype == np.uint8 and images.shape == (3, 28, 28, 1)


def test_bfloat16_needs_no_loss_scale(policy, tiny_images):
    policy("mixed_bfloat16")
    gan = tiny_dcgan()
    gan.compile()
    assert not isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    history = gan.fit(tiny_images, batch_size=16, epochs=1, verbose=0, steps_per_epoch=2)
    assert np.isfinite(history.history["d_loss"][0])


@pytest.mark.parametrize("family, config, stages", [
    ("gan_cls", TINY_GAN_CLS, [None]), ("stackgan", TINY_STACKGAN, [1, 2])])
def test_text_to_image_families_train_and_sample_under_bfloat16(policy, family, config, stages):
    """Their conditioning networks compute in bfloat16 while the noise and the KL term are float32
    (StackGAN's step once stopped there on a dtype mismatch)."""
    from ganzoo import text
    from ganzoo.families import get_family

    policy("mixed_bfloat16")
    rng = np.random.default_rng(0)
    ids = np.stack([text.token_ids(["a man with glasses", "a young woman"])] * 16)
    previous = None
    for stage in stages:
        model = get_family(family)(**config, **({} if stage is None else {"training_stage": stage}))
        if previous is not None:
            model.load_stage1(previous)
        model.compile()
        size = model.image_shape[0]
        history = model.fit(rng.integers(0, 256, (16, size, size, 3), dtype=np.uint8), ids, batch_size=8,
                            epochs=1, verbose=0)
        assert all(np.isfinite(history.history[k][0]) for k in ("d_loss", "g_loss"))
        images = model.sample(2, captions="a man", seed=0)
        assert images.dtype == np.uint8 and images.shape == (2, size, size, 3)
        if stage == 2:  # Stage I's images through the sampling pipeline's own conditioning
            rough, _ = model.sample(2, captions="a man", seed=0, return_stages=True)
            np.testing.assert_array_equal(rough, previous.sample(2, captions="a man", seed=0))
        previous = model


def test_stylegan_lite_trains_and_samples_under_bfloat16(policy, tiny_images):
    """Its training noise is drawn in the convolution's dtype (float32 noise once stopped the first
    bfloat16 step: AddV2 of float32 to bfloat16); R1 and the EMA generator run every step here."""
    from ganzoo.families.stylegan import StyleGANLite

    policy("mixed_bfloat16")
    gan = StyleGANLite(resolution=8, width=8, latent_dim=8, w_dim=8, mapping_layers=1, r1_interval=1,
                       ema_decay=0.9, seed=0)
    gan.compile()
    faces = np.repeat(tiny_images[:16, 10:18, 10:18], 3, axis=-1)
    history = gan.fit(faces, batch_size=8, epochs=1, verbose=0)
    assert all(np.isfinite(history.history[k][0]) for k in ("d_loss", "g_loss", "r1"))
    images = gan.sample(2, seed=0, truncation=0.7)
    assert images.dtype == np.uint8 and images.shape == (2, 8, 8, 3)
