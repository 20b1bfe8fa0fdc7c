"""The image-to-image families of issue 5, pix2pix and CycleGAN, their layers and data helpers.
Tiny configs (16-32 px, width 4), a few steps each.

Runs on both backends (CI runs this file under KERAS_BACKEND=torch too)."""

import keras
import numpy as np
import pytest

from conftest import moved, numpy, weights_of
from ganzoo import images, paired
from ganzoo.core import objectives
from ganzoo.core.layers import ReflectionPadding2D, instance_norm
from ganzoo.families import get_family
from ganzoo.families.cyclegan import ConstantThenLinearDecay, CycleGAN, ImagePool
from ganzoo.families.pix2pix import Pix2Pix, rgb_from_luma_chroma


def tiny_pix2pix(**overrides):
    return Pix2Pix(**{"resolution": 32, "input_channels": 1, "output_channels": 3, "width": 4, "seed": 0,
                      **overrides})


def tiny_cyclegan(**overrides):
    return CycleGAN(**{"resolution": 16, "channels": 3, "width": 4, "residual_blocks": 2, "pool_size": 4,
                       "seed": 0, **overrides})


def twin(model, **overrides):
    """A model of the same family and weights whose config differs only by `overrides`."""
    other = type(model).from_config({**model.get_config(), **overrides})
    other.generator.set_weights(model.generator.get_weights())
    other.discriminator.set_weights(model.discriminator.get_weights())
    return other


def blocks(n, size, seed=0):
    """n uint8 RGB images: a coloured square at a random place on a grey background."""
    rng = np.random.default_rng(seed)
    out = np.full((n, size, size, 3), 96, np.uint8)
    for image in out:
        y, x = rng.integers(0, size // 2, size=2)
        image[y : y + size // 2, x : x + size // 2] = rng.integers(0, 256, 3)
    return out


@pytest.fixture
def pairs():
    """(edge maps (16, 32, 32, 1), the images they were drawn from (16, 32, 32, 3))."""
    targets = blocks(16, 32)
    return paired.edges(targets), targets


# --- shared layers ---------------------------------------------------------------------------
def test_instance_norm_is_per_image_per_channel_normalisation():
    x = np.random.default_rng(0).normal(2.0, 3.0, (2, 5, 6, 3)).astype("float32")
    norm = instance_norm()
    norm.build(x.shape)
    gamma, beta = np.array([0.5, 1.0, 2.0], "float32"), np.array([0.1, -0.2, 0.3], "float32")
    norm.set_weights([gamma, beta])
    mean, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(numpy(norm(x)), gamma * (x - mean) / np.sqrt(var + 1e-5) + beta, atol=1e-5)
    assert [tuple(w.shape) for w in norm.weights] == [(3,), (3,)]  # a scale and offset per channel


def test_reflection_padding_mirrors_without_repeating_the_edge():
    x = np.arange(2 * 4 * 5 * 3, dtype="float32").reshape(2, 4, 5, 3)
    layer = ReflectionPadding2D(2)
    np.testing.assert_array_equal(numpy(layer(x)), np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="reflect"))
    assert layer.compute_output_shape((None, 4, 5, 3)) == (None, 8, 9, 3)


# --- paired data -----------------------------------------------------------------------------
def test_grayscale_is_the_rounded_luma():
    colours = np.array([[[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [10, 20, 30]]]], np.uint8)
    grey = paired.grayscale(colours)
    assert grey.shape == (1, 1, 5, 1) and grey.dtype == np.uint8
    np.testing.assert_array_equal(grey[0, 0, :, 0], [76, 150, 29, 255, round(0.299 * 10 + 0.587 * 20 + 0.114 * 30)])


def test_edges_of_a_step_lie_exactly_either_side_of_it():
    step = np.zeros((1, 8, 10, 3), np.uint8)
    step[:, :, 4:] = 255  # black columns 0-3, white 4-9
    drawn = paired.edges(step)
    assert drawn.shape == (1, 8, 10, 1) and drawn.dtype == np.uint8
    expected = np.full((8, 10), 255, np.uint8)
    expected[:, 3:5] = 0
    np.testing.assert_array_equal(drawn[0, ..., 0], expected)
    np.testing.assert_array_equal(paired.edges(np.swapaxes(step, 1, 2))[0, ..., 0], expected.T)  # a horizontal step
    # the magnitude is the step's height in [0, 1]: a step of 60 grey levels is below 0.25, 70 above
    assert (paired.edges(step // 255 * 60) == 255).all()
    assert (paired.edges(step // 255 * 70) == drawn).all()
    assert (paired.edges(np.full((1, 6, 6, 1), 200, np.uint8)) == 255).all()  # the frame draws no line
    np.testing.assert_array_equal(paired.edges(step, channels=3), np.repeat(drawn, 3, axis=-1))
    with pytest.raises(ValueError, match="uint8"):
        paired.edges(step.astype("float32"))


def test_attribute_domains_take_faces_with_one_attribute_and_not_the_other():
    faces = np.arange(5, dtype=np.uint8).reshape(5, 1, 1, 1)
    names = ["Black_Hair", "Blond_Hair", "Smiling"]
    attributes = np.array([[1, 0, 0], [0, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 1]], np.int8)
    a, b = paired.attribute_domains(faces, attributes, names)
    np.testing.assert_array_equal(a.ravel(), [0, 4])  # face 2 has both, face 3 neither
    np.testing.assert_array_equal(b.ravel(), [1])
    a, b = paired.attribute_domains(faces, attributes * 2 - 1, names, a="Smiling", b="Black_Hair")  # -1/1 too
    np.testing.assert_array_equal(a.ravel(), [1, 3])
    np.testing.assert_array_equal(b.ravel(), [0, 2])
    with pytest.raises(ValueError, match="Did you mean 'Blond_Hair'"):
        paired.attribute_domains(faces, attributes, names, b="Blonde_Hair")
    with pytest.raises(ValueError, match="two different"):
        paired.attribute_domains(faces, attributes, names, b="Black_Hair")
    with pytest.raises(ValueError, match=r"shape \(5, 3\)"):
        paired.attribute_domains(faces, attributes[:4], names)


def test_align_domains_repeats_the_smaller_domain_in_a_seeded_order():
    a, b = np.arange(7), np.arange(100, 103)
    long_a, long_b = paired.align_domains(a, b, seed=1)
    assert len(long_a) == len(long_b) == 7
    assert sorted(long_a) == list(a) and set(long_b) == set(b)
    assert max(np.bincount(long_b - 100)) - min(np.bincount(long_b - 100)) <= 1
    np.testing.assert_array_equal(paired.align_domains(a, b, seed=1)[1], long_b)


# --- pix2pix ---------------------------------------------------------------------------------
def test_unet_halves_to_a_1x1_bottleneck_and_joins_each_encoder_output():
    gan = tiny_pix2pix()
    g = gan.generator
    levels = 5  # 32 -> 16 -> 8 -> 4 -> 2 -> 1
    assert [g.get_layer(f"down{i}").filters for i in range(levels)] == [4, 8, 16, 32, 32]  # C64-C128-C256-C512-C512
    assert tuple(g.get_layer(f"down{levels - 1}").output.shape[1:3]) == (1, 1)
    for i in range(levels - 1):
        skip = g.get_layer(f"skip{i}")
        encoder = g.get_layer(f"down{i}_bn" if i else "down0").output
        assert skip.input[1] is encoder
        assert skip.input[0].shape[1:3] == encoder.shape[1:3] == (32 // 2 ** (i + 1),) * 2
    assert g.output.shape[1:] == (32, 32, 3) and g.input.shape[1:] == (32, 32, 1)


def test_unet_decoder_has_dropout_in_its_first_three_blocks():
    g = Pix2Pix(resolution=64, width=2).generator  # 6 levels: decoder blocks up4 .. up0
    dropouts = [layer for layer in g.layers if isinstance(layer, keras.layers.Dropout)]
    assert [layer.name for layer in dropouts] == ["up4_dropout", "up3_dropout", "up2_dropout"]
    assert all(layer.rate == 0.5 for layer in dropouts)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 64, 64, 3)).astype("float32")
    assert not np.allclose(numpy(g(x, training=True)), numpy(g(x, training=True)))  # noise while training
    np.testing.assert_array_equal(numpy(g(x)), numpy(g(x)))  # none at inference


@pytest.mark.parametrize("resolution,strides", [(16, 0), (32, 0), (64, 1), (128, 2)])
def test_patchgan_receptive_field_scales_with_resolution(resolution, strides):
    d = Pix2Pix(resolution=resolution, input_channels=1, output_channels=3, width=2).discriminator
    assert [type(layer).__name__ for layer in d.layers].count("BatchNormalization") == strides
    side = resolution // 2**strides - 2  # 30x30 from 64 px up, as the paper's 70x70 PatchGAN at 256 px
    assert d.output.shape[1:] == (side, side, 1)
    # the pixels one logit depends on (D in inference mode: batch norm is then per pixel)
    centre = side // 2
    x = np.random.default_rng(0).uniform(-1, 1, (1, resolution, resolution, 4)).astype("float32")
    grads = numpy(objectives.input_gradients(
        lambda v: d([v[..., :1], v[..., 1:]], training=False)[:, centre, centre, 0], x))
    rows, cols = np.nonzero(np.abs(grads[0]).sum(axis=-1))
    assert rows.max() - rows.min() + 1 == cols.max() - cols.min() + 1 == 9 * 2**strides - 2  # 7, 16, 34 (70 at 256)


def test_pix2pix_discriminator_sees_the_input_and_the_image():
    d = tiny_pix2pix().discriminator
    assert [tuple(t.shape[1:]) for t in d.inputs] == [(32, 32, 1), (32, 32, 3)]
    assert d.get_layer("conv0").input.shape[-1] == 4  # joined on channels


def test_pix2pix_has_the_paper_settings():
    gan = tiny_pix2pix()
    assert gan.l1_weight == 100.0 and gan.g_objective is objectives.non_saturating_g_loss
    assert tiny_pix2pix(objective="least_squares").d_objective is objectives.least_squares_d_loss
    gan.compile()
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(gan.d_optimizer.beta_1) == pytest.approx(0.5)
    assert get_family("pix2pix") is Pix2Pix and get_family("cyclegan") is CycleGAN
    with pytest.raises(ValueError, match="power of two"):
        tiny_pix2pix(resolution=48)
    with pytest.raises(ValueError, match="l1_weight"):
        tiny_pix2pix(l1_weight=-1)


def test_luma_and_chroma_give_back_the_rgb_they_came_from():
    # closed form: BT.601 Y = LUMA . RGB, Cb = (B - Y) / 1.772, Cr = (R - Y) / 1.402, on [-1, 1]
    rgb = np.random.default_rng(0).uniform(-1, 1, (50, 3)).astype("float32")
    corners = np.array([[r, g, b] for r in (-1, 1) for g in (-1, 1) for b in (-1, 1)], np.float32)
    rgb = np.concatenate([rgb, corners])
    luma = rgb @ np.asarray(paired.LUMA, np.float32)
    chroma = np.stack([(rgb[:, 2] - luma) / 1.772, (rgb[:, 0] - luma) / 1.402], axis=-1)
    assert np.abs(chroma).max() == pytest.approx(1.0)  # tanh's range holds every colour, the cube's corners reach it
    back = numpy(rgb_from_luma_chroma(keras.ops.convert_to_tensor(luma[:, None]), keras.ops.convert_to_tensor(chroma)))
    np.testing.assert_allclose(back, rgb, atol=1e-5)


def test_chroma_generator_keeps_the_grey_input_as_the_luma_of_its_colours():
    gan = tiny_pix2pix(generator_output="chroma")
    g = gan.generator
    assert g.get_layer("to_image").filters == 2 and g.output.shape[1:] == (32, 32, 3)
    grey = np.random.default_rng(1).uniform(-0.5, 0.5, (2, 32, 32, 1)).astype("float32")
    colour = numpy(g(grey))
    assert colour.std(axis=-1).max() > 1e-3  # colours, not three copies of the grey
    inside = np.all(np.abs(colour) < 1.0, axis=-1)  # pixels the clip left alone
    assert inside.mean() > 0.9
    np.testing.assert_allclose((colour @ np.asarray(paired.LUMA, np.float32))[inside], grey[..., 0][inside], atol=1e-5)
    assert type(gan).from_config(gan.get_config()).generator_output == "chroma"
    assert tiny_pix2pix().get_config()["generator_output"] == "image"
    with pytest.raises(ValueError, match="input_channels=1 and output_channels=3"):
        tiny_pix2pix(generator_output="chroma", input_channels=3)
    with pytest.raises(ValueError, match="generator_output must be one of"):
        tiny_pix2pix(generator_output="ab")


def test_pix2pix_generator_loss_is_adversarial_plus_lambda_l1(pairs):
    # Twins with equal weights and equally seeded dropout draw the same masks on their first call.
    gan = tiny_pix2pix()
    plain = twin(gan, l1_weight=0.0)
    reference = twin(gan)
    batch = gan.prepare_batch(pairs)
    with_l1 = float(numpy(gan.generator_loss(batch)))
    adversarial = float(numpy(plain.generator_loss(batch)))
    fake = reference.generator(batch["inputs"], training=True)
    l1 = float(np.mean(np.abs(numpy(batch["targets"]) - numpy(fake))))
    assert adversarial == pytest.approx(
        float(numpy(objectives.non_saturating_g_loss(reference.discriminator([batch["inputs"], fake], training=True)))),
        rel=1e-5)
    assert float(numpy(gan.l1_tracker.result())) == pytest.approx(l1, rel=1e-5)
    assert with_l1 - adversarial == pytest.approx(100.0 * l1, rel=1e-4)


def test_pix2pix_trains_both_players_and_round_trips(pairs, tmp_path):
    gan = tiny_pix2pix()
    gan.compile()
    g_before, d_before = weights_of(gan.generator), weights_of(gan.discriminator)
    history = gan.fit(pairs, batch_size=8, epochs=1, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "l1"}
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert moved(g_before, gan.generator) and moved(d_before, gan.discriminator)
    gan.fit(*pairs, batch_size=8, epochs=1, verbose=0)  # fit(inputs, targets) as well
    gan.save_weights(tmp_path / "pix2pix.weights.h5")
    loaded = Pix2Pix.from_config(gan.get_config())
    loaded.load_weights(tmp_path / "pix2pix.weights.h5")
    np.testing.assert_array_equal(loaded.translate(pairs[0]), gan.translate(pairs[0]))


def test_pix2pix_training_needs_pairs_of_the_right_shapes(pairs):
    gan = tiny_pix2pix()
    gan.compile()
    with pytest.raises(ValueError, match=r"pairs"):
        gan.fit(pairs[1], batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"the targets: expected a uint8 array of shape \(N, 32, 32, 3\)"):
        gan.fit((pairs[0], pairs[1][..., :1]), batch_size=8, epochs=1, verbose=0)


def test_train_driver_feeds_pix2pix_its_pairs(pairs, tmp_path):
    from ganzoo.training import train

    config = {"resolution": 32, "input_channels": 1, "output_channels": 3, "width": 4}
    model, info = train("pix2pix", config, pairs, steps=2, batch_size=8, output_dir=tmp_path, verbose=0)
    assert info["steps"] == 2 and (tmp_path / "samples" / "step_0000002.png").exists()


@pytest.mark.parametrize("bad,match", [
    (np.zeros((32, 32, 1), np.float32), "dtype float32"),
    (np.zeros((32, 32), np.uint8), "rank 2"),
    (np.zeros((2, 32, 32, 3), np.uint8), "takes 1-channel images, got 3"),
    (np.zeros((2, 24, 32, 1), np.uint8), "takes 32x32 images, got 24x32; resize=True resizes"),
    (np.zeros((0, 32, 32, 1), np.uint8), "at least one image"),
])
def test_translate_checks_its_input(bad, match):
    with pytest.raises(ValueError, match=match):
        tiny_pix2pix().translate(bad)


def test_translate_keeps_the_leading_shape_and_resizes_on_request(pairs):
    gan = tiny_pix2pix()
    batch = gan.translate(pairs[0][:3], batch_size=2)
    assert batch.shape == (3, 32, 32, 3) and batch.dtype == np.uint8
    np.testing.assert_array_equal(gan.translate(pairs[0][1]), batch[1])
    large = np.repeat(np.repeat(pairs[0][:2], 2, axis=1), 3, axis=2)  # 64x96
    np.testing.assert_array_equal(gan.translate(large, resize=True),
                                  gan.translate(np.stack([images.resize_square(im, 32) for im in large])))
    with pytest.raises(ValueError, match="translates images rather than sampling"):
        gan.sample(4)


def test_pix2pix_preview_shows_inputs_beside_outputs(pairs):
    gan = tiny_pix2pix()
    grid = gan.preview_grid(16, inputs=pairs[0])  # 8 pairs: two rows of four
    assert grid.shape == (2 * 32 + 3 * 2, 8 * 32 + 9 * 2, 3)
    np.testing.assert_array_equal(grid[2:34, 2:34], np.repeat(pairs[0][0], 3, axis=-1))
    np.testing.assert_array_equal(grid[2:34, 36:68], gan.translate(pairs[0][0]))
    gan.preview_inputs = pairs[0][:3]  # a fixed set, cycled
    np.testing.assert_array_equal(gan.preview_grid(16), gan.preview_grid(16, inputs=pairs[0][[0, 1, 2, 0, 1, 2, 0, 1]]))


# --- CycleGAN --------------------------------------------------------------------------------
def test_resnet_generators_and_patch_discriminators_use_instance_norm_and_reflection():
    gan = tiny_cyclegan()
    g, d = gan.generator_ab, gan.discriminator.get_layer("discriminator_a")
    assert g.output.shape[1:] == (16, 16, 3) and d.output.shape[1:] == (14, 14, 1)
    assert gan.generator.get_layer("generator_ba").output.shape[1:] == (16, 16, 3)
    kinds = [type(layer).__name__ for layer in [*g.layers, *d.layers]]
    assert "BatchNormalization" not in kinds
    norms = [layer for layer in [*g.layers, *d.layers] if isinstance(layer, keras.layers.GroupNormalization)]
    assert norms and all(layer.groups == layer.gamma.shape[0] for layer in norms)  # a group per channel
    assert [layer.padding for layer in g.layers if isinstance(layer, ReflectionPadding2D)] == [3, 1, 1, 1, 1, 3]
    assert [layer.strides for layer in g.layers if isinstance(layer, keras.layers.Conv2DTranspose)] == [(2, 2)] * 2
    assert sum(isinstance(layer, keras.layers.Add) for layer in g.layers) == 2  # residual blocks
    assert CycleGAN(resolution=128, width=1).residual_blocks == 6
    assert CycleGAN(resolution=256, width=1).residual_blocks == 9


def test_resize_upsampling_doubles_then_convolves_and_round_trips(tmp_path):
    gan = tiny_cyclegan(upsampling="resize")
    g = gan.generator_ab
    assert g.output.shape[1:] == (16, 16, 3)
    assert not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in g.layers)
    resizes = [layer for layer in g.layers if isinstance(layer, keras.layers.UpSampling2D)]
    assert [(layer.size, layer.interpolation) for layer in resizes] == [((2, 2), "nearest")] * 2
    # each doubling is followed by a reflection-padded 3x3 convolution at the new size
    assert [layer.padding for layer in g.layers if isinstance(layer, ReflectionPadding2D)] == [3, 1, 1, 1, 1, 1, 1, 3]
    up_convs = [g.get_layer(name) for name in ("up1", "up0")]
    assert [(conv.kernel_size, conv.strides, conv.output.shape[1]) for conv in up_convs] == [((3, 3), (1, 1), 8),
                                                                                          ((3, 3), (1, 1), 16)]
    # same parameters as the transposed version; the config carries the choice through a save
    assert g.count_params() == tiny_cyclegan().generator_ab.count_params()
    gan.save_weights(tmp_path / "resize.weights.h5")
    loaded = CycleGAN.from_config(gan.get_config())
    loaded.load_weights(tmp_path / "resize.weights.h5")
    images = blocks(2, 16, seed=3)
    np.testing.assert_array_equal(loaded.translate(images), gan.translate(images))
    with pytest.raises(ValueError, match="upsampling must be 'transpose'.*got 'bilinear'"):
        tiny_cyclegan(upsampling="bilinear")


def test_residual_output_adds_a_clipped_change_to_the_input(tmp_path):
    gan = tiny_cyclegan(generator_output="residual", upsampling="resize")
    g = gan.generator_ab
    assert not any(getattr(layer, "activation", None) is keras.activations.tanh for layer in g.layers)
    assert g.output.dtype == "float32"
    assert g.count_params() == tiny_cyclegan(upsampling="resize").generator_ab.count_params()
    images = blocks(3, 16, seed=5)
    x = images.astype("float32") / 127.5 - 1.0
    # G(x) = clip(x + r(x), -1, 1), r being the network up to its last convolution
    change = numpy(keras.Model(g.input, g.get_layer("to_image").output)(x))
    assert np.abs(change).max() > 0.05  # a real change, so that the clip is exercised below
    np.testing.assert_allclose(numpy(g(x)), np.clip(x + change, -1.0, 1.0), atol=1e-5)
    assert numpy(g(x)).min() >= -1.0 and numpy(g(x)).max() <= 1.0
    # a last convolution of zeros leaves every image exactly as it came
    conv = g.get_layer("to_image")
    conv.set_weights([np.zeros_like(w) for w in conv.get_weights()])
    np.testing.assert_array_equal(gan.translate(images), images)
    # the choice travels in the config, through a save, and a bad value says what the two are
    gan.save_weights(tmp_path / "residual.weights.h5")
    loaded = CycleGAN.from_config(gan.get_config())
    assert loaded.generator_output == "residual"
    loaded.load_weights(tmp_path / "residual.weights.h5")
    np.testing.assert_array_equal(loaded.translate(images, direction="b2a"), gan.translate(images, direction="b2a"))
    with pytest.raises(ValueError, match="generator_output must be 'image'.*'residual'.*got 'delta'"):
        tiny_cyclegan(generator_output="delta")


def test_discriminators_without_norm_judge_each_patch_by_itself_alone():
    plain, normed = (tiny_cyclegan(resolution=64, discriminator_norm=norm) for norm in ("none", "instance"))
    d = plain.discriminator.get_layer("discriminator_b")
    assert not any(isinstance(layer, keras.layers.GroupNormalization) for layer in d.layers)
    assert all(layer.use_bias for layer in d.layers if isinstance(layer, keras.layers.Conv2D))
    assert d.output.shape == normed.discriminator.get_layer("discriminator_b").output.shape
    image = blocks(1, 64, seed=7).astype("float32") / 127.5 - 1.0
    blob = image.copy()
    blob[:, :4, :4] = 1.0  # a bright blob in one corner
    for gan, far_logits_move in ((plain, False), (normed, True)):
        critic = gan.discriminator.get_layer("discriminator_b")
        moved_by_blob = np.abs(numpy(critic(blob)) - numpy(critic(image)))[0, :, :, 0]
        assert moved_by_blob[:2, :2].max() > 1e-4  # the patches that see the blob
        # a logit sees 16x16 pixels at 64 px: those of the far corner are out of the blob's reach,
        # unless a norm over the whole image carries it there
        assert (moved_by_blob[-8:, -8:].min() > 1e-6) == far_logits_move
    assert CycleGAN.from_config(plain.get_config()).discriminator_norm == "none"
    with pytest.raises(ValueError, match="discriminator_norm must be 'instance'.*'none'.*got 'batch'"):
        tiny_cyclegan(discriminator_norm="batch")


def test_blob_reach_finds_a_spot_that_sways_distant_patches_only_through_instance_norm(monkeypatch):
    from ganzoo.metrics import cyclegan_probes

    faces = blocks(3, 64, seed=9)

    spot = np.zeros((64, 64, 1), bool)
    spot[:10, :10] = True

    def paint_spot(x):  # a "translation" that only paints a bright 10x10 spot in one corner
        return np.where(spot, 1.0, x)

    for norm, far_patches_move in (("none", False), ("instance", True)):
        gan = tiny_cyclegan(resolution=64, discriminator_norm=norm)
        monkeypatch.setattr(gan, "_direction", lambda direction: paint_spot)
        for logits in cyclegan_probes.blob_reach(gan, faces, faces[::-1]).values():
            assert np.isfinite(list(logits.values())).all()
            assert (abs(logits["fake"] - logits["blob_removed"]) > 1e-6) == far_patches_move
            # put back, the spot leaves exactly the untranslated faces
            assert logits["blob_removed"] == pytest.approx(logits["untranslated"], abs=1e-6)


def test_gradient_balance_measures_each_term_pull_on_the_translations():
    from ganzoo.metrics import cyclegan_probes

    gan = tiny_cyclegan(generator_output="residual", identity_weight=0.0)
    # G_ab leaves images alone; G_ba darkens every value by 0.02 (both: a last convolution of zeros)
    for name, offset in (("generator_ab", 0.0), ("generator_ba", -0.02)):
        conv = gan.generator.get_layer(name).get_layer("to_image")
        conv.set_weights([np.zeros_like(conv.kernel), np.full_like(conv.bias, offset)])
    rng = np.random.default_rng(4)
    faces_a, faces_b = (rng.integers(20, 236, (3, 16, 16, 3), dtype=np.uint8) for _ in range(2))
    balance = cyclegan_probes.gradient_balance(gan, faces_a, faces_b)
    # either way round, every translated value is cycled back 0.02 off (never clipped here): the
    # L1 term pulls each of the 3 values of a pixel by cycle_weight / (faces x values)
    for direction in ("a2b", "b2a"):
        assert balance[direction]["cycle"] == pytest.approx(10.0 * 3 / faces_a.size, rel=1e-4)
        assert 0.0 < balance[direction]["adversarial"] and 0.0 <= balance[direction]["adversarial_wins"] <= 1.0
    # without a cycle term nothing pulls against the adversarial one, which is the same as before
    unopposed = twin(gan, cycle_weight=0.0)
    free = cyclegan_probes.gradient_balance(unopposed, faces_a, faces_b)
    for direction in ("a2b", "b2a"):
        assert free[direction]["cycle"] == 0.0 and free[direction]["adversarial_wins"] > 0.9
        assert free[direction]["adversarial"] == pytest.approx(balance[direction]["adversarial"], rel=1e-5)


def test_cyclegan_losses_are_adversarial_cycle_and_identity(pairs):
    # Twins with equal weights (no dropout, no batch statistics): each loss term in turn.
    gan = tiny_cyclegan()
    no_identity, adversarial_only = twin(gan, identity_weight=0.0), twin(gan, cycle_weight=0.0)
    a, b = blocks(4, 16, seed=1), blocks(4, 16, seed=2)
    batch = gan.prepare_batch((a, b))
    full, without_identity, adversarial = (float(numpy(m.generator_loss(batch)))
                                           for m in (gan, no_identity, adversarial_only))
    x, y = numpy(batch["a"]), numpy(batch["b"])
    g_ab, g_ba = (lambda v: numpy(gan.generator_ab(v))), (lambda v: numpy(gan.generator_ba(v)))
    d_a, d_b = (gan.discriminator.get_layer(f"discriminator_{k}") for k in "ab")
    fake_b, fake_a = g_ab(x), g_ba(y)
    # the paper's E[(D(G(x)) - 1)^2] for each generator (no 1/2)
    assert adversarial == pytest.approx(np.mean((numpy(d_b(fake_b)) - 1) ** 2) + np.mean((numpy(d_a(fake_a)) - 1) ** 2),
                                        rel=1e-4)
    cycle = np.mean(np.abs(g_ba(fake_b) - x)) + np.mean(np.abs(g_ab(fake_a) - y))
    assert without_identity - adversarial == pytest.approx(10.0 * cycle, rel=1e-4)
    identity = np.mean(np.abs(g_ab(y) - y)) + np.mean(np.abs(g_ba(x) - x))
    assert full - without_identity == pytest.approx(5.0 * identity, rel=1e-4)


def test_cyclegan_discriminators_judge_real_and_pooled_fakes():
    gan = tiny_cyclegan()
    a, b = blocks(2, 16, seed=1), blocks(2, 16, seed=2)
    loss = float(numpy(gan.discriminator_loss(gan.prepare_batch((a, b)))))
    # the pools were empty: D judged this batch's fakes, and both pools now hold them
    d_a, d_b = (gan.discriminator.get_layer(f"discriminator_{k}") for k in "ab")
    x, y = images.from_uint8(a), images.from_uint8(b)
    expected = sum(float(numpy(objectives.least_squares_d_loss(d(real), d(numpy(g(fake))))))
                   for d, real, g, fake in ((d_a, x, gan.generator_ba, y), (d_b, y, gan.generator_ab, x)))
    assert loss == pytest.approx(expected, rel=1e-4)
    np.testing.assert_allclose(numpy(gan.pool_b.images)[:2], numpy(gan.generator_ab(x)), atol=1e-6)
    assert int(numpy(gan.pool_a.count)) == int(numpy(gan.pool_b.count)) == 2


def test_image_pool_returns_new_images_until_full_then_swaps_half_of_them():
    pool = ImagePool(4, (2, 2, 1), seed=0)

    def batch(*ids):
        return np.array(ids, "float32")[:, None, None, None] * np.ones((1, 2, 2, 1), "float32")

    def ids(x):
        return numpy(x)[:, 0, 0, 0].astype(int).tolist()

    assert ids(pool(batch(1, 2, 3))) == [1, 2, 3]  # not full: returned as they are, and stored
    assert ids(pool.images) == [1, 2, 3, 0] and int(numpy(pool.count)) == 3
    stored = ids(pool.images)
    out = ids(pool(batch(4, 5, 6)))
    assert out[0] == 4 and ids(pool.images)[3] == 4  # the last free slot
    for new, got in zip((5, 6), out[1:]):
        assert got == new or got in stored[:3]  # the pool was full for these two
    swapped = 0
    for step in range(40):  # full: each image returned, or swapped for a stored one that it replaces
        before, new = ids(pool.images), [10 * step + 10, 10 * step + 11]
        out = ids(pool(batch(*new)))
        assert sorted(out + ids(pool.images)) == sorted(before + new)
        swapped += sum(got not in new for got in out)
    assert int(numpy(pool.count)) == 4
    assert 20 <= swapped <= 60  # of 80, each with probability 1/2
    small = ImagePool(2, (2, 2, 1), seed=0)  # batches larger than the pool: the extra images pass through
    assert ids(small(batch(1, 2, 3))) == [1, 2, 3] and ids(small.images) == [1, 2]
    out = ids(small(batch(4, 5, 6)))
    assert out[2] == 6 and sorted(out + ids(small.images)) == [1, 2, 4, 5, 6]


def test_learning_rate_is_constant_for_half_of_training_then_falls_linearly_to_zero():
    schedule = ConstantThenLinearDecay(2e-4, total_steps=100)
    rates = [float(numpy(schedule(step))) for step in (0, 49, 50, 75, 99, 100, 150)]
    np.testing.assert_allclose(rates, [2e-4, 2e-4, 2e-4, 1e-4, 4e-6, 0.0, 0.0], rtol=1e-5, atol=1e-12)
    later = ConstantThenLinearDecay(1e-3, total_steps=100, constant_steps=20)
    assert float(numpy(later(60))) == pytest.approx(1e-3 * (1 - 40 / 80))
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(later))
    assert isinstance(restored, ConstantThenLinearDecay) and restored.get_config() == later.get_config()
    with pytest.raises(ValueError, match="constant_steps"):
        ConstantThenLinearDecay(1e-3, total_steps=10, constant_steps=10)
    gan = tiny_cyclegan()
    gan.compile(total_steps=8)
    gan.g_optimizer.iterations.assign(6)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(1e-4)  # 2e-4 * (1 - 2 / 4)
    assert float(gan.d_optimizer.beta_1) == pytest.approx(0.5)
    optimizer = keras.optimizers.deserialize(keras.optimizers.serialize(gan.d_optimizer))
    optimizer.iterations.assign(6)
    assert float(optimizer.learning_rate) == pytest.approx(1e-4)  # the schedule survives serialisation


def test_cyclegan_trains_all_four_networks_and_round_trips(tmp_path):
    gan = tiny_cyclegan()
    gan.compile(total_steps=4)
    a, b = blocks(6, 16, seed=1), blocks(4, 16, seed=2)  # unpaired, of different sizes
    networks = [gan.generator_ab, gan.generator_ba, *(gan.discriminator.get_layer(f"discriminator_{k}") for k in "ab")]
    before = [weights_of(network) for network in networks]
    history = gan.fit((a, b), batch_size=2, epochs=1, verbose=0)  # 6 images a side: 3 steps
    assert set(history.history) == {"d_loss", "g_loss", "cycle_loss", "identity_loss"}
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert all(moved(weights, network) for weights, network in zip(before, networks))
    assert int(numpy(gan.pool_a.count)) == int(numpy(gan.pool_b.count)) == 4  # 6 fakes offered, 4 kept
    gan.save_weights(tmp_path / "cyclegan.weights.h5")
    loaded = CycleGAN.from_config(gan.get_config())
    loaded.load_weights(tmp_path / "cyclegan.weights.h5")
    for direction in ("a2b", "b2a"):
        np.testing.assert_array_equal(loaded.translate(a, direction), gan.translate(a, direction))
    np.testing.assert_array_equal(numpy(loaded.pool_a.images), numpy(gan.pool_a.images))  # part of a resume


def test_a_discriminator_warm_up_freezes_g_under_the_cyclegan_schedule():
    """CycleGAN's G rate is a schedule (not settable): the warm-up wraps it to give 0 for its first steps."""
    from ganzoo.callbacks import DiscriminatorWarmup, ZeroForFirstSteps

    gan = tiny_cyclegan()
    gan.compile(total_steps=8)
    a, b = blocks(8, 16, seed=1), blocks(8, 16, seed=2)
    g_start, d_start = weights_of(gan.generator), weights_of(gan.discriminator)
    gan.fit((a, b), batch_size=2, epochs=1, steps_per_epoch=2, verbose=0, callbacks=[DiscriminatorWarmup(2, 2e-4)])
    assert not moved(g_start, gan.generator) and moved(d_start, gan.discriminator)
    gan.fit((a, b), batch_size=2, epochs=1, steps_per_epoch=2, verbose=0, callbacks=[DiscriminatorWarmup(2, 2e-4)])
    assert moved(g_start, gan.generator)  # from step 2 on, the paper's schedule: 2e-4, then the decay
    schedule = gan.g_optimizer._learning_rate
    assert isinstance(schedule, ZeroForFirstSteps)  # wrapped once, not once per fit
    assert [float(numpy(schedule(step))) for step in (0, 1, 2, 6)] == pytest.approx([0.0, 0.0, 2e-4, 1e-4])
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert float(numpy(restored(6))) == pytest.approx(1e-4)


def test_cyclegan_translate_picks_the_direction_and_checks_input():
    gan = tiny_cyclegan()
    a = blocks(2, 16)
    np.testing.assert_array_equal(gan.translate(a), images.to_uint8(numpy(gan.generator_ab(images.from_uint8(a)))))
    np.testing.assert_array_equal(gan.translate(a[0], direction="b2a"),
                                  images.to_uint8(numpy(gan.generator_ba(images.from_uint8(a[:1]))))[0])
    with pytest.raises(ValueError, match="direction must be 'a2b'"):
        gan.translate(a, direction="A2B")
    with pytest.raises(ValueError, match="takes 16x16 images, got 32x32; resize=True"):
        gan.translate(blocks(1, 32))
    assert gan.translate(blocks(1, 32), resize=True).shape == (1, 16, 16, 3)
    # rows of a | a2b | b | b2a, twice per row: 4 of each direction in two rows
    assert gan.preview_grid(16).shape == (2 * 16 + 3 * 2, 8 * 16 + 9 * 2, 3)
