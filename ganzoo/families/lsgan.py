"""LSGAN (Mao et al. 2017): the DCGAN networks with the least-squares objective.

D regresses real images to 1 and generated ones to 0, G pulls its samples towards 1
(the a=0, b=c=1 coding); the squared error keeps penalising samples that are on the
right side of the boundary but far from the data, so G's gradients do not vanish.
The paper's optimiser settings are DCGAN's: Adam(2e-4, beta_1=0.5).
"""

from ganzoo.families import register_family
from ganzoo.families.dcgan import DCGAN


@register_family("lsgan")
class LSGAN(DCGAN):
    def __init__(self, resolution=64, channels=3, width=64, latent_dim=100,
                 objective="least_squares", seed=None, ema_decay=None, d_batch_norm=True, **kwargs):
        super().__init__(resolution=resolution, channels=channels, width=width, latent_dim=latent_dim,
                         objective=objective, seed=seed, ema_decay=ema_decay, d_batch_norm=d_batch_norm,
                         **kwargs)
