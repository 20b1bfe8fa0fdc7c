"""stargan_celeba: StarGAN editing hair colour (black, blond, brown), sex and age of 64x64 CelebA faces.

The paper's recipe (Choi et al. 2018) at 64 px instead of 128: its networks (6 residual blocks,
width 64; D down to a 2x2 map, so one stride-2 layer fewer), Wasserstein loss with gradient penalty
(10), classification (1) and reconstruction (10) terms, 5 D steps per G step, Adam(1e-4, 0.5, 0.999)
at batch 16, and the learning rate constant for the first half of the steps, then linearly to 0.
The paper's 200,000 iterations are D steps: 40,000 G steps here. The training faces are the first
9,000 with their five attributes as the file gives them; targets are the batch's attribute vectors in
a random order, with one hair colour drawn for the 42% of faces that have none of the three (or two).
The grids edit 8 held-out faces (4 young, 4 old: the card's aging picture), with their true attributes.

    python recipes/stargan_celeba.py --export

Not shipped yet (issue 20): at the paper's settings on 9,000 faces and a CPU, G learnt edits that D's
classifier reads and an independent judge does not. The runs since, their settings and numbers are in
docs/stargan_runs.md; the settings that carry the most of them, from step 0 (frozen attribute teachers
alone teach G; G's edit mask; a blur after its transposed convolutions; one critic step at 3 times G's rate):

    python recipes/stargan_celeba.py --stargan_width=32 --stargan_d_steps=1 --steps=30000 \
        --mixed_precision=bfloat16 --augment=translation,cutout --stargan_augment_heads=classifier \
        --stargan_teachers=pooled,layout,layout:0.0627 --stargan_teacher_weight=2 \
        --stargan_teacher_min_accuracy=0.7 --stargan_edit_mask --stargan_upsample_blur \
        --d_learning_rate=3e-4 --stargan_lambda_g_cls=0 --snapshot_every=2000
"""

from absl import app, flags

import recipe_flags
from dcgan_celeba import CELEBA_DATASET

ATTRIBUTES = ["Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young"]
HAIR_GROUP = ATTRIBUTES[:3]

flags.DEFINE_integer("stargan_width", 64, "Filters of G's first layer and D's (paper: 64).")
flags.DEFINE_float("stargan_lambda_g_cls", None, "Weight of D's classifier in G's loss alone (default: "
                   "--stargan_lambda_cls, as the paper; 0 leaves G to the frozen teachers).", lower_bound=0.0)
flags.DEFINE_integer("stargan_blocks", 6, "Residual blocks of G (paper: 6 at 128 px).")
flags.DEFINE_float("stargan_lambda_cls", 1.0, "Weight of the attribute classification terms (paper: 1).",
                   lower_bound=0.0)
flags.DEFINE_enum("stargan_augment_heads", "both", ["both", "classifier", "classifier_and_edits"],
                  "With --augment: DiffAugment before both of D's heads, augmented real faces for its attribute "
                  "classifier only, or those and G's edits augmented for its classification term.")
flags.DEFINE_bool("stargan_edit_mask", False, "G draws a mask beside its image and keeps the input's pixels where "
                  "the mask is 0 (GANimation's attention; not in the paper). With --init_snapshot of a run without "
                  "one, the mask starts nearly 1 everywhere: that run's G.")
flags.DEFINE_float("stargan_lambda_mask_tv", 1e-5, "With --stargan_edit_mask: weight of the mask's total variation "
                   "(GANimation: 1e-5).", lower_bound=0.0)
flags.DEFINE_float("stargan_lambda_mask_decided", 0.0, "With --stargan_edit_mask: weight of the mask's mean "
                   "m (1 - m), which pushes it to 0 or 1 (0: off).", lower_bound=0.0)
flags.DEFINE_bool("stargan_upsample_blur", False, "A fixed [1, 2, 1] blur after each of G's transposed "
                  "convolutions, against their checkered pattern (not in the paper; adds no weights, so a run "
                  "can go on from a snapshot without it via --init_snapshot).")
flags.DEFINE_bool("stargan_reconstruction_through_mask_only", False, "With --stargan_edit_mask: the way back's "
                  "L1 reaches the first pass through its mask only (its drawing held constant), so that G has no "
                  "reason to hide a code for the way back in its drawing (not in the paper).")
flags.DEFINE_bool("stargan_resize_upsample", False, "G doubles its maps by nearest neighbours and a 3x3 "
                  "convolution instead of transposed convolutions (no checkered pattern, nothing blurred; not in "
                  "the paper; instead of --stargan_upsample_blur).")
flags.DEFINE_float("stargan_chroma_sigma", 0.0, "Blur the colour (not the brightness) of what G changes by a "
                   "Gaussian of this many pixels, against thin colour fringes (0: off; not in the paper; no weights, "
                   "so a run can go on from a snapshot without it).", lower_bound=0.0)
flags.DEFINE_float("stargan_lambda_kept_colour", 0.0, "Weight of the mean absolute colour (not brightness) that G "
                   "changes in edits that keep the face's hair colour (sex or age alone), against colour blots "
                   "at eyes and mouth (0: off; not in the paper).", lower_bound=0.0)
flags.DEFINE_list("stargan_kept_colour_box", None, "With --stargan_lambda_kept_colour: also the colour every edit "
                  "changes in this box, top,bottom,left,right as fractions of the side (0.43,0.85,0.28,0.72: "
                  "eyes, nose and mouth of CelebA's aligned 64x64 faces, where no hair grows).")
flags.DEFINE_bool("stargan_local_critic", False, "A second real/fake head on D's 8x8 map (each logit sees about "
                  "38 px), which judges texture where it is; not in the paper. With --init_snapshot of a run "
                  "without one, the head starts fresh.")
flags.DEFINE_bool("stargan_detail_critic", False, "A real/fake head of D with layers of its own reading only the "
                  "faces' fine brightness detail and colour, against bands and colour fringes; not in the paper. With "
                  "--init_snapshot of a run without it, its layers start fresh.")
flags.DEFINE_integer("stargan_d_steps", 5, "Critic steps per generator step (paper: 5).", lower_bound=1)
flags.DEFINE_enum("stargan_critic_batches", "fresh", ["fresh", "shared"], "Each critic step on its own batch "
                  "(the authors' code: a step reads --stargan_d_steps batches), or all of them on one.")
flags.DEFINE_float("stargan_teacher_weight", 0.0, "Weight of frozen attribute classifiers' reading of G's edits "
                   "in G's loss (0: none, as the paper). Each is trained first on the training faces and kept in the "
                   "run folder (attribute_teacher_KIND.weights.h5) for resumed legs.", lower_bound=0.0)
flags.DEFINE_list("stargan_teachers", ["pooled"], "Those classifiers, comma-separated: pooled, layout, "
                  "pooled_luma, layout_luma or coarse (stargan.build_attribute_teacher; _luma: reads the brightness "
                  "alone; coarse: the face at a quarter of its size), "
                  "each as KIND or KIND:EPSILON for one trained on faces moved by "
                  "at most EPSILON per pixel in [-1, 1] units against its reading (stargan.adversarial_faces), e.g. "
                  "pooled,layout,layout:0.0627; G's term is their mean. A teacher may end in @ATTRIBUTE+ATTRIBUTE to "
                  "teach those alone (instead of what --stargan_colour_teacher_attributes or "
                  "--stargan_luma_teacher_attributes allow its kind), e.g. coarse@Male+Young.")


def teacher_spec(item):
    """'layout' -> ('layout', 0.0, None); 'layout:0.0627' -> ('layout', 0.0627, None);
    'coarse@Male+Young' -> ('coarse', 0.0, ('Male', 'Young')); ValueError otherwise."""
    from ganzoo.families.stargan import parse_teacher

    item, at, attributes = item.partition("@")
    attributes = tuple(attributes.split("+")) if at else None
    if attributes is not None and not set(attributes) <= set(ATTRIBUTES):
        raise ValueError(item)
    return (*parse_teacher(item), attributes)


def _valid_teachers(items):
    try:
        return bool(items) and all(teacher_spec(item) for item in items)
    except ValueError:
        return False


flags.register_validator("stargan_teachers", _valid_teachers, "--stargan_teachers: one or more of pooled, layout, "
                         "pooled_luma, layout_luma, coarse, each optionally :EPSILON with 0 <= EPSILON < 1 and "
                         f"@ATTRIBUTE+ATTRIBUTE of {', '.join(ATTRIBUTES)} (comma-separated), e.g. "
                         "pooled,layout:0.0627,coarse@Male+Young.")
flags.DEFINE_float("stargan_teacher_min_accuracy", 0.0, "Each teacher teaches only the attributes it reads at "
                   "this held-out balanced accuracy or above (its attribute_teacher_*.json); 0: all of them.",
                   lower_bound=0.0, upper_bound=1.0)
def define_attribute_list(name, help_text):
    """A flag naming some of ATTRIBUTES (None: all), refused with the valid names otherwise."""
    flags.DEFINE_list(name, None, help_text)
    flags.register_validator(name, lambda names: names is None or (bool(names) and set(names) <= set(ATTRIBUTES)),
                             f"--{name}: one or more of {', '.join(ATTRIBUTES)}.")


define_attribute_list("stargan_colour_teacher_attributes", "The attributes a teacher that sees colour (not a _luma "
                      "one) may teach, e.g. Black_Hair,Blond_Hair,Brown_Hair to leave sex and age to the _luma "
                      "teachers, so that G cannot pass a colour blot for them (default: all).")
define_attribute_list("stargan_luma_teacher_attributes", "The attributes a _luma teacher may teach, e.g. Male,Young "
                      "(default: all).")
flags.DEFINE_integer("stargan_teacher_epochs", 12, "Passes over the training faces for those classifiers.", lower_bound=1)
flags.DEFINE_integer("stargan_teacher_faces", None, "Train those classifiers on the first N training faces only "
                     "(default: all of them; a small N is for quick checks of the recipe).", lower_bound=1)
FLAGS = flags.FLAGS


def faces_and_attributes(data_dir, source):
    from ganzoo import paired

    return paired.celeba_attributes(ATTRIBUTES, "train", data_dir, source)


def held_out(data_dir, source):
    """The first 4 young and the first 4 old held-out faces: the grids' and the aging picture's."""
    import numpy as np

    from ganzoo import paired

    faces, attributes = paired.celeba_attributes(ATTRIBUTES, "test", data_dir, source)
    young = attributes[:, ATTRIBUTES.index("Young")] == 1
    index = np.concatenate([np.flatnonzero(young)[:4], np.flatnonzero(~young)[:4]])
    return faces[index], attributes[index]


def attribute_teacher(output_dir, kind, epsilon):
    """A frozen classifier of --stargan_teacher_weight: loaded from output_dir, else trained on the
    training faces and saved there with its held-out balanced accuracy (attribute_teacher_KIND.json,
    attribute_teacher_KIND_epsEPSILON.json for an adversarially trained one)."""
    import json

    from ganzoo import paired
    from ganzoo.families.stargan import load_attribute_teacher, teacher_files, train_attribute_teacher
    from ganzoo.images import from_uint8
    from ganzoo.metrics.classifier import balanced_accuracy

    kept = load_attribute_teacher(output_dir, kind, epsilon)
    if kept is not None:
        return kept
    saved, record = teacher_files(output_dir, kind, epsilon)
    faces, attributes = faces_and_attributes(FLAGS.data_dir, FLAGS.source)
    faces, attributes = faces[: FLAGS.stargan_teacher_faces], attributes[: FLAGS.stargan_teacher_faces]  # None: all
    teacher = train_attribute_teacher(faces, attributes,
                                      epochs=FLAGS.stargan_teacher_epochs, seed=FLAGS.seed, kind=kind,
                                      epsilon=epsilon)
    held_out_faces, truth = paired.celeba_attributes(ATTRIBUTES, "test", FLAGS.data_dir, FLAGS.source)
    logits = teacher.predict(from_uint8(held_out_faces), batch_size=250, verbose=0)
    scores = {attribute: round(balanced_accuracy(logits[:, i] > 0, truth[:, i]), 4)
              for i, attribute in enumerate(ATTRIBUTES)}
    print(f"attribute teacher ({record.stem}): held-out balanced accuracy {scores}")
    output_dir.mkdir(parents=True, exist_ok=True)
    teacher.save_weights(saved)
    record.write_text(json.dumps(
        {"epochs": FLAGS.stargan_teacher_epochs, "epsilon": epsilon, "training_faces": len(faces),
         "held_out_balanced_accuracy": scores}, indent=2))
    return teacher, scores


def taught_attributes(scores, min_accuracy, allowed=None):
    """The attributes a teacher with held-out balanced accuracies `scores` teaches: those of `allowed`
    (None: all) read at min_accuracy or above (all of them at 0)."""
    return [attribute for attribute in ATTRIBUTES
            if scores[attribute] >= min_accuracy and (allowed is None or attribute in allowed)]


def main(argv):
    del argv
    callbacks = ()
    if FLAGS.stargan_teacher_weight:
        import keras

        from ganzoo.families.stargan import teacher_label

        teachers, taught = [], []
        for kind, epsilon, allowed in dict.fromkeys(map(teacher_spec, FLAGS.stargan_teachers)):
            teacher, scores = attribute_teacher(recipe_flags.run_folder("stargan_celeba"), kind, epsilon)
            if allowed is None:
                allowed = (FLAGS.stargan_luma_teacher_attributes if kind.endswith("_luma")
                           else FLAGS.stargan_colour_teacher_attributes)
            attributes = taught_attributes(scores, FLAGS.stargan_teacher_min_accuracy, allowed)
            print(f"teacher {teacher_label(kind, epsilon)} teaches {', '.join(attributes) or 'nothing'}")
            if attributes:
                teachers.append(teacher)
                taught.append(attributes)
        if not teachers:
            raise app.UsageError(f"No teacher reads any attribute at --stargan_teacher_min_accuracy="
                                 f"{FLAGS.stargan_teacher_min_accuracy} or above: lower it.")

        class AttachTeachers(keras.callbacks.Callback):  # every leg: the checkpoint does not hold them
            def on_train_begin(self, logs=None):
                self.model.attach_teacher(*teachers, taught=taught)

        callbacks = (AttachTeachers(),)
    recipe_flags.run(
        "stargan_celeba", "stargan",
        {"resolution": 64, "width": FLAGS.stargan_width, "blocks": FLAGS.stargan_blocks, "attributes": ATTRIBUTES,
         "hair_group": HAIR_GROUP, "lambda_cls": FLAGS.stargan_lambda_cls, "lambda_rec": 10.0, "lambda_gp": 10.0,
         "d_steps": FLAGS.stargan_d_steps, "critic_batches": FLAGS.stargan_critic_batches,
         **({"lambda_teacher": FLAGS.stargan_teacher_weight} if FLAGS.stargan_teacher_weight else {}),
         **({} if FLAGS.stargan_lambda_g_cls is None else {"lambda_g_cls": FLAGS.stargan_lambda_g_cls}),
         **({"augment_heads": FLAGS.stargan_augment_heads} if FLAGS.stargan_augment_heads != "both" else {}),
         **({"edit_mask": True, "lambda_mask_tv": FLAGS.stargan_lambda_mask_tv} if FLAGS.stargan_edit_mask else {}),
         **({"lambda_mask_decided": FLAGS.stargan_lambda_mask_decided} if FLAGS.stargan_lambda_mask_decided else {}),
         **({"upsample_blur": True} if FLAGS.stargan_upsample_blur else {}),
         **({"resize_upsample": True} if FLAGS.stargan_resize_upsample else {}),
         **({"chroma_sigma": FLAGS.stargan_chroma_sigma} if FLAGS.stargan_chroma_sigma else {}),
         **({"lambda_kept_colour": FLAGS.stargan_lambda_kept_colour} if FLAGS.stargan_lambda_kept_colour else {}),
         **({"kept_colour_box": FLAGS.stargan_kept_colour_box} if FLAGS.stargan_kept_colour_box else {}),
         **({"local_critic": True} if FLAGS.stargan_local_critic else {}),
         **({"detail_critic": True} if FLAGS.stargan_detail_critic else {}),
         **({"reconstruction_through_mask_only": True} if FLAGS.stargan_reconstruction_through_mask_only else {})},
        faces_and_attributes, steps=40000, batch_size=16, generator_only=True, preview_inputs=held_out,
        compile_kwargs={"total_steps": lambda steps: steps}, callbacks=callbacks,
        # `ganzoo evaluate` (evaluate._attribute_edits): each edit and direction on the 1,000 held-out faces
        # read by an attribute judge trained on real faces, identity kept, FID; black to blond scored as
        # the CycleGAN entry is, on the same faces and judge; and an edit that changes nothing.
        evaluation={"n_samples": 1000, "seed": 0,
                    "translation": {"edits": {"classifier": "classifier_celeba_attributes"},
                                    "black2blond": {"a": "Black_Hair", "b": "Blond_Hair",
                                                    "classifier": "classifier_celeba_hair"},
                                    "reconstruction": True}},
        dataset=CELEBA_DATASET,
        description="StarGAN (Choi et al. 2018): one generator that edits hair colour (black, blond, brown), sex "
                    "and age of 64x64 CelebA faces, with a PatchGAN critic that also classifies the attributes; "
                    "Wasserstein loss with gradient penalty, classification and reconstruction terms; "
                    "edit(faces, Blond_Hair=1) or `ganzoo edit NAME face.png --set Blond_Hair=1`.",
        limitations="Trained on 9,000 faces (4.4% of CelebA) at 64x64, aligned and cropped as CelebA's are: "
                    "other photographs need the same framing. Only the five attributes are edited, and only as "
                    "CelebA's annotators labelled them (Male and Young as binary labels). CelebA's celebrities skew "
                    "young and light-skinned; edits inherit that bias. Non-commercial research use only, as "
                    "CelebA's terms require.")


if __name__ == "__main__":
    app.run(main)
