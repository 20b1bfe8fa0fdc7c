"""A recipe killed with SIGKILL mid-run resumes from its checkpoint and exports a valid entry.

The recipe reads a small stand-in MNIST folder (conftest.small_mnist_data), not the real set:
these are tests of the run's mechanics, and they run without the data folder."""

import csv
import json
import os
import shlex
import signal
import subprocess
import sys

import pytest

from conftest import REPO_ROOT

pytestmark = pytest.mark.usefixtures("small_mnist_data")

# Runs the real recipe; when KILL_AFTER_EPOCH is set, the process SIGKILLs itself right
# after that epoch's checkpoint and log row are written (a preemption, nothing flushed).
WRAPPER = """
import os, runpy, signal, sys
import keras
kill_after = os.environ.get("KILL_AFTER_EPOCH")
if kill_after is not None:
    original = keras.callbacks.CSVLogger.on_epoch_end
    def on_epoch_end(self, epoch, logs=None):
        original(self, epoch, logs)
        if epoch == int(kill_after):
            os.kill(os.getpid(), signal.SIGKILL)
    keras.callbacks.CSVLogger.on_epoch_end = on_epoch_end
sys.path.insert(0, "recipes")
sys.argv = ["recipes/dcgan_mnist.py", *sys.argv[1:]]
runpy.run_path("recipes/dcgan_mnist.py", run_name="__main__")
"""


def run_recipe(args, kill_after=None):
    # one intra-op thread: torch's multi-threaded CPU kernels (oneDNN's weight gradients) do not promise the
    # same summation order from one process to the next, and CI, running two test files at once, saw a
    # resumed run drift 3e-5 from the straight one after eight steps; with one thread the order is fixed
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "OMP_NUM_THREADS": "1"}
    if kill_after is not None:
        env["KILL_AFTER_EPOCH"] = str(kill_after)
    return subprocess.run([sys.executable, "-c", WRAPPER, *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_killed_recipe_resumes_and_exports(tmp_path):
    manifest = tmp_path / "manifest.json"
    args = ["--steps=6", "--steps_per_epoch=2", "--batch_size=16", f"--output_dir={tmp_path / 'run'}",
            "--export", f"--export_dir={tmp_path / 'weights' / 'dcgan_mnist'}", f"--manifest={manifest}"]
    killed = run_recipe(args, kill_after=1)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert (tmp_path / "run" / "backup").is_dir()
    assert not manifest.exists()

    resumed = run_recipe(args)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    with open(tmp_path / "run" / "log.csv") as f:
        epochs = [int(row["epoch"]) for row in csv.DictReader(f)]
    assert epochs == [0, 1, 2], "epochs 0-1 before the kill, only epoch 2 after it"
    info = json.loads((tmp_path / "run" / "training.json").read_text())
    assert info["steps"] == 6  # optimizer iterations were restored, not restarted
    # the kill came before epoch 1's grid; the resumed run numbers its grid by the true step
    assert sorted(p.name for p in (tmp_path / "run" / "samples").iterdir()) == [
        "step_0000002.png", "step_0000006.png"]

    from ganzoo import zoo

    entry = zoo.read_manifest(manifest)["models"]["dcgan_mnist"]
    assert entry["command"].startswith("python recipes/dcgan_mnist.py --steps=6")
    assert entry["training"]["steps"] == 6
    model = zoo.load("dcgan_mnist", weights_dir=tmp_path / "weights", manifest_path=manifest)
    assert model.sample(3, seed=0).shape == (3, 28, 28, 1)


def test_a_killed_run_ends_in_the_state_of_an_uninterrupted_one(tmp_path):
    """Preemption is invisible: the same seed, killed after epoch 1 and resumed, gives the
    same weights (both networks) and the same loss log as a run that was never stopped."""
    import h5py
    import numpy as np

    def args(name):
        return ["--steps=8", "--steps_per_epoch=2", "--batch_size=16", f"--output_dir={tmp_path / name}",
                "--export", f"--export_dir={tmp_path / name / 'weights'}", f"--manifest={tmp_path / name / 'm.json'}"]

    assert run_recipe(args("straight")).returncode == 0
    assert run_recipe(args("killed"), kill_after=1).returncode == -signal.SIGKILL
    resumed = run_recipe(args("killed"))
    assert resumed.returncode == 0, resumed.stderr[-3000:]

    def arrays(name):  # the generator (its average) and, in its own file, the discriminator
        out = {}
        for file in ("model.weights.h5", "discriminator.weights.h5"):
            with h5py.File(tmp_path / name / "weights" / file) as f:
                f.visititems(lambda key, item: out.__setitem__(f"{file}/{key}", item[()])
                             if isinstance(item, h5py.Dataset) else None)
        return out

    straight, killed = arrays("straight"), arrays("killed")
    assert straight.keys() == killed.keys() and len(straight) > 10
    for key in straight:
        np.testing.assert_array_equal(straight[key], killed[key], err_msg=key)
    logs = [(tmp_path / name / "log.csv").read_text() for name in ("straight", "killed")]
    assert logs[0] == logs[1]


def test_a_time_limited_recipe_pauses_without_exporting_and_records_no_limit(tmp_path):
    manifest = tmp_path / "manifest.json"
    args = ["--steps=4", "--steps_per_epoch=2", "--batch_size=16", f"--output_dir={tmp_path / 'run'}", "--export",
            f"--export_dir={tmp_path / 'weights' / 'dcgan_mnist'}", f"--manifest={manifest}"]
    paused = run_recipe([*args, "--time_limit=0.000001"])
    assert paused.returncode == 0, paused.stderr[-3000:]
    assert "stopped by --time_limit at step 2 of 4" in paused.stdout and "run the same command again" in paused.stdout
    assert not manifest.exists() and (tmp_path / "run" / "backup").is_dir()

    finished = run_recipe([*args, "--time_limit", "600"])
    assert finished.returncode == 0, finished.stderr[-3000:]
    from ganzoo import zoo

    entry = zoo.read_manifest(manifest)["models"]["dcgan_mnist"]
    assert entry["training"]["steps"] == 4
    # neither where it paused nor which manifest file it wrote belongs to what it computed
    recorded = [arg for arg in args if not arg.startswith("--manifest=")]
    assert entry["command"] == " ".join(["python", "recipes/dcgan_mnist.py", *map(shlex.quote, recorded)])


def test_a_finished_run_exports_later_without_training_again(tmp_path):
    manifest = tmp_path / "manifest.json"
    args = ["--steps=2", "--steps_per_epoch=2", "--batch_size=16", f"--output_dir={tmp_path / 'run'}"]
    trained = run_recipe(args)
    assert trained.returncode == 0, trained.stderr[-3000:]
    assert not manifest.exists() and (tmp_path / "run" / "backup").is_dir()  # the trained model is kept
    # a sampling setting given at export: training is the same, so the trained run serves
    exported = run_recipe([*args, "--jacobian_truncation=0.2", "--export",
                           f"--export_dir={tmp_path / 'weights' / 'dcgan_mnist'}", f"--manifest={manifest}"])
    assert exported.returncode == 0, exported.stderr[-3000:]
    with open(tmp_path / "run" / "log.csv") as f:
        assert [row["epoch"] for row in csv.DictReader(f)] == ["0"]  # no epoch ran the second time
    from ganzoo import zoo

    entry = zoo.read_manifest(manifest)["models"]["dcgan_mnist"]
    assert entry["training"]["steps"] == 2
    assert entry["config"]["jacobian_truncation"] == 0.2 and "drops the 20% of latents" in entry["description"]
    model = zoo.load("dcgan_mnist", weights_dir=tmp_path / "weights", manifest_path=manifest)
    assert model.jacobian_truncation == 0.2


def test_a_run_exports_its_snapshot_at_an_earlier_step(tmp_path):
    """--snapshot_every keeps checkpoints; --export_snapshot exports one of them once the run is done,
    with the snapshot's step in the card and the run's length beside it."""
    import numpy as np

    from ganzoo import training, zoo

    manifest = tmp_path / "manifest.json"
    args = ["--steps=6", "--steps_per_epoch=2", "--batch_size=16", "--snapshot_every=2",
            f"--output_dir={tmp_path / 'run'}", "--export", f"--export_dir={tmp_path / 'weights' / 'dcgan_mnist'}",
            f"--manifest={manifest}"]
    missing = run_recipe([*args, "--export_snapshot=3"])  # trains all 6 steps, then finds no snapshot at 3
    assert missing.returncode != 0 and "no snapshot at step 3; it has snapshots at steps 2, 4, 6" in missing.stderr
    assert not manifest.exists()
    exported = run_recipe([*args, "--export_snapshot=4"])  # the finished run is not trained again
    assert exported.returncode == 0, exported.stderr[-3000:]
    entry = zoo.read_manifest(manifest)["models"]["dcgan_mnist"]
    assert entry["training"]["steps"] == 4 and entry["training"]["snapshot_of_run"]["steps"] == 6
    assert "--export_snapshot=4" in entry["command"]
    card = (tmp_path / "weights" / "dcgan_mnist" / "README.md").read_text()
    assert "the snapshot at that step of a run trained to 6 steps" in card
    snapshot, _ = training.load_checkpoint(tmp_path / "run", step=4)
    snapshot.refresh_ema_statistics()  # as export does: the average takes G's batch-norm statistics
    shipped = zoo.load("dcgan_mnist", weights_dir=tmp_path / "weights", manifest_path=manifest)
    np.testing.assert_array_equal(shipped.sample(3, seed=0), snapshot.sample(3, seed=0))
    alone = run_recipe(["--steps=2", "--export_snapshot=2", f"--output_dir={tmp_path / 'run2'}"])
    assert alone.returncode != 0 and "add --export" in alone.stderr


def test_init_from_starts_a_run_from_a_published_entry(tmp_path, monkeypatch):
    """--init_from: a fresh run begins at an entry's weights, discriminator included (here with learning
    rates of 0, so it stays there), and its export records where it began."""
    import numpy as np

    from ganzoo import zoo

    manifest = tmp_path / "manifest.json"
    common = ["--steps=2", "--batch_size=16", f"--manifest={manifest}", "--export"]
    first = run_recipe([*common, f"--output_dir={tmp_path / 'run1'}", f"--export_dir={tmp_path / 'w1' / 'dcgan_mnist'}"])
    assert first.returncode == 0, first.stderr[-3000:]
    source = zoo.read_manifest(manifest)["models"]["dcgan_mnist"]
    published = zoo.load("dcgan_mnist", weights_dir=tmp_path / "w1", manifest_path=manifest, training=True)

    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(tmp_path / "w1"))  # where the recipe finds the entry
    second = run_recipe([*common, "--init_from=dcgan_mnist", "--g_learning_rate=0", "--d_learning_rate=0",
                         f"--output_dir={tmp_path / 'run2'}", f"--export_dir={tmp_path / 'w2' / 'dcgan_mnist'}"])
    assert second.returncode == 0, second.stderr[-3000:]
    zoo.refresh()  # the recipe rewrote the manifest file
    entry = zoo.read_manifest(manifest)["models"]["dcgan_mnist"]
    began = entry["training"]["initialized_from"]
    assert began["entry"] == "dcgan_mnist" and began["command"] == source["command"]
    assert began["files"]["model.weights.h5"] == next(r["sha256"] for r in source["files"]
                                                      if r["path"] == "model.weights.h5")
    continued = zoo.load("dcgan_mnist", weights_dir=tmp_path / "w2", manifest_path=manifest, training=True)
    for network in ("generator", "discriminator"):
        for a, b in zip(getattr(published, network).trainable_weights, getattr(continued, network).trainable_weights):
            # the generator ships as its moving average, which went on (0.999 a + 0.001 a: rounding only)
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=1e-6, err_msg=a.path)

    bad = run_recipe(["--steps=2", "--init_from=dcgan_mnst", f"--manifest={manifest}",
                      f"--output_dir={tmp_path / 'run3'}"])
    assert bad.returncode != 0 and "Did you mean 'dcgan_mnist'" in bad.stderr
    alone = run_recipe(["--steps=2", "--discriminator_warmup=2", f"--output_dir={tmp_path / 'run4'}"])
    assert alone.returncode != 0 and "give the entry with --init_from" in alone.stderr


def test_top_k_flags_reach_the_runs_config_and_the_decay_needs_the_share(tmp_path):
    run = run_recipe(["--steps=2", "--batch_size=16", "--top_k=0.5", "--top_k_decay=0",
                      f"--output_dir={tmp_path / 'run'}"])
    assert run.returncode == 0, run.stderr[-3000:]
    config = json.loads((tmp_path / "run" / "run.json").read_text())["config"]
    assert (config["top_k"], config["top_k_decay"]) == (0.5, 0.0)
    alone = run_recipe(["--steps=2", "--top_k_decay=0.5", f"--output_dir={tmp_path / 'run2'}"])
    assert alone.returncode != 0 and "add --top_k" in alone.stderr
