"""The `ganzoo` command: ganzoo.cli.main(argv) in-process against a private zoo in
tmp_path (manifest + weights folder of an untrained tiny DCGAN), plus real runs of the
installed console script.

Bad input must exit non-zero with one clear line on stderr and no traceback.
"""

import importlib.metadata
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ganzoo
from ganzoo import cli, export, hub, images, zoo
from conftest import REPO_ROOT, add_to_private_zoo, point_cli_at, tiny_dcgan

NAME = "tiny_dcgan"
OTHER = "wide_dcgan"  # a second entry, so that filters have something to filter out
COMMAND = "python recipes/dcgan_mnist.py"
TILE = 28


@pytest.fixture(scope="module")
def private_zoo(tmp_path_factory):
    """(root, model, entry): root/manifest.json and root/weights/tiny_dcgan/."""
    root = tmp_path_factory.mktemp("zoo")
    model = tiny_dcgan()
    # Move the generator away from its seeded initial weights, so that only a model that
    # really loaded the saved weights reproduces these samples.
    rng = np.random.default_rng(1)
    model.generator.set_weights([w + rng.normal(0, 0.05, w.shape).astype(w.dtype)
                                 for w in model.generator.get_weights()])
    entry = add_to_private_zoo(root, NAME, model, "A tiny untrained DCGAN for the CLI tests.",
                               {"name": "mnist", "split": "train", "license": "CC BY-SA 3.0"},
                               "recipes/dcgan_mnist.py", COMMAND)
    manifest = root / "manifest.json"
    other = json.loads(json.dumps(entry))
    other["dataset"] = {"name": "fashion_mnist", "split": "train", "license": "MIT"}
    other["hub"]["repo_id"] = f"ganzoo/{OTHER}"
    zoo.write_entry(OTHER, other, manifest)
    return root, model, entry


@pytest.fixture(autouse=True)
def use_private_zoo(private_zoo, tmp_path, monkeypatch):
    """Point the CLI at the private zoo; nothing comes from the repo's weights/ or the Hub."""
    point_cli_at(private_zoo[0], tmp_path, monkeypatch)


def run(capsys, *argv):
    """(exit code, stdout, stderr) of cli.main(argv); argparse's SystemExit counts as a code."""
    try:
        code = cli.main(list(argv))
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def fails(capsys, *argv, match):
    """Run, expecting a clean failure: exit 2, nothing on stdout, no traceback, and the
    error on one 'ganzoo...: error: ...' line (the last line of stderr)."""
    code, out, err = run(capsys, *argv)
    assert code == 2, (code, out, err)
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    error_lines = [line for line in lines if "error:" in line]
    assert len(error_lines) == 1 and lines[-1] == error_lines[0], err
    assert lines[-1].startswith("ganzoo")
    assert match in lines[-1], err
    return lines


def fails_on_one_line(capsys, *argv, match):
    lines = fails(capsys, *argv, match=match)
    assert len(lines) == 1, lines
    assert lines[0].startswith("ganzoo: error: ")
    return lines[0]


def png_pixels(path):
    from PIL import Image

    with Image.open(path) as im:
        assert im.format == "PNG"
        return np.asarray(im)


# ---------------------------------------------------------------- the private zoo is what the CLI sees


def test_monkeypatching_reaches_the_zoo_and_hub(private_zoo):
    root, _, entry = private_zoo
    assert zoo.list_models() == [NAME, OTHER]
    assert zoo.read_manifest()["models"][NAME] == json.loads(json.dumps(entry))
    assert hub.resolve(NAME, zoo.get_entry(NAME)) == root / "weights" / NAME
    assert Path(zoo.MANIFEST_PATH) == root / "manifest.json" != REPO_ROOT / "weights_manifest.json"


# ---------------------------------------------------------------- list


def test_list_prints_every_entry(capsys):
    code, out, err = run(capsys, "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].split() == [NAME, "dcgan", "mnist"]
    assert lines[1].split() == [OTHER, "dcgan", "fashion_mnist"]


def test_list_filters_with_a_glob(capsys):
    code, out, _ = run(capsys, "list", "tiny*")
    assert code == 0 and out.split() == [NAME, "dcgan", "mnist"]
    code, out, _ = run(capsys, "list", "*_dcgan")
    assert code == 0 and len(out.splitlines()) == 2


def test_list_without_a_match_fails_on_one_line(capsys):
    line = fails_on_one_line(capsys, "list", "zzz*", match="No zoo entry matches 'zzz*'")
    assert "ganzoo list" in line


# ---------------------------------------------------------------- info


def test_info_describes_the_entry(capsys, private_zoo):
    entry = private_zoo[2]
    code, out, err = run(capsys, "info", NAME)
    assert code == 0 and err == ""
    assert out.startswith(f"{NAME}: A tiny untrained DCGAN")
    assert "family:   dcgan" in out
    assert f"hub:      ganzoo/{NAME}@{export.HUB_REVISION}" in out
    assert f"recipe:   {COMMAND}" in out
    assert "mnist (CC BY-SA 3.0)" in out
    for record in entry["files"]:
        assert record["path"] in out


def test_info_json_is_the_entry(capsys, private_zoo):
    code, out, err = run(capsys, "info", NAME, "--json")
    assert code == 0 and err == ""
    assert json.loads(out) == json.loads(json.dumps(private_zoo[2]))
    assert json.loads(out) == zoo.get_entry(NAME)


# ---------------------------------------------------------------- sample


def grid_size(n, tile=TILE, pad=2):
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    return rows * tile + (rows + 1) * pad, cols * tile + (cols + 1) * pad


def test_sample_writes_a_png_grid(capsys, tmp_path, private_zoo):
    model = private_zoo[1]
    code, out, err = run(capsys, "sample", NAME, "-n", "6", "-o", "out.png", "--seed", "1")
    assert code == 0 and err == ""
    assert f"wrote 6 samples of {NAME} to out.png" in out
    pixels = png_pixels(tmp_path / "out.png")
    scale = 128 // TILE  # 4: tiles enlarged to about 128 px
    height, width = grid_size(6)  # 2 rows x 3 columns, 2 px padding: 62 x 92
    assert (height, width) == (62, 92)
    assert pixels.shape == (height * scale, width * scale)  # grayscale PNG, 248 x 368
    expected = images.grid(model.sample(6, seed=1)).repeat(scale, 0).repeat(scale, 1)[..., 0]
    np.testing.assert_array_equal(pixels, expected)


def test_sample_same_seed_same_file_other_seed_other_pixels(capsys, tmp_path):
    for out, seed in (("a.png", "1"), ("b.png", "1"), ("c.png", "2")):
        code, _, err = run(capsys, "sample", NAME, "-n", "6", "-o", out, "--seed", seed)
        assert code == 0, err
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    a, c = png_pixels(tmp_path / "a.png"), png_pixels(tmp_path / "c.png")
    assert a.shape == c.shape
    assert (a != c).mean() > 0.1


def test_sample_scale_and_count(capsys, tmp_path):
    code, _, _ = run(capsys, "sample", NAME, "-n", "6", "-o", "s1.png", "--seed", "0", "--scale", "1")
    assert code == 0 and png_pixels(tmp_path / "s1.png").shape == grid_size(6)
    code, _, _ = run(capsys, "sample", NAME, "-n", "1", "-o", "one.png", "--seed", "0")
    assert code == 0 and png_pixels(tmp_path / "one.png").shape == (128, 128)  # (28 + 4) * 4


def test_sample_with_weights_dir(capsys, tmp_path, private_zoo, monkeypatch):
    monkeypatch.delenv("GANZOO_WEIGHTS_DIR")
    code, _, err = run(capsys, "sample", NAME, "-n", "2", "-o", "w.png", "--seed", "3",
                       "--weights-dir", str(private_zoo[0] / "weights"))
    assert code == 0, err
    assert (tmp_path / "w.png").is_file()


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("command", ["info", "sample"])
def test_unknown_name_suggests_the_closest(capsys, command):
    line = fails_on_one_line(capsys, command, "tiny_dcgn", match="Unknown model 'tiny_dcgn'")
    assert f"Did you mean '{NAME}'" in line
    assert not Path("samples.png").exists()


def test_unknown_name_without_a_close_match(capsys):
    line = fails_on_one_line(capsys, "info", "qqqqqqqq", match="Unknown model 'qqqqqqqq'")
    assert "Did you mean" not in line and "ganzoo list" in line


@pytest.mark.parametrize("argv, match", [
    (["sample", NAME, "-n", "0"], "argument -n: expected a positive integer, got 0"),
    (["sample", NAME, "-n", "abc"], "argument -n: expected a positive integer, got 'abc'"),
    (["sample", NAME, "-n", "-3"], "argument -n: expected a positive integer"),
    (["sample", NAME, "--seed", "-1"], "argument --seed: expected a non-negative integer, got -1"),
    (["sample", NAME, "--seed", "x"], "argument --seed: expected a non-negative integer, got 'x'"),
    (["sample", NAME, "--scale", "0"], "argument --scale: expected a positive integer, got 0"),
    (["evaluate", NAME, "-n", "0"], "argument -n: expected a positive integer, got 0"),
    (["sample"], "the following arguments are required: name"),
    (["list", "a", "b"], "unrecognized arguments: b"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: COMMAND"),
])
def test_argparse_errors_exit_2(capsys, argv, match):
    fails(capsys, *argv, match=match)
    assert not Path("samples.png").exists()


def test_argparse_errors_print_one_line(capsys):
    fails_on_one_line(capsys, "sample", NAME, "-n", "0", match="expected a positive integer")


def test_output_must_be_png(capsys):
    fails_on_one_line(capsys, "sample", NAME, "-o", "out.jpg", match="--output must be a .png file, got 'out.jpg'")
    assert not Path("out.jpg").exists()


def test_output_in_a_missing_folder(capsys):
    fails_on_one_line(capsys, "sample", NAME, "-n", "1", "-o", "no/such/dir/out.png", match="no/such/dir/out.png")


def corrupt_copy(private_zoo, tmp_path, monkeypatch):
    weights = tmp_path / "bad_weights"
    shutil.copytree(private_zoo[0] / "weights", weights)
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(weights))
    return weights / NAME


def test_corrupt_weights_file(capsys, tmp_path, private_zoo, monkeypatch):
    folder = corrupt_copy(private_zoo, tmp_path, monkeypatch)
    path = folder / "model.weights.h5"
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    line = fails_on_one_line(capsys, "sample", NAME, "-o", "out.png", match="model.weights.h5")
    assert "corrupt" in line and "sha256" in line
    assert not Path("out.png").exists()


def test_weights_folder_missing_a_file(capsys, tmp_path, private_zoo, monkeypatch):
    folder = corrupt_copy(private_zoo, tmp_path, monkeypatch)
    (folder / "README.md").unlink()
    fails_on_one_line(capsys, "sample", NAME, "-o", "out.png", match="lacks 'README.md'")


def test_weights_nowhere(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(tmp_path / "empty"))
    line = fails_on_one_line(capsys, "sample", NAME, "-o", "out.png", match="not cached")
    assert "GANZOO_WEIGHTS_DIR" in line
    fails_on_one_line(capsys, "sample", NAME, "--weights-dir", str(tmp_path / "empty"),
                      match=f"has no folder '{NAME}/'")


def test_evaluate_without_an_evaluator(capsys):
    fails_on_one_line(capsys, "evaluate", NAME, "-n", "10", match="declares no metric")


# ---------------------------------------------------------------- help


@pytest.mark.parametrize("argv, expected", [
    ([], ["list", "info", "sample", "evaluate", "train"]),
    (["list"], ["pattern", "glob filter"]),
    (["info"], ["name", "--json"]),
    (["sample"], ["-n N", "--output", "--seed", "--scale", "--weights-dir"]),
    (["evaluate"], ["-n N", "--seed", "--weights-dir", "--metric", "--write"]),
    (["train"], ["name", "recipe_flags", "--steps=2000"]),
])
def test_help(capsys, argv, expected):
    code, out, err = run(capsys, *argv, "--help")
    assert code == 0 and err == ""
    assert out.startswith("usage: " + " ".join(["ganzoo", *argv]))
    for word in expected:
        assert word in out


# ---------------------------------------------------------------- train


def test_train_runs_the_entry_recipe_with_extra_flags(capsys, tmp_path, small_mnist_data):
    code, out, err = run(capsys, "train", NAME, "--steps=2", "--batch_size=8", f"--output_dir={tmp_path / 'run'}")
    assert code == 0, err
    assert f"{COMMAND.split()[1]} --steps=2" in out  # the entry's recipe, as run
    info = json.loads((tmp_path / "run" / "training.json").read_text())
    assert info["steps"] == 2 and info["batch_size"] == 8


def test_train_reports_a_failing_recipe_on_one_line(capsys, tmp_path, small_mnist_data):
    code, _, err = run(capsys, "train", NAME, "--steps=many", f"--output_dir={tmp_path / 'run'}")
    assert code == 2 and err.strip().splitlines()[-1] == \
        "ganzoo: error: the recipe exited with status 1; see its output above."


# ---------------------------------------------------------------- the installed console script


def test_console_script_is_installed():
    scripts = {e.name: e.value for e in importlib.metadata.entry_points(group="console_scripts")}
    assert scripts.get("ganzoo") == "ganzoo.cli:main"


def test_console_script_runs(tmp_path):
    script = Path(sys.executable).parent / "ganzoo"
    assert script.is_file()
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ganzoo")
    for command in ("list", "info", "sample", "evaluate"):
        assert command in result.stdout

    # a bad --output fails before any manifest or model is read: exit 2, one line
    result = subprocess.run([str(script), "sample", "anything", "-o", "x.jpg"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["ganzoo: error: --output must be a .png file, got 'x.jpg'."]
    assert ganzoo.__version__
