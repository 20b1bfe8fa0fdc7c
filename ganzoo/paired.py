"""Training data for the image-to-image families, made from one set of images (numpy only).

    edges(faces)        -> line drawings paired with the faces (pix2pix: edges -> faces)
    grayscale(faces)    -> grey images paired with the faces (pix2pix: colourisation)
    attribute_domains(faces, attributes, names, "Black_Hair", "Blond_Hair")
                        -> two unpaired domains (CycleGAN)
    align_domains(a, b) -> two domains of different sizes as arrays of one length, for fit((a, b))
    celeba_attributes(["Blond_Hair", "Young"]) -> faces and those attributes as 0/1 (StarGAN)
"""

import difflib

import numpy as np

LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601 weights of R, G, B, as PIL's convert("L")


def _check_images(images, what):
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"{what}: expected uint8 images (N, H, W, 1 or 3), got dtype {images.dtype}, "
                         f"shape {images.shape}.")
    return images


def grayscale(images):
    """uint8 (N, H, W, 1): each pixel's luma 0.299 R + 0.587 G + 0.114 B, rounded."""
    images = _check_images(images, "grayscale")
    if images.shape[-1] == 1:
        return images.copy()
    luma = images.astype(np.float32) @ np.asarray(LUMA, np.float32)
    return np.clip(np.rint(luma), 0, 255).astype(np.uint8)[..., None]


def edges(images, threshold=0.25, channels=1):
    """Line drawings: uint8 (N, H, W, channels), black (0) where the grey image's Sobel gradient
    reaches `threshold`, white (255) elsewhere.

    The gradient magnitude is scaled so that a step from black to white measures 1; such a step
    between two columns marks exactly the two pixels either side of it. The image's border
    pixels are repeated outwards, so the frame itself draws no line. Deterministic.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}.")
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels!r}.")
    grey = grayscale(images)[..., 0].astype(np.float32) / 255.0
    height, width = grey.shape[1:]
    padded = np.pad(grey, ((0, 0), (1, 1), (1, 1)), mode="edge")

    def shifted(dy, dx):
        return padded[:, 1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width]

    # Sobel: [1, 2, 1] smoothing across the direction of the central difference
    gx = sum(w * (shifted(dy, 1) - shifted(dy, -1)) for dy, w in ((-1, 1), (0, 2), (1, 1)))
    gy = sum(w * (shifted(1, dx) - shifted(-1, dx)) for dx, w in ((-1, 1), (0, 2), (1, 1)))
    lines = np.hypot(gx, gy) / 4.0 >= threshold
    return np.repeat(np.where(lines, 0, 255).astype(np.uint8)[..., None], channels, axis=-1)


def attribute_domains(faces, attributes, attribute_names, a="Black_Hair", b="Blond_Hair"):
    """(faces with attribute a and not b, faces with b and not a): two unpaired domains.

    attributes: (N, number of names), positive where a face has the attribute (CelebA's 0/1
    from ganzoo.data.load, booleans from TFDS, or the original -1/1 all work).
    """
    faces, attributes, names = np.asarray(faces), np.asarray(attributes), list(attribute_names)
    if attributes.ndim != 2 or attributes.shape != (len(faces), len(names)):
        raise ValueError(f"attributes: expected shape ({len(faces)}, {len(names)}) (one row per face, one "
                         f"column per attribute name), got {attributes.shape}.")
    for name in (a, b):
        if name not in names:
            close = difflib.get_close_matches(str(name), names, n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ValueError(f"Unknown attribute {name!r}.{hint}")
    if a == b:
        raise ValueError(f"The two domains need two different attributes, got {a!r} twice.")
    has_a, has_b = (attributes[:, names.index(name)] > 0 for name in (a, b))
    return faces[has_a & ~has_b], faces[has_b & ~has_a]


def align_domains(a, b, seed=0):
    """Two sets of images of any sizes as two arrays of one length, max(len(a), len(b)), each in
    its own seeded random order; the smaller set is repeated, so every image takes part."""
    if len(a) == 0 or len(b) == 0:
        raise ValueError(f"Both domains need images, got {len(a)} and {len(b)}.")
    rng = np.random.default_rng(seed)
    n = max(len(a), len(b))

    def stretched(images):
        passes = -(-n // len(images))  # ceil
        return images[np.concatenate([rng.permutation(len(images)) for _ in range(passes)])[:n]]

    return stretched(a), stretched(b)


TASKS = ("edges", "grayscale")


def celeba_pairs(task, split="train", data_dir=None, source="auto"):
    """(inputs, faces) for a pix2pix task on the CelebA faces: 'edges' or 'grayscale' inputs."""
    from ganzoo import data

    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}.")
    faces, _ = data.load("celeba", split, data_dir=data_dir, source=source)
    return (edges(faces) if task == "edges" else grayscale(faces)), faces


def celeba_domains(a, b, split="train", data_dir=None, source="auto"):
    """Two unpaired CelebA domains (faces with attribute a and not b, and the reverse)."""
    from ganzoo import data

    faces, attributes = data.load("celeba", split, data_dir=data_dir, source=source)
    names = data.load_celeba_attributes(data_dir)[1]  # the file's order; TFDS sorts the names
    return attribute_domains(faces, attributes, sorted(names) if source == "tfds" else names, a, b)


def select_attributes(attributes, attribute_names, wanted):
    """The columns `wanted` (names) of attributes (N, len(attribute_names)) as int8 0/1, in the
    order of `wanted`; positive values count as 1 (CelebA's 0/1, TFDS' booleans, the original -1/1)."""
    attributes, names = np.asarray(attributes), list(attribute_names)
    if attributes.ndim != 2 or attributes.shape[1] != len(names):
        raise ValueError(f"attributes: expected shape (N, {len(names)}) (a column per attribute name), "
                         f"got {attributes.shape}.")
    for name in wanted:
        if name not in names:
            close = difflib.get_close_matches(str(name), names, n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ValueError(f"Unknown attribute {name!r}.{hint}")
    return (attributes[:, [names.index(name) for name in wanted]] > 0).astype(np.int8)


def celeba_attributes(wanted, split="train", data_dir=None, source="auto"):
    """(CelebA faces, their attributes `wanted` as int8 0/1 (N, len(wanted))) for StarGAN; 'test' is
    the last 1,000 faces, 'train' the others, as in the other CelebA recipes."""
    from ganzoo import data

    faces, attributes = data.load("celeba", split, data_dir=data_dir, source=source)
    names = data.load_celeba_attributes(data_dir)[1]  # the file's order; TFDS sorts the names
    return faces, select_attributes(attributes, sorted(names) if source == "tfds" else names, wanted)
