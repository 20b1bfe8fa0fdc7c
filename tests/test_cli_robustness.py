"""The command line at its edges: one line on stderr for bad input (backend chatter included),
outputs checked before a model loads, decompression bombs, empty images, progress of long
upscales, --version, aligned lists, translate --scale, and missing data failing at once."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import ganzoo
from conftest import REPO_ROOT, point_cli_at, private_zoo, tiny_dcgan
from ganzoo import cli, data, images, superres, zoo
from ganzoo.families.pix2pix import Pix2Pix
from ganzoo.families.srgan import SRResNet
from test_cli import fails_on_one_line, png_pixels, run

MNIST = {"name": "mnist", "split": "train", "license": "CC BY-SA 3.0"}


@pytest.fixture(scope="module")
def edge_zoo(tmp_path_factory):
    root = tmp_path_factory.mktemp("edge_zoo")
    models = {"tiny_dcgan": tiny_dcgan(),
              "tiny_srresnet": SRResNet(blocks=1, width=8, crop=32, seed=0),
              "tiny_pix2pix": Pix2Pix(resolution=16, input_channels=1, output_channels=3, width=4, seed=0)}
    private_zoo(root, models, "A tiny untrained model for the CLI edge tests.", MNIST, "recipes/dcgan_mnist.py")
    return root, models


@pytest.fixture(autouse=True)
def use_edge_zoo(edge_zoo, tmp_path, monkeypatch):
    point_cli_at(edge_zoo[0], tmp_path, monkeypatch)
    monkeypatch.delenv("GANZOO_ONLINE", raising=False)


# ---------------------------------------------------------------- 1. one line means one line


def _console(argv, cwd, module=False, **env):
    """(exit code, stdout, stderr) of the installed `ganzoo` script (or python -m ganzoo.cli)."""
    command = [sys.executable, "-m", "ganzoo.cli"] if module else [str(Path(sys.executable).parent / "ganzoo")]
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **env}
    full_env.pop("GANZOO_WEIGHTS_DIR", None)
    result = subprocess.run(command + argv, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize("argv, match, module", [
    (["sample", "dcgan_mnits", "-o", "x.png"], "Unknown model 'dcgan_mnits'", False),
    # found only after the families (so TensorFlow) are imported
    (["translate", "cgan_mnist", "in.png"], "it does not translate them", False),
    (["translate", "cgan_mnist", "in.png"], "it does not translate them", True),
])
def test_bad_input_prints_one_line_even_where_the_backend_logs(tmp_path, argv, match, module):
    # TF_CPP_MIN_LOG_LEVEL=0 stands for a machine whose TensorFlow logs at start-up (oneDNN,
    # CPU features, CUDA factories): the command must keep them off stderr all the same
    code, out, err = _console(argv, tmp_path, module=module, TF_CPP_MIN_LOG_LEVEL="0")
    assert code == 2 and out == "", (code, out, err)
    assert err.count("\n") == 1 and err.startswith("ganzoo: error: ") and match in err, err


def test_a_closed_pipe_is_not_an_error(tmp_path):
    # `ganzoo list | head -1`, with the reader gone before anything is written
    process = subprocess.Popen([str(Path(sys.executable).parent / "ganzoo"), "list"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()
    err = process.stderr.read()
    assert process.wait(timeout=60) == 0 and err == "", err


def test_verbose_leaves_the_backend_logs_alone(monkeypatch, capsys):
    seen = []
    monkeypatch.setattr(cli, "cmd_info", lambda args: seen.append(os.environ.get("TF_CPP_MIN_LOG_LEVEL")))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    for argv in (["info", "x"], ["info", "x", "--verbose"], ["--verbose", "info", "x"], ["-v", "info", "x"]):
        assert cli.main(argv) == 0
    assert seen == ["3", "0", "0", "0"]
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"  # restored for in-process callers


def test_warnings_stay_off_stderr_unless_verbose(monkeypatch, capsys):
    import warnings

    monkeypatch.setattr(cli, "cmd_info", lambda args: warnings.warn("chatter from a library", UserWarning))
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        assert cli.main(["info", "x"]) == 0
    assert shown == []
    with pytest.warns(UserWarning, match="chatter"):
        assert cli.main(["info", "x", "--verbose"]) == 0


def test_a_multi_line_error_is_printed_on_one_line(monkeypatch, capsys):
    def broken(args):
        raise ValueError("weights_manifest.json is invalid:\n  a: missing 'family'\n  b: missing 'hub'")

    monkeypatch.setattr(cli, "cmd_info", broken)
    code, out, err = run(capsys, "info", "x")
    assert code == 2 and err == "ganzoo: error: weights_manifest.json is invalid:; a: missing 'family'; " \
                                "b: missing 'hub'\n"


# ---------------------------------------------------------------- 2. outputs, bombs, empty images, progress


@pytest.fixture
def nothing_loads(monkeypatch):
    monkeypatch.setattr(ganzoo, "load", lambda *a, **k: pytest.fail("a model loaded before the output was checked"))


def _commands(tmp_path):
    images.save_png(np.zeros((16, 16, 1), np.uint8), tmp_path / "in.png")
    return [["sample", "tiny_dcgan"], ["translate", "tiny_pix2pix", str(tmp_path / "in.png")],
            ["upscale", "tiny_srresnet", str(tmp_path / "in.png")], ["style-mix", "tiny_dcgan"]]


def test_an_output_in_a_missing_folder_fails_before_the_model_loads(capsys, tmp_path, nothing_loads):
    for command in _commands(tmp_path):
        line = fails_on_one_line(capsys, *command, "-o", str(tmp_path / "no" / "such" / "out.png"),
                                 match="does not exist")
        assert str(tmp_path / "no" / "such") in line


def test_outputs_under_a_file_in_a_folder_or_unwritable_are_refused(capsys, tmp_path, nothing_loads):
    (tmp_path / "notes.txt").write_text("a file")
    (tmp_path / "taken.png").mkdir()
    for command in _commands(tmp_path):
        fails_on_one_line(capsys, *command, "-o", str(tmp_path / "notes.txt" / "out.png"), match="is a file")
        fails_on_one_line(capsys, *command, "-o", str(tmp_path / "taken.png"), match="is a folder")
        if Path("/proc").is_dir():  # takes no new files, even from root (for whom permission bits do not count)
            fails_on_one_line(capsys, *command, "-o", "/proc/ganzoo-out.png", match="cannot write into /proc")
    assert not list(tmp_path.glob(".ganzoo-write-test-*"))  # the probe leaves nothing behind


@pytest.mark.parametrize("pixels", [144, 400])  # past the warning limit (100), past the error limit (200)
def test_a_decompression_bomb_is_one_clear_line(capsys, tmp_path, monkeypatch, pixels):
    from PIL import Image

    side = int(pixels ** 0.5)
    images.save_png(np.zeros((side, side, 3), np.uint8), tmp_path / "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(ValueError, match="too large to read safely"):
        images.load_image(tmp_path / "bomb.png")
    fails_on_one_line(capsys, "upscale", "tiny_srresnet", str(tmp_path / "bomb.png"), "-o", "big.png",
                      match="too large to read safely")
    fails_on_one_line(capsys, "translate", "tiny_pix2pix", str(tmp_path / "bomb.png"), "--resize",
                      match="too large to read safely")


@pytest.mark.parametrize("shape", [(0, 5, 1), (5, 0, 1), (1, 0, 5, 1)])
def test_translate_of_an_empty_image_is_a_value_error(edge_zoo, shape):
    model = edge_zoo[1]["tiny_pix2pix"]
    for resize in (True, False):
        with pytest.raises(ValueError, match="empty image"):
            model.translate(np.zeros(shape, np.uint8), resize=resize)


def test_tiled_upscaling_shows_its_progress_on_stderr(capsys, tmp_path, edge_zoo):
    photo = np.random.default_rng(0).integers(0, 256, (13, 21, 3), dtype=np.uint8)
    images.save_png(photo, tmp_path / "small.png")
    code, out, err = run(capsys, "upscale", "tiny_srresnet", str(tmp_path / "small.png"), "-o", "big.png",
                         "--tile", "8")  # 2 x 3 tiles
    assert code == 0, err
    assert "6/6" in err and "tile" in err and "6/6" not in out
    np.testing.assert_array_equal(png_pixels(tmp_path / "big.png"), edge_zoo[1]["tiny_srresnet"].upscale(photo))
    code, _, err = run(capsys, "upscale", "tiny_srresnet", str(tmp_path / "small.png"), "-o", "big.png")
    assert code == 0 and err == ""  # one tile: no bar


def test_tile_progress_reports_each_tile_as_it_is_done():
    reports, boxes = [], superres.tiles(10, 7, tile=4, context=2)
    seen = []
    with superres.tile_progress(lambda done, total: reports.append((done, total))):
        for box in superres.tiles(10, 7, tile=4, context=2):
            seen.append((box, len(reports)))  # the tile is handed out before it counts as done
    assert [b for b, _ in seen] == list(boxes) and [n for _, n in seen] == list(range(6))
    assert reports == [(i, 6) for i in range(1, 7)]
    list(superres.tiles(10, 7, tile=4, context=2))
    assert len(reports) == 6  # no reporting outside the context


# ---------------------------------------------------------------- 3. --version, list, translate --scale


def test_version(capsys):
    code, out, err = run(capsys, "--version")
    assert code == 0 and out == f"ganzoo {ganzoo.__version__}\n" and err == ""


def test_list_columns_align_on_long_names(capsys, edge_zoo):
    entry = json.loads(json.dumps(zoo.get_entry("tiny_dcgan")))
    entry["family"] = "stylegan_lite"  # longer than any family before it
    zoo.write_entry("a_rather_long_entry_name_for_the_list", entry, edge_zoo[0] / "manifest.json")
    zoo.refresh()
    try:
        code, out, _ = run(capsys, "list")
    finally:
        manifest = json.loads((edge_zoo[0] / "manifest.json").read_text())
        del manifest["models"]["a_rather_long_entry_name_for_the_list"]
        (edge_zoo[0] / "manifest.json").write_text(json.dumps(manifest, indent=2))
        zoo.refresh()
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 4
    for column in (1, 2):  # family and data set start at the same place on every line
        starts = {line.index(line.split()[column], len(" ".join(line.split()[:column]))) for line in lines}
        assert len(starts) == 1, out


def test_translate_scale(capsys, tmp_path):
    images.save_png(np.full((16, 16, 1), 90, np.uint8), tmp_path / "in.png")
    expected = {(): (2 * 16 + 6, 16 + 4), ("--output-only",): (16, 16)}
    for extra, default_scale in (((), 8), (("--output-only",), 1)):
        for scale in ([], ["--scale", "3"]):
            code, _, err = run(capsys, "translate", "tiny_pix2pix", str(tmp_path / "in.png"), "-o", "out.png",
                               *extra, *scale)
            assert code == 0, err
            factor = 3 if scale else default_scale
            width, height = expected[extra]
            assert png_pixels(tmp_path / "out.png").shape[:2] == (height * factor, width * factor)
    fails_on_one_line(capsys, "translate", "tiny_pix2pix", str(tmp_path / "in.png"), "--scale", "0",
                      match="positive")


# ---------------------------------------------------------------- 4. missing data fails at once


def test_missing_data_fails_in_seconds_naming_the_folder_and_the_ways_out(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "load_tfds", lambda *a, **k: pytest.fail("TFDS was tried without being asked"))
    for name, split in (("mnist", "train"), ("fashion_mnist", "test"), ("celeba", "train")):
        start = time.perf_counter()
        with pytest.raises(data.DataNotFoundError) as info:
            data.load(name, split, data_dir=tmp_path)
        assert time.perf_counter() - start < 5
        message = str(info.value)
        assert "\n" not in message
        for needed in (str(tmp_path), "$GANZOO_DATA_DIR", "--data_dir", "--source=tfds", "GANZOO_ONLINE=1"):
            assert needed in message, message


def test_tfds_is_tried_when_asked_or_online(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(data, "load_tfds", lambda *args: calls.append(args) or ("images", "labels"))
    assert data.load("mnist", "train", data_dir=tmp_path, source="tfds") == ("images", "labels")
    with pytest.raises(data.DataNotFoundError):
        data.load("mnist", "train", data_dir=tmp_path, source="local")
    monkeypatch.setenv("GANZOO_ONLINE", "1")
    assert data.load("mnist", "test", data_dir=tmp_path) == ("images", "labels")
    with pytest.raises(data.DataNotFoundError):
        data.load("mnist", "train", data_dir=tmp_path, source="local")  # local means local
    assert calls == [("mnist", "train", None), ("mnist", "test", None)]


def test_super_resolution_data_does_not_suggest_tfds(tmp_path):
    for call in (lambda: superres.load_benchmark("Set5", data_dir=tmp_path),
                 lambda: superres.load_training_images(data_dir=tmp_path)):
        with pytest.raises(data.DataNotFoundError) as info:
            call()
        message = str(info.value)
        assert str(tmp_path) in message and "$GANZOO_DATA_DIR" in message and "--data_dir" in message
        assert "tfds" not in message.lower()


def test_train_without_data_fails_before_the_recipe_starts(capsys, tmp_path, monkeypatch, edge_zoo):
    import subprocess as sp

    monkeypatch.setattr(sp, "call", lambda *a, **k: pytest.fail("the recipe started without its data"))
    empty = tmp_path / "empty"
    empty.mkdir()
    line = fails_on_one_line(capsys, "train", "tiny_dcgan", f"--data_dir={empty}", match=str(empty))
    assert "--source=tfds" in line
    monkeypatch.setenv("GANZOO_DATA_DIR", str(empty))
    fails_on_one_line(capsys, "train", "tiny_dcgan", "--steps=1", match="--source=tfds")
    # asked for TFDS, or --help: the recipe runs
    calls = []
    monkeypatch.setattr(sp, "call", lambda command, **k: calls.append(command) or 0)
    assert run(capsys, "train", "tiny_dcgan", "--source=tfds")[0] == 0
    assert run(capsys, "train", "tiny_dcgan", "--helpfull")[0] == 0
    assert len(calls) == 2 and calls[0][1] == str(REPO_ROOT / "recipes" / "dcgan_mnist.py")


def test_train_of_a_super_resolution_entry_without_data(capsys, tmp_path, monkeypatch):
    import subprocess as sp

    monkeypatch.setattr(sp, "call", lambda *a, **k: pytest.fail("the recipe started without its data"))
    entry = json.loads(json.dumps(zoo.get_entry("tiny_srresnet")))
    entry["dataset"]["name"], entry["recipe"] = "bsds500_train200", "recipes/srresnet_x4.py"
    manifest = tmp_path / "manifest.json"
    zoo.write_entry("tiny_sr_entry", entry, manifest)
    monkeypatch.setattr(zoo, "MANIFEST_PATH", manifest)
    line = fails_on_one_line(capsys, "train", "tiny_sr_entry", f"--data_dir={tmp_path}", match=str(tmp_path))
    assert "BSDS500_train200.tar" in line and "tfds" not in line.lower()


@pytest.fixture
def evaluated_zoo(tmp_path, monkeypatch):
    """A manifest of two entries whose evaluations read real images (FID on MNIST, the SR benchmarks);
    evaluate.evaluate records its calls (and the data settings it ran under) instead of running."""
    from ganzoo import evaluate

    manifest = tmp_path / "manifest.json"
    for name, evaluation in (("tiny_fid", {"fid": {"dataset": "mnist", "split": "test"}, "classifier": "c"}),
                             ("tiny_sr", {"super_resolution": {"benchmarks": ["Set5", "Set14"], "shave": 4}})):
        entry = json.loads(json.dumps(zoo.get_entry("tiny_dcgan")))
        entry["evaluation"] = {"n_samples": 10, "seed": 0, **evaluation}
        zoo.write_entry(name, entry, manifest)
    monkeypatch.setattr(zoo, "MANIFEST_PATH", manifest)
    calls = []

    def fake(name, **kwargs):
        calls.append((name, kwargs["metrics"], os.environ.get("GANZOO_DATA_DIR"), os.environ.get("GANZOO_ONLINE")))
        return {"score": 1.0}, 10, 0

    monkeypatch.setattr(evaluate, "evaluate", fake)
    return calls


def test_evaluate_without_data_fails_before_sampling(capsys, tmp_path, evaluated_zoo):
    empty = tmp_path / "empty"
    empty.mkdir()
    line = fails_on_one_line(capsys, "evaluate", "tiny_fid", "--data-dir", str(empty), match=str(empty))
    assert "t10k-images-idx3-ubyte.gz" in line and "--source=tfds" in line
    line = fails_on_one_line(capsys, "evaluate", "tiny_sr", "--data_dir", str(empty), match="sr/Set5_x4.tar")
    assert "tfds" not in line.lower()
    assert evaluated_zoo == []
    # a metric that needs no real images; TFDS when asked for; the real data folder
    assert run(capsys, "evaluate", "tiny_fid", "--data-dir", str(empty), "--metric", "classifier")[0] == 0
    assert run(capsys, "evaluate", "tiny_fid", "--data-dir", str(empty), "--source", "tfds")[0] == 0
    assert evaluated_zoo == [("tiny_fid", ["classifier"], str(empty), None), ("tiny_fid", None, str(empty), "1")]
    assert "GANZOO_ONLINE" not in os.environ and os.environ.get("GANZOO_DATA_DIR") != str(empty)
