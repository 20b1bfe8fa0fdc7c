"""DiffAugment (Zhao et al. 2020): the same differentiable transforms on real and generated images
before the discriminator, in D's and G's steps, so that D cannot memorise a small training set and G
still gets gradients (through the transforms). Written with keras.ops / keras.random only, so it runs
unchanged on TensorFlow and torch.

Images are NHWC floats in [-1, 1]. The policy names groups of transforms, in DiffAugment's order:

- color: brightness (add U(-0.5, 0.5)), saturation (scale each pixel's deviation from its channel
  mean by U(0, 2)), contrast (scale the deviation from the image's mean by U(0.5, 1.5));
- translation: shift by up to 1/8 of the image size on each axis (integers, each image its own),
  zero padding;
- cutout: zero a square of half the image size centred at a random place per image (clipped at the
  borders, as DiffAugment's).

`augment_p` and `augment_target` add ADA's adaptive probability (Karras et al. 2020): each transform is
applied to each image independently with probability p (ADA's per-transform gating; p = 1 is DiffAugment),
and p follows r_t = E[sign(D(real))] towards a target.

The functions here are pure (a seed in, images out); `DiffAugment` is the layer a GAN holds: the
policy, p, ADA's running sign statistics and the seed generator, all saved in checkpoints.
"""

import numbers

import keras
from keras import ops

GROUPS = {"color": ("brightness", "saturation", "contrast"), "translation": ("translation",),
          "cutout": ("cutout",)}

# DiffAugment's brightness adds U(-0.5, 0.5). Its reference code (BigGAN, StyleGAN2) adds that to
# images already in [-1, 1], as ours are, so the shift is kept as is: a quarter of the range (it
# would be U(-0.25, 0.25) on [0, 1] images); doubling it for [-1, 1] would double the paper's strength.
BRIGHTNESS = 0.5
SATURATION = (0.0, 2.0)
CONTRAST = (0.5, 1.5)
TRANSLATION_RATIO = 0.125  # of the image size, each axis
CUTOUT_RATIO = 0.5  # the square's side, of the image size

# ADA's defaults: p is adjusted every 4 steps and can move from 0 to 1 in 500k images.
ADA_INTERVAL = 4
ADA_KIMG = 500


def parse_policy(policy):
    """'color,translation,cutout' (or a list of names) -> a tuple of group names; None or '' -> ()."""
    if policy is None:
        return ()
    if isinstance(policy, str):
        names = [name.strip() for name in policy.split(",") if name.strip()]
    elif isinstance(policy, (list, tuple)) and all(isinstance(name, str) for name in policy):
        names = [name.strip() for name in policy]
    else:
        raise ValueError(f"augment must be a comma-separated string like 'color,translation,cutout', got {policy!r}.")
    unknown = [name for name in names if name not in GROUPS]
    if unknown:
        raise ValueError(f"Unknown augmentation {unknown[0]!r} in augment={policy!r}; "
                         f"choose from {', '.join(GROUPS)} (comma-separated).")
    if len(set(names)) != len(names):
        raise ValueError(f"augment={policy!r} names a transform twice.")
    return tuple(names)


# -- random numbers, different on every replica ------------------------------------------------
def _as_seed(seed):
    # an int seed would give every draw the same numbers: make it a stream
    return keras.random.SeedGenerator(seed) if isinstance(seed, numbers.Integral) else seed


def _per_replica(draw, shape):
    """draw(shape), but under tf.distribute each replica its own numbers (a mirrored seed generator
    gives all replicas the same), as GAN.latent_batch does."""
    from ganzoo.core.gan import _replica_info  # here: core.gan imports this module

    replicas, replica_id = _replica_info()
    if replicas == 1:
        return draw(shape)
    return ops.take(draw((replicas, *shape)), replica_id, axis=0)


def uniform(shape, seed, minval=0.0, maxval=1.0):
    return _per_replica(lambda s: keras.random.uniform(s, minval, maxval, seed=seed), shape)


def randint(shape, seed, minval, maxval):
    """Integers in [minval, maxval)."""
    return _per_replica(lambda s: keras.random.randint(s, minval, maxval, seed=seed), shape)


def _batch(images):
    return ops.shape(images)[0]


def _spatial(images):
    height, width = images.shape[1], images.shape[2]
    if height is None or width is None:
        raise ValueError(f"DiffAugment needs images of known height and width, got shape {images.shape}.")
    return int(height), int(width)


# -- the transforms with their parameters given (closed forms, tested) ----------------------------
def adjust_brightness(images, delta):
    """images + delta; delta (N, 1, 1, 1)."""
    images = ops.convert_to_tensor(images)
    return images + ops.cast(delta, images.dtype)


def adjust_saturation(images, factor):
    """Each pixel's deviation from its mean over channels scaled by factor (N, 1, 1, 1)."""
    images = ops.convert_to_tensor(images)
    mean = ops.mean(images, axis=-1, keepdims=True)
    return (images - mean) * ops.cast(factor, images.dtype) + mean


def adjust_contrast(images, factor):
    """Each image's deviation from its mean over pixels and channels scaled by factor (N, 1, 1, 1)."""
    images = ops.convert_to_tensor(images)
    mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
    return (images - mean) * ops.cast(factor, images.dtype) + mean


def _shift_matrices(size, shift, dtype):
    """(N, size, size) one-hot rows: out[i] reads in[i - shift], none (zero) outside the image."""
    positions = ops.arange(size, dtype="int32")
    source = positions[None, :, None] - ops.reshape(ops.cast(shift, "int32"), (-1, 1, 1))
    return ops.cast(ops.equal(positions[None, None, :], source), dtype)


def translate(images, shifts):
    """Each image moved by its (dy, dx) in shifts (N, 2) integers: out[y, x] = in[y - dy, x - dx],
    zeros where that falls outside. Written as two one-hot matrix products, so it is exact and
    differentiable w.r.t. the images on every backend (no gather)."""
    images = ops.convert_to_tensor(images)
    shifts = ops.convert_to_tensor(shifts)
    height, width = _spatial(images)
    rows = _shift_matrices(height, shifts[:, 0], images.dtype)
    cols = _shift_matrices(width, shifts[:, 1], images.dtype)
    images = ops.einsum("nih,nhwc->niwc", rows, images)
    return ops.einsum("njw,niwc->nijc", cols, images)


def cutout_size(height, width, ratio=CUTOUT_RATIO):
    return int(height * ratio + 0.5), int(width * ratio + 0.5)


def cut_out(images, centers, size):
    """Zero a (size_y, size_x) rectangle per image whose centre is centers (N, 2) = (cy, cx): rows
    cy - size_y // 2 to cy - size_y // 2 + size_y - 1 (likewise columns), clipped to the image."""
    images = ops.convert_to_tensor(images)
    height, width = _spatial(images)
    centers = ops.cast(centers, "int32")
    top = ops.reshape(centers[:, 0] - size[0] // 2, (-1, 1))
    left = ops.reshape(centers[:, 1] - size[1] // 2, (-1, 1))
    rows = ops.arange(height, dtype="int32")[None, :]
    cols = ops.arange(width, dtype="int32")[None, :]
    in_rows = ops.logical_and(rows >= top, rows < top + size[0])  # (N, H)
    in_cols = ops.logical_and(cols >= left, cols < left + size[1])  # (N, W)
    inside = ops.logical_and(in_rows[:, :, None], in_cols[:, None, :])
    return images * ops.cast(ops.logical_not(inside), images.dtype)[..., None]


# -- the random transforms: draw the parameters, apply ----------------------------------------------
def random_brightness(images, seed):
    return adjust_brightness(images, uniform((_batch(images), 1, 1, 1), seed, -BRIGHTNESS, BRIGHTNESS))


def random_saturation(images, seed):
    return adjust_saturation(images, uniform((_batch(images), 1, 1, 1), seed, *SATURATION))


def random_contrast(images, seed):
    return adjust_contrast(images, uniform((_batch(images), 1, 1, 1), seed, *CONTRAST))


def translation_shifts(n, height, width, seed, ratio=TRANSLATION_RATIO):
    """(N, 2) integer shifts, dy in [-round(H ratio), round(H ratio)], dx likewise."""
    max_y, max_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    dy = randint((n, 1), seed, -max_y, max_y + 1)
    dx = randint((n, 1), seed, -max_x, max_x + 1)
    return ops.concatenate([dy, dx], axis=1)


def random_translation(images, seed, ratio=TRANSLATION_RATIO):
    height, width = _spatial(images)
    return translate(images, translation_shifts(_batch(images), height, width, seed, ratio))


def cutout_centers(n, height, width, seed, ratio=CUTOUT_RATIO):
    """(N, 2) centres: DiffAugment's range, [0, H] for an even side ([0, H) for an odd one)."""
    size = cutout_size(height, width, ratio)
    cy = randint((n, 1), seed, 0, height + (1 - size[0] % 2))
    cx = randint((n, 1), seed, 0, width + (1 - size[1] % 2))
    return ops.concatenate([cy, cx], axis=1)


def random_cutout(images, seed, ratio=CUTOUT_RATIO):
    height, width = _spatial(images)
    return cut_out(images, cutout_centers(_batch(images), height, width, seed, ratio),
                   cutout_size(height, width, ratio))


TRANSFORMS = {"brightness": random_brightness, "saturation": random_saturation,
              "contrast": random_contrast, "translation": random_translation, "cutout": random_cutout}


def diff_augment(images, policy, seed, p=None):
    """images through the policy's transforms, in DiffAugment's order (color, translation, cutout as
    listed). p=None applies every transform to every image (DiffAugment); a probability p (a float or
    a scalar tensor) applies each transform to each image independently with probability p (ADA).
    `seed`: a keras.random.SeedGenerator (or an int, which starts one): the same seed state gives the
    same output."""
    seed = _as_seed(seed)
    for group in parse_policy(policy):
        for name in GROUPS[group]:
            transformed = TRANSFORMS[name](images, seed)
            if p is None:
                images = transformed
            else:
                chosen = uniform((_batch(images), 1, 1, 1), seed) < ops.cast(p, "float32")
                images = ops.where(chosen, transformed, images)
    return images


def adjusted_p(p, r_t, target, images, kimg=ADA_KIMG):
    """ADA's update: p + sign(r_t - target) * images / (kimg * 1000), kept in [0, 1].

    r_t = E[sign(D(real))] over the last interval (1: D is sure of every real image, it overfits);
    images: how many real images that interval saw, so that p can go from 0 to 1 in kimg thousand
    images. ADA clamps at 0 only; p is a probability here, so it stops at 1 as well."""
    step = ops.sign(ops.cast(r_t, "float32") - target) * (ops.cast(images, "float32") / (kimg * 1000.0))
    return ops.clip(ops.cast(p, "float32") + step, 0.0, 1.0)


@keras.saving.register_keras_serializable(package="ganzoo")
class DiffAugment(keras.layers.Layer):
    """What a GAN with `augment` holds: the policy, the probability p (a variable: ADA moves it),
    ADA's running sign statistics and the seed generator of the transforms.

    target=None keeps p fixed; p=1 then skips the per-image coin flips, which is DiffAugment exactly.
    """

    def __init__(self, policy, p=1.0, target=None, interval=ADA_INTERVAL, kimg=ADA_KIMG, seed=None, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})
        self.policy = ",".join(parse_policy(policy))
        if not self.policy:
            raise ValueError("DiffAugment needs a policy, e.g. 'color,translation,cutout'.")
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
            raise ValueError(f"augment_p must be a probability in [0, 1], got {p!r}.")
        if target is not None and (isinstance(target, bool) or not isinstance(target, numbers.Real)
                                   or not 0.0 <= target < 1.0):
            raise ValueError(f"augment_target must be None (fixed p) or in [0, 1) (ADA uses 0.6), got {target!r}.")
        if isinstance(interval, bool) or not isinstance(interval, numbers.Integral) or interval <= 0:
            raise ValueError(f"augment_interval must be a positive int, got {interval!r}.")
        if isinstance(kimg, bool) or not isinstance(kimg, numbers.Real) or not kimg > 0:
            raise ValueError(f"augment_kimg must be > 0 (thousands of images for p to go from 0 to 1), got {kimg!r}.")
        self.initial_p, self.target, self.interval, self.kimg, self.seed = float(p), target, int(interval), kimg, seed
        self.adaptive = target is not None
        # Set past Keras' tracking: the GAN checkpoints the seed generators it finds in its layers
        # in its own variables, by position; this one is saved here instead (save_own_variables), so
        # that files written without augmentation still load into a model with it, and back.
        object.__setattr__(self, "seed_generator", keras.random.SeedGenerator(seed))
        # "mean": under tf.distribute every replica adds its share, and assigns the same value
        self.p = self.add_weight(shape=(), initializer=keras.initializers.Constant(self.initial_p),
                                 trainable=False, aggregation="mean", name="p")
        if self.adaptive:
            self.sign_sum = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                            aggregation="mean", name="sign_sum")
            self.sign_count = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                              aggregation="mean", name="sign_count")
        self.built = True

    def augment(self, images):
        """The images as D sees them (a method, not call(): no dtype casting of the images)."""
        if not self.adaptive and self.initial_p == 1.0:
            p = None
        elif not self.adaptive and self.initial_p == 0.0:
            return images
        else:
            p = self.p if self.adaptive else self.initial_p
        return diff_augment(images, self.policy, self.seed_generator, p)

    def call(self, images):
        return self.augment(images)

    def observe(self, real_logits):
        """Add D's logits on (augmented) real images to r_t's running sums (adaptive p only)."""
        if not self.adaptive:
            return
        signs = ops.sign(ops.stop_gradient(ops.cast(real_logits, "float32")))
        self.sign_sum.assign_add(ops.sum(signs))
        self.sign_count.assign_add(ops.cast(ops.size(signs), "float32"))

    def r_t(self):
        return self.sign_sum / ops.maximum(self.sign_count, 1.0)

    def update(self, step, images):
        """After training step `step` (1, 2, ...) on `images` real images per replica: every
        `interval` steps, move p by ADA's rule from the r_t of the interval and start a new one.
        Branch-free, so that it runs the same in a TensorFlow graph and eagerly on torch."""
        if not self.adaptive:
            return
        from ganzoo.core.gan import _replica_info, no_grad

        replicas, _ = _replica_info()
        due = ops.equal(ops.mod(ops.cast(step, "int32"), self.interval), 0)
        with no_grad():
            seen = ops.cast(images, "float32") * (replicas * self.interval)
            new_p = adjusted_p(self.p, self.r_t(), self.target, seen, self.kimg)
            # (variables as tensors: JAX's where takes no Keras variable)
            self.p.assign(ops.where(due, new_p, ops.convert_to_tensor(self.p)))
            self.sign_sum.assign(ops.where(due, 0.0, ops.convert_to_tensor(self.sign_sum)))
            self.sign_count.assign(ops.where(due, 0.0, ops.convert_to_tensor(self.sign_count)))

    def gan_config(self):
        """The GAN config keys that rebuild this (the defaults left out)."""
        config = {"augment": self.policy}
        if self.initial_p != 1.0:
            config["augment_p"] = self.initial_p
        if self.adaptive:
            config["augment_target"] = self.target
        if self.interval != ADA_INTERVAL:
            config["augment_interval"] = self.interval
        if self.kimg != ADA_KIMG:
            config["augment_kimg"] = self.kimg
        return config

    def get_config(self):
        return {**super().get_config(), "policy": self.policy, "p": self.initial_p, "target": self.target,
                "interval": self.interval, "kimg": self.kimg, "seed": self.seed}

    # -- checkpoints: by name, so that any subset loads (a file from a run without augmentation
    # has none of these and leaves them at their start) ---------------------------------------------
    def _state(self):
        state = {"p": self.p, "seed": self.seed_generator.state}
        if self.adaptive:
            state.update(sign_sum=self.sign_sum, sign_count=self.sign_count)
        return state

    def save_own_variables(self, store):
        for key, variable in self._state().items():
            store[key] = variable

    def load_own_variables(self, store):
        keys = set(store.keys())
        for key, variable in self._state().items():
            if key in keys:
                variable.assign(store[key])
