"""stackgan_celeba_captions: StackGAN text to image on CelebA faces and captions made from their
attributes, in two runs as in the paper.

    python recipes/stackgan_celeba_captions.py --stage=1                  # Stage I: 32x32 faces
    python recipes/stackgan_celeba_captions.py --stage=2 --export         # Stage II: 64x64, Stage I frozen

Stage I pre-trains the text encoder as gan_cls_celeba_captions does (kept beside its run); Stage
II starts from the Stage I run's checkpoint (--stage1_dir) and exports the two-stage model.

The first Stage II run to 20,000 steps (2026-12-02, bfloat16, Stage I at 20,000 steps) was not
shipped: its grids followed the captions with varied faces up to about step 14,000, then D won
(d_loss 0.03-0.06, g_loss 7-8) and the faces lost their variety and filled with texture by 16,800.
Its backup kept only the last step, so the next run keeps a snapshot every 1,000 steps, stops at
16,000, and exports the snapshot that measures best (scripts/checkpoint_fid.py --step, and the grids):
    python recipes/stackgan_celeba_captions.py --stage=2 --mixed_precision=bfloat16 --steps=16000 \
        --snapshot_every=1000 --output_dir=runs/stackgan_celeba_captions_stage2_snapshots
    python recipes/stackgan_celeba_captions.py ...(the same)... --export --export_snapshot=STEP
That second run (2026-12-03) collapsed earlier, from about step 10,000 (stopped at 11,600), and its
best snapshot was not shipped either: FID of 1,000 samples (`scripts/checkpoint_fid.py --step=S -n 1000`)
71.5, 70.9, 69.6, 73.2, 103.3, 136.9 at steps 4,060 to 9,100, recall at most 0.03, against the
one-stage gan_cls_celeba_captions' 50.7 and 0.085. The third run holds D back with DiffAugment
(never colour: the captions name hair colour), in legs across sessions:
    python recipes/stackgan_celeba_captions.py --stage=2 --mixed_precision=bfloat16 --steps=16000 \
        --snapshot_every=1000 --augment=translation,cutout --output_dir=runs/stackgan_celeba_captions_stage2_augment
FID of 1,000 samples at steps 4,060 / 6,020 / 7,000 / 8,120 / 9,100 / 10,080 / 11,060 / 12,040 / 13,020 / 14,000 /
15,120 / 16,100: 91.6 / 77.3 / 75.6 / 71.0 / 64.8 / 62.5 / 60.4 / 59.3 / 54.9 / 53.1 / 52.7 / 50.5, recall 0.021 / 0.033 /
0.024 / 0.027 / 0.075 / 0.095 / 0.094 / 0.084 / 0.088 / 0.106 / 0.108 / 0.165, d_loss 0.6-0.85 throughout (no collapse):
slower at first, then past the plain runs' best. Its step 16,100 shipped first (2026-12-03); the same run then went
on with --steps=20000 (the learning rate is constant: the flag only sets where it stops): 17,080 / 18,060 / 19,040 /
20,020: 50.4 / 49.5 / 48.3 / 46.4, recall 0.130 / 0.181 / 0.177 / 0.195, and step 20,020 replaced it:
    python recipes/stackgan_celeba_captions.py --stage=2 --mixed_precision=bfloat16 --steps=20000 \
        --snapshot_every=1000 --augment=translation,cutout --output_dir=runs/stackgan_celeba_captions_stage2_augment --export
"""

from pathlib import Path

from absl import app, flags

import recipe_flags
from dcgan_celeba import CELEBA_DATASET, CELEBA_LIMITATIONS
from gan_cls_celeba_captions import CAPTION_EVALUATION, faces_and_captions, pretrain_text_encoder

flags.DEFINE_enum("stage", "1", ["1", "2"], "Which stage this run trains.")
flags.DEFINE_integer("stackgan_width", 32, "Filters of the networks' widest-resolution layers.")
flags.DEFINE_string("stage1_dir", None, "Stage II: the Stage I run's output folder (default runs/stackgan_celeba_captions_stage1).")
FLAGS = flags.FLAGS


def config(stage):
    return {"resolution": 64, "stage1_resolution": 32, "channels": 3, "width": FLAGS.stackgan_width,
            "latent_dim": 100, "embedding_dim": 128, "text_width": 128, "condition_dim": 128, "kl_weight": 1.0,
            "residual_blocks": 2, "training_stage": stage, "ema_decay": 0.999}


def main(argv):
    del argv
    stage = int(FLAGS.stage)
    if stage == 1 and FLAGS.export:
        raise SystemExit("stackgan_celeba_captions: the entry is the two-stage model: export the --stage=2 run.")
    name = f"stackgan_celeba_captions_stage{stage}"
    output_dir = Path(FLAGS.output_dir or recipe_flags.REPO_ROOT / "runs" / name)
    resolution = 32 if stage == 1 else 64

    def load(data_dir, source):
        return faces_and_captions("train", data_dir, source, resolution)

    if stage == 1:
        initialize = pretrain_text_encoder(output_dir)
    else:
        def initialize(model):
            from ganzoo import training

            stage1, step = training.load_checkpoint(FLAGS.stage1_dir or recipe_flags.REPO_ROOT / "runs" /
                                                    "stackgan_celeba_captions_stage1")
            model.load_stage1(stage1)
            print(f"Stage I from its checkpoint at step {step}")
    recipe_flags.run(
        "stackgan_celeba_captions", "stackgan", config(stage), load, steps=20000, batch_size=64, initialize=initialize,
        # both stages' networks are 26 MB in float32, above an entry's 25 MB: stored as float16 (13 MB)
        weights_dtype="float16",
        evaluation=CAPTION_EVALUATION, dataset=CELEBA_DATASET, run_dir=output_dir,
        description="StackGAN (Zhang et al. 2017): conditioning augmentation, Stage I at 32x32 and Stage II at 64x64, "
                    "matching-aware discriminators, a frozen text encoder pre-trained as a joint image-text embedding; "
                    "64x64 CelebA faces from English captions built from their attributes; "
                    "sample(n, captions=[...], return_stages=True).",
        limitations=CELEBA_LIMITATIONS + " Captions use a 75-word vocabulary of CelebA attributes.")


if __name__ == "__main__":
    app.run(main)
