"""Pick a tf.distribute strategy by name (TensorFlow backend; torch trains on one device)."""

import json
import os

import keras

STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker", "tpu")


def get_strategy(name="auto"):
    """A tf.distribute.Strategy, or None on the torch backend (one device).

    auto: a TPU if one is attached, several GPUs -> mirrored, TF_CONFIG with workers ->
    multi-worker, one GPU -> one device, and None on a machine with no GPU: TensorFlow's
    default strategy, because OneDeviceStrategy("/cpu:0") made the CPU step 2.6x (DCGAN-28)
    and 1.2x (DCGAN-64) slower (benchmarks/strategy_overhead.py). Create it before any other TF op.
    """
    if name not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {name!r}.")
    if keras.backend.backend() != "tensorflow":
        if name not in ("auto", "one_device"):
            raise ValueError(f"strategy={name!r} needs the tensorflow backend; "
                             f"{keras.backend.backend()} trains on one device.")
        return None
    import tensorflow as tf

    if name == "auto":
        if _has_tpu():
            name = "tpu"
        elif _tf_config_has_workers():
            name = "multi_worker"
        elif len(tf.config.list_logical_devices("GPU")) > 1:
            name = "mirrored"
        elif not tf.config.list_logical_devices("GPU"):
            return None
        else:
            name = "one_device"
    if name == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    if name == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")


def worker_task():
    """(task type, index) from TF_CONFIG; ("worker", 0) without one."""
    task = json.loads(os.environ.get("TF_CONFIG") or "{}").get("task", {})
    return task.get("type", "worker"), int(task.get("index", 0))


def is_chief():
    """Whether this process writes the shared outputs (exports, logs): the chief, or worker 0
    when the cluster names no chief. Single-process runs are their own chief."""
    cluster = json.loads(os.environ.get("TF_CONFIG") or "{}").get("cluster", {})
    task_type, index = worker_task()
    return task_type == "chief" or (task_type == "worker" and index == 0 and "chief" not in cluster)


def _tf_config_has_workers():
    try:
        cluster = json.loads(os.environ.get("TF_CONFIG", "{}")).get("cluster", {})
    except json.JSONDecodeError:
        raise ValueError("TF_CONFIG is not valid JSON.") from None
    return len(cluster.get("worker", [])) + len(cluster.get("chief", [])) > 1


def _has_tpu():
    if not (os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR") or os.path.exists("/dev/accel0")):
        return False
    return True
