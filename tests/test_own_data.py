"""`ganzoo train FAMILY --data DIR`, `ganzoo export RUN_DIR -o DIR`, and a model folder loaded like an
entry (ganzoo/own_data.py), in-process through cli.main on tiny folders: 32 px, width 4, 2 steps."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ganzoo
from ganzoo import cli, training, zoo
from ganzoo.metrics import compare

TINY = ["--resolution", "32", "--steps", "2", "--batch_size", "4", "--width", "4"]


def run(capsys, *argv):
    """(exit code, stdout, stderr) of cli.main(argv)."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _pictures(folder, n, seed=0):
    """n images of mixed sizes and modes (PNG and JPEG) in folder, and one corrupt file."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        h, w = rng.integers(24, 70, size=2)
        image = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        if i % 3 == 1:
            image.convert("L").save(folder / f"{i}.png")
        else:
            image.save(folder / f"{i}.{'jpg' if i % 3 else 'png'}")
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8 truncated")
    return folder


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)  # a default output lands here, never in the repo


def _tensorboard_tags(folder):
    import tensorflow as tf

    tags = set()
    for events in Path(folder).rglob("events.out.tfevents.*"):
        for record in tf.data.TFRecordDataset(str(events)):
            tags |= {value.tag for value in tf.compat.v1.Event.FromString(record.numpy()).summary.value}
    return tags


def test_train_a_family_on_a_folder_resume_export_load_and_sample(tmp_path, capsys):
    photos, run_dir, exported = _pictures(tmp_path / "photos", 12), tmp_path / "run", tmp_path / "mine"
    command = ["train", "dcgan", "--data", photos, *TINY, "--output_dir", run_dir]
    code, out, err = run(capsys, *command)
    assert code == 0, err
    assert "read 12 images" in out and "augment: color,translation,cutout" in out and "trained 2 steps" in out
    assert "corrupt.jpg" in err  # the skipped file is reported, though the CLI hides Python warnings
    assert [p.name for p in (run_dir / "samples").iterdir()] == ["step_0000002.png"]
    assert {"d_loss", "g_loss", "samples"} <= _tensorboard_tags(run_dir / "tensorboard")
    assert json.loads((run_dir / "run.json").read_text())["config"]["augment"] == "color,translation,cutout"
    before = (run_dir / "log.csv").read_text(), (run_dir / "training.json").read_text()

    code, out, err = run(capsys, *command)  # the same command again: resumes, nothing left to train
    assert code == 0, err
    assert ((run_dir / "log.csv").read_text(), (run_dir / "training.json").read_text()) == before
    assert len(list((run_dir / "samples").iterdir())) == 1
    assert training.load_checkpoint(run_dir)[1] == 2

    code, out, err = run(capsys, "export", run_dir, "-o", exported)
    assert code == 0, err
    assert {"config.json", "model.weights.h5", "README.md", "samples.png"} <= {p.name for p in exported.iterdir()}
    card = (exported / "README.md").read_text()
    assert f"ganzoo train dcgan --data {photos}" in card and "![64 samples, seed 0](samples.png)" in card
    model = ganzoo.load(str(exported))
    samples = model.sample(2, seed=0)
    assert samples.shape == (2, 32, 32, 3) and samples.dtype == np.uint8
    np.testing.assert_array_equal(zoo.load(exported).sample(2, seed=0), samples)  # a Path works too
    code, out, err = run(capsys, "sample", exported, "-o", tmp_path / "out.png", "-n", "4")
    assert code == 0, err
    assert Image.open(tmp_path / "out.png").size[0] > 32
    assert compare._model_in(exported).family == "dcgan"  # `ganzoo metrics` samples it like an entry
    assert compare._model_in(photos) is None  # a folder of pictures stays pictures

    code, out, err = run(capsys, "train", "dcgan", "--data", photos, *TINY[:-1], "8", "--output_dir", run_dir)
    assert code == 2 and "holds another run" in err and "width" in err  # never another model's checkpoint


def test_cgan_takes_its_classes_from_sub_folders(tmp_path, capsys):
    root = tmp_path / "classes"
    _pictures(root / "cats", 5, seed=1)
    _pictures(root / "dogs", 4, seed=2)
    code, out, err = run(capsys, "train", "cgan", "--data", root, *TINY, "--output_dir", tmp_path / "run",
                         "--augment", "none")
    assert code == 0, err
    assert "2 classes: cats, dogs" in out and "augment: off" in out
    config = json.loads((tmp_path / "run" / "run.json").read_text())["config"]
    assert config["num_classes"] == 2 and config["class_names"] == ["cats", "dogs"] and "augment" not in config
    assert (tmp_path / "run" / "samples" / "step_0000002.png").exists()


def test_pix2pix_trains_on_pairs_of_file_names_and_exports_its_grid_of_them(tmp_path, capsys):
    sketches, photos = _pictures(tmp_path / "sketches", 6), _pictures(tmp_path / "photos", 7)  # 6.png: no partner
    code, out, err = run(capsys, "train", "pix2pix", "--data", sketches, "--data-b", photos, "--resolution", "16",
                         "--steps", "2", "--width", "4", "--output_dir", tmp_path / "run")
    assert code == 0, err
    assert "read 6 pairs of images" in out and "augment: off" in out and "6.png" in err
    code, out, err = run(capsys, "export", tmp_path / "run", "-o", tmp_path / "mine")
    assert code == 0 and "translate(images)" in out, err
    assert np.load(tmp_path / "run" / "preview_inputs.npz")["arr_0"].shape == (6, 16, 16, 3)  # the card's grid
    model = ganzoo.load(str(tmp_path / "mine"))
    assert model.translate(np.zeros((16, 16, 3), np.uint8)).shape == (16, 16, 3)
    # the command line takes the exported folder as it takes an entry's name
    Image.fromarray(np.full((16, 16, 3), 90, np.uint8)).save(tmp_path / "in.png")
    code, out, err = run(capsys, "translate", tmp_path / "mine", tmp_path / "in.png", "-o", tmp_path / "out.png",
                         "--output-only")
    assert code == 0, err
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out.png")),
                                  model.translate(np.full((16, 16, 3), 90, np.uint8)))


def test_discogan_trains_on_two_folders_and_translates_both_ways(tmp_path, capsys):
    a, b = _pictures(tmp_path / "a", 5, seed=1), _pictures(tmp_path / "b", 7, seed=2)
    code, out, err = run(capsys, "train", "discogan", "--data", a, "--data-b", b, "--resolution", "16", "--steps", "2",
                         "--width", "4", "--output_dir", tmp_path / "run")
    assert code == 0, err
    assert "augment: off" in out
    code, out, err = run(capsys, "export", tmp_path / "run", "-o", tmp_path / "disco")
    assert code == 0, err
    Image.fromarray(np.full((16, 16, 3), 90, np.uint8)).save(tmp_path / "in.png")
    code, out, err = run(capsys, "translate", tmp_path / "disco", tmp_path / "in.png", "--direction", "b2a",
                         "-o", tmp_path / "out.png")
    assert code == 0, err


@pytest.mark.parametrize("argv, message", [
    (["train", "dcgan"], "give their folder with --data DIR"),
    (["train", "dcgan", "--data", "missing"], "No such folder"),
    (["train", "dcgan", "--data", "empty"], "holds no images"),
    (["train", "dcgan", "--data", "photos", "--frobnicate", "1"], "unrecognized arguments: --frobnicate"),
    (["train", "pix2pix", "--data", "photos"], "trains on two folders"),
    (["train", "pix2pix", "--data", "photos", "--data-b", "empty_b"], "No file names match"),
    (["train", "infogan", "--data", "photos"], "does not train from a folder"),
    (["train", "gan", "--data", "photos", "--width", "4"], "no --width"),
    (["train", "pix2pix", "--data", "photos", "--data-b", "photos", "--augment", "color"], "does not support"),
    (["export", "photos", "-o", "out"], "run.json is missing"),
    (["sample", "photos", "-o", "x.png"], "without config.json"),
])
def test_clear_errors(tmp_path, capsys, argv, message):
    _pictures(tmp_path / "photos", 3)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty_b").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "empty_b" / "other_name.png")
    code, out, err = run(capsys, *argv)
    last = err.strip().splitlines()[-1]  # after any warning about the corrupt file
    assert code == 2 and last.startswith("ganzoo: error:") and message in last, err


def _publish_tiny_entry(root, images, name="tiny", ship_discriminator=True):
    """A tiny 28-px grey DCGAN entry `name` that ships its discriminator (or, as entries exported
    before discriminators shipped, its generator alone), in root/weights and root/manifest.json;
    returns the trained model."""
    from conftest import drop_discriminator, tiny_dcgan
    from ganzoo import export

    model = tiny_dcgan(width=4, ema_decay=0.9)
    model.compile(learning_rate=1e-3)
    model.fit(images, batch_size=16, epochs=1, verbose=0)
    folder = export.save_weights_folder(model, root / "weights" / name, generator_only=True)
    if not ship_discriminator:
        drop_discriminator(folder)
    entry = export.build_entry(name, model, folder, description="tiny", dataset={"name": "mnist", "license": "x"},
                               recipe="recipes/dcgan_mnist.py", command="python recipes/dcgan_mnist.py",
                               training={"steps": 4})
    zoo.write_entry(name, entry, root / "manifest.json")
    return model


@pytest.fixture
def tiny_entry(tmp_path, monkeypatch, tiny_images):
    """(the published tiny entry's model, a folder of 12 pictures), the zoo pointed at the entry."""
    published = _publish_tiny_entry(tmp_path, tiny_images)
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(tmp_path / "weights"))
    monkeypatch.setattr(zoo, "MANIFEST_PATH", tmp_path / "manifest.json")
    return published, _pictures(tmp_path / "photos", 12)


def test_finetune_continues_an_entry_on_a_folder_with_diffaugment(tmp_path, capsys, tiny_entry):
    from conftest import weights_of

    (published, photos), run_dir = tiny_entry, tmp_path / "run"
    code, out, err = run(capsys, "finetune", "tiny", "--data", photos, "--steps", "2", "--batch_size", "4",
                         "--output_dir", run_dir, "--time_limit", "600")
    assert code == 0, err
    assert "read 12 images" in out and "at 28x28" in out and "augment: color,translation,cutout" in out
    model, step = training.load_checkpoint(run_dir)
    assert step == 2 and model.get_config()["augment"] == "color,translation,cutout"
    # Two Adam steps of 2e-4 move no weight further than ~4e-4: both players began at the entry's
    # weights (a fresh start would differ by the N(0, 0.02) initialisation).
    # (the entry ships its sampling generator, the moving average, and fine-tuning starts G from it)
    for shipped, network in ((published.sampling_generator, "generator"), (published.discriminator, "discriminator")):
        start, now = weights_of(shipped), weights_of(getattr(model, network))
        assert max(float(np.max(np.abs(a - b))) for a, b in zip(start, now) if a.ndim > 1) < 1e-3, network
    code, out, err = run(capsys, "export", run_dir, "-o", tmp_path / "mine")
    assert code == 0, err
    card = (tmp_path / "mine" / "README.md").read_text()
    assert "fine-tuned from the zoo entry tiny" in card and f"ganzoo finetune tiny --data {photos}" in card
    assert "--time_limit" not in card
    assert ganzoo.load(str(tmp_path / "mine")).sample(2, seed=0).shape == (2, 28, 28, 1)


@pytest.mark.parametrize("argv, message", [
    (["finetune", "cgan_mnist", "--data", "photos"], "adapts a generator that samples from noise"),
    (["finetune", "tiny_generator_alone", "--data", "photos"], "ships its generator alone"),
    (["finetune", "dcgan_mnst", "--data", "photos"], "Unknown model"),
    (["finetune", "tiny"], "the following arguments are required: --data"),
    (["finetune", "tiny", "--data", "empty"], "holds no images"),
])
def test_finetune_errors(tmp_path, capsys, monkeypatch, tiny_images, argv, message):
    if argv[1].startswith("tiny"):
        _publish_tiny_entry(tmp_path, tiny_images[:16], argv[1], ship_discriminator=argv[1] == "tiny")
        monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(tmp_path / "weights"))
        monkeypatch.setattr(zoo, "MANIFEST_PATH", tmp_path / "manifest.json")
    _pictures(tmp_path / "photos", 3)
    (tmp_path / "empty").mkdir()
    code, out, err = run(capsys, *argv)
    assert code == 2 and message in err, err


def test_finetune_freeze_d_keeps_the_first_layers_of_d_as_shipped(tmp_path, capsys, tiny_entry):
    from ganzoo.own_data import frozen_layers

    (published, photos), run_dir = tiny_entry, tmp_path / "run"
    code, out, err = run(capsys, "finetune", "tiny", "--data", photos, "--steps", "2", "--batch_size", "4",
                         "--freeze_d", "1", "--output_dir", run_dir)
    assert code == 0, err
    model, _ = training.load_checkpoint(run_dir)
    frozen = {layer.name for layer in frozen_layers(model.discriminator, 1)}
    assert frozen == {"down0"}  # the input layer (DCGAN puts no batch norm there)
    for before, after in zip(published.discriminator.layers, model.discriminator.layers):
        for a, b in zip(before.get_weights(), after.get_weights()):
            if after.name in frozen:
                np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for before, after in zip(published.discriminator.layers,
                                                                 model.discriminator.layers)
               if after.name not in frozen for a, b in zip(before.get_weights(), after.get_weights()))
    assert json.loads((run_dir / "own_data.json").read_text())["freeze_d"] == 1
    code, out, err = run(capsys, "finetune", "tiny", "--data", photos, "--freeze_d", "9", "--output_dir", tmp_path / "r2")
    assert code == 2 and "only 3 layers with weights" in err, err


def test_train_like_an_entry_takes_its_network_from_a_random_start(tmp_path, capsys, tiny_entry):
    from conftest import weights_of

    (published, photos), run_dir = tiny_entry, tmp_path / "scratch"
    code, out, err = run(capsys, "train", "dcgan", "--data", photos, "--like", "tiny", "--steps", "1",
                         "--batch_size", "4", "--output_dir", run_dir)
    assert code == 0, err
    assert "at 28x28" in out  # the entry's resolution, not the folder default of 64
    model, _ = training.load_checkpoint(run_dir)
    config = model.get_config()
    assert (config["width"], config["ema_decay"], config["channels"]) == (4, 0.9, 1)
    assert config["augment"] == "color,translation,cutout"  # 12 pictures: DiffAugment on
    # a random start: one Adam step of 2e-4 from N(0, 0.02) is far from the entry's trained weights
    assert max(float(np.max(np.abs(a - b))) for a, b in zip(weights_of(published.discriminator),
                                                            weights_of(model.discriminator)) if a.ndim > 1) > 1e-2
    assert json.loads((run_dir / "own_data.json").read_text())["network_of"] == "tiny"
    code, out, err = run(capsys, "export", run_dir, "-o", tmp_path / "mine")
    assert code == 0 and "the network of the zoo entry tiny, from a random start" in (
        tmp_path / "mine" / "README.md").read_text(), err
    for argv, message in ((["train", "gan", "--data", photos, "--like", "tiny"], "tiny is a dcgan, not a gan"),
                          (["train", "dcgan", "--data", photos, "--like", "tiny", "--resolution", "64"],
                           "tiny works at resolution 28, not 64"),
                          (["train", "dcgan", "--data", photos, "--like", "tiny", "--width", "8"], "give no width")):
        code, out, err = run(capsys, *argv, "--output_dir", tmp_path / "bad")
        assert code == 2 and message in err, err
