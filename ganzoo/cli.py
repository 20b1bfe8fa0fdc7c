"""The `ganzoo` command: list, info, sample, style-mix, translate, edit, inpaint, upscale, evaluate, train,
finetune.

Bad input exits with status 2 and one line on stderr that says what to do. The backend's
start-up chatter (TensorFlow's C++ log lines, Python warnings) stays off stderr unless
--verbose is given, so that the one line is the only line.
"""

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path


def _int_at_least(minimum, words):
    """An argparse type: an integer >= minimum, with a one-line error naming `words`."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {words} integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a {words} integer, got {value}")
        return value

    return parse


_positive_int = _int_at_least(1, "positive")
_non_negative_int = _int_at_least(0, "non-negative")


def cmd_list(args):
    from ganzoo import zoo

    names = zoo.list_models(args.pattern)
    if not names:
        raise ValueError(f"No zoo entry matches {args.pattern!r}; `ganzoo list` shows them all.")
    entries = zoo.read_manifest()["models"]
    rows = [(name, entries[name]["family"], entries[name]["dataset"]["name"]) for name in names]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]  # every column as wide as its longest
    for name, family, dataset in rows:
        print(f"{name:<{widths[0]}}  {family:<{widths[1]}}  {dataset}")


def cmd_info(args):
    from ganzoo import zoo

    entry = zoo.get_entry(args.name)
    if args.json:
        print(json.dumps(entry, indent=2))
        return
    print(f"{args.name}: {entry['description']}")
    print(f"  family:   {entry['family']}  config: {json.dumps(entry['config'])}")
    print(f"  dataset:  {entry['dataset']['name']} ({entry['dataset']['license']})")
    print(f"  hub:      {entry['hub']['repo_id']}@{entry['hub']['revision']}")
    print(f"  recipe:   {entry['command']}")
    size = sum(f["size"] for f in entry["files"])
    print(f"  files:    {', '.join(f['path'] for f in entry['files'])} ({size / 1e6:.1f} MB)")
    for metric, record in entry["metrics"].items():
        print(f"  {metric}: {record['value']}  ({record['command']})")


def _rows_of(model, name, args):
    """(sample() keyword, images per row, image count) for --labels / --codes: a row per value."""
    text, keyword = (args.labels, "labels") if args.labels is not None else (args.codes, "codes")
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        raise ValueError(f"--{keyword} needs comma-separated values, e.g. --{keyword} 0,1,2.")
    per_row = args.n or 8
    if keyword == "labels":
        if not hasattr(model, "class_ids"):
            raise ValueError(f"{name} is not class-conditional: --labels needs a cgan entry.")
        # names and digit strings alike: the model's class_ids resolves both
        return {"labels": [v for v in values for _ in range(per_row)]}, per_row, per_row * len(values)
    if not hasattr(model, "num_categories"):
        raise ValueError(f"{name} has no categorical code: --codes needs an infogan entry.")
    try:
        ids = [int(v) for v in values]
    except ValueError:
        raise ValueError(f"--codes takes category ids 0..{model.num_categories - 1}, got {text!r}.") from None
    return {"codes": {"category": [i for i in ids for _ in range(per_row)]}}, per_row, per_row * len(ids)


def _check_png_output(path):
    """Commands write PNG only, somewhere they can: refuse other names, a missing or read-only
    folder, or a folder named like the file, before any model loads (minutes, for large inputs)."""
    import tempfile

    if not path.lower().endswith(".png"):
        raise ValueError(f"--output must be a .png file, got {path!r}.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.exists(folder):
        raise ValueError(f"--output {path!r}: the folder {folder} does not exist; create it first.")
    if not os.path.isdir(folder):
        raise ValueError(f"--output {path!r}: {folder} is a file, not a folder.")
    if os.path.isdir(path):
        raise ValueError(f"--output {path!r} is a folder; give a file name such as {os.path.join(path, 'out.png')}.")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise ValueError(f"--output {path!r} exists and cannot be overwritten (no write permission).")
    try:  # a real write, so that read-only file systems and root's permissions are judged too
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".ganzoo-write-test-")
        os.close(fd)
        os.remove(probe)
    except OSError as e:
        raise ValueError(f"--output {path!r}: cannot write into {folder} ({e.strerror or e}).") from None


def cmd_sample(args):
    import ganzoo
    from ganzoo import images

    _check_png_output(args.output)
    _check_sample_conditions(args)
    model = ganzoo.load(args.name, weights_dir=args.weights_dir)
    picture, count, scale = _sample_grid(model, args.name, args)
    images.save_png(picture, args.output, scale=args.scale or scale)
    print(f"wrote {count} samples of {args.name} to {args.output}")


def _check_sample_conditions(args):
    """--labels (cgan) or --codes (infogan), not both: checked before any model loads."""
    if args.labels is not None and args.codes is not None:
        raise ValueError("give --labels (cgan) or --codes (infogan), not both.")


# the families whose sample() is GAN.sample: z alone in, so a latent can be rejected on G's Jacobian
JACOBIAN_TRUNCATION_FAMILIES = ("gan", "dcgan", "lsgan", "wgan_gp")


def _sample_grid(model, name, args):
    """(grid picture, image count, default enlargement: each image ~128 px) of what `ganzoo sample`
    draws for args.n, seed, labels, codes, caption and truncation; `ganzoo serve` draws the same."""
    from ganzoo import images

    if args.truncation is not None and model.family != "stylegan_lite":
        raise ValueError(f"--truncation is for stylegan_lite entries; {name} is a {model.family} model.")
    jacobian = getattr(args, "jacobian_truncation", None)
    if jacobian is not None and model.family not in JACOBIAN_TRUNCATION_FAMILIES:
        raise ValueError(f"--jacobian-truncation is for entries that sample from noise alone "
                         f"({', '.join(JACOBIAN_TRUNCATION_FAMILIES)}); {name} is a {model.family} model.")
    text_to_image = hasattr(model, "text_encoder")
    if args.caption is not None and not text_to_image:
        raise ValueError(f"--caption is for text-to-image entries (gan_cls); {name} is a {model.family} model.")
    if text_to_image:  # one row per caption (the family's examples unless given), -n per row
        per_caption = args.n or 8
        batch, cols = model.sample(per_caption, captions=args.caption, seed=args.seed), per_caption
    elif args.labels is None and args.codes is None:
        truncation = {} if args.truncation is None else {"truncation": args.truncation}
        if jacobian is not None:
            truncation["jacobian_truncation"] = jacobian
        batch, cols = model.sample(args.n or 16, seed=args.seed, **truncation), None
    else:
        condition, cols, count = _rows_of(model, name, args)
        batch = model.sample(count, seed=args.seed, **condition)
    return images.grid(batch, cols=cols), len(batch), max(1, 128 // batch.shape[1])


def _seed_list(text, what):
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{what} must be comma-separated non-negative ints, got {text!r}.") from None
    if not values or min(values) < 0:
        raise ValueError(f"{what} must be comma-separated non-negative ints, got {text!r}.")
    return values


def cmd_style_mix(args):
    import ganzoo
    from ganzoo import images

    _check_png_output(args.output)
    model = ganzoo.load(args.name, weights_dir=args.weights_dir)
    images.save_png(_style_mix_grid(model, args.name, args), args.output, scale=args.scale)
    print(f"wrote the style-mixing grid of {args.name} to {args.output}")


def _style_mix_grid(model, name, args):
    """The mixing grid of `ganzoo style-mix` (and `ganzoo serve`) for args.rows, cols, layers, truncation."""
    if not hasattr(model, "style_mix"):
        raise ValueError(f"{name} is a {model.family} model: style mixing needs a stylegan_lite entry.")
    layers = None
    if args.layers is not None:
        low, _, high = args.layers.partition("-")
        try:
            layers = list(range(int(low), int(high or low) + 1))
        except ValueError:
            raise ValueError(f"--layers must be a range like 0-3 (or one index), got {args.layers!r}.") from None
    return model.style_mix(_seed_list(args.rows, "--rows"), _seed_list(args.cols, "--cols"), layers=layers,
                           truncation=args.truncation)


def _channels_for(image, channels):
    """A loaded HWC image with the model's channel count: colour files made grey, grey ones RGB."""
    from ganzoo import paired

    if image.shape[-1] == channels:
        return image
    if channels == 1:
        return paired.grayscale(image[None])[0]
    return image.repeat(channels, axis=-1) if image.shape[-1] == 1 else image


def _model_input(image, shape):
    """A loaded HWC image as the model takes it: its channel count, short side to its size, centre crop."""
    from ganzoo import images

    return images.input_batch(_channels_for(image, shape[-1]), shape, resize=True)[0][0]


def _check_translation(name, family, direction):
    """`ganzoo translate`'s checks before any model loads (`ganzoo serve` makes them too); whether the
    family translates both ways (direction a2b or b2a)."""
    from ganzoo.families import get_family

    if not hasattr(get_family(family), "translate"):
        raise ValueError(f"{name} is a {family} model: it samples images, it does not translate them; "
                         f"try `ganzoo sample {name}`.")
    two_way = family in ("cyclegan", "discogan")
    if direction is not None and not two_way:
        raise ValueError(f"--direction is for cyclegan and discogan entries; {name} ({family}) translates "
                         "one way only.")
    return two_way


def _translation(model, image, two_way, direction):
    """(the image as the model sees it, its translation); a two-way entry goes `direction` (default a2b)."""
    source = _model_input(image, model.source_shape)
    return source, model.translate(source, **({"direction": direction or "a2b"} if two_way else {}))


def cmd_translate(args):
    import ganzoo
    from ganzoo import images, zoo
    from ganzoo.core.translation import side_by_side

    _check_png_output(args.output)
    two_way = _check_translation(args.name, zoo.describe(args.name)["family"], args.direction)
    image = images.load_image(args.input)
    model = ganzoo.load(args.name, weights_dir=args.weights_dir)
    height, width, _ = model.source_shape
    if image.shape[:2] != (height, width) and not args.resize:
        raise ValueError(f"{args.input} is {image.shape[1]}x{image.shape[0]} pixels; {args.name} translates "
                         f"{width}x{height} images: add --resize to resize it (short side, then a centre crop).")
    source, output = _translation(model, image, two_way, args.direction)
    picture = output if args.output_only else images.grid(side_by_side(source[None], output[None])[0], cols=2)
    # like `sample`: each image enlarged to ~128 px unless --scale says otherwise; --output-only
    # keeps the model's size by default (the pixels translate() returns)
    scale = args.scale or (1 if args.output_only else max(1, 128 // height))
    images.save_png(picture, args.output, scale=scale)
    print(f"wrote the translation of {args.input} by {args.name} to {args.output}")


def _read_mask(path, size, resize):
    """A mask file (PNG/JPEG; white or any non-zero grey = missing) as (size, size) uint8 0/1; with
    resize, brought to the model's size as the image is (short side, centre crop; nearest pixels)."""
    import numpy as np

    from ganzoo import images

    mask = images.load_image(path)[..., :1]  # grey (any colour file: its first channel)
    if mask.shape[:2] != (size, size):
        if not resize:
            raise ValueError(f"the mask {path} is {mask.shape[1]}x{mask.shape[0]} pixels; the image is fitted to "
                             f"{size}x{size}: give a mask of that size, or add --resize to fit both alike.")
        mask = images.resize_square(mask, size, nearest=True)
    return (mask[..., 0] > 127).astype(np.uint8)


def _check_inpainting(name, family, mask, box):
    """`ganzoo inpaint`'s checks before any image is read (`ganzoo serve` makes them too)."""
    from ganzoo.families import get_family

    if not hasattr(get_family(family), "inpaint"):
        raise ValueError(f"{name} is a {family} model: it does not fill holes; `ganzoo list` shows the "
                         "inpainting entries (family inpaint).")
    if (mask is None) == (box is None):
        raise ValueError("say where the hole is: --mask MASK.png (white = missing) or --box x,y,w,h, one of them.")


def _hole_of(mask, box, config, resize):
    """The (size, size) 0/1 hole of a --mask file or a --box, checked before the model loads."""
    from ganzoo import masks

    size = config["resolution"]
    hole = masks.from_box(box, size) if box else _read_mask(mask, size, resize)
    masks.check_masks(hole, (1, size, size, config["channels"]))
    return hole


def _inpainting(model, image, hole):
    """(the image as the model sees it with its hole shown white, the image with the hole filled)."""
    import numpy as np

    face = _model_input(image, model.image_shape)
    filled = model.inpaint(face, hole)
    return np.where(hole[..., None].astype(bool), np.uint8(255), face), filled


def cmd_inpaint(args):
    import numpy as np

    import ganzoo
    from ganzoo import images, zoo

    _check_png_output(args.output)
    described = zoo.describe(args.name)  # once: for hf:// names it reads the downloaded folder
    family, config = described["family"], described["config"]
    _check_inpainting(args.name, family, args.mask, args.box)
    image = images.load_image(args.input)
    size = config["resolution"]
    if image.shape[:2] != (size, size) and not args.resize:
        raise ValueError(f"{args.input} is {image.shape[1]}x{image.shape[0]} pixels; {args.name} fills {size}x{size} "
                         "images: add --resize to resize it (short side, then a centre crop; a --mask file alike).")
    hole = _hole_of(args.mask, args.box, config, args.resize)
    model = ganzoo.load(args.name, weights_dir=args.weights_dir)
    shown, filled = _inpainting(model, image, hole)
    picture = filled if args.output_only else images.grid(np.stack([shown, filled]), cols=2)
    scale = args.scale or (1 if args.output_only else max(1, 128 // size))
    images.save_png(picture, args.output, scale=scale)
    print(f"wrote {args.input} with its {int(hole.sum())} missing pixels filled by {args.name} to {args.output}"
          + ("" if args.output_only else " (the hole shown white, beside the filled image)"))


def _attribute_settings(settings):
    """{name: 0 or 1} from --set NAME=VALUE options."""
    targets = {}
    for setting in settings or []:
        name, sep, value = setting.partition("=")
        if not sep or not name.strip() or value.strip() not in ("0", "1"):
            raise ValueError(f"--set takes NAME=0 or NAME=1 (e.g. --set Blond_Hair=1), got {setting!r}.")
        targets[name.strip()] = int(value)
    return targets


def _edit_targets(name, entry, settings, grid):
    """{attribute: 0 or 1} of --set NAME=VALUE options, checked against the entry's config before the
    model loads (`ganzoo serve` checks its edits here too); `grid`: every edit instead."""
    from ganzoo.families import get_family

    if not hasattr(get_family(entry["family"]), "edit"):
        raise ValueError(f"{name} is a {entry['family']} model: it does not edit attributes; "
                         "`ganzoo list` shows the stargan entries.")
    targets = _attribute_settings(settings)
    if grid and targets:
        raise ValueError("give the edits with --set NAME=0|1, or --grid for every edit, not both.")
    if not grid and not targets:
        raise ValueError("say what to change: --set NAME=0|1 (e.g. --set Blond_Hair=1), or --grid for every edit.")
    from ganzoo.families.stargan import ATTRIBUTES, HAIR_GROUP, check_targets

    check_targets(targets, entry["config"].get("attributes", ATTRIBUTES), entry["config"].get("hair_group", HAIR_GROUP))
    return targets


def cmd_edit(args):
    import ganzoo
    from ganzoo import images, zoo
    from ganzoo.core.translation import side_by_side

    _check_png_output(args.output)
    targets = _edit_targets(args.name, zoo.describe(args.name), args.set, args.grid)
    image = _channels_for(images.load_image(args.input), 3)
    model = ganzoo.load(args.name, weights_dir=args.weights_dir)
    height, width, _ = model.image_shape
    if image.shape[:2] != (height, width) and not args.resize:
        raise ValueError(f"{args.input} is {image.shape[1]}x{image.shape[0]} pixels; {args.name} edits "
                         f"{width}x{height} faces: add --resize to resize it (short side, then a centre crop).")
    face = _model_input(image, model.image_shape)
    if args.grid:
        picture = model.edit_grid(face)
    else:
        output = model.edit(face, **targets)
        picture = output if args.output_only else images.grid(side_by_side(face[None], output[None])[0], cols=2)
    # as `translate`: each face enlarged to ~128 px unless --scale says otherwise
    scale = args.scale or (1 if args.output_only else max(1, 128 // height))
    images.save_png(picture, args.output, scale=scale)
    print(f"wrote {'every edit' if args.grid else 'the edit'} of {args.input} by {args.name} to {args.output}")


def _check_upscaling(name, family):
    """`ganzoo upscale`'s check before any model loads (`ganzoo serve` makes it too)."""
    from ganzoo.families import get_family

    if not hasattr(get_family(family), "upscale"):
        raise ValueError(f"{name} is a {family} model: it does not upscale images; "
                         "`ganzoo list` shows the srresnet and srgan entries.")


def cmd_upscale(args):
    import ganzoo
    from ganzoo import images, zoo

    _check_png_output(args.output)
    _check_upscaling(args.name, zoo.describe(args.name)["family"])
    image = _channels_for(images.load_image(args.input), 3)
    model = ganzoo.load(args.name, weights_dir=args.weights_dir)
    with _tile_progress(f"upscaling {args.input}"):
        output = model.upscale(image, tile=args.tile)
    images.save_png(output, args.output)
    print(f"wrote {args.input} ({image.shape[1]}x{image.shape[0]}) upscaled x{model.scale} by {args.name} "
          f"to {args.output} ({output.shape[1]}x{output.shape[0]})")


@contextlib.contextmanager
def _tile_progress(description):
    """Within it, tiled upscaling shows tiles done / total on stderr (a 5000x5000 image takes
    ~20 minutes on a CPU); a single tile shows nothing."""
    from tqdm import tqdm

    from ganzoo import superres

    bar = None

    def report(done, total):
        nonlocal bar
        if total > 1:
            bar = bar or tqdm(total=total, desc=description, unit="tile", file=sys.stderr)
            bar.update(done - bar.n)

    try:
        with superres.tile_progress(report):
            yield
    finally:
        if bar is not None:
            bar.close()


def _check_evaluation_data(entry, metrics):
    """The real images an evaluation compares with: missing ones fail here, in milliseconds and on
    one line, not after minutes of sampling."""
    from ganzoo import data, superres

    evaluation = entry.get("evaluation") or {}
    wanted = [m for m in evaluation if metrics is None or m in metrics]
    if "fid" in wanted:
        reference = evaluation["fid"]
        for split in dict.fromkeys((reference["split"], "test")):  # a train reference is checked on test too
            data.check_available(reference["dataset"], split)
    if "translation" in wanted or "inpainting" in wanted:
        data.check_available("celeba", "train")
        data.check_available("celeba", "test")
    if "super_resolution" in wanted:
        folder = data.default_data_dir()
        for benchmark in evaluation["super_resolution"]["benchmarks"]:
            if not (folder / superres.benchmark_file(benchmark)).exists():
                raise data.missing_file_error(folder, superres.benchmark_file(benchmark))


@contextlib.contextmanager
def _environment(**values):
    """os.environ with `values` set (None: left as it is), restored on exit."""
    values = {key: value for key, value in values.items() if value is not None}
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def cmd_evaluate(args):
    from ganzoo import zoo

    data_dir = None if args.data_dir is None else str(Path(args.data_dir).resolve())
    with _environment(GANZOO_DATA_DIR=data_dir, GANZOO_ONLINE="1" if args.source == "tfds" else None):
        if args.source != "tfds":
            _check_evaluation_data(zoo.get_entry(args.name), args.metric)
        from ganzoo import evaluate  # TensorFlow and the metrics: seconds

        results, n, seed = evaluate.evaluate(args.name, n=args.n, seed=args.seed, weights_dir=args.weights_dir,
                                             metrics=args.metric)
    width = max(map(len, results))
    print(f"{args.name}: {n} samples, seed {seed}" if seed is not None else f"{args.name}: {n} benchmark images")
    for key, value in results.items():
        print(f"  {key:<{width}}  {value}")
    if args.write:
        command = "ganzoo " + " ".join(sys.argv[1:]) if args.argv is None else "ganzoo " + " ".join(args.argv)
        reference = evaluate.copying_reference(zoo.get_entry(args.name))
        if reference and any(k.startswith("nn_ratio/") for k in results):
            from ganzoo import hub, images  # the copying check's picture, for the card

            picture = evaluate.nearest_neighbour_grid(evaluate.zoo.load(args.name), reference)
            images.save_png(picture, hub.REPO_WEIGHTS_DIR / args.name / "nearest_neighbours.png", scale=2)
        evaluate.record(args.name, results, command, n, seed)
        print(f"wrote the results into weights_manifest.json and weights/{args.name}/README.md")


def cmd_metrics(args):
    """Every measure of B against reference A: folders, .npy/.npz arrays or zoo entries."""
    import json

    from ganzoo.metrics import compare  # the Inception network: torch, seconds

    results = compare.compare(args.a, args.b, n=args.n, seed=args.seed, progress=not args.json,
                              cache_dir=args.cache_dir)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"A: {results['a']}\nB: {results['b']}")
    for key in compare.MEASURES:
        value = results[key]
        print(f"  {key:<10} {'-' if value is None else round(value, 5 if key.startswith('kid') else 4)}")


def _recipe_flag(flags, name):
    """The value of --name=VALUE or --name VALUE among a recipe's absl flags (the last one), or None."""
    value = None
    for i, flag in enumerate(flags):
        if flag.startswith(f"--{name}="):
            value = flag.split("=", 1)[1]
        elif flag == f"--{name}" and i + 1 < len(flags):
            value = flags[i + 1]
    return value


def _check_training_data(dataset, recipe_flags):
    """Missing data fails here in milliseconds, on one line, not after the recipe's imports (or
    minutes of TFDS retries offline)."""
    from ganzoo import data, superres

    data_dir = _recipe_flag(recipe_flags, "data_dir")
    if dataset in data.DATASETS:
        data.check_available(dataset, "train", data_dir, _recipe_flag(recipe_flags, "source") or "auto")
    elif dataset == "bsds500_train200":  # the super-resolution recipes: local files only
        folder = Path(data_dir or data.default_data_dir())
        if not (folder / superres.TRAIN_ARCHIVE).exists():
            raise data.missing_file_error(folder, superres.TRAIN_ARCHIVE)


def cmd_train(args):
    """Run the entry's recipe (its published hyper-parameters) with any extra recipe flags; or, when
    NAME is a family, train it on your own folder of images (ganzoo/own_data.py)."""
    import subprocess

    from ganzoo import own_data, zoo

    if args.name in own_data.FOLDER_FAMILIES:
        return _train_family(args)
    try:
        entry = zoo.get_entry(args.name)
    except zoo.UnknownModelError:  # a withdrawn entry's recipe stays, to retrain it
        if not (zoo.REPO_ROOT / "recipes" / f"{args.name}.py").exists():
            from ganzoo.families import FAMILIES, _import_all

            _import_all()
            if args.name in FAMILIES:
                raise ValueError(f"{args.name} does not train from a folder of images; the families that do: "
                                 f"{', '.join(own_data.FOLDER_FAMILIES)}.") from None
            raise
        entry = {"recipe": f"recipes/{args.name}.py", "dataset": {"name": None}}
    recipe = zoo.REPO_ROOT / entry["recipe"]
    if not recipe.exists():
        raise FileNotFoundError(f"{entry['recipe']} is not here: `ganzoo train` runs the recipes of a "
                                "source checkout (git clone the repository and pip install -e it).")
    if not any(flag.startswith("--help") for flag in args.recipe_flags):
        _check_training_data(entry["dataset"]["name"], args.recipe_flags)
    command = [sys.executable, str(recipe), *args.recipe_flags]
    print("running:", " ".join(command), flush=True)
    returncode = subprocess.call(command, cwd=zoo.REPO_ROOT)
    if returncode:
        raise OSError(f"the recipe exited with status {returncode}; see its output above.")


def _positive_seconds(text):
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _own_data_options(parser):
    """The options of `ganzoo train FAMILY --data DIR` (ganzoo/own_data.py); unset ones are None."""

    parser.add_argument("--data", metavar="DIR", help="folder of your images (PNG, JPEG, WebP; any size, read "
                        "recursively); cgan: one sub-folder per class; pix2pix: the inputs; cyclegan, discogan: domain A")
    parser.add_argument("--data-b", "--data_b", dest="data_b", metavar="DIR",
                        help="pix2pix: the targets, same file names as --data; cyclegan, discogan: domain B")
    parser.add_argument("--resolution", type=_positive_int, help="image size in pixels (default 64; gan 32)")
    parser.add_argument("--channels", type=int, choices=[1, 3], help="3 (RGB, default) or 1 (grey)")
    parser.add_argument("--steps", type=_positive_int, help="generator steps (default 10000)")
    parser.add_argument("--batch_size", "--batch-size", dest="batch_size", type=_positive_int,
                        help="default 64 (stylegan_lite 32, pix2pix 16, discogan 16, cyclegan 1), at most the image count")
    parser.add_argument("--augment", metavar="POLICY",
                        help="DiffAugment policy before D, e.g. color,translation,cutout; default: that one for a "
                             "folder of fewer than 5,000 images, off otherwise; none: off")
    parser.add_argument("--time_limit", "--time-limit", dest="time_limit", type=_positive_seconds,
                        help="stop at the last checkpoint before this many seconds; the same command resumes")
    parser.add_argument("--output_dir", "--output-dir", dest="output_dir",
                        help="checkpoints, grids, logs, TensorBoard (default runs/<family>_<folder name>); "
                             "the same command again resumes from it")
    parser.add_argument("--strategy", choices=["auto", "one_device", "mirrored", "multi_worker", "tpu"],
                        help="tf.distribute strategy (TensorFlow backend; default auto)")
    parser.add_argument("--mixed_precision", "--mixed-precision", dest="mixed_precision",
                        choices=["none", "float16", "bfloat16"], help="mixed-precision compute (default none)")
    parser.add_argument("--width", type=_positive_int, help="the family's width (filters; default: the family's)")
    parser.add_argument("--seed", type=_non_negative_int, help="weights, latents and shuffling (default 0)")
    parser.add_argument("--like", metavar="NAME", help="the network of zoo entry NAME (its width, latent size, "
                        "average...) from a random start: what a fine-tune of NAME compares with")


class _OptionError(argparse.ArgumentParser):
    def error(self, message):
        raise ValueError(f"{message} (see 'ganzoo train --help')")


def _train_family(args):
    """`ganzoo train FAMILY --data DIR ...`: the options after NAME parsed here (see build_parser)."""
    import shlex

    from ganzoo import own_data
    from ganzoo.callbacks import TrainingDiverged

    parser = _OptionError(prog=f"ganzoo train {args.name}")
    _own_data_options(parser)
    options = parser.parse_args(args.recipe_flags, namespace=argparse.Namespace(**vars(args)))
    if options.data is None:
        raise ValueError(f"`ganzoo train {args.name}` trains the family on your own images: give their folder with "
                         "--data DIR (to retrain a zoo entry with its recipe, name the entry: `ganzoo list`).")
    command = _card_command(sys.argv[1:] if args.argv is None else args.argv)  # as recipes do
    settings = {key: getattr(options, key) for key in ("resolution", "channels", "steps", "batch_size", "augment",
                                                       "time_limit", "output_dir", "strategy", "mixed_precision",
                                                       "width", "seed", "like")}
    try:
        own_data.train_on_folder(args.name, options.data, options.data_b, command=shlex.join(["ganzoo", *command]),
                                 **{key: value for key, value in settings.items() if value is not None})
    except TrainingDiverged as e:
        raise SystemExit(f"ganzoo: error: {e}") from None


def _card_command(argv):
    """The command line for a model card: the time limit left out (a leg's length, not the run's)."""
    command = []
    for i, token in enumerate(argv):
        if token.split("=")[0] in ("--time_limit", "--time-limit") or (
                i and argv[i - 1] in ("--time_limit", "--time-limit")):
            continue
        command.append(token)
    return command


def cmd_finetune(args):
    """Adapt a zoo entry to your own folder of images (ganzoo/own_data.py)."""
    import shlex

    from ganzoo import own_data
    from ganzoo.callbacks import TrainingDiverged

    settings = {key: getattr(args, key) for key in ("steps", "batch_size", "augment", "freeze_d", "time_limit",
                                                    "output_dir", "strategy", "mixed_precision", "seed")}
    argv = sys.argv[1:] if args.argv is None else args.argv
    try:
        own_data.finetune_on_folder(args.name, args.data, command=shlex.join(["ganzoo", *_card_command(argv)]),
                                    **{key: value for key, value in settings.items() if value is not None})
    except TrainingDiverged as e:
        raise SystemExit(f"ganzoo: error: {e}") from None


def cmd_push(args):
    """Upload a zoo entry's folder, or one `ganzoo export` wrote, to a Hub repository."""
    from ganzoo import hub, zoo

    folder = zoo.model_folder(args.name)
    if folder is None:
        if not Path(args.name).exists():
            entry = zoo.get_entry(args.name)  # an unknown name fails here, with did-you-mean
            folder = hub.resolve(args.name, entry, weights_dir=args.weights_dir, training=True)
        else:
            raise ValueError(f"{args.name} is not a model folder: push a zoo entry or a folder `ganzoo export` wrote.")
    commit = hub.push(folder, args.repo, private=args.private)
    print(f"pushed {folder} to {args.repo} ({commit}); every file read back matches. "
          f"Load it with ganzoo.load('hf://{args.repo}').")


def cmd_export(args):
    """A run's checkpoint as a weights folder in the zoo's layout (ganzoo/own_data.py)."""
    from ganzoo import own_data

    folder = own_data.export_run(args.run_dir, args.output, name=args.name)
    family = json.loads((folder / "config.json").read_text())["family"]
    use = "translate(images)" if family in ("pix2pix", "cyclegan", "discogan") else f"sample(16); `ganzoo sample {folder}`"
    print(f"wrote {folder} (config.json, model.weights.h5, samples.png, README.md): "
          f"ganzoo.load({str(folder)!r}).{use}")


def _port(text):
    value = _non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0..65535, got {value}")
    return value


def cmd_serve(args):
    """A local web page to try every zoo entry (ganzoo/serve/, docs/serve.md)."""
    from ganzoo import serve

    serve.require()  # Flask and waitress: the demo extra
    from ganzoo.serve.server import serve_forever

    serve_forever(args.host, args.port, weights_dir=args.weights_dir)


def _add_image_output_arguments(p, what):
    """The options translate and edit share: how the input is fitted and the result written."""
    p.add_argument("--resize", action="store_true",
                   help="resize an image of another size (short side to the model's, then a centre crop)")
    p.add_argument("--output-only", action="store_true",
                   help=f"write only the {what} (at the model's size unless --scale is given)")
    p.add_argument("--scale", type=_positive_int, default=None,
                   help="enlarge each pixel (default: each image to ~128 px; 1 with --output-only)")
    p.add_argument("--weights-dir", default=None, help="a local weights root holding NAME/")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and `ganzoo CMD --help` shows the usage)."""

    def error(self, message):
        self.exit(2, f"ganzoo: error: {message} (see '{self.prog} --help')\n")


def build_parser():
    from ganzoo import __version__
    from ganzoo.zoo import EVALUATION_METRICS

    parser = _Parser(prog="ganzoo", description="A model zoo of GANs with pretrained weights.")
    parser.add_argument("--version", action="version", version=f"ganzoo {__version__}")
    verbose_help = "show the backend's log lines and warnings (hidden by default)"
    parser.add_argument("-v", "--verbose", action="store_true", help=verbose_help)
    # `ganzoo CMD ... --verbose` works too; SUPPRESS keeps the subcommand from resetting the flag
    verbose = _Parser(add_help=False)
    verbose.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=verbose_help)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def add(name, **kwargs):
        return sub.add_parser(name, parents=[verbose], **kwargs)

    p = add("list", help="list the zoo entries", description="List zoo entries.")
    p.add_argument("pattern", nargs="?", default="*", help="glob filter, e.g. 'dcgan*'")
    p.set_defaults(func=cmd_list)

    p = add("info", help="describe one entry", description="Describe one zoo entry.")
    p.add_argument("name")
    p.add_argument("--json", action="store_true", help="print the whole manifest entry as JSON")
    p.set_defaults(func=cmd_info)

    p = add("sample", help="write a grid of samples to PNG",
            description="Sample images from a zoo entry, or a folder `ganzoo export` wrote, into a PNG grid.")
    p.add_argument("name", help="a zoo entry, or the path of an exported folder")
    p.add_argument("-n", type=_positive_int, default=None,
                   help="number of images (default 16); with --labels/--codes, per row (default 8)")
    p.add_argument("-o", "--output", default="samples.png", help="PNG file to write")
    p.add_argument("--labels", default=None,
                   help="cgan: comma-separated class ids or names, one row each (e.g. 0,1,2 or Sandal,Bag)")
    p.add_argument("--codes", default=None,
                   help="infogan: comma-separated categorical code values, one row each (e.g. 0,1,2)")
    p.add_argument("--caption", action="append", default=None,
                   help="gan_cls: a caption to draw, one row of -n images (default 8) each; repeat for more rows")
    p.add_argument("--seed", type=_non_negative_int, default=None, help="same seed, same images")
    p.add_argument("--truncation", type=float, default=None,
                   help="stylegan_lite: psi in [0, 2]; below 1 pulls w towards the average (less variety, "
                        "fewer failures)")
    p.add_argument("--jacobian-truncation", type=float, default=None,
                   help="gan, dcgan, lsgan, wgan_gp: the share of latents in [0, 0.9] to reject where the "
                        "generator stretches most (fewer shapes between digits, less variety)")
    p.add_argument("--scale", type=_positive_int, default=None, help="enlarge each pixel (default: to ~128 px)")
    p.add_argument("--weights-dir", default=None, help="a local weights root holding NAME/")
    p.set_defaults(func=cmd_sample)

    p = add("style-mix", help="write a style-mixing grid (stylegan_lite)",
            description="The classic mixing grid: the top row shows the --cols seeds' images, the "
                        "left column the --rows seeds'; each cell takes its row's styles except "
                        "--layers, which come from its column.")
    p.add_argument("name")
    p.add_argument("--rows", default="1,2,3", help="comma-separated seeds of the rows")
    p.add_argument("--cols", default="4,5,6,7", help="comma-separated seeds of the columns")
    p.add_argument("--layers", default=None,
                   help="range of w indices the columns give, e.g. 0-3 (coarse: pose, shape; default) or 4-9 "
                        "(fine: colours, texture)")
    p.add_argument("--truncation", type=float, default=1.0, help="psi in [0, 2]")
    p.add_argument("-o", "--output", default="style_mix.png", help="PNG file to write")
    p.add_argument("--scale", type=_positive_int, default=2, help="enlarge each pixel")
    p.add_argument("--weights-dir", default=None, help="a local weights root holding NAME/")
    p.set_defaults(func=cmd_style_mix)

    p = add("translate", help="translate an image with a pix2pix, cyclegan or discogan entry",
            description="Translate one PNG or JPEG image with an image-to-image entry. Writes the "
                        "input (as the model saw it) beside its translation, or only the translation "
                        "with --output-only. Colour and grey files are converted to the channels "
                        "the model takes.")
    p.add_argument("name")
    p.add_argument("input", help="the image file to translate (PNG or JPEG)")
    p.add_argument("-o", "--output", default="translated.png", help="PNG file to write")
    p.add_argument("--direction", choices=["a2b", "b2a"], default=None,
                   help="cyclegan, discogan: from domain A to B (default) or B to A")
    _add_image_output_arguments(p, "translation")
    p.set_defaults(func=cmd_translate)

    p = add("inpaint", help="fill a hole in an image with an inpainting entry",
            description="Fill the missing part of one PNG or JPEG image with an inpainting entry. The hole is "
                        "a mask file (white = missing, the image's size) or a rectangle --box x,y,w,h in the "
                        "model's pixels. Writes the image with its hole shown white beside the filled one, or "
                        "only the filled image with --output-only; pixels outside the hole are kept as they are.")
    p.add_argument("name")
    p.add_argument("input", help="the image file (PNG or JPEG)")
    p.add_argument("--mask", default=None, help="a mask image: white (or any light grey) where pixels are missing")
    p.add_argument("--box", default=None, help="the hole as a rectangle x,y,w,h in pixels of the model's size")
    p.add_argument("-o", "--output", default="inpainted.png", help="PNG file to write")
    _add_image_output_arguments(p, "filled image")
    p.set_defaults(func=cmd_inpaint)

    p = add("edit", help="change attributes of a face with a stargan entry",
            description="Edit the attributes of one face (PNG or JPEG) with a stargan entry, e.g. --set "
                        "Blond_Hair=1 --set Young=0. Attributes not named keep the face's own, as the model's "
                        "classifier reads them; setting a hair colour clears the others. Writes the face (as the "
                        "model saw it) beside its edit, only the edit with --output-only, or with --grid the "
                        "face and every edit (each hair colour set, each other attribute flipped).")
    p.add_argument("name")
    p.add_argument("input", help="the face to edit (PNG or JPEG)")
    p.add_argument("--set", action="append", metavar="NAME=0|1", default=None,
                   help="an attribute and its new value (repeatable), e.g. --set Blond_Hair=1")
    p.add_argument("-o", "--output", default="edited.png", help="PNG file to write")
    p.add_argument("--grid", action="store_true", help="write the face and every edit in one row (no --set)")
    _add_image_output_arguments(p, "edit")
    p.set_defaults(func=cmd_edit)

    p = add("upscale", help="upscale an image with a super-resolution entry",
            description="Upscale one PNG or JPEG image of any size with an srresnet or srgan entry "
                        "(x4). Large images are processed in tiles, so memory stays bounded.")
    p.add_argument("name")
    p.add_argument("input", help="the image file to upscale (PNG or JPEG; grey files are made RGB)")
    p.add_argument("-o", "--output", default="upscaled.png", help="PNG file to write")
    p.add_argument("--tile", type=_positive_int, default=192,
                   help="side of the low-res tiles processed at once (memory grows with its square)")
    p.add_argument("--weights-dir", default=None, help="a local weights root holding NAME/")
    p.set_defaults(func=cmd_upscale)

    p = add("serve", help="a local web page to try every zoo entry",
            description="Serve a gallery of every zoo entry and a page per entry to try it: sample with seeds, "
                        "labels, codes, captions and truncation, mix styles, or upload an image to translate, "
                        "upscale, inpaint or edit. Needs the demo extra: pip install 'ganzoo[demo]'. Ctrl+C stops it.")
    p.add_argument("--port", type=_port, default=7860, help="the port to listen on (default 7860; 0: any free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to listen on (default 127.0.0.1: this computer only; 0.0.0.0: every network)")
    p.add_argument("--weights-dir", default=None, help="a local weights root holding NAME/")
    p.set_defaults(func=cmd_serve)

    p = add("evaluate", help="measure an entry's quality",
            description="Compute an entry's metrics with a fixed seed and sample count.")
    p.add_argument("name")
    p.add_argument("-n", type=_positive_int, default=None, help="number of samples (default: the entry's)")
    p.add_argument("--seed", type=_non_negative_int, default=None, help="sampling seed (default: the entry's)")
    p.add_argument("--weights-dir", default=None, help="a local weights root holding NAME/")
    p.add_argument("--metric", action="append", choices=EVALUATION_METRICS, default=None,
                   help="only this declared metric (repeatable; default: all the entry declares)")
    p.add_argument("--write", action="store_true", help="record the results in the manifest and model card")
    p.add_argument("--data-dir", "--data_dir", default=None,
                   help="the data folder of the real images (default: $GANZOO_DATA_DIR, then ../shared/data)")
    p.add_argument("--source", choices=["auto", "tfds"], default="auto",
                   help="tfds: download data sets missing from the data folder with TFDS (needs the internet; "
                        "the same as GANZOO_ONLINE=1)")
    p.set_defaults(func=cmd_evaluate)

    p = add("metrics", help="FID, KID, precision, recall, density, coverage between two image sets",
            description="Measure set B against reference set A on the standard Inception features. A set is a "
                        "folder of images (PNG, JPEG, WebP; any size, read recursively), a .npy/.npz file of uint8 "
                        "NHWC images, a zoo entry (sampled: -n, --seed), or a model folder (`ganzoo export`'s or a "
                        "training run's output folder; sampled like an entry). Statistics of files are cached, "
                        "keyed by their contents.")
    p.add_argument("a", help="the reference set (real images)")
    p.add_argument("b", help="the set judged (samples)")
    p.add_argument("-n", type=_positive_int, default=None,
                   help="use at most n images of each set; samples of a zoo entry (default 1000)")
    p.add_argument("--seed", type=_non_negative_int, default=0, help="sampling seed for a zoo entry")
    p.add_argument("--json", action="store_true", help="print the results as JSON (no progress bars)")
    p.add_argument("--cache-dir", default=None, help="where statistics are cached (default: $GANZOO_CACHE_DIR, "
                                                     "then ~/.cache/ganzoo/fid)")
    p.set_defaults(func=cmd_metrics)

    p = add("train", help="reproduce an entry with its recipe, or train a family on your images",
            description="Train a zoo entry with its recipe and published hyper-parameters; "
                        "flags after NAME go to the recipe (see `python recipes/<name>.py --help`). "
                        "Or, when NAME is a family (gan, dcgan, lsgan, wgan_gp, stylegan_lite, cgan, pix2pix, "
                        "cyclegan, discogan), train it on your own folder of images: ganzoo train dcgan --data DIR.")
    p.add_argument("name", help="a zoo entry (its recipe), or a family to train on --data")
    p.add_argument("recipe_flags", nargs=argparse.REMAINDER,
                   help="e.g. --steps=2000 --output_dir=runs/mine --export")
    _own_data_options(p.add_argument_group("your own images (NAME a family)"))
    p.set_defaults(func=cmd_train)

    p = add("finetune", help="adapt a zoo entry to your own folder of images",
            description="Go on training a zoo entry (its generator and its discriminator) on your own folder of "
                        "images, at the entry's resolution, with DiffAugment on below 5,000 images; "
                        "then `ganzoo export RUN_DIR -o DIR` publishes it. Example: "
                        "ganzoo finetune dcgan_mnist --data my_digits/ --steps 1000")
    p.add_argument("name", help="the zoo entry to start from (one that ships its discriminator)")
    p.add_argument("--data", metavar="DIR", required=True,
                   help="folder of your images (PNG, JPEG, WebP; any size, read recursively)")
    p.add_argument("--steps", type=_positive_int, help="generator steps (default 1000)")
    p.add_argument("--batch_size", "--batch-size", dest="batch_size", type=_positive_int,
                   help="default 64 (stylegan_lite 32), at most the image count")
    p.add_argument("--augment", metavar="POLICY", help="DiffAugment policy before D; default "
                   "color,translation,cutout below 5,000 images, off otherwise; none: off")
    p.add_argument("--freeze_d", "--freeze-d", dest="freeze_d", type=_non_negative_int, metavar="N",
                   help="keep D's first N layers as the entry had them (FreezeD; default 0)")
    p.add_argument("--time_limit", "--time-limit", dest="time_limit", type=_positive_seconds,
                   help="stop at the last checkpoint before this many seconds; the same command resumes")
    p.add_argument("--output_dir", "--output-dir", dest="output_dir",
                   help="checkpoints, grids, logs (default runs/<name>_<folder name>); the same command resumes")
    p.add_argument("--strategy", choices=["auto", "one_device", "mirrored", "multi_worker", "tpu"],
                   help="tf.distribute strategy (TensorFlow backend; default auto)")
    p.add_argument("--mixed_precision", "--mixed-precision", dest="mixed_precision",
                   choices=["none", "float16", "bfloat16"], help="mixed-precision compute (default none)")
    p.add_argument("--seed", type=_non_negative_int, help="latents and shuffling (default 0)")
    p.set_defaults(func=cmd_finetune)

    p = add("push", help="upload an entry or an exported folder to a Hugging Face Hub repository",
            description="Create the Hub repository (or reuse it) and upload the model folder with its card, then "
                        "download every file back and check it. $HF_ENDPOINT chooses the Hub; log in first "
                        "(huggingface-cli login) to write to huggingface.co. ganzoo.load('hf://REPO') reads it.")
    p.add_argument("name", help="a zoo entry (its discriminator included), or a folder `ganzoo export` wrote")
    p.add_argument("--repo", required=True, help="the repository, user/name or org/name")
    p.add_argument("--private", action="store_true", help="create the repository private")
    p.add_argument("--weights-dir", default=None, help="a local weights root holding NAME/")
    p.set_defaults(func=cmd_push)

    p = add("export", help="write a training run as a weights folder in the zoo's format",
            description="Write the checkpoint of a run (ganzoo train FAMILY --data DIR, or a recipe's output "
                        "folder) as a weights folder: config.json, model.weights.h5, samples.png and a model "
                        "card with the training command. ganzoo.load(DIR) and `ganzoo sample DIR` read it.")
    p.add_argument("run_dir", help="the run's output folder (it holds run.json and backup/)")
    p.add_argument("-o", "--output", required=True, help="the folder to write (new, or an earlier export)")
    p.add_argument("--name", default=None, help="the model card's title (default: the folder's name)")
    p.set_defaults(func=cmd_export)
    return parser


@contextlib.contextmanager
def _quiet_backend():
    """Keep the backend's start-up chatter off stderr; enter before TensorFlow is imported.

    Only log levels change (TF_ENABLE_ONEDNN_OPTS and the like stay as they are, so the numbers
    do too): TensorFlow's C++ logs (3: errors too, the command reports its own), the Python
    loggers of TensorFlow and absl, and Python warnings (Keras' UserWarnings, two lines each).
    All is restored on exit, for callers of main() in-process.
    """
    import logging
    import warnings

    loggers = {name: logging.getLogger(name) for name in ("tensorflow", "absl", "h5py", "huggingface_hub")}
    levels = {name: logger.level for name, logger in loggers.items()}
    for logger in loggers.values():
        logger.setLevel(logging.ERROR)
    try:
        with _environment(TF_CPP_MIN_LOG_LEVEL="3", GRPC_VERBOSITY=os.environ.get("GRPC_VERBOSITY", "ERROR")), \
                warnings.catch_warnings(), _native_stderr_hidden():
            warnings.simplefilter("ignore")
            yield
    finally:
        for name, logger in loggers.items():
            logger.setLevel(levels[name])


@contextlib.contextmanager
def _native_stderr_hidden():
    """Native code's writes to file descriptor 2 go to /dev/null; Python's sys.stderr (messages,
    progress bars) still reaches the terminal. Where TensorFlow turns oneDNN on (CPUs with AVX-512
    and the like), its absl logs ignore TF_CPP_MIN_LOG_LEVEL. Only when sys.stderr is fd 2 itself
    (not a test's capture)."""
    try:
        is_fd2 = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):
        is_fd2 = False
    if not is_fd2:
        yield
        return
    sys.stderr.flush()
    saved_fd, python_stderr = os.dup(2), sys.stderr
    devnull = os.open(os.devnull, os.O_WRONLY)
    sys.stderr = os.fdopen(os.dup(saved_fd), "w", buffering=1, encoding=python_stderr.encoding,
                           errors=python_stderr.errors)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved_fd, 2)
        sys.stderr.close()
        sys.stderr = python_stderr
        os.close(saved_fd)
        os.close(devnull)


def _one_line(error):
    """The message of an error on one line (a multi-line message joined with '; ')."""
    return "; ".join(line.strip() for line in str(error).splitlines() if line.strip()) or type(error).__name__


def main(argv=None):
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # --help / --version (0) or a usage error (2, already printed)
        return e.code
    args.argv = argv
    try:
        with contextlib.nullcontext() if args.verbose else _quiet_backend():
            args.func(args)
        sys.stdout.flush()  # a closed pipe fails here, where it is handled, not at exit
    except BrokenPipeError:  # `ganzoo list | head`: the reader has all it wanted
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    except (ValueError, FileNotFoundError, OSError) as e:
        print(f"ganzoo: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ganzoo: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
