"""srgan_x4: SRGAN (Ledig et al. 2017) at x4, initialised from srresnet_x4.

The generator starts from the zoo's srresnet_x4 (the local weights folder, else the Hub)
and trains against the SRGAN discriminator with content + 1e-3 x adversarial loss, on the
same BSDS500 crops. The paper's content loss uses VGG19 (phi_5,4), whose ImageNet weights
Keras downloads; offline, --content=inception_stem uses the FID Inception's first layers
(ganzoo/core/features.py).

    python recipes/srgan_x4.py --content=inception_stem --pixel_weight=0.1 --export

Withdrawn (2026-12-02): the entry this made (700 steps) was below bicubic in PSNR on every benchmark
and in the FID of upscaled BSD100 patches (159.7 against bicubic's 104.8; docs/evaluation.md). A
better run needs the paper's VGG content loss or far more adversarial steps.
"""

from absl import app, flags

import recipe_flags
from srresnet_x4 import SR_DATASET, SR_EVALUATION, SR_LIMITATIONS, load_crops, preview_crops, sr_config

flags.DEFINE_enum("content", "vgg19_54", ["vgg19_54", "inception_stem", "mse"],
                  "Content loss: VGG19 phi_5,4 (paper; downloads ImageNet weights), the FID Inception's "
                  "stem (offline), or the pixel MSE.")
flags.DEFINE_float("pixel_weight", 0.0, "Weight of a pixel MSE added to the content loss (paper: none).")
# (not --init_from: recipe_flags' --init_from continues an entry of the recipe's own family, G and D)
flags.DEFINE_string("srresnet_from", "srresnet_x4", "Zoo entry (or weights folder) whose generator SRGAN starts from.")
FLAGS = flags.FLAGS


def initialize_from_srresnet(model):
    from pathlib import Path

    from ganzoo import zoo

    folder = Path(FLAGS.srresnet_from)
    source = zoo.load("srresnet_x4", weights_dir=folder) if folder.is_dir() else zoo.load(FLAGS.srresnet_from)
    model.generator.set_weights(source.generator.get_weights())
    print(f"generator initialised from {FLAGS.srresnet_from}")


def main(argv):
    del argv
    content = {"vgg19_54": "VGG19 phi_5,4 features (the paper's)",
               "inception_stem": "the FID Inception-v3's stem features (conv_4, 192 channels; the paper "
                                 "used VGG19 phi_5,4, whose ImageNet weights could not be downloaded here)",
               "mse": "the pixel MSE"}[FLAGS.content]
    if FLAGS.pixel_weight and FLAGS.content != "mse":
        content += f" plus {FLAGS.pixel_weight:g} x the pixel MSE (not in the paper)"
    recipe_flags.run(
        "srgan_x4", "srgan", {**sr_config(), "content": FLAGS.content, "adversarial_weight": 1e-3,
                                       "pixel_weight": FLAGS.pixel_weight},
        load_crops, steps=100000, batch_size=16, generator_only=True, preview_inputs=preview_crops,
        initialize=initialize_from_srresnet, evaluation=SR_EVALUATION, dataset=SR_DATASET,
        description=f"SRGAN (Ledig et al. 2017): SRResNet's generator, initialised from srresnet_x4, trained "
                    f"against a discriminator with content loss on {content} plus 1e-3 x adversarial "
                    "loss; upscale(images) takes uint8 RGB of any size and returns it 4x larger.",
        limitations=SR_LIMITATIONS + " Sharper textures than srresnet_x4 at a lower PSNR, as in the paper; "
                                     "the textures are invented, not recovered.")


if __name__ == "__main__":
    app.run(main)
