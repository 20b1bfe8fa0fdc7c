"""Zoo folders are Keras model directories too (issue 24): `keras.saving.load_model(folder)` and
`keras.saving.load_model("hf://user/repo")` give the model `ganzoo.load` gives, for folders that hold
the whole GAN and for those that hold the generator with the discriminator in its own file."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import ganzoo
from conftest import REPO_ROOT, tiny_dcgan
from ganzoo import export, zoo
from test_push import isolated, server  # noqa: F401  (the local Hub server and a clean HF cache)


@pytest.fixture(scope="module")
def trained():
    images = np.random.default_rng(0).integers(0, 256, (32, 28, 28, 1), dtype=np.uint8)
    model = tiny_dcgan(ema_decay=0.9)
    model.compile()
    model.fit(images, batch_size=16, epochs=1, verbose=0)
    return model


def same_model(a, b):
    assert type(a) is type(b) and a.get_config() == b.get_config()
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(x), keras.ops.convert_to_numpy(y), err_msg=x.path)
    np.testing.assert_array_equal(a.sample(4, seed=0), b.sample(4, seed=0))


@pytest.mark.parametrize("generator_only", [True, False])
def test_keras_loads_an_exported_folder_as_ganzoo_does(trained, tmp_path, generator_only):
    folder = export.save_weights_folder(trained, tmp_path / "mine", generator_only=generator_only)
    config = json.loads((folder / "config.json").read_text())
    assert config["registered_name"] == "ganzoo>DCGAN" and config["family"] == "dcgan"
    assert json.loads((folder / "metadata.json").read_text())["keras_version"] == keras.__version__
    loaded = keras.saving.load_model(folder)
    same_model(loaded, zoo.load_folder(folder))
    # the discriminator shipped apart is loaded too, so that fit continues the game
    for x, y in zip(loaded.discriminator.weights, trained.discriminator.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(x), keras.ops.convert_to_numpy(y))


def test_a_generator_file_is_still_refused_by_a_model_it_does_not_fit(trained, tmp_path):
    folder = export.save_weights_folder(trained, tmp_path / "mine", generator_only=True)
    config = json.loads((folder / "config.json").read_text())
    config["config"]["width"] = 4
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="does not fit this model's config"):
        keras.saving.load_model(folder)


def test_every_shipped_entry_is_a_keras_model_directory():
    for name, entry in zoo.read_manifest()["models"].items():
        folder = REPO_ROOT / "weights" / name
        config = json.loads((folder / "config.json").read_text())
        assert config["config"] == entry["config"] and config["registered_name"].startswith("ganzoo>"), name
        assert {"config.json", "metadata.json", "model.weights.h5"} <= {r["path"] for r in entry["files"]}, name


@pytest.mark.parametrize("order", ["import ganzoo, keras", "import keras, ganzoo"])
def test_import_ganzoo_is_all_keras_needs_to_load_a_shipped_entry(order):
    """In a fresh process, either import order: the families register when keras loads."""
    script = (f"{order}\nimport numpy as np\n"
              "for name in ('cgan_mnist', 'infogan_mnist'):  # the whole GAN; a float16 generator with D apart\n"
              "    k = keras.saving.load_model(f'weights/{name}')\n"
              "    print(type(k).__name__, np.array_equal(k.sample(2, seed=0), ganzoo.load(name).sample(2, seed=0)))")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["ConditionalGAN", "True", "InfoGAN", "True"]


def test_import_ganzoo_stays_light():
    done = subprocess.run([sys.executable, "-c", "import sys, ganzoo; print('keras' in sys.modules)"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr[-2000:]


def test_keras_loads_a_hub_repository_in_the_zoo_layout(server, trained, tmp_path, monkeypatch):  # noqa: F811
    import huggingface_hub.constants as hf_constants

    from ganzoo import hub

    folder = export.save_weights_folder(trained, tmp_path / "mine", generator_only=True)
    hub.push(folder, "me/tiny-dcgan")
    # Keras asks huggingface_hub's default endpoint, which HF_ENDPOINT sets when huggingface_hub is imported
    monkeypatch.setattr(hf_constants, "ENDPOINT", server.endpoint)
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(tmp_path / "keras_hf_cache"))  # (read at import too)
    monkeypatch.setattr(hf_constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                        server.endpoint + "/{repo_id}/resolve/{revision}/{filename}")
    same_model(keras.saving.load_model("hf://me/tiny-dcgan"), ganzoo.load("hf://me/tiny-dcgan"))


def test_the_family_table_names_every_registered_family_and_its_module():
    from ganzoo.families import FAMILIES, FAMILY_CLASSES, _import_all

    _import_all()
    assert {cls.__name__: cls.__module__.rsplit(".", 1)[1] for cls in FAMILIES.values()} == FAMILY_CLASSES
    assert all(keras.saving.get_custom_objects()[f"ganzoo>{name}"] is cls
               for name, cls in ((c.__name__, c) for c in FAMILIES.values()))
