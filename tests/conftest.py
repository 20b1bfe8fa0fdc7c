import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
BACKEND = keras.backend.backend()

tf_only = pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.distribute needs the TensorFlow backend")


# -- the real data sets ---------------------------------------------------------------
# Tests of formats and mechanics make their own small fixtures. Tests of real data (the shipped
# entries' quality, the recipes, the FID of real digits) need MNIST, CelebA and the SR sets
# (ganzoo.data.default_data_dir). Without that folder, as on a plain clone, they skip with this one
# reason; with it, as in CI, every one of them runs.
def _data_dir():
    from ganzoo.data import default_data_dir

    return default_data_dir()


HAVE_DATA = _data_dir().is_dir()
NO_DATA_REASON = (f"needs the real data sets (MNIST, CelebA, the SR benchmarks), not found in {_data_dir()}: set "
                  "$GANZOO_DATA_DIR to a folder laid out as docs/data.md says, or run online with GANZOO_ONLINE=1 "
                  "for the sets that TFDS has")
needs_data = pytest.mark.skipif(not HAVE_DATA, reason=NO_DATA_REASON)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Without the data folder, a test that stops on ganzoo's DataNotFoundError is reported as
    skipped for that reason (never when the folder exists: then the error is a failure)."""
    outcome = yield
    report = outcome.get_result()
    if HAVE_DATA or call.excinfo is None or report.outcome != "failed":
        return
    from ganzoo.data import DataNotFoundError

    if call.excinfo.errisinstance(DataNotFoundError):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {NO_DATA_REASON}")


def idx_bytes(array):
    """`array` (uint8) as a gzipped IDX file, the layout of the MNIST files."""
    import gzip

    array = np.ascontiguousarray(array, np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.tobytes())


def write_small_mnist(root, train=64, test=32, name="mnist"):
    """root/<name>/ in MNIST's layout (the four gzipped IDX files) with `train` and `test` 28x28
    'digits' (bright squares on black, labelled 0-9 in turn): the real set's stand-in in tests of
    mechanics (recipes, the CLI's train), which then run without the data folder; root."""
    from ganzoo import data

    folder = Path(root) / name
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", train), ("test", test)):
        images = np.zeros((n, 28, 28), np.uint8)
        for im in images:
            y, x = rng.integers(0, 20, size=2)
            im[y : y + 8, x : x + 8] = 255
        image_file, label_file = data._IDX_FILES[split]
        (folder / image_file).write_bytes(idx_bytes(images))
        (folder / label_file).write_bytes(idx_bytes(np.arange(n) % 10))
    return Path(root)


@pytest.fixture
def small_mnist_data(tmp_path_factory, monkeypatch):
    """$GANZOO_DATA_DIR (seen by subprocesses too) points at a small stand-in MNIST folder."""
    root = write_small_mnist(tmp_path_factory.mktemp("small_data"))
    monkeypatch.setenv("GANZOO_DATA_DIR", str(root))
    return root


def numpy(x):
    """A backend tensor (or array) as numpy."""
    return keras.ops.convert_to_numpy(x)


def weights_of(model):
    return [np.array(w) for w in model.get_weights()]


def moved(before, model):
    """Whether any of model's weights differ from `before` (weights_of it earlier)."""
    return any(not np.allclose(a, b) for a, b in zip(before, weights_of(model)))


def tiny_dcgan(**overrides):
    from ganzoo.families.dcgan import DCGAN

    config = dict(resolution=28, channels=1, width=8, latent_dim=8, seed=0)
    config.update(overrides)
    return DCGAN(**config)


# The text-to-image families' tiny configs (tests/test_text_to_image.py, tests/test_mixed_precision.py)
TINY_GAN_CLS = dict(resolution=32, channels=3, width=8, latent_dim=16, embedding_dim=16, text_width=16,
                    condition_dim=8, seed=0)
TINY_STACKGAN = dict(resolution=32, stage1_resolution=16, width=4, latent_dim=8, embedding_dim=8, text_width=8,
                     condition_dim=8, seed=0)


def drop_discriminator(folder):
    """Make an exported zoo folder ship its generator alone, as entries exported before
    discriminators shipped: the file goes, and config.json no longer lists it."""
    import json

    (folder / "discriminator.weights.h5").unlink()
    config = json.loads((folder / "config.json").read_text())
    del config["training_files"]
    (folder / "config.json").write_text(json.dumps(config))


@pytest.fixture
def tiny_images():
    """64 uint8 'digits': bright squares at random places on black, 28x28x1."""
    rng = np.random.default_rng(0)
    images = np.zeros((64, 28, 28, 1), np.uint8)
    for im in images:
        y, x = rng.integers(0, 20, size=2)
        im[y : y + 8, x : x + 8] = 255
    return images


def run_python(code, env=None, timeout=300):
    """Run Python code in a fresh interpreter (another backend, or TF device set-up)."""
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=full_env, cwd=REPO_ROOT, timeout=timeout)
    assert result.returncode == 0, f"subprocess failed:\n{result.stdout}\n{result.stderr[-4000:]}"
    return result.stdout


def add_to_private_zoo(root, name, model, description, dataset, recipe, command=None, generator_only=False):
    """Export `model` to root/weights/<name>/ and list it in root/manifest.json; the entry."""
    from ganzoo import export, zoo

    folder = export.save_weights_folder(model, root / "weights" / name, generator_only=generator_only)
    entry = export.build_entry(name, model, folder, description=description, dataset=dataset, recipe=recipe,
                               command=command or f"python {recipe}", training={"steps": 0})
    zoo.write_entry(name, entry, root / "manifest.json")
    return entry


def private_zoo(root, models, description, dataset, recipe=None):
    """(root, models) with every {name: model} exported into root's private zoo; each entry's recipe
    is `recipe`, else recipes/<name>.py."""
    for name, model in models.items():
        add_to_private_zoo(root, name, model, description, dataset, recipe or f"recipes/{name}.py")
    return root, models


def point_cli_at(root, tmp_path, monkeypatch):
    """Make the zoo read root's manifest and weights only: nothing from the repo's weights/ or the Hub."""
    from ganzoo import hub, zoo

    monkeypatch.setattr(zoo, "MANIFEST_PATH", root / "manifest.json")
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(root / "weights"))
    monkeypatch.setattr(hub, "REPO_WEIGHTS_DIR", tmp_path / "no_repo_weights")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf_cache"))
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    monkeypatch.chdir(tmp_path)  # a default output PNG lands here, never in the repo
