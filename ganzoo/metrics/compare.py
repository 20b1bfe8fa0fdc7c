"""`compare(a, b)`: every measure between two sets of images, whatever they are.

A set is a folder of images (PNG, JPEG or WebP of any size, read recursively), a `.npy` / `.npz`
file of uint8 NHWC images, a zoo entry's name (sampled: n images, seed), a model folder (one that
`ganzoo export` wrote, or a training run's output folder: sampled like an entry), or a uint8 array.
The first set is the reference (real images), the second the one judged (samples):

    from ganzoo.metrics import compare
    compare.compare("photos/", "samples.npz")    # {"fid": ..., "kid": ..., "precision": ..., ...}

Every image goes to the standard Inception network at 299x299 (metrics/fid.py resizes from
uint8 as TF1 did). Statistics of files are cached on disk, keyed by a hash of their bytes, so
measuring many sample sets against one folder reads the folder once.
"""

import hashlib
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
MEASURES = ("fid", "kid", "kid_std", "precision", "recall", "density", "coverage")


def image_files(folder):
    """Image files under a folder, sorted by relative path; ValueError if there are none."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"{folder} holds no image files ({', '.join(IMAGE_SUFFIXES)}).")
    return files


def _content_digest(paths, root):
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(Path(path).relative_to(root)).encode() + b"\0")
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def _folder_batches(files, batch_size=50):
    """Batches of consecutive images of one size (a folder may mix sizes and grey/RGB)."""
    from ganzoo.images import load_image

    batch = []
    for path in files:
        image = load_image(path)
        if image.shape[-1] == 1:
            image = np.repeat(image, 3, axis=-1)
        if batch and (image.shape != batch[0].shape or len(batch) == batch_size):
            yield np.stack(batch)
            batch = []
        batch.append(image)
    if batch:
        yield np.stack(batch)


def _read_array(path):
    path = Path(path)
    if path.suffix == ".npz":
        with np.load(path) as archive:
            key = "images" if "images" in archive.files else archive.files[0]
            images = archive[key]
    else:
        images = np.load(path)
    return _check_images(images, str(path))


def _check_images(images, what):
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] not in (1, 3) or len(images) < 2:
        raise ValueError(f"{what}: expected at least 2 uint8 images as (N, H, W, 1 or 3), "
                         f"got {images.dtype} {images.shape}.")
    return images


def _model_in(path):
    """The model a folder holds: one `ganzoo export` wrote (config.json), or a training run's output
    folder (run.json and its checkpoint in backup/); None for any other path."""
    if not path.is_dir():
        return None
    if (path / "config.json").is_file():
        from ganzoo import zoo

        model = zoo.load_folder(path)
    elif (path / "run.json").is_file() and (path / "backup").is_dir():
        from ganzoo import training

        model, _ = training.load_checkpoint(path)
        model.refresh_ema_statistics()  # as an export would: the averaged generator's own statistics
    else:
        return None
    if hasattr(model, "translate"):
        raise ValueError(f"{path} holds a {model.family} model, which translates images: metrics compare "
                         "sets of images, and a model folder stands for the samples of a generating one.")
    return model


class ImageSet:
    """A set's Inception statistics (fid.Statistics), computed once; `describe` says what it is."""

    def __init__(self, source, n=None, seed=0, progress=True, cache_dir=None):
        from ganzoo.metrics import fid

        self.progress, self.cache_dir = progress, cache_dir
        if isinstance(source, np.ndarray):
            images = _check_images(source, "array")
            self.describe = f"an array of {len(images)} images"
            self.statistics = self._uncached(images[:n] if n else images)
            return
        path = Path(str(source)).expanduser()
        model = _model_in(path)
        if model is not None:  # a model folder is sampled like a zoo entry, not read as pictures
            count = n or 1000
            inputs, _ = model.sampling_inputs(count, seed)
            images = model.generate(inputs, progress=f"sampling {path}" if progress else None)
            self.describe = f"{count} samples of the {model.family} in {path} (seed {seed})"
            self.statistics = self._uncached(images)
        elif path.is_dir():
            files = image_files(path)[:n] if n else image_files(path)
            key = f"folder-{_content_digest(files, path)}-{len(files)}"
            self.describe = f"{len(files)} images in {path}"
            self.statistics = fid.real_statistics(
                key, lambda: _folder_batches(files), cache_dir=cache_dir, progress=progress, total=len(files))
        elif path.is_file() and path.suffix in (".npy", ".npz"):
            key = f"array-{_content_digest([path], path.parent)}-{n or 'all'}"
            images = _read_array(path)
            images = images[:n] if n else images
            self.describe = f"{len(images)} images from {path}"
            self.statistics = fid.real_statistics(key, lambda: images, cache_dir=cache_dir, progress=progress)
        elif path.exists():
            raise ValueError(f"{path}: expected a folder of images, a .npy/.npz file or a zoo entry name.")
        elif "/" in str(source) or path.suffix:
            raise FileNotFoundError(f"No such folder or file: {path} (a set is a folder of images, a .npy/.npz "
                                    "file or a zoo entry name).")
        else:
            from ganzoo import zoo

            if str(source) not in zoo.list_models():
                zoo.get_entry(str(source))  # UnknownModelError with its did-you-mean, or a path typo
            count = n or 1000
            model = zoo.load(str(source))
            inputs, _ = model.sampling_inputs(count, seed)
            images = model.generate(inputs, progress=f"sampling {source}" if progress else None)
            self.describe = f"{count} samples of {source} (seed {seed})"
            self.statistics = self._uncached(images)

    def _uncached(self, images):
        from ganzoo.metrics import fid

        features = fid.inception_features(images, progress=self.progress)
        mu, sigma = fid.feature_statistics(features)
        return fid.Statistics(mu, sigma, features.astype(np.float32), len(features))


def compare(a, b, n=None, seed=0, progress=True, cache_dir=None):
    """Every measure of set b against reference set a (see the module doc for what a set is):
    FID, KID (mean and std over subsets), precision, recall, density and coverage (k = 3), and
    the image counts. `n`: use at most n images of each set (and sample n from a zoo entry)."""
    from ganzoo.metrics import fid
    from ganzoo.metrics.prdc import prdc_scores

    reference = ImageSet(a, n=n, seed=seed, progress=progress, cache_dir=cache_dir)
    judged = ImageSet(b, n=n, seed=seed, progress=progress, cache_dir=cache_dir)
    real, fake = reference.statistics, judged.statistics
    results = {"fid": fid.frechet_distance(fake.mu, fake.sigma, real.mu, real.sigma)}
    if real.features is None or fake.features is None:  # only statistics kept (over 10,000 images)
        results.update({"kid": None, "kid_std": None, "precision": None, "recall": None,
                        "density": None, "coverage": None})
    else:
        results["kid"], results["kid_std"] = fid.kid(fake.features, real.features)
        results.update(prdc_scores(real.features, fake.features))
    results.update({"images_a": real.count, "images_b": fake.count,
                    "a": reference.describe, "b": judged.describe})
    return results
