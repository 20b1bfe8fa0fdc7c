"""A non-editable install works: build the wheel, install it into a fresh venv and run the
`ganzoo` command from a folder outside the checkout.

The fresh venv has no pip and no packages of its own; a .pth line puts this project's
site-packages after its own, so the dependencies come from there without any download
(.pth files inside that folder are not run, so the project's editable install of ganzoo is
not seen). Weights come from $GANZOO_WEIGHTS_DIR, as for any user without a checkout.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import ganzoo
from conftest import REPO_ROOT

# what a wheel is built from: setup.cfg's metadata and data_files name these
SOURCES = ("ganzoo", "setup.cfg", "pyproject.toml", "README.md", "weights_manifest.json")


def _run(command, cwd, env=None, timeout=120):
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv folder, the wheel): the wheel built from a copy of the sources, installed with --no-deps."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    source.mkdir()
    for name in SOURCES:
        path = REPO_ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    try:
        import setuptools  # noqa: F401  (--no-build-isolation builds with the installed setuptools)
    except ImportError:
        pytest.skip("setuptools is not installed, so the wheel cannot be built offline")
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                  "-q", "-w", tmp / "dist", source], cwd=tmp)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp / "dist").glob("ganzoo-*.whl")

    venv = tmp / "venv"
    created = _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp)
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=tmp).stdout.strip())
    (purelib / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # pip of this project, run by the new venv's python: the console script's shebang is the venv's
    done = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q",
                 wheel], cwd=tmp)
    assert done.returncode == 0, done.stderr
    return venv, wheel


def _ganzoo(venv, *argv, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GANZOO_", "PYTHON"))}
    env.update(GANZOO_WEIGHTS_DIR=str(REPO_ROOT / "weights"), HF_HUB_OFFLINE="1")
    return _run([venv / "bin" / "ganzoo", *argv], cwd=cwd, env=env)


def test_the_wheel_carries_the_manifest_once(installed):
    _, wheel = installed
    names = zipfile.ZipFile(wheel).namelist()
    manifests = [n for n in names if n.endswith("weights_manifest.json")]
    assert manifests == [f"ganzoo-{ganzoo.__version__}.data/data/share/ganzoo/weights_manifest.json"], manifests
    assert "ganzoo/cli.py" in names and "ganzoo/families/dcgan.py" in names


def test_installed_command_lists_describes_and_samples(installed, tmp_path):
    venv, _ = installed
    # the package imported is the installed one, not the checkout's
    where = _run([venv / "bin" / "python", "-c", "import ganzoo, ganzoo.zoo as z; print(ganzoo.__file__); "
                  "print(z.MANIFEST_PATH)"], cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    module, manifest = where.stdout.split()
    assert Path(module).is_relative_to(venv) and Path(manifest).is_relative_to(venv), where.stdout
    assert not Path(module).is_relative_to(REPO_ROOT / "ganzoo")

    listed = _ganzoo(venv, "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    names = [line.split()[0] for line in listed.stdout.splitlines()]
    assert "cgan_mnist" in names and len(names) >= 5, listed.stdout

    info = _ganzoo(venv, "info", "cgan_mnist", cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    assert info.stdout.startswith("cgan_mnist: ") and "family:   cgan" in info.stdout

    sampled = _ganzoo(venv, "sample", "cgan_mnist", "-n", "4", "--seed", "0", "-o", "x.png", cwd=tmp_path)
    assert sampled.returncode == 0, sampled.stderr
    assert sampled.stderr == ""  # no backend chatter either
    from PIL import Image

    with Image.open(tmp_path / "x.png") as im:
        assert im.size == (2 * 28 * 4 + 3 * 2 * 4,) * 2  # 2x2 grid of 28 px digits, pad 2, scale 4

    # no recipes beside an installed package: one clear line, not a traceback
    trained = _ganzoo(venv, "train", "cgan_mnist", cwd=tmp_path)
    assert trained.returncode == 2 and trained.stdout == "", trained
    assert trained.stderr.count("\n") == 1 and "source checkout" in trained.stderr, trained.stderr
