"""The zoo is data: weights_manifest.json names every entry; this module reads and checks it.

    list_models("dcgan*")  -> names
    load("cgan_mnist")     -> the family's keras.Model with the entry's weights
"""

import difflib
import fnmatch
import functools
import json
from pathlib import Path, PurePosixPath, PureWindowsPath

from ganzoo.data import REPO_ROOT

MANIFEST_PATH = REPO_ROOT / "weights_manifest.json"

ENTRY_KEYS = {
    "family": str, "description": str, "config": dict, "dataset": dict, "hub": dict,
    "files": list, "recipe": str, "command": str, "training": dict, "metrics": dict,
}
_SHA256_LEN = 64


class UnknownModelError(ValueError):
    """The name is not a zoo entry."""


# what an entry's evaluation block may declare (ganzoo.evaluate.METRICS, kept import-free here)
EVALUATION_METRICS = ("classifier", "fid", "translation", "inpainting", "super_resolution", "captions")


class ManifestError(ValueError):
    """weights_manifest.json is malformed."""


def plain_file_name(path):
    """True when `path` is a plain file name: no folder part, not '.' or '..', not absolute."""
    if not isinstance(path, str) or not path or path in (".", "..") or "\x00" in path:
        return False
    return (PurePosixPath(path).name == path and PureWindowsPath(path).name == path
            and not PureWindowsPath(path).drive)


def validate_entry(name, entry):
    """A list of problems with one manifest entry (empty when it is well-formed)."""
    problems = []
    for key, kind in ENTRY_KEYS.items():
        if key not in entry:
            problems.append(f"{name}: missing '{key}'")
        elif not isinstance(entry[key], kind):
            problems.append(f"{name}: '{key}' must be a {kind.__name__}")
    if problems:
        return problems
    for key in ("name", "license"):
        if not entry["dataset"].get(key):
            problems.append(f"{name}: dataset.{key} is missing")
    for key in ("repo_id", "revision"):
        if not entry["hub"].get(key):
            problems.append(f"{name}: hub.{key} is missing")
    paths = [f.get("path") for f in entry["files"] if isinstance(f, dict)]
    for needed in ("config.json", "model.weights.h5", "README.md"):
        if needed not in paths:
            problems.append(f"{name}: files must include {needed}")
    for f in entry["files"]:
        if not isinstance(f, dict):
            problems.append(f"{name}: files must be objects with path, sha256 and size")
            continue
        if not plain_file_name(f.get("path")):
            problems.append(f"{name}: file name {f.get('path')!r} must be a plain name inside the entry's "
                            f"folder (no '/', '\\', '..' or absolute path)")
        sha, size = f.get("sha256", ""), f.get("size")
        if len(sha) != _SHA256_LEN or any(c not in "0123456789abcdef" for c in sha):
            problems.append(f"{name}: {f.get('path')}: sha256 must be 64 lowercase hex digits")
        if not isinstance(size, int) or size <= 0:
            problems.append(f"{name}: {f.get('path')}: size must be a positive int")
        if f.get("role", "sampling") not in ("sampling", "training"):
            problems.append(f"{name}: {f.get('path')}: role must be 'sampling' or 'training'")
    if not entry["recipe"].startswith("recipes/"):
        problems.append(f"{name}: recipe must be a path under recipes/")
    evaluation = entry.get("evaluation", {})
    if not isinstance(evaluation, dict) or (evaluation and not set(EVALUATION_METRICS) & set(evaluation)):
        problems.append(f"{name}: evaluation must name one of: {', '.join(EVALUATION_METRICS)}")
    for metric, record in entry["metrics"].items():
        if not isinstance(record, dict) or "value" not in record or "command" not in record:
            problems.append(f"{name}: metrics.{metric} needs 'value' and 'command'")
    return problems


def validate_manifest(manifest):
    if not isinstance(manifest, dict) or not isinstance(manifest.get("models"), dict):
        raise ManifestError("weights_manifest.json must be an object with a 'models' object.")
    problems = []
    for name, entry in {**manifest["models"], **manifest.get("evaluators", {})}.items():
        problems += validate_entry(name, entry)
    if problems:
        raise ManifestError("weights_manifest.json is invalid:\n  " + "\n  ".join(problems))
    return manifest


@functools.lru_cache(maxsize=None)
def _read(path):
    try:
        manifest = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ManifestError(f"No manifest at {path}.") from None
    except json.JSONDecodeError as e:
        raise ManifestError(f"{path} is not valid JSON: {e}") from None
    return validate_manifest(manifest)


def refresh():
    """Forget the cached manifest (read it again from disk on next use)."""
    _read.cache_clear()


def read_manifest(path=None):
    return _read(str(path or MANIFEST_PATH))


def list_models(pattern="*", manifest_path=None):
    """Names of the zoo entries, sorted; `pattern` is a glob ("dcgan*")."""
    return sorted(n for n in read_manifest(manifest_path)["models"] if fnmatch.fnmatch(n, pattern))


def get_entry(name, manifest_path=None, section="models"):
    """The manifest entry of `name`, or UnknownModelError with did-you-mean suggestions."""
    entries = read_manifest(manifest_path).get(section, {})
    if not isinstance(name, str):
        raise UnknownModelError(f"A model name must be a str, got {type(name).__name__}.")
    if name not in entries:
        same_but_case = [n for n in entries if n.lower() == name.lower()]  # DCGAN_MNIST -> dcgan_mnist
        close = same_but_case or difflib.get_close_matches(name.lower(), list(entries), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownModelError(
            f"Unknown model {name!r}.{hint} `ganzoo list` shows all {len(entries)} entries.")
    return entries[name]


def load(name, weights_dir=None, manifest_path=None, training=False):
    """The zoo entry `name` as a keras.Model with its published weights.

    Weights come from `weights_dir`, then $GANZOO_WEIGHTS_DIR, then this repository's
    weights/ folder, then the Hugging Face Hub (pinned revision, cached, sha256-checked).
    An entry that ships its discriminator apart from the generator (files of role "training")
    fetches and loads it when `fit` first runs, or at once with training=True, so that
    sampling never downloads it and fine-tuning continues the published game.

    `name` may also be the path of a model folder (`ganzoo export RUN_DIR -o DIR` writes one):
    see load_folder; or "hf://user/repo", a Hub repository in the zoo's layout (`ganzoo push`
    writes one), downloaded whole and cached. A zoo entry's name wins over a folder of the same name in the working directory.
    """
    from ganzoo import hub
    from ganzoo.core.gan import check_finite_weights  # a diverged run's weights pass the sha check
    from ganzoo.families import get_family

    if isinstance(name, str) and name.startswith(hub.HF_PREFIX):  # any Hub repository in the zoo's layout
        return load_folder(hub.download_repo(name[len(hub.HF_PREFIX):]))
    folder = model_folder(name, manifest_path)
    if folder is not None:
        return load_folder(folder)
    entry = get_entry(name, manifest_path)
    folder = hub.resolve(name, entry, weights_dir=weights_dir)
    model = get_family(entry["family"]).from_config(entry["config"])
    load_weights_folder(model, folder)
    check_finite_weights(model, what=f"{name} ({Path(folder) / 'model.weights.h5'})")
    if any(record.get("role") == "training" for record in entry["files"]):
        def load_training_weights():
            training_folder = hub.resolve(name, entry, weights_dir=weights_dir, training=True)
            load_training_networks(model, training_folder)
            check_finite_weights(model, what=f"{name} ({training_folder})")

        if training:
            load_training_weights()
        else:
            model.pending_training_weights = load_training_weights
    return model


def model_folder(name, manifest_path=None):
    """The folder `name` is when it is the path of a folder rather than a zoo entry's name, else None;
    a folder without config.json is a ValueError (it cannot be a model)."""
    import os

    if not isinstance(name, (str, os.PathLike)) or (isinstance(name, str) and name in
                                                     read_manifest(manifest_path)["models"]):
        return None
    path = Path(name).expanduser()
    if not path.is_dir():
        return None
    if not (path / "config.json").is_file():
        raise ValueError(f"{path} is a folder without config.json, not a model folder: `ganzoo export RUN_DIR -o DIR` "
                         "writes one from a training run.")
    return path


def describe(name, manifest_path=None):
    """{"family", "config"} of a zoo entry, or of a model folder (`ganzoo export` writes one), without
    loading any weights: what the command line checks before a model loads. "hf://user/repo":
    the repository is downloaded (and cached) first."""
    import json

    from ganzoo import hub

    if isinstance(name, str) and name.startswith(hub.HF_PREFIX):
        return json.loads((hub.download_repo(name[len(hub.HF_PREFIX):]) / "config.json").read_text())
    folder = model_folder(name, manifest_path)
    if folder is not None:
        return json.loads((folder / "config.json").read_text())
    return get_entry(name, manifest_path)


def load_folder(folder):
    """The model in a weights folder of the zoo's layout (config.json naming the family and config,
    model.weights.h5, and any training_files it lists), with no manifest: no sha256 to check, but
    weights with NaN or infinite values are refused as for an entry."""
    from ganzoo.core.gan import check_finite_weights
    from ganzoo.families import get_family
    from ganzoo.hub import read_config

    folder = Path(folder)
    config = read_config(folder)
    if not isinstance(config.get("family"), str) or not isinstance(config.get("config"), dict):
        raise ValueError(f"{folder / 'config.json'} names no family and config: not a ganzoo model folder.")
    model = get_family(config["family"]).from_config(config["config"])
    load_weights_folder(model, folder)
    if config.get("training_files"):  # local files: loaded at once, so that fit continues the game
        load_training_networks(model, folder)
    check_finite_weights(model, what=str(folder / "model.weights.h5"))
    return model


# Config keys that set how a run draws, how D sees its inputs and which samples G learns from, not any
# network's shape: a run may start from an entry with other values (fine-tuning turns DiffAugment on).
TRAINING_ONLY_KEYS = ("seed", "augment", "augment_p", "augment_target", "augment_interval", "augment_kimg",
                      "top_k", "top_k_decay")


def network_config(config):
    return {key: value for key, value in config.items() if key not in TRAINING_ONLY_KEYS}


def initialize_from(model, name, manifest_path=None, fresh_discriminator=False):
    """Copy zoo entry `name`'s weights, discriminator included, into `model` (a fresh run of the same
    family and config, DiffAugment settings aside): a recipe's --init_from and `ganzoo finetune`, to
    train a published entry on instead of from zero. fresh_discriminator=True takes an entry that
    shipped its generator alone, leaving the model's new discriminator: only for a run that first
    warms it up against the frozen generator (callbacks.DiscriminatorWarmup)."""
    from ganzoo import hub

    entry, config = get_entry(name, manifest_path), network_config(model.get_config())
    if entry["family"] != model.family or network_config(entry["config"]) != config:
        wanted = network_config(entry["config"])
        differ = sorted(k for k in {**wanted, **config} if wanted.get(k) != config.get(k))
        raise ValueError(f"Cannot start from {name!r}: it is a {entry['family']} with another config "
                         f"(differs in {', '.join(differ) or 'family'}); use the entry's own config.")
    folder = hub.resolve(name, entry, training=True)  # every file verified once, discriminator included
    source = load_folder(folder)
    scope = hub.read_config(folder).get("weights_scope", "gan")
    if scope == "gan":  # the whole game as it stopped: both players and the average
        _copy_variables(source, model)
        return model
    ships_training = any(record.get("role") == "training" for record in entry["files"])
    if not fresh_discriminator and not ships_training and model.training_networks():  # (SRResNet has no D)
        raise ValueError(f"Cannot start from {name!r}: it ships its generator alone, and a fresh "
                         "discriminator would undo the game (retrain it, or fine-tune an entry that ships one).")
    model.generator.set_weights(source.generator.get_weights())  # the generator that sampled
    if model.generator_ema is not None:
        model.generator_ema.set_weights(source.generator.get_weights())
    for stem, network in source.training_networks().items() if ships_training else ():
        model.training_networks()[stem].set_weights(network.get_weights())
    return model


def _copy_variables(source, target):
    """source's weights into target, in order, leaving out the DiffAugment state either may have
    (its probability p starts afresh in a run that turns augmentation on)."""
    def own(model):
        augmenter = getattr(model, "augmenter", None)
        skip = {id(v) for v in augmenter.weights} if augmenter is not None else set()
        return [v for v in model.weights if id(v) not in skip]

    sources, targets = own(source), own(target)
    if [tuple(v.shape) for v in sources] != [tuple(v.shape) for v in targets]:
        raise ValueError("The entry's weights do not fit this model: it was built with another config.")
    for source_variable, target_variable in zip(sources, targets):
        target_variable.assign(source_variable)


def load_training_networks(model, folder):
    """Load each <stem>.weights.h5 that config.json lists as training_files into the model's
    training network of that stem (GAN.training_networks: the discriminator)."""
    from ganzoo.hub import read_config

    folder = Path(folder)
    networks = model.training_networks()
    for file in read_config(folder).get("training_files", []):
        stem = file.removesuffix(".weights.h5")
        if stem not in networks:
            raise ValueError(f"{folder / file}: this {type(model).__name__} has no network {stem!r} "
                             f"(it trains {', '.join(networks) or 'no other network'}).")
        try:
            networks[stem].load_weights(folder / file)
        except (ValueError, OSError) as e:
            raise ValueError(f"{folder / file} does not fit this model's config: {e}") from None


def load_weights_folder(model, folder):
    """Load model.weights.h5 into the whole GAN, or into its generator when the folder says so."""
    from ganzoo.hub import read_config

    folder = Path(folder)
    config = read_config(folder)  # a clear error naming the file when it is not a JSON object
    generator_only = config.get("weights_scope") == "generator"
    target = model.generator if generator_only else model
    try:
        target.load_weights(folder / "model.weights.h5")
    except (ValueError, OSError) as e:
        raise ValueError(f"{folder / 'model.weights.h5'} does not fit this model's config: {e}") from None
    if generator_only and model.generator_ema is not None:
        model.generator_ema.set_weights(model.generator.get_weights())
    model.ema_ramp = False  # the published weights are an average already: fit continues it at its decay


def write_entry(name, entry, manifest_path=None, section="models"):
    """Add or replace one entry in the manifest file (validated first)."""
    path = Path(manifest_path or MANIFEST_PATH)
    problems = validate_entry(name, entry)
    if problems:
        raise ManifestError("; ".join(problems))
    manifest = json.loads(path.read_text()) if path.exists() else {"schema_version": 1, "models": {}}
    manifest.setdefault(section, {})[name] = entry
    manifest[section] = dict(sorted(manifest[section].items()))
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    refresh()
