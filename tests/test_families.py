"""The families of issue 4 on the base class: fully connected GAN, conditional GAN, LSGAN,
WGAN-GP and InfoGAN. Each test builds a tiny config and trains a few steps.

Runs on both backends (CI runs this file under KERAS_BACKEND=torch too)."""

import keras
import numpy as np
import pytest

from conftest import numpy, weights_of
from ganzoo.core import objectives
from ganzoo.families import get_family
from ganzoo.families.cgan import ConditionalGAN
from ganzoo.families.gan import FullyConnectedGAN
from ganzoo.families.infogan import InfoGAN, information_loss
from ganzoo.families.lsgan import LSGAN
from ganzoo.families.wgan_gp import WGANGP


def iterations(optimizer):
    return int(numpy(optimizer.iterations))


@pytest.fixture
def digits():
    """64 uint8 images with labels: class k is a bright bar at row 2k (28x28x1)."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 64)
    images = np.zeros((64, 28, 28, 1), np.uint8)
    for image, label in zip(images, labels):
        image[2 * label : 2 * label + 6, 4:24] = 255
    return images, labels


def tiny(family, **overrides):
    configs = {
        "gan": dict(hidden=(16, 32), latent_dim=8),
        "cgan": dict(resolution=28, channels=1, width=8, latent_dim=8, embed_dim=4,
                     class_names=[f"c{i}" for i in range(10)]),
        "lsgan": dict(resolution=28, channels=1, width=8, latent_dim=8),
        "wgan_gp": dict(resolution=28, channels=1, width=8, latent_dim=8),
        "infogan": dict(latent_dim=8),
    }
    return get_family(family)(**configs[family], seed=0, **overrides)


@pytest.mark.parametrize("family", ["gan", "cgan", "lsgan", "wgan_gp", "infogan"])
def test_each_family_trains_both_players_and_round_trips(family, digits, tmp_path):
    gan = tiny(family, ema_decay=0.9)
    gan.compile()
    g_before, d_before = weights_of(gan.generator), weights_of(gan.discriminator)
    history = gan.fit(*digits, batch_size=32, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert any(not np.allclose(a, b) for a, b in zip(g_before, weights_of(gan.generator)))
    assert any(not np.allclose(a, b) for a, b in zip(d_before, weights_of(gan.discriminator)))
    # the published config rebuilds the same model, whose weights file reloads exactly
    gan.save_weights(tmp_path / "gan.weights.h5")
    twin = type(gan).from_config(gan.get_config())
    twin.load_weights(tmp_path / "gan.weights.h5")
    np.testing.assert_array_equal(twin.sample(4, seed=3), gan.sample(4, seed=3))
    assert gan.sample(4, seed=3).shape == (4, 28, 28, 1)


# --- the original GAN ------------------------------------------------------------------
def test_original_gan_is_fully_connected_and_takes_either_objective(digits):
    gan = tiny("gan", objective="minimax")
    for network in (gan.generator, gan.discriminator):
        kinds = {type(layer).__name__ for layer in network.layers}
        assert "Dense" in kinds and not any("Conv" in kind for kind in kinds)
    assert gan.g_objective is objectives.minimax_g_loss
    assert [layer.units for layer in gan.discriminator.layers if isinstance(layer, keras.layers.Dense)] \
        == [32, 16, 1]  # D mirrors G's widths
    with pytest.raises(ValueError, match="dropout"):
        tiny("gan", dropout=1.0)


# --- conditional GAN ---------------------------------------------------------------------
def test_conditional_sample_takes_ids_names_or_one_class():
    gan = tiny("cgan")
    np.testing.assert_array_equal(gan.class_ids(None, 12), np.arange(12) % 10)
    np.testing.assert_array_equal(gan.class_ids(3, 2), [3, 3])
    np.testing.assert_array_equal(gan.class_ids(["c9", 2, "4"], 3), [9, 2, 4])
    a = gan.sample(3, labels=["c1", 1, 1], seed=0)
    np.testing.assert_array_equal(a, gan.sample(3, labels=1, seed=0))
    assert not np.array_equal(gan.sample(3, labels=1, seed=0), gan.sample(3, labels=2, seed=0))


@pytest.mark.parametrize("bad", [10, -1, "c10", "cat", [1, 2], 2.5])
def test_conditional_sample_rejects_unknown_classes(bad):
    with pytest.raises(ValueError, match="class|classes"):
        tiny("cgan").sample(3, labels=bad)


def test_conditional_training_needs_labels(digits):
    gan = tiny("cgan")
    gan.compile()
    with pytest.raises(ValueError, match=r"fit\(images, labels\)"):
        gan.fit(digits[0], batch_size=32, epochs=1, verbose=0)


def test_projection_discriminator_scores_depend_on_the_label():
    gan = tiny("cgan")
    images = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    a = numpy(gan.discriminator([images, np.zeros(4, "int32")]))
    b = numpy(gan.discriminator([images, np.full(4, 7, "int32")]))
    assert not np.allclose(a, b)
    # the score is dense(features) + <embedding(label), features>
    features = keras.Model(gan.discriminator.inputs[0], gan.discriminator.get_layer("logit").input)
    f = numpy(features(images))
    projection = numpy(gan.discriminator.get_layer("projection").embeddings)
    np.testing.assert_allclose(b - a, (f @ (projection[7] - projection[0]))[:, None], rtol=1e-3, atol=1e-5)


def test_conditional_preview_has_one_row_per_class():
    grid = tiny("cgan").preview_grid(n=20)
    assert grid.shape[0] == 10 * 28 + 11 * 2 and grid.shape[1] == 2 * 28 + 3 * 2


# --- LSGAN -----------------------------------------------------------------------------
def test_lsgan_is_dcgan_with_the_least_squares_objective():
    gan = tiny("lsgan")
    assert gan.d_objective is objectives.least_squares_d_loss
    assert gan.g_objective is objectives.least_squares_g_loss
    assert float(numpy(gan.d_objective(np.ones(3), np.zeros(3)))) == 0.0  # D's optimum: real 1, fake 0


def test_lsgan_discriminator_may_go_without_batch_norm():
    gan = tiny("lsgan", d_batch_norm=False)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in gan.discriminator.layers)
    assert type(gan).from_config(gan.get_config()).d_batch_norm is False
    assert "d_batch_norm" not in tiny("lsgan").get_config()  # the default keeps published configs as they were


def test_extra_layers_widen_both_networks_at_the_smallest_maps_and_round_trip():
    from ganzoo.families.dcgan import parameter_estimate

    plain, deeper = tiny("lsgan"), tiny("lsgan", extra_layers=2)
    for network in ("generator", "discriminator"):
        added = [layer for layer in getattr(deeper, network).layers if layer.name.startswith("refine")]
        assert [layer.name for layer in added] == ["refine0", "refine0_bn", "refine1", "refine1_bn"]
        assert all(layer.output.shape[1:3] == (7, 7) for layer in added)  # 28 px halved twice
    assert deeper.count_params() - plain.count_params() == 2 * 2 * (9 * 16 * 16 + 2 * 16 + 2 * 16)  # conv + bn
    sizes = dict(resolution=28, channels=1, width=8, latent_dim=8)
    assert parameter_estimate(**sizes, extra_layers=2) - parameter_estimate(**sizes) == 2 * 2 * 9 * 16 * 16
    assert type(deeper).from_config(deeper.get_config()).extra_layers == 2
    assert "extra_layers" not in plain.get_config()  # the default keeps published configs as they were
    assert deeper.generate(deeper.latent_batch(3)).shape == (3, 28, 28, 1)


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_bad_extra_layers_are_named(bad):
    with pytest.raises(ValueError, match=rf"extra_layers must be a whole number >= 0, got {bad!r}"):
        tiny("lsgan", extra_layers=bad)


def test_extra_layers_are_batch_normalised_so_the_critic_without_batch_norm_refuses_them():
    with pytest.raises(ValueError, match="need d_batch_norm=True"):
        tiny("lsgan", extra_layers=1, d_batch_norm=False)


def test_hidden_units_put_a_fully_connected_layer_before_gs_projection_and_ds_logit():
    # the DCGAN authors' MNIST model: z -> 1024 -> 7x7 maps in G; convolutions -> 1024 -> logit in D
    from ganzoo.families.dcgan import parameter_estimate

    plain, wide = tiny("lsgan"), tiny("lsgan", hidden_units=32)
    features = 7 * 7 * 16  # 28 px halved twice, width 8 doubled once
    assert wide.generator.get_layer("hidden").output.shape[1:] == (32,)
    assert wide.generator.get_layer("project").input.shape[1:] == (32,)
    assert wide.discriminator.get_layer("hidden").input.shape[1:] == (features,)
    assert wide.discriminator.get_layer("logit").input.shape[1:] == (32,)
    batch_norm = 4 * 32  # gamma, beta and the two moving statistics
    g_added = 8 * 32 + batch_norm + (32 - 8) * features
    d_added = features * 32 + batch_norm + (32 - features)  # the logit now reads 32 values, not `features`
    assert wide.count_params() - plain.count_params() == g_added + d_added
    sizes = dict(resolution=28, channels=1, width=8, latent_dim=8)
    assert parameter_estimate(**sizes, hidden_units=32) - parameter_estimate(**sizes) == (
        8 * 32 + (32 - 8) * features + features * 32 + 32 - features)
    assert type(wide).from_config(wide.get_config()).hidden_units == 32
    assert "hidden_units" not in plain.get_config()  # the default keeps published configs as they were
    assert wide.generate(wide.latent_batch(3)).shape == (3, 28, 28, 1)


@pytest.mark.parametrize("bad", [-1, 2.0, False])
def test_bad_hidden_units_are_named(bad):
    with pytest.raises(ValueError, match=rf"hidden_units must be a whole number >= 0 \(0: none\), got {bad!r}"):
        tiny("lsgan", hidden_units=bad)
    with pytest.raises(ValueError, match="hidden_units are batch-normalised: they need d_batch_norm=True"):
        tiny("lsgan", hidden_units=8, d_batch_norm=False)


# --- WGAN-GP ---------------------------------------------------------------------------
def test_wgan_gp_critic_has_no_batch_norm_and_the_paper_settings():
    gan = tiny("wgan_gp")
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in gan.discriminator.layers)
    gan.compile()
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(gan.g_optimizer.beta_1) == 0.0 and float(gan.g_optimizer.beta_2) == pytest.approx(0.9)
    assert gan.n_critic == 5 and gan.gp_weight == 10.0


def test_wgan_gp_takes_n_critic_steps_and_penalises_the_gradient(digits, monkeypatch):
    gan = tiny("wgan_gp", n_critic=3)
    gan.compile()
    history = gan.fit(digits[0][:48], batch_size=8, epochs=1, verbose=0)  # a step: 3 critic batches of 8
    assert iterations(gan.g_optimizer) == 2 and iterations(gan.d_optimizer) == 6
    assert history.history["gradient_penalty"][0] > 0.0
    # Twins (same seed: same latents and interpolates) differing only in lambda: the critic
    # losses differ by exactly lambda times the penalty on interpolates.
    from ganzoo.families import wgan_gp

    penalties = []
    monkeypatch.setattr(wgan_gp, "gradient_penalty",
                        lambda *args: penalties.append(objectives.gradient_penalty(*args)) or penalties[-1])
    batch = gan.prepare_batch(digits[0][:8])
    without, with_penalty = tiny("wgan_gp", gp_weight=0.0), tiny("wgan_gp")
    with_penalty.discriminator.set_weights(without.discriminator.get_weights())
    with_penalty.generator.set_weights(without.generator.get_weights())
    plain = float(numpy(without.discriminator_loss(batch)))
    penalised = float(numpy(with_penalty.discriminator_loss(batch)))
    assert penalties[1] > 0.0
    assert penalised - plain == pytest.approx(10.0 * float(numpy(penalties[1])), rel=1e-4)


def _critic_and_generator_batches(gan, images, batch_size):
    """The mean real image of each discriminator_loss call, then of generator_loss's, in one fit step."""
    seen = {"critic": [], "generator": []}
    for player in seen:
        loss = getattr(gan, f"{'discriminator' if player == 'critic' else 'generator'}_loss")
        setattr(gan, loss.__name__, lambda batch, loss=loss, player=player:
                seen[player].append(float(numpy(keras.ops.mean(batch["images"])))) or loss(batch))
    gan.compile(run_eagerly=True)
    gan.fit(images, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    return seen


def test_fresh_critic_batches_give_each_critic_step_its_own_batch_and_g_the_last():
    # three batches of 4, each one shade: each critic step reads the next, G the one the last critic read
    images = np.repeat(np.array([0, 120, 255], np.uint8), 4)[:, None, None, None] * np.ones((1, 28, 28, 1), np.uint8)
    shades = [-1.0, 120 / 127.5 - 1.0, 1.0]
    gan = tiny("wgan_gp", n_critic=3)
    assert gan.critic_batches == "fresh" and gan.batches_per_step == 3  # the authors' way is the default
    seen = _critic_and_generator_batches(gan, images, batch_size=4)  # batch_size: each critic step's
    assert seen["critic"] == pytest.approx(shades, abs=1e-5) and seen["generator"] == pytest.approx(shades[-1:])
    assert iterations(gan.g_optimizer) == 1 and iterations(gan.d_optimizer) == 3
    # "shared": every critic step and G's on the whole batch of 12
    shared = tiny("wgan_gp", n_critic=3, critic_batches="shared")
    seen = _critic_and_generator_batches(shared, images, batch_size=12)
    assert seen["critic"] == pytest.approx([np.mean(shades)] * 3, abs=1e-5)
    assert seen["generator"] == pytest.approx([np.mean(shades)], abs=1e-5)
    # the choice survives the config, both ways, and a bad one is named
    for gan in (gan, shared):
        assert WGANGP.from_config(gan.get_config()).critic_batches == gan.critic_batches
    with pytest.raises(ValueError, match="critic_batches must be 'shared'.*'fresh'"):
        tiny("wgan_gp", critic_batches="new")


def test_fresh_critic_batches_count_a_positional_batch_size_as_the_keyword_one():
    # Keras' fit(x, y, batch_size): 12 images at 4 per critic step and 3 critic steps are one step either way
    images = np.zeros((12, 28, 28, 1), np.uint8)
    positional, keyword = (lambda gan: gan.fit(images, None, 4, 1, verbose=0),
                           lambda gan: gan.fit(images, batch_size=4, verbose=0))
    for call in (positional, keyword):
        gan = tiny("wgan_gp", n_critic=3)
        gan.compile()
        call(gan)
        assert iterations(gan.g_optimizer) == 1 and iterations(gan.d_optimizer) == 3


def test_a_batch_is_cut_in_order_into_near_equal_critic_batches_none_empty():
    from ganzoo.core.gan import split_batch

    def cut(n, parts):
        return [list(numpy(part["labels"])) for part in
                split_batch({"images": np.zeros((n, 4, 4, 1), "float32"), "labels": np.arange(n)}, parts)]

    assert cut(6, 3) == [[0, 1], [2, 3], [4, 5]]
    assert cut(7, 3) == [[0, 1], [2, 3], [4, 5, 6]]  # a short last batch loses nothing
    assert cut(2, 3) == [[0], [0], [1]]  # fewer examples than critic steps: neighbours share one


# --- InfoGAN ---------------------------------------------------------------------------
def test_information_loss_closed_form():
    # uniform category logits: cross-entropy log K; continuous: 0.5 * squared error, weighted
    k = 10
    loss = information_loss(np.zeros((2, k), "float32"), np.zeros((2, 2), "float32"),
                            np.array([3, 4]), np.array([[1.0, 0.0], [0.0, -2.0]], "float32"), 0.1)
    expected = np.log(k) + 0.1 * np.mean([0.5 * 1.0, 0.5 * 4.0])
    assert float(numpy(loss)) == pytest.approx(expected, rel=1e-5)
    confident = np.full((1, k), -20.0, "float32")
    confident[0, 3] = 20.0
    assert float(numpy(information_loss(confident, np.zeros((1, 2)), np.array([3]), np.zeros((1, 2)), 1.0))) \
        == pytest.approx(0.0, abs=1e-6)


def test_infogan_q_head_shares_the_discriminator_body_and_uses_the_paper_rates():
    gan = tiny("infogan")
    assert len(gan.discriminator.outputs) == 3  # real/fake logit, category logits, continuous means
    assert gan.discriminator.get_layer("q_hidden").input is gan.discriminator.get_layer("logit").input
    gan.compile()
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(1e-3)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(2e-4)
    gan.compile(learning_rate=5e-4)  # one rate given: both players take it
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(5e-4)


def test_infogan_learns_to_recover_its_codes(digits):
    # Q reads the categorical code back from G's images: the information loss must fall
    # well below its chance value log(10) = 2.30 within a few dozen steps.
    gan = tiny("infogan")
    gan.compile()
    history = gan.fit(np.tile(digits[0], (4, 1, 1, 1)), batch_size=32, epochs=4, verbose=0)
    assert history.history["info_loss"][-1] < 0.5 * np.log(10)


def test_infogan_codes_set_what_is_sampled():
    gan = tiny("infogan")
    inputs, conditions = gan.sampling_inputs(4, seed=0, codes={"category": [0, 1, 2, 3], "continuous": [0.5, -1.0]})
    np.testing.assert_array_equal(inputs[:, 8:18].argmax(axis=1), [0, 1, 2, 3])
    np.testing.assert_allclose(inputs[:, 18:], [[0.5, -1.0]] * 4)
    np.testing.assert_array_equal(conditions["category"], [0, 1, 2, 3])
    np.testing.assert_array_equal(gan.sample(2, codes=4, seed=1), gan.sample(2, codes={"category": 4}, seed=1))
    assert not np.array_equal(gan.sample(2, codes=4, seed=1), gan.sample(2, codes=5, seed=1))


@pytest.mark.parametrize("bad", [10, [1, 2, 3], {"category": 1, "colour": 2}, {"continuous": [1.0, 2.0, 3.0]},
                                 {"continuous": [np.nan, 0.0]}])
def test_infogan_rejects_bad_codes(bad):
    with pytest.raises(ValueError, match="codes"):
        tiny("infogan").sample(2, codes=bad)
