"""PSNR / SSIM on the Y channel against closed forms, an independent SSIM, and the published
bicubic baseline on Set5."""

import io
import tarfile

import numpy as np
import pytest
from scipy import signal

from conftest import needs_data
from ganzoo.metrics.sr import psnr_y, rgb_to_y, ssim_y


def gray(value, shape=(32, 32)):
    return np.full((*shape, 3), value, np.uint8)


def test_rgb_to_y_is_matlab_rgb2ycbcr():
    assert rgb_to_y(gray(255, (2, 2))) == pytest.approx(np.full((2, 2), 235.0))
    assert rgb_to_y(gray(0, (2, 2))) == pytest.approx(np.full((2, 2), 16.0))
    pixels = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8)
    np.testing.assert_allclose(rgb_to_y(pixels), [[16 + 65.481, 16 + 128.553, 16 + 24.966]])
    one_channel = np.arange(256, dtype=np.uint8).reshape(16, 16, 1)
    np.testing.assert_allclose(rgb_to_y(one_channel), rgb_to_y(np.repeat(one_channel, 3, -1)))
    assert rgb_to_y(gray(7)).dtype == np.float64


def test_psnr_of_identical_images_is_infinite():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)
    assert psnr_y(image, image) == np.inf


def test_psnr_of_a_constant_offset_is_closed_form():
    # gray g maps to Y = 16 + 219 g / 255: an offset of k gray levels is d = 219 k / 255 in Y
    for k in (1, 5, 40):
        d = 219 * k / 255
        assert psnr_y(gray(100 + k), gray(100)) == pytest.approx(20 * np.log10(255 / d), rel=1e-12)


def test_batches_give_per_image_scores():
    a = np.stack([gray(100), gray(100), gray(90)])
    b = np.stack([gray(110), gray(100), gray(90)])
    scores = psnr_y(a, b)
    assert scores.shape == (3,) and scores[0] == pytest.approx(psnr_y(a[0], b[0])) and np.isinf(scores[1:]).all()


def test_shave_excludes_the_border():
    rng = np.random.default_rng(1)
    hr = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
    noisy = np.clip(hr + rng.normal(0, 8, hr.shape), 0, 255).astype(np.uint8)
    border_changed = noisy.copy()
    border_changed[:4] = 255 - border_changed[:4]
    border_changed[:, -4:] = 0
    assert psnr_y(border_changed, hr, shave=4) == psnr_y(noisy, hr, shave=4)
    assert ssim_y(border_changed, hr, shave=4) == ssim_y(noisy, hr, shave=4)
    assert psnr_y(border_changed, hr, shave=0) < psnr_y(noisy, hr, shave=0) - 3


def test_ssim_is_one_for_identical_images_and_drops_with_noise():
    rng = np.random.default_rng(2)
    hr = np.clip(rng.normal(128, 50, (48, 48, 3)), 0, 255).astype(np.uint8)
    assert ssim_y(hr, hr) == pytest.approx(1.0, abs=1e-6)
    scores = [ssim_y(np.clip(hr + rng.normal(0, s, hr.shape), 0, 255).astype(np.uint8), hr) for s in (2, 10, 40)]
    assert 1.0 > scores[0] > scores[1] > scores[2]


def reference_ssim(a, b):
    """SSIM with scipy: 11x11 Gaussian (sigma 1.5), valid filtering, C1, C2 from K1, K2, L=255."""
    g = signal.windows.gaussian(11, 1.5)
    w = np.outer(g, g) / np.outer(g, g).sum()

    def f(x):
        return signal.convolve2d(x, w, mode="valid")

    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    ma, mb = f(a), f(b)
    va, vb, cov = f(a * a) - ma**2, f(b * b) - mb**2, f(a * b) - ma * mb
    return float((((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma**2 + mb**2 + c1) * (va + vb + c2))).mean())


def test_ssim_matches_an_independent_computation():
    rng = np.random.default_rng(3)
    hr = rng.integers(0, 256, (40, 36, 3), dtype=np.uint8)
    sr = np.clip(hr + rng.normal(0, 20, hr.shape), 0, 255).astype(np.uint8)
    expected = reference_ssim(rgb_to_y(hr)[4:-4, 4:-4], rgb_to_y(sr)[4:-4, 4:-4])
    assert ssim_y(sr, hr) == pytest.approx(expected, abs=1e-4)


def test_clear_errors():
    with pytest.raises(ValueError, match="same shape"):
        psnr_y(gray(0, (32, 32)), gray(0, (32, 30)))
    with pytest.raises(ValueError, match="uint8"):
        psnr_y(gray(0).astype(np.float32), gray(0))
    with pytest.raises(ValueError, match="uint8"):
        rgb_to_y(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="shape"):
        ssim_y(np.zeros((32, 32), np.uint8), np.zeros((32, 32), np.uint8))
    with pytest.raises(ValueError, match="11x11"):
        ssim_y(gray(0, (16, 16)), gray(0, (16, 16)), shave=4)
    with pytest.raises(ValueError, match="shave"):
        psnr_y(gray(0), gray(0), shave=-1)


@needs_data
def test_bicubic_on_set5_gives_the_published_baseline():
    """Bicubic x4 on Set5 is reported as 28.42 dB / 0.8104 (Y, shave 4); the LR images were
    made with MATLAB's imresize, upscaled here with PIL's bicubic, which differs slightly."""
    from PIL import Image

    from ganzoo import data

    path = data.default_data_dir() / "sr" / "Set5_x4.tar"
    assert path.exists(), f"{path} not found: set GANZOO_DATA_DIR"
    with tarfile.open(path) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}
    psnrs, ssims = [], []
    for name in sorted(n for n in files if n.endswith("_HR.png")):
        hr = np.asarray(Image.open(io.BytesIO(files[name])).convert("RGB"))
        lr = Image.open(io.BytesIO(files[name.replace("_HR", "_LR")])).convert("RGB")
        sr = np.asarray(lr.resize((lr.width * 4, lr.height * 4), Image.BICUBIC))
        hr = hr[: sr.shape[0], : sr.shape[1]]
        psnrs.append(psnr_y(sr, hr, shave=4))
        ssims.append(ssim_y(sr, hr, shave=4))
    assert len(psnrs) == 5
    assert np.mean(psnrs) == pytest.approx(28.42, abs=0.05)
    assert np.mean(ssims) == pytest.approx(0.8104, abs=0.002)
