"""Masks for inpainting: uint8 (N, H, W) arrays where 1 marks a missing pixel.

Three kinds, as the inpainting papers train and test on them: the centre square of a Context
Encoder (Pathak et al. 2016), random rectangles, and free-form strokes (a thick random polyline,
as in Yu et al. 2019's free-form masks). All are functions of a numpy Generator, so a seed
gives the same masks on every machine.
"""

import numpy as np
from PIL import Image, ImageDraw

KINDS = ("centre", "box", "stroke")


def centre(n, size, fraction=0.5):
    """n masks of the centre square, `fraction` of the side (a quarter of the pixels at 0.5)."""
    side = int(round(size * fraction))
    start = (size - side) // 2
    masks = np.zeros((n, size, size), np.uint8)
    masks[:, start : start + side, start : start + side] = 1
    return masks


def boxes(n, size, rng, smallest=1 / 8, largest=1 / 2):
    """n masks of one rectangle each, sides uniform in [smallest, largest] of the image's side."""
    masks = np.zeros((n, size, size), np.uint8)
    low, high = max(1, int(size * smallest)), max(2, int(size * largest))
    for mask in masks:
        h, w = rng.integers(low, high + 1, size=2)
        y, x = rng.integers(0, size - h + 1), rng.integers(0, size - w + 1)
        mask[y : y + h, x : x + w] = 1
    return masks


def strokes(n, size, rng, vertices=(4, 10), thickness=(1 / 16, 1 / 8)):
    """n free-form masks: one thick polyline each, of a random number of vertices, angles, lengths
    and widths (widths as a fraction of the side), with rounded joints."""
    masks = np.zeros((n, size, size), np.uint8)
    for mask in masks:
        canvas = Image.new("L", (size, size), 0)
        draw = ImageDraw.Draw(canvas)
        width = max(1, int(round(rng.uniform(*thickness) * size)))
        point = rng.uniform(0, size, size=2)
        for _ in range(rng.integers(vertices[0], vertices[1] + 1)):
            angle, length = rng.uniform(0, 2 * np.pi), rng.uniform(size / 8, size / 3)
            end = np.clip(point + length * np.array([np.cos(angle), np.sin(angle)]), 0, size - 1)
            draw.line([tuple(point), tuple(end)], fill=1, width=width)
            r = width / 2
            draw.ellipse([end[0] - r, end[1] - r, end[0] + r, end[1] + r], fill=1)
            point = end
        mask[:] = np.asarray(canvas)
    return masks


def random_masks(n, size, seed=0, kinds=("box", "stroke")):
    """n masks, the kinds drawn in equal shares (interleaved), from one seed."""
    rng = np.random.default_rng(seed)
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"mask kinds must be among {KINDS}, got {list(kinds)!r}.")
    counts = [len(range(i, n, len(kinds))) for i in range(len(kinds))]
    made = {kind: {"centre": lambda k: centre(k, size), "box": lambda k: boxes(k, size, rng),
                   "stroke": lambda k: strokes(k, size, rng)}[kind](count) for kind, count in zip(kinds, counts)}
    masks = np.zeros((n, size, size), np.uint8)
    for i, kind in enumerate(kinds):
        masks[i::len(kinds)] = made[kind]
    return masks


def from_box(box, size):
    """One mask of the rectangle `box` = (x, y, w, h) in pixels, or the text "x,y,w,h"."""
    if isinstance(box, str):
        try:
            box = [int(v) for v in box.split(",")]
        except ValueError:
            raise ValueError(f"--box must be four whole numbers x,y,w,h, got {box!r}.") from None
    if len(box) != 4:
        raise ValueError(f"A box is x,y,w,h (four numbers), got {box!r}.")
    x, y, w, h = (int(v) for v in box)
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > size or y + h > size:
        raise ValueError(f"The box x={x}, y={y}, w={w}, h={h} must have a positive size and lie inside the "
                         f"{size}x{size} image.")
    mask = np.zeros((size, size), np.uint8)
    mask[y : y + h, x : x + w] = 1
    return mask


def check_masks(masks, images_shape):
    """masks as uint8 (N, H, W) of 0 and 1 for images of shape (N, H, W, C); bool, uint8 0/1 or
    0/255, with or without a channel axis of 1, one mask for all images or one per image."""
    n, height, width = images_shape[:3]
    masks = np.asarray(masks)
    if masks.dtype == bool:
        masks = masks.astype(np.uint8)
    if masks.dtype != np.uint8:
        raise ValueError(f"A mask must be uint8 or bool (1 or 255 = missing), got {masks.dtype}.")
    if masks.ndim >= 3 and masks.shape[-1] == 1 and masks.shape[-3:-1] == (height, width):
        masks = masks[..., 0]
    if masks.ndim == 2:
        masks = np.broadcast_to(masks, (n, *masks.shape))
    if masks.ndim != 3 or masks.shape[1:] != (height, width) or len(masks) != n:
        raise ValueError(f"Masks must be {height}x{width} (the images' size), one for all images or one per "
                         f"image; got shape {tuple(np.shape(masks))} for {n} images of {height}x{width}.")
    masks = (masks > 0).astype(np.uint8)
    holes = masks.reshape(n, -1).sum(axis=1)
    if (holes == 0).any():
        raise ValueError(f"Mask {int(np.argmax(holes == 0))} marks no pixel as missing (1 = missing): "
                         "there is nothing to fill.")
    if (holes == height * width).any():
        raise ValueError(f"Mask {int(np.argmax(holes == height * width))} marks every pixel as missing: "
                         "inpainting needs some of the image to fill from.")
    return masks
