"""An entry ships its discriminator beside the generator; sampling never reads it, fit loads it."""

import numpy as np
import pytest

from conftest import tiny_dcgan, weights_of
from ganzoo import export, hub, zoo
from hub_server import HubServer

NAME = "tiny"
DATASET = {"name": "mnist", "license": "CC BY-SA 3.0"}


def export_generator_only(root, model, weights_dtype="float32", training_weights_dtype=None):
    folder = export.save_weights_folder(model, root / "weights" / NAME, generator_only=True,
                                        weights_dtype=weights_dtype, training_weights_dtype=training_weights_dtype)
    entry = export.build_entry(NAME, model, folder, description="tiny", dataset=DATASET,
                               recipe="recipes/dcgan_mnist.py", command="python recipes/dcgan_mnist.py",
                               training={"steps": 2})
    zoo.write_entry(NAME, entry, root / "manifest.json")
    return folder, entry


@pytest.fixture
def trained(tiny_images):
    model = tiny_dcgan(ema_decay=0.9)
    model.compile(learning_rate=1e-3)
    model.fit(tiny_images[:32], batch_size=16, epochs=1, verbose=0)
    return model


def test_the_discriminator_ships_as_a_training_file_and_loads_as_shipped(tmp_path, trained):
    folder, entry = export_generator_only(tmp_path, trained)
    roles = {record["path"]: record.get("role", "sampling") for record in entry["files"]}
    assert roles["discriminator.weights.h5"] == "training" and roles["model.weights.h5"] == "sampling"
    shipped = weights_of(trained.discriminator)

    model = zoo.load(NAME, weights_dir=tmp_path / "weights", manifest_path=tmp_path / "manifest.json")
    assert not all(np.array_equal(a, b) for a, b in zip(shipped, weights_of(model.discriminator)))
    assert model.pending_training_weights is not None  # sampling did not read it

    eager = zoo.load(NAME, weights_dir=tmp_path / "weights", manifest_path=tmp_path / "manifest.json", training=True)
    for a, b in zip(shipped, weights_of(eager.discriminator)):
        np.testing.assert_array_equal(a, b)


def test_fit_fetches_the_discriminator_first(tmp_path, trained, tiny_images):
    export_generator_only(tmp_path, trained)
    model = zoo.load(NAME, weights_dir=tmp_path / "weights", manifest_path=tmp_path / "manifest.json")
    trainable = [i for i, w in enumerate(model.discriminator.weights) if w.trainable]
    model.compile(learning_rate=0.0)  # nothing moves: D after fit is what fit started from
    model.fit(tiny_images[:16], batch_size=16, epochs=1, verbose=0)
    after, shipped = weights_of(model.discriminator), weights_of(trained.discriminator)
    for i in trainable:
        np.testing.assert_array_equal(after[i], shipped[i])
    assert model.pending_training_weights is None  # fetched once


def test_sampling_works_without_the_discriminator_file_and_fit_says_what_is_missing(tmp_path, trained, tiny_images):
    folder, _ = export_generator_only(tmp_path, trained)
    (folder / "discriminator.weights.h5").unlink()
    model = zoo.load(NAME, weights_dir=tmp_path / "weights", manifest_path=tmp_path / "manifest.json")
    np.testing.assert_array_equal(model.sample(4, seed=0), trained.sample(4, seed=0))
    model.compile()
    with pytest.raises(hub.WeightsNotAvailableError, match="discriminator.weights.h5"):
        model.fit(tiny_images[:16], batch_size=16, epochs=1, verbose=0)


def _stored_dtypes(path):
    import h5py

    with h5py.File(path) as f:
        kinds = set()
        f.visititems(lambda key, item: kinds.add(item.dtype) if isinstance(item, h5py.Dataset) else None)
    return kinds


def test_float16_entries_store_the_discriminator_at_half_precision(tmp_path, trained):
    folder, _ = export_generator_only(tmp_path, trained, weights_dtype="float16")
    kinds = _stored_dtypes(folder / "discriminator.weights.h5")
    assert np.dtype(np.float16) in kinds and np.dtype(np.float32) not in kinds
    eager = zoo.load(NAME, weights_dir=tmp_path / "weights", manifest_path=tmp_path / "manifest.json", training=True)
    for a, b in zip(weights_of(trained.discriminator), weights_of(eager.discriminator)):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


def test_the_discriminator_alone_can_ship_at_half_precision(tmp_path, trained):
    """training_weights_dtype="float16": D (which only starts a fine-tune) halves, G and its samples stay float32."""
    import json

    folder, _ = export_generator_only(tmp_path, trained, training_weights_dtype="float16")
    assert np.dtype(np.float32) not in _stored_dtypes(folder / "discriminator.weights.h5")
    assert np.dtype(np.float16) not in _stored_dtypes(folder / "model.weights.h5")
    config = json.loads((folder / "config.json").read_text())
    assert config["training_weights_dtype"] == "float16" and "weights_dtype" not in config
    eager = zoo.load(NAME, weights_dir=tmp_path / "weights", manifest_path=tmp_path / "manifest.json", training=True)
    np.testing.assert_array_equal(eager.sample(4, seed=0), trained.sample(4, seed=0))
    for a, b in zip(weights_of(trained.discriminator), weights_of(eager.discriminator)):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    with pytest.raises(ValueError, match="training_weights_dtype must be 'float32' or 'float16'"):
        export_generator_only(tmp_path, trained, training_weights_dtype="bfloat16")


def test_samples_png_is_drawn_as_users_load_the_entry_even_after_a_bfloat16_run(tmp_path, tiny_images):
    """A recipe run with --mixed_precision=bfloat16 leaves Keras' global policy at bfloat16: the
    export's pictures must still be float32 samples of the stored weights, what users get."""
    import keras
    from PIL import Image

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model = tiny_dcgan(ema_decay=0.9)
        model.compile(learning_rate=1e-3)
        model.fit(tiny_images[:32], batch_size=16, epochs=1, verbose=0)
        folder, _ = export_generator_only(tmp_path, model)
        at_bfloat16 = model.preview_grid(64, seed=0)
    finally:
        keras.config.set_dtype_policy(previous)
    loaded = zoo.load(NAME, weights_dir=tmp_path / "weights", manifest_path=tmp_path / "manifest.json")
    as_loaded = loaded.preview_grid(64, seed=0).repeat(2, axis=0).repeat(2, axis=1)
    picture = np.asarray(Image.open(folder / "samples.png"))
    picture = picture[..., None] if picture.ndim == 2 else picture
    np.testing.assert_array_equal(picture, as_loaded)
    assert not np.array_equal(at_bfloat16, loaded.preview_grid(64, seed=0))  # what the old export drew


def test_from_the_hub_sampling_downloads_no_training_file(tmp_path, trained, tiny_images, monkeypatch):
    folder, entry = export_generator_only(tmp_path, trained)
    files = {record["path"]: (folder / record["path"]).read_bytes() for record in entry["files"]}
    monkeypatch.setattr(hub, "REPO_WEIGHTS_DIR", tmp_path / "no_repo_weights")
    monkeypatch.delenv("GANZOO_WEIGHTS_DIR", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf_cache"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    import huggingface_hub.constants as hf_constants  # read at import: an earlier test may have set it

    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    with HubServer({(entry["hub"]["repo_id"], entry["hub"]["revision"]): files}) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
        model = zoo.load(NAME, manifest_path=tmp_path / "manifest.json")
        model.sample(2, seed=0)
        assert not any("discriminator" in path for path in server.requests())
        model.compile(learning_rate=0.0)
        model.fit(tiny_images[:16], batch_size=16, epochs=1, verbose=0)
        assert any(path.endswith("discriminator.weights.h5") for path in server.gets())
