"""Pixel conventions and pictures: uint8 <-> [-1, 1], checks, grids, PNG files."""

import numpy as np


def to_uint8(x):
    """[-1, 1] floats -> uint8 in [0, 255], rounding to nearest."""
    x = np.asarray(x, dtype=np.float32)
    return np.clip(np.rint((x + 1.0) * 127.5), 0, 255).astype(np.uint8)


def from_uint8(x):
    """uint8 -> float32 in [-1, 1] (numpy; the models do the same inside train_step)."""
    return np.asarray(x, dtype=np.float32) / 127.5 - 1.0


def check_uint8_images(images, image_shape, what="images"):
    """Raise a ValueError that says what was expected unless `images` is uint8 NHWC of image_shape."""
    images = np.asarray(images) if not isinstance(images, np.ndarray) else images
    expected = f"a uint8 array of shape (N, {', '.join(map(str, image_shape))})"
    if images.dtype != np.uint8:
        hint = " (scale [0, 1] floats with (x * 255).round().astype('uint8'))" if images.dtype.kind == "f" else ""
        raise ValueError(f"{what}: expected {expected}, got dtype {images.dtype}{hint}.")
    if images.ndim == 3 and image_shape[-1] == 1 and tuple(images.shape[1:]) == tuple(image_shape[:2]):
        raise ValueError(
            f"{what}: expected {expected}, got {images.shape}; add the channel axis with images[..., None]."
        )
    if images.ndim != 4 or tuple(images.shape[1:]) != tuple(image_shape):
        raise ValueError(f"{what}: expected {expected}, got shape {images.shape}.")
    if images.shape[0] == 0:
        raise ValueError(f"{what}: expected at least one image, got an empty array.")
    return images


def input_batch(images, image_shape, resize=False, what="images"):
    """(uint8 NHWC batch of image_shape, whether a single HWC image was given) for the inference
    methods that take images (translate): a ValueError says what was expected otherwise.

    resize=True brings other sizes to image_shape as the training images were made: the short
    side scaled to the model's size, then a centre crop.
    """
    images = np.asarray(images)
    height, width, channels = image_shape
    expected = f"one uint8 image ({height}, {width}, {channels}) or a batch (N, {height}, {width}, {channels})"
    if images.dtype != np.uint8:
        hint = " (scale [0, 1] floats with (x * 255).round().astype('uint8'))" if images.dtype.kind == "f" else ""
        raise ValueError(f"{what}: expected {expected}, got dtype {images.dtype}{hint}.")
    if images.ndim not in (3, 4):
        raise ValueError(f"{what}: expected {expected}, got an array of rank {images.ndim}, shape {images.shape}.")
    single = images.ndim == 3
    batch = images[None] if single else images
    if batch.shape[0] == 0:
        raise ValueError(f"{what}: expected at least one image, got an empty array.")
    if batch.shape[-1] != channels:
        raise ValueError(f"{what}: this model takes {channels}-channel images, got {batch.shape[-1]} channels "
                         f"(shape {images.shape}).")
    if 0 in batch.shape[1:3]:
        raise ValueError(f"{what}: expected {expected}, got an empty image of {batch.shape[1]}x{batch.shape[2]} "
                         f"pixels (shape {images.shape}).")
    if batch.shape[1:3] != (height, width):
        if not resize:
            raise ValueError(f"{what}: this model takes {height}x{width} images, got {batch.shape[1]}x"
                             f"{batch.shape[2]}; resize=True resizes them (short side, then a centre crop).")
        if height != width:
            raise ValueError(f"{what}: resize=True makes square images; this model takes {height}x{width}.")
        batch = np.stack([resize_square(image, height) for image in batch])
    return batch, single


def resize_square(image, size, nearest=False):
    """An HWC uint8 image with its short side scaled to `size` and centre-cropped to a square
    (nearest=True: nearest pixels, for masks)."""
    from ganzoo.data import center_crop_resize

    if image.shape[-1] == 1:  # PIL reads a 2-D array as grey
        return center_crop_resize(image[..., 0], size, nearest)[..., None]
    return center_crop_resize(image, size, nearest)


def grid(images, rows=None, cols=None, pad=2, pad_value=255):
    """Tile uint8 NHWC images into one HWC image, row-major, with `pad` pixels between tiles."""
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"grid expects NHWC images, got shape {images.shape}.")
    n, h, w, c = images.shape
    if cols is None:
        cols = int(np.ceil(np.sqrt(n))) if rows is None else int(np.ceil(n / rows))
    if rows is None:
        rows = int(np.ceil(n / cols))
    out = np.full((rows * h + (rows + 1) * pad, cols * w + (cols + 1) * pad, c), pad_value, images.dtype)
    for i in range(min(n, rows * cols)):
        r, k = divmod(i, cols)
        y, x = pad + r * (h + pad), pad + k * (w + pad)
        out[y : y + h, x : x + w] = images[i]
    return out


def label_rows(picture, labels, pad=2, font_size=11):
    """A grid (HWC uint8, as grid() makes it, `pad` between tiles) with labels[r] written in black to
    the left of row r, on a white margin as wide as the longest label: e.g. the caption of each row."""
    from PIL import Image, ImageDraw, ImageFont

    picture = np.asarray(picture)
    rows = len(labels)
    tile = (picture.shape[0] - (rows + 1) * pad) / max(rows, 1)
    if rows == 0 or tile < 1 or tile != int(tile):
        raise ValueError(f"label_rows: a grid {picture.shape[0]} pixels high does not have {rows} rows of tiles "
                         f"with {pad}-pixel gaps.")
    font = ImageFont.load_default(size=font_size)
    margin = int(max(font.getlength(label) for label in labels)) + 3 * pad
    canvas = Image.new("RGB", (margin + picture.shape[1], picture.shape[0]), "white")
    canvas.paste(Image.fromarray(picture if picture.shape[-1] == 3 else picture[..., 0]).convert("RGB"), (margin, 0))
    draw = ImageDraw.Draw(canvas)
    for row, label in enumerate(labels):
        draw.text((pad, pad + row * (tile + pad) + tile / 2), label, fill="black", font=font, anchor="lm")
    return np.asarray(canvas)


def save_png(image, path, scale=1):
    """Write an HWC (or HW) uint8 image to PNG, optionally enlarged by an integer factor (nearest)."""
    from PIL import Image

    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"save_png expects uint8, got {image.dtype}.")
    if scale > 1:
        image = image.repeat(scale, axis=0).repeat(scale, axis=1)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    Image.fromarray(image).save(path, format="PNG")
    return path


def load_image(path):
    """Read an image file as uint8 HWC RGB (or HW1 for grayscale files), with a clear error.

    Images beyond PIL's decompression-bomb limit (Image.MAX_IMAGE_PIXELS, ~89 million pixels;
    PIL warns up to twice that and refuses beyond) are refused with a ValueError that says so.
    """
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                im.load()
                if im.mode in ("L", "I;16", "1"):
                    return np.asarray(im.convert("L"))[..., None]
                return np.asarray(im.convert("RGB"))
    except FileNotFoundError:
        raise FileNotFoundError(f"No such image file: {path}") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ValueError(f"{path} is too large to read safely: {str(e).rstrip('.')}; shrink it to at most "
                         f"{Image.MAX_IMAGE_PIXELS} pixels first.") from None
    except (UnidentifiedImageError, OSError) as e:
        raise ValueError(f"Cannot read {path} as an image ({e}); expected a PNG or JPEG file.") from None
