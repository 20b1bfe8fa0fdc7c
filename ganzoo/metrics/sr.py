"""PSNR and SSIM as super-resolution papers report them (Set5, Set14, BSD100).

The protocol: convert both images to the luma Y of ITU-R BT.601 as MATLAB's rgb2ycbcr
does (float, not rounded), shave `shave` pixels off every border (the scale factor, by
convention), then PSNR with a peak of 255, and SSIM with the 11x11 Gaussian window of
sigma 1.5, K1 = 0.01, K2 = 0.03, valid filtering, no downsampling (as the MATLAB code of
SRCNN/EDSR and BasicSR's calculate_ssim). SSIM comes from `tf.image.ssim`, so TensorFlow
is imported when it is first computed; everything else is NumPy.

Both take uint8 images: one (H, W, C) gives a float, a batch (N, H, W, C) gives the
per-image scores (N,); a benchmark reports the mean of per-image scores.
"""

import numpy as np

# MATLAB rgb2ycbcr: Y = 16 + 65.481 R + 128.553 G + 24.966 B for R, G, B in [0, 1].
_Y_WEIGHTS = np.array([65.481, 128.553, 24.966]) / 255.0


def rgb_to_y(images):
    """Luma Y in [16, 235], float64, of uint8 RGB images (..., 3); gray (..., 1) counts as R=G=B.

    Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255 for R, G, B in [0, 255]. Returns the
    input's shape without its channel axis.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"rgb_to_y: expected uint8 images, got dtype {images.dtype}.")
    if images.ndim < 3 or images.shape[-1] not in (1, 3):
        raise ValueError(f"rgb_to_y: expected images (..., H, W, 1 or 3), got shape {images.shape}.")
    x = images.astype(np.float64)
    if images.shape[-1] == 1:
        return 16.0 + x[..., 0] * _Y_WEIGHTS.sum()
    return 16.0 + x @ _Y_WEIGHTS


def _prepare(sr, hr, shave, min_size=1):
    """Y channels of sr and hr as float64 (N, H, W), borders shaved; (that, single image?)."""
    sr, hr = np.asarray(sr), np.asarray(hr)
    for name, image in (("sr", sr), ("hr", hr)):
        if image.dtype != np.uint8:
            raise ValueError(f"{name}: expected uint8 images, got dtype {image.dtype}.")
        if image.ndim not in (3, 4) or image.shape[-1] not in (1, 3):
            raise ValueError(f"{name}: expected uint8 (H, W, C) or (N, H, W, C) with C = 1 or 3, "
                             f"got shape {image.shape}.")
    if sr.shape != hr.shape:
        raise ValueError(f"sr and hr must have the same shape, got {sr.shape} and {hr.shape} "
                         "(crop hr to the upscaled size first).")
    if isinstance(shave, bool) or not isinstance(shave, (int, np.integer)) or shave < 0:
        raise ValueError(f"shave must be a non-negative int, got {shave!r}.")
    single = sr.ndim == 3
    y_sr, y_hr = rgb_to_y(sr[None] if single else sr), rgb_to_y(hr[None] if single else hr)
    h, w = y_sr.shape[1:]
    if min(h, w) - 2 * shave < min_size:
        raise ValueError(f"images of {h}x{w} with shave={shave} leave less than {min_size}x{min_size} pixels.")
    if shave:
        y_sr, y_hr = y_sr[:, shave:-shave, shave:-shave], y_hr[:, shave:-shave, shave:-shave]
    return y_sr, y_hr, single


def psnr_y(sr, hr, shave=4):
    """PSNR in dB of the Y channel, peak 255, borders shaved; inf for identical images."""
    y_sr, y_hr, single = _prepare(sr, hr, shave)
    mse = ((y_sr - y_hr) ** 2).mean(axis=(1, 2))
    with np.errstate(divide="ignore"):
        scores = 10.0 * np.log10(255.0**2 / mse)
    return float(scores[0]) if single else scores


SSIM_WINDOW = 11


def ssim_y(sr, hr, shave=4):
    """SSIM of the Y channel (tf.image.ssim: max_val 255, 11x11 Gaussian, sigma 1.5, K1 0.01,
    K2 0.03), borders shaved; the shaved images must be at least 11x11."""
    y_sr, y_hr, single = _prepare(sr, hr, shave, min_size=SSIM_WINDOW)
    import tensorflow as tf

    scores = tf.image.ssim(y_sr[..., None].astype(np.float32), y_hr[..., None].astype(np.float32),
                           max_val=255.0, filter_size=SSIM_WINDOW, filter_sigma=1.5, k1=0.01, k2=0.03)
    scores = np.asarray(scores, np.float64)
    return float(scores[0]) if single else scores
