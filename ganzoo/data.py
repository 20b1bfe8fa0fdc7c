"""Data sets by name: the local files under a data directory, or TFDS when asked.

The data directory is, in order: the `data_dir` argument (recipes: `--data_dir`),
`$GANZOO_DATA_DIR`, then `../shared/data` beside a checkout of this repository.
Every local file read is checked against the folder's SHA256SUMS when it has one.

TFDS is used only when asked for (source='tfds', recipes: `--source=tfds`) or, for the
default source='auto', when the local files are missing and $GANZOO_ONLINE=1 says the
machine is online: offline, tfds.load retries for minutes before it fails, so missing
files otherwise fail at once with a message that says where they were looked for.
"""

import functools
import gzip
import hashlib
import io
import os
import tarfile
from pathlib import Path

import numpy as np

from ganzoo.folders import domains_from_folders, from_folder, pairs_from_folders  # noqa: F401 (your own images)

PACKAGE_DIR = Path(__file__).resolve().parent


def _installed_root():
    """Where an installed wheel keeps the files a checkout has at its top (weights_manifest.json):
    setup.cfg's data_files put them in <prefix>/share/ganzoo; the installed RECORD says where."""
    from importlib import metadata

    try:
        files = metadata.distribution("ganzoo").files or []
    except metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.name == "weights_manifest.json" and file.parent.name == "ganzoo":
            return Path(file.locate()).resolve().parent
    return PACKAGE_DIR


# A source checkout (also `pip install -e`): the package beside weights_manifest.json, weights/,
# recipes/. An installed wheel: the manifest from <prefix>/share/ganzoo, and no weights/ or
# recipes/ beside it, so weights come from $GANZOO_WEIGHTS_DIR or the Hub.
REPO_ROOT = PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "weights_manifest.json").is_file() else _installed_root()

DATASETS = {
    "mnist": {
        "tfds": "mnist", "license": "CC BY-SA 3.0 (MNIST, LeCun, Cortes, Burges)",
        "classes": [str(i) for i in range(10)],
    },
    "fashion_mnist": {
        "tfds": "fashion_mnist", "license": "MIT (Fashion-MNIST, Zalando SE)",
        "classes": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    },
    "celeba": {
        "tfds": "celeb_a", "license": "CelebA: non-commercial research purposes only",
        "archive": "celeba_align_000001-010000_89x109_jpg.tar.gz",
        "attributes": "list_attr_celeba_000001-010000.txt",
        "holdout": 1000,  # the last 1,000 faces are the test split
    },
}

_IDX_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
              "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


class DataNotFoundError(FileNotFoundError):
    pass


def default_data_dir():
    return Path(os.environ.get("GANZOO_DATA_DIR") or PACKAGE_DIR.parent.parent / "shared" / "data")


def online():
    """Whether $GANZOO_ONLINE says this machine may use the internet (then source='auto'
    falls back to TFDS when local files are missing)."""
    return os.environ.get("GANZOO_ONLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _dataset_info(name):
    if name not in DATASETS:
        raise ValueError(f"Unknown data set {name!r}; known: {sorted(DATASETS)}.")
    return DATASETS[name]


def _check_split(split, allowed=("train", "test")):
    if split not in allowed:
        raise ValueError(f"split must be one of {allowed}, got {split!r}.")


@functools.lru_cache(maxsize=None)
def _expected_hashes(data_dir):
    sums = Path(data_dir) / "SHA256SUMS"
    if not sums.exists():
        return {}
    out = {}
    for line in sums.read_text().splitlines():
        if line.strip():
            digest, rel = line.split(maxsplit=1)
            out[rel.strip().lstrip("*")] = digest
    return out


def missing_file_error(data_dir, rel, tfds=False):
    """The DataNotFoundError for data_dir/rel: one line naming the folder and what to do; `tfds`
    adds the TFDS way (for data sets TFDS has: not the super-resolution sets)."""
    message = (f"'{rel}' not found in the data folder {Path(data_dir).resolve()}: point --data_dir or "
               f"$GANZOO_DATA_DIR at the folder that holds it.")
    if tfds:
        message += (" Or use TFDS, which downloads it: --source=tfds (Python: source='tfds'), or set "
                    "GANZOO_ONLINE=1 to let the default source fall back to TFDS.")
    return DataNotFoundError(message)


def _read_verified(data_dir, rel):
    """Bytes of data_dir/rel, checked against SHA256SUMS when the folder has one."""
    path = Path(data_dir) / rel
    if not path.exists():
        raise missing_file_error(data_dir, rel)
    blob = path.read_bytes()
    expected = _expected_hashes(str(data_dir)).get(rel)
    if expected and hashlib.sha256(blob).hexdigest() != expected:
        raise ValueError(f"{path} does not match its SHA256SUMS entry: the file is corrupt; "
                         "restore it from the original data set.")
    return blob


def _parse_idx(blob):
    data = gzip.decompress(blob)
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_idx(name, split="train", data_dir=None):
    """(images uint8 (N, 28, 28, 1), labels int64 (N,)) of MNIST or Fashion-MNIST."""
    _check_split(split)
    data_dir = Path(data_dir or default_data_dir())
    image_file, label_file = _IDX_FILES[split]
    images = _parse_idx(_read_verified(data_dir, f"{name}/{image_file}"))[..., None]
    labels = _parse_idx(_read_verified(data_dir, f"{name}/{label_file}")).astype(np.int64)
    return images, labels


def center_crop_resize(image, resolution, nearest=False):
    """Resize the short side to `resolution` (antialiased; nearest=True keeps the pixel values, as a
    0/1 mask needs), then centre-crop a square."""
    from PIL import Image

    im = Image.fromarray(image)
    w, h = im.size
    scale = resolution / min(w, h)
    nw, nh = max(resolution, round(w * scale)), max(resolution, round(h * scale))
    im = im.resize((nw, nh), Image.NEAREST if nearest else Image.LANCZOS)
    left, top = (nw - resolution) // 2, (nh - resolution) // 2
    return np.asarray(im.crop((left, top, left + resolution, top + resolution)))


def load_celeba_attributes(data_dir=None):
    """(file names, attribute names, attributes as {0, 1} int8 array (N, 40))."""
    info = DATASETS["celeba"]
    text = _read_verified(Path(data_dir or default_data_dir()), f"celeba/{info['attributes']}").decode()
    lines = text.splitlines()
    names = lines[1].split()
    files, rows = [], []
    for line in lines[2:]:
        parts = line.split()
        if parts:
            files.append(parts[0])
            rows.append([int(v) > 0 for v in parts[1:]])
    return files, names, np.asarray(rows, np.int8)


def load_celeba(split="train", resolution=64, data_dir=None):
    """(faces uint8 (N, r, r, 3), attributes int8 (N, 40)); the last 1,000 faces are 'test'.
    Read-only arrays: they are views of one decoded copy that later calls share."""
    _check_split(split, ("train", "test", "all"))
    images, attributes = _decoded_celeba(str(Path(data_dir or default_data_dir()).resolve()), resolution)
    n_test = DATASETS["celeba"]["holdout"]
    if split == "train":
        return images[:-n_test], attributes[:-n_test]
    if split == "test":
        return images[-n_test:], attributes[-n_test:]
    return images, attributes


@functools.lru_cache(maxsize=2)
def _decoded_celeba(data_dir, resolution):
    """All faces decoded once per process and resolution (5 s on the 2-core CPU; evaluations and
    the image-to-image recipes read both splits)."""
    info = DATASETS["celeba"]
    files, _, attributes = load_celeba_attributes(data_dir)
    blob = _read_verified(data_dir, f"celeba/{info['archive']}")
    from PIL import Image

    faces = {}
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".jpg"):
                with Image.open(tar.extractfile(member)) as im:
                    faces[os.path.basename(member.name)] = center_crop_resize(np.asarray(im.convert("RGB")), resolution)
    images = np.stack([faces[f] for f in files])
    images.flags.writeable = attributes.flags.writeable = False
    return images, attributes


def load_tfds(name, split="train", resolution=None):
    """The same arrays from tensorflow-datasets (needs the internet or a TFDS cache).

    Note: TFDS' celeb_a 'test' is CelebA's official test partition, while the local
    'test' split is the last 1,000 of the 10,000 faces shipped here.
    """
    import tensorflow_datasets as tfds

    info = _dataset_info(name)
    ds = tfds.load(info["tfds"], split=split)
    images, labels = [], []
    for example in tfds.as_numpy(ds):
        image = example["image"]
        if resolution is not None:
            gray = image.shape[-1] == 1
            image = center_crop_resize(image[..., 0] if gray else image, resolution)
            image = image[..., None] if gray else image
        images.append(image)
        attributes = example.get("attributes")  # celeb_a: a dict of 40 booleans, names sorted
        labels.append(np.asarray([attributes[k] for k in sorted(attributes)], np.int8)
                      if attributes is not None else example.get("label", -1))
    return np.stack(images), np.asarray(labels)


def load(name, split="train", data_dir=None, resolution=None, source="auto"):
    """(images uint8 NHWC, labels) for a data set name.

    source='local' reads the files under the data directory, 'tfds' uses
    tensorflow-datasets, 'auto' reads the local files and falls back to TFDS only when
    $GANZOO_ONLINE=1; otherwise missing files raise DataNotFoundError at once, naming the
    folder looked in and the ways to point elsewhere or use TFDS.
    For CelebA the labels are the 40 binary attributes and resolution defaults to 64.
    """
    _dataset_info(name)
    if source not in ("auto", "local", "tfds"):
        raise ValueError(f"source must be 'auto', 'local' or 'tfds', got {source!r}.")
    if name == "celeba":
        resolution = resolution or 64
    if source == "tfds":
        return load_tfds(name, split, resolution)
    try:
        if name == "celeba":
            return load_celeba(split, resolution, data_dir)
        images, labels = load_idx(name, split, data_dir)
        if resolution not in (None, 28):
            images = np.stack([center_crop_resize(im[..., 0], resolution)[..., None] for im in images])
        return images, labels
    except DataNotFoundError as e:
        if source == "auto" and online():
            return load_tfds(name, split, resolution)
        missing = e
    check_available(name, split, data_dir, source)  # raises the same error, with the TFDS way named
    raise missing


def _local_files(name, split):
    if name == "celeba":
        info = DATASETS["celeba"]
        return [f"celeba/{info['attributes']}", f"celeba/{info['archive']}"]
    return [f"{name}/{file}" for file in _IDX_FILES[split]]


def check_available(name, split="train", data_dir=None, source="auto"):
    """Raise, in milliseconds, the DataNotFoundError that load() with these arguments would meet
    (`ganzoo train` checks before starting a recipe); nothing when TFDS will be used."""
    _dataset_info(name)
    if source == "tfds" or (source == "auto" and online()):
        return
    folder = Path(data_dir or default_data_dir())
    for rel in _local_files(name, "train" if split == "all" else split):
        if not (folder / rel).exists():
            raise missing_file_error(folder, rel, tfds=True)
