"""Super-resolution data: MATLAB's bicubic resize, the x4 benchmarks, training crops, tiling.

The benchmark LR images (Set5, Set14, BSD100) were made with MATLAB's `imresize(hr, 1/4,
'bicubic')`, which antialiases when it shrinks. A network trained on LR made any other way
(PIL, tf.image) meets a different blur at test time and loses PSNR, so `imresize` here
follows MATLAB's algorithm (cubic kernel a = -0.5, widened by 1/scale when shrinking, rows
then columns in uint8) with replicated edges; a test checks it reproduces the shipped LR
images pixel for pixel.

Training reads the 200 BSDS500 training images (never BSD100, their validation split),
makes each image's LR once with `imresize`, and cuts aligned crops: step k of a run takes
the crops drawn from (seed, k), with one of the 8 flips/rotations each, so a resumed run
sees the same batches as an uninterrupted one.
"""

import contextlib
import io
import tarfile
from pathlib import Path

import numpy as np

from ganzoo.data import _read_verified, default_data_dir

SCALE = 4
BENCHMARKS = ("Set5", "Set14", "BSD100")
TRAIN_ARCHIVE = "sr/BSDS500_train200.tar"


# -- MATLAB's imresize, bicubic ----------------------------------------------------------
def _cubic(x):
    x = np.abs(x)
    return np.where(x <= 1, 1.5 * x**3 - 2.5 * x**2 + 1,
                    np.where(x <= 2, -0.5 * x**3 + 2.5 * x**2 - 4 * x + 2, 0.0))


def resize_matrix(in_length, out_length):
    """(out_length, in_length) weights of MATLAB's bicubic imresize along one axis."""
    scale = out_length / in_length
    width = 4.0 / scale if scale < 1 else 4.0  # antialiasing: the kernel widens when shrinking
    x = np.arange(1, out_length + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)  # 1-based input coordinate of each output pixel
    left = np.floor(u - width / 2)
    taps = int(np.ceil(width)) + 2
    indices = left[:, None] + np.arange(taps)[None, :]
    distance = u[:, None] - indices
    weights = scale * _cubic(scale * distance) if scale < 1 else _cubic(distance)
    weights /= weights.sum(axis=1, keepdims=True)
    # replicated edges: with them the benchmarks' LR images come out exactly (MATLAB's own
    # symmetric edges differ from them in the outermost two pixels)
    columns = np.clip(indices.astype(np.int64) - 1, 0, in_length - 1)
    matrix = np.zeros((out_length, in_length))
    np.add.at(matrix, (np.repeat(np.arange(out_length), taps), columns.ravel()), weights.ravel())
    return matrix


def imresize(image, output_size):
    """Bicubic resize of a uint8 (H, W, C) image to output_size (h, w), as MATLAB does.

    Rows first, then columns, rounding to uint8 after each pass (MATLAB works in the input's
    class), which is what reproduces the benchmarks' LR images exactly.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3:
        raise ValueError(f"imresize: expected a uint8 (H, W, C) image, got {image.dtype} {image.shape}.")
    (h, w), (out_h, out_w) = image.shape[:2], output_size

    def rounded(x):
        return np.clip(np.floor(x + 0.5), 0, 255).astype(np.uint8)

    rows = rounded(np.einsum("oh,hwc->owc", resize_matrix(h, out_h), image.astype(np.float64)))
    return rounded(np.einsum("ow,hwc->hoc", resize_matrix(w, out_w), rows.astype(np.float64)))


def downscale(image, scale=SCALE):
    """(HR cropped to a multiple of scale, its LR by MATLAB bicubic)."""
    h, w = (np.asarray(image.shape[:2]) // scale) * scale
    hr = np.ascontiguousarray(image[:h, :w])
    return hr, imresize(hr, (h // scale, w // scale))


def upscale_bicubic(image, scale=SCALE):
    """The bicubic baseline of the benchmark tables: MATLAB imresize by `scale`."""
    h, w = image.shape[:2]
    return imresize(image, (h * scale, w * scale))


# -- reading the tars ----------------------------------------------------------------------
def _images_in_tar(blob, suffixes):
    """{member name: uint8 RGB array} of the images in a tar whose names end with a suffix."""
    from PIL import Image

    out = {}
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(suffixes):
                with Image.open(tar.extractfile(member)) as im:
                    out[member.name] = np.asarray(im.convert("RGB"))
    return out


def benchmark_file(name):
    """The tar of a x4 benchmark, relative to the data folder."""
    return f"sr/{name}_x4.tar"


def load_benchmark(name, data_dir=None):
    """[(image name, LR uint8, HR uint8)] of a x4 benchmark (Set5, Set14, BSD100), sorted by name.

    LR are the images as provided; HR are cropped to 4x their size where they are larger.
    """
    if name not in BENCHMARKS:
        raise ValueError(f"Unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}.")
    images = _images_in_tar(_read_verified(Path(data_dir or default_data_dir()), benchmark_file(name)),
                            ("_HR.png", "_LR.png"))
    out = []
    for member in sorted(k for k in images if k.endswith("_LR.png")):
        lr, hr = images[member], images[member[: -len("_LR.png")] + "_HR.png"]
        h, w = lr.shape[0] * SCALE, lr.shape[1] * SCALE
        out.append((Path(member).name[: -len("_SRF_4_LR.png")], lr, hr[:h, :w]))
    return out


def load_training_images(data_dir=None):
    """The 200 BSDS500 training images, uint8 RGB (481x321 or 321x481), sorted by name."""
    images = _images_in_tar(_read_verified(Path(data_dir or default_data_dir()), TRAIN_ARCHIVE), (".jpg",))
    return [images[k] for k in sorted(images)]


# -- training crops --------------------------------------------------------------------------
class CropStream:
    """Aligned (LR, HR) crops of HR images: `batch_at(seed, step, batch_size)` is a function of
    its arguments alone. Each image's LR is made once, whole, as the benchmarks' were.
    ganzoo.training trains on such a stream in place of an array of images."""

    def __init__(self, images, crop=96, scale=SCALE):
        if crop % scale:
            raise ValueError(f"crop ({crop}) must be a multiple of scale ({scale}).")
        self.pairs = [downscale(image, scale) for image in images]
        small = [p[0].shape for p in self.pairs if min(p[0].shape[:2]) < crop]
        if small:
            raise ValueError(f"{len(small)} training images are smaller than the {crop}px crop, e.g. {small[0]}.")
        self.crop, self.scale = crop, scale
        self.lr_shape = (crop // scale, crop // scale, 3)
        self.hr_shape = (crop, crop, 3)

    def __len__(self):
        return len(self.pairs)

    def batch_at(self, seed, step, batch_size):
        """(LR uint8 (B, crop/scale, crop/scale, 3), HR uint8 (B, crop, crop, 3)) of this step."""
        rng = np.random.default_rng([int(seed), int(step)])
        lr_crop, lows, highs = self.crop // self.scale, [], []
        for index, transform in zip(rng.integers(len(self.pairs), size=batch_size),
                                    rng.integers(8, size=batch_size)):
            hr, lr = self.pairs[index]
            y = rng.integers(lr.shape[0] - lr_crop + 1)
            x = rng.integers(lr.shape[1] - lr_crop + 1)
            low = lr[y : y + lr_crop, x : x + lr_crop]
            high = hr[y * self.scale : (y + lr_crop) * self.scale, x * self.scale : (x + lr_crop) * self.scale]
            lows.append(_dihedral(low, transform))
            highs.append(_dihedral(high, transform))
        return np.stack(lows), np.stack(highs)


def _dihedral(image, transform):
    """One of the 8 flips/rotations of a square image (0 is the identity)."""
    image = np.rot90(image, transform % 4)
    return np.ascontiguousarray(image[:, ::-1] if transform >= 4 else image)


# -- tiled inference ---------------------------------------------------------------------------
_tile_reporters = []


@contextlib.contextmanager
def tile_progress(report):
    """Within it, iterating over a list from tiles() calls report(done, total) as each tile is
    done (when the loop asks for the next): the command line's progress bar for long upscales."""
    _tile_reporters.append(report)
    try:
        yield
    finally:
        _tile_reporters.remove(report)


class _Tiles(list):
    """The list tiles() returns; a loop over it reports its progress to tile_progress()."""

    def __iter__(self):
        reporters, total = list(_tile_reporters), len(self)
        for done, item in enumerate(list.__iter__(self), start=1):
            yield item
            for report in reporters:
                report(done, total)


def tiles(height, width, tile, context):
    """[(core box, context box)] covering an image: each core is a tile x tile (or smaller at the
    edges) region whose output is kept; its context box adds `context` pixels each side (clipped to
    the image) that the network sees so that the core's outputs do not feel the tile's edges.
    Boxes are (top, left, bottom, right)."""
    out = []
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            core = (top, left, min(top + tile, height), min(left + tile, width))
            box = (max(0, core[0] - context), max(0, core[1] - context),
                   min(height, core[2] + context), min(width, core[3] + context))
            out.append((core, box))
    return _Tiles(out)
