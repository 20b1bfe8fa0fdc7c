"""DCGAN-64 training throughput of ganzoo against plain TensorFlow and PyTorch loops; also
sampling throughput and zoo load time. One command measures everything on this machine:

    python benchmarks/train_throughput.py --device=cpu      # or --device=gpu
    python benchmarks/train_throughput.py --resolution=28 --channels=1   # DCGAN-28, the MNIST recipe's

Training, in images/s: the DCGAN-64 step (3 channels, width 64, latent_dim 100, batch 64,
non-saturating loss, Adam(2e-4, beta_1=0.5), one D step then one G step, uint8 images in):
    ganzoo-tf       ganzoo's DCGAN, KERAS_BACKEND=tensorflow, compile(jit_compile=False), fit
    ganzoo-tf-xla   the same with compile(jit_compile=True)
    ganzoo-torch    the same class on KERAS_BACKEND=torch
    ganzoo-jax      the same class on KERAS_BACKEND=jax (the stateless step, jit-compiled by XLA as
                    Keras does by default on JAX; XLA's CPU thread pool does not follow --threads)
    plain-tf        the same networks trained by a hand-written tf.function + GradientTape loop
    plain-torch     the same shapes as torch.nn modules, torch.optim.Adam, BCEWithLogits losses
    plain-jax       the plain-tf networks on KERAS_BACKEND=jax, trained by a hand-written jitted step
                    (stateless_call, jax.value_and_grad, stateless_apply): what XLA on JAX costs
                    without ganzoo's step
Sampling, in images/s of model.sample(steps * batch_size):   sample-tf, sample-torch, sample-jax
Input, in images/s of ganzoo's tf.data pipeline alone:       input-tf
Loading, in seconds of ganzoo.load(LOAD_NAME):         load-tf, load-torch, load-jax
    cold: first call in a fresh process (import + build + weights read); warm: second call.

The Keras backend is fixed per process, so each contestant runs in its own worker process. A
worker warms up first (tracing, compilation: untimed) and then times one repeat of --steps steps
each time the parent asks; the parent asks repeat 1 of every contestant, then repeat 2, ..., so
that machine noise hits all alike; each repeat starts one contestant later than the last, so no
contestant always follows the same neighbour. Each load repeat is a fresh process. The medians,
the ratios ganzoo / plain (of the medians, and within each repeat), the raw timings, the machine
and the library versions go to --output as JSON, and a Markdown table of the results to stdout.
Run it on an otherwise idle machine: when other jobs hold the cores, multi-threaded workers
stall at their thread barriers (then try --threads=1).

A worker alone (prints a JSON "ready" line, then one JSON line per "run" line read on stdin):
    echo run | python benchmarks/train_throughput.py --worker=ganzoo-torch --steps=5 --repeats=1
"""

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RESOLUTION, CHANNELS, LATENT_DIM = 64, 3, 100  # --resolution, --channels set the first two
START = {28: 7, 32: 4, 64: 4}  # resolution -> side of G's first feature map (as ganzoo's DCGAN)
LEARNING_RATE, BETA_1, BETA_2 = 2e-4, 0.5, 0.999
TRAINING = {"ganzoo-tf": "tensorflow", "ganzoo-tf-xla": "tensorflow", "ganzoo-torch": "torch",
            "ganzoo-jax": "jax", "plain-tf": "tensorflow", "plain-torch": "torch", "plain-jax": "jax"}
SAMPLING = {"sample-tf": "tensorflow", "sample-torch": "torch", "sample-jax": "jax"}
INPUT = {"input-tf": "tensorflow"}
LOADING = {"load-tf": "tensorflow", "load-torch": "torch", "load-jax": "jax"}
BACKENDS = {**TRAINING, **SAMPLING, **INPUT, **LOADING}
RATIOS = [("ganzoo-tf", "plain-tf"), ("ganzoo-tf-xla", "plain-tf"),
          ("ganzoo-torch", "plain-torch"), ("ganzoo-tf-xla", "ganzoo-tf"),
          ("ganzoo-jax", "plain-jax"), ("ganzoo-jax", "ganzoo-tf"), ("plain-jax", "plain-tf")]
LOAD_NAME = "stylegan_lite_celeba"
WORKER_FLAGS = ("steps", "repeats", "warmup", "batch_size", "width", "threads", "mixed_precision", "device",
                "resolution", "channels")


def multipliers():
    """Filter multipliers of D's stride-2 layers, input side first (G's reversed): (1, 2, 4, 8) at 64 px."""
    n, size = 0, START[RESOLUTION]
    while size < RESOLUTION:
        size, n = size * 2, n + 1
    return [2**i for i in range(n)]


def uint8_images(n, seed=0):
    import numpy as np

    return np.random.default_rng(seed).integers(0, 256, (n, RESOLUTION, RESOLUTION, CHANNELS), dtype=np.uint8)


# -- worker side ------------------------------------------------------------------------
class Protocol:
    """Results go to the real stdout; whatever the libraries print is moved to stderr."""

    def __init__(self):
        self.out = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)

    def send(self, **fields):
        self.out.write(json.dumps(fields) + "\n")

    def wait(self):
        if sys.stdin.readline().strip() != "run":
            sys.exit(0)

    def serve(self, repeats, run, sync, images):
        for _ in range(repeats):
            self.wait()
            start = time.perf_counter()
            run()
            sync()
            self.send(seconds=time.perf_counter() - start, images=images)


def setup_backend(args):
    """Thread counts must be set before the backend runs its first op."""
    if BACKENDS[args.worker] == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
        gpus = tf.config.list_physical_devices("GPU")
        device = ", ".join(gpu.name for gpu in gpus) or "cpu"
    elif BACKENDS[args.worker] == "jax":
        import jax

        gpus = [d for d in jax.devices() if d.platform == "gpu"]
        device = ", ".join(d.device_kind for d in gpus) or "cpu"
    else:
        import torch

        torch.set_num_threads(args.threads)
        gpus = torch.cuda.is_available()
        device = torch.cuda.get_device_name(0) if gpus else "cpu"
    if args.device == "gpu" and not gpus:
        raise SystemExit(f"--device=gpu but {BACKENDS[args.worker]} sees no GPU.")
    return device


def set_keras_policy(args):
    import keras

    if args.mixed_precision != "none":
        keras.mixed_precision.set_dtype_policy(f"mixed_{args.mixed_precision}")


def keras_params(*nets):
    return [sum(math.prod(v.shape) for v in net.trainable_weights) for net in nets]


def ganzoo_worker(args, proto, device):
    import keras

    from ganzoo import pipeline
    from ganzoo.families.dcgan import DCGAN

    set_keras_policy(args)
    model = DCGAN(resolution=RESOLUTION, channels=CHANNELS, width=args.width, latent_dim=LATENT_DIM, seed=0)
    # Pinned: jit_compile="auto" turns XLA on for TensorFlow on a GPU, which would make
    # ganzoo-tf the same contestant as ganzoo-tf-xla there. JAX always compiles the step.
    model.compile(jit_compile=args.worker in ("ganzoo-tf-xla", "ganzoo-jax"))
    batch = args.batch_size
    # the input the recipes use: tf.data on TensorFlow, a generator on torch (ganzoo.pipeline)
    stream = pipeline.training_batches(uint8_images(max(args.steps, args.warmup) * batch), None, batch, seed=0)
    model.fit(stream, steps_per_epoch=args.warmup, epochs=1, verbose=0)
    last_g_weight = model.generator.trainable_weights[-1]

    class Repeats(keras.callbacks.Callback):
        """One epoch is one repeat: it starts on the parent's word and reports its time."""

        def on_epoch_begin(self, epoch, logs=None):
            proto.wait()
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            keras.ops.convert_to_numpy(last_g_weight)  # waits for the device to finish
            proto.send(seconds=time.perf_counter() - self.start, images=args.steps * batch)

    proto.send(ready=True, device=device, jit_compile=bool(model.jit_compile),
               params=keras_params(model.generator, model.discriminator))
    model.fit(stream, steps_per_epoch=args.steps, epochs=args.repeats, verbose=0, callbacks=[Repeats()])


def keras_networks(width):
    """DCGAN generator and discriminator written here with Keras layers (no ganzoo code)."""
    import keras
    from keras import layers

    init = keras.initializers.RandomNormal(stddev=0.02)
    mults, start = multipliers(), START[RESOLUTION]
    z = keras.Input((LATENT_DIM,))
    x = layers.Dense(start * start * width * mults[-1], use_bias=False, kernel_initializer=init)(z)
    x = layers.ReLU()(layers.BatchNormalization()(layers.Reshape((start, start, width * mults[-1]))(x)))
    for mult in mults[-2::-1]:
        x = layers.Conv2DTranspose(width * mult, 4, 2, "same", use_bias=False, kernel_initializer=init)(x)
        x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Conv2DTranspose(CHANNELS, 4, 2, "same", kernel_initializer=init)(x)
    generator = keras.Model(z, layers.Activation("tanh", dtype="float32")(x))

    image = x = keras.Input((RESOLUTION, RESOLUTION, CHANNELS))
    for i, mult in enumerate(mults):
        x = layers.Conv2D(width * mult, 4, 2, "same", use_bias=i == 0, kernel_initializer=init)(x)
        x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(x) if i else x)
    logit = layers.Dense(1, kernel_initializer=init, dtype="float32")(layers.Flatten()(x))
    return generator, keras.Model(image, logit)


def plain_tf_worker(args, proto, device):
    import keras
    import tensorflow as tf

    set_keras_policy(args)
    generator, discriminator = keras_networks(args.width)
    optimizers = []
    for net in (discriminator, generator):
        opt = keras.optimizers.Adam(LEARNING_RATE, beta_1=BETA_1, beta_2=BETA_2)
        if args.mixed_precision == "float16":  # float16 gradients underflow unscaled
            opt = keras.optimizers.LossScaleOptimizer(opt)
        opt.build(net.trainable_variables)
        optimizers.append(opt)
    d_opt, g_opt = optimizers
    batch = args.batch_size

    def softplus_mean(x):
        return tf.reduce_mean(tf.nn.softplus(x))

    @tf.function
    def train_step(real_uint8):
        real = tf.cast(real_uint8, tf.float32) / 127.5 - 1.0
        fake = generator(tf.random.normal((batch, LATENT_DIM)), training=True)
        with tf.GradientTape() as tape:
            d_loss = (softplus_mean(-discriminator(real, training=True))
                      + softplus_mean(discriminator(fake, training=True)))
            scaled = d_opt.scale_loss(d_loss)
        grads = tape.gradient(scaled, discriminator.trainable_variables)
        d_opt.apply_gradients(zip(grads, discriminator.trainable_variables))
        with tf.GradientTape() as tape:
            fake = generator(tf.random.normal((batch, LATENT_DIM)), training=True)
            g_loss = softplus_mean(-discriminator(fake, training=True))
            scaled = g_opt.scale_loss(g_loss)
        grads = tape.gradient(scaled, generator.trainable_variables)
        g_opt.apply_gradients(zip(grads, generator.trainable_variables))
        return d_loss, g_loss

    data = tf.data.Dataset.from_tensor_slices(uint8_images(args.steps * batch))
    batches = iter(data.batch(batch, drop_remainder=True).repeat().prefetch(tf.data.AUTOTUNE))

    def run(steps):
        for _ in range(steps):
            train_step(next(batches))

    run(args.warmup)
    proto.send(ready=True, device=device, params=keras_params(generator, discriminator))
    proto.serve(args.repeats, lambda: run(args.steps),
                lambda: generator.trainable_variables[-1].numpy(), args.steps * batch)


def torch_networks(width):
    """The same DCGAN as torch.nn modules: z is projected by a transposed convolution to the first
    feature map (4x4, or 7x7 at 28 px) and the logit read by a convolution of the last map's size,
    each with the parameters of Keras' Dense."""
    from torch import nn

    def norm(c):  # Keras' BatchNormalization defaults
        return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)

    mults, start = multipliers(), START[RESOLUTION]
    g = [nn.Unflatten(1, (LATENT_DIM, 1, 1)), nn.ConvTranspose2d(LATENT_DIM, width * mults[-1], start, 1, 0, bias=False),
         norm(width * mults[-1]), nn.ReLU()]
    for mult in mults[:0:-1]:
        g += [nn.ConvTranspose2d(width * mult, width * mult // 2, 4, 2, 1, bias=False),
              norm(width * mult // 2), nn.ReLU()]
    g += [nn.ConvTranspose2d(width, CHANNELS, 4, 2, 1), nn.Tanh()]

    d, channels = [], CHANNELS
    for i, mult in enumerate(mults):
        d += [nn.Conv2d(channels, width * mult, 4, 2, 1, bias=i == 0)]
        d += [norm(width * mult), nn.LeakyReLU(0.2)] if i else [nn.LeakyReLU(0.2)]
        channels = width * mult
    d += [nn.Conv2d(channels, 1, start, 1, 0), nn.Flatten()]

    generator, discriminator = nn.Sequential(*g), nn.Sequential(*d)
    for module in [*generator.modules(), *discriminator.modules()]:
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(module.weight, 0.0, 0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return generator, discriminator


def plain_jax_worker(args, proto, device):
    import jax
    import keras

    generator, discriminator = keras_networks(args.width)
    d_opt, g_opt = (keras.optimizers.Adam(LEARNING_RATE, beta_1=BETA_1, beta_2=BETA_2) for _ in range(2))
    d_opt.build(discriminator.trainable_variables)
    g_opt.build(generator.trainable_variables)
    batch = args.batch_size

    def softplus_mean(x):
        return jax.numpy.mean(jax.nn.softplus(x))

    def d_loss(d_train, d_rest, real, fake):
        real_logits, d_rest = discriminator.stateless_call(d_train, d_rest, real, training=True)
        fake_logits, d_rest = discriminator.stateless_call(d_train, d_rest, fake, training=True)
        return softplus_mean(-real_logits) + softplus_mean(fake_logits), d_rest

    def g_loss(g_train, g_rest, d_train, d_rest, z):
        fake, g_rest = generator.stateless_call(g_train, g_rest, z, training=True)
        logits, d_rest = discriminator.stateless_call(d_train, d_rest, fake, training=True)
        return softplus_mean(-logits), (g_rest, d_rest)

    @jax.jit
    def train_step(state, real_uint8, key):
        g_train, g_rest, g_slots, d_train, d_rest, d_slots = state
        key_d, key_g = jax.random.split(key)
        real = real_uint8.astype("float32") / 127.5 - 1.0
        fake, g_rest = generator.stateless_call(g_train, g_rest, jax.random.normal(key_d, (batch, LATENT_DIM)),
                                                training=True)
        (_, d_rest), grads = jax.value_and_grad(d_loss, has_aux=True)(d_train, d_rest, real, fake)
        d_train, d_slots = d_opt.stateless_apply(d_slots, grads, d_train)
        (_, (g_rest, d_rest)), grads = jax.value_and_grad(g_loss, has_aux=True)(
            g_train, g_rest, d_train, d_rest, jax.random.normal(key_g, (batch, LATENT_DIM)))
        g_train, g_slots = g_opt.stateless_apply(g_slots, grads, g_train)
        return g_train, g_rest, g_slots, d_train, d_rest, d_slots

    values = [[v.value for v in variables] for variables in (
        generator.trainable_variables, generator.non_trainable_variables, g_opt.variables,
        discriminator.trainable_variables, discriminator.non_trainable_variables, d_opt.variables)]
    state = {"values": tuple(values), "key": jax.random.PRNGKey(0)}
    images = uint8_images(args.steps * batch).reshape(args.steps, batch, RESOLUTION, RESOLUTION, CHANNELS)

    def run(steps):
        for i in range(steps):
            state["key"], key = jax.random.split(state["key"])
            state["values"] = train_step(state["values"], images[i % len(images)], key)

    run(args.warmup)
    proto.send(ready=True, device=device, params=keras_params(generator, discriminator))
    proto.serve(args.repeats, lambda: run(args.steps),
                lambda: jax.block_until_ready(state["values"]), args.steps * batch)


def plain_torch_worker(args, proto, device_name):
    import torch

    device = torch.device("cuda" if args.device == "gpu" else "cpu")
    generator, discriminator = (net.to(device) for net in torch_networks(args.width))
    g_opt = torch.optim.Adam(generator.parameters(), lr=LEARNING_RATE, betas=(BETA_1, BETA_2))
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=LEARNING_RATE, betas=(BETA_1, BETA_2))
    amp_dtype = {"none": None, "float16": torch.float16, "bfloat16": torch.bfloat16}[args.mixed_precision]
    scaler = torch.amp.GradScaler(device.type, enabled=amp_dtype == torch.float16)
    bce = torch.nn.BCEWithLogitsLoss()
    batch = args.batch_size
    ones = torch.ones(batch, 1, device=device)
    zeros = torch.zeros(batch, 1, device=device)
    images = torch.from_numpy(uint8_images(args.steps * batch)).split(batch)

    def autocast():
        return torch.autocast(device.type, dtype=amp_dtype, enabled=amp_dtype is not None)

    def update(opt, loss):
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(opt)

    def train_step(real_uint8):
        real = real_uint8.to(device).permute(0, 3, 1, 2).float() / 127.5 - 1.0
        with autocast():
            with torch.no_grad():
                fake = generator(torch.randn(batch, LATENT_DIM, device=device))
            d_loss = bce(discriminator(real), ones) + bce(discriminator(fake), zeros)
        update(d_opt, d_loss)
        with autocast():
            g_loss = bce(discriminator(generator(torch.randn(batch, LATENT_DIM, device=device))), ones)
        update(g_opt, g_loss)
        scaler.update()

    def run(steps):
        for i in range(steps):
            train_step(images[i % len(images)])

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    run(args.warmup)
    sync()
    params = [sum(p.numel() for p in net.parameters()) for net in (generator, discriminator)]
    proto.send(ready=True, device=device_name, params=params)
    proto.serve(args.repeats, lambda: run(args.steps), sync, args.steps * batch)


def input_worker(args, proto, device):
    """The tf.data input pipeline alone: if it delivers far more images/s than a training
    step consumes, the device never waits on data (prefetch overlaps the two)."""
    from ganzoo import pipeline

    batches = iter(pipeline.tf_dataset(uint8_images(max(args.steps, 8) * args.batch_size), None,
                                       args.batch_size, seed=0))

    def run(steps):
        for _ in range(steps):
            next(batches).numpy()

    run(args.warmup)
    proto.send(ready=True, device=device)
    proto.serve(args.repeats, lambda: run(args.steps), lambda: None, args.steps * args.batch_size)


def sample_worker(args, proto, device):
    from ganzoo.families.dcgan import DCGAN

    set_keras_policy(args)
    model = DCGAN(resolution=RESOLUTION, channels=CHANNELS, width=args.width, latent_dim=LATENT_DIM, seed=0)
    n = args.steps * args.batch_size
    model.sample(n)  # first call: device start-up and kernel selection, untimed
    proto.send(ready=True, device=device, params=keras_params(model.generator))
    proto.serve(args.repeats, lambda: model.sample(n), lambda: None, n)  # sample() returns numpy: synced


def load_worker(args, proto, start):
    import ganzoo

    ganzoo.load(LOAD_NAME)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    ganzoo.load(LOAD_NAME)
    proto.send(cold_s=cold, warm_s=time.perf_counter() - start)


def run_worker(args):
    start = time.perf_counter()  # before any backend import: the cold load counts it
    # Set before the backends are imported; several TF workers share one GPU.
    os.environ.update(KERAS_BACKEND=BACKENDS[args.worker], TF_CPP_MIN_LOG_LEVEL="2",
                      TF_FORCE_GPU_ALLOW_GROWTH="true", XLA_PYTHON_CLIENT_PREALLOCATE="false")
    if args.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
        os.environ["JAX_PLATFORMS"] = "cpu"
    proto = Protocol()
    device = setup_backend(args)
    if args.worker in LOADING:
        load_worker(args, proto, start)
    elif args.worker in SAMPLING:
        sample_worker(args, proto, device)
    elif args.worker in INPUT:
        input_worker(args, proto, device)
    elif args.worker.startswith("ganzoo-"):
        ganzoo_worker(args, proto, device)
    elif args.worker == "plain-tf":
        plain_tf_worker(args, proto, device)
    elif args.worker == "plain-jax":
        plain_jax_worker(args, proto, device)
    else:
        plain_torch_worker(args, proto, device)


# -- parent side ------------------------------------------------------------------------
class Worker:
    """One contestant's process; its stderr is kept in a file and shown if it fails."""

    def __init__(self, name, args):
        self.name = name
        self.log = tempfile.TemporaryFile()
        flags = [f"--{key}={getattr(args, key)}" for key in WORKER_FLAGS]
        self.proc = subprocess.Popen([sys.executable, __file__, f"--worker={name}", *flags],
                                     cwd=REPO, text=True, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log)

    def read(self):
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            self.log.seek(0)
            tail = self.log.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"worker {self.name} exited with {self.proc.returncode}:\n{tail}")
        return json.loads(line)

    def run(self):
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        return self.read()

    def close(self):
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def measure(args):
    """(ready lines, raw timings): warm every worker up, then run the repeats round-robin."""
    workers, ready = {}, {}
    raw = {name: [] for name in args.contestants}
    try:
        for name in args.contestants:
            if name not in LOADING:
                print(f"warming up {name} ...", file=sys.stderr, flush=True)
                workers[name] = Worker(name, args)
                ready[name] = workers[name].read()
        for repeat in range(args.repeats):
            print(f"repeat {repeat + 1}/{args.repeats}", file=sys.stderr, flush=True)
            # Each repeat starts one contestant later: whoever runs right after a torch worker
            # (its OpenMP threads spin for a while after their work) or a cold-load process (still
            # exiting) would otherwise always be the one that pays for it.
            shift = repeat % len(args.contestants)
            for name in args.contestants[shift:] + args.contestants[:shift]:
                if name in LOADING:  # a cold load needs a fresh process each time
                    worker = Worker(name, args)
                    try:
                        raw[name].append(worker.read())
                    finally:
                        worker.close()
                else:
                    raw[name].append(workers[name].run())
    finally:
        for worker in workers.values():
            worker.close()
    return ready, raw


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        import torch

        gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:
        gpu = None
    return {"hostname": socket.gethostname(), "cpu": cpu, "cores": os.cpu_count(),
            "usable_cores": len(os.sched_getaffinity(0)), "gpu": gpu, "platform": platform.platform(),
            "python": platform.python_version()}


def versions():
    found = {}
    for package, distributions in {"tensorflow": ("tensorflow", "tensorflow-cpu"), "keras": ("keras",),
                                   "torch": ("torch",), "jax": ("jax",), "numpy": ("numpy",)}.items():
        found[package] = None
        for distribution in distributions:
            try:
                found[package] = metadata.version(distribution)
                break
            except metadata.PackageNotFoundError:
                pass
    git = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True)
    found["ganzoo_git"] = git.stdout.strip() or None
    return found


def summarize(raw):
    medians = {}
    for name, runs in raw.items():
        if name in LOADING:
            medians[name] = {key: statistics.median(r[key] for r in runs) for key in ("cold_s", "warm_s")}
        else:
            medians[name] = statistics.median(r["images"] / r["seconds"] for r in runs)
    ratios = {f"{a} / {b}": medians[a] / medians[b] for a, b in RATIOS if a in medians and b in medians}
    return medians, ratios


def paired_ratios(raw):
    """For each ratio, the ratios of the two contestants' rates within each repeat (run close in
    time, so slow drifts of the machine cancel), with their median and range: the spread says
    how far apart two contestants must be before the machine's noise cannot explain it."""
    def rate(run):
        return run["images"] / run["seconds"]

    paired = {}
    for a, b in RATIOS:
        if a in raw and b in raw and a not in LOADING:
            per_repeat = [rate(x) / rate(y) for x, y in zip(raw[a], raw[b])]
            paired[f"{a} / {b}"] = {"median": statistics.median(per_repeat), "min": min(per_repeat),
                                    "max": max(per_repeat), "per_repeat": per_repeat}
    return paired


def markdown(args, result):
    medians, ratios = result["medians"], result["ratios"]
    where = result["machine"]["gpu"] if args.device == "gpu" else result["machine"]["cpu"]
    precision = "float32" if args.mixed_precision == "none" else f"mixed {args.mixed_precision}"
    lines = [f"DCGAN-{RESOLUTION} ({CHANNELS} channels), width {args.width}, batch {args.batch_size}, {precision}, {args.device}: {where}, "
             f"{args.threads} threads; median of {args.repeats} repeats of {args.steps} steps.", "",
             "| contestant | images/s (median) | ratio |", "|---|---:|---|"]
    for name, value in medians.items():
        if name in LOADING:
            continue
        against = [f"{ratio:.2f}x {key.split(' / ')[1]}" for key, ratio in ratios.items()
                   if key.startswith(f"{name} / ")]
        reference = name.startswith("plain-") and any(key.endswith(f"/ {name}") for key in ratios)
        lines.append(f"| {name} | {value:.1f} | {', '.join(against) or ('reference' if reference else '')} |")
    loads = {name: value for name, value in medians.items() if name in LOADING}
    if loads:
        lines += ["", f'| ganzoo.load("{LOAD_NAME}") | cold s | warm s |', "|---|---:|---:|"]
        lines += [f"| {name} | {v['cold_s']:.2f} | {v['warm_s']:.3f} |" for name, v in loads.items()]
    if result.get("paired_ratios"):
        lines += ["", "Ratios within each repeat (median, min-max): " + "; ".join(
            f"{key} {p['median']:.3f} ({p['min']:.3f}-{p['max']:.3f})" for key, p in result["paired_ratios"].items())]
    return "\n".join(lines)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50, help="training steps per timed repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps before the repeats")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--resolution", type=int, choices=sorted(START), default=64,
                        help="DCGAN-28 (the MNIST recipe's, with --channels=1), -32 or -64")
    parser.add_argument("--channels", type=int, choices=[1, 3], default=3)
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                        help="TF intra/inter-op and torch threads of each worker (default: all cores)")
    parser.add_argument("--contestants", default=",".join(BACKENDS),
                        help=f"comma list out of {', '.join(BACKENDS)} (default: all)")
    parser.add_argument("--output",
                        help="JSON path (default: benchmarks/results/train_throughput_<device>_<host>.json)")
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--mixed_precision", choices=["none", "float16", "bfloat16"], default="none",
                        help="Keras dtype policy in ganzoo-* and plain-tf, torch.autocast in plain-torch")
    parser.add_argument("--worker", choices=list(BACKENDS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.contestants = [name.strip() for name in args.contestants.split(",") if name.strip()]
    unknown = sorted(set(args.contestants) - set(BACKENDS))
    if unknown:
        parser.error(f"unknown contestants {unknown}; choose from {list(BACKENDS)}")
    for key in ("steps", "repeats", "batch_size", "width", "threads"):
        if getattr(args, key) < 1:
            parser.error(f"--{key} must be at least 1")
    if args.warmup < 1:
        parser.error("--warmup must be at least 1: the first step traces and compiles")
    global RESOLUTION, CHANNELS
    RESOLUTION, CHANNELS = args.resolution, args.channels
    return args


def main():
    args = parse_args()
    if args.worker:
        return run_worker(args)
    output = Path(args.output or REPO / "benchmarks" / "results"
                  / f"train_throughput_{args.device}_{socket.gethostname()}.json")
    ready, raw = measure(args)
    medians, ratios = summarize(raw)
    params = {tuple(ready[name]["params"]) for name in TRAINING if name in ready}
    if len(params) > 1:
        print(f"warning: the contestants' (G, D) parameter counts differ: {params}", file=sys.stderr)
    settings = {key: getattr(args, key) for key in (*WORKER_FLAGS, "contestants")}
    settings.update(resolution=RESOLUTION, channels=CHANNELS, latent_dim=LATENT_DIM, loss="non_saturating",
                    optimizer=f"Adam(learning_rate={LEARNING_RATE}, beta_1={BETA_1}, beta_2={BETA_2})",
                    load=LOAD_NAME)
    result = {"benchmark": "train_throughput", "command": shlex.join([sys.executable, *sys.argv]),
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "machine": machine(), "versions": versions(), "settings": settings, "workers": ready,
              "raw": raw, "medians": medians, "ratios": ratios, "paired_ratios": paired_ratios(raw)}
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(args, result))
    print(f"\nwritten to {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
