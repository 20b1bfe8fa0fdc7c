"""srresnet_x4: SRResNet (Ledig et al. 2017) at x4, trained on the pixel MSE.

Trains on random 96x96 crops (24x24 LR by MATLAB bicubic) of the 200 BSDS500 training
images in ../shared/data/sr, with flips and rotations; never on BSD100. Adam(1e-4,
beta_1=0.9), batches of 16, as the paper (which trained 10^6 steps on 350k ImageNet images).

    python recipes/srresnet_x4.py --export
"""

from absl import app, flags

import recipe_flags

flags.DEFINE_integer("blocks", 16, "Residual blocks of the generator (paper: 16).")
flags.DEFINE_integer("sr_width", 64, "Filters of the generator's convolutions (paper: 64).")
flags.DEFINE_integer("lr_drop_step", None, "Step from which the generator's learning rate is a tenth "
                     "(a multiple of --steps_per_epoch; paper: constant for SRResNet, SRGAN's drops after "
                     "10^5 steps).")
FLAGS = flags.FLAGS


def learning_rate_drop():
    """[a callback for --lr_drop_step], or [] without it."""
    if FLAGS.lr_drop_step is None:
        return []
    from ganzoo.callbacks import LearningRateDrop

    if FLAGS.lr_drop_step % FLAGS.steps_per_epoch:
        raise ValueError(f"--lr_drop_step ({FLAGS.lr_drop_step}) must be a multiple of --steps_per_epoch "
                         f"({FLAGS.steps_per_epoch}).")
    # the flag's rate, else the published one
    return [LearningRateDrop(FLAGS.lr_drop_step // FLAGS.steps_per_epoch, FLAGS.g_learning_rate or 1e-4)]


SR_DATASET = {
    "name": "bsds500_train200", "split": "train (200 images)", "card_license": "other",
    "license": "BSDS500: Berkeley Segmentation Data Set, non-commercial research",
    "description": "the 200 training images of BSDS500 (481x321), random 96x96 crops with their "
                   "24x24 MATLAB-bicubic LR, 8 flips/rotations. The paper trained on 350,000 "
                   "ImageNet images: this set is 1,750x smaller."}
# patches: FID and its kin of 1,000 random 96x96 windows of BSD100 (10 an image; SRGAN's training crop
# size), upscaled against the true ones, the perceptual side that PSNR misses
SR_EVALUATION = {"n_samples": 1, "seed": 0, "super_resolution": {
    "benchmarks": ["Set5", "Set14", "BSD100"], "shave": 4,
    "patches": {"benchmark": "BSD100", "size": 96, "per_image": 10, "seed": 0}}}
SR_LIMITATIONS = (
    "Trained on 200 photographs on a CPU for a tiny fraction of the paper's 10^6 steps: expect "
    "lower PSNR than the paper's SRResNet. Made for MATLAB-bicubic x4 downscaling: LR images "
    "degraded otherwise (blur, noise, JPEG) are out of distribution. BSDS500 images are for "
    "non-commercial research.")


def load_crops(data_dir, source):
    del source  # the SR data has no TFDS copy here: the local tar is read
    from ganzoo import superres

    return superres.CropStream(superres.load_training_images(data_dir), crop=96)


def preview_crops(data_dir, source):
    """24x24 LR crops from the centres of Set14's images: what the sample grids upscale."""
    del source
    from ganzoo import superres

    crops = []
    for _, low_res, _ in superres.load_benchmark("Set14", data_dir):
        y, x = low_res.shape[0] // 2 - 12, low_res.shape[1] // 2 - 12
        crops.append(low_res[y : y + 24, x : x + 24])
    import numpy as np

    return np.stack(crops[:16])


def sr_config():
    return {"scale": 4, "blocks": FLAGS.blocks, "width": FLAGS.sr_width, "crop": 96}


def main(argv):
    del argv
    recipe_flags.run(
        "srresnet_x4", "srresnet", sr_config(), load_crops, steps=100000, batch_size=16,
        callbacks=learning_rate_drop(), generator_only=True, preview_inputs=preview_crops,
        evaluation=SR_EVALUATION, dataset=SR_DATASET,
        description="SRResNet (Ledig et al. 2017): 16 residual blocks, two sub-pixel x2 upsamplers, "
                    "trained on the pixel MSE; upscale(images) takes uint8 RGB of any size and "
                    "returns it 4x larger.",
        limitations=SR_LIMITATIONS)


if __name__ == "__main__":
    app.run(main)
