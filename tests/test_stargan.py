"""StarGAN (issue: one model that edits many attributes of a real face): its networks, losses, random
targets, edit() and edit_grid(), training on both backends, serialisation, the data helper, the
`ganzoo edit` command and the recipe. Tiny configs (16 px, width 4, one residual block).

Runs on both backends (CI runs this file under KERAS_BACKEND=torch too)."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from conftest import REPO_ROOT, moved, needs_data, numpy, point_cli_at, private_zoo, tiny_dcgan, weights_of
from ganzoo import images, paired
from ganzoo.core.objectives import gradient_penalty
from ganzoo.core.translation import side_by_side
from ganzoo.families import get_family
from ganzoo.families.stargan import (ATTRIBUTES, DETAIL_CRITIC_LAYERS, StarGAN, adversarial_faces,
                                     attribute_classification_loss, detail_channels,
                                     parse_teacher, teacher_file_stem, teacher_label, teacher_steps,
                                     LUMA_WEIGHTS, binomial_blur, build_attribute_teacher, chroma_blur, combined_critic,
                                     box_mask, kept_hair_colour_change, mask_indecision, masked_edit, random_target_attributes,
                                     total_variation, train_attribute_teacher)
from test_cli import fails_on_one_line, png_pixels, run

CELEBA = {"name": "celeba", "split": "train", "license": "CelebA: non-commercial research purposes only"}


def tiny_stargan(**overrides):
    return StarGAN(**{"resolution": 16, "width": 4, "blocks": 1, "seed": 0, **overrides})


@pytest.fixture(scope="module")
def model():
    # initial weights come from Keras' global seed (the config's seed drives the sampling streams):
    # fixed here, so that these tests see the same networks whatever ran before them in the process
    keras.utils.set_random_seed(0)
    return tiny_stargan()


def faces(n=4, size=16, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


# rows: black-haired young woman, blond old man, brown-haired young man, no colour listed (old woman)
OWN = np.array([[1, 0, 0, 0, 1], [0, 1, 0, 1, 0], [0, 0, 1, 1, 1], [0, 0, 0, 0, 0]], np.float32)


def generated(model, batch, wanted):
    """What G makes of uint8 faces for float attribute vectors, as uint8 (the reference for edit)."""
    return images.to_uint8(numpy(model.generator([images.from_uint8(batch), np.asarray(wanted, np.float32)])))


# --- networks ------------------------------------------------------------------------------------
def test_networks_have_the_papers_shapes(model):
    assert get_family("stargan") is StarGAN
    assert [tuple(x.shape[1:]) for x in model.generator.inputs] == [(16, 16, 3), (5,)]
    assert tuple(model.generator.output.shape[1:]) == (16, 16, 3)
    g = model.generator
    names = ("c7s1", "down1", "down2", "res0_a", "up1", "up0")
    assert [g.get_layer(name).filters for name in names] == [4, 8, 16, 16, 8, 4]
    assert g.get_layer("c7s1").kernel_size == (7, 7) and g.get_layer("down1").strides == (2, 2)
    assert tuple(g.get_layer("res0").output.shape[1:]) == (4, 4, 16)  # two halvings, then the blocks
    patches, classes = model.discriminator.outputs
    assert tuple(patches.shape[1:]) == (2, 2, 1) and tuple(classes.shape[1:]) == (5,)  # a 2x2 map, as at 128 px
    assert model.discriminator.get_layer("attribute_conv").kernel_size == (2, 2)  # covers the final map
    assert StarGAN(resolution=128, width=2, blocks=1).discriminator.outputs[0].shape[1:3] == (2, 2)  # 6 layers
    assert model.d_steps == 5 and model.lambda_gp == 10.0 and model.lambda_rec == 10.0 and model.lambda_cls == 1.0
    assert model.attributes == list(ATTRIBUTES) and model.hair_columns == [0, 1, 2]


def test_the_attributes_are_tiled_as_extra_channels(model):
    joined = keras.Model(model.generator.inputs, model.generator.get_layer("image_and_attributes").output)
    batch, wanted = images.from_uint8(faces(2)), OWN[:2]
    out = numpy(joined([batch, wanted]))
    assert out.shape == (2, 16, 16, 8)
    np.testing.assert_allclose(out[..., :3], batch, atol=1e-6)
    np.testing.assert_array_equal(out[..., 3:], np.broadcast_to(wanted[:, None, None, :], (2, 16, 16, 5)))


@pytest.mark.parametrize("config,match", [
    ({"resolution": 24}, "power of two"),
    ({"hair_group": ["Black_Hair", "Red_Hair"]}, "Unknown hair_group attribute 'Red_Hair'"),
    ({"hair_group": ["Black_Hair"]}, "none or at least two"),
    ({"attributes": ["Male", "Male"]}, "distinct"),
    ({"lambda_rec": -1}, "lambda_rec must be >= 0"),
    ({"blocks": 0}, "blocks must be a positive int"),
])
def test_bad_configs_are_refused(config, match):
    with pytest.raises(ValueError, match=match):
        tiny_stargan(**config)


# --- losses and targets --------------------------------------------------------------------------
def test_classification_loss_is_the_summed_bce_averaged_over_images():
    logits = np.array([[2.0, -1.0, 0.0, 30.0, -30.0], [-0.5, 0.25, 4.0, -2.0, 1.0]], np.float32)
    targets = np.array([[1, 0, 1, 0, 0], [0, 1, 1, 1, 1]], np.float32)
    x = logits.astype(np.float64)
    # log(1 - sigmoid(x)) as log(sigmoid(-x)): 1 - p loses the digits of p near 1
    bce = -(targets * np.log(1.0 / (1.0 + np.exp(-x))) + (1 - targets) * np.log(1.0 / (1.0 + np.exp(x))))
    assert float(numpy(attribute_classification_loss(logits, targets))) == pytest.approx(bce.sum(1).mean(), rel=1e-5)
    # weighed per attribute: a 0 leaves that attribute's BCE out of the sum
    weights = np.array([1, 0, 0.5, 0, 1], np.float32)
    assert float(numpy(attribute_classification_loss(logits, targets, weights))) == pytest.approx(
        (bce * weights).sum(1).mean(), rel=1e-5)


def test_random_targets_permute_the_rows_and_keep_the_hair_one_hot():
    rng = np.random.default_rng(0)
    n = 32
    hair = np.eye(3)[rng.integers(0, 3, n)]
    hair[:4] = 0  # faces with no listed colour
    hair[4:6, :2] = 1  # and with two
    codes = ((np.arange(n)[:, None] >> np.arange(5)) & 1).astype(np.float32)  # each row's own 5 bits
    attributes = np.concatenate([codes[:, :2], hair, codes[:, 2:]], axis=1).astype(np.float32)
    targets = numpy(random_target_attributes(attributes, [2, 3, 4], keras.random.SeedGenerator(1)))
    np.testing.assert_array_equal(targets[:, 2:5].sum(1), np.ones(n))
    assert set(np.unique(targets)) <= {0.0, 1.0}
    other = [0, 1, 5, 6, 7]
    source = [int(np.flatnonzero((codes == row).all(1))[0]) for row in targets[:, other]]  # whose row it is
    assert sorted(source) == list(range(n)) and source != list(range(n))  # a permutation, not the identity
    for row, i in zip(targets, source):
        if attributes[i, 2:5].sum() == 1:  # a one-hot row moves whole
            np.testing.assert_array_equal(row, attributes[i])


def test_the_gradient_penalty_is_on_the_patch_head(model):
    rng = np.random.default_rng(0)
    real, fake = (rng.uniform(-1, 1, (2, 16, 16, 3)).astype(np.float32) for _ in range(2))
    alpha = np.array([0.3, 0.8], np.float32).reshape(2, 1, 1, 1)
    penalty = float(numpy(gradient_penalty(lambda x: model.discriminator(x)[0], real, fake, alpha)))
    # central differences of sum(patch logits) at the interpolates, every pixel and channel at once. A step
    # that crosses a leaky-ReLU kink misses: with some initial weights (global seed 18, as once in CI, where
    # other files ran first) 1e-2 was 2.3% off; the fixture's weights are fixed, and 1e-3 is 1e-5 off for them
    x_hat, eps = alpha * real + (1 - alpha) * fake, 1e-3
    steps = np.eye(16 * 16 * 3, dtype=np.float32).reshape(-1, 16, 16, 3) * eps
    norms = []
    for x in x_hat:
        patches = numpy(model.discriminator(np.concatenate([x + steps, x - steps]))[0])
        totals = patches.astype(np.float64).sum(axis=(1, 2, 3))
        norms.append(np.linalg.norm((totals[: len(steps)] - totals[len(steps):]) / (2 * eps)))
    assert penalty == pytest.approx(np.mean((np.array(norms) - 1.0) ** 2), rel=2e-2)


def test_the_players_losses_are_their_terms_weighted(model):
    tensor = keras.ops.convert_to_tensor
    batch = {"images": tensor(images.from_uint8(faces(4))), "attributes": tensor(OWN)}  # as the train step has them
    fixed = np.roll(OWN, 1, axis=0)
    twin = StarGAN.from_config({**model.get_config(), "lambda_gp": 0.0, "lambda_cls": 2.0, "lambda_rec": 3.0})
    twin.set_weights(model.get_weights())
    twin.random_targets = lambda attributes: tensor(fixed)  # the random part, fixed
    x = images.from_uint8(faces(4))
    fake = numpy(twin.generator([x, fixed]))
    (real_src, real_cls), (fake_src, fake_cls) = (map(numpy, twin.discriminator(v)) for v in (x, fake))
    cls = lambda logits, t: float(numpy(attribute_classification_loss(logits, t)))  # noqa: E731
    d_expected = fake_src.mean() - real_src.mean() + 2.0 * cls(real_cls, OWN)
    assert float(numpy(twin.discriminator_loss(batch))) == pytest.approx(d_expected, rel=1e-4, abs=1e-5)
    rec = np.abs(numpy(twin.generator([fake, OWN])) - x).mean()
    g_expected = -fake_src.mean() + 2.0 * cls(fake_cls, fixed) + 3.0 * rec
    assert float(numpy(twin.generator_loss(batch))) == pytest.approx(g_expected, rel=1e-4, abs=1e-5)
    # lambda_g_cls weighs D's classifier in G's loss alone; D's own term keeps lambda_cls
    apart = StarGAN.from_config({**twin.get_config(), "lambda_g_cls": 0.5})
    assert apart.get_config()["lambda_g_cls"] == 0.5 and "lambda_g_cls" not in twin.get_config()
    apart.set_weights(twin.get_weights())
    apart.random_targets = twin.random_targets
    g_apart = -fake_src.mean() + 0.5 * cls(fake_cls, fixed) + 3.0 * rec
    assert float(numpy(apart.generator_loss(batch))) == pytest.approx(g_apart, rel=1e-4, abs=1e-5)
    assert float(numpy(apart.discriminator_loss(batch))) == pytest.approx(d_expected, rel=1e-4, abs=1e-5)
    with pytest.raises(ValueError, match="lambda_g_cls must be >= 0"):
        tiny_stargan(lambda_g_cls=-1.0)



def check_an_added_head_adds_its_wasserstein_terms(model, x):
    """model's D has one real/fake head beside the paper's two outputs (its third): D's loss and G's hold its
    Wasserstein terms exactly as the whole-face head's. Returns its logits on x."""
    tensor = keras.ops.convert_to_tensor
    fixed = np.roll(OWN, 1, axis=0)
    model.random_targets = lambda attributes: tensor(fixed)
    fake = numpy(model.generator([x, fixed]))
    (real_src, real_cls, real_head), (fake_src, fake_cls, fake_head) = (
        map(numpy, model.discriminator(v)) for v in (x, fake))
    batch = {"images": tensor(x), "attributes": tensor(OWN)}
    d_expected = fake_src.mean() - real_src.mean() + fake_head.mean() - real_head.mean() + classification(real_cls, OWN)
    assert float(numpy(model.discriminator_loss(batch))) == pytest.approx(d_expected, rel=1e-4, abs=1e-5)
    rec = np.abs(numpy(model.generator([fake, OWN])) - x).mean()
    g_expected = -fake_src.mean() - fake_head.mean() + classification(fake_cls, fixed) + 10.0 * rec
    assert float(numpy(model.generator_loss(batch))) == pytest.approx(g_expected, rel=1e-4, abs=1e-5)
    del model.random_targets
    return real_src, real_head


def check_the_head_learns(model, layer):
    """A few steps of fit with the gradient penalty on: finite losses, and the head's `layer` moves."""
    head = model.discriminator.get_layer(layer)
    before = head.get_weights()[0]
    model.compile()
    history = model.fit(faces(8, 32), np.tile(OWN, (2, 1)), batch_size=4, epochs=2, verbose=0).history
    assert all(np.isfinite(values).all() for values in history.values()) and history["gradient_penalty"][-1] > 0
    assert not np.allclose(head.get_weights()[0], before)


def test_the_local_critic_is_a_second_real_fake_head_on_a_finer_map_whose_losses_add():
    keras.utils.set_random_seed(0)
    local, plain = (tiny_stargan(resolution=32, lambda_gp=0.0, local_critic=flag) for flag in (True, False))
    config = local.get_config()
    assert config["local_critic"] is True and "local_critic" not in plain.get_config()
    assert StarGAN.from_config(config).get_config() == config
    assert len(local.weights) == len(plain.weights) + 1  # the head's kernel
    tensor = keras.ops.convert_to_tensor
    x = images.from_uint8(faces(4, 32))
    assert [tuple(o.shape) for o in local.discriminator(x)] == [(4, 2, 2, 1), (4, 5), (4, 4, 4, 1)]  # 32 / 8
    real_src, real_local = check_an_added_head_adds_its_wasserstein_terms(local, x)
    # the gradient penalty's critic: the heads' means summed, at the whole-face head's scale (its 4 patches)
    np.testing.assert_allclose(numpy(combined_critic([tensor(real_src), tensor(real_local)])),
                               4 * (real_src.mean(axis=(1, 2, 3)) + real_local.mean(axis=(1, 2, 3))), rtol=1e-5)
    np.testing.assert_array_equal(numpy(combined_critic([tensor(real_src)])), real_src)  # one head: as before
    trained = StarGAN.from_config({**config, "lambda_gp": 10.0})
    trained.set_weights(local.get_weights())
    check_the_head_learns(trained, "local_patch_logits")
    assert trained.read_attributes(faces(2, 32)).shape == (2, 5)
    with pytest.raises(ValueError, match="local_critic must be True or False"):
        tiny_stargan(local_critic=1)


def test_detail_channels_pass_fine_bands_and_colour_and_leave_out_a_smooth_grey_face():
    luma = np.array(LUMA_WEIGHTS)
    rows, cols = np.indices((8, 8)).astype(np.float32)
    shaded = np.repeat((0.05 * rows + 0.03 * cols - 0.2)[None, :, :, None], 3, axis=-1)  # grey, a linear ramp
    np.testing.assert_allclose(numpy(detail_channels(shaded))[:, 1:-1, 1:-1], 0.0, atol=1e-6)
    # horizontal grey bands of period 2 (+-0.02, about 3 grey levels): the blur flattens them, so they pass whole
    bands = np.repeat(np.where(rows % 2 == 0, 0.02, -0.02)[None, :, :, None], 3, axis=-1).astype(np.float32)
    out = numpy(detail_channels(shaded + bands))
    np.testing.assert_allclose(out[0, 1:-1, 1:-1, 0], bands[0, 1:-1, 1:-1, 0], atol=1e-6)
    np.testing.assert_allclose(out[..., 1:], 0.0, atol=1e-6)
    # flat colour: no detail, red and blue less the luma
    colour = np.array([0.6, -0.1, 0.3], np.float32)
    flat = np.broadcast_to(colour, (1, 8, 8, 3))
    np.testing.assert_allclose(numpy(detail_channels(flat)),
                               np.broadcast_to([0.0, colour[0] - colour @ luma, colour[2] - colour @ luma],
                                               (1, 8, 8, 3)), atol=1e-6)


def test_the_detail_critic_is_a_real_fake_head_of_its_own_on_detail_channels_whose_losses_add():
    keras.utils.set_random_seed(0)
    detail, plain = (tiny_stargan(resolution=32, lambda_gp=0.0, detail_critic=flag) for flag in (True, False))
    config = detail.get_config()
    assert config["detail_critic"] is True and "detail_critic" not in plain.get_config()
    assert StarGAN.from_config(config).get_config() == config
    assert len(detail.weights) == len(plain.weights) + 2 * DETAIL_CRITIC_LAYERS + 1  # its convolutions and head
    x = images.from_uint8(faces(4, 32))
    assert [tuple(o.shape) for o in detail.discriminator(x)] == [(4, 2, 2, 1), (4, 5), (4, 4, 4, 1)]  # 32 / 8
    # it reads nothing but detail_channels: two faces with the same detail channels get the same logits
    lifted = x + 0.1  # every channel raised alike: same colour differences, same fine detail
    np.testing.assert_allclose(numpy(detail.discriminator(lifted)[2]), numpy(detail.discriminator(x)[2]), atol=1e-5)
    assert not np.allclose(numpy(detail.discriminator(lifted)[0]), numpy(detail.discriminator(x)[0]), atol=1e-5)
    check_an_added_head_adds_its_wasserstein_terms(detail, x)
    trained = StarGAN.from_config({**config, "lambda_gp": 10.0, "local_critic": True})
    assert len(trained.discriminator(x)) == 4  # whole face, classes, local, detail
    check_the_head_learns(trained, "detail_patch_logits")
    with pytest.raises(ValueError, match="detail_critic must be True or False"):
        tiny_stargan(detail_critic="yes")


def test_a_frozen_teacher_adds_its_reading_of_the_edits_to_gs_loss_and_stays_out_of_the_weights(model):
    tensor = keras.ops.convert_to_tensor
    batch = {"images": tensor(images.from_uint8(faces(4))), "attributes": tensor(OWN)}
    fixed = np.roll(OWN, 1, axis=0)
    twin = StarGAN.from_config({**model.get_config(), "lambda_gp": 0.0, "lambda_teacher": 0.5})
    assert twin.get_config()["lambda_teacher"] == 0.5 and "lambda_teacher" not in model.get_config()
    twin.set_weights(model.get_weights())
    twin.random_targets = lambda attributes: tensor(fixed)
    with pytest.raises(ValueError, match="attach one first"):
        twin.generator_loss(batch)
    with pytest.raises(ValueError, match=r"must read \(16, 16, 3\) faces into 5 logits"):
        twin.attach_teacher(build_attribute_teacher(32, 5, width=2))
    weights = len(twin.weights)
    keras.utils.set_random_seed(1)
    teacher = build_attribute_teacher(16, 5, width=2)
    twin.attach_teacher(teacher)
    assert len(twin.weights) == weights and not teacher.trainable  # checkpoints hold G and D alone
    x = images.from_uint8(faces(4))
    fake = numpy(twin.generator([x, fixed]))
    fake_src, fake_cls = map(numpy, twin.discriminator(fake))
    rec = np.abs(numpy(twin.generator([fake, OWN])) - x).mean()
    taught = classification(numpy(teacher(fake, training=False)), fixed)
    g_expected = -fake_src.mean() + classification(fake_cls, fixed) + 10.0 * rec + 0.5 * taught
    assert taught > 0.1  # the term is there to see
    assert float(numpy(twin.generator_loss(batch))) == pytest.approx(g_expected, rel=1e-4, abs=1e-5)
    # two teachers of different kinds: G's term is their mean reading
    layout = build_attribute_teacher(16, 5, width=2, kind="layout")
    twin.attach_teacher(teacher, layout)
    assert len(twin.weights) == weights and not layout.trainable
    taught_by_layout = classification(numpy(layout(fake, training=False)), fixed)
    assert abs(taught_by_layout - taught) > 1e-3  # a different network reads differently
    g_expected += 0.5 * (taught_by_layout - taught) / 2
    assert float(numpy(twin.generator_loss(batch))) == pytest.approx(g_expected, rel=1e-4, abs=1e-5)
    # each teacher teaching only some attributes: its term sums those alone
    twin.attach_teacher(teacher, layout, taught=[None, ["Male", "Young"]])
    layout_logits = numpy(layout(fake, training=False))
    taught_by_layout_on_two = classification(layout_logits[:, 3:], fixed[:, 3:])
    assert abs(taught_by_layout_on_two - taught_by_layout) > 1e-3
    g_expected += 0.5 * (taught_by_layout_on_two - taught_by_layout) / 2
    assert float(numpy(twin.generator_loss(batch))) == pytest.approx(g_expected, rel=1e-4, abs=1e-5)
    with pytest.raises(ValueError, match="one list of attributes per teacher"):
        twin.attach_teacher(teacher, layout, taught=[None])
    with pytest.raises(ValueError, match="teaches no attribute"):
        twin.attach_teacher(teacher, taught=[[]])
    with pytest.raises(ValueError, match="Unknown attribute 'Old'"):
        twin.attach_teacher(teacher, taught=[["Old"]])
    with pytest.raises(ValueError, match="at least one teacher"):
        twin.attach_teacher()
    with pytest.raises(ValueError, match="kind must be one of pooled, layout"):
        build_attribute_teacher(16, 5, kind="dense")
    with pytest.raises(ValueError, match="lambda_teacher must be >= 0"):
        tiny_stargan(lambda_teacher=-1)


def test_the_masked_edit_and_the_masks_total_variation_against_closed_forms():
    drawn, image = np.full((1, 2, 2, 3), 0.8, np.float32), np.full((1, 2, 2, 3), -0.4, np.float32)
    mask = np.array([0.0, 1.0, 0.25, 0.5], np.float32).reshape(1, 2, 2, 1)
    expected = np.array([-0.4, 0.8, 0.25 * 0.8 - 0.75 * 0.4, 0.2], np.float32).reshape(1, 2, 2, 1) * np.ones(3)
    np.testing.assert_allclose(numpy(masked_edit(mask, drawn, image)), expected, atol=1e-6)
    dot = np.zeros((2, 3, 3, 1), np.float32)
    dot[0, 1, 1] = 1.0  # one lit pixel: 2 differences across and 2 down; the second mask is flat
    assert float(numpy(total_variation(dot))) == pytest.approx((4.0 + 0.0) / 2)
    assert float(numpy(total_variation(np.full((1, 4, 4, 1), 0.7, np.float32)))) == 0.0
    # indecision: the mean of m (1 - m), 0 for a mask of 0s and 1s
    assert float(numpy(mask_indecision(mask))) == pytest.approx((0 + 0 + 0.1875 + 0.25) / 4)
    assert float(numpy(mask_indecision(dot))) == 0.0


def test_the_binomial_blur_flattens_a_checkerboard_and_keeps_a_flat_image():
    rows, cols = np.indices((6, 8))
    checkers = np.where((rows + cols) % 2 == 0, 1.0, -1.0).astype(np.float32)[None, :, :, None] * [1.0, 0.5]
    flat = np.full((1, 6, 8, 2), 0.3, np.float32)
    np.testing.assert_allclose(numpy(binomial_blur(flat)), flat, atol=1e-6)
    # reflected edges continue the pattern, so the period-2 part vanishes everywhere
    np.testing.assert_allclose(numpy(binomial_blur(checkers + flat)), flat, atol=1e-6)
    ramp = np.broadcast_to(np.arange(8, dtype=np.float32)[None, None, :, None], (1, 6, 8, 1))
    np.testing.assert_allclose(numpy(binomial_blur(ramp))[0, :, 1:-1, 0], ramp[0, :, 1:-1, 0], atol=1e-5)


def test_upsample_blur_follows_each_transposed_convolution_and_adds_no_weights():
    keras.utils.set_random_seed(0)
    blurred, plain = tiny_stargan(upsample_blur=True), tiny_stargan()
    assert blurred.get_config()["upsample_blur"] is True and "upsample_blur" not in plain.get_config()
    assert StarGAN.from_config(blurred.get_config()).upsample_blur
    assert len(blurred.weights) == len(plain.weights)
    blurred.set_weights(plain.get_weights())  # the same weights draw differently: the blur is in the path
    x = images.from_uint8(faces(2))
    assert not np.allclose(numpy(blurred.generator([x, OWN[:2]])), numpy(plain.generator([x, OWN[:2]])), atol=1e-3)
    g = blurred.generator
    for name in ("up1", "up0"):
        up, after = keras.Model(g.inputs, [g.get_layer(name).output, g.get_layer(f"{name}_blur").output])([x, OWN[:2]])
        np.testing.assert_allclose(numpy(after), numpy(binomial_blur(up)), atol=1e-5)
        assert g.get_layer(f"{name}_norm").input is g.get_layer(f"{name}_blur").output  # blurred, then normalised
    with pytest.raises(ValueError, match="upsample_blur must be True or False"):
        tiny_stargan(upsample_blur=1)


def test_resize_upsample_doubles_by_nearest_neighbours_then_convolves_3x3():
    keras.utils.set_random_seed(0)
    resized = tiny_stargan(resize_upsample=True)
    assert resized.get_config()["resize_upsample"] is True and "resize_upsample" not in tiny_stargan().get_config()
    assert StarGAN.from_config(resized.get_config()).get_config() == resized.get_config()
    g = resized.generator
    x = images.from_uint8(faces(2))
    for name in ("up1", "up0"):
        conv = g.get_layer(name)
        assert isinstance(conv, keras.layers.Conv2D) and conv.kernel_size == (3, 3) and conv.strides == (1, 1)
        resize = g.get_layer(f"{name}_resize")
        assert conv.input is resize.output  # doubled, then convolved
        before, doubled = keras.Model(g.inputs, [resize.input, resize.output])([x, OWN[:2]])
        np.testing.assert_array_equal(numpy(doubled), np.repeat(np.repeat(numpy(before), 2, axis=1), 2, axis=2))
    with pytest.raises(ValueError, match="give one of them"):
        tiny_stargan(resize_upsample=True, upsample_blur=True)
    with pytest.raises(ValueError, match="resize_upsample must be True or False"):
        tiny_stargan(resize_upsample="yes")


def test_chroma_blur_keeps_the_luma_exactly_and_blurs_colour_as_a_gaussian_does():
    rng = np.random.default_rng(0)
    noise = rng.uniform(-1, 1, (2, 16, 16, 3)).astype(np.float32)
    luma = np.array(LUMA_WEIGHTS)
    np.testing.assert_allclose(numpy(chroma_blur(noise, 1.5)) @ luma, noise @ luma, atol=1e-5)
    grey = np.repeat(noise[..., :1], 3, axis=-1)  # no colour: nothing to blur
    np.testing.assert_allclose(numpy(chroma_blur(grey, 1.5)), grey, atol=1e-5)
    flat = np.broadcast_to(np.array([0.8, -0.2, 0.1], np.float32), (1, 16, 16, 3))
    np.testing.assert_allclose(numpy(chroma_blur(flat, 1.5)), flat, atol=1e-5)
    # pink and green stripes of period 4 rows without luma: a Gaussian of sigma s passes a sine of period P
    # at exp(-2 pi^2 s^2 / P^2) (0.062 here; the reflected edges aside)
    pink = np.array([1.0, 0.0, 1.0]) - np.array([1.0, 0.0, 1.0]) @ luma
    stripes = (0.3 * np.sin(2 * np.pi * np.arange(32) / 4)[None, :, None, None] * pink).astype(np.float32)
    stripes = np.broadcast_to(stripes, (1, 32, 32, 3))
    blurred = numpy(chroma_blur(stripes, 1.5))[:, 8:24]
    np.testing.assert_allclose(np.abs(blurred).max() / np.abs(stripes[:, 8:24]).max(),
                               np.exp(-2 * np.pi**2 * 1.5**2 / 16), rtol=0.02)


def test_chroma_sigma_blurs_the_colour_of_gs_change_after_the_mask_and_adds_no_weights():
    keras.utils.set_random_seed(0)
    soft, plain = tiny_stargan(chroma_sigma=1.0, edit_mask=True), tiny_stargan(edit_mask=True)
    assert soft.get_config()["chroma_sigma"] == 1.0 and "chroma_sigma" not in plain.get_config()
    assert StarGAN.from_config(soft.get_config()).get_config() == soft.get_config()
    assert len(soft.weights) == len(plain.weights)
    g = soft.generator
    assert g.get_layer("chroma_blur").input[0] is g.get_layer("masked_edit").output  # masked, then blurred
    x = images.from_uint8(faces(2))
    masked, edited = keras.Model(g.inputs, [g.get_layer("masked_edit").output, g.output])([x, OWN[:2]])
    x, masked, edited = numpy(x), numpy(masked), numpy(edited)
    np.testing.assert_allclose(edited, x + numpy(chroma_blur(masked - x, 1.0)), atol=1e-5)
    luma = np.array(LUMA_WEIGHTS)  # the change's brightness is G's own
    np.testing.assert_allclose(edited @ luma, masked @ luma, atol=1e-5)
    for bad in (-1.0, 5.0, True, "1"):  # 16 px: at most 4
        with pytest.raises(ValueError, match="chroma_sigma is the Gaussian blur"):
            tiny_stargan(chroma_sigma=bad)
    with pytest.raises(ValueError, match="give one of them"):
        tiny_stargan(chroma_sigma=1.0, edit_mask=True, reconstruction_through_mask_only=True)


def test_kept_hair_colour_change_counts_the_colour_of_edits_that_keep_the_hair_alone():
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (3, 8, 8, 3)).astype(np.float32)
    red = x + np.array([0.2, 0.0, 0.0], np.float32)  # luma 0.299 x 0.2: colour |0.701|, |-0.299|, |-0.299| x 0.2
    grey = x + 0.2  # brightness alone: no colour
    hair = [0, 1, 2]
    own = OWN[:3]  # black, blond, brown hair
    kept_first = OWN[[0, 2, 0]]  # the first keeps black hair; the others change theirs
    expected = 0.2 * (0.701 + 0.299 + 0.299) / 3 / 3  # the one kept edit's colour, averaged over 3
    assert float(numpy(kept_hair_colour_change(red, x, own, kept_first, hair))) == pytest.approx(expected, rel=1e-4)
    assert float(numpy(kept_hair_colour_change(grey, x, own, kept_first, hair))) == pytest.approx(0.0, abs=1e-6)
    changed = OWN[[1, 2, 0]]  # every edit changes the hair colour: its colour is free
    assert float(numpy(kept_hair_colour_change(red, x, own, changed, hair))) == 0.0
    no_colour_listed = OWN[[3, 3, 3]]  # a face with none listed gets a drawn colour: a change
    assert float(numpy(kept_hair_colour_change(red, x, no_colour_listed, own, hair))) == 0.0
    # without a hair group every edit keeps the hair: all count
    assert float(numpy(kept_hair_colour_change(red, x, own, changed, []))) == pytest.approx(3 * expected, rel=1e-4)
    # with a face box, the edits that change the hair count inside it: rows 2-5, columns 0-3 of 8 (a quarter)
    box = (0.25, 0.75, 0.0, 0.5)
    np.testing.assert_array_equal(box_mask(8, box)[..., 0].sum(axis=1), [0, 0, 4, 4, 4, 4, 0, 0])
    boxed = float(numpy(kept_hair_colour_change(red, x, own, kept_first, hair, face_box=box)))
    assert boxed == pytest.approx(expected * (1 + 2 * 0.25), rel=1e-4)


def test_lambda_kept_colour_adds_the_weighted_colour_of_hair_keeping_edits_to_gs_loss(model):
    tensor = keras.ops.convert_to_tensor
    batch = {"images": tensor(images.from_uint8(faces(4))), "attributes": tensor(OWN)}
    targets = OWN[[0, 0, 2, 1]]  # the first and third keep their hair colour
    plain = StarGAN.from_config({**model.get_config(), "lambda_gp": 0.0})
    weighted = StarGAN.from_config({**plain.get_config(), "lambda_kept_colour": 3.0})
    assert weighted.get_config()["lambda_kept_colour"] == 3.0 and "lambda_kept_colour" not in plain.get_config()
    for twin in (plain, weighted):
        twin.set_weights(model.get_weights())
        twin.random_targets = lambda attributes: tensor(targets)  # the random part, fixed
    x = images.from_uint8(faces(4))
    colour = float(numpy(kept_hair_colour_change(numpy(model.generator([x, targets])), x, OWN, targets, [0, 1, 2])))
    assert colour > 0.0
    difference = float(numpy(weighted.generator_loss(batch))) - float(numpy(plain.generator_loss(batch)))
    assert difference == pytest.approx(3.0 * colour, rel=1e-3, abs=1e-5)
    assert float(numpy(weighted.trackers["kept_colour"].result())) == pytest.approx(colour, rel=1e-4)
    with pytest.raises(ValueError, match="lambda_kept_colour must be >= 0"):
        tiny_stargan(lambda_kept_colour=-1.0)
    boxed = StarGAN.from_config({**weighted.get_config(), "kept_colour_box": [0.25, 0.75, 0.0, 0.5]})
    assert StarGAN.from_config(boxed.get_config()).kept_colour_box == (0.25, 0.75, 0.0, 0.5)
    boxed.set_weights(model.get_weights())
    boxed.random_targets = plain.random_targets
    in_box = float(numpy(kept_hair_colour_change(numpy(model.generator([x, targets])), x, OWN, targets, [0, 1, 2],
                                                 face_box=(0.25, 0.75, 0.0, 0.5))))
    assert in_box > colour  # the edits that change the hair count in the box too
    difference = float(numpy(boxed.generator_loss(batch))) - float(numpy(plain.generator_loss(batch)))
    assert difference == pytest.approx(3.0 * in_box, rel=1e-3, abs=1e-5)
    for bad, match in (((0.5, 0.25, 0.0, 1.0), "top < bottom"), ((0.1, 0.2), "top, bottom, left, right"),
                       ("face", "top, bottom, left, right")):
        with pytest.raises(ValueError, match=match):
            tiny_stargan(lambda_kept_colour=1.0, kept_colour_box=bad)
    with pytest.raises(ValueError, match="needs lambda_kept_colour > 0"):
        tiny_stargan(kept_colour_box=(0.25, 0.75, 0.0, 0.5))


def test_the_edit_mask_passes_the_input_where_it_is_zero_and_trains_smooth(tmp_path):
    keras.utils.set_random_seed(0)
    gan = tiny_stargan(edit_mask=True, lambda_gp=0.0, lambda_mask_tv=0.5)
    config = gan.get_config()
    assert config["edit_mask"] is True and config["lambda_mask_tv"] == 0.5 and "edit_mask" not in tiny_stargan().get_config()
    assert StarGAN.from_config(config).get_config() == config
    mask_layer = gan.generator.get_layer("edit_mask")
    assert len(gan.weights) == len(tiny_stargan().weights) + 2  # the mask's kernel and bias, once
    x, wanted = images.from_uint8(faces(4)), np.roll(OWN, 1, axis=0)
    drawn = keras.Model(gan.generator.inputs, gan.generator.get_layer("tanh").output)
    # at the start the mask is sigmoid(3) everywhere: nearly G's own drawing
    np.testing.assert_allclose(numpy(gan.generator([x, wanted])), numpy(masked_edit(
        1 / (1 + np.exp(-3.0)), numpy(drawn([x, wanted])), x)), atol=1e-5)
    # a mask of 0 hands the faces back untouched, whatever G draws
    kernel, bias = mask_layer.get_weights()
    mask_layer.set_weights([kernel, np.full_like(bias, -40.0)])
    np.testing.assert_array_equal(gan.edit(faces(4), attributes=OWN, Young=0), faces(4))
    mask_layer.set_weights([kernel, bias])
    # G's loss is the paper's terms plus lambda_mask_tv x the mean of both passes' mask variation
    tensor = keras.ops.convert_to_tensor
    gan.random_targets = lambda attributes: tensor(wanted)
    fake, mask, _ = map(numpy, gan.generator_and_mask([x, wanted]))
    back, back_mask, _ = map(numpy, gan.generator_and_mask([fake, OWN]))
    fake_src, fake_cls = map(numpy, gan.discriminator(fake))
    variation = (float(numpy(total_variation(mask))) + float(numpy(total_variation(back_mask)))) / 2
    expected = (-fake_src.mean() + classification(fake_cls, wanted) + 10.0 * np.abs(back - x).mean()
                + 0.5 * variation)
    batch = {"images": tensor(x), "attributes": tensor(OWN)}
    assert float(numpy(gan.generator_loss(batch))) == pytest.approx(expected, rel=1e-4, abs=1e-5)
    # and lambda_mask_decided x the mean of both passes' mask indecision
    decided = StarGAN.from_config({**config, "lambda_mask_decided": 2.0})
    assert decided.get_config()["lambda_mask_decided"] == 2.0 and "lambda_mask_decided" not in config
    decided.set_weights(gan.get_weights())
    decided.random_targets = gan.random_targets
    indecision = (float(numpy(mask_indecision(mask))) + float(numpy(mask_indecision(back_mask)))) / 2
    assert indecision > 1e-3
    assert float(numpy(decided.generator_loss(batch))) == pytest.approx(expected + 2.0 * indecision, rel=1e-4,
                                                                        abs=1e-5)
    with pytest.raises(ValueError, match="needs edit_mask=True"):
        tiny_stargan(lambda_mask_decided=1.0)
    del decided.random_targets
    decided.compile()
    logged = decided.fit(faces(4), OWN, batch_size=2, epochs=1, verbose=0).history["mask_indecision"]
    assert 0.0 < logged[0] <= 0.25
    del gan.random_targets
    gan.compile()
    history = gan.fit(faces(20), np.tile(OWN, (5, 1)), batch_size=2, epochs=2, verbose=0).history
    assert all(np.isfinite(values).all() for values in history.values())
    assert all(0.0 < share < 1.0 for share in history["mask_share"]) and min(history["mask_variation"]) > 0.0
    assert not np.array_equal(mask_layer.get_weights()[0], kernel)  # the mask learns
    gan.save_weights(tmp_path / "masked.weights.h5")
    again = StarGAN.from_config(config)
    again.load_weights(tmp_path / "masked.weights.h5")
    np.testing.assert_array_equal(again.edit(faces(2), attributes=OWN[:2], Young=0),
                                  gan.edit(faces(2), attributes=OWN[:2], Young=0))
    with pytest.raises(ValueError, match="edit_mask must be True or False"):
        tiny_stargan(edit_mask="yes")


def test_reconstruction_through_mask_only_keeps_the_loss_and_stops_its_gradient_at_the_first_drawing():
    from ganzoo.core.gan import value_and_grad

    keras.utils.set_random_seed(0)
    # the reconstruction alone: no critic, classifier or mask terms, so the gradients are its own
    plain = tiny_stargan(edit_mask=True, lambda_gp=0.0, lambda_cls=0.0, lambda_mask_tv=0.0)
    plain.discriminator.get_layer("patch_logits").set_weights([np.zeros((3, 3, 16, 1), np.float32)])
    config = {**plain.get_config(), "reconstruction_through_mask_only": True}
    cut = StarGAN.from_config(config)
    assert StarGAN.from_config(config).get_config() == config
    assert "reconstruction_through_mask_only" not in plain.get_config()
    cut.set_weights(plain.get_weights())
    tensor = keras.ops.convert_to_tensor
    x, wanted = images.from_uint8(faces(4)), np.roll(OWN, 1, axis=0)
    for gan in (plain, cut):
        gan.random_targets = lambda attributes: tensor(wanted)
    batch = {"images": tensor(x), "attributes": tensor(OWN)}
    variables = plain.generator.trainable_variables
    plain_loss, plain_grads = value_and_grad(lambda: plain.generator_loss(batch), variables)
    cut_loss, cut_grads = value_and_grad(lambda: cut.generator_loss(batch), cut.generator.trainable_variables)
    value = lambda v: numpy(keras.ops.stop_gradient(v))  # noqa: E731  (torch hands back tensors that need grad)
    assert float(value(cut_loss)) == pytest.approx(float(value(plain_loss)), rel=1e-5)  # the same edit, the same loss
    # the expected gradient: the first pass's drawing handed in as a constant, its mask still G's
    drawing = numpy(keras.Model(plain.generator.inputs, plain.generator.get_layer("tanh").output)([x, wanted]))

    def drawing_held():
        _, mask, _ = plain.generator_and_mask([tensor(x), tensor(wanted)], training=True)
        back = plain.generator([masked_edit(mask, tensor(drawing), tensor(x)), tensor(OWN)], training=True)
        return 10.0 * keras.ops.mean(keras.ops.abs(back - tensor(x)))

    expected_loss, expected = value_and_grad(drawing_held, variables)
    assert float(value(expected_loss)) == pytest.approx(float(value(cut_loss)), rel=1e-5)
    for got, want in zip(cut_grads, expected):
        np.testing.assert_allclose(value(got), value(want), rtol=1e-3, atol=1e-6)
    assert not all(np.allclose(value(a), value(b), rtol=1e-3, atol=1e-6) for a, b in zip(cut_grads, plain_grads))
    with pytest.raises(ValueError, match="needs edit_mask=True"):
        tiny_stargan(reconstruction_through_mask_only=True)
    with pytest.raises(ValueError, match="must be True or False"):
        tiny_stargan(edit_mask=True, reconstruction_through_mask_only="yes")

@pytest.mark.parametrize("kind, epsilon", [("pooled", 0.0), ("layout", 0.0), ("pooled", 0.1), ("coarse", 0.0)])
def test_the_teacher_learns_an_attribute_from_the_faces_and_is_frozen(kind, epsilon):
    rng = np.random.default_rng(0)
    red = rng.integers(0, 2, 256)  # attribute 0: a reddish face; attribute 1: always off
    faces_ = rng.integers(0, 120, (256, 16, 16, 3)).astype(np.uint8)
    faces_[..., 0] += (red * 130).astype(np.uint8)[:, None, None]
    teacher = train_attribute_teacher(faces_, np.stack([red, np.zeros_like(red)], axis=1), epochs=30,
                                      batch_size=16, width=4, kind=kind, epsilon=epsilon)
    logits = numpy(teacher(images.from_uint8(faces_), training=False))
    assert not teacher.trainable
    assert np.mean((logits[:, 0] > 0) == red) >= 0.9 and np.mean(logits[:, 1] < 0) >= 0.9


def test_a_coarse_teacher_cannot_see_a_mark_that_averages_out_over_4x4_blocks():
    keras.utils.set_random_seed(0)
    teacher = build_attribute_teacher(16, 2, width=4, kind="coarse")
    x = images.from_uint8(faces(4))
    rows = np.arange(16)[:, None]
    lines = np.broadcast_to(np.where(rows % 4 < 2, 0.3, -0.3)[None, :, :, None] * np.array([1.0, -0.5, 0.8]),
                            x.shape)  # coloured lines 2 px thick: each 4x4 block holds as much + as -
    plain, marked = (numpy(teacher(v, training=False)) for v in (x, (x + lines).astype(np.float32)))
    np.testing.assert_allclose(marked, plain, atol=1e-5)
    brighter = numpy(teacher((x + 0.3).astype(np.float32), training=False))  # a change over the blocks moves it
    assert np.abs(brighter - plain).max() > 1e-3


@pytest.mark.parametrize("kind", ["pooled_luma", "layout_luma"])
def test_a_luma_teacher_cannot_see_colour_but_learns_from_brightness(kind):
    teacher = build_attribute_teacher(16, 2, width=4, kind=kind)
    rng = np.random.default_rng(3)
    faces_ = rng.uniform(-0.5, 0.5, (4, 16, 16, 3)).astype(np.float32)
    tint = rng.uniform(-0.3, 0.3, (4, 16, 16, 3)).astype(np.float32)
    tint -= (tint @ np.array(LUMA_WEIGHTS, np.float32))[..., None]  # colour with no luma: invisible to it
    np.testing.assert_allclose(numpy(teacher(faces_ + tint, training=False)), numpy(teacher(faces_, training=False)),
                               atol=1e-4)
    # a brightness it reads: attribute 0 is a brighter face
    bright = rng.integers(0, 2, 256)
    faces_ = rng.integers(0, 120, (256, 16, 16, 3)).astype(np.uint8) + (bright * 130).astype(np.uint8)[:, None, None, None]
    teacher = train_attribute_teacher(faces_, np.stack([bright, np.zeros_like(bright)], axis=1), epochs=30,
                                      batch_size=16, width=4, kind=kind)
    logits = numpy(teacher(images.from_uint8(faces_), training=False))
    assert np.mean((logits[:, 0] > 0) == bright) >= 0.9


def test_adversarial_faces_move_each_pixel_against_a_linear_teachers_reading_within_epsilon():
    # a linear teacher reads logit = w . x: for a face whose attribute is on, the loss rises fastest
    # along -sign(w), so from any start within epsilon one step of 1.25 epsilon ends at least 0.25
    # epsilon along it, and the result never leaves the epsilon box around the face
    weights = np.random.default_rng(1).choice([-1.0, 1.0], size=(16 * 16 * 3, 1)).astype(np.float32)
    teacher = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Flatten(), keras.layers.Dense(1, use_bias=False)])
    teacher.layers[-1].set_weights([weights * 1e-3])
    clean = np.random.default_rng(2).uniform(-0.5, 0.5, (3, 16, 16, 3)).astype(np.float32)
    moved = numpy(adversarial_faces(teacher, clean, np.ones((3, 1), np.float32), 0.05, seed=0)) - clean
    along = moved.reshape(3, -1) * -weights[:, 0]
    assert np.all(np.abs(moved) <= 0.05 + 1e-6) and np.all(along >= 0.25 * 0.05 - 1e-6)
    # kept inside [-1, 1]: a white face moved towards more white stays white
    white = np.ones((1, 16, 16, 3), np.float32)
    assert numpy(adversarial_faces(teacher, white, np.ones((1, 1), np.float32), 0.05, seed=0)).max() <= 1.0


def test_teacher_steps_move_each_face_the_whole_budget_along_a_linear_teachers_weights():
    # a linear teacher reads logit = w . x: towards target 1 the loss falls fastest along +w, so projected
    # steps end exactly budget * w / |w| from the face (towards 0: the other way), within [-1, 1]
    weights = np.random.default_rng(1).choice([-1.0, 1.0], size=(16 * 16 * 3, 1)).astype(np.float32)
    teacher = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Flatten(), keras.layers.Dense(1, use_bias=False)])
    teacher.layers[-1].set_weights([weights * 1e-3])
    clean = np.random.default_rng(2).uniform(-0.5, 0.5, (2, 16, 16, 3)).astype(np.float32)
    moved = numpy(teacher_steps(teacher, clean, np.array([[1.0], [0.0]], np.float32), 0.5, steps=5))
    along = 0.5 * weights[:, 0] / np.linalg.norm(weights)
    np.testing.assert_allclose((moved - clean).reshape(2, -1), [along, -along], atol=1e-5)
    # kept in [-1, 1]: a white face pushed brighter moves less than the budget, and only down where it can
    white = np.ones((1, 16, 16, 3), np.float32)
    pushed = numpy(teacher_steps(teacher, white, np.ones((1, 1), np.float32), 0.5, steps=5))
    assert pushed.max() <= 1.0 and np.linalg.norm(pushed - white) <= 0.5 + 1e-5


def test_parse_teacher_reads_kind_and_epsilon_and_names_the_kinds_otherwise():
    assert parse_teacher("layout") == ("layout", 0.0) and parse_teacher("coarse:0.0627") == ("coarse", 0.0627)
    for bad in ("dense", "layout:1.5", "layout:x"):
        with pytest.raises(ValueError, match="KIND one of pooled, layout, pooled_luma, layout_luma, coarse"):
            parse_teacher(bad)
    for name in ("pooled", "layout:0.0627", "pooled_luma:0.05"):  # teacher_label names a teacher as it was given
        assert teacher_label(*parse_teacher(name)) == name
    assert teacher_file_stem("layout", 0.0627) == "attribute_teacher_layout_eps0.0627"
    assert teacher_file_stem("pooled") == "attribute_teacher_pooled"


def flipping_twin(model, **config):
    """model's networks in a StarGAN of `config` (no gradient penalty) whose augmenter is a stand-in
    with a known effect (a horizontal flip) and whose targets are fixed; with faces, their edits and
    the batch the train step would get."""
    tensor = keras.ops.convert_to_tensor
    twin = StarGAN.from_config({**model.get_config(), "lambda_gp": 0.0, **config})
    twin.generator.set_weights(model.generator.get_weights())
    twin.discriminator.set_weights(model.discriminator.get_weights())
    fixed = np.roll(OWN, 1, axis=0)
    twin.random_targets = lambda attributes: tensor(fixed)
    object.__setattr__(twin.augmenter, "augment", lambda x: keras.ops.flip(x, axis=2))
    x = images.from_uint8(faces(4))
    fake = numpy(twin.generator([x, fixed]))
    return twin, fixed, x, fake, {"images": tensor(x), "attributes": tensor(OWN)}


def classification(logits, targets):
    return float(numpy(attribute_classification_loss(logits, targets)))


def test_augment_puts_translation_and_cutout_before_both_heads_and_refuses_colour(model):
    with pytest.raises(ValueError, match="not take augment='color': hair colour is one of the attributes D "
                                         "classifies; use 'translation,cutout'"):
        tiny_stargan(augment="color,translation")
    twin, fixed, x, fake, batch = flipping_twin(model, augment="translation,cutout")
    assert twin.get_config()["augment"] == "translation,cutout"
    # D must read every image through the stand-in transform
    (real_src, real_cls), (fake_src, fake_cls) = (map(numpy, twin.discriminator(v[:, :, ::-1])) for v in (x, fake))
    d_expected = fake_src.mean() - real_src.mean() + classification(real_cls, OWN)
    assert float(numpy(twin.discriminator_loss(batch))) == pytest.approx(d_expected, rel=1e-4, abs=1e-5)
    rec = np.abs(numpy(twin.generator([fake, OWN])) - x).mean()
    g_expected = -fake_src.mean() + classification(fake_cls, fixed) + 10.0 * rec
    assert float(numpy(twin.generator_loss(batch))) == pytest.approx(g_expected, rel=1e-4, abs=1e-5)


def test_augment_heads_classifier_augments_only_the_real_faces_the_attribute_classifier_learns_from(model):
    for config, match in (({"augment_heads": "real"}, "augment_heads must be 'both'"),
                          ({"augment_heads": "classifier"}, "needs augment"),
                          ({"augment_heads": "classifier", "augment": "cutout", "augment_target": 0.6}, "fixed probability")):
        with pytest.raises(ValueError, match=match):
            tiny_stargan(**config)
    twin, fixed, x, fake, batch = flipping_twin(model, augment="translation,cutout", augment_heads="classifier")
    assert twin.get_config()["augment_heads"] == "classifier" and "augment_heads" not in model.get_config()
    (real_src, _), (fake_src, fake_cls) = (map(numpy, twin.discriminator(v)) for v in (x, fake))
    _, flipped_cls = map(numpy, twin.discriminator(x[:, :, ::-1]))
    d_expected = fake_src.mean() - real_src.mean() + classification(flipped_cls, OWN)
    assert float(numpy(twin.discriminator_loss(batch))) == pytest.approx(d_expected, rel=1e-4, abs=1e-5)
    rec = np.abs(numpy(twin.generator([fake, OWN])) - x).mean()
    g_expected = -fake_src.mean() + classification(fake_cls, fixed) + 10.0 * rec
    assert float(numpy(twin.generator_loss(batch))) == pytest.approx(g_expected, rel=1e-4, abs=1e-5)


def test_augment_heads_classifier_and_edits_also_gives_gs_classification_term_its_edits_augmented(model):
    with pytest.raises(ValueError, match="augment_heads='classifier_and_edits' needs augment"):
        tiny_stargan(augment_heads="classifier_and_edits")
    twin, fixed, x, fake, batch = flipping_twin(model, augment="translation,cutout",
                                                augment_heads="classifier_and_edits")
    assert twin.get_config()["augment_heads"] == "classifier_and_edits"
    (real_src, _), (fake_src, _) = (map(numpy, twin.discriminator(v)) for v in (x, fake))
    (_, flipped_real_cls), (_, flipped_fake_cls) = (map(numpy, twin.discriminator(v[:, :, ::-1])) for v in (x, fake))
    d_expected = fake_src.mean() - real_src.mean() + classification(flipped_real_cls, OWN)
    assert float(numpy(twin.discriminator_loss(batch))) == pytest.approx(d_expected, rel=1e-4, abs=1e-5)
    rec = np.abs(numpy(twin.generator([fake, OWN])) - x).mean()
    g_expected = -fake_src.mean() + classification(flipped_fake_cls, fixed) + 10.0 * rec
    assert float(numpy(twin.generator_loss(batch))) == pytest.approx(g_expected, rel=1e-4, abs=1e-5)
    # a teacher reads the same augmented edits (weighted heavily: an untrained one reads a face and its
    # mirror image nearly alike)
    keras.utils.set_random_seed(1)
    taught = StarGAN.from_config({**twin.get_config(), "lambda_teacher": 50.0})
    taught.set_weights(twin.get_weights())
    taught.random_targets, taught.augmenter.augment = twin.random_targets, twin.augmenter.augment
    teacher = build_attribute_teacher(16, 5, width=2)
    taught.attach_teacher(teacher)
    g_expected += 50.0 * classification(numpy(teacher(fake[:, :, ::-1], training=False)), fixed)
    assert float(numpy(taught.generator_loss(batch))) == pytest.approx(g_expected, rel=1e-4, abs=1e-5)


# --- edit ----------------------------------------------------------------------------------------
def test_edit_keeps_the_callers_attributes_it_is_not_asked_to_change(model):
    batch = faces(4)
    young = OWN.copy()
    young[:, 4] = 0
    np.testing.assert_array_equal(model.edit(batch, attributes=OWN, Young=0), generated(model, batch, young))
    blond = OWN.copy()
    blond[:, :3] = [0, 1, 0]  # the other colours cleared, also where the face had none
    np.testing.assert_array_equal(model.edit(batch, attributes=OWN, Blond_Hair=1, Male=1),
                                  generated(model, batch, np.where(np.arange(5) == 3, 1.0, blond)))
    one = model.edit(batch[1], attributes=OWN[1], Black_Hair=1)  # one HWC face and its (A,) vector
    assert one.shape == (16, 16, 3) and one.dtype == np.uint8
    np.testing.assert_array_equal(one, generated(model, batch[1:2], [[1, 0, 0, 1, 0]])[0])
    np.testing.assert_array_equal(model.edit(batch, attributes=OWN), generated(model, batch, OWN))  # no change


def test_without_attributes_edit_reads_them_with_ds_classifier(model):
    batch = faces(6, seed=3)
    logits = numpy(model.discriminator(images.from_uint8(batch))[1])
    expected = (logits > 0).astype(np.float32)
    expected[:, :3] = np.eye(3)[logits[:, :3].argmax(1)]
    read = model.read_attributes(batch)
    np.testing.assert_array_equal(read, expected)
    np.testing.assert_array_equal(model.edit(batch, Male=0), model.edit(batch, attributes=read, Male=0))


@pytest.mark.parametrize("targets,match", [
    ({"Blonde_Hair": 1}, "Unknown attribute 'Blonde_Hair'. Did you mean 'Blond_Hair'"
),
    ({"Young": 2}, "Young=2: attribute values are 0 or 1"),
    ({"Young": 0.5}, "attribute values are 0 or 1"),
    ({"Blond_Hair": 0}, "Blond_Hair=0 alone leaves no hair colour: set the colour wanted to 1 instead"),
    ({"Black_Hair": 1, "Blond_Hair": 1}, "one hair colour at a time"),
])
def test_bad_edits_say_what_is_allowed(model, targets, match):
    with pytest.raises(ValueError, match=match.replace("?", r"\?").replace(".", r"\.")):
        model.edit(faces(1), attributes=OWN[:1], **targets)


def test_edit_checks_its_images_and_attributes(model):
    with pytest.raises(ValueError, match=r"expected shape \(4, 5\)"):
        model.edit(faces(4), attributes=OWN[:3], Young=1)
    with pytest.raises(ValueError, match="0/1 values"):
        model.edit(faces(4), attributes=OWN * 2 - 1, Young=1)
    with pytest.raises(ValueError, match="resize=True"):
        model.edit(faces(1, size=24), Young=1)
    with pytest.raises(ValueError, match="uint8"):
        model.edit(faces(1).astype("float32"), Young=1)
    photo = np.random.default_rng(0).integers(0, 256, (24, 20, 3), dtype=np.uint8)
    np.testing.assert_array_equal(model.edit(photo, resize=True, attributes=OWN[0], Young=0),
                                  model.edit(images.resize_square(photo, 16), attributes=OWN[0], Young=0))
    with pytest.raises(ValueError, match="edits faces rather than sampling"):
        model.sample(4)


def test_edit_grid_is_the_papers_figure(model):
    batch = faces(2)
    grid = model.edit_grid(batch, attributes=OWN[:2])
    columns = [batch, *(model.edit(batch, attributes=OWN[:2], **{name: 1}) for name in ATTRIBUTES[:3])]
    for column in (3, 4):  # Male and Young flipped
        flipped = OWN[:2].copy()
        flipped[:, column] = 1 - flipped[:, column]
        columns.append(model.edit(batch, attributes=flipped))
    expected = images.grid(np.stack(columns, axis=1).reshape(-1, 16, 16, 3), cols=6)
    np.testing.assert_array_equal(grid, expected)
    assert model.preview_grid(12, inputs=(batch, OWN[:2])).shape == expected.shape  # 12 // 6 rows


def test_the_aging_grid_ages_the_young_and_rejuvenates_the_old(model):
    batch = faces(4)  # OWN: rows 0 and 2 young, rows 1 and 3 old
    grid = model.aging_grid(batch, attributes=OWN)
    columns = [batch[[0, 2]], model.edit(batch[[0, 2]], attributes=OWN[[0, 2]], Young=0),
               batch[[1, 3]], model.edit(batch[[1, 3]], attributes=OWN[[1, 3]], Young=1)]
    np.testing.assert_array_equal(grid, images.grid(np.stack(columns, axis=1).reshape(-1, 16, 16, 3), cols=4))
    with pytest.raises(ValueError, match="needs young and old faces; these 2 are all young"):
        model.aging_grid(batch[[0, 2]], attributes=OWN[[0, 2]])
    with pytest.raises(ValueError, match="edits 'Young'; this one edits Blond_Hair, Male"):
        tiny_stargan(attributes=["Blond_Hair", "Male"], hair_group=[]).aging_grid(batch)


def test_the_card_shows_aging_where_the_preview_faces_have_both_ages(tmp_path):
    from ganzoo import export

    gan = tiny_stargan()
    gan.preview_inputs = (faces(4), OWN)
    np.testing.assert_array_equal(gan.card_pictures()["aging.png"], gan.aging_grid(faces(4), attributes=OWN))
    gan.preview_inputs = (faces(2), OWN[[0, 2]])
    assert gan.card_pictures() == {}  # all young: no aging picture
    gan.preview_inputs = (faces(4), OWN)  # a float16 export draws its pictures from a reloaded twin
    folder = export.save_weights_folder(gan, tmp_path / "tiny", generator_only=True, weights_dtype="float16")
    assert (folder / "aging.png").exists()


# --- training and serialisation ------------------------------------------------------------------
def test_a_few_steps_train_both_networks_without_nan():
    gan = tiny_stargan()
    gan.compile()
    before_g, before_d = weights_of(gan.generator), weights_of(gan.discriminator)
    attributes = np.tile(OWN, (5, 1)).astype(np.int8)
    # batch_size is each critic step's: a step reads 5 batches of 2, so 20 faces are two steps
    history = gan.fit(faces(20), attributes, batch_size=2, epochs=1, verbose=0).history
    assert moved(before_g, gan.generator) and moved(before_d, gan.discriminator)
    for name in ("d_loss", "g_loss", "gradient_penalty", "d_classification", "g_classification", "reconstruction"):
        assert np.isfinite(history[name]).all(), (name, history)
    assert int(numpy(gan.d_optimizer.iterations)) == 5 * int(numpy(gan.g_optimizer.iterations)) == 10
    assert all(np.isfinite(w).all() for w in gan.get_weights())
    with pytest.raises(ValueError, match=r"fit: the attributes: expected shape \(20, 5\)"):
        gan.fit(faces(20), attributes[:, :4], batch_size=2, verbose=0)
    with pytest.raises(ValueError, match="fit\\(faces, attributes\\)"):
        gan.fit(faces(8), batch_size=4, verbose=0)


def test_the_papers_schedule_brings_both_players_to_zero_together_though_d_steps_five_times_as_often():
    """D's optimizer counts 5 iterations a generator step: a schedule over generator steps would have
    started D's decay at 10% of training and frozen D (rate 0) from 20% on, while G went on against it."""
    gan = tiny_stargan()
    gan.compile(total_steps=10, d_learning_rate=2e-4)
    g_rates, d_rates = [], []
    for step in (0, 4, 5, 8, 10):
        gan.g_optimizer.iterations.assign(step)
        gan.d_optimizer.iterations.assign(5 * step)
        g_rates.append(float(numpy(gan.g_optimizer.learning_rate)))
        d_rates.append(float(numpy(gan.d_optimizer.learning_rate)))
    np.testing.assert_allclose(g_rates, [1e-4, 1e-4, 1e-4, 4e-5, 0.0], rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(d_rates, [2e-4, 2e-4, 2e-4, 8e-5, 0.0], rtol=1e-5, atol=1e-12)
    # two steps of training keep them in step
    fresh = tiny_stargan()
    fresh.compile(total_steps=4)
    fresh.fit(faces(20), np.tile(OWN, (5, 1)), batch_size=2, epochs=1, verbose=0)
    assert float(numpy(fresh.d_optimizer.learning_rate)) == float(numpy(fresh.g_optimizer.learning_rate)) == \
        pytest.approx(1e-4)


def test_a_short_last_batch_trains_its_critic_steps_on_what_it_has_down_to_one_face():
    # 6 faces at batch 1: a step of 5 critic batches of one face, then one face for all 5 (on torch a batch
    # of one face once stopped fit in the CPU convolution's backward: ganzoo.core.torch_conv)
    gan = tiny_stargan()
    gan.compile()
    history = gan.fit(faces(6), np.tile(OWN, (2, 1))[:6], batch_size=1, epochs=1, verbose=0).history
    assert int(numpy(gan.g_optimizer.iterations)) == 2 and int(numpy(gan.d_optimizer.iterations)) == 10
    assert all(np.isfinite(values).all() for values in history.values())
    assert all(np.isfinite(w).all() for w in gan.get_weights())


def test_config_round_trips_and_weights_save_and_load(model, tmp_path):
    config = tiny_stargan(attributes=["Blond_Hair", "Black_Hair", "Smiling"], hair_group=["Blond_Hair", "Black_Hair"],
                          lambda_rec=5.0).get_config()
    again = StarGAN.from_config(config)
    assert again.get_config() == config and again.hair_columns == [0, 1]
    assert keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(again)).get_config() == config
    path = tmp_path / "stargan.weights.h5"
    model.save_weights(path)
    loaded = tiny_stargan(seed=1)
    edits = [m.edit(faces(2), attributes=OWN[:2], Young=0) for m in (loaded, model)]
    assert not np.array_equal(*edits)
    loaded.load_weights(path)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.edit(faces(2), Young=0), model.edit(faces(2), Young=0))


def test_a_run_goes_on_from_a_snapshot_of_another_config_layer_by_layer(tmp_path):
    from ganzoo import training

    keras.utils.set_random_seed(3)
    plain = tiny_stargan()
    plain.compile()  # a training run's snapshot holds its optimizers too
    (tmp_path / "snapshots").mkdir()
    plain.save_weights(tmp_path / "snapshots" / "step_0000005.weights.h5")
    config = {k: v for k, v in plain.get_config().items() if k != "seed"}  # run.json keeps the seed apart
    (tmp_path / "run.json").write_text(json.dumps({"family": "stargan", "config": config, "seed": 0}))
    masked = tiny_stargan(edit_mask=True)
    assert training.initialize_from_snapshot(masked, tmp_path, 5) == {"generator": ["edit_mask"]}
    for network in ("generator", "discriminator"):
        ours = {w.path: numpy(w) for w in getattr(masked, network).weights}
        for w in getattr(plain, network).weights:
            np.testing.assert_array_equal(ours[w.path], numpy(w))
    with pytest.raises(FileNotFoundError, match="no snapshot at step 6; it has snapshots at steps 5"):
        training.initialize_from_snapshot(masked, tmp_path, 6)
    with pytest.raises(ValueError, match="shares no layer"):
        training.initialize_from_snapshot(tiny_dcgan(), tmp_path, 5)


# --- data ----------------------------------------------------------------------------------------
def test_select_attributes_takes_the_named_columns_in_order():
    names = ["Bald", "Black_Hair", "Blond_Hair", "Male"]
    attributes = np.array([[1, -1, 1, -1], [-1, 1, -1, 1]])
    np.testing.assert_array_equal(paired.select_attributes(attributes, names, ["Male", "Blond_Hair"]),
                                  [[0, 1], [1, 0]])
    assert paired.select_attributes(attributes > 0, names, ["Bald"]).dtype == np.int8
    with pytest.raises(ValueError, match="Did you mean 'Blond_Hair'"):
        paired.select_attributes(attributes, names, ["Blonde_Hair"])


@needs_data
def test_celeba_attributes_hold_out_the_last_1000_faces():
    train, attributes = paired.celeba_attributes(list(ATTRIBUTES), "train")
    test, test_attributes = paired.celeba_attributes(["Male"], "test")
    assert train.shape == (9000, 64, 64, 3) and attributes.shape == (9000, 5) and attributes.dtype == np.int8
    assert test.shape == (1000, 64, 64, 3) and test_attributes.shape == (1000, 1)
    assert set(np.unique(attributes)) == {0, 1}


@needs_data
def test_the_recipe_runs_a_few_tiny_steps(tmp_path):
    args = ["--steps=2", "--batch_size=4", "--stargan_width=2", "--stargan_blocks=1", "--steps_per_epoch=1",
            "--stargan_lambda_cls=3", "--augment=translation,cutout", "--stargan_augment_heads=classifier",
            "--stargan_teacher_weight=0.5", "--stargan_teachers=pooled,layout:0.05,pooled_luma,pooled@Blond_Hair+Young",
            "--stargan_colour_teacher_attributes=Black_Hair,Male", "--stargan_luma_teacher_attributes=Male,Young",
            "--stargan_teacher_min_accuracy=0.5", "--stargan_teacher_epochs=1", "--stargan_teacher_faces=64", f"--output_dir={tmp_path / 'run'}",
            "--snapshot_every=2", "--stargan_lambda_kept_colour=2", "--stargan_kept_colour_box=0.43,0.85,0.28,0.72",
            "--export", f"--export_dir={tmp_path / 'weights' / 'stargan_celeba'}", f"--manifest={tmp_path / 'manifest.json'}"]
    done = subprocess.run([sys.executable, "recipes/stargan_celeba.py", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    folder = tmp_path / "weights" / "stargan_celeba"
    assert {"model.weights.h5", "discriminator.weights.h5", "samples.png", "aging.png", "README.md"} <= set(
        os.listdir(folder))
    card = (folder / "README.md").read_text()
    assert "ganzoo edit stargan_celeba" in card and "![aging.png](aging.png)" in card
    config = json.loads((folder / "config.json").read_text())["config"]
    assert config["lambda_cls"] == 3.0 and config["augment"] == "translation,cutout"
    assert config["augment_heads"] == "classifier" and config["lambda_teacher"] == 0.5
    assert config["lambda_kept_colour"] == 2.0 and config["kept_colour_box"] == [0.43, 0.85, 0.28, 0.72]
    for name, spec, epsilon in (("pooled", "pooled", 0.0), ("layout_eps0.05", "layout:0.05", 0.05),
                                ("pooled_luma", "pooled_luma", 0.0)):  # kept for resumed legs
        taught = json.loads((tmp_path / "run" / f"attribute_teacher_{name}.json").read_text())
        assert (tmp_path / "run" / f"attribute_teacher_{name}.weights.h5").exists()
        assert set(taught["held_out_balanced_accuracy"]) == set(ATTRIBUTES) and taught["training_faces"] == 64
        assert taught["epsilon"] == epsilon
        # each teaches the attributes it reads at --stargan_teacher_min_accuracy or above, of those that
        # --stargan_colour_teacher_attributes or --stargan_luma_teacher_attributes allow it
        allowed = ("Male", "Young") if name == "pooled_luma" else ("Black_Hair", "Male")
        reliable = [a for a in ATTRIBUTES if taught["held_out_balanced_accuracy"][a] >= 0.5 and a in allowed]
        assert f"teacher {spec} teaches {', '.join(reliable) or 'nothing'}" in done.stdout
    # pooled@Blond_Hair+Young: the same saved teacher, teaching what its @ names instead of what its kind's flag allows
    scores = json.loads((tmp_path / "run" / "attribute_teacher_pooled.json").read_text())["held_out_balanced_accuracy"]
    reliable = [a for a in ("Blond_Hair", "Young") if scores[a] >= 0.5]
    assert f"teacher pooled teaches {', '.join(reliable) or 'nothing'}\n" in done.stdout
    # a run with G's edit mask goes on from that run's snapshot: every layer but the mask keeps its weights
    masked = [*args[:5], "--stargan_edit_mask", f"--init_snapshot={tmp_path / 'run'}:2", f"--output_dir={tmp_path / 'masked'}",
              "--export", f"--export_dir={tmp_path / 'weights' / 'masked'}", f"--manifest={tmp_path / 'manifest.json'}"]
    done = subprocess.run([sys.executable, "recipes/stargan_celeba.py", *masked], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((tmp_path / "weights" / "masked" / "config.json").read_text())["config"]["edit_mask"] is True
    began = json.loads((tmp_path / "manifest.json").read_text())["models"]["stargan_celeba"]["training"]["initialized_from"]
    assert began["steps"] == 2 and began["fresh_layers"] == {"generator": ["edit_mask"]}
    assert "began from the snapshot at step 2 of another run" in (tmp_path / "weights" / "masked" / "README.md").read_text()


@pytest.mark.parametrize("flag, expected", [
    ("--stargan_teachers=pooled,dense", "one or more of pooled, layout, pooled_luma, layout_luma, coarse, each optionally :EPSILON"),
    ("--stargan_teachers=layout:1.5", "one or more of pooled, layout, pooled_luma, layout_luma, coarse, each optionally :EPSILON"),
    ("--stargan_teachers=coarse@Male+Age", "@ATTRIBUTE+ATTRIBUTE of Black_Hair, Blond_Hair, Brown_Hair, Male, Young"),
    ("--stargan_colour_teacher_attributes=Blonde_Hair", "one or more of Black_Hair, Blond_Hair, Brown_Hair, Male, Young"),
    ("--stargan_luma_teacher_attributes=Blonde_Hair", "one or more of Black_Hair, Blond_Hair, Brown_Hair, Male, Young")])
def test_the_recipe_names_the_valid_teachers_and_attributes_when_given_another(flag, expected):
    done = subprocess.run([sys.executable, "recipes/stargan_celeba.py", flag], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode != 0 and expected in done.stderr


# --- the command line ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def edit_zoo(tmp_path_factory):
    root = tmp_path_factory.mktemp("edit_zoo")
    return private_zoo(root, {"tiny_stargan": tiny_stargan(), "tiny_dcgan": tiny_dcgan()},
                       "A tiny untrained model for the edit CLI tests.", CELEBA)


@pytest.fixture
def face_file(edit_zoo, tmp_path, monkeypatch):
    point_cli_at(edit_zoo[0], tmp_path, monkeypatch)
    face = faces(1, seed=5)[0]
    images.save_png(face, tmp_path / "face.png")
    return face, edit_zoo[1]["tiny_stargan"]


def test_edit_writes_the_face_beside_its_edit(capsys, tmp_path, face_file):
    face, model = face_file
    code, out, err = run(capsys, "edit", "tiny_stargan", "face.png", "--set", "Blond_Hair=1", "--set", "Young=0",
                         "-o", "out.png")
    assert code == 0, err
    assert "wrote the edit of face.png by tiny_stargan to out.png" in out
    edited = model.edit(face, Blond_Hair=1, Young=0)
    expected = images.grid(side_by_side(face[None], edited[None])[0], cols=2)
    np.testing.assert_array_equal(png_pixels(tmp_path / "out.png"), expected.repeat(8, 0).repeat(8, 1))
    assert run(capsys, "edit", "tiny_stargan", "face.png", "--set", "Male=1", "-o", "only.png", "--output-only")[0] == 0
    np.testing.assert_array_equal(png_pixels(tmp_path / "only.png"), model.edit(face, Male=1))
    assert run(capsys, "edit", "tiny_stargan", "face.png", "--grid", "-o", "grid.png", "--scale", "2")[0] == 0
    grid = model.edit_grid(face)
    np.testing.assert_array_equal(png_pixels(tmp_path / "grid.png"), grid.repeat(2, 0).repeat(2, 1))
    assert grid.shape == (16 + 4, 6 * 16 + 7 * 2, 3)


@pytest.mark.parametrize("argv,match", [
    (["--set", "Blonde_Hair=1"], "Unknown attribute 'Blonde_Hair'. Did you mean 'Blond_Hair'"),
    (["--set", "Young=2"], "--set takes NAME=0 or NAME=1"),
    (["--set", "Blond_Hair=0"], "Blond_Hair=0 alone leaves no hair colour"),
    ([], "say what to change: --set NAME=0|1"),
    (["--grid", "--set", "Male=1"], "not both"),
    (["--set", "Male=1", "-o", "out.jpg"], "--output must be a .png file"),
])
def test_bad_edit_requests_fail_on_one_line(capsys, face_file, argv, match):
    fails_on_one_line(capsys, "edit", "tiny_stargan", "face.png", *argv, match=match)


def test_edit_needs_a_stargan_entry_and_a_face_of_its_size(capsys, tmp_path, face_file):
    fails_on_one_line(capsys, "edit", "tiny_dcgan", "face.png", "--set", "Male=1", match="it does not edit attributes")
    images.save_png(faces(1, size=24)[0][:, :20], tmp_path / "photo.png")
    fails_on_one_line(capsys, "edit", "tiny_stargan", "photo.png", "--set", "Male=1", match="add --resize")
    code, _, err = run(capsys, "edit", "tiny_stargan", "photo.png", "--set", "Male=1", "--resize", "--output-only",
                       "-o", "out.png")
    assert code == 0, err
    assert png_pixels(tmp_path / "out.png").shape == (16, 16, 3)


# --- evaluation: did the edit take, and is it the same face? ------------------------------------
def test_the_edit_plan_covers_each_attribute_both_ways_and_each_hair_colour_once():
    from ganzoo.metrics.edits import edit_plan

    plan = {(name, value): rows.tolist() for name, value, rows in edit_plan(OWN, ATTRIBUTES, ATTRIBUTES[:3])}
    assert plan == {("Black_Hair", 1): [1, 2, 3], ("Blond_Hair", 1): [0, 2, 3], ("Brown_Hair", 1): [0, 1, 3],
                    ("Male", 1): [0, 3], ("Male", 0): [1, 2], ("Young", 1): [1, 3], ("Young", 0): [0, 2]}
    everyone_young = edit_plan(np.ones((3, 1)), ["Young"])
    assert [(name, value, rows.tolist()) for name, value, rows in everyone_young] == [("Young", 0, [0, 1, 2])]
    with pytest.raises(ValueError, match=r"expected \(N, 5\)"):
        edit_plan(OWN[:, :4], ATTRIBUTES)


def test_horizontal_bands_are_the_grey_levels_of_fine_horizontal_stripes_in_a_change():
    from ganzoo.metrics.edits import horizontal_bands

    rng = np.random.default_rng(0)
    faces_ = rng.integers(60, 196, (6, 64, 64, 3)).astype(np.uint8)
    rows = np.arange(64)[None, :, None, None]
    fine = np.broadcast_to(np.where(rows % 4 < 2, 10, -10), faces_.shape)  # +-10 grey levels, period 4
    assert horizontal_bands(faces_, (faces_ + fine).astype(np.uint8)) == pytest.approx(10.0, rel=1e-9)
    assert horizontal_bands(faces_, (faces_ + np.swapaxes(fine, 1, 2)).astype(np.uint8)) == 0.0  # turned upright
    noise = rng.normal(0, 6, faces_.shape)  # a change without a direction

    def bands(change):
        return horizontal_bands(faces_, np.clip(np.round(faces_ + change), 0, 255).astype(np.uint8))

    assert bands(noise) < 0.5 and bands(noise + fine) == pytest.approx(10.0, abs=0.5)
    slow = np.broadcast_to(10 * np.sin(2 * np.pi * rows / 16), faces_.shape)  # period 16: not a fine band
    assert bands(noise + slow) < 0.5
    assert horizontal_bands(faces_, faces_) == 0.0
    with pytest.raises(ValueError, match="the same"):
        horizontal_bands(faces_, faces_[:2])


def test_change_colour_is_the_grey_levels_of_colour_in_a_change_and_none_of_its_brightness():
    from ganzoo.metrics.edits import change_colour

    faces_ = np.random.default_rng(0).integers(60, 196, (3, 8, 8, 3)).astype(np.uint8)
    assert change_colour(faces_, faces_ + np.uint8(20)) == pytest.approx(0.0, abs=1e-9)  # brighter, no colour
    redder = faces_ + np.array([30, 0, 0], np.uint8)
    assert change_colour(faces_, redder) == pytest.approx(30 * (0.701 + 0.299 + 0.299) / 3, rel=1e-9)
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\)"):
        change_colour(faces_[..., :1], faces_[..., :1])


def test_the_edit_table_shows_each_edits_shares_in_percent_with_a_dash_where_one_is_missing():
    from ganzoo.metrics.edits import table

    result = {"step": 5, "edited_faces": 3, "Male=1/faces": 2, "judge/Male=1/read_as_target": 0.5,
              "own_classifier/Male=1/read_as_target": 1.0, "untranslated_judge/Male=1/read_as_target": 0.0,
              "real_judge/Male=1/read_as_target": 0.75, "Male=1/real_faces": 8, "Male=1/identity_top1": 0.5,
              "Male=1/input_l1": 0.1234, "Male=1/horizontal_bands": 2.5, "Male=1/change_colour": 1.25,
              "Young=0/faces": 1,
              "judge/Young=0/read_as_target": 0.25, "judge/Young/balanced_accuracy": 0.8, "edits_fid/celeba/train": 99.5}
    header, male, young, tail = table(result, "judge").splitlines()
    assert header.split() == ["edit", "faces", "judge", "%", "own", "D", "%", "inputs", "%", "real", "%", "identity",
                              "input", "L1", "bands", "colour"]
    assert male.split() == ["Male=1", "2", "50", "100", "0", "75", "0.500", "0.123", "2.5", "1.2"]
    assert young.split() == ["Young=0", "1", "25", "-", "-", "-", "nan", "nan", "nan", "nan"]
    assert tail == "edits FID 99.5"


def test_read_as_and_identity_against_closed_forms():
    from ganzoo.metrics.edits import identity_top1, read_as

    assert read_as([0.9, 0.2, 0.7, 0.5], 1) == 0.5 and read_as([0.9, 0.2, 0.7, 0.5], 0) == 0.5
    inputs = np.random.default_rng(0).normal(size=(10, 8))
    assert identity_top1(inputs, inputs[[2, 5]], [2, 5]) == 1.0  # unchanged faces are themselves
    assert identity_top1(inputs, inputs[[2, 5]] + 1e-3, [5, 2]) == 0.0  # each nearest another's input
    assert identity_top1(inputs, inputs[[1, 1, 3]], [1, 0, 3]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="one input index per edit"):
        identity_top1(inputs, inputs[:2], [0])


def test_real_faces_read_as_weights_each_stratum_by_the_edited_faces():
    from ganzoo.metrics.edits import real_faces_read_as

    # real blond faces: 2 men (the judge reads 1 as blond), 4 women (it reads all 4); one man not blond
    probabilities = [0.9, 0.2, 0.8, 0.7, 0.6, 0.9, 0.99]
    truth = [1, 1, 1, 1, 1, 1, 0]
    sex = [1, 1, 0, 0, 0, 0, 1]
    # 3 edited men and 1 woman: 3/4 x 1/2 + 1/4 x 1
    assert real_faces_read_as(probabilities, truth, 1, sex, [1, 1, 1, 0]) == (pytest.approx(0.625), 6)
    assert real_faces_read_as(probabilities, truth, 1, sex, [0, 0]) == (pytest.approx(1.0), 4)
    # to 0: the one real face without the attribute, read 0.99 (not 0)
    assert real_faces_read_as(probabilities, truth, 0, sex, [1, 0]) == (pytest.approx(0.0), 1)  # no woman: left out
    assert real_faces_read_as(probabilities, truth, 0, sex, [0]) == (None, 0)
    with pytest.raises(ValueError, match="one value per real face"):
        real_faces_read_as(probabilities, truth[:3], 1, sex, [0])


def _tiny_attribute_judge(weights, manifest, classes, multi_label=True):
    """An untrained multi-label evaluator of 64x64 faces in weights/tiny_judge and the manifest."""
    import json

    from ganzoo import export, zoo
    from ganzoo.metrics.classifier import build_classifier

    keras.utils.set_random_seed(3)
    judge = build_classifier(len(classes), (64, 64, 3))
    (weights / "tiny_judge").mkdir(parents=True, exist_ok=True)
    judge.save_weights(weights / "tiny_judge" / "model.weights.h5")
    config = {"num_classes": len(classes), "image_shape": [64, 64, 3], "classes": list(classes),
              **({"multi_label": True} if multi_label else {})}
    (weights / "tiny_judge" / "config.json").write_text(json.dumps({"family": "classifier", "config": config}))
    entry = {"family": "classifier", "config": config, "files": [], "description": "tiny",
             "dataset": {"name": "celeba", "license": "research"}, "recipe": "recipes/x.py", "command": "x",
             "training": {}, "hub": {"repo_id": "ganzoo/tiny_judge", "revision": "v0"},
             "metrics": {"test_balanced_accuracy/Young": {"value": 0.8, "command": "x"}}}
    export.refresh_card("tiny_judge", entry, weights / "tiny_judge")
    zoo.write_entry("tiny_judge", entry, manifest, section="evaluators")
    return judge


@needs_data
def test_stargan_evaluation_scores_every_edit_with_the_judge_and_fid_at_equal_counts(tmp_path, monkeypatch):
    """Each edit of the held-out faces (from their true attributes) is read by the multi-label judge,
    beside the judge's reading of the faces as they are; FID takes as many edits as inputs; black to
    blond is scored on CycleGAN's domain a. Inception features and FID are stubbed (half an hour of CPU)."""
    from ganzoo import evaluate, export, zoo
    from ganzoo.metrics import edits as edit_metrics
    from ganzoo.metrics import fid
    from ganzoo.metrics.classifier import predict_attributes, predict_probabilities
    from test_metrics import _tiny_hair_judge

    weights, manifest = tmp_path / "weights", tmp_path / "manifest.json"
    model = tiny_stargan(resolution=64, width=2)
    folder = export.save_weights_folder(model, weights / "tiny")
    hair = {"a": "Black_Hair", "b": "Blond_Hair", "classifier": "tiny_hair"}
    evaluation = {"n_samples": 12, "seed": 0, "translation": {
        "edits": {"classifier": "tiny_judge"}, "black2blond": hair, "reconstruction": True}}
    entry = export.build_entry("tiny", model, folder, description="tiny", recipe="recipes/x.py", command="x",
                               dataset={"name": "celeba", "license": "research"}, training={"steps": 0},
                               evaluation=evaluation)
    zoo.write_entry("tiny", entry, manifest)
    judge = _tiny_attribute_judge(weights, manifest, ["Smiling", *reversed(ATTRIBUTES)])
    hair_judge = _tiny_hair_judge(weights, manifest)
    monkeypatch.setattr(zoo, "MANIFEST_PATH", manifest)
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(weights))
    monkeypatch.setattr(fid, "inception_features",  # 48 mean colours of 4x4 blocks: a feature per face
                        lambda images, **k: images.reshape(len(images), 4, 16, 4, 16, 3).mean(axis=(2, 4)).reshape(len(images), -1))
    calls = []

    def fid_stub(samples, real, key, reference, progress, fake=None):
        calls.append(dict(samples=samples, key=key, fake=fake))
        return {f"fid/{reference}": float(len(calls)), "fid_samples": len(samples)}

    monkeypatch.setattr(evaluate, "_fid", fid_stub)
    results, n, _ = evaluate.evaluate("tiny", weights_dir=weights, progress=False)
    all_faces, all_own = paired.celeba_attributes(list(ATTRIBUTES), "test")
    faces, own = all_faces[:12], all_own[:12]
    all_reading = predict_attributes(judge, all_faces)
    assert n == results["edited_faces"] == 12
    for name, value, rows in edit_metrics.edit_plan(own, ATTRIBUTES, ATTRIBUTES[:3]):
        edited = model.edit(faces[rows], attributes=own[rows], **{name: value})
        column = ["Smiling", *reversed(ATTRIBUTES)].index(name)
        key = f"{name}={value}"
        assert results[f"{key}/faces"] == len(rows)
        assert results[f"tiny_judge/{key}/read_as_target"] == round(
            edit_metrics.read_as(predict_attributes(judge, edited)[:, column], value), 4)
        assert results[f"untranslated_tiny_judge/{key}/read_as_target"] == round(
            edit_metrics.read_as(predict_attributes(judge, faces[rows])[:, column], value), 4)
        assert results[f"own_classifier/{key}/read_as_target"] == round(  # D's classifier, beside the judge
            edit_metrics.read_as(model.read_attributes(edited)[:, ATTRIBUTES.index(name)], value), 4)
        # all 1,000 real held-out faces with the target, by sex as the edited faces are (one group for Male)
        sex = all_own[:, ATTRIBUTES.index("Male")] if name != "Male" else np.zeros(len(all_own), int)
        share, real_faces = edit_metrics.real_faces_read_as(all_reading[:, column], all_own[:, ATTRIBUTES.index(name)],
                                                            value, sex, sex[rows])
        assert results[f"real_tiny_judge/{key}/read_as_target"] == pytest.approx(share, abs=1e-4)
        assert results[f"{key}/real_faces"] == real_faces > len(rows)  # all the held-out faces, not the n edited
        assert 0.0 <= results[f"{key}/identity_top1"] <= 1.0
        assert results[f"{key}/input_l1"] == pytest.approx(np.abs(edited / 255 - faces[rows] / 255).mean(), abs=1e-4)
        assert results[f"{key}/horizontal_bands"] == pytest.approx(edit_metrics.horizontal_bands(faces[rows], edited),
                                                                   abs=0.01)
        assert results[f"{key}/change_colour"] == pytest.approx(edit_metrics.change_colour(faces[rows], edited),
                                                                abs=0.01)
    assert results["tiny_judge/Young/balanced_accuracy"] == 0.8  # how far the judge is trusted, from its entry
    edits_call, inputs_call, *black2blond_calls = calls
    assert len(edits_call["samples"]) == len(edits_call["fake"]) == 12  # FID at the inputs' count
    np.testing.assert_array_equal(inputs_call["samples"], faces)
    assert results["edits_fid/celeba/train"] == 1.0 and results["untranslated_fid/celeba/train"] == 2.0
    assert results["reconstruction_l1"] == pytest.approx(
        np.abs(model.edit(faces, attributes=own) / 255 - faces / 255).mean(), abs=1e-4)
    black = (own[:, 0] == 1) & (own[:, 1] == 0)
    assert results["black2blond/translated_faces"] == black.sum() > 0
    blond = model.edit(faces[black], attributes=own[black], Blond_Hair=1)
    # (taken from the edits of all faces without blond hair: a batch of another size, so to 1 grey level)
    np.testing.assert_allclose(black2blond_calls[0]["samples"].astype(int), blond.astype(int), atol=1)
    assert black2blond_calls[0]["key"] == ("celeba", "train_Blond_Hair", 64)
    assert results["black2blond/tiny_hair/a2b_read_as_b"] == round(
        float(np.mean(predict_probabilities(hair_judge, blond).argmax(-1) == 1)), 4)
    blond_faces = (own[:, 1] == 1) & (own[:, 0] == 0)  # CycleGAN's domain b, edited to black hair
    assert results["black2blond/translated_faces_b2a"] == blond_faces.sum() > 0
    black = model.edit(faces[blond_faces], attributes=own[blond_faces], Black_Hair=1)
    assert results["black2blond/tiny_hair/b2a_read_as_a"] == pytest.approx(
        float(np.mean(predict_probabilities(hair_judge, black).argmax(-1) == 0)), abs=1 / blond_faces.sum())
    assert results["black2blond/untranslated_tiny_hair/b2a_read_as_a"] == round(
        float(np.mean(predict_probabilities(hair_judge, faces[blond_faces]).argmax(-1) == 0)), 4)

    _tiny_attribute_judge(weights, manifest, ["Smiling", *reversed(ATTRIBUTES)], multi_label=False)
    with pytest.raises(ValueError, match="must be a multi-label judge"):
        evaluate.evaluate("tiny", weights_dir=weights, progress=False)
    _tiny_attribute_judge(weights, manifest, ["Smiling", "Male"])
    with pytest.raises(ValueError, match=r"missing: \['Black_Hair', 'Blond_Hair', 'Brown_Hair', 'Young'\]"):
        evaluate.evaluate("tiny", weights_dir=weights, progress=False)


@needs_data
def test_a_stargan_run_s_checkpoint_is_scored_edit_by_edit(tmp_path, monkeypatch):
    """scripts/checkpoint_edits.py's measure: the latest checkpoint's edits of held-out faces read by
    the judge, with the step it holds; a run of another family is refused with the tool to use."""
    from ganzoo import evaluate, training, zoo
    from ganzoo.metrics import edits as edit_metrics
    from ganzoo.metrics import fid
    from ganzoo.metrics.classifier import predict_attributes

    weights, manifest = tmp_path / "weights", tmp_path / "manifest.json"
    manifest.write_text(zoo.MANIFEST_PATH.read_text())
    judge = _tiny_attribute_judge(weights, manifest, list(ATTRIBUTES))
    monkeypatch.setattr(zoo, "MANIFEST_PATH", manifest)
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(weights))
    monkeypatch.setattr(fid, "inception_features", lambda images, **k: images.reshape(len(images), -1)[:, :8] / 255.0)
    monkeypatch.setattr(evaluate, "_fid", lambda samples, real, key, reference, progress, fake=None: {f"fid/{reference}": 7.0})
    faces, attributes = paired.celeba_attributes(list(ATTRIBUTES), "train")
    config = dict(resolution=64, width=2, blocks=1, attributes=list(ATTRIBUTES), hair_group=list(ATTRIBUTES[:3]))
    training.train("stargan", config, (faces[:20], attributes[:20]), steps=2, batch_size=2, output_dir=tmp_path / "run",
                   verbose=0, compile_kwargs={"total_steps": 2})
    result = evaluate.checkpoint_attribute_edits(tmp_path / "run", "tiny_judge", n=12, progress=False)
    model, _ = training.load_checkpoint(tmp_path / "run")
    held_out, own = (x[:12] for x in paired.celeba_attributes(list(ATTRIBUTES), "test"))
    name, value, rows = edit_metrics.edit_plan(own, ATTRIBUTES, ATTRIBUTES[:3])[0]
    edited = model.edit(held_out[rows], attributes=own[rows], **{name: value})
    assert result["step"] == 2 and result["edited_faces"] == 12 and result["edits_fid/celeba/train"] == 7.0
    assert result[f"tiny_judge/{name}={value}/read_as_target"] == round(
        edit_metrics.read_as(predict_attributes(judge, edited)[:, ATTRIBUTES.index(name)], value), 4)
    assert "reconstruction_l1" in result
    with pytest.raises(FileNotFoundError, match="no snapshot at step 1"):  # --step reads a snapshot, not the latest
        evaluate.checkpoint_attribute_edits(tmp_path / "run", "tiny_judge", n=2, progress=False, step=1)
    training.train("dcgan", dict(resolution=28, channels=1, width=4, latent_dim=4), faces[:8, :28, :28, :1],
                   steps=1, batch_size=4, output_dir=tmp_path / "dcgan", verbose=0)
    with pytest.raises(ValueError, match="measures attribute-editing runs \\(StarGAN\\), not DCGAN"):
        evaluate.checkpoint_attribute_edits(tmp_path / "dcgan", "tiny_judge")


def _saved_teacher(run_dir, kind, epsilon=0.0):
    """A freshly built teacher kept in run_dir as the recipe keeps one, with made-up held-out accuracies."""
    run_dir.mkdir(parents=True, exist_ok=True)
    stem = teacher_file_stem(kind, epsilon)
    build_attribute_teacher(64, len(ATTRIBUTES), kind=kind).save_weights(run_dir / f"{stem}.weights.h5")
    (run_dir / f"{stem}.json").write_text(json.dumps({"held_out_balanced_accuracy": dict.fromkeys(ATTRIBUTES, 0.5)}))


def test_teacher_transfer_names_the_recipe_command_for_a_teacher_the_run_lacks(tmp_path):
    _saved_teacher(tmp_path / "run", "pooled")
    done = subprocess.run([sys.executable, "scripts/teacher_transfer.py", f"--run_dir={tmp_path / 'run'}",
                           "--teachers=pooled,layout:0.0627"], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode != 0
    assert "has no attribute_teacher_layout_eps0.0627.weights.h5" in done.stderr
    assert "--stargan_teachers=layout:0.0627" in done.stderr


@needs_data
def test_teacher_transfer_reads_each_teachers_moved_faces_with_the_judge(tmp_path):
    from PIL import Image

    from ganzoo.evaluate import _attribute_judge
    from ganzoo.metrics.classifier import predict_attributes

    _saved_teacher(tmp_path / "run", "coarse")
    done = subprocess.run([sys.executable, "scripts/teacher_transfer.py", f"--run_dir={tmp_path / 'run'}",
                           "--teachers=coarse", "-n", "3", "--budgets=2,30", "--steps=2", "--edits=Male=1",
                           f"--grid={tmp_path / 'grid.png'}"], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    lines = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines() if line.strip()}
    # the unmoved row: the judge's reading of the first three held-out women as men
    _, classes, judge = _attribute_judge("classifier_celeba_attributes", list(ATTRIBUTES))
    faces, own = paired.celeba_attributes(list(ATTRIBUTES), "test")
    women = faces[np.flatnonzero(own[:, ATTRIBUTES.index("Male")] == 0)[:3]]
    share = round(100 * np.mean(predict_attributes(judge, women)[:, classes.index("Male")] > 0.5))
    assert lines["(unmoved)"] == [str(share)] * 2
    # the teacher's row: its accuracy on Male, then a share of 3 faces per budget
    assert lines["coarse"][0] == "0.50" and {int(s) for s in lines["coarse"][1:]} <= {0, 33, 67, 100}
    # the grid: the inputs, then the teacher's faces at the largest budget, 3 a row
    assert Image.open(tmp_path / "grid.png").size == (3 * 64 + 4 * 2, 2 * 64 + 3 * 2)
