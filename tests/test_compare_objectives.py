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
    assert compare.scored == [] and "not every run is scored" in capsys.readouterr().out
    assert not json.loads((tmp_path / "r.json").read_text())["complete"]


def test_the_table_s_command_keeps_what_makes_the_runs_and_drops_where_and_how_long(compare):
    argv = ["--steps=300", "--time_limit", "60", "--summary_only", "--output_dir=/tmp/x", "--seeds=0,1",
            "--results", "r.json", "--mixed_precision=bfloat16"]
    assert compare.reproducing_command(argv) == ("python benchmarks/compare_objectives.py --steps=300 --seeds=0,1 "
                                                 "--mixed_precision=bfloat16")


def test_the_readme_table_puts_the_data_sets_side_by_side_with_lucic_s_figures(tmp_path, compare, small_mnist_data):
    import sys

    argv = ["--datasets=mnist", "--objectives=minimax,hinge", "--seeds=0,1", "--steps=2", "--batch_size=8",
            "--width=4", "--steps_per_epoch=2", f"--output_dir={tmp_path / 'runs'}", f"--results={tmp_path / 'r.json'}"]
    compare.main(argv)
    (tmp_path / "runs" / "mnist_hinge_seed1" / "score.json").unlink()  # one seed short
    compare.main([*argv, "--summary_only"])
    results = json.loads((tmp_path / "r.json").read_text())
    assert not results["complete"]
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    import update_readme

    lines = update_readme.objectives_table(results).splitlines()
    assert lines[0] == ("| objective | MNIST FID | MNIST precision / recall | MNIST confident | "
                        "MNIST Lucic et al. FID |")
    assert lines[2] == "| minimax | 30.5 (1.0) | 0.50 / 0.40 | 0.91 | 9.8 |"  # mean (max - min) over 2 seeds
    assert lines[3] == "| hinge | 25.0 | 0.50 / 0.40 | 0.90 | - |"  # one run: no spread; Lucic et al. report no hinge


def test_unknown_objectives_are_refused(compare):
    with pytest.raises(SystemExit):
        compare.main(["--objectives=softmax"])
