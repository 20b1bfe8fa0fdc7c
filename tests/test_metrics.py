"""Classifier scores against closed forms, and `evaluate` on the shipped entry."""

import numpy as np
import pytest

from ganzoo.metrics.classifier import class_scores


def test_perfect_balanced_samples():
    p = np.eye(10)[np.arange(1000) % 10]
    s = class_scores(p, labels=np.arange(1000) % 10)
    assert s["class_coverage"] == 1.0 and s["mean_confidence"] == pytest.approx(1.0)
    assert s["classifier_score"] == pytest.approx(10.0, rel=1e-6)
    assert s["label_accuracy"] == 1.0


def test_mode_collapse_to_one_class():
    p = np.tile(np.eye(10)[3], (500, 1))
    s = class_scores(p)
    assert s["class_coverage"] == pytest.approx(0.1)
    assert s["max_class_share"] == 1.0
    assert s["classifier_score"] == pytest.approx(1.0, rel=1e-6)


def test_uniform_predictions_are_unconfident():
    s = class_scores(np.full((100, 10), 0.1))
    assert s["mean_confidence"] == pytest.approx(0.1)
    assert s["confident_fraction"] == 0.0
    assert s["classifier_score"] == pytest.approx(1.0)


def test_real_test_digits_score_near_the_ideal():
    from ganzoo import data
    from ganzoo.metrics.classifier import load_classifier, predict_probabilities

    images, labels = data.load("mnist", "test")
    s = class_scores(predict_probabilities(load_classifier(), images[:2000]), labels[:2000])
    assert s["label_accuracy"] > 0.98 and s["class_coverage"] == 1.0
    assert s["classifier_score"] > 9.0


def test_hair_classifier_tells_the_held_out_domains_apart():
    # the judge of cyclegan_celeba_black2blond, on faces neither it nor the CycleGAN trained on
    from ganzoo import paired, zoo
    from ganzoo.metrics.classifier import load_classifier, predict_probabilities

    classes = zoo.get_entry("classifier_celeba_hair", section="evaluators")["config"]["classes"]
    judge = load_classifier("classifier_celeba_hair")
    for label, faces in enumerate(paired.celeba_domains(*classes, "test")):
        read_as = predict_probabilities(judge, faces).argmax(-1)
        assert np.mean(read_as == label) > 0.85, (classes[label], np.mean(read_as == label))


def test_evaluate_a_published_entry():
    from ganzoo.evaluate import evaluate

    only = ["classifier"]  # (its FID is measured in test_evaluate_computes_fid_and_kid...)
    results, n, seed = evaluate("cgan_mnist", n=500, progress=False, metrics=only)
    assert (n, seed) == (500, 0)  # the seed the entry declares
    assert set(results) >= {"classifier_mnist/class_coverage", "classifier_mnist/classifier_score",
                            "classifier_mnist/label_accuracy"}
    assert 0.0 <= results["classifier_mnist/mean_confidence"] <= 1.0
    assert results == evaluate("cgan_mnist", n=500, seed=0, progress=False, metrics=only)[0]  # fixed seed
    assert results != evaluate("cgan_mnist", n=500, seed=1, progress=False, metrics=only)[0]
    # an already loaded model is the one measured (here another entry's, under cgan_mnist's spec)
    from ganzoo import zoo

    measured = evaluate("cgan_mnist", n=500, progress=False, model=zoo.load("infogan_mnist"), metrics=only)[0]
    assert measured == evaluate("infogan_mnist", n=500, progress=False, metrics=only)[0] != results


def test_evaluate_computes_fid_and_kid_against_a_declared_reference(tmp_path, monkeypatch):
    """The fid branch end to end on a tiny private zoo entry (tiny counts: a few seconds)."""
    import torch

    from conftest import tiny_dcgan
    from ganzoo import data, export, zoo
    from ganzoo.evaluate import evaluate

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # see tests/test_fid.py: 2 threads on a busy 2-core machine crawl
    model = tiny_dcgan()
    folder = export.save_weights_folder(model, tmp_path / "weights" / "tiny")
    entry = export.build_entry(
        "tiny", model, folder, description="tiny", dataset={"name": "mnist", "license": "CC BY-SA 3.0"},
        recipe="recipes/dcgan_mnist.py", command="python recipes/dcgan_mnist.py", training={},
        evaluation={"n_samples": 24, "seed": 0, "fid": {"dataset": "mnist", "split": "test"}})
    zoo.write_entry("tiny", entry, tmp_path / "manifest.json")
    monkeypatch.setattr(zoo, "MANIFEST_PATH", tmp_path / "manifest.json")
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(tmp_path / "weights"))
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(tmp_path / "cache"))
    real, labels = data.load("mnist", "test")
    # 32 digits stand for each split; "train" and "test" differ, as a training set and held-out images do
    monkeypatch.setattr(data, "load", lambda name, split="train", **k: (
        (real[:32], labels[:32]) if split == "test" else (real[32:64], labels[32:64])))
    try:
        results, n, _ = evaluate("tiny", progress=False)
        entry["evaluation"]["fid"]["split"] = "train"  # against what it learnt from: the copying check too
        zoo.write_entry("tiny", entry, tmp_path / "manifest.json")
        against_train, _, _ = evaluate("tiny", progress=False)
    finally:
        torch.set_num_threads(threads)
    assert n == 24 and results["fid_reference_images"] == 32
    assert results["fid/mnist/test"] > 50  # an untrained generator is far from real digits
    assert results["kid/mnist/test"] > 0
    # precision, recall, density and coverage beside FID: an untrained generator's noise covers no digit
    assert results["coverage/mnist/test"] == 0.0 and results["precision/mnist/test"] == 0.0
    assert {"recall/mnist/test", "density/mnist/test"} <= set(results)
    assert list((tmp_path / "cache").glob("mnist-test-28-32-*.npz"))
    assert not any(key.startswith("nn_ratio") for key in results)  # a test split is no training set
    assert against_train["nn_ratio/mnist/train"] > 1.0  # noise sits farther from the digits than new digits do
    assert against_train["copied_share/mnist/train"] == 0.0


def test_checkpoint_fid_measures_a_paused_runs_sampling_generator(tmp_path, monkeypatch, tiny_images):
    from ganzoo import data, evaluate, training

    training.train("dcgan", dict(resolution=28, channels=1, width=8, latent_dim=8), tiny_images, steps=6,
                   steps_per_epoch=2, batch_size=16, output_dir=tmp_path, verbose=0, time_limit=1e-6,
                   snapshot_every=2)
    seen = {}

    def fid_stub(samples, real, key, reference, progress, fake=None):
        seen.update(samples=samples, key=key, reference=reference)
        return {f"fid/{reference}": 1.5}

    from ganzoo.metrics import fid

    monkeypatch.setattr(evaluate, "_fid", fid_stub)
    monkeypatch.setattr(fid, "inception_features", lambda images, **k: np.zeros((len(images), 4)))
    monkeypatch.setattr(data, "load", lambda *a, **k: (tiny_images, None))
    results = evaluate.checkpoint_fid(tmp_path, {"dataset": "mnist", "split": "test"}, n=10, seed=3,
                                      progress=False)
    assert results == {"step": 2, "fid/mnist/test": 1.5}
    assert seen["key"] == ("mnist", "test", 28)
    model, _ = training.load_checkpoint(tmp_path)
    np.testing.assert_array_equal(seen["samples"], model.sample(10, seed=3))

    # the digit classifier alone (no FID): its scores of the same samples
    scored = evaluate.checkpoint_fid(tmp_path, None, n=10, seed=3, progress=False, classifier="classifier_mnist")
    assert scored == {"step": 2, **evaluate.classifier_scores(model.sample(10, seed=3), "classifier_mnist")}
    assert 0.0 <= scored["classifier_mnist/confident_fraction"] <= 1.0
    # a snapshot by its step (here the same state as the latest checkpoint), or the steps there are
    assert evaluate.checkpoint_fid(tmp_path, None, n=10, seed=3, progress=False, classifier="classifier_mnist",
                                   step=2) == scored
    with pytest.raises(FileNotFoundError, match="no snapshot at step 4; it has snapshots at steps 2"):
        evaluate.checkpoint_fid(tmp_path, None, n=10, seed=3, progress=False, step=4)

    from ganzoo.families.pix2pix import Pix2Pix

    translator = Pix2Pix(resolution=16, input_channels=1, output_channels=3, width=4, seed=0)
    monkeypatch.setattr(training, "load_checkpoint", lambda run_dir, step=None: (translator, 2))
    with pytest.raises(ValueError, match="sample from noise, not Pix2Pix"):
        evaluate.checkpoint_fid(tmp_path, {"dataset": "mnist", "split": "test"}, n=10, progress=False)


def test_code_purity_closed_form():
    from ganzoo.metrics.classifier import code_purity

    k = 10
    codes = np.repeat(np.arange(k), 10)
    perfect = np.eye(k)[(codes + 3) % k]  # each code value is one (permuted) class
    assert code_purity(perfect, codes) == {"code_purity": 1.0, "classes_matched": 10}
    # code 0 splits 6/4 between classes 0 and 1, the rest map to class 2: 0.6 and 1.0 purities
    predicted = np.where(codes == 0, np.array([0] * 6 + [1] * 4 + [2] * 90)[: len(codes)], 2)
    scores = code_purity(np.eye(k)[predicted], codes)
    assert scores["code_purity"] == pytest.approx((0.6 + 9 * 1.0) / 10)
    assert scores["classes_matched"] == 2


def test_evaluate_a_declared_metric_only():
    from ganzoo.evaluate import evaluate, evaluation_spec

    entry = {"evaluation": {"n_samples": 10, "classifier": "classifier_mnist", "fid": {"dataset": "mnist"}}}
    assert "fid" not in evaluation_spec(entry, ["classifier"]) and "classifier" in evaluation_spec(entry)
    with pytest.raises(ValueError, match="declares no 'fid' metric"):
        evaluate("srresnet_x4", n=10, metrics=["fid"], progress=False)


@pytest.mark.parametrize("name,minimum", [("cgan_mnist", 0.95), ("cgan_fashion_mnist", 0.8)])
def test_conditional_samples_are_recognised_as_their_labels(name, minimum):
    # A classifier trained on the real data reads the class each sample was asked to be.
    from ganzoo.evaluate import evaluate

    results, _, _ = evaluate(name, n=500, metrics=["classifier"], progress=False)
    (accuracy,) = [value for key, value in results.items() if key.endswith("/label_accuracy")]
    assert accuracy >= minimum, results


def test_rgb_psnr_closed_form():
    from ganzoo.evaluate import _psnr

    a = np.full((2, 4, 4, 3), 100, np.uint8)
    assert _psnr(a + 1, a) == pytest.approx(10 * np.log10(255.0**2), rel=1e-9)  # MSE 1
    b = a.copy()
    b[1] += 2  # image 0 identical (capped at MSE 1e-10), image 1 MSE 4: the mean of the two
    expected = (10 * np.log10(255.0**2 / 1e-10) + 10 * np.log10(255.0**2 / 4)) / 2
    assert _psnr(b, a) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("family,translation", [
    ("pix2pix", {"task": "grayscale"}),
    ("cyclegan", {"a": "Black_Hair", "b": "Blond_Hair"}),
    ("discogan", {"a": "Black_Hair", "b": "Blond_Hair"}),
])
def test_translation_evaluation_on_held_out_faces(tmp_path, monkeypatch, family, translation):
    """The image-to-image evaluation reads held-out faces, scores pix2pix outputs against the
    true faces, and hands the outputs to FID against the right real set (stubbed here: the
    real CelebA statistics take the Inception network half an hour on a CPU)."""
    from ganzoo import evaluate, export, paired, zoo
    from ganzoo.families import get_family

    config = {"pix2pix": dict(resolution=64, input_channels=1, width=4),
              "cyclegan": dict(resolution=64, width=4, residual_blocks=1),
              "discogan": dict(resolution=64, width=4)}[family]
    model = get_family(family)(**config, seed=0)
    folder = export.save_weights_folder(model, tmp_path / "weights" / "tiny")
    entry = export.build_entry("tiny", model, folder, description="tiny", recipe="recipes/x.py", command="x",
                               dataset={"name": "celeba", "license": "research"}, training={"steps": 0},
                               evaluation={"n_samples": 6, "seed": 0, "translation": translation})
    zoo.write_entry("tiny", entry, tmp_path / "manifest.json")
    monkeypatch.setattr(zoo, "MANIFEST_PATH", tmp_path / "manifest.json")
    calls = []  # FID of the outputs, then of the untranslated inputs

    def fid_stub(samples, real, key, reference, progress):
        calls.append(dict(samples=samples, real=real, key=key))
        return {f"fid/{reference}": float(len(calls))}

    monkeypatch.setattr(evaluate, "_fid", fid_stub)
    results, n, _ = evaluate.evaluate("tiny", weights_dir=tmp_path / "weights", progress=False)
    handed, untranslated = calls
    assert n == 6 and handed["samples"].shape == (6, 64, 64, 3) and handed["samples"].dtype == np.uint8
    assert untranslated["key"] == handed["key"] and untranslated["real"] is handed["real"]
    if family == "pix2pix":
        inputs, faces = paired.celeba_pairs("grayscale", "test")
        outputs = model.translate(inputs[:6])
        np.testing.assert_array_equal(handed["samples"], outputs)
        np.testing.assert_array_equal(untranslated["samples"], np.repeat(inputs[:6], 3, axis=-1))
        assert results["untranslated_fid/celeba/train"] == 2.0
        assert results["untranslated_psnr"] == pytest.approx(
            evaluate._psnr(np.repeat(inputs[:6], 3, axis=-1), faces[:6]), abs=1e-3)
        assert results["l1"] == pytest.approx(np.abs(outputs / 255 - faces[:6] / 255).mean(), abs=1e-4)
        assert results["psnr"] == pytest.approx(evaluate._psnr(outputs, faces[:6]), abs=1e-3)
        assert handed["key"] == ("celeba", "train", 64) and len(handed["real"]) == 9000
    else:
        assert results["translated_faces"] == 6 and results["fid/celeba/train_Blond_Hair"] == 1.0
        assert results["untranslated_fid/celeba/train_Blond_Hair"] == 2.0
        black_haired = paired.celeba_domains("Black_Hair", "Blond_Hair", "test")[0][:6]
        np.testing.assert_array_equal(untranslated["samples"], black_haired)
        assert results["input_l1"] == pytest.approx(np.abs(handed["samples"] / 255 - black_haired / 255).mean(), abs=1e-4)
        assert handed["key"] == ("celeba", "train_Blond_Hair", 64) and 0 < len(handed["real"]) < 9000
        results, n, _ = evaluate.evaluate("tiny", n=5000, weights_dir=tmp_path / "weights", progress=False)
        assert n == results["translated_faces"] < 1000  # as many as the held-out domain has, not 5000


def _tiny_hair_judge(weights, manifest, classes=("Black_Hair", "Blond_Hair")):
    """An untrained two-class evaluator of 64x64 faces in weights/tiny_hair and the manifest."""
    import json

    import keras

    from ganzoo import export, zoo
    from ganzoo.metrics.classifier import build_classifier

    keras.utils.set_random_seed(3)
    judge = build_classifier(2, (64, 64, 3))
    (weights / "tiny_hair").mkdir(parents=True, exist_ok=True)
    judge.save_weights(weights / "tiny_hair" / "model.weights.h5")
    config = {"num_classes": 2, "image_shape": [64, 64, 3], "classes": list(classes)}
    (weights / "tiny_hair" / "config.json").write_text(json.dumps({"family": "classifier", "config": config}))
    entry = {"family": "classifier", "config": config, "files": [], "description": "tiny",
             "dataset": {"name": "celeba", "license": "research"}, "recipe": "recipes/x.py", "command": "x",
             "training": {}, "metrics": {}, "hub": {"repo_id": "ganzoo/tiny_hair", "revision": "v0"}}
    export.refresh_card("tiny_hair", entry, weights / "tiny_hair")  # the card and the files' hashes
    zoo.write_entry("tiny_hair", entry, manifest, section="evaluators")
    return judge


def _share_read_as(judge, images, label):
    from ganzoo.metrics.classifier import predict_probabilities

    return round(float(np.mean(predict_probabilities(judge, images).argmax(-1) == label)), 4)


HAIR = {"a": "Black_Hair", "b": "Blond_Hair", "classifier": "tiny_hair"}


def test_cyclegan_evaluation_counts_translations_a_domain_classifier_reads_as_the_other(tmp_path, monkeypatch):
    """With a classifier of the two domains, the evaluation reports the share of translated held-out
    faces it assigns to the target domain, each direction, beside the same share of the untranslated faces."""
    from ganzoo import evaluate, export, paired, zoo
    from ganzoo.families.cyclegan import CycleGAN

    weights, manifest = tmp_path / "weights", tmp_path / "manifest.json"
    model = CycleGAN(resolution=64, width=4, residual_blocks=1, seed=0)
    folder = export.save_weights_folder(model, weights / "tiny")
    entry = export.build_entry("tiny", model, folder, description="tiny", recipe="recipes/x.py", command="x",
                               dataset={"name": "celeba", "license": "research"}, training={"steps": 0},
                               evaluation={"n_samples": 5, "seed": 0, "translation": HAIR})
    zoo.write_entry("tiny", entry, manifest)
    judge = _tiny_hair_judge(weights, manifest)
    monkeypatch.setattr(zoo, "MANIFEST_PATH", manifest)
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(weights))
    monkeypatch.setattr(evaluate, "_fid", lambda samples, real, key, reference, progress: {f"fid/{reference}": 0.0})

    results, n, _ = evaluate.evaluate("tiny", weights_dir=weights, progress=False)
    black, blond = (faces[:5] for faces in paired.celeba_domains("Black_Hair", "Blond_Hair", "test"))
    assert results["tiny_hair/a2b_read_as_b"] == _share_read_as(judge, model.translate(black), 1)
    assert results["tiny_hair/b2a_read_as_a"] == _share_read_as(judge, model.translate(blond, direction="b2a"), 0)
    assert results["untranslated_tiny_hair/a2b_read_as_b"] == _share_read_as(judge, black, 1)
    assert results["untranslated_tiny_hair/b2a_read_as_a"] == _share_read_as(judge, blond, 0)
    assert results["translated_faces"] == results["translated_faces_b2a"] == 5
    assert results["untranslated_tiny_hair/a2b_read_as_b"] + _share_read_as(judge, black, 0) == pytest.approx(1.0)

    # a classifier of other classes, or of these in the other order, would report nonsense
    _tiny_hair_judge(weights, manifest, classes=("Blond_Hair", "Black_Hair"))
    with pytest.raises(ValueError, match=r"tiny_hair tells apart \['Blond_Hair', 'Black_Hair'\], not the domains"):
        evaluate.evaluate("tiny", weights_dir=weights, progress=False)


def test_a_cyclegan_run_s_checkpoint_is_scored_by_the_domain_classifier(tmp_path, monkeypatch):
    from ganzoo import evaluate, paired, training, zoo

    weights, manifest = tmp_path / "weights", tmp_path / "manifest.json"
    manifest.write_text(zoo.MANIFEST_PATH.read_text())
    judge = _tiny_hair_judge(weights, manifest)
    monkeypatch.setattr(zoo, "MANIFEST_PATH", manifest)
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(weights))
    black, blond = paired.celeba_domains("Black_Hair", "Blond_Hair", "train")
    config = dict(resolution=64, width=2, residual_blocks=1, pool_size=2)
    training.train("cyclegan", config, (black[:8], blond[:8]), steps=2, batch_size=2, output_dir=tmp_path / "run",
                   verbose=0, compile_kwargs={"total_steps": 2})
    result = evaluate.checkpoint_domain_rates(tmp_path / "run", HAIR, n=4)
    model, _ = training.load_checkpoint(tmp_path / "run")
    held_out_black = paired.celeba_domains("Black_Hair", "Blond_Hair", "test")[0][:4]
    assert result["step"] == 2 and result["translated_faces"] == 4
    assert result["tiny_hair/a2b_read_as_b"] == _share_read_as(judge, model.translate(held_out_black), 1)
    training.train("dcgan", dict(resolution=28, channels=1, width=4, latent_dim=4), black[:8, :28, :28, :1],
                   steps=1, batch_size=4, output_dir=tmp_path / "dcgan", verbose=0)
    with pytest.raises(ValueError, match="measures unpaired translation runs \\(CycleGAN\\), not DCGAN"):
        evaluate.checkpoint_domain_rates(tmp_path / "dcgan", HAIR)


def test_infogan_codes_pick_out_digit_classes():
    # Unsupervised, yet each categorical code value draws mostly one digit class: far from
    # the 0.1 purity and scattered majorities of codes that meant nothing.
    from ganzoo.evaluate import evaluate

    results, _, _ = evaluate("infogan_mnist", n=1000, metrics=["classifier"], progress=False)
    assert results["classifier_mnist/code_purity"] >= 0.5, results
    assert results["classifier_mnist/classes_matched"] >= 8, results


def test_report_to_run_prints_a_json_line_and_appends_it_beside_the_run(tmp_path, capsys):
    import json

    from ganzoo import evaluate

    for step in (500, 1000):
        evaluate.report_to_run(tmp_path, "probes.jsonl", {"step": step, "fid": 80.5})
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == [
        {"step": 500, "fid": 80.5}, {"step": 1000, "fid": 80.5}]
    lines = (tmp_path / "probes.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [500, 1000]  # appended, not overwritten


def test_the_copying_check_compares_with_the_training_images_an_entry_learnt_from():
    from ganzoo import evaluate

    train = {"dataset": "mnist", "split": "train"}
    assert evaluate.copying_reference({"evaluation": {"fid": train}}) == train
    assert evaluate.copying_reference({"evaluation": {"fid": {"dataset": "mnist", "split": "test"}}}) is None
    assert evaluate.copying_reference({"evaluation": {"captions": {"classifier": "judge"}}})["split"] == "train"
    assert evaluate.copying_reference({"evaluation": {"translation": {"a": "x", "b": "y"}}}) is None


def test_the_nearest_neighbour_picture_puts_each_sample_beside_its_nearest_training_images(tmp_path, monkeypatch):
    from ganzoo import data, evaluate
    from ganzoo.metrics import fid

    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (20, 8, 8, 3), dtype=np.uint8)
    monkeypatch.setattr(data, "load", lambda *a, **k: (train, None))
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(fid, "inception_sha256", lambda path=None: "0" * 64)
    monkeypatch.setattr(fid, "inception_features",  # a stand-in network: the pixels themselves
                        lambda images, **k: np.asarray(images, np.float64).reshape(len(images), -1))
    copies = train[[3, 7]]  # a generator that copies two training images
    monkeypatch.setattr(evaluate, "_generate", lambda model, n, *a: (copies[:n], {}))
    picture = evaluate.nearest_neighbour_grid(None, {"dataset": "x", "split": "train"}, n=2, k=3)
    cell = 8 + 2  # image and padding
    assert picture.shape[:2] == (2 + 2 * cell, 2 + 4 * cell)
    for row, index in enumerate([3, 7]):
        top = 2 + row * cell
        sample = picture[top : top + 8, 2 : 10]
        nearest = picture[top : top + 8, 2 + cell : 10 + cell]
        np.testing.assert_array_equal(sample, train[index])
        np.testing.assert_array_equal(nearest, train[index])  # a copy's nearest training image is itself


def test_inpainting_evaluation_fills_held_out_faces_beside_the_biharmonic_baseline(tmp_path, monkeypatch):
    """Each mask kind: L1 and PSNR inside the hole for the model and for skimage's biharmonic
    inpainting, and FID of both completions (stubbed: it is measured by the FID tests)."""
    from ganzoo import data, evaluate, export, masks, zoo
    from ganzoo.families import get_family

    model = get_family("inpaint")(resolution=64, width=4, mask_bank=8, seed=0)
    folder = export.save_weights_folder(model, tmp_path / "weights" / "tiny")
    entry = export.build_entry("tiny", model, folder, description="tiny", recipe="recipes/x.py", command="x",
                               dataset={"name": "celeba", "license": "research"}, training={"steps": 0},
                               evaluation={"n_samples": 4, "seed": 0, "inpainting": {"masks": ["centre", "stroke"]}})
    zoo.write_entry("tiny", entry, tmp_path / "manifest.json")
    monkeypatch.setattr(zoo, "MANIFEST_PATH", tmp_path / "manifest.json")
    handed = []
    monkeypatch.setattr(evaluate, "_fid", lambda samples, real, key, reference, progress: (
        handed.append(samples), {f"fid/{reference}": float(len(handed)), f"precision/{reference}": 0.5,
                                 "fid_samples": len(samples)})[1])
    results, n, _ = evaluate.evaluate("tiny", weights_dir=tmp_path / "weights", progress=False)
    faces = data.load("celeba", "test")[0][:4]
    holes = masks.random_masks(4, 64, seed=0, kinds=("stroke",))
    baseline = evaluate.biharmonic_inpaint(faces, holes)
    np.testing.assert_array_equal(baseline[holes == 0], faces[holes == 0])  # known pixels kept
    l1, psnr = evaluate.hole_scores(baseline, faces, holes)
    assert results["biharmonic_stroke/hole_l1"] == pytest.approx(l1, abs=1e-4)
    assert results["biharmonic_stroke/hole_psnr"] == pytest.approx(psnr, abs=1e-3)
    np.testing.assert_array_equal(handed[2], model.inpaint(faces, holes))  # centre: model, baseline; stroke: ...
    assert n == results["inpainted_faces"] == 4 and results["centre/fid/celeba/train"] == 1.0
    assert results["biharmonic_stroke/fid/celeba/train"] == 4.0 and results["stroke/precision/celeba/train"] == 0.5
    harmonic = evaluate.harmonic_inpaint(faces, holes)
    np.testing.assert_array_equal(harmonic[holes == 0], faces[holes == 0])
    assert (results["harmonic_stroke/hole_l1"], results["harmonic_stroke/hole_psnr"]) == pytest.approx(
        evaluate.hole_scores(harmonic, faces, holes), abs=1e-3)
    assert set(results) == ({"inpainted_faces"} | {f"{prefix}{kind}/{measure}" for prefix in ("", "biharmonic_")
                                                   for kind in ("centre", "stroke")
                                                   for measure in ("hole_l1", "hole_psnr", "fid/celeba/train",
                                                                   "precision/celeba/train")}
                            | {f"harmonic_{kind}/{m}" for kind in ("centre", "stroke") for m in ("hole_l1", "hole_psnr")})


def test_hole_scores_count_the_missing_pixels_only():
    from ganzoo.evaluate import hole_scores

    target = np.full((1, 4, 4, 3), 100, np.uint8)
    output = target.copy()
    output[0, 0, 0] = 110  # inside the hole: off by 10 in every channel
    output[0, 3, 3] = 0    # outside: ignored
    hole = np.zeros((1, 4, 4), np.uint8)
    hole[0, :2, :2] = 1
    l1, psnr = hole_scores(output, target, hole)
    assert l1 == pytest.approx(10 / 255 / 4) and psnr == pytest.approx(10 * np.log10(255.0**2 / (100 / 4)))


def test_balanced_accuracy_weighs_both_classes_alike():
    from ganzoo.metrics.classifier import balanced_accuracy

    truth = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    assert balanced_accuracy(np.zeros(10), truth) == 0.5  # always "no": 90% accurate, but blind
    assert balanced_accuracy(truth, truth) == 1.0
    assert balanced_accuracy(np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]), truth) == pytest.approx((1 + 8 / 9) / 2)


def test_feature_measures_are_recorded_at_the_sample_count_they_ran_on():
    from ganzoo.evaluate import samples_behind

    results = {"classifier_mnist/confident_fraction": 0.9, "fid/mnist/test": 15.9, "kid_std/mnist/test": 0.0005,
               "nn_ratio/mnist/train": 1.1, "fid_samples": 2000, "fid_reference_images": 2000}
    counts = {key: samples_behind(key, results, 10000) for key in results}
    assert counts == {"classifier_mnist/confident_fraction": 10000, "fid/mnist/test": 2000, "kid_std/mnist/test": 2000,
                      "nn_ratio/mnist/train": 2000, "fid_samples": 2000, "fid_reference_images": 2000}
    assert samples_behind("fid/celeba/train", {"fid/celeba/train": 40.0}, 5000) == 5000  # no count given: n
