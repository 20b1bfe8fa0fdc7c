"""The JAX backend: the stateless, compiled train step (GAN._stateless_train_step), the second-order
penalties inside it, weights that move between all three backends, and data parallelism on two
devices. Runs under KERAS_BACKEND=jax only (CI's jax section); the other backends run in
subprocesses."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from conftest import BACKEND, REPO_ROOT, moved, run_python, tiny_dcgan, weights_of

pytest.importorskip("jax", reason="the jax extra is not installed (pip install -e .[jax])")
pytestmark = pytest.mark.skipif(BACKEND != "jax", reason="tests of the JAX backend: run with KERAS_BACKEND=jax")

TINY_DCGAN = "resolution=28, channels=1, width=8, latent_dim=8, seed=0, ema_decay=0.99"


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def squares(n=32, seed=0):
    """n uint8 'digits': bright squares at random places on black, 28x28x1."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 28, 28, 1), np.uint8)
    for image in images:
        y, x = rng.integers(0, 20, size=2)
        image[y : y + 8, x : x + 8] = 255
    return images


def state_of(gan):
    """Everything a step changes: weights (G, D, the EMA, ADA's p), seed states, both optimizers."""
    return ([numpy(v) for v in gan.weights] + [numpy(s) for s in gan._seed_states()]
            + [numpy(v) for v in gan.g_optimizer.variables + gan.d_optimizer.variables]
            + [numpy(gan.augmenter.seed_generator.state)])


def test_the_step_is_compiled_and_carries_every_state_as_the_eager_step_does():
    # DCGAN with the EMA, batch norm in both players and ADA (p moves every step): the jitted
    # stateless step and the same step run eagerly end with the same weights, EMA, batch-norm
    # statistics, p, seed states and optimizer slots
    images = squares()
    results = []
    for jit in (True, False):
        keras.utils.set_random_seed(3)
        gan = tiny_dcgan(ema_decay=0.99, augment="color,translation,cutout", augment_target=0.6, augment_interval=1,
                         augment_p=0.5)
        gan.compile(jit_compile=jit)
        before = state_of(gan)
        history = gan.fit(images[:16], batch_size=8, epochs=1, verbose=0, shuffle=False)  # 2 steps
        assert gan.jit_compile is jit
        results.append((before, state_of(gan), history.history, gan))
    (before, jitted, logs, gan), (_, eager, eager_logs, _) = results
    assert int(numpy(gan.g_optimizer.iterations)) == int(numpy(gan.d_optimizer.iterations)) == 2
    assert float(numpy(gan.augmenter.p)) != 0.5  # ADA moved p
    changed = [not np.array_equal(a, b) for a, b in zip(before, jitted)]
    assert sum(changed) > 0.9 * len(changed)  # nearly every variable moves (not the learning rates)
    for a, b in zip(jitted, eager):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    for name in ("d_loss", "g_loss", "augment_p"):
        assert logs[name] == pytest.approx(eager_logs[name], rel=1e-4, abs=1e-6)


def test_wgan_gp_trains_with_its_gradient_penalty_in_the_compiled_step():
    from ganzoo.families.wgan_gp import WGANGP

    gan = WGANGP(resolution=28, channels=1, width=8, latent_dim=8, seed=0, n_critic=3)
    gan.compile()
    g_before, d_before = weights_of(gan.generator), weights_of(gan.discriminator)
    history = gan.fit(squares(48), batch_size=8, epochs=1, verbose=0)  # 2 steps, each on 3 critic batches of 8
    penalty = history.history["gradient_penalty"][-1]
    assert np.isfinite(penalty) and penalty > 0
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert int(numpy(gan.d_optimizer.iterations)) == 2 * 3
    assert moved(g_before, gan.generator) and moved(d_before, gan.discriminator)
    assert not any(np.isnan(w).any() for w in weights_of(gan))


def test_stylegan_lite_r1_runs_every_other_step_inside_the_compiled_step():
    from ganzoo.families.stylegan import StyleGANLite

    gan = StyleGANLite(resolution=8, width=8, latent_dim=8, w_dim=8, mapping_layers=1, seed=0, r1_interval=2,
                       ema_decay=0.9)
    gan.compile()
    assert gan.jit_compile
    faces = np.random.default_rng(0).integers(0, 256, (16, 8, 8, 3), dtype=np.uint8)
    g_before, d_before = weights_of(gan.generator), weights_of(gan.discriminator)
    history = gan.fit(faces, batch_size=4, epochs=1, verbose=0)  # 4 steps: R1 on steps 1 and 3 (lax.cond)
    assert int(numpy(gan.d_optimizer.iterations)) == 4 + 2
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert history.history["r1"][-1] > 0
    assert moved(g_before, gan.generator) and moved(d_before, gan.discriminator)
    assert not any(np.isnan(w).any() for w in weights_of(gan))
    average = gan.parts(gan.generator)[0].get_layer("track_w_average").average
    assert np.abs(numpy(average)).max() > 0  # the w average, a non-trainable variable set in G's forward pass


def test_float16_loss_scaling_follows_keras_rule_without_its_stateful_cond():
    from ganzoo.core.jax_state import loss_scaled_apply

    v = keras.Variable(np.ones(2, np.float32))
    optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.5), initial_scale=8.0,
                                                    dynamic_growth_steps=2)
    optimizer.build([v])
    loss_scaled_apply(optimizer, [keras.ops.convert_to_tensor([np.inf, 8.0])], [v])
    assert float(numpy(optimizer.dynamic_scale)) == 4.0 and int(numpy(optimizer.iterations)) == 0  # no step
    np.testing.assert_array_equal(numpy(v), [1.0, 1.0])
    for step, scale in ((1, 4.0), (2, 8.0)):  # doubled after two finite steps in a row
        loss_scaled_apply(optimizer, [keras.ops.convert_to_tensor([4.0, -4.0])], [v])
        assert float(numpy(optimizer.dynamic_scale)) == scale and int(numpy(optimizer.iterations)) == step
    np.testing.assert_allclose(numpy(v), [0.0, 2.0])  # two SGD steps on the unscaled gradient (1, -1)


# -- the other backends, in subprocesses ----------------------------------------------------------
# One subprocess per other backend: loads what JAX wrote, writes what JAX then loads.
OTHER = """
import json, numpy as np, keras
import ganzoo
from ganzoo.core.gan import value_and_grad
from ganzoo.core.objectives import gradient_penalty, r1_penalty
from ganzoo.families.dcgan import DCGAN, build_discriminator
d = {path!r}
out_dir = d + "/" + keras.backend.backend()
out = {{"backend": keras.backend.backend()}}
gan = DCGAN({config})
gan.load_weights(d + "/jax.weights.h5")
np.save(out_dir + "/from_jax.npy", gan.sample(8, seed=5))
keras.utils.set_random_seed(1)
gan = DCGAN({config})
gan.compile()
gan.fit(np.load(d + "/images.npy"), batch_size=8, epochs=1, verbose=0)
gan.save_weights(out_dir + "/other.weights.h5")
np.save(out_dir + "/other.npy", gan.sample(8, seed=5))
critic = build_discriminator(28, 1, 8, batch_norm=False, name="critic")
critic.load_weights(d + "/critic.weights.h5")
real, fake, alpha = (np.load(d + f"/{{k}}.npy") for k in ("real", "fake", "alpha"))
for name, loss in (("gp", lambda: gradient_penalty(critic, real, fake, alpha)),
                   ("r1", lambda: r1_penalty(lambda x: critic(x, training=True), real))):
    value, grads = value_and_grad(loss, critic.trainable_variables)
    grads = [np.zeros(v.shape) if g is None else keras.ops.convert_to_numpy(g)  # (no path: R1 and D's last bias)
             for g, v in zip(grads, critic.trainable_variables)]
    np.savez(out_dir + f"/{{name}}.npz", *grads, value=keras.ops.convert_to_numpy(value))
np.save(out_dir + "/cgan_mnist.npy", ganzoo.load("cgan_mnist").sample(8, seed=0))
np.save(out_dir + "/stylegan.npy", ganzoo.load("stylegan_lite_celeba").sample(2, seed=0))
print(json.dumps(out))
"""


def assert_within_one_grey_level(a, b):
    assert a.shape == b.shape
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1
    assert (a == b).mean() > 0.999


@pytest.fixture(scope="module")
def jax_side(tmp_path_factory):
    """What JAX writes for the other backends: trained DCGAN weights and their samples, a critic's
    weights and inputs for the penalties."""
    from ganzoo.families.dcgan import DCGAN, build_discriminator

    path = tmp_path_factory.mktemp("jax")
    images = squares(16)
    np.save(path / "images.npy", images)
    keras.utils.set_random_seed(0)
    gan = DCGAN(resolution=28, channels=1, width=8, latent_dim=8, seed=0, ema_decay=0.99)
    gan.compile()
    gan.fit(images, batch_size=8, epochs=1, verbose=0)
    gan.save_weights(str(path / "jax.weights.h5"))
    np.save(path / "jax.npy", gan.sample(8, seed=5))
    critic = build_discriminator(28, 1, 8, batch_norm=False, name="critic")
    critic.save_weights(str(path / "critic.weights.h5"))
    rng = np.random.default_rng(0)
    np.save(path / "real.npy", rng.uniform(-1, 1, (4, 28, 28, 1)).astype(np.float32))
    np.save(path / "fake.npy", rng.uniform(-1, 1, (4, 28, 28, 1)).astype(np.float32))
    np.save(path / "alpha.npy", rng.uniform(0, 1, (4, 1, 1, 1)).astype(np.float32))
    return path, critic


@pytest.fixture(scope="module")
def other_backends(jax_side):
    """TensorFlow and torch, each in a subprocess, the two at once (the step waits on them)."""
    path, _ = jax_side
    running = {}
    for backend in ("tensorflow", "torch"):
        (path / backend).mkdir()
        logs = [open(path / backend / name, "w+") for name in ("stdout", "stderr")]
        running[backend] = logs, subprocess.Popen(
            [sys.executable, "-c", OTHER.format(path=str(path), config=TINY_DCGAN)], cwd=REPO_ROOT,
            stdout=logs[0], stderr=logs[1], env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": backend})
    done = {}
    for backend, (logs, process) in running.items():
        returncode = process.wait(timeout=600)
        for log in logs:
            log.seek(0)
        done[backend] = (path / backend, returncode, *(log.read() for log in logs))
        for log in logs:
            log.close()
    return done


@pytest.mark.parametrize("other", ["tensorflow", "torch"])
def test_weights_move_between_all_three_backends_and_penalties_agree(jax_side, other_backends, other):
    from ganzoo.core.gan import value_and_grad
    from ganzoo.core.objectives import gradient_penalty, r1_penalty
    from ganzoo.families.dcgan import DCGAN
    import ganzoo

    path, critic = jax_side
    out, returncode, stdout, stderr = other_backends[other]
    assert returncode == 0, f"the {other} subprocess failed:\n{stdout}\n{stderr[-4000:]}"
    assert json.loads(stdout.splitlines()[-1])["backend"] == other
    # JAX -> other: the same samples, to one grey level
    assert_within_one_grey_level(np.load(path / "jax.npy"), np.load(out / "from_jax.npy"))
    # other -> JAX
    gan = DCGAN(resolution=28, channels=1, width=8, latent_dim=8, seed=0, ema_decay=0.99)
    gan.load_weights(str(out / "other.weights.h5"))
    assert_within_one_grey_level(np.load(out / "other.npy"), gan.sample(8, seed=5))
    # the shipped entries sample alike
    assert_within_one_grey_level(np.load(out / "cgan_mnist.npy"), ganzoo.load("cgan_mnist").sample(8, seed=0))
    assert_within_one_grey_level(np.load(out / "stylegan.npy"), ganzoo.load("stylegan_lite_celeba").sample(2, seed=0))
    # the penalties' gradients w.r.t. the critic's weights (second order) are those of the other backend
    real, fake, alpha = (np.load(path / f"{k}.npy") for k in ("real", "fake", "alpha"))
    for name, loss in (("gp", lambda: gradient_penalty(critic, real, fake, alpha)),
                       ("r1", lambda: r1_penalty(lambda x: critic(x, training=True), real))):
        value, grads = value_and_grad(loss, critic.trainable_variables)
        expected = np.load(out / f"{name}.npz")
        assert float(numpy(value)) == pytest.approx(float(expected["value"]), rel=1e-4)
        for i, grad in enumerate(grads):
            reference = expected[f"arr_{i}"]
            np.testing.assert_allclose(numpy(grad), reference, rtol=1e-3, atol=1e-4 * np.abs(reference).max())


DATA_PARALLEL = """
import json, jax, keras, numpy as np
from ganzoo.families.dcgan import DCGAN
d = {path!r}
keras.distribution.set_distribution(keras.distribution.DataParallel())
gan = DCGAN({config})
gan.load_weights(d + "/start.weights.h5")
gan.compile()
history = gan.fit(np.load(d + "/images.npy"), batch_size=16, epochs=1, verbose=0, shuffle=False)
gan.save_weights(d + "/two.weights.h5")
kernel = gan.generator.trainable_variables[0].value
print(json.dumps({{
    "devices": len(jax.devices()),
    "mesh": dict(zip(keras.distribution.distribution().device_mesh.axis_names,
                     keras.distribution.distribution().device_mesh.shape)),
    "weight_devices": len(kernel.sharding.device_set),
    "iterations": int(gan.g_optimizer.iterations.numpy()),
    "logs": history.history,
}}))
"""


def test_data_parallel_on_two_cpu_devices_trains_as_one_device_does(tmp_path):
    """keras.distribution.DataParallel over two (forced) CPU devices, in a subprocess: the batch is
    split, the step is the same SPMD program, so from the same weights and seed states two devices
    end where one device (here) does (batch norm sees the global batch)."""
    from ganzoo.families.dcgan import DCGAN

    images = squares(32)
    np.save(tmp_path / "images.npy", images)
    gan = DCGAN(resolution=28, channels=1, width=8, latent_dim=8, seed=0, ema_decay=0.99)
    gan.save_weights(str(tmp_path / "start.weights.h5"))
    start = weights_of(gan)
    gan.compile()
    logs = gan.fit(images, batch_size=16, epochs=1, verbose=0, shuffle=False).history
    out = json.loads(run_python(DATA_PARALLEL.format(path=str(tmp_path), config=TINY_DCGAN), env={
        "KERAS_BACKEND": "jax", "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}).splitlines()[-1])
    assert out["devices"] == 2 and out["mesh"] == {"batch": 2} and out["weight_devices"] == 2
    assert out["iterations"] == 2
    assert out["logs"]["d_loss"] == pytest.approx(logs["d_loss"], rel=1e-5)
    two = DCGAN(resolution=28, channels=1, width=8, latent_dim=8, seed=0, ema_decay=0.99)
    two.load_weights(str(tmp_path / "two.weights.h5"))
    assert moved(start, gan)
    for a, b in zip(weights_of(gan), weights_of(two)):  # G, D, the EMA, batch-norm statistics
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert_within_one_grey_level(gan.sample(16, seed=1), two.sample(16, seed=1))
