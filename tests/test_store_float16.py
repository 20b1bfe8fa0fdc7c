"""scripts/store_float16.py: a shipped entry rewritten at float16 where its samples barely change."""

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO_ROOT, add_to_private_zoo, tiny_dcgan
from ganzoo import export, hub, zoo

DATASET = {"name": "squares", "license": "test data"}


def dtypes_of(path):
    import h5py

    from ganzoo.checkpoint_packing import arrays

    with h5py.File(path) as f:
        return {item.dtype.name for item in arrays(f)}


@pytest.fixture
def private_entry(tmp_path):
    root = tmp_path / "zoo"
    add_to_private_zoo(root, "squares", tiny_dcgan(width=64), "tiny", DATASET, "recipes/dcgan_mnist.py",
                       generator_only=True)  # a generator with its discriminator apart
    return root, root / "weights" / "squares"


def test_the_script_halves_the_weights_and_records_how_little_samples_moved(private_entry):
    root, folder = private_entry
    drawn = zoo.load_folder(folder).sample(200, seed=0).astype(int)
    size = lambda: (folder / "model.weights.h5").stat().st_size  # noqa: E731
    float32_size, float32_sha = size(), hub.sha256_of(folder / "model.weights.h5")
    done = subprocess.run([sys.executable, "scripts/store_float16.py", "squares", f"--manifest={root / 'manifest.json'}",
                           f"--weights_dir={root / 'weights'}", "--n=200"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Now measure again: ganzoo evaluate squares --write" in done.stdout
    assert size() < 0.6 * float32_size
    assert dtypes_of(folder / "model.weights.h5") == dtypes_of(folder / "discriminator.weights.h5") == {"float16"}
    assert json.loads((folder / "config.json").read_text())["weights_dtype"] == "float16"
    moved = np.abs(zoo.load_folder(folder).sample(200, seed=0).astype(int) - drawn)
    entry = zoo.read_manifest(root / "manifest.json")["models"]["squares"]
    storage = entry["storage"]
    assert moved.max() <= 1 and storage["max_level_change"] == moved.max()
    assert storage["identical_share"] == round(float((moved == 0).mean()), 4)
    assert storage["float32_sha256"] == float32_sha and storage["n_samples"] == 200
    assert storage["command"] == "python scripts/store_float16.py squares"
    assert storage["rewritten"] == ["model.weights.h5", "discriminator.weights.h5"]
    assert ("model.weights.h5 and discriminator.weights.h5 were then stored as float16 "
            "(`python scripts/store_float16.py squares`)") in (folder / "README.md").read_text()
    for record in entry["files"]:  # the manifest names the rewritten files
        assert hub.sha256_of(folder / record["path"]) == record["sha256"], record["path"]
    assert not (folder.parent / "squares.float16").exists()
    with pytest.raises(ValueError, match="stored as float16 already"):
        export.store_entry_as_float16("squares", entry, folder)


def test_an_entry_whose_samples_would_move_more_is_left_as_it_was(private_entry):
    root, folder = private_entry
    entry = zoo.read_manifest(root / "manifest.json")["models"]["squares"]
    files = {path.name: hub.sha256_of(path) for path in folder.iterdir()}
    with pytest.raises(ValueError, match=r"change by up to \d+ of 255 \(more than 0\); it stays float32"):
        export.store_entry_as_float16("squares", entry, folder, n=200, max_level_change=0)
    assert {path.name: hub.sha256_of(path) for path in folder.iterdir()} == files
    assert "storage" not in entry and not (folder.parent / "squares.float16").exists()


def test_the_discriminator_can_stay_float32(private_entry):
    root, folder = private_entry
    entry = zoo.read_manifest(root / "manifest.json")["models"]["squares"]
    storage = export.store_entry_as_float16("squares", entry, folder, n=50, training_files_too=False)
    assert dtypes_of(folder / "model.weights.h5") == {"float16"}
    assert "float32" in dtypes_of(folder / "discriminator.weights.h5")
    assert json.loads((folder / "config.json").read_text())["training_weights_dtype"] == "float32"
    assert storage["rewritten"] == ["model.weights.h5"]
    assert storage["command"] == "python scripts/store_float16.py squares --keep_training_files_float32"
    assert export.storage_summary(storage).startswith("model.weights.h5 was then stored as float16 (`python ")



def test_a_discriminator_exported_at_float16_keeps_saying_so(tmp_path):
    model = tiny_dcgan(width=64)
    folder = export.save_weights_folder(model, tmp_path / "weights" / "squares", generator_only=True,
                                        training_weights_dtype="float16")  # as dcgan_celeba's recipe exports
    entry = export.build_entry("squares", model, folder, description="tiny", dataset=DATASET,
                               recipe="recipes/dcgan_mnist.py", command="python recipes/dcgan_mnist.py",
                               training={"steps": 0})
    export.store_entry_as_float16("squares", entry, folder, n=50, training_files_too=False)
    config = json.loads((folder / "config.json").read_text())
    assert config["weights_dtype"] == "float16" and "training_weights_dtype" not in config  # all float16
    assert dtypes_of(folder / "discriminator.weights.h5") == {"float16"}


def test_an_image_to_image_entry_is_sent_back_to_its_recipe(tmp_path):
    from ganzoo.families.pix2pix import Pix2Pix

    root = tmp_path / "zoo"
    entry = add_to_private_zoo(root, "tiny_pix2pix", Pix2Pix(resolution=16, input_channels=1, output_channels=3,
                                                              width=4, seed=0), "tiny", DATASET, "recipes/x.py")
    with pytest.raises(ValueError, match="a pix2pix entry does not draw .*re-export it from its recipe at float16"):
        export.store_entry_as_float16("tiny_pix2pix", entry, root / "weights" / "tiny_pix2pix")
