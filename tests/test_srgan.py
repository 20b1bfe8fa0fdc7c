"""SRResNet and SRGAN (issue 6): the networks, the losses, training, tiled upscaling and its checks.
Tiny configs (1-2 blocks, width 8, 32 px crops), a few steps each, on stand-in photographs made here
(only the Set5 evaluation reads the real benchmark, and skips without the data folder).

Runs on both backends (CI runs this file under KERAS_BACKEND=torch too)."""

import keras
import numpy as np
import pytest

from conftest import moved, numpy, weights_of
from ganzoo import images, superres
from ganzoo.core import objectives
from ganzoo.families.srgan import SRGAN, PixelShuffle, SRResNet, build_discriminator, build_srresnet


def tiny(cls=SRResNet, **overrides):
    return cls(**{"blocks": 1, "width": 8, "crop": 32, "seed": 0, **overrides})


def photograph(seed, shape):
    """A stand-in photograph, uint8 RGB: smooth shading and sharp-edged patches, the mix of low
    and high frequencies a super-resolution network learns from."""
    rng = np.random.default_rng(seed)
    h, w = shape
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    image = np.full((h, w, 3), 128.0)
    for c in range(3):
        for _ in range(4):
            fy, fx = rng.uniform(0.5, 4, size=2)
            image[..., c] += rng.uniform(10, 40) * np.sin(2 * np.pi * (fy * y + fx * x) + rng.uniform(0, 2 * np.pi))
    for _ in range(6):
        top, left = rng.integers(0, h - 4), rng.integers(0, w - 4)
        colour = rng.uniform(0, 255, 3)
        height, width = rng.integers(4, h // 3 + 5), rng.integers(4, w // 3 + 5)
        image[top : top + height, left : left + width] = colour
    return np.clip(image, 0, 255).astype(np.uint8)


PHOTOGRAPHS = [photograph(0, (100, 132)), photograph(1, (132, 100))]  # landscape and portrait, as BSDS500's


@pytest.fixture(scope="module")
def crops():
    """(LR (8, 8, 8, 3), HR (8, 32, 32, 3)) crops of two stand-in photographs."""
    stream = superres.CropStream(PHOTOGRAPHS, crop=32)
    return stream.batch_at(0, 0, 8)


def test_pixel_shuffle_moves_channels_to_space_as_the_sub_pixel_convolution():
    x = np.arange(2 * 3 * 5 * 8, dtype=np.float32).reshape(2, 3, 5, 8)  # 2 output channels, r = 2
    out = numpy(PixelShuffle(2)(x))
    assert out.shape == (2, 6, 10, 2)
    for i in range(2):
        for j in range(2):
            np.testing.assert_array_equal(out[:, i::2, j::2, :], x[..., (i * 2 + j) * 2 : (i * 2 + j + 1) * 2])


def test_srresnet_is_the_papers_generator():
    g = build_srresnet()  # 16 blocks, width 64, x4
    kinds = [type(layer).__name__ for layer in g.layers]
    assert kinds.count("Add") == 17  # 16 residual blocks + the global skip
    assert kinds.count("PixelShuffle") == 2 and kinds.count("PReLU") == 1 + 16 + 2
    assert kinds.count("BatchNormalization") == 2 * 16 + 1
    assert [g.get_layer(n).kernel_size for n in ("head", "to_image")] == [(9, 9), (9, 9)]
    assert 1.5e6 < g.count_params() < 1.6e6  # the paper's SRResNet has about 1.5M parameters
    out = g(np.zeros((1, 7, 9, 3), np.float32))  # fully convolutional: any size, 4x larger
    assert tuple(out.shape) == (1, 28, 36, 3)


def test_srgan_discriminator_halves_four_times_and_gives_one_logit():
    d = build_discriminator(96, 64)
    convs = [layer for layer in d.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [64, 64, 128, 128, 256, 256, 512, 512]
    assert [c.strides[0] for c in convs] == [1, 2, 1, 2, 1, 2, 1, 2]
    assert d.get_layer("dense").units == 1024
    assert tuple(d(np.zeros((2, 96, 96, 3), np.float32)).shape) == (2, 1)


def test_srresnet_trains_on_pixel_mse_without_a_discriminator(crops):
    model = tiny()
    assert model.discriminator is None
    assert model.default_optimizer_settings == {"learning_rate": 1e-4, "beta_1": 0.9, "beta_2": 0.999}
    batch = model.prepare_batch(crops)
    upscaled = numpy(model.generator(batch["low_res"], training=True))
    mse = float(np.mean((upscaled - numpy(batch["high_res"])) ** 2))
    assert float(numpy(model.generator_loss(batch))) == pytest.approx(mse, rel=1e-5)
    model.compile(learning_rate=1e-3)
    history = model.fit(crops, batch_size=8, epochs=30, verbose=0)
    assert set(history.history) == {"g_loss"}
    assert history.history["g_loss"][-1] < 0.5 * history.history["g_loss"][0]


def test_srgan_generator_loss_is_content_plus_weighted_adversarial(crops):
    model = tiny(SRGAN, content="mse")
    plain = SRGAN.from_config({**model.get_config(), "adversarial_weight": 0.0})
    plain.generator.set_weights(model.generator.get_weights())
    plain.discriminator.set_weights(model.discriminator.get_weights())
    batch = model.prepare_batch(crops)
    total, content = (float(numpy(m.generator_loss(batch))) for m in (model, plain))
    upscaled = model.generator(batch["low_res"], training=True)
    adversarial = float(numpy(objectives.non_saturating_g_loss(model.discriminator(upscaled, training=True))))
    pixel_mse = float(np.mean((numpy(upscaled) - numpy(batch["high_res"])) ** 2))
    assert content == pytest.approx(pixel_mse, rel=1e-5)
    assert total - content == pytest.approx(1e-3 * adversarial, rel=1e-3)
    assert float(numpy(model.content_tracker.result())) == pytest.approx(pixel_mse, rel=1e-5)


def test_srgan_trains_both_players_with_the_offline_content_network(crops, tmp_path):
    model = tiny(SRGAN, content="inception_stem")
    model.compile()
    g_before, d_before = weights_of(model.generator), weights_of(model.discriminator)
    history = model.fit(crops, batch_size=4, epochs=1, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "content"}
    assert all(np.isfinite(v[-1]) and v[-1] > 0 for v in history.history.values())
    assert moved(g_before, model.generator) and moved(d_before, model.discriminator)
    # the feature network is not part of the model's own weights (nor of its files)
    networks = {id(v) for v in model.generator.weights + model.discriminator.weights}
    assert {id(v) for v in model.weights} == networks
    model.save_weights(tmp_path / "srgan.weights.h5")
    loaded = SRGAN.from_config(model.get_config())
    loaded.load_weights(tmp_path / "srgan.weights.h5")
    np.testing.assert_array_equal(loaded.upscale(crops[0][0]), model.upscale(crops[0][0]))


def test_srgan_rejects_an_unknown_content_network():
    with pytest.raises(ValueError, match="mse, inception_stem, vgg19_54"):
        tiny(SRGAN, content="vgg16")


def test_train_driver_streams_crops_and_initialises_on_a_fresh_start(tmp_path):
    from ganzoo.training import train

    stream = superres.CropStream(PHOTOGRAPHS, crop=32)
    start = tiny()
    calls = []

    def initialize(model):
        calls.append(1)
        model.generator.set_weights(start.generator.get_weights())

    config = {"blocks": 1, "width": 8, "crop": 32}
    model, info = train("srresnet", config, stream, steps=2, batch_size=4, output_dir=tmp_path, verbose=0,
                        initialize=initialize, preview_inputs=stream.batch_at(9, 0, 4)[0])
    assert calls == [1] and info["steps"] == 2
    assert (tmp_path / "samples" / "step_0000002.png").exists()


def test_a_super_resolution_run_s_checkpoint_is_measured_by_the_entries_protocol(tmp_path):
    """scripts/checkpoint_psnr.py's measure: the latest checkpoint's PSNR and SSIM on a benchmark,
    equal to evaluating the checkpoint's model, with its step; a generator run is refused."""
    from ganzoo import evaluate, training

    stream = superres.CropStream(PHOTOGRAPHS, crop=32)
    training.train("srresnet", {"blocks": 1, "width": 8, "crop": 32}, stream, steps=2, batch_size=4,
                   output_dir=tmp_path / "sr", verbose=0)
    result = evaluate.checkpoint_super_resolution(tmp_path / "sr", ["Set5"], progress=False)
    model, _ = training.load_checkpoint(tmp_path / "sr")
    expected, _ = evaluate._super_resolution(model, {"benchmarks": ["Set5"], "shave": 4}, progress=False)
    assert result == {"step": 2, **expected}
    training.train("dcgan", dict(resolution=28, channels=1, width=4, latent_dim=4),
                   np.zeros((8, 28, 28, 1), np.uint8), steps=1, batch_size=4, output_dir=tmp_path / "dcgan", verbose=0)
    with pytest.raises(ValueError, match=r"measures upscaling runs \(SRResNet, SRGAN\), not DCGAN"):
        evaluate.checkpoint_super_resolution(tmp_path / "dcgan")


def test_tiles_with_the_receptive_radius_as_context_match_one_whole_pass():
    model = tiny(blocks=2)
    image = photograph(2, (37, 45))  # an odd-sized LR image
    whole = model.generate(images.from_uint8(image[None]))[0]
    tiled = model.upscale(image, tile=16)
    assert tiled.shape == (148, 180, 3)
    assert np.abs(tiled.astype(int) - whole).max() <= 1  # float rounding of other tile sizes only
    # without context the tiles' edges show: the seams the context is there to remove
    seams = model.upscale(image, tile=16, context=0)
    assert np.abs(seams.astype(int) - whole).max() > 8


def test_upscale_keeps_the_leading_shape():
    model = tiny()
    batch = np.random.default_rng(0).integers(0, 256, (2, 10, 12, 3), dtype=np.uint8)
    out = model.upscale(batch, tile=8)
    assert out.shape == (2, 40, 48, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(model.upscale(batch[1], tile=8), out[1])


@pytest.mark.parametrize("bad,match", [
    (np.zeros((8, 8, 3), np.float32), r"dtype float32 \(scale \[0, 1\] floats"),
    (np.zeros((8, 8), np.uint8), r"got shape \(8, 8\).*np.repeat"),
    (np.zeros((2, 8, 8, 1), np.uint8), r"\(H, W, 3\) or \(N, H, W, 3\), got shape \(2, 8, 8, 1\) \(make grey images RGB"),
    (np.zeros((0, 8, 8, 3), np.uint8), "got shape"),
])
def test_upscale_checks_its_input(bad, match):
    with pytest.raises(ValueError, match=match):
        tiny().upscale(bad)


def test_sr_models_point_sample_to_upscale_and_preview_against_bicubic(crops):
    model = tiny()
    with pytest.raises(ValueError, match="upscale"):
        model.sample(4)
    grid = model.preview_grid(n=8, inputs=crops[0])
    assert grid.shape == images.grid(np.zeros((8, 32, 32, 3), np.uint8), cols=8).shape


def test_super_resolution_evaluation_scores_model_and_bicubic_on_set5():
    from ganzoo import evaluate

    model = tiny()
    results, count = evaluate._super_resolution(model, {"benchmarks": ["Set5"], "shave": 4}, progress=False)
    assert count == 5
    assert set(results) == {"Set5/psnr", "Set5/ssim", "Set5/bicubic_psnr", "Set5/bicubic_ssim"}
    assert results["Set5/bicubic_psnr"] == pytest.approx(28.43, abs=0.01)  # the paper's bicubic figure
    assert results["Set5/psnr"] < results["Set5/bicubic_psnr"]  # an untrained network


def test_learning_rate_drop_sets_a_tenth_from_its_epoch_on_and_leaves_the_logs_alone(crops):
    from ganzoo.callbacks import LearningRateDrop

    model = tiny()
    model.compile(learning_rate=1e-3)
    rates = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            rates.append(float(numpy(self.model.g_optimizer.learning_rate)))

    history = model.fit(crops, batch_size=8, epochs=4, verbose=0, callbacks=[LearningRateDrop(2, 1e-3), Record()])
    assert rates == pytest.approx([1e-3, 1e-3, 1e-4, 1e-4])
    assert set(history.history) == {"g_loss"}


def test_pixel_weight_adds_the_pixel_mse_to_the_feature_content_loss(crops):
    model = tiny(SRGAN, content="inception_stem", pixel_weight=0.5, adversarial_weight=0.0)
    plain = SRGAN.from_config({**model.get_config(), "pixel_weight": 0.0})
    plain.generator.set_weights(model.generator.get_weights())
    batch = model.prepare_batch(crops)
    upscaled = model.generator(batch["low_res"], training=True)
    pixel_mse = float(np.mean((numpy(upscaled) - numpy(batch["high_res"])) ** 2))
    with_pixels, features_only = (float(numpy(m.content_loss(upscaled, batch["high_res"]))) for m in (model, plain))
    assert features_only > 0
    assert with_pixels - features_only == pytest.approx(0.5 * pixel_mse, rel=1e-4)
    with pytest.raises(ValueError, match="pixel_weight"):
        tiny(SRGAN, content="mse", pixel_weight=-1)
