"""WGAN-GP (Gulrajani et al. 2017) on DCGAN-shaped networks.

The critic has no batch norm (the gradient penalty is taken per example, and batch norm
would couple the examples of a batch), is trained n_critic=5 times per generator step
with the Wasserstein loss plus lambda=10 times the penalty on random interpolates of
real and generated images, and both players use Adam(1e-4, beta_1=0, beta_2=0.9).
Each critic step reads its own real batch, as the authors' code draws one per critic iteration
(critic_batches="fresh"; "shared" runs them all on one), with fresh latents and interpolates.
"""

from keras import ops
import keras

from ganzoo.core.gan import GAN, check_parameter_budget, check_positive_int
from ganzoo.core.objectives import gradient_penalty
from ganzoo.families import register_family
from ganzoo.families.dcgan import build_discriminator, build_generator, parameter_estimate


@register_family("wgan_gp")
class WGANGP(GAN):
    default_optimizer_settings = {"learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9}

    def __init__(self, resolution=64, channels=3, width=64, latent_dim=100, n_critic=5,
                 gp_weight=10.0, objective="wasserstein", seed=None, ema_decay=None, critic_batches="fresh",
                 **kwargs):
        super().__init__(latent_dim=latent_dim, objective=objective, seed=seed, ema_decay=ema_decay,
                         critic_batches=critic_batches, **kwargs)
        self.resolution = check_positive_int(resolution, "resolution")
        self.channels = check_positive_int(channels, "channels")
        self.width = check_positive_int(width, "width")
        sizes = dict(resolution=self.resolution, channels=self.channels, width=self.width, latent_dim=self.latent_dim)
        check_parameter_budget(self.family, sizes, parameter_estimate(**sizes))
        self.d_steps = self.n_critic = check_positive_int(n_critic, "n_critic")
        if gp_weight < 0:
            raise ValueError(f"gp_weight must be >= 0, got {gp_weight!r}.")
        self.gp_weight = float(gp_weight)
        self.image_shape = (self.resolution, self.resolution, self.channels)
        self.generator = build_generator(self.resolution, self.channels, self.width, self.latent_dim)
        self.discriminator = build_discriminator(self.resolution, self.channels, self.width,
                                                 batch_norm=False, name="critic")
        self.gp_tracker = keras.metrics.Mean(name="gradient_penalty")
        self.build()

    @property
    def metrics(self):
        return [*super().metrics, self.gp_tracker]

    def get_config(self):
        return {**super().get_config(), "resolution": self.resolution, "channels": self.channels,
                "width": self.width, "n_critic": self.n_critic, "gp_weight": self.gp_weight,
                "critic_batches": self.critic_batches}

    def discriminator_loss(self, batch):
        real = batch["images"]
        n = ops.shape(real)[0]
        fake = ops.stop_gradient(self.generator(self.latent_batch(n), training=True))
        loss = self.d_objective(self.discriminate(real, real=True), self.discriminate(fake))
        alpha = keras.random.uniform((n, 1, 1, 1), seed=self.seed_generator)
        # with augment, the penalty is on the critic D plays, D(T(x)), at un-augmented interpolates:
        # T is drawn afresh and the gradient flows back through it, as DiffAugment's R1 does
        penalty = gradient_penalty(lambda x: self.discriminate(x), real, fake, alpha)
        self.gp_tracker.update_state(ops.stop_gradient(penalty))
        return loss + self.gp_weight * penalty
