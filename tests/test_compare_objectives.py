"""benchmarks/compare_objectives.py: every contestant trains on the same networks, scored runs are
skipped, a time limit pauses, and the table summarises the scores (FID stubbed: the FID tests
measure it)."""

import importlib.util
import json

import pytest

from conftest import REPO_ROOT


@pytest.fixture
def compare(monkeypatch):
    spec = importlib.util.spec_from_file_location("compare_objectives", REPO_ROOT / "benchmarks" / "compare_objectives.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    scored = []

    def fake_score(run_dir, dataset, n_samples, progress):
        from ganzoo import training

        model, step = training.load_checkpoint(run_dir)
        scored.append((run_dir.name, model.family, model.objective))
        fid = {"minimax": 30.0, "hinge": 25.0, "wgan_gp": 20.0}[model.objective if model.family == "dcgan" else "wgan_gp"]
        return {"step": step, f"fid/{dataset}/test": fid + model.seed, f"precision/{dataset}/test": 0.5,
                f"recall/{dataset}/test": 0.4, f"kid/{dataset}/test": 0.01,
                "classifier_mnist/confident_fraction": 0.9 + model.seed / 100}

    monkeypatch.setattr(module, "score", fake_score)
    module.scored = scored
    return module


def test_each_objective_and_seed_trains_is_scored_once_and_summarised(tmp_path, compare, small_mnist_data, capsys):
    argv = ["--datasets=mnist", "--objectives=minimax,wgan_gp", "--seeds=0,1", "--steps=2", "--batch_size=8",
            "--width=4", "--steps_per_epoch=2", f"--output_dir={tmp_path / 'runs'}", f"--results={tmp_path / 'r.json'}"]
    compare.main(argv)
    assert sorted(compare.scored) == [("mnist_minimax_seed0", "dcgan", "minimax"), ("mnist_minimax_seed1", "dcgan", "minimax"),
                                      ("mnist_wgan_gp_seed0", "wgan_gp", "wasserstein"),
                                      ("mnist_wgan_gp_seed1", "wgan_gp", "wasserstein")]
    results = json.loads((tmp_path / "r.json").read_text())
    assert results["complete"] and results["table"]["mnist"]["minimax"]["fid"] == {"mean": 30.5, "runs": 2, "spread": 1.0}
    assert results["table"]["mnist"]["minimax"]["confident"] == {"mean": 0.905, "runs": 2, "spread": 0.01}
    assert "| mnist | wgan_gp | 2 | 20.5 (range 1) |" in capsys.readouterr().out
    compare.main(argv)  # everything scored: nothing trains or scores again
    assert len(compare.scored) == 4


def test_a_time_limit_pauses_before_the_next_run(tmp_path, compare, small_mnist_data, capsys):
    argv = ["--datasets=mnist", "--objectives=hinge", "--seeds=0,1", "--steps=2", "--batch_size=8", "--width=4",
            "--steps_per_epoch=2", f"--output_dir={tmp_path / 'runs'}", f"--results={tmp_path / 'r.json'}",
            "--time_limit=1e-9"]
    compare.main(argv)
    assert compare.scored == [] and "paused" in capsys.readouterr().out
    assert not json.loads((tmp_path / "r.json").read_text())["complete"]


def test_unknown_objectives_are_refused(compare):
    with pytest.raises(SystemExit):
        compare.main(["--objectives=softmax"])
