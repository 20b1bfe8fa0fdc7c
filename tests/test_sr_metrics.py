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


# --- the perceptual side: upscaled patches against the true ones (evaluate._super_resolution) ---

def _synthetic_benchmark(count=3, height=128, width=160):
    """[(name, LR, HR)] like superres.load_benchmark's: smooth random colour fields with fine detail."""
    rng = np.random.default_rng(0)
    out = []
    for i in range(count):
        coarse = rng.uniform(0, 255, (height // 16, width // 16, 3))
        high = np.kron(coarse, np.ones((16, 16, 1))) + rng.normal(0, 40, (height, width, 3))
        high = np.clip(high, 0, 255).astype(np.uint8)
        out.append((f"img_{i:03d}", high[::4, ::4].copy(), high))
    return out


class _Oracle:
    """Upscales each LR image to its true HR image: what a perfect model would give."""

    def __init__(self, benchmark):
        self.truth = {lr.tobytes(): hr for _, lr, hr in benchmark}

    def upscale(self, low_res):
        return self.truth[low_res.tobytes()]


def test_patch_windows_are_seeded_and_inside_the_image():
    from ganzoo.evaluate import _patch_windows

    windows = _patch_windows((40, 50, 3), 16, 30, np.random.default_rng(0))
    assert len(windows) == 30
    assert all(0 <= r.start and r.stop <= 40 and 0 <= c.start and c.stop <= 50 and r.stop - r.start == 16
               and c.stop - c.start == 16 for r, c in windows)
    assert windows == _patch_windows((40, 50, 3), 16, 30, np.random.default_rng(0))
    assert len({(r.start, c.start) for r, c in windows}) > 20  # spread over the image, not one place
    with pytest.raises(ValueError, match="do not fit"):
        _patch_windows((10, 50, 3), 16, 1, np.random.default_rng(0))


def test_patch_measures_read_a_perfect_upscaler_as_the_truth_and_bicubic_as_not(monkeypatch, tmp_path):
    import torch

    from ganzoo import evaluate, superres
    from ganzoo.metrics import fid

    benchmark = _synthetic_benchmark()
    monkeypatch.setattr(superres, "load_benchmark", lambda name, data_dir=None: benchmark)
    monkeypatch.setenv(fid.CACHE_DIR_ENV, str(tmp_path))
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        ref = {"benchmarks": ["Set5"], "shave": 4, "patches": {"benchmark": "Set5", "size": 48, "per_image": 4}}
        results, count = evaluate._super_resolution(_Oracle(benchmark), ref, progress=False)
    finally:
        torch.set_num_threads(saved)
    assert count == 3 and results["Set5/patches"] == 12
    assert abs(results["Set5/patch_fid"]) < 0.01 and results["Set5/patch_precision"] == 1.0
    assert results["Set5/patch_recall"] == 1.0 and results["Set5/patch_coverage"] == 1.0
    assert results["Set5/bicubic_patch_fid"] > 10 * max(abs(results["Set5/patch_fid"]), 0.1)
    assert results["Set5/bicubic_patch_kid"] > results["Set5/patch_kid"]
    with pytest.raises(ValueError, match="not one of the benchmarks"):
        evaluate._super_resolution(_Oracle(benchmark), {**ref, "patches": {**ref["patches"], "benchmark": "BSD100"}},
                                   progress=False)
