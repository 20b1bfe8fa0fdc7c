"""CycleGAN (Zhu et al. 2017): unpaired translation between two image domains A and B.

Two ResNet generators, G_ab and G_ba (c7s1-64, d128, d256, residual blocks R256 with
reflection padding, u128, u64, c7s1-3, tanh; instance norm throughout) and two 70x70-style
PatchGANs with instance norm, D_a and D_b. The generators minimise the least-squares
adversarial loss, lambda = 10 times the cycle-consistency L1 (a -> b -> a, b -> a -> b)
and 0.5 * lambda times the identity L1 (G_ab(b) ~ b, G_ba(a) ~ a). Each discriminator
also judges a history of 50 earlier fakes (ImagePool). Adam(2e-4, beta_1=0.5), constant
for the first half of training and then falling linearly to 0 (compile(total_steps=...)).

upsampling="resize" swaps the paper's stride-2 transposed convolutions for nearest-neighbour
doubling then a 3x3 convolution (Odena et al. 2016, "Deconvolution and Checkerboard
Artifacts"): a 3x3 kernel at stride 2 overlaps unevenly, and at 64 px with few filters the
grid of dots it leaves stays visible for thousands of steps. The default is the paper's.

generator_output="residual" has G predict a change to its input rather than a whole image: G(x) =
clip(x + r(x), -1, 1), where r is the paper's network without its tanh (Shen & Liu 2017,
"Learning Residual Images for Face Attribute Manipulation", whose dual learning is this cycle).
An attribute such as hair colour touches a part of the image; with few filters, a network
that must redraw the whole face blurs it, and whitens the background along with the hair.
The default is the paper's whole image ("image").

discriminator_norm="none" drops the discriminators' instance norm. Normalising over the whole
image couples every patch's verdict to every other: a CPU run at 64 px learnt to paint one
bright blob on each fake, which shifted the statistics so that D_b scored the patches far from
the blob as more real (0.19 -> 0.25 on average, against 0.18 for the untouched faces), while
the rest of the image barely changed (scripts/cyclegan_probes.py --probe=blob_reach). Without
it each logit sees only its own patch. The default is the paper's "instance".

How it sits on the base class: `generator` is one functional model [a, b] -> [G_ab(a),
G_ba(b)] and `discriminator` one model [a, b] -> [D_a(a), D_b(b)]. The players' losses are
sums over both networks, whose weights are disjoint, so one Adam over both of them steps
exactly as two separate Adams would; the base class's gradient mechanics (both backends,
replicas, loss scaling) then serve unchanged. G_ab, G_ba, D_a and D_b are the nested models.
"""

import keras
from keras import layers, ops

from ganzoo.core.gan import check_parameter_budget, check_positive_int
from ganzoo.core.layers import ReflectionPadding2D, instance_norm
from ganzoo.core.translation import TwoDomainGAN, pair_model
from ganzoo.families import register_family
from ganzoo.families.pix2pix import patch_logits, patch_parameter_estimate, patch_strides


def _init():
    return keras.initializers.RandomNormal(stddev=0.02)


UPSAMPLINGS = ("transpose", "resize")
OUTPUTS = ("image", "residual")
DISCRIMINATOR_NORMS = ("instance", "none")


@keras.saving.register_keras_serializable(package="ganzoo")
class AddResidual(layers.Layer):
    """[image, residual] -> clip(image + residual, -1, 1): an image in tanh's range that starts
    near its input. Computed in float32, as the tanh it stands in for. Where `image` has more
    channels than `residual` (inpainting's filled image and its mask), its first ones are added to."""

    def __init__(self, **kwargs):
        super().__init__(**{"dtype": "float32", **kwargs})

    def call(self, inputs):
        image, residual = (ops.cast(x, "float32") for x in inputs)
        return ops.clip(image[..., : residual.shape[-1]] + residual, -1.0, 1.0)

    def compute_output_shape(self, input_shapes):
        return input_shapes[1]


def _conv_norm_relu(x, filters, kernel, name, strides=1, transpose=False):
    conv = layers.Conv2DTranspose if transpose else layers.Conv2D
    # a bias before instance norm would be subtracted away with the mean
    x = conv(filters, kernel, strides=strides, padding="same" if strides > 1 else "valid", use_bias=False,
             kernel_initializer=_init(), name=name)(x)
    return layers.ReLU()(instance_norm(f"{name}_norm")(x))


def _upsample(x, filters, upsampling, name):
    if upsampling == "transpose":
        return _conv_norm_relu(x, filters, 3, strides=2, transpose=True, name=name)
    x = layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_resize")(x)
    return _conv_norm_relu(ReflectionPadding2D(1)(x), filters, 3, name=name)


def build_resnet_generator(resolution, channels, width, residual_blocks, name, upsampling="transpose",
                           output="image"):
    image = keras.Input((resolution, resolution, channels), name="image")
    x = _conv_norm_relu(ReflectionPadding2D(3)(image), width, 7, name="c7s1")
    for i in (1, 2):  # d128, d256
        x = _conv_norm_relu(x, width * 2**i, 3, strides=2, name=f"down{i}")
    for i in range(residual_blocks):  # R256
        y = _conv_norm_relu(ReflectionPadding2D(1)(x), width * 4, 3, name=f"res{i}_a")
        y = layers.Conv2D(width * 4, 3, use_bias=False, kernel_initializer=_init(), name=f"res{i}_b")(
            ReflectionPadding2D(1)(y))
        x = layers.Add(name=f"res{i}")([x, instance_norm(f"res{i}_b_norm")(y)])
    for i in (1, 0):  # u128, u64
        x = _upsample(x, width * 2**i, upsampling, name=f"up{i}")
    x = layers.Conv2D(channels, 7, kernel_initializer=_init(), name="to_image")(ReflectionPadding2D(3)(x))
    if output == "residual":
        return keras.Model(image, AddResidual(name="add_residual")([image, x]), name=name)
    return keras.Model(image, layers.Activation("tanh", dtype="float32", name="tanh")(x), name=name)


def parameter_estimate(resolution, channels, width, residual_blocks, pool_size):
    """About how many weights (and pooled image values, float32 too) the two generators, the two
    discriminators and the two image pools hold (nothing built)."""
    w = width
    generator = 2 * 49 * channels * w + 2 * 9 * (w * 2 * w + 2 * w * 4 * w) + residual_blocks * 2 * 9 * (4 * w) ** 2
    pools = pool_size * resolution**2 * channels
    return 2 * (generator + patch_parameter_estimate(resolution, channels, width) + pools)


def build_patch_discriminator(resolution, channels, width, name, norm="instance"):
    image = keras.Input((resolution, resolution, channels), name="image")
    logits = patch_logits(image, width, patch_strides(resolution), instance_norm if norm == "instance" else None)
    return keras.Model(image, logits, name=name)


@keras.saving.register_keras_serializable(package="ganzoo")
class ImagePool(layers.Layer):
    """A history of generated images (Shrivastava et al. 2017), so that D does not forget
    earlier fakes and G cannot oscillate between modes D has forgotten.

    call(images) returns a batch of the same shape. Until the pool holds `size` images each new
    image is stored and returned as it is; once full, each new image is, with probability 1/2,
    returned as it is, or else swapped for a stored image chosen at random (returned) and stored
    in its place. A batch is handled at once against the pool as it was before the call (the
    authors' code goes image by image: the same for their batches of one). Keras variables and
    backend ops only, so it runs inside the compiled train step on TensorFlow and torch alike,
    and the pool is part of the checkpoint.
    """

    def __init__(self, size, image_shape, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.size = check_positive_int(size, "size")
        self.image_shape = tuple(image_shape)
        self.seed = seed
        self.images = self.add_weight(shape=(self.size, *self.image_shape), initializer="zeros",
                                      trainable=False, name="images")
        self.count = self.add_weight(shape=(), initializer="zeros", dtype="int32", trainable=False, name="count")
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def call(self, images):
        n = ops.shape(images)[0]
        count = ops.convert_to_tensor(self.count)
        pool = ops.convert_to_tensor(self.images)  # a tensor: JAX's where takes no Keras variable
        # each image's rank among those that find the pool full; a negative one fills a free slot
        rank = ops.arange(n, dtype="int32") - (self.size - count)
        fills = rank < 0
        # a swap takes a distinct random slot among those filled before the call (they sort first);
        # in a batch larger than the pool, the images beyond those slots are returned, not kept
        keys = keras.random.uniform((self.size,), seed=self.seed_generator)
        order = ops.argsort(keys + ops.cast(ops.arange(self.size, dtype="int32") >= count, "float32"))
        swaps = ops.logical_and(ops.logical_and(rank >= 0, rank < count),
                                keras.random.uniform((n,), seed=self.seed_generator) < 0.5)
        stored_slots = ops.take(ops.cast(order, "int32"), ops.clip(rank, 0, self.size - 1))
        slots = ops.where(fills, rank + self.size, stored_slots)
        returned = ops.where(swaps[:, None, None, None], ops.take(pool, slots, axis=0), images)
        # pool slot j takes the image that writes to it, if any (written slots are distinct)
        writes = ops.logical_and(ops.logical_or(fills, swaps)[:, None],
                                 slots[:, None] == ops.arange(self.size, dtype="int32")[None, :])
        incoming = ops.take(images, ops.argmax(ops.cast(writes, "int32"), axis=0), axis=0)
        self.images.assign(ops.where(ops.any(writes, axis=0)[:, None, None, None], incoming, pool))
        self.count.assign(ops.minimum(count + n, self.size))
        return returned

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "size": self.size, "image_shape": list(self.image_shape),
                "seed": self.seed}


@keras.saving.register_keras_serializable(package="ganzoo")
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """The paper's learning rate: `initial_learning_rate` for the first `constant_steps` steps
    (default: half of `total_steps`), then linearly down to 0 at `total_steps`, 0 after."""

    def __init__(self, initial_learning_rate, total_steps, constant_steps=None):
        self.initial_learning_rate = float(initial_learning_rate)
        self.total_steps = check_positive_int(total_steps, "total_steps")
        self.constant_steps = self.total_steps // 2 if constant_steps is None else int(constant_steps)
        if not 0 <= self.constant_steps < self.total_steps:
            raise ValueError(f"constant_steps must be in [0, total_steps={self.total_steps}), "
                             f"got {constant_steps!r}.")

    def __call__(self, step):
        decayed = (ops.cast(step, "float32") - self.constant_steps) / (self.total_steps - self.constant_steps)
        return self.initial_learning_rate * ops.clip(1.0 - decayed, 0.0, 1.0)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "total_steps": self.total_steps,
                "constant_steps": self.constant_steps}


def decaying_learning_rates(model, total_steps, compile_kwargs):
    """compile()'s keyword arguments with each player's rate (as model.learning_rates reads them)
    turned into a ConstantThenLinearDecay over `total_steps` generator steps. D's optimizer counts its
    own iterations, model.d_steps per generator step, so its schedule is d_steps times as long: both
    players hold their rate for the first half of training and reach 0 together at its end."""
    rates = model.learning_rates(**{key: compile_kwargs.pop(key) for key in
                                    ("learning_rate", "g_learning_rate", "d_learning_rate") if key in compile_kwargs})
    total_steps = check_positive_int(total_steps, "total_steps")
    return {**compile_kwargs, "g_learning_rate": ConstantThenLinearDecay(rates["generator"], total_steps),
            "d_learning_rate": ConstantThenLinearDecay(rates["discriminator"], total_steps * model.d_steps)}


@register_family("cyclegan")
class CycleGAN(TwoDomainGAN):
    """Unpaired translation between domains A and B of `channels`-channel images (fit, translate:
    TwoDomainGAN). identity_weight is relative to cycle_weight (the paper's 0.5 * lambda)."""

    def __init__(self, resolution=256, channels=3, width=64, residual_blocks=None, cycle_weight=10.0,
                 identity_weight=0.5, pool_size=50, upsampling="transpose", generator_output="image",
                 discriminator_norm="instance", objective="least_squares", seed=None, **kwargs):
        super().__init__(objective=objective, seed=seed, **kwargs)
        self.resolution = check_positive_int(resolution, "resolution")
        if self.resolution % 4 or self.resolution < 16:
            raise ValueError(f"resolution must be a multiple of 4 (G halves it twice), at least 16; "
                             f"got {resolution}.")
        self.channels = check_positive_int(channels, "channels")
        self.width = check_positive_int(width, "width")
        # the paper: 6 blocks at 128 px, 9 at 256 px and above
        self.residual_blocks = check_positive_int(
            residual_blocks if residual_blocks is not None else 6 if self.resolution <= 128 else 9,
            "residual_blocks")
        for name, value in (("cycle_weight", cycle_weight), ("identity_weight", identity_weight)):
            if not float(value) >= 0.0:
                raise ValueError(f"{name} must be >= 0, got {value!r}.")
        self.cycle_weight, self.identity_weight = float(cycle_weight), float(identity_weight)
        self.pool_size = check_positive_int(pool_size, "pool_size")
        sizes = dict(resolution=self.resolution, channels=self.channels, width=self.width,
                     residual_blocks=self.residual_blocks, pool_size=self.pool_size)
        check_parameter_budget(self.family, sizes, parameter_estimate(**sizes))
        if upsampling not in UPSAMPLINGS:
            raise ValueError(f"upsampling must be 'transpose' (the paper's stride-2 transposed convolutions) or "
                             f"'resize' (nearest-neighbour doubling, then a convolution), got {upsampling!r}.")
        self.upsampling = upsampling
        if generator_output not in OUTPUTS:
            raise ValueError(f"generator_output must be 'image' (G draws the whole image, as in the paper) or "
                             f"'residual' (G adds a change to its input), got {generator_output!r}.")
        self.generator_output = generator_output
        if discriminator_norm not in DISCRIMINATOR_NORMS:
            raise ValueError(f"discriminator_norm must be 'instance' (as in the paper) or 'none', "
                             f"got {discriminator_norm!r}.")
        self.discriminator_norm = discriminator_norm
        # least_squares_g_loss is Mao et al.'s 1/2 E[(D(G(x)) - 1)^2]; the paper's generator term has
        # no 1/2, and lambda = 10 is weighed against that: double it to keep the paper's balance.
        self.adversarial_scale = 2.0 if objective == "least_squares" else 1.0
        self.image_shape = self.source_shape = (self.resolution, self.resolution, self.channels)
        self.pair_shapes = (self.image_shape, self.image_shape)
        networks = [build_resnet_generator(self.resolution, self.channels, self.width, self.residual_blocks, name,
                                           self.upsampling, self.generator_output)
                    for name in ("generator_ab", "generator_ba")]
        self.generator = pair_model(*networks, self.image_shape, "generator")
        critics = [build_patch_discriminator(self.resolution, self.channels, self.width, name, self.discriminator_norm)
                   for name in ("discriminator_a", "discriminator_b")]
        self.discriminator = pair_model(*critics, self.image_shape, "discriminator")
        pool_seeds = (None, None) if self.seed is None else (self.seed + 1, self.seed + 2)
        self.pool_a, self.pool_b = (ImagePool(self.pool_size, self.image_shape, seed, name=f"pool_{domain}")
                                    for seed, domain in zip(pool_seeds, "ab"))
        self.cycle_tracker = keras.metrics.Mean(name="cycle_loss")
        self.identity_tracker = keras.metrics.Mean(name="identity_loss")
        self.build()

    @property
    def metrics(self):
        return [*super().metrics, self.cycle_tracker, self.identity_tracker]

    def get_config(self):
        return {"resolution": self.resolution, "channels": self.channels, "width": self.width,
                "residual_blocks": self.residual_blocks, "cycle_weight": self.cycle_weight,
                "identity_weight": self.identity_weight, "pool_size": self.pool_size,
                "upsampling": self.upsampling, "generator_output": self.generator_output,
                "discriminator_norm": self.discriminator_norm, "objective": self.objective,
                "seed": self.seed, **self.ema_config()}

    def compile(self, g_optimizer=None, d_optimizer=None, total_steps=None, **kwargs):
        """As GAN.compile; total_steps (the length of training) turns on the paper's schedule:
        the learning rate stays constant for the first half, then falls linearly to 0."""
        if total_steps is not None:
            kwargs = decaying_learning_rates(self, total_steps, kwargs)
        super().compile(g_optimizer, d_optimizer, **kwargs)

    # -- training: unpaired batches of each domain ---------------------------------------------
    def discriminator_loss(self, batch):
        a, b = batch["a"], batch["b"]
        fake_b, fake_a = (ops.stop_gradient(x) for x in self.generator([a, b], training=True))
        real_logits_a, real_logits_b = self.discriminator([a, b], training=True)
        fake_logits_a, fake_logits_b = self.discriminator([self.pool_a(fake_a), self.pool_b(fake_b)], training=True)
        return self.d_objective(real_logits_a, fake_logits_a) + self.d_objective(real_logits_b, fake_logits_b)

    def generator_loss(self, batch):
        a, b = batch["a"], batch["b"]
        fake_b, fake_a = self.generator([a, b], training=True)
        logits_a, logits_b = self.discriminator([fake_a, fake_b], training=True)
        adversarial = self.adversarial_scale * (self.g_objective(logits_a) + self.g_objective(logits_b))
        cycled_b, cycled_a = self.generator([fake_a, fake_b], training=True)  # G_ab(G_ba(b)), G_ba(G_ab(a))
        cycle = ops.mean(ops.abs(cycled_a - a)) + ops.mean(ops.abs(cycled_b - b))
        self.cycle_tracker.update_state(ops.stop_gradient(cycle))
        loss = adversarial + self.cycle_weight * cycle
        if self.identity_weight:  # G_ab should leave an image of B alone, G_ba one of A
            same_b, same_a = self.generator([b, a], training=True)
            identity = ops.mean(ops.abs(same_a - a)) + ops.mean(ops.abs(same_b - b))
            self.identity_tracker.update_state(ops.stop_gradient(identity))
            loss = loss + self.identity_weight * self.cycle_weight * identity
        return loss
