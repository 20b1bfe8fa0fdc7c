"""tf.distribute: the CPU split into two logical devices, training under MirroredStrategy,
and two worker processes on 127.0.0.1 training together under MultiWorkerMirroredStrategy."""

import json
import os
import socket
import subprocess
import sys

from conftest import REPO_ROOT, run_python, tf_only

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


WORKER = """
import json, sys
import numpy as np
from ganzoo import training
images = np.random.default_rng(0).integers(0, 256, (64, 28, 28, 1)).astype("uint8")
model, info = training.train("dcgan", dict(resolution=28, channels=1, width=8, latent_dim=8), images,
                             steps=4, batch_size=16, output_dir=sys.argv[1], strategy="multi_worker", verbose=0)
print(json.dumps({"steps": info["steps"], "replicas": model.distribute_strategy.num_replicas_in_sync,
                  "g0": np.asarray(model.generator.get_weights()[0]).ravel()[:50].tolist()}))
"""


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@tf_only
def test_two_workers_train_together(tmp_path):
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    workers = []
    for index in range(2):
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow",
               "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})}
        workers.append(subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path / "run")], cwd=REPO_ROOT,
                                        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert [r["replicas"] for r in results] == [2, 2]  # one strategy spanning both processes
    assert [r["steps"] for r in results] == [4, 4]
    assert results[0]["g0"] == results[1]["g0"]  # gradients all-reduced: the workers agree
    # the chief (worker 0) writes output_dir; the other worker its own folder inside it
    assert (tmp_path / "run" / "training.json").exists()
    assert (tmp_path / "run" / "workers" / "worker1" / "training.json").exists()
