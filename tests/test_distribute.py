"""tf.distribute: the CPU split into two logical devices, training under MirroredStrategy."""

import json

from conftest import run_python, tf_only

SETUP = """
import json, numpy as np, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
from ganzoo.families.dcgan import DCGAN
rng = np.random.default_rng(0)
images = rng.integers(0, 256, (64, 28, 28, 1)).astype("uint8")
"""


@tf_only
def test_mirrored_training_and_per_replica_loss_scaling():
    out = run_python(SETUP + """
def one_step(strategy):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        gan = DCGAN(resolution=28, channels=1, width=8, latent_dim=8, seed=0, ema_decay=0.9)
        gan.compile(g_optimizer=keras.optimizers.SGD(0.1), d_optimizer=keras.optimizers.SGD(0.1))
    before = [np.array(w) for w in gan.discriminator.trainable_weights]
    before_g = np.array(gan.generator.weights[0])
    history = gan.fit(images, batch_size=64, epochs=1, shuffle=False, verbose=0)
    after = [np.array(w) for w in gan.discriminator.trainable_weights]
    step = np.sqrt(sum(((a - b) ** 2).sum() for a, b in zip(after, before)))
    ema_moved = not np.allclose(np.array(gan.generator_ema.weights[0]), before_g)
    return gan, float(step), dict(history.history, ema_moved=[ema_moved])

mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
gan, mirrored_step, history = one_step(mirrored)
_, single_step, _ = one_step(tf.distribute.OneDeviceStrategy("/cpu:0"))
# each replica draws its own latents
z = mirrored.experimental_local_results(mirrored.run(lambda: gan.latent_batch(4)))
print(json.dumps({"replicas": mirrored.num_replicas_in_sync, "ratio": mirrored_step / single_step,
                  "history": history, "z_differ": bool(not np.allclose(np.array(z[0]), np.array(z[1])))}))
""")
    result = json.loads(out.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert all(v == v for v in result["history"]["d_loss"])  # finite, not NaN
    # gradients summed over replicas of a loss averaged over the global batch: the same
    # size of step as on one device (it would be ~2x without the division by replicas)
    assert 0.7 < result["ratio"] < 1.4, result
    assert result["z_differ"]
    assert result["history"]["ema_moved"] == [True]  # the EMA update runs in replica context
