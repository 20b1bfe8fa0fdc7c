"""StyleGAN-lite: a small StyleGAN2 (Karras et al. 2020) for 64x64 images and below.

G = mapping + synthesis. The mapping network (pixel-normalised z, a few dense layers at a
0.01 learning-rate multiplier) makes w; the synthesis network starts from a learned 4x4
constant, and each 3x3 convolution is modulated by an affine function of w (scales per input
channel) and demodulated (each output channel rescaled to unit expected variance), then gets
per-pixel noise with a learned strength, a bias and LeakyReLU(0.2) x sqrt(2). Every resolution
adds its RGB (a modulated 1x1 convolution, not demodulated) to the upsampled RGB so far (skip
architecture). D is residual, with minibatch standard deviation at 4x4. Every weight is stored
at N(0, 1) and scaled at run time by He's constant (equalised learning rate).

Training: the non-saturating loss, lazy R1 on real images (every r1_interval D steps, weighted
by the interval), style mixing (two w's with a random crossover layer, probability 0.9), and an
exponential moving average of G, which is what samples and ships; the EMA generator also
carries the running average of w that truncation pulls towards.

Differences from StyleGAN2, to stay small: up/down-sampling is bilinear / average pooling
instead of the FIR-filtered transposed convolutions, no path-length regulariser, the noise
strength is one scalar per layer (as StyleGAN2) and sampling uses each layer's fixed noise.
"""

import math

import keras
import numpy as np
from keras import layers, ops

from ganzoo import images as image_utils
from ganzoo.core.gan import (GAN, check_parameter_budget, check_positive_int, check_sample_count,
                             check_seed, no_grad, run_if)
from ganzoo.core.objectives import r1_penalty
from ganzoo.families import register_family

SQRT2 = math.sqrt(2.0)
TRUNCATION_SWEEP = (1.0, 0.85, 0.7, 0.5, 0.3, 0.0)


def leaky_relu_gain(x):
    """LeakyReLU(0.2) times sqrt(2), which keeps the variance of He-initialised layers at one."""
    return ops.leaky_relu(x, 0.2) * SQRT2


@keras.saving.register_keras_serializable(package="ganzoo")
class EqualizedDense(layers.Layer):
    """Dense with weights stored at N(0, 1 / lr_multiplier) and scaled by lr_multiplier / sqrt(fan_in)
    at run time, so that Adam's steps are the same size for every layer (equalised learning rate)."""

    def __init__(self, units, lr_multiplier=1.0, bias_init=0.0, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.lr_multiplier, self.bias_init, self.activation = units, lr_multiplier, bias_init, activation

    def build(self, input_shape):
        fan_in = input_shape[-1]
        self.kernel = self.add_weight(shape=(fan_in, self.units), name="kernel",
                                      initializer=keras.initializers.RandomNormal(stddev=1.0 / self.lr_multiplier))
        self.bias = self.add_weight(shape=(self.units,), name="bias",
                                    initializer=keras.initializers.Constant(self.bias_init / self.lr_multiplier))
        self.weight_gain = self.lr_multiplier / math.sqrt(fan_in)

    def call(self, x):
        y = ops.matmul(x, self.kernel * self.weight_gain) + self.bias * self.lr_multiplier
        return leaky_relu_gain(y) if self.activation == "lrelu" else y

    def get_config(self):
        return {**super().get_config(), "units": self.units, "lr_multiplier": self.lr_multiplier,
                "bias_init": self.bias_init, "activation": self.activation}


@keras.saving.register_keras_serializable(package="ganzoo")
class EqualizedConv2D(layers.Layer):
    """A stride-1 'same' convolution with an equalised learning rate (see EqualizedDense)."""

    def __init__(self, filters, kernel_size, use_bias=True, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.use_bias, self.activation = filters, kernel_size, use_bias, activation

    def build(self, input_shape):
        k, fan_in = self.kernel_size, input_shape[-1]
        self.kernel = self.add_weight(shape=(k, k, fan_in, self.filters), name="kernel",
                                      initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.bias = self.add_weight(shape=(self.filters,), name="bias", initializer="zeros") if self.use_bias else None
        self.weight_gain = 1.0 / math.sqrt(k * k * fan_in)

    def call(self, x):
        y = ops.conv(x, self.kernel * self.weight_gain, padding="same")
        if self.bias is not None:
            y = y + self.bias
        return leaky_relu_gain(y) if self.activation == "lrelu" else y

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "use_bias": self.use_bias, "activation": self.activation}


@keras.saving.register_keras_serializable(package="ganzoo")
class ModulatedConv2D(layers.Layer):
    """[x, w] -> conv(x * s, weight) * d: the style s = affine(w) scales each input channel; with
    demodulate, d = 1 / sqrt(sum over (kh, kw, in) of (weight * s)^2) rescales each output channel,
    so unit-variance inputs give unit-variance outputs whatever the style.

    Written as scaling activations rather than weights per sample (StyleGAN2's non-fused path):
    the same arithmetic with one shared convolution, which every Keras backend has.
    """

    def __init__(self, filters, kernel_size, demodulate=True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.demodulate = filters, kernel_size, demodulate

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        k, fan_in = self.kernel_size, x_shape[-1]
        self.affine = EqualizedDense(fan_in, bias_init=1.0, name="affine")  # styles start at 1
        self.affine.build(w_shape)
        self.kernel = self.add_weight(shape=(k, k, fan_in, self.filters), name="kernel",
                                      initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.weight_gain = 1.0 / math.sqrt(k * k * fan_in)

    def call(self, inputs):
        x, w = inputs
        styles = self.affine(w)  # (N, in)
        weight = self.kernel * self.weight_gain
        y = ops.conv(x * styles[:, None, None, :], weight, padding="same")
        if self.demodulate:
            # sum_{kh, kw, in} (weight * s_in)^2 = (s^2) @ sum_{kh, kw} weight^2
            energy = ops.matmul(ops.square(styles), ops.sum(ops.square(weight), axis=(0, 1)))
            y = y * ops.rsqrt(energy + 1e-8)[:, None, None, :]
        return y

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "demodulate": self.demodulate}


@keras.saving.register_keras_serializable(package="ganzoo")
class StyledConv(layers.Layer):
    """[x, w] -> LeakyReLU(modulated conv(upsampled x) + strength * noise + bias) * sqrt(2).

    Noise: fresh N(0, 1) per pixel in training; in inference a fixed map drawn once from `seed`
    (stored with the weights), so that a latent always gives the same image."""

    def __init__(self, filters, resolution, upsample=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.resolution, self.upsample, self.seed = filters, resolution, upsample, seed
        self.noise_seed = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.conv = ModulatedConv2D(self.filters, 3, name="modulated")
        x_shape, w_shape = input_shape
        self.conv.build(((None, self.resolution, self.resolution, x_shape[-1]), w_shape))
        self.noise_strength = self.add_weight(shape=(), name="noise_strength", initializer="zeros")
        self.bias = self.add_weight(shape=(self.filters,), name="bias", initializer="zeros")
        fixed = np.random.default_rng(self.seed).standard_normal((1, self.resolution, self.resolution, 1))
        self.fixed_noise = self.add_weight(shape=fixed.shape, name="fixed_noise", trainable=False,
                                           initializer=keras.initializers.Constant(fixed.astype(np.float32)))

    def call(self, inputs, training=False):
        x, w = inputs
        if self.upsample:
            x = ops.image.resize(x, (self.resolution, self.resolution), interpolation="bilinear")
        y = self.conv([x, w])
        if training:
            # in y's dtype: under mixed precision y is bfloat16 and float32 noise would not add to it
            noise = keras.random.normal((ops.shape(y)[0], self.resolution, self.resolution, 1), dtype=y.dtype,
                                        seed=self.noise_seed)
        else:
            noise = self.fixed_noise
        return leaky_relu_gain(y + self.noise_strength * noise + self.bias)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], self.resolution, self.resolution, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "resolution": self.resolution,
                "upsample": self.upsample, "seed": self.seed}


@keras.saving.register_keras_serializable(package="ganzoo")
class ToRGB(layers.Layer):
    """[x, w] -> a modulated 1x1 convolution to RGB (not demodulated) plus a bias."""

    def __init__(self, channels=3, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels

    def build(self, input_shape):
        self.conv = ModulatedConv2D(self.channels, 1, demodulate=False, name="modulated")
        self.conv.build(input_shape)
        self.bias = self.add_weight(shape=(self.channels,), name="bias", initializer="zeros")

    def call(self, inputs):
        return self.conv(inputs) + self.bias

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels}


@keras.saving.register_keras_serializable(package="ganzoo")
class ConstantInput(layers.Layer):
    """The synthesis network's learned 4x4 start, repeated for each w in the batch."""

    def __init__(self, channels, size=4, **kwargs):
        super().__init__(**kwargs)
        self.channels, self.size = channels, size

    def build(self, input_shape):
        self.constant = self.add_weight(shape=(1, self.size, self.size, self.channels), name="constant",
                                        initializer=keras.initializers.RandomNormal(stddev=1.0))

    def call(self, ws):
        return ops.repeat(self.constant, ops.shape(ws)[0], axis=0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "size": self.size}


@keras.saving.register_keras_serializable(package="ganzoo")
class TrackedAverage(layers.Layer):
    """Identity on w that, in training, moves a running average of w (truncation's centre)."""

    def __init__(self, decay=0.995, **kwargs):
        super().__init__(**kwargs)
        self.decay = decay

    def build(self, input_shape):
        self.average = self.add_weight(shape=(input_shape[-1],), name="w_average", trainable=False,
                                       initializer="zeros")

    def call(self, w, training=False):
        if training:
            batch_mean = ops.stop_gradient(ops.mean(w, axis=0))
            self.average.assign(self.decay * self.average + (1.0 - self.decay) * batch_mean)
        return w

    def get_config(self):
        return {**super().get_config(), "decay": self.decay}


@keras.saving.register_keras_serializable(package="ganzoo")
class MinibatchStddev(layers.Layer):
    """Appends one channel: the standard deviation over groups of `group_size` images, averaged over
    features and pixels, so D can tell a batch of near-identical fakes from real variety."""

    def __init__(self, group_size=4, **kwargs):
        super().__init__(**kwargs)
        self.group_size = group_size

    def call(self, x):
        n, h, w, c = (ops.shape(x)[i] for i in range(4))
        # batches must be smaller than group_size or a multiple of it
        group = min(self.group_size, n) if isinstance(n, int) else ops.minimum(self.group_size, n)
        y = ops.reshape(x, (group, -1, h, w, c))
        y = ops.sqrt(ops.var(y, axis=0) + 1e-8)  # (n / group, h, w, c)
        y = ops.mean(y, axis=(1, 2, 3))  # one number per group member position
        y = ops.reshape(ops.tile(y, [group]), (n, 1, 1, 1))
        return ops.concatenate([x, ops.broadcast_to(y, (n, h, w, 1))], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size}


@keras.saving.register_keras_serializable(package="ganzoo")
class NormaliseLatent(layers.Layer):
    """Pixel norm of z: each vector scaled to unit mean square (the sphere of radius sqrt(dim))."""

    def call(self, z):
        return z * ops.rsqrt(ops.mean(ops.square(z), axis=1, keepdims=True) + 1e-8)


@keras.saving.register_keras_serializable(package="ganzoo")
class SelectW(layers.Layer):
    """ws (N, num_ws, w_dim) -> the w of one layer (N, w_dim)."""

    def __init__(self, index, **kwargs):
        super().__init__(**kwargs)
        self.index = index

    def call(self, ws):
        return ws[:, self.index]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "index": self.index}


@keras.saving.register_keras_serializable(package="ganzoo")
class BroadcastW(layers.Layer):
    """w (N, w_dim) -> the same w for every layer (N, count, w_dim)."""

    def __init__(self, count, **kwargs):
        super().__init__(**kwargs)
        self.count = count

    def call(self, w):
        return ops.repeat(w[:, None, :], self.count, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.count, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "count": self.count}


@keras.saving.register_keras_serializable(package="ganzoo")
class ResidualSum(layers.Layer):
    """(a + b) / sqrt(2): a residual sum whose variance stays that of one branch."""

    def call(self, inputs):
        return (inputs[0] + inputs[1]) / SQRT2

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def mix_styles(w1, w2, crossover, count):
    """Per-layer w's (N, count, w_dim): w1 before each example's crossover index (N, 1), w2 from it on."""
    use_second = ops.greater_equal(ops.arange(count)[None, :], ops.convert_to_tensor(crossover, "int32"))
    return ops.where(use_second[:, :, None], w2[:, None, :], w1[:, None, :])


def channels_at(resolution, final_resolution, width):
    """`width` channels at the final resolution, doubling per halving down to 4x4, capped at 8x."""
    return width * min(8, final_resolution // resolution)


def num_ws(resolution):
    """One w per styled convolution (1 at 4x4, 2 per doubling) plus the last RGB's."""
    return 2 * int(math.log2(resolution)) - 2


def parameter_estimate(resolution, channels, width, latent_dim, w_dim, mapping_layers):
    """About how many weights the mapping, the synthesis network and D have (nothing built): two
    3x3 convolutions per resolution in G (each with its style's w_dim x channels) and in D."""
    sizes = [4 * 2**i for i in range(int(math.log2(resolution)) - 1)]  # 4, 8, ..., resolution
    per_size = sum(2 * 9 * channels_at(s, resolution, width) ** 2 for s in sizes)
    styles = sum(3 * w_dim * channels_at(s, resolution, width) for s in sizes)
    mapping = latent_dim * w_dim + (mapping_layers - 1) * w_dim**2
    return mapping + 2 * per_size + styles + 16 * channels_at(4, resolution, width) ** 2


def build_mapping(latent_dim, w_dim, layers_count, lr_multiplier=0.01, w_average_decay=0.995):
    z = keras.Input((latent_dim,), name="z")
    # pixel norm: z on the sphere of radius sqrt(latent_dim)
    x = NormaliseLatent(name="normalise_z")(z)
    for i in range(layers_count):
        x = EqualizedDense(w_dim, lr_multiplier=lr_multiplier, activation="lrelu", name=f"dense{i}")(x)
    w = TrackedAverage(w_average_decay, name="track_w_average")(x)
    return keras.Model(z, w, name="mapping")


def build_synthesis(resolution, w_dim, width, channels=3, seed=None):
    ws = keras.Input((num_ws(resolution), w_dim), name="ws")

    selected = {}

    def w_at(i):  # an RGB layer and the next convolution share a w
        if i not in selected:
            selected[i] = SelectW(i, name=f"w{i}")(ws)
        return selected[i]

    def noise_seed(i):
        return None if seed is None else seed * 100 + i

    x = ConstantInput(channels_at(4, resolution, width), name="constant")(ws)
    x = StyledConv(channels_at(4, resolution, width), 4, seed=noise_seed(0), name="conv4")([x, w_at(0)])
    rgb = ToRGB(channels, name="rgb4")([x, w_at(1)])
    index, size = 1, 8
    while size <= resolution:
        filters = channels_at(size, resolution, width)
        x = StyledConv(filters, size, upsample=True, seed=noise_seed(index), name=f"conv{size}_up")([x, w_at(index)])
        x = StyledConv(filters, size, seed=noise_seed(index + 1), name=f"conv{size}")([x, w_at(index + 1)])
        upsampled = layers.Resizing(size, size, interpolation="bilinear", name=f"rgb_up{size}")(rgb)
        rgb = layers.Add(name=f"rgb_sum{size}")([upsampled, ToRGB(channels, name=f"rgb{size}")([x, w_at(index + 2)])])
        index, size = index + 2, size * 2
    return keras.Model(ws, layers.Activation("linear", dtype="float32", name="image")(rgb), name="synthesis")


def build_generator(mapping, synthesis):
    """z -> image with one w for every layer: what sampling without mixing or truncation runs."""
    z = keras.Input(mapping.input_shape[1:], name="z")
    w = mapping(z)
    count = synthesis.input_shape[1]
    ws = BroadcastW(count, name="broadcast_w")(w)
    return keras.Model(z, synthesis(ws), name="generator")


def build_discriminator(resolution, width, channels=3):
    image = keras.Input((resolution, resolution, channels), name="image")
    x = EqualizedConv2D(channels_at(resolution, resolution, width), 1, activation="lrelu", name="from_rgb")(image)
    size = resolution
    while size > 4:
        out = channels_at(size // 2, resolution, width)
        skip = EqualizedConv2D(out, 1, use_bias=False, name=f"skip{size}")(layers.AveragePooling2D(2)(x))
        y = EqualizedConv2D(channels_at(size, resolution, width), 3, activation="lrelu", name=f"conv{size}_0")(x)
        y = EqualizedConv2D(out, 3, activation="lrelu", name=f"conv{size}_1")(y)
        y = layers.AveragePooling2D(2)(y)
        x = ResidualSum(name=f"block{size}")([y, skip])
        size //= 2
    x = MinibatchStddev(4, name="minibatch_stddev")(x)
    x = EqualizedConv2D(channels_at(4, resolution, width), 3, activation="lrelu", name="conv4")(x)
    x = EqualizedDense(channels_at(4, resolution, width), activation="lrelu", name="dense")(layers.Flatten()(x))
    return keras.Model(image, EqualizedDense(1, dtype="float32", name="logit")(x), name="discriminator")


@register_family("stylegan_lite")
class StyleGANLite(GAN):
    """A small StyleGAN2. sample(n, seed, truncation), style_mix(rows, cols, layers), interpolate(a, b)."""

    default_optimizer_settings = {"learning_rate": 2e-3, "beta_1": 0.0, "beta_2": 0.99}

    def __init__(self, resolution=64, channels=3, width=32, latent_dim=128, w_dim=128, mapping_layers=4,
                 mixing_probability=0.9, r1_gamma=0.05, r1_interval=16, objective="non_saturating",
                 seed=None, ema_decay=0.999, **kwargs):
        super().__init__(latent_dim=latent_dim, objective=objective, seed=seed, ema_decay=ema_decay, **kwargs)
        self.resolution = check_positive_int(resolution, "resolution")
        if self.resolution < 8 or self.resolution & (self.resolution - 1):
            raise ValueError(f"resolution must be a power of two >= 8, got {resolution}.")
        self.channels = check_positive_int(channels, "channels")
        self.width = check_positive_int(width, "width")
        self.w_dim = check_positive_int(w_dim, "w_dim")
        self.mapping_layers = check_positive_int(mapping_layers, "mapping_layers")
        if not 0.0 <= mixing_probability <= 1.0:
            raise ValueError(f"mixing_probability must be in [0, 1], got {mixing_probability!r}.")
        self.mixing_probability = float(mixing_probability)
        self.r1_gamma = float(r1_gamma)
        self.r1_interval = check_positive_int(r1_interval, "r1_interval")
        self.image_shape = (self.resolution, self.resolution, self.channels)
        sizes = dict(resolution=self.resolution, channels=self.channels, width=self.width,
                     latent_dim=self.latent_dim, w_dim=self.w_dim, mapping_layers=self.mapping_layers)
        check_parameter_budget(self.family, sizes, parameter_estimate(**sizes))
        self.num_ws = num_ws(self.resolution)
        mapping = build_mapping(self.latent_dim, self.w_dim, self.mapping_layers)
        synthesis = build_synthesis(self.resolution, self.w_dim, self.width, self.channels, self.seed)
        self.generator = build_generator(mapping, synthesis)
        self.discriminator = build_discriminator(self.resolution, self.width, self.channels)
        self.r1_tracker = keras.metrics.Mean(name="r1")
        self.build()

    @property
    def metrics(self):
        return [*super().metrics, self.r1_tracker]

    def get_config(self):
        return {**super().get_config(), "resolution": self.resolution, "channels": self.channels,
                "width": self.width, "w_dim": self.w_dim, "mapping_layers": self.mapping_layers,
                "mixing_probability": self.mixing_probability, "r1_gamma": self.r1_gamma,
                "r1_interval": self.r1_interval}

    @staticmethod
    def parts(generator):
        """(mapping, synthesis) of a generator (the trained one or its moving average)."""
        return generator.get_layer("mapping"), generator.get_layer("synthesis")

    # -- training ------------------------------------------------------------------------
    def mixed_fakes(self, n):
        """n fakes from the training generator, each with two w's crossed at a random layer with
        probability mixing_probability (style mixing regularisation), else one."""
        mapping, synthesis = self.parts(self.generator)
        w1 = mapping(self.latent_batch(n), training=True)
        w2 = mapping(self.latent_batch(n), training=True)
        mix = keras.random.uniform((n, 1), seed=self.seed_generator) < self.mixing_probability
        crossover = keras.random.randint((n, 1), 1, self.num_ws, seed=self.seed_generator)
        crossover = ops.where(mix, crossover, self.num_ws)  # no mixing: w1 everywhere
        return synthesis(mix_styles(w1, w2, crossover, self.num_ws), training=True)

    def discriminator_loss(self, batch):
        real = batch["images"]
        fake = ops.stop_gradient(self.mixed_fakes(ops.shape(real)[0]))
        return self.d_objective(self.discriminate(real, real=True), self.discriminate(fake))

    def generator_loss(self, batch):
        return self.g_objective(self.discriminate(self.mixed_fakes(ops.shape(batch["images"])[0])))

    def r1_loss(self, batch):
        """Lazy R1: gamma / 2 * E||grad D(real)||^2, times the interval it is applied at."""
        # with augment: R1 of D(T(x)) w.r.t. the un-augmented reals x, through T (DiffAugment's and ADA's code)
        penalty = r1_penalty(lambda x: self.discriminate(x), batch["images"])
        self.r1_tracker.update_state(ops.stop_gradient(penalty))
        return 0.5 * self.r1_gamma * self.r1_interval * penalty

    def train_step(self, data):
        logs = super().train_step(data)
        if self.r1_gamma > 0:
            batch = self.prepare_batch(data)
            # the logit's bias does not move D's input gradient: R1 gives it no gradient
            d_vars = [v for v in self.discriminator.trainable_variables if v is not self.discriminator.layers[-1].bias]

            def regularise():
                self._step(lambda: self.r1_loss(batch), self.d_optimizer, d_vars)

            # every r1_interval-th step (counted by G's optimizer, already advanced by one)
            run_if(ops.equal((self.g_optimizer.iterations - 1) % self.r1_interval, 0), regularise)
            logs = {**logs, "r1": self.r1_tracker.result()}
        return logs

    # -- inference -------------------------------------------------------------------------
    def _mapped(self, seeds_or_n, seed=None, truncation=1.0):
        """w's (numpy) of seeded z's, pulled towards the tracked average by `truncation` (psi)."""
        if not 0.0 <= float(truncation) <= 2.0:
            raise ValueError(f"truncation must be in [0, 2] (1: none, 0: the average face), got {truncation!r}.")
        mapping, _ = self.parts(self.sampling_generator)
        z = self.latent_numpy(seeds_or_n, seed)
        with no_grad():
            w = ops.convert_to_numpy(mapping(z, training=False))
        average = ops.convert_to_numpy(mapping.get_layer("track_w_average").average)
        return average + float(truncation) * (w - average)

    def _synthesise(self, ws, batch_size=256):
        """uint8 images of per-layer w's (N, num_ws, w_dim)."""
        _, synthesis = self.parts(self.sampling_generator)
        return self.generate(ws.astype(np.float32), batch_size=batch_size, network=synthesis)

    def _broadcast(self, w):
        return np.repeat(w[:, None, :], self.num_ws, axis=1)

    def sample(self, n, seed=None, batch_size=256, truncation=1.0):
        """n images (uint8 NHWC) from the EMA generator; truncation psi < 1 trades variety for quality."""
        n = check_sample_count(n, self.image_shape)  # before its latents are drawn
        return self._synthesise(self._broadcast(self._mapped(n, seed, truncation)),
                                check_positive_int(batch_size, "batch_size"))

    def _seed_w(self, seeds, truncation):
        seeds = [check_seed(s) for s in seeds]
        if not seeds or any(s is None for s in seeds):
            raise ValueError(f"seeds must be a non-empty list of non-negative ints, got {seeds!r}.")
        return np.concatenate([self._mapped(1, s, truncation) for s in seeds])

    def style_mix(self, row_seeds, col_seeds, layers=None, truncation=1.0):
        """The mixing grid as one uint8 image: the top row shows the column seeds' images, the left
        column the row seeds'; cell (i, j) takes row i's w everywhere except `layers` (default: the
        coarse ones, 4x4 and 8x8), which take column j's."""
        layers = list(range(min(4, self.num_ws))) if layers is None else list(layers)
        if not layers or any(not 0 <= i < self.num_ws for i in layers):
            raise ValueError(f"layers must be indices in [0, {self.num_ws}), got {layers!r}.")
        rows, cols = self._seed_w(row_seeds, truncation), self._seed_w(col_seeds, truncation)
        ws = self._broadcast(np.repeat(rows, len(cols), axis=0))
        ws[:, layers] = self._broadcast(np.tile(cols, (len(rows), 1)))[:, layers]
        blank = np.full((1, *self.image_shape), 255, np.uint8)
        tiles = [blank, self._synthesise(self._broadcast(cols))]
        mixed = self._synthesise(ws).reshape(len(rows), len(cols), *self.image_shape)
        row_images = self._synthesise(self._broadcast(rows))
        for i in range(len(rows)):
            tiles += [row_images[i : i + 1], mixed[i]]
        return image_utils.grid(np.concatenate(tiles), cols=len(cols) + 1)

    def interpolate(self, seed_a, seed_b, steps=8, truncation=1.0):
        """`steps` images (uint8 NHWC) along the straight line in w space from seed_a's w to seed_b's."""
        steps = check_positive_int(steps, "steps")
        a, b = self._seed_w([seed_a, seed_b], truncation)
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
        return self._synthesise(self._broadcast(a[None] * (1 - t) + b[None] * t))

    def card_pictures(self):
        """The mixing grid and a truncation sweep (rows: seeds 0-3; columns: psi from 1 to 0)."""
        sweep = [self.sample(4, seed=0, truncation=psi) for psi in TRUNCATION_SWEEP]
        return {"style_mix.png": self.style_mix([1, 2, 3, 4], [5, 6, 7, 8, 9]),
                "truncation.png": image_utils.grid(np.stack(sweep, axis=1).reshape(-1, *self.image_shape),
                                                   cols=len(TRUNCATION_SWEEP))}
