"""Your own images: a folder of pictures as the uint8 NHWC arrays that training takes.

    images = from_folder("photos/", 64)                           # (N, 64, 64, 3) uint8
    images, labels, names = from_folder("animals/", 32, labels=True)  # a class per sub-folder
    inputs, targets = pairs_from_folders("sketches/", "photos/", 64)  # pix2pix: same file names
    a, b = domains_from_folders("horses/", "zebras/", 64)             # cyclegan: two domains

PNG, JPEG and WebP files of any size are read recursively (hidden files and folders, whose
names start with '.', are left out), in sorted order of their paths. Each image is turned
upright by its EXIF orientation, converted to the channels asked for (grey: ITU-R 601 luma;
an alpha channel is composited on WHITE, not dropped, so transparent backgrounds become
white; 16-bit grey is scaled to 8 bits), centre-cropped to a square of its short side, then
resized to `resolution` with PIL's Lanczos filter (JPEGs are first decoded at the smallest
DCT scale that keeps twice the resolution).

Files are decoded in parallel (a thread pool) and the result is cached on disk once, as a
.npy file keyed by a hash of the files' relative names, sizes and modification times plus the
resolution and channels: a second read of an unchanged folder loads one file, and touching,
adding or removing a file makes a new key. The cache is in `cache_dir`, else
$GANZOO_CACHE_DIR/folders, else ~/.cache/ganzoo/folders. A file that cannot be read as an
image is skipped; all skipped files are counted in one warning naming the first few.

The arrays are what ganzoo.pipeline and ganzoo.training.train take, so a run on a folder is
a function of (seed, step) like a run on a built-in data set, and resumes exactly.
"""

import concurrent.futures
import hashlib
import json
import os
import warnings
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
CACHE_DIR_ENV = "GANZOO_CACHE_DIR"
_CACHE_VERSION = 1  # bump when the decoding changes what a cached array holds
_SHOWN = 5  # skipped or unmatched files named in a message


class FolderWarning(UserWarning):
    """Some files of a folder were skipped (unreadable, or without a partner in the other folder)."""


def default_cache_dir():
    root = os.environ.get(CACHE_DIR_ENV)
    return Path(root) / "folders" if root else Path.home() / ".cache" / "ganzoo" / "folders"


def _check_folder(folder):
    folder = Path(folder).expanduser()
    if not folder.exists():
        raise FileNotFoundError(f"No such folder: {folder}")
    if not folder.is_dir():
        raise ValueError(f"{folder} is a file, not a folder of images.")
    return folder


def image_files(folder):
    """The image files under `folder` as sorted relative POSIX paths (hidden ones left out);
    a ValueError naming the folder and the accepted extensions when there are none."""
    folder = _check_folder(folder)
    found = []
    for root, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES:
                found.append(Path(root, name).relative_to(folder).as_posix())
    if not found:
        raise ValueError(f"{folder} holds no images: expected files ending in {', '.join(IMAGE_SUFFIXES)} "
                         "(upper or lower case), in it or in its sub-folders.")
    return sorted(found)


def _decode(path, resolution, channels):
    """One file as a uint8 (resolution, resolution, channels) array (see the module doc)."""
    from PIL import Image, ImageOps

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)  # refuse, as images.load_image does
        with Image.open(path) as im:
            if im.format == "JPEG":  # decode at a smaller DCT scale when the file is much larger
                im.draft("L" if channels == 1 else "RGB", (2 * resolution, 2 * resolution))
            im = ImageOps.exif_transpose(im)
            im.load()
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit grey: scale to 8 bits, not clip
        im = Image.fromarray(np.clip(np.asarray(im, np.float64) / 257.0, 0, 255).round().astype(np.uint8))
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):  # composite on white
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im)
    im = im.convert("L" if channels == 1 else "RGB")
    w, h = im.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    im = im.crop((left, top, left + side, top + side)).resize((resolution, resolution), Image.LANCZOS)
    array = np.asarray(im, np.uint8)
    return array[..., None] if channels == 1 else array


def _decode_or_reason(path, resolution, channels):
    try:
        return _decode(path, resolution, channels), None
    except Exception as e:  # noqa: BLE001 - any failure of one file skips that file, named in the warning
        return None, f"{type(e).__name__}: {e}".splitlines()[0][:200]


def _cache_key(folder, files, resolution, channels):
    digest = hashlib.sha256(f"v{_CACHE_VERSION}|{resolution}|{channels}\n".encode())
    for rel in files:
        stat = (folder / rel).stat()
        digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return f"{digest.hexdigest()[:24]}_{resolution}px_{channels}ch"


def _workers():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(32, cores + 4)  # PIL releases the GIL while it decodes and resizes


def read_folder(folder, resolution, channels=3, cache_dir=None):
    """(images uint8 (N, r, r, channels), kept relative paths, {skipped relative path: reason}).

    The engine under the public functions: no warning here (they warn); cached as the module
    doc says. Raises when the folder is missing or holds no image files, or none can be read."""
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 1:
        raise ValueError(f"resolution must be a positive int (pixels), got {resolution!r}.")
    resolution = int(resolution)
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 (grey) or 3 (RGB), got {channels!r}.")
    folder = _check_folder(folder)
    files = image_files(folder)
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    key = _cache_key(folder, files, resolution, channels)
    array_file, index_file = cache / f"{key}.npy", cache / f"{key}.json"
    if array_file.exists() and index_file.exists():
        try:
            index = json.loads(index_file.read_text())
            images = np.load(array_file)
            if len(images) == len(index["kept"]):
                return images, index["kept"], index["skipped"]
        except (OSError, ValueError, KeyError):
            pass  # a broken cache entry: decode again and rewrite it
    with concurrent.futures.ThreadPoolExecutor(max_workers=_workers()) as pool:
        results = list(pool.map(lambda rel: _decode_or_reason(folder / rel, resolution, channels), files))
    kept = [rel for rel, (image, _) in zip(files, results) if image is not None]
    skipped = {rel: reason for rel, (image, reason) in zip(files, results) if image is None}
    if not kept:
        shown = "; ".join(f"{rel} ({reason})" for rel, reason in list(skipped.items())[:_SHOWN])
        raise ValueError(f"None of the {len(files)} image files in {folder} could be read: {shown}.")
    images = np.stack([image for image, _ in results if image is not None])
    try:  # written under temporary names, then renamed: a killed run leaves no half file behind
        cache.mkdir(parents=True, exist_ok=True)
        partial = cache / f"{key}.{os.getpid()}.partial"
        with open(partial, "wb") as f:
            np.save(f, images)
        os.replace(partial, array_file)
        partial.write_text(json.dumps({"folder": str(folder.resolve()), "kept": kept, "skipped": skipped}))
        os.replace(partial, index_file)
    except OSError as e:  # a read-only cache: the images are still returned
        warnings.warn(f"Could not cache the decoded images of {folder} in {cache} ({e}); they will be "
                      "decoded again next time.", FolderWarning, stacklevel=2)
    return images, kept, skipped


def _warn_skipped(folder, skipped, total):
    if skipped:
        shown = "; ".join(f"{rel} ({reason})" for rel, reason in list(skipped.items())[:_SHOWN])
        more = f" and {len(skipped) - _SHOWN} more" if len(skipped) > _SHOWN else ""
        warnings.warn(f"{folder}: skipped {len(skipped)} of {total} image files that could not be read: "
                      f"{shown}{more}.", FolderWarning, stacklevel=3)


def from_folder(folder, resolution, channels=3, cache_dir=None, labels=False):
    """The images of a folder as uint8 (N, resolution, resolution, channels), in sorted path order.

    labels=True: (images, label ids int64 (N,), class names) with one class per sub-folder (the
    first folder level under `folder`; deeper ones belong to their top sub-folder), the names
    sorted and the ids indexing them. Images directly in `folder` are then a ValueError.
    """
    images, kept, skipped = read_folder(folder, resolution, channels, cache_dir)
    _warn_skipped(Path(folder), skipped, len(kept) + len(skipped))
    if not labels:
        return images
    loose = [rel for rel in kept if "/" not in rel]
    if loose:
        raise ValueError(f"labels=True takes one sub-folder per class, but {len(loose)} images lie directly in "
                         f"{folder} (e.g. {', '.join(loose[:3])}): move them into their class's sub-folder.")
    classes = [rel.split("/", 1)[0] for rel in kept]
    names = sorted(set(classes))
    ids = {name: i for i, name in enumerate(names)}
    return images, np.asarray([ids[c] for c in classes], np.int64), names


def _stem(rel):
    return os.path.splitext(rel)[0]


def pairs_from_folders(a, b, resolution, channels=3, channels_b=None, cache_dir=None):
    """(inputs, targets) for pix2pix: the images of folders a and b whose relative paths match once
    the extension is dropped ('x/1.jpg' pairs with 'x/1.png'), in sorted order. Files of either
    folder without a partner are left out and named in one warning; no pair at all is a ValueError.
    `channels_b`: the targets' channels (default: `channels`)."""
    channels_b = channels if channels_b is None else channels_b
    images_a, kept_a, skipped_a = read_folder(a, resolution, channels, cache_dir)
    images_b, kept_b, skipped_b = read_folder(b, resolution, channels_b, cache_dir)
    _warn_skipped(Path(a), skipped_a, len(kept_a) + len(skipped_a))
    _warn_skipped(Path(b), skipped_b, len(kept_b) + len(skipped_b))
    index_a = {_stem(rel): i for i, rel in enumerate(kept_a)}
    index_b = {_stem(rel): i for i, rel in enumerate(kept_b)}
    common = sorted(set(index_a) & set(index_b))
    only_a = [kept_a[index_a[stem]] for stem in sorted(set(index_a) - set(index_b))]  # named as files
    only_b = [kept_b[index_b[stem]] for stem in sorted(set(index_b) - set(index_a))]
    if not common:
        raise ValueError(f"No file names match between {a} ({len(kept_a)} images, e.g. {', '.join(kept_a[:3])}) "
                         f"and {b} ({len(kept_b)} images, e.g. {', '.join(kept_b[:3])}): pairs are files with the "
                         "same relative path and name in both folders (the extension may differ).")
    if only_a or only_b:
        def named(files):
            return ", ".join(files[:_SHOWN]) + (f" and {len(files) - _SHOWN} more" if len(files) > _SHOWN else "")

        parts = [f"{len(only_a)} in {a} ({named(only_a)})" if only_a else "",
                 f"{len(only_b)} in {b} ({named(only_b)})" if only_b else ""]
        warnings.warn(f"{len(common)} pairs; left out the images without a partner of the same name: "
                      f"{'; '.join(p for p in parts if p)}.", FolderWarning, stacklevel=2)
    return (images_a[[index_a[s] for s in common]], images_b[[index_b[s] for s in common]])


def domains_from_folders(a, b, resolution, channels=3, cache_dir=None, align=True, seed=0):
    """(images of domain a, images of domain b) for cyclegan: two folders, no pairing.

    align=True (what training takes): both as arrays of one length, max of the two, each in its
    own seeded order with the smaller set repeated (ganzoo.paired.align_domains); align=False:
    each folder's images as they are, in sorted path order."""
    domain_a = from_folder(a, resolution, channels, cache_dir)
    domain_b = from_folder(b, resolution, channels, cache_dir)
    if not align:
        return domain_a, domain_b
    from ganzoo.paired import align_domains

    return align_domains(domain_a, domain_b, seed=seed)
