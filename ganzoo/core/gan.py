"""The GAN base class: the two-player update written once, for TensorFlow, PyTorch and JAX.

A family builds `self.generator` and `self.discriminator` (functional Keras models)
and, where it differs from the unconditional default, says what each player
minimises in `discriminator_loss` / `generator_loss`. How gradients are taken,
applied, averaged over replicas and reported is decided here only.
"""

import contextlib
import hashlib
import numbers
from pathlib import Path

import keras
import numpy as np
from keras import ops

from ganzoo import images as image_utils
from ganzoo.augment import GROUPS, DiffAugment, parse_policy
from ganzoo.core import jacobian_truncation as jbt
from ganzoo.core import jax_state, torch_conv
from ganzoo.core.objectives import GENERATOR_TERMS, get_objective, top_k_mean

torch_conv.use_contiguous_kernels()


def value_and_grad(loss_fn, variables, has_aux=False):
    """(loss, gradients of loss w.r.t. variables), on whichever backend Keras runs. has_aux:
    loss_fn returns (loss, aux), and the result is ((loss, aux), gradients), as with jax.value_and_grad
    (on JAX a value computed inside loss_fn reaches the caller only this way)."""
    backend = keras.backend.backend()
    if backend == "jax":
        return jax_state.value_and_grad(loss_fn, variables, has_aux)
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            out = loss_fn()
        return out, tape.gradient(out[0] if has_aux else out, variables)
    if backend == "torch":
        for v in variables:
            v.value.grad = None
        out = loss_fn()
        (out[0] if has_aux else out).backward()
        return out, [v.value.grad for v in variables]
    raise NotImplementedError(
        f"ganzoo trains on the tensorflow, torch and jax backends, not {backend!r}; "
        "set KERAS_BACKEND=tensorflow, torch or jax."
    )


def no_grad():
    """A context that stops autograd bookkeeping during inference on torch (no-op elsewhere)."""
    if keras.backend.backend() == "torch":
        import torch

        return torch.no_grad()
    return contextlib.nullcontext()


def run_if(condition, fn):
    """Run fn (stateful: variable updates, an optimizer step) only where the scalar boolean
    `condition` holds, inside a compiled train step as eagerly: tf.cond on TensorFlow, lax.cond
    on JAX, a Python if on torch. Returns nothing."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        def run():
            fn()
            return ops.zeros(())

        tf.cond(condition, run, lambda: ops.zeros(()))
    elif backend == "jax":
        jax_state.run_if(condition, fn)
    elif bool(ops.convert_to_numpy(condition)):
        fn()


def _replica_info():
    """(number of replicas in sync, this replica's id) under tf.distribute; (1, 0) elsewhere."""
    if keras.backend.backend() != "tensorflow":
        return 1, 0
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context
        return tf.distribute.get_strategy().num_replicas_in_sync, 0
    return context.num_replicas_in_sync, context.replica_id_in_sync_group


def _multi_worker():
    """Whether training runs under MultiWorkerMirroredStrategy (TensorFlow backend)."""
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    return isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy)


def _loss_scaled(optimizer):
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer, name=f"{optimizer.name}_loss_scaled")


def check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value!r}.")
    return int(value)


def non_finite_variables(variables):
    """The paths (names) of the variables that hold a NaN or an infinity."""
    return [getattr(v, "path", getattr(v, "name", "?")) for v in variables
            if not np.isfinite(ops.convert_to_numpy(v)).all()]


def check_finite_weights(model, what=None):
    """Raise a ValueError naming the variables of `model` that hold NaN or infinite values (the
    weights of a diverged run: they sample blank images); `what` says whose weights they are."""
    bad = non_finite_variables(model.weights)
    if bad:
        shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        raise ValueError(f"{what or model.name}: {len(bad)} of {len(model.weights)} weight variables hold NaN "
                         f"or infinite values ({shown}). Such a model samples blank images: the training run "
                         "diverged; train again with lower learning rates.")
    return model


# Bounds checked before anything is allocated: a config or a request beyond them is refused with
# what was asked and what fits, instead of growing until the system kills the process.
MAX_PARAMETERS = 200_000_000  # 0.8 GB of float32 weights per model; x3 with Adam's two slots
MAX_SAMPLE_BYTES = 2 * 1024**3  # what one sample()/generate() call may return (uint8 NHWC)


def check_parameter_budget(family, config, parameters):
    """Raise a ValueError if a family's networks would have more than MAX_PARAMETERS weights.

    `parameters`: the family's estimate from its config (computed, not allocated); `config`:
    the sizes that decide it, named in the message."""
    if parameters > MAX_PARAMETERS:
        sizes = ", ".join(f"{key}={value!r}" for key, value in config.items())
        raise ValueError(f"{family} with {sizes} would have about {parameters:.3g} weights "
                         f"({parameters * 4 / 1e9:.3g} GB in float32, about 3x that to train with Adam); "
                         f"the limit is {MAX_PARAMETERS:.3g} weights ({MAX_PARAMETERS * 4 / 1e9:.3g} GB). "
                         "Choose smaller sizes.")
    return parameters


def check_sample_count(n, image_shape, what="sample"):
    """n as an int, unless n images of image_shape (uint8) exceed MAX_SAMPLE_BYTES."""
    n = check_positive_int(n, "n")
    per_image = int(np.prod(image_shape))
    if n * per_image > MAX_SAMPLE_BYTES:
        fits = MAX_SAMPLE_BYTES // per_image
        raise ValueError(f"{what}: {n} images of shape {tuple(image_shape)} would take "
                         f"{n * per_image / 1e9:.3g} GB as uint8; at most {fits} fit in one call "
                         f"({MAX_SAMPLE_BYTES / 1e9:.3g} GB). Ask for fewer and call again (with other seeds).")
    return n


def check_seed(seed):
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be None or a non-negative int, got {seed!r}.")
    return int(seed)


def scale_images(images, image_shape, what="Training images"):
    """A batch of uint8 images of image_shape as float32 in [-1, 1] (in the train step)."""
    if tuple(images.shape[1:]) != tuple(image_shape):
        raise ValueError(f"{what} must have shape (batch, {tuple(image_shape)}), got {tuple(images.shape)}.")
    dtype = keras.backend.standardize_dtype(images.dtype)
    if dtype != "uint8":
        raise ValueError(f"{what} must be uint8 in [0, 255] (as the models return them), got dtype {dtype}.")
    return ops.cast(images, "float32") / 127.5 - 1.0


def split_batch(batch, parts):
    """A dict of batch tensors cut along axis 0 into `parts` dicts, in order and as equal as the batch
    allows (a short last batch too: none is empty, and where the batch has fewer examples than parts,
    neighbours share one)."""
    n = ops.shape(batch["images"])[0]
    small, large = (min, max) if isinstance(n, int) else (ops.minimum, ops.maximum)
    bounds = [(i * n) // parts for i in range(parts + 1)]
    starts = [small(bound, n - 1) for bound in bounds[:-1]]
    ends = [large(bound, first + 1) for bound, first in zip(bounds[1:], starts)]
    return [{key: value[first:end] for key, value in batch.items()} for first, end in zip(starts, ends)]


class _RequireBatches(keras.callbacks.Callback):
    """fit() raises on data that gives no batch (Keras runs the epochs on nothing and returns {})."""

    def on_train_begin(self, logs=None):
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1

    def on_epoch_end(self, epoch, logs=None):
        if self.batches == 0:
            raise ValueError("fit: the training data gave no batch (an empty dataset, or fewer examples than "
                             "one batch where the remainder is dropped); nothing was trained.")


class GAN(keras.Model):
    """Base class of every family: `fit` runs discriminator then generator steps.

    Subclasses set `self.generator`, `self.discriminator` (None: G trains alone on its
    generator_loss), `self.image_shape` and
    implement `get_config`; they may override `discriminator_loss`, `generator_loss`,
    `prepare_batch`, `default_optimizer_settings` and `latent_batch`.

    augment: a DiffAugment policy (ganzoo.augment), e.g. "color,translation,cutout": every image D
    judges in training, real or generated, goes through it (families call `discriminate`). augment_p:
    the probability each transform is applied to each image (1: always, DiffAugment; with a target,
    where p starts); augment_target: adapt p every augment_interval steps towards
    r_t = E[sign(D(real))] = target, as ADA (0.6 there), at a rate that takes p from 0 to 1 in
    augment_kimg thousand images. Off by default; the config names these only when set.

    critic_batches: with d_steps > 1, "shared" runs every D step and then G's on one batch; "fresh"
    gives each D step its own batch, as the WGAN-GP and StarGAN authors draw them, and G the last
    one. A fresh step reads d_steps batches at once: fit(x, batch_size=B) on arrays and
    training.train batch d_steps * B images; a dataset's batches are cut into d_steps parts.

    top_k: the least share of each generated batch G learns from, those D rates most real (top-k
    training, Sinha et al. 2020; 1: all, the default); the share starts at 1 and is multiplied by
    top_k_decay every 1,000 generator steps down to top_k (the paper: 0.99 an epoch; 0: top_k at once,
    for more steps of a trained entry). For the families whose G learns from D's score of each sample
    alone (gan, dcgan, lsgan, wgan_gp).

    jacobian_truncation: the share of latents that sampling rejects, those where the generator's
    Jacobian norm is largest (ganzoo.core.jacobian_truncation: between-mode samples); 0 (none) by
    default, for the families that sample from z alone.
    """

    # Published optimiser settings; families override. Keys are keras.optimizers.Adam args.
    default_optimizer_settings = {"learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.999}
    # Per-player learning rates where a paper gives different ones (InfoGAN: G 1e-3, D 2e-4).
    default_learning_rates = {}
    # Discriminator (critic) steps per generator step (WGAN uses 5).
    d_steps = 1

    # Whether `augment` (DiffAugment before D) applies; the image-to-image families say no.
    supports_augment = True
    # Transform groups a family refuses, with the reason (StarGAN: colour changes what D classifies).
    augment_excludes = {}

    def __init__(self, latent_dim=100, objective="non_saturating", seed=None, ema_decay=None, augment=None,
                 augment_p=1.0, augment_target=None, augment_interval=4, augment_kimg=500,
                 critic_batches="shared", top_k=1.0, top_k_decay=0.99, jacobian_truncation=0.0, **kwargs):
        super().__init__(**kwargs)
        if critic_batches not in ("shared", "fresh"):
            raise ValueError(f"critic_batches must be 'shared' (one batch for every critic step) or 'fresh' (a "
                             f"new batch for each, as the WGAN-GP and StarGAN authors draw them), got {critic_batches!r}.")
        self.critic_batches = critic_batches
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ValueError(f"ema_decay must be None or in (0, 1), got {ema_decay!r}.")
        self.ema_decay = ema_decay
        self.generator_ema = None
        # Whether the average warms up (a fresh run), or continues at ema_decay: published weights
        # loaded to train on are an average already (zoo.load sets False; training.train(continue_average)).
        self.ema_ramp = True
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.objective = objective
        self.d_objective, self.g_objective = get_objective(objective)
        self.g_terms = GENERATOR_TERMS[objective]  # G's loss per sample, for top_k
        self.seed = check_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.augmenter = self._augmenter(augment, augment_p, augment_target, augment_interval, augment_kimg)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.top_k, self.top_k_decay = self._check_top_k(top_k, top_k_decay)
        self.jacobian_truncation = jbt.check_reject_share(jacobian_truncation)
        if self.jacobian_truncation:
            self._check_samples_from_noise_alone()
        self._jacobian_limit = (None, None)  # ((share, the sampling generator's weights' digest), norm limit)

    # -- Keras plumbing --------------------------------------------------------------
    def call(self, z, training=False):
        return self.generator(z, training=training)

    def build(self, input_shape=None):
        # The networks are functional models and already built; without this, fit()
        # under a strategy tries to build the GAN by calling it on an image batch.
        # Families call build() once their networks exist, so the EMA copy is made here.
        if self.ema_decay and self.generator_ema is None:
            self.generator_ema = keras.models.clone_model(self.generator)
            self.generator_ema.set_weights(self.generator.get_weights())
            self.generator_ema.trainable = False
        self.built = True

    # -- the random state is part of the checkpoint -----------------------------------
    def _seed_states(self):
        """The state variables of every seed generator (latents, dropout), in a fixed order."""
        return [generator.state for layer in self._flatten_layers()
                for generator in getattr(layer, "_seed_generators", [])]

    def save_own_variables(self, store):
        # Keras saves variables but not seed-generator states: without them a resumed run
        # would draw the latents of step 0 again, and differ from an uninterrupted one.
        own = self._trainable_variables + self._non_trainable_variables
        for i, variable in enumerate([*own, *self._seed_states()]):
            store[f"{i}"] = variable

    def load_own_variables(self, store):
        if self._load_zoo_folder(store):
            return
        own = self._trainable_variables + self._non_trainable_variables
        seeds = self._seed_states()
        if len(store.keys()) not in (len(own), len(own) + len(seeds)):
            raise ValueError(f"{self.name}: the weights file holds {len(store.keys())} own variables; "
                             f"this model has {len(own)} (+ {len(seeds)} seed states).")
        # files written without seed states (exported weights) leave the seeds as they are
        for i, variable in enumerate([*own, *seeds][: len(store.keys())]):
            variable.assign(store[f"{i}"])

    def _load_zoo_folder(self, store):
        """Whether `store` is the model.weights.h5 of a zoo folder that holds the generator alone, which
        Keras' load_model(folder) hands to the whole model: then the zoo lays the folder out here (the
        generator, its average, the discriminator file beside it) and Keras' own walk over this model's
        layers, which would look for them in the generator's file, is skipped (__dir__, once)."""
        path = getattr(store, "path_or_io", None)  # Keras' H5IOStore of a file on disk
        if getattr(store, "_h5_entry_path", None) != "" or not isinstance(path, Path) or \
                not (path.parent / "config.json").is_file():
            return False
        from ganzoo import zoo
        from ganzoo.hub import read_config

        if read_config(path.parent).get("weights_scope") != "generator":
            return False
        zoo.load_weights_folder(self, path.parent)
        zoo.load_training_networks(self, path.parent)
        self.__dict__["_layers_loaded_by_zoo"] = True
        return True

    def __dir__(self):
        if self.__dict__.pop("_layers_loaded_by_zoo", False):  # right after _load_zoo_folder: Keras' walk
            return []
        return super().__dir__()

    def training_networks(self):
        """{file stem: network} of what `fit` needs besides the sampling generator: what a zoo entry
        ships beside it as <stem>.weights.h5, fetched only when training needs it."""
        return {} if self.discriminator is None else {"discriminator": self.discriminator}

    @property
    def sampling_generator(self):
        """The generator that samples: the moving average of G's weights when there is one."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    def refresh_ema_statistics(self, n=1024, seed=0):
        """Measure the averaged generator's batch-norm statistics on its own activations.

        The running statistics copied from G during training belong to G's weights, not to
        their average; sampling with them loses contrast and classes. Called before the
        EMA generator samples a grid or is exported. Deterministic for a given seed.
        """
        if self.generator_ema is None:
            return
        norms = [layer for layer in self.generator_ema._flatten_layers()
                 if isinstance(layer, keras.layers.BatchNormalization)]
        saved = [(layer.momentum, layer.trainable) for layer in norms]
        for layer in norms:  # a frozen BN layer ignores training=True; momentum 0 keeps this batch
            layer.momentum, layer.trainable = 0.0, True
        try:
            with no_grad():
                self.generator_ema(self.sampling_inputs(n, seed)[0], training=True)
        finally:
            for layer, (momentum, trainable) in zip(norms, saved):
                layer.momentum, layer.trainable = momentum, trainable

    def ema_decay_now(self):
        """The average's decay at this step: ema_decay, ramped up as (1 + t) / (10 + t) over G's
        optimizer steps t in a fresh run (TF's ExponentialMovingAverage with num_updates), so that
        its start from random weights is soon forgotten. Without the ramp (ema_ramp False: a loaded
        entry) it is ema_decay from the first step, as StyleGAN2-ADA resumes: ramping a published
        average restarted its memory at ~30 steps, and dcgan_celeba's samples after a 300-step
        fine-tune on its own faces were those of its raw generator (FID 52.8 against 48.0)."""
        if not self.ema_ramp:
            return float(self.ema_decay)
        t = ops.cast(self.g_optimizer.iterations, "float32")
        return ops.minimum(float(self.ema_decay), (1.0 + t) / (10.0 + t))

    def update_ema(self):
        """ema <- decay * ema + (1 - decay) * weights, decay from ema_decay_now();
        batch-norm statistics are copied."""
        decay = self.ema_decay_now()
        with no_grad():
            for ema_w, w in zip(self.generator_ema.weights, self.generator.weights):
                ema_w.assign(ema_w * decay + w * (1.0 - decay) if w.trainable else w)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    @classmethod
    def learning_rates(cls, learning_rate=None, g_learning_rate=None, d_learning_rate=None, **_other):
        """{"generator": rate, "discriminator": rate}: the Adam learning rates compile() gives for
        these of its arguments (the rest of compile's are ignored here): g_/d_learning_rate for one
        player, else learning_rate for both, else the family's published rates."""
        players = ("generator", "discriminator")
        if learning_rate is not None:
            rates = dict.fromkeys(players, learning_rate)
        else:
            published = cls.default_optimizer_settings["learning_rate"]  # unless the family sets each player's
            rates = {player: cls.default_learning_rates.get(player, published) for player in players}
        for player, rate in zip(players, (g_learning_rate, d_learning_rate)):
            if rate is not None:
                rates[player] = rate
        return rates

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Two Adam optimisers with the family's published settings unless given.

        Keyword arguments named like Adam's (learning_rate, beta_1, beta_2) override the
        published settings for both players; g_learning_rate / d_learning_rate for one.
        The rest goes to keras.Model.compile (jit_compile, steps_per_execution, ...).
        """
        settings = dict(self.default_optimizer_settings)
        for key in ("beta_1", "beta_2"):
            if key in kwargs:
                settings[key] = kwargs.pop(key)
        rates = self.learning_rates(**{key: kwargs.pop(key) for key in ("learning_rate", "g_learning_rate",
                                                                      "d_learning_rate") if key in kwargs})
        g_settings = dict(settings, learning_rate=rates["generator"])
        d_settings = dict(settings, learning_rate=rates["discriminator"])
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(**g_settings, name="g_optimizer")
        self.d_optimizer = d_optimizer or keras.optimizers.Adam(**d_settings, name="d_optimizer")
        if self.dtype_policy.name == "mixed_float16":  # float16 gradients underflow unscaled
            self.g_optimizer = _loss_scaled(self.g_optimizer)
            self.d_optimizer = _loss_scaled(self.d_optimizer)
        # Keras' own `optimizer` slot holds the generator's, so its iteration count is
        # the training step count that callbacks and checkpoints see.
        kwargs.setdefault("auto_scale_loss", False)  # done above, for both players
        super().compile(optimizer=self.g_optimizer, **kwargs)
        # Built now: halves the first epoch, and must happen inside a strategy's scope.
        self.g_optimizer.build(self.generator.trainable_variables)
        if self.discriminator is not None:  # None: G trains alone (SRResNet's pixel loss)
            self.d_optimizer.build(self.discriminator.trainable_variables)

    def get_compile_config(self):
        if not getattr(self, "compiled", False):
            return None
        return {
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
        }

    def compile_from_config(self, config):
        self.compile(
            g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
            d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
        )

    def get_config(self):
        config = {"latent_dim": self.latent_dim, "objective": self.objective, "seed": self.seed,
                  "ema_decay": self.ema_decay}
        if self.augmenter is not None:  # only when set, so that published configs stay as they are
            config.update(self.augmenter.gan_config())
        if self.critic_batches != "shared":
            config["critic_batches"] = self.critic_batches
        if self.top_k < 1.0:
            config.update(top_k=self.top_k, top_k_decay=self.top_k_decay)
        if self.jacobian_truncation:
            config["jacobian_truncation"] = self.jacobian_truncation
        return config

    @property
    def batches_per_step(self):
        """How many batches one training step reads: d_steps with fresh critic batches, else 1."""
        return self.d_steps if self.critic_batches == "fresh" else 1

    def ema_config(self):
        """{"ema_decay": ...} where set, else {}: for families whose published configs predate the option."""
        return {} if self.ema_decay is None else {"ema_decay": self.ema_decay}

    # -- training ----------------------------------------------------------------------
    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras' TF trainer all-reduces the first input batch across replicas only to learn
        # its shapes for a symbolic build; our networks and optimizers are built already,
        # and MultiWorkerMirroredStrategy's collectives reject uint8 images.
        if all(layer.built for layer in self._flatten_layers()) and self.optimizer.built:
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def fit(self, x=None, *args, **kwargs):
        if isinstance(x, np.ndarray):
            image_utils.check_uint8_images(x, self.image_shape, what="fit(x)")
        elif isinstance(x, (list, tuple)) and getattr(self, "pair_names", None) is None:
            # (the image-to-image families train on pairs and pass them on as a tuple)
            raise TypeError(f"fit(x): give the training images as one uint8 NumPy array of shape "
                            f"(N, {', '.join(map(str, self.image_shape))}) or a dataset of such batches, not a "
                            f"{type(x).__name__} of {len(x)} items: np.stack(...) a list of images, "
                            "np.concatenate(...) a list of batches" +
                            ("; the labels go second: fit(images, labels)." if hasattr(self, "num_classes") else "."))
        if not getattr(self, "compiled", False):
            raise RuntimeError("Call gan.compile() before gan.fit(); compile() with no arguments "
                               "uses the family's published optimiser settings.")
        pending, self.pending_training_weights = getattr(self, "pending_training_weights", None), None
        if pending is not None:  # a zoo entry loaded to sample: its discriminator comes now (zoo.load)
            pending()
        # first, so that it raises before any other callback (a checkpoint) sees the empty epoch
        kwargs["callbacks"] = [_RequireBatches(), *(kwargs.get("callbacks") or [])]
        if isinstance(x, np.ndarray) and self.batches_per_step > 1:
            # batch_size is each critic step's batch; a step reads one per critic step (Keras' default: 32).
            # Keras' fit takes it third, after y: fit(x, y, 16) is the same as fit(x, y, batch_size=16)
            if len(args) >= 2:
                args = (args[0], (args[1] or 32) * self.batches_per_step, *args[2:])
            else:
                kwargs["batch_size"] = (kwargs.get("batch_size") or 32) * self.batches_per_step
        return super().fit(x, *args, **kwargs)

    def prepare_batch(self, data):
        """A training batch as a dict; uint8 images are scaled to [-1, 1] here."""
        real = data[0] if isinstance(data, (tuple, list)) else data
        return {"images": scale_images(real, self.image_shape)}

    def latent_batch(self, batch_size):
        """z ~ N(0, I), different on every replica (the seed generator is mirrored)."""
        replicas, replica_id = _replica_info()
        if replicas == 1:
            return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        z = keras.random.normal((replicas, batch_size, self.latent_dim), seed=self.seed_generator)
        return ops.take(z, replica_id, axis=0)

    # -- DiffAugment: every image D judges in training goes through discriminate() ---------
    def _augmenter(self, augment, p, target, interval, kimg):
        """The DiffAugment layer for `augment` (None when it is None or '')."""
        if not augment:
            if p != 1.0 or target is not None:
                raise ValueError("augment_p and augment_target need augment, e.g. augment='color,translation,cutout'.")
            return None
        if not self.supports_augment:
            raise ValueError(f"{type(self).__name__} does not support augment (DiffAugment is implemented for the "
                             "families that generate from noise: gan, dcgan, cgan, lsgan, wgan_gp, infogan, "
                             "stylegan_lite, stargan).")
        refused = [group for group in parse_policy(augment) if group in self.augment_excludes]
        if refused:
            allowed = [group for group in GROUPS if group not in self.augment_excludes]
            raise ValueError(f"{type(self).__name__} does not take augment={refused[0]!r}: "
                             f"{self.augment_excludes[refused[0]]}; use {','.join(allowed)!r}.")
        # its own stream, far from the latents' (torch seeds its generator with seed + draw count)
        seed = None if self.seed is None else (self.seed + 1_000_000_007) % 2**31
        return DiffAugment(augment, p, target, interval, kimg, seed=seed, name="augmenter")

    def discriminate(self, images, *conditions, real=False):
        """D's outputs (training mode) on images as D sees them in training: through DiffAugment's
        transforms when `augment` is set (fresh ones each call, differentiable, so G's gradients pass
        through), unchanged otherwise. D reads [images, *conditions] where it takes conditions (cGAN's
        labels). real=True: real training images, whose logits adaptive augmentation watches."""
        if self.augmenter is not None:
            images = self.augmenter.augment(images)
        outputs = self.discriminator([images, *conditions] if conditions else images, training=True)
        if real and self.augmenter is not None:
            self.augmenter.observe(outputs[0] if isinstance(outputs, (list, tuple)) else outputs)
        return outputs

    def discriminator_loss(self, batch):
        real = batch["images"]
        z = self.latent_batch(ops.shape(real)[0])
        fake = ops.stop_gradient(self.generator(z, training=True))
        real_logits = self.discriminate(real, real=True)
        fake_logits = self.discriminate(fake)
        return self.d_objective(real_logits, fake_logits)

    def generator_loss(self, batch):
        z = self.latent_batch(ops.shape(batch["images"])[0])
        fake_logits = self.discriminate(self.generator(z, training=True))
        if self.top_k < 1.0:
            return top_k_mean(self.g_terms(fake_logits), fake_logits, self.top_k_share())
        return self.g_objective(fake_logits)

    # -- top-k training: G learns from the samples D rates most real ---------------------
    def _check_top_k(self, top_k, decay):
        if not 0.0 < top_k <= 1.0:
            raise ValueError(f"top_k is the least share of each generated batch G learns from, in (0, 1] "
                             f"(1: all; Sinha et al. 2020 use 0.5 to 0.75), got {top_k!r}.")
        if not 0.0 <= decay <= 1.0:
            raise ValueError(f"top_k_decay multiplies the share every 1,000 generator steps, in [0, 1] "
                             f"(the paper: 0.99; 0: top_k at once), got {decay!r}.")
        if top_k < 1.0 and type(self).generator_loss is not GAN.generator_loss:
            raise ValueError(f"{type(self).__name__} does not take top_k: it is for the families whose generator "
                             "learns from the discriminator's score of each sample alone (gan, dcgan, lsgan, "
                             "wgan_gp).")
        return float(top_k), float(decay)

    def top_k_share(self):
        """The share of the generated batch G learns from now: top_k_decay ** (G's steps / 1,000), at
        least top_k."""
        thousands = ops.cast(self.g_optimizer.iterations, "float32") / 1000.0
        return ops.maximum(self.top_k, ops.power(self.top_k_decay, thousands))

    def _step(self, loss_fn, optimizer, variables):
        replicas, _ = _replica_info()

        def scaled_loss():
            # The TF optimizer sums gradients over replicas: divide so the update is the
            # gradient of the loss averaged over the global batch.
            loss = loss_fn() / replicas
            if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
                return optimizer.scale_loss(loss), loss  # apply() unscales the gradients
            return loss, loss

        (_, loss), grads = value_and_grad(scaled_loss, variables, has_aux=True)
        with no_grad():
            if keras.backend.backend() == "jax" and isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
                jax_state.loss_scaled_apply(optimizer, grads, variables)
            else:
                optimizer.apply(grads, variables)
        return loss * replicas

    def train_step(self, data):
        batch = self.prepare_batch(data)
        critic_batches = (split_batch(batch, self.d_steps) if self.batches_per_step > 1
                          else [batch] * self.d_steps)
        batch = critic_batches[-1]  # G's, as the authors' G step follows the last critic step on its batch
        if self.discriminator is not None:
            d_vars = self.discriminator.trainable_variables
            for critic_batch in critic_batches:
                d_loss = self._step(lambda b=critic_batch: self.discriminator_loss(b), self.d_optimizer, d_vars)
            self.d_loss_tracker.update_state(d_loss)
        g_loss = self._step(lambda: self.generator_loss(batch), self.g_optimizer,
                            self.generator.trainable_variables)
        if self.generator_ema is not None:
            self.update_ema()
        self.g_loss_tracker.update_state(g_loss)
        logs = {m.name: m.result() for m in self.metrics}
        if self.augmenter is not None and self.augmenter.adaptive:  # ADA: p follows r_t every few steps
            self.augmenter.update(self.g_optimizer.iterations, ops.shape(batch["images"])[0])
            logs["augment_p"] = ops.convert_to_tensor(self.augmenter.p) * 1.0
        if _multi_worker():  # Keras reduces multi-worker logs along axis 0: scalars have none
            logs = {name: ops.reshape(value, (1,)) for name, value in logs.items()}
        return logs

    # -- JAX: Keras' JAX trainer compiles train_step(state, data) -> (logs, new state) ----------
    def make_train_function(self, force=False):
        if keras.backend.backend() != "jax":
            return super().make_train_function(force)
        # The trainer jits self.train_step; families write the stateful train_step(data), which
        # _stateless_train_step runs on the state, so it stands in while the function is made.
        self.train_step = self._stateless_train_step
        try:
            return super().make_train_function(force)
        finally:
            del self.train_step

    def _jax_carried(self):
        """The variables whose values the JAX step takes and returns, in the four lists of Keras'
        JAX trainer: trainable; non-trainable (batch-norm statistics, the EMA generator, seed states,
        ADA's p); the optimizer slot, which here holds both players' optimizers and the states Keras
        lists nowhere (the augmenter's seed, kept out of the model's variables on purpose); metrics."""
        optimizers = [self.optimizer] + [o for o in (getattr(self, "d_optimizer", None),)
                                         if o is not None and o is not self.optimizer]
        unlisted = [] if self.augmenter is None else [self.augmenter.seed_generator.state]
        slot, seen = [], set()
        for variable in [v for o in optimizers for v in o.variables] + unlisted:
            if id(variable) not in seen:
                seen.add(id(variable))
                slot.append(variable)
        return (self.trainable_variables, self.non_trainable_variables, slot, self.metrics_variables)

    _JAX_STATE_KEYS = ("trainable_variables", "non_trainable_variables", "optimizer_variables", "metrics_variables")

    def _get_jax_state(self, trainable_variables=False, non_trainable_variables=False, optimizer_variables=False,
                       metrics_variables=False, purge_model_variables=False):
        wanted = (trainable_variables, non_trainable_variables, optimizer_variables, metrics_variables)
        state = tuple([v.value for v in variables] for variables, want in zip(self._jax_carried(), wanted) if want)
        if purge_model_variables:
            self._purge_model_variables(*wanted)
        return state

    def jax_state_sync(self):
        if not getattr(self, "_jax_state", None) or self._jax_state_synced:
            return
        for variables, key in zip(self._jax_carried(), self._JAX_STATE_KEYS):
            for variable, value in zip(variables, self._jax_state.get(key) or ()):
                variable.assign(value)
        self._jax_state_synced = True

    def _get_state_sharding_spec(self):
        return tuple([v.value.sharding for v in variables] for variables in self._jax_carried())

    def _stateless_train_step(self, state, data):
        """train_step(data) on the values in `state`; (logs, the new values in the same lists)."""
        carried = self._jax_carried()
        mapping = [(v, value) for variables, values in zip(carried, state) for v, value in zip(variables, values)]
        with jax_state.StateScope(mapping=mapping) as scope:
            logs = self.train_step(data)
        known = {id(v) for v, _ in mapping}
        lost = [v.path for key, v in scope.assigned.items() if key not in known]
        if lost:
            raise RuntimeError(f"{type(self).__name__}.train_step assigned {lost}, which the JAX state does not carry; "
                               "add them to GAN._jax_carried.")
        return logs, tuple([scope.state_mapping[id(v)] for v in variables] for variables in carried)

    # -- inference ---------------------------------------------------------------------
    def latent_numpy(self, n, seed=None):
        """n latent vectors from numpy, so a seed gives the same z on every backend."""
        rng = np.random.default_rng(check_seed(seed))
        return rng.standard_normal((n, self.latent_dim), dtype=np.float32)

    def sampling_inputs(self, n, seed=None, jacobian_truncation=None):
        """(generator inputs, conditions) for n samples: conditions names what each sample
        was asked to be ({} here; {"labels": ...} or {"codes": ...} in conditional families),
        which is what evaluation checks the samples against. With a jacobian_truncation (the
        model's own unless given), the latents are those of the seed's stream that it keeps."""
        share = self.jacobian_truncation if jacobian_truncation is None else jbt.check_reject_share(jacobian_truncation)
        if not share:
            return self.latent_numpy(n, seed), {}
        return jbt.truncated_latents(self._generator_outputs, np.random.default_rng(check_seed(seed)), n,
                                     self.latent_dim, self.jacobian_norm_limit(share), share), {}

    def _check_samples_from_noise_alone(self):
        if type(self).sampling_inputs is not GAN.sampling_inputs or type(self).sample is not GAN.sample:
            raise ValueError(f"jacobian_truncation is for the families that sample from z alone (gan, dcgan, lsgan, "
                             f"wgan_gp); {type(self).__name__} samples from other inputs too.")

    def jacobian_norm_limit(self, share=None):
        """The Jacobian norm above which sampling rejects a latent: the (1 - share) quantile over a
        fixed pool of latents (share: the model's jacobian_truncation unless given), worked out again
        whenever the share or the sampling generator's weights change (training, loading)."""
        share = jbt.check_reject_share(self.jacobian_truncation if share is None else share)
        digest = hashlib.blake2b(digest_size=16)
        for weight in self.sampling_generator.weights:
            digest.update(np.ascontiguousarray(ops.convert_to_numpy(weight)).tobytes())
        key = (share, digest.digest())
        if self._jacobian_limit[0] != key:
            self._jacobian_limit = (key, jbt.norm_limit(self._generator_outputs, self.latent_dim, share))
        return self._jacobian_limit[1]

    def _inference(self, network):
        """network's forward pass in inference mode, compiled on JAX."""
        if keras.backend.backend() == "jax":
            return jax_state.inference(network)
        return lambda x: network(x, training=False)

    def _generator_outputs(self, latents, batch_size=512):
        """The sampling generator's float outputs (numpy) for latents, in batches (on JAX each padded
        to batch_size, so that XLA compiles one shape, not one for every chunk's remainder)."""
        run = self._inference(self.sampling_generator)
        pad = keras.backend.backend() == "jax"
        outputs = []
        with no_grad():
            for i in range(0, len(latents), batch_size):
                chunk = latents[i : i + batch_size]
                if pad and len(chunk) < batch_size:
                    chunk = np.concatenate([chunk, np.zeros((batch_size - len(chunk), *chunk.shape[1:]), chunk.dtype)])
                outputs.append(ops.convert_to_numpy(run(chunk))[: len(latents) - i])
        return np.concatenate(outputs)

    def generate(self, inputs, batch_size=256, network=None, progress=None):
        """Run the generator (or another image-making `network`, e.g. one of CycleGAN's two) on
        its inputs (an array, or a list of arrays for several inputs) in batches; returns
        uint8 NHWC numpy. `progress`: a label for a progress bar over the batches."""
        from tqdm.auto import tqdm

        network = self.sampling_generator if network is None else network
        parts = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        check_positive_int(batch_size, "batch_size")
        out_shape = tuple(network.outputs[0].shape[1:]) if getattr(network, "outputs", None) else ()
        if out_shape and None not in out_shape:  # fully convolutional networks know it from the inputs only
            check_sample_count(len(parts[0]), out_shape, what="generate")
        out = []
        starts = range(0, len(parts[0]), batch_size)
        run = self._inference(network)
        with no_grad():
            for i in tqdm(starts, desc=progress, unit="batch", disable=progress is None):
                chunk = [part[i : i + batch_size] for part in parts]
                chunk = chunk if len(chunk) > 1 else chunk[0]
                # uint8 per batch: float32 outputs of all batches at once would take 4x the memory
                out.append(image_utils.to_uint8(ops.convert_to_numpy(run(chunk))))
        return np.concatenate(out)

    def sample(self, n, seed=None, batch_size=256, jacobian_truncation=None):
        """n images as uint8 NHWC numpy; the same seed gives the same images. jacobian_truncation: the
        share of latents to reject where G stretches most (fewer shapes between modes, less variety;
        the model's own setting, 0 unless its config says, when None)."""
        n = check_sample_count(n, self.image_shape)  # before its latents are drawn
        batch_size = check_positive_int(batch_size, "batch_size")
        if jacobian_truncation is None:
            return self.generate(self.sampling_inputs(n, seed)[0], batch_size)
        self._check_samples_from_noise_alone()  # a family's own sampling_inputs takes other arguments
        return self.generate(self.sampling_inputs(n, seed, jacobian_truncation)[0], batch_size)

    def preview_grid(self, n=64, seed=0):
        """The picture of this model in cards and training logs: a grid of n samples."""
        return image_utils.grid(self.sample(n, seed=seed))

    def card_pictures(self):
        """{file name: uint8 image} that a model card shows besides samples.png (none here)."""
        return {}
