"""What each control of an entry's page runs, with the command line's own checks and steps
(ganzoo.cli), so that the page and `ganzoo sample | style-mix | translate | upscale | inpaint | edit`
refuse the same input with the same message. Form fields are text, as on the command line.

Each action returns a Result: the pictures to show (before and after where there is a before) and
which of them the download link gives. Requests are bounded (MAX_IMAGES, MAX_UPSCALE_PIXELS) so that
one never holds its model for long; the command line has no such limits.
"""

import argparse
import dataclasses

from ganzoo import cli
from ganzoo.serve.controls import controls

MAX_IMAGES = 256  # images one sampling request draws
MAX_UPSCALE_PIXELS = 512 * 512  # of the image to upscale: about a minute on a 2-core CPU


@dataclasses.dataclass
class Result:
    pictures: list  # (label, uint8 HWC image, enlargement) each
    download: int  # the index of the picture the download link gives
    file_name: str  # its name
    note: str = ""


def text(form, key):
    """A form field's text, None when it is absent or blank (an option not given)."""
    value = form.get(key, "").strip()
    return value or None


def whole_number(form, key, parse):
    """A form field parsed with the command line's argparse type, its message prefixed with the field."""
    value = text(form, key)
    try:
        return None if value is None else parse(value)
    except argparse.ArgumentTypeError as e:
        raise ValueError(f"{key}: {e}.") from None


def number(form, key):
    value = text(form, key)
    try:
        return None if value is None else float(value)
    except ValueError:
        raise ValueError(f"{key}: expected a number, got {value!r}.") from None


def sample(name, entry, form, uploads, models):
    """A grid as `ganzoo sample` draws it: n, seed, labels (cgan), codes (infogan), captions (one per
    line; gan_cls), truncation (stylegan_lite), jacobian_truncation (gan, dcgan, lsgan, wgan_gp)."""
    captions = [line.strip() for line in form.get("captions", "").splitlines() if line.strip()] or None
    args = argparse.Namespace(n=whole_number(form, "n", cli._positive_int),
                              seed=whole_number(form, "seed", cli._non_negative_int),
                              labels=text(form, "labels"), codes=text(form, "codes"), caption=captions,
                              truncation=number(form, "truncation"),
                              jacobian_truncation=number(form, "jacobian_truncation"))
    cli._check_sample_conditions(args)
    default_rows = controls(name, entry).get("captions") or [None]  # a text-to-image entry's own captions
    rows = len(captions or [v for v in (args.labels or args.codes or "").split(",") if v.strip()] or default_rows)
    if (args.n or 16) * rows > MAX_IMAGES:
        asked = f"{args.n or 16} x {rows} rows" if rows > 1 else args.n
        raise ValueError(f"The page draws at most {MAX_IMAGES} images at a time ({asked} asked): ask for fewer, "
                         f"or run `ganzoo sample {name} -n N`.")
    with models.use(name) as model:
        picture, count, scale = cli._sample_grid(model, name, args)
    seed = "random seed" if args.seed is None else f"seed {args.seed}"
    return Result([(f"{count} samples, {seed}", picture, scale)], 0,
                  f"{name}_seed{args.seed}.png" if args.seed is not None else f"{name}.png")


def style_mix(name, entry, form, uploads, models):
    """The mixing grid of `ganzoo style-mix`: rows and cols (seeds), layers (a range), truncation."""
    args = argparse.Namespace(rows=text(form, "rows") or "1,2,3", cols=text(form, "cols") or "4,5,6,7",
                              layers=text(form, "layers"), truncation=number(form, "truncation"))
    if args.truncation is None:
        args.truncation = 1.0  # as `ganzoo style-mix`
    seeds = cli._seed_list(args.rows, "rows") + cli._seed_list(args.cols, "cols")
    if len(seeds) > 16:
        raise ValueError(f"The page mixes at most 16 seeds in all, got {len(seeds)}: "
                         f"`ganzoo style-mix {name}` takes more.")
    with models.use(name) as model:
        grid = cli._style_mix_grid(model, name, args)
    return Result([("top row: the columns' seeds; left column: the rows' seeds", grid, 2)], 0,
                  f"{name}_style_mix.png")


def fitted(file_name, image, shape):
    """A note when the model saw the image resized and cropped."""
    if image.shape[:2] == tuple(shape[:2]):
        return ""
    return (f"{file_name} ({image.shape[1]}x{image.shape[0]}) was fitted to {shape[1]}x{shape[0]}: "
            "short side scaled, then a centre crop.")


def translate(name, entry, form, uploads, models):
    """`ganzoo translate`: an uploaded image, and a direction (a2b, b2a) for cyclegan and discogan."""
    direction = text(form, "direction")
    two_way = cli._check_translation(name, entry["family"], direction)
    image, file_name = uploads.image("image")
    with models.use(name) as model:
        source, output = cli._translation(model, image, two_way, direction)
        shape = model.source_shape
    return Result([("input, as the model saw it", source, 1), ("translation", output, 1)], 1,
                  f"{name}_{file_name.rsplit('.', 1)[0]}.png", fitted(file_name, image, shape))


def upscale(name, entry, form, uploads, models):
    """`ganzoo upscale`: an uploaded image of at most MAX_UPSCALE_PIXELS pixels."""
    cli._check_upscaling(name, entry["family"])
    image, file_name = uploads.image("image")
    height, width = image.shape[:2]
    if height * width > MAX_UPSCALE_PIXELS:
        raise ValueError(f"{file_name} is {width}x{height} pixels; the page upscales images of at most "
                         f"{MAX_UPSCALE_PIXELS} pixels (e.g. 512x512), so that a request stays short: crop it, "
                         f"or run `ganzoo upscale {name} {file_name} -o out.png`, which takes any size.")
    image = cli._channels_for(image, 3)
    with models.use(name) as model:
        output = model.upscale(image)
    return Result([(f"input, {width}x{height}", image, 1),
                   (f"x{output.shape[0] // height}, {output.shape[1]}x{output.shape[0]}", output, 1)], 1,
                  f"{name}_{file_name.rsplit('.', 1)[0]}.png")


def inpaint(name, entry, form, uploads, models):
    """`ganzoo inpaint`: an uploaded image and its hole, a mask file (white = missing; the page sends
    the one drawn on the image as a file too) or a box x,y,w,h."""
    mask, box = uploads.path("mask"), text(form, "box")
    cli._check_inpainting(name, entry["family"], mask, box)
    image, file_name = uploads.image("image")
    hole = cli._hole_of(mask, box, entry["config"], resize=True)
    with models.use(name) as model:
        shown, filled = cli._inpainting(model, image, hole)
        shape = model.image_shape
    return Result([("input, the hole white", shown, 1), ("filled", filled, 1)], 1,
                  f"{name}_{file_name.rsplit('.', 1)[0]}.png", fitted(file_name, image, shape))


def edit(name, entry, form, uploads, models):
    """`ganzoo edit`: an uploaded face and its edits, set=NAME=0|1 fields (as --set), or grid=on for every edit."""
    grid = form.get("grid") == "on"
    settings = [setting for setting in form.getlist("set") if setting.strip()]  # "keep" sends nothing
    targets = cli._edit_targets(name, entry, settings, grid)
    image, file_name = uploads.image("image", "a face")
    with models.use(name) as model:
        face = cli._model_input(image, model.image_shape)
        output = model.edit_grid(face) if grid else model.edit(face, **targets)
    edits = "every edit" if grid else ", ".join(f"{key}={value}" for key, value in targets.items())
    return Result([("input, as the model saw it", face, 1), (edits, output, 1)], 1,
                  f"{name}_{file_name.rsplit('.', 1)[0]}.png", fitted(file_name, image, face.shape))


ACTIONS = {"sample": sample, "style-mix": style_mix, "translate": translate, "upscale": upscale,
           "inpaint": inpaint, "edit": edit}
