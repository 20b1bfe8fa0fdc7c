"""DiffAugment (ganzoo.augment) and its use in the base class: each transform against its closed form,
gradients through every transform, training with it on every noise-to-image family, config round
trips, ADA's adaptive p, and an interrupted run that resumes to the weights of an uninterrupted one."""

import keras
import numpy as np
import pytest
from keras import ops

from conftest import numpy, tiny_dcgan, weights_of
from ganzoo import augment as aug
from ganzoo.core.objectives import input_gradients
from ganzoo.families import get_family

POLICY = "color,translation,cutout"


def images(n=6, size=16, channels=3, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, channels)).astype("float32")


def seeded(seed=3):
    return keras.random.SeedGenerator(seed)


# --- the policy -----------------------------------------------------------------------------
def test_policy_names_are_checked():
    assert aug.parse_policy("color, translation,cutout") == ("color", "translation", "cutout")
    assert aug.parse_policy(None) == () and aug.parse_policy("") == ()
    with pytest.raises(ValueError, match="Unknown augmentation 'flip'"):
        aug.parse_policy("color,flip")
    with pytest.raises(ValueError, match="twice"):
        aug.parse_policy("color,color")


# --- each transform against its closed form -------------------------------------------------------
def test_brightness_adds_the_drawn_value_to_every_pixel():
    x = images()
    out = numpy(aug.random_brightness(ops.convert_to_tensor(x), seeded(3)))
    drawn = numpy(keras.random.uniform((6, 1, 1, 1), -0.5, 0.5, seed=seeded(3)))  # the same seed state
    np.testing.assert_allclose(out - x, np.broadcast_to(drawn, x.shape), atol=1e-6)
    assert np.all(np.abs(drawn) <= 0.5) and np.ptp(drawn) > 0.05  # each image its own shift


def test_saturation_and_contrast_scale_deviations_from_their_means():
    x = images()
    factor = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 0.25], np.float32).reshape(6, 1, 1, 1)
    channel_mean = x.mean(axis=-1, keepdims=True)
    np.testing.assert_allclose(numpy(aug.adjust_saturation(x, factor)),
                               channel_mean + factor * (x - channel_mean), atol=1e-5)
    grey = numpy(aug.adjust_saturation(x, np.zeros((6, 1, 1, 1), np.float32)))
    assert np.allclose(grey, grey[..., :1])  # saturation 0: every channel is the pixel's mean
    image_mean = x.mean(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(numpy(aug.adjust_contrast(x, factor)), image_mean + factor * (x - image_mean),
                               atol=1e-5)
    # the random versions draw one factor per image in the paper's ranges
    for fn, (low, high), mean_axes in [(aug.random_saturation, aug.SATURATION, -1),
                                       (aug.random_contrast, aug.CONTRAST, (1, 2, 3))]:
        out = numpy(fn(ops.convert_to_tensor(x), seeded(1)))
        mean = x.mean(axis=mean_axes, keepdims=True)
        ratio = ((out - mean) * (x - mean)).sum(axis=(1, 2, 3)) / ((x - mean) ** 2).sum(axis=(1, 2, 3))
        np.testing.assert_allclose(out, mean + ratio.reshape(6, 1, 1, 1) * (x - mean), atol=1e-5)
        assert np.all(ratio >= low - 1e-6) and np.all(ratio <= high + 1e-6) and np.ptp(ratio) > 0.05


def test_translation_moves_a_pixel_by_the_drawn_shift_and_pads_with_zeros():
    n, size = 8, 16
    x = np.zeros((n, size, size, 1), np.float32)
    x[:, 7, 9, 0] = 1.0
    out = numpy(aug.random_translation(ops.convert_to_tensor(x), seeded(4)))
    shifts = numpy(aug.translation_shifts(n, size, size, seeded(4)))
    assert np.all(np.abs(shifts) <= 2) and len({tuple(s) for s in shifts}) > 1  # 1/8 of 16 = 2, per image
    for image, (dy, dx) in zip(out, shifts):
        expected = np.zeros((size, size), np.float32)
        expected[7 + dy, 9 + dx] = 1.0
        np.testing.assert_array_equal(image[..., 0], expected)
    # a constant image: the rows and columns shifted in from outside are zeros
    ones = numpy(aug.translate(np.ones((1, size, size, 2), np.float32), np.array([[2, -1]])))[0]
    assert np.all(ones[:2] == 0) and np.all(ones[:, -1:] == 0) and np.all(ones[2:, :-1] == 1)
    np.testing.assert_array_equal(numpy(aug.translate(x, np.zeros((n, 2), np.int32))), x)  # no shift: identity


def test_cutout_zeroes_exactly_the_square_around_the_drawn_centre():
    n, size = 8, 16
    x = images(n, size, channels=2) + 3.0  # nothing is zero before
    out = numpy(aug.random_cutout(ops.convert_to_tensor(x), seeded(5)))
    centers = numpy(aug.cutout_centers(n, size, size, seeded(5)))
    side = aug.cutout_size(size, size)[0]
    assert side == 8 and np.all((centers >= 0) & (centers <= size)) and len({tuple(c) for c in centers}) > 1
    for image, before, (cy, cx) in zip(out, x, centers):
        square = np.zeros((size, size), bool)
        square[max(cy - side // 2, 0) : cy + side // 2, max(cx - side // 2, 0) : cx + side // 2] = True
        np.testing.assert_array_equal(image[square], 0.0)
        np.testing.assert_array_equal(image[~square], before[~square])
    inside = numpy(aug.cut_out(x[:1], np.array([[8, 8]]), (8, 8)))[0]
    assert (inside[..., 0] == 0).sum() == 64 and np.all(inside[4:12, 4:12] == 0)


def test_p_zero_is_the_identity_and_the_same_seed_gives_the_same_output():
    x = ops.convert_to_tensor(images())
    np.testing.assert_array_equal(numpy(aug.diff_augment(x, POLICY, seeded(0), p=0.0)), numpy(x))
    first = numpy(aug.diff_augment(x, POLICY, seeded(7)))
    np.testing.assert_array_equal(first, numpy(aug.diff_augment(x, POLICY, seeded(7))))
    np.testing.assert_array_equal(first, numpy(aug.diff_augment(x, POLICY, 7)))  # an int seed starts the same stream
    assert not np.allclose(first, numpy(aug.diff_augment(x, POLICY, seeded(8))))
    assert not np.allclose(first, numpy(x))
    # p = 0.5: some images keep some transforms off, and p = 1 gates nothing off
    half = numpy(aug.diff_augment(x, "color", seeded(2), p=0.5))
    assert not np.allclose(half, numpy(aug.diff_augment(x, "color", seeded(2))))
    layer = aug.DiffAugment(POLICY, p=0.0)
    np.testing.assert_array_equal(numpy(layer.augment(x)), numpy(x))


@pytest.mark.parametrize("name", sorted(aug.TRANSFORMS) + ["all"])
def test_gradients_flow_to_the_images_through_every_transform(name):
    x = images(4, 16)
    weights = ops.convert_to_tensor(np.random.default_rng(1).normal(size=x.shape).astype("float32"))

    def fn(inputs):
        out = (aug.diff_augment(inputs, POLICY, seeded(0)) if name == "all"
               else aug.TRANSFORMS[name](inputs, seeded(0)))
        return ops.sum(out * weights, axis=(1, 2, 3))

    grads = numpy(input_gradients(fn, x))
    assert np.all(np.isfinite(grads))
    assert np.all(np.abs(grads).sum(axis=(1, 2, 3)) > 0)  # every image gets a gradient
    if name in ("translation", "cutout"):  # the pixels moved out or cut out get none
        assert np.any(grads == 0) and np.mean(grads != 0) > 0.25


# --- in the GAN: training, configs, weights files ---------------------------------------------------
def test_without_augment_configs_and_discriminator_inputs_are_as_before():
    gan = tiny_dcgan()
    assert gan.augmenter is None and not any(key.startswith("augment") for key in gan.get_config())
    x = ops.convert_to_tensor(images(4, 28, 1))
    np.testing.assert_array_equal(numpy(gan.discriminate(x)), numpy(gan.discriminator(x, training=True)))
    with pytest.raises(ValueError, match="augment_p and augment_target need augment"):
        tiny_dcgan(augment_target=0.6)
    with pytest.raises(ValueError, match="Unknown augmentation"):
        tiny_dcgan(augment="colour")
    with pytest.raises(ValueError, match="augment_p must be a probability"):
        tiny_dcgan(augment="color", augment_p=1.5)
    from ganzoo.families.pix2pix import Pix2Pix

    with pytest.raises(ValueError, match="Pix2Pix does not support augment"):
        Pix2Pix(augment="color")


def test_the_generator_gets_gradients_through_the_augmented_discriminator():
    from ganzoo.core.gan import value_and_grad

    gan = tiny_dcgan(augment=POLICY)
    batch = {"images": ops.convert_to_tensor(images(8, 28, 1))}
    loss, grads = value_and_grad(lambda: gan.generator_loss(batch), gan.generator.trainable_variables)
    assert np.isfinite(float(numpy(loss)))
    assert all(np.abs(numpy(g)).sum() > 0 for g in grads)


@pytest.mark.parametrize("family", ["dcgan", "wgan_gp"])
def test_a_family_trains_with_augment_and_its_config_round_trips(family, tiny_images, tmp_path):
    config = dict(resolution=28, channels=1, width=8, latent_dim=8, seed=0, augment=POLICY, augment_p=0.5,
                  augment_target=0.6, augment_interval=1, **({"n_critic": 2} if family == "wgan_gp" else {}))
    gan = get_family(family)(**config)
    gan.compile()
    g_before = weights_of(gan.generator)
    history = gan.fit(tiny_images[:48], batch_size=16, epochs=1, verbose=0)
    assert all(np.all(np.isfinite(v)) for v in history.history.values())
    assert "augment_p" in history.history
    assert any(not np.allclose(a, b) for a, b in zip(g_before, weights_of(gan.generator)))
    saved = gan.get_config()
    assert {k: saved[k] for k in saved if k.startswith("augment")} == \
        {"augment": POLICY, "augment_p": 0.5, "augment_target": 0.6, "augment_interval": 1}  # only what was set
    twin = type(gan).from_config(saved)
    assert twin.get_config() == saved
    p = float(numpy(gan.augmenter.p))
    assert p != 0.5  # three steps of +-16 / 500k images cannot cancel out
    gan.save_weights(tmp_path / "gan.weights.h5")
    twin.load_weights(tmp_path / "gan.weights.h5")
    assert float(numpy(twin.augmenter.p)) == p
    np.testing.assert_array_equal(numpy(twin.augmenter.seed_generator.state), numpy(gan.augmenter.seed_generator.state))
    np.testing.assert_array_equal(twin.sample(3, seed=1), gan.sample(3, seed=1))


def test_weights_files_with_and_without_augment_load_into_each_other(tmp_path):
    plain, augmented = tiny_dcgan(), tiny_dcgan(augment=POLICY, augment_p=0.5)
    plain.save_weights(tmp_path / "plain.weights.h5")
    augmented.load_weights(tmp_path / "plain.weights.h5")  # e.g. fine-tuning a published model with DiffAugment
    assert float(numpy(augmented.augmenter.p)) == 0.5
    np.testing.assert_array_equal(augmented.sample(2, seed=0), plain.sample(2, seed=0))
    augmented.save_weights(tmp_path / "augmented.weights.h5")
    fresh = tiny_dcgan(seed=1)
    fresh.load_weights(tmp_path / "augmented.weights.h5")
    np.testing.assert_array_equal(fresh.sample(2, seed=0), plain.sample(2, seed=0))


@pytest.mark.parametrize("family", ["gan", "cgan", "lsgan", "infogan"])
def test_the_other_noise_families_train_a_step_with_augment(family):
    configs = {"gan": dict(hidden=(16, 32), latent_dim=8),
               "cgan": dict(resolution=28, channels=1, width=8, latent_dim=8, embed_dim=4),
               "lsgan": dict(resolution=28, channels=1, width=8, latent_dim=8),
               "infogan": dict(latent_dim=8)}
    gan = get_family(family)(**configs[family], seed=0, augment=POLICY)
    gan.compile()
    rng = np.random.default_rng(0)
    x, labels = rng.integers(0, 256, (16, 28, 28, 1)).astype("uint8"), rng.integers(0, 10, 16)
    history = gan.fit(x, labels if family == "cgan" else None, batch_size=16, epochs=1, verbose=0)
    assert all(np.all(np.isfinite(v)) for v in history.history.values())
    assert type(gan).from_config(gan.get_config()).get_config()["augment"] == POLICY


def test_stylegan_lite_trains_with_augment_and_r1_through_it():
    gan = get_family("stylegan_lite")(resolution=8, width=8, latent_dim=8, w_dim=8, mapping_layers=1, seed=0,
                                      r1_interval=1, augment="translation,cutout")
    gan.compile()
    x = np.random.default_rng(0).integers(0, 256, (8, 8, 8, 3)).astype("uint8")
    history = gan.fit(x, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["r1"][-1]) and history.history["r1"][-1] > 0
    # R1 is the gradient of D(T(x)) w.r.t. the un-augmented reals, through T: cut-out or shifted-out pixels get none
    reals = ops.convert_to_tensor(images(4, 8, 3))
    grads = numpy(input_gradients(lambda v: gan.discriminate(v), reals))
    assert np.all(np.isfinite(grads)) and np.any(np.all(grads == 0, axis=-1))


# --- ADA's adaptive p -----------------------------------------------------------------------------
def test_adaptive_p_moves_up_when_d_is_overconfident_on_reals_and_down_otherwise():
    step = 64 * 4 / 500_000
    assert float(numpy(aug.adjusted_p(0.5, 0.9, 0.6, 64 * 4))) == pytest.approx(0.5 + step)
    assert float(numpy(aug.adjusted_p(0.5, 0.2, 0.6, 64 * 4))) == pytest.approx(0.5 - step)
    assert float(numpy(aug.adjusted_p(0.9999, 1.0, 0.6, 64 * 4))) == 1.0  # a probability: clipped
    assert float(numpy(aug.adjusted_p(0.0, -1.0, 0.6, 64 * 4))) == 0.0
    # ADA's speed: from 0 to 1 in 500k images, and the rate is a setting
    p, updates = 0.0, 0
    while p < 1.0:
        p, updates = float(numpy(aug.adjusted_p(p, 1.0, 0.6, 64 * 4))), updates + 1
    assert updates * 64 * 4 == pytest.approx(500_000, rel=0.01)
    assert float(numpy(aug.adjusted_p(0.0, 1.0, 0.6, 100, kimg=1))) == pytest.approx(0.1)

    layer = aug.DiffAugment(POLICY, p=0.2, target=0.6, interval=2)
    layer.observe(ops.convert_to_tensor(np.full((8, 1), 3.0, np.float32)))  # D is sure every real is real
    layer.update(1, 8)  # not yet due: p waits for the interval
    assert float(numpy(layer.p)) == pytest.approx(0.2) and float(numpy(layer.r_t())) == 1.0
    layer.observe(ops.convert_to_tensor(np.array([[2.0]] * 6 + [[-1.0]] * 2, np.float32)))
    layer.update(2, 8)  # r_t = (8 + 4) / 16 = 0.75 > 0.6: more augmentation
    assert float(numpy(layer.p)) == pytest.approx(0.2 + 8 * 2 / 500_000)
    assert float(numpy(layer.sign_count)) == 0.0  # a new interval starts
    layer.observe(ops.convert_to_tensor(np.full((8, 1), -1.0, np.float32)))
    layer.update(4, 8)  # r_t = -1 < 0.6: less
    assert float(numpy(layer.p)) == pytest.approx(0.2)


@pytest.mark.parametrize("bias, expected", [(50.0, 0.5 + 2 * 16 / 1000), (-50.0, 0.5 - 2 * 16 / 1000)])
def test_in_training_p_follows_the_sign_of_d_on_the_reals(bias, expected, tiny_images):
    # D frozen (learning rate 0) with a logit bias of +-50: sure every real is real (r_t = 1 > 0.6),
    # or sure it is fake (r_t = -1): p rises or falls by 16 images / 1k images each step
    gan = tiny_dcgan(augment="translation", augment_p=0.5, augment_target=0.6, augment_interval=1, augment_kimg=1)
    gan.compile(d_learning_rate=0.0)
    gan.discriminator.get_layer("logit").bias.assign(np.full((1,), bias, np.float32))
    history = gan.fit(tiny_images[:32], batch_size=16, epochs=1, verbose=0)
    assert float(numpy(gan.augmenter.p)) == pytest.approx(expected)
    assert history.history["augment_p"][-1] == pytest.approx(expected)


# --- a checkpointed run resumes exactly -----------------------------------------------------------
def test_an_interrupted_run_with_augment_resumes_to_the_uninterrupted_weights(tmp_path, tiny_images):
    from ganzoo import training

    config = dict(resolution=28, channels=1, width=8, latent_dim=8, augment=POLICY, augment_p=0.5,
                  augment_target=0.6, augment_interval=1)

    def run(folder, time_limit=None):
        return training.train("dcgan", config, tiny_images, steps=6, steps_per_epoch=2, batch_size=16,
                              output_dir=tmp_path / folder, verbose=0, time_limit=time_limit)

    straight, _ = run("straight")
    _, paused = run("interrupted", time_limit=1e-6)
    assert paused["steps"] == 2
    resumed, info = run("interrupted")
    assert info["steps"] == 6
    for a, b in zip(weights_of(straight), weights_of(resumed)):
        np.testing.assert_array_equal(a, b)
    assert float(numpy(resumed.augmenter.p)) == float(numpy(straight.augmenter.p)) != 0.5
    np.testing.assert_array_equal(numpy(resumed.augmenter.seed_generator.state),
                                  numpy(straight.augmenter.seed_generator.state))
