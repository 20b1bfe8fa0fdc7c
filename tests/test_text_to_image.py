"""Text to image: token ids and the text encoder (ganzoo/text.py), the matching-aware loss against
its closed form on the three pair types, and GAN-CLS (ganzoo/families/gan_cls.py) on tiny configs."""

import json
import os

import keras
import numpy as np
import pytest

from conftest import TINY_GAN_CLS, TINY_STACKGAN, moved, needs_data, numpy, weights_of
from ganzoo import captions, text
from ganzoo.core.gan import no_grad
from ganzoo.core.objectives import matching_aware_d_loss
from ganzoo.families import get_family


def tiny(**overrides):
    return get_family("gan_cls")(**{**TINY_GAN_CLS, "ema_decay": 0.9, **overrides})


def softplus(x):
    return np.log1p(np.exp(x))


def test_the_matching_aware_loss_on_its_three_pair_types():
    right, wrong, fake = np.array([2.0, -1.0]), np.array([0.5, 3.0]), np.array([-2.0, 1.0])
    expected = softplus(-right).mean() + 0.5 * (softplus(wrong).mean() + softplus(fake).mean())
    np.testing.assert_allclose(float(numpy(matching_aware_d_loss(right, wrong, fake))), expected, rtol=1e-6)
    # a discriminator that gets all three right scores near 0; one that calls the wrong pair real does not
    assert float(numpy(matching_aware_d_loss(np.full(4, 20.0), np.full(4, -20.0), np.full(4, -20.0)))) < 1e-6
    assert float(numpy(matching_aware_d_loss(np.full(4, 20.0), np.full(4, 20.0), np.full(4, -20.0)))) > 9.9


def test_token_ids_pad_map_and_refuse():
    ids = text.token_ids(["a man", "a smiling young woman with glasses"])
    assert ids.shape == (2, text.MAX_WORDS) and ids.dtype == np.int32
    assert ids[0, 0] == captions.VOCABULARY.index("a") + 1 and ids[0, 2:].max() == 0
    with pytest.raises(ValueError, match="outside the"):
        text.token_ids("a man with a parrot")
    with pytest.raises(ValueError, match="at most 32"):
        text.token_ids(" ".join(["a man"] * 20))


def test_the_text_encoder_gives_unit_vectors_and_ignores_padding():
    encoder = text.build_text_encoder(embedding_dim=8, width=8)
    ids = text.token_ids(["a man with glasses", "a woman"])
    vectors = numpy(encoder(ids))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    longer = ids.copy()
    longer[1, 2:] = 0  # already padding: unchanged
    np.testing.assert_allclose(numpy(encoder(longer)), vectors, atol=1e-6)


def test_the_joint_embedding_learns_to_pair_images_with_their_captions():
    """Two kinds of image (dark, light) and captions that say which: a few epochs put each image
    nearer its own kind's captions."""
    rng = np.random.default_rng(0)
    dark = rng.integers(0, 60, (32, 16, 16, 3), dtype=np.uint8)
    light = rng.integers(190, 256, (32, 16, 16, 3), dtype=np.uint8)
    images = np.concatenate([dark, light])
    ids = np.concatenate([np.repeat(text.token_ids(["a man with black hair"]), 32, axis=0),
                          np.repeat(text.token_ids(["a woman with blond hair"]), 32, axis=0)])
    keras.utils.set_random_seed(0)
    model = text.JointEmbedding(resolution=16, embedding_dim=8, text_width=8, image_width=8, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    order = rng.permutation(64)
    history = model.fit((images[order], ids[order]), batch_size=16, epochs=15, verbose=0, shuffle=True)
    assert history.history["loss"][-1] < history.history["loss"][0]
    image_vectors, text_vectors = (numpy(v) for v in model((images, ids)))
    own = (image_vectors * text_vectors).sum(axis=1)
    other = (image_vectors * np.roll(text_vectors, 32, axis=0)).sum(axis=1)
    assert (own > other).mean() > 0.9


def test_gan_cls_trains_samples_per_caption_and_keeps_the_encoder_frozen():
    model = tiny()
    model.compile()
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (32, 32, 32, 3), dtype=np.uint8)
    ids = np.stack([text.token_ids(["a man with glasses", "a young woman", "a smiling woman"])] * 32)  # k = 3
    encoder, generator, discriminator = (weights_of(n) for n in (model.text_encoder, model.generator,
                                                                 model.discriminator))
    model.fit(images, ids, batch_size=8, epochs=1, verbose=0)
    assert moved(generator, model.generator)
    assert moved(discriminator, model.discriminator)
    assert not moved(encoder, model.text_encoder)
    samples = model.sample(3, captions=["a man with a hat", "a woman"], seed=0)
    assert samples.shape == (6, 32, 32, 3) and samples.dtype == np.uint8
    np.testing.assert_array_equal(samples, model.sample(3, captions=["a man with a hat", "a woman"], seed=0))
    _, conditions = model.sampling_inputs(5, 0, ["a man", "a woman"])  # n in all, in blocks per caption
    assert conditions["captions"] == ["a man", "a man", "a man", "a woman", "a woman"]
    with pytest.raises(ValueError, match="outside the"):
        model.sample(2, captions=["a man with a parrot"])
    with pytest.raises(ValueError, match="caption token ids"):
        model.fit(images, batch_size=8, epochs=1, verbose=0)


def test_gan_int_is_a_second_generator_term_on_halfway_captions():
    with_int, without = tiny(interpolation_weight=1.0), tiny(interpolation_weight=0.0)
    without.set_weights(with_int.get_weights())
    embedding = with_int.text_encoder(text.token_ids(["a man", "a woman", "a young man", "an older woman"]))
    with no_grad():  # both draw the same first latents (same seed): the difference is the GAN-INT term
        a = float(numpy(with_int.generator_loss({"text": embedding})))
        b = float(numpy(without.generator_loss({"text": embedding})))
    assert a > b > 0  # the GAN-INT term adds a positive non-saturating loss


def test_gan_cls_round_trips_through_a_weights_folder(tmp_path):
    from PIL import Image

    from ganzoo import export, zoo

    model = tiny()
    folder = export.save_weights_folder(model, tmp_path / "gan_cls_tiny")
    again = zoo.load_folder(folder)
    np.testing.assert_array_equal(again.sample(2, captions="a man", seed=1), model.sample(2, captions="a man", seed=1))
    # the card's captions.png: the sample grid, each row's caption written to its left
    from ganzoo import images
    from ganzoo.export import EXTRA_PICTURES

    labelled = np.asarray(Image.open(folder / "captions.png"))
    grid = np.asarray(Image.open(folder / "samples.png"))
    assert labelled.shape[0] == grid.shape[0] and labelled.shape[1] > grid.shape[1] + 200
    np.testing.assert_array_equal(labelled[:, -grid.shape[1]:], grid)
    assert "captions.png" in EXTRA_PICTURES  # so the card shows it
    assert images.label_rows(images.grid(np.zeros((4, 8, 8, 3), np.uint8), cols=2), ["a", "b"]).shape[0] == 22


def test_row_labels_are_written_beside_each_row_and_refuse_a_wrong_row_count():
    from ganzoo import images

    picture = images.grid(np.zeros((6, 10, 10, 3), np.uint8), cols=2)  # 3 rows of 10 px, 2 px gaps
    labelled = images.label_rows(picture, ["one", "", "three"])
    margin = labelled[:, : labelled.shape[1] - picture.shape[1]]
    inked = [(margin[2 + r * 12 : 12 + r * 12] < 128).any() for r in range(3)]
    assert inked == [True, False, True]  # ink only beside the rows that have a label
    np.testing.assert_array_equal(labelled[:, margin.shape[1]:], picture)
    with pytest.raises(ValueError, match="does not have 5 rows"):
        images.label_rows(picture, ["a", "b", "c", "d", "e"])


def test_ganzoo_sample_draws_one_row_per_caption(tmp_path, monkeypatch, capsys):
    from PIL import Image

    from ganzoo import cli, export, images, zoo

    model = tiny()
    folder = export.save_weights_folder(model, tmp_path / "weights" / "gan_cls_tiny")
    entry = export.build_entry("gan_cls_tiny", model, folder, description="tiny", recipe="recipes/x.py",
                               command="x", dataset={"name": "celeba", "license": "x"}, training={"steps": 0})
    zoo.write_entry("gan_cls_tiny", entry, tmp_path / "manifest.json")
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(tmp_path / "weights"))
    monkeypatch.setattr(zoo, "MANIFEST_PATH", tmp_path / "manifest.json")
    out = tmp_path / "rows.png"
    code = cli.main(["sample", "gan_cls_tiny", "--caption", "a man with glasses", "--caption", "a young woman",
                     "-n", "3", "--seed", "0", "--scale", "1", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    expected = images.grid(model.sample(3, captions=["a man with glasses", "a young woman"], seed=0), cols=3)
    np.testing.assert_array_equal(np.asarray(Image.open(out)), expected)
    assert cli.main(["sample", "gan_cls_tiny", "--caption", "a man with a parrot", "-o", str(out)]) == 2
    assert "outside the" in capsys.readouterr().err
    monkeypatch.undo()  # the real zoo again
    assert cli.main(["sample", "cgan_mnist", "--caption", "a man", "-o", str(out)]) == 2
    assert "--caption is for text-to-image entries" in capsys.readouterr().err


# -- StackGAN ----------------------------------------------------------------------------------
STACK = dict(TINY_STACKGAN, ema_decay=0.9)


def test_the_conditioning_kl_against_its_closed_form():
    from ganzoo.families.stackgan import kl_to_standard_normal

    mu = np.array([[0.0, 1.0], [2.0, 0.0]], np.float32)
    log_variance = np.array([[0.0, 0.0], [np.log(2.0), 0.0]], np.float32)
    # per row 0.5 * sum(mu^2 + var - 1 - log var): row 0: 0.5; row 1: 0.5 * (4 + 2 - 1 - ln 2)
    expected = (0.5 + 0.5 * (4 + 2 - 1 - np.log(2.0))) / 2
    np.testing.assert_allclose(float(numpy(kl_to_standard_normal(mu, log_variance))), expected, rtol=1e-6)
    assert float(numpy(kl_to_standard_normal(np.zeros((3, 4)), np.zeros((3, 4))))) == 0.0


def test_stackgan_trains_stage_one_then_stage_two_with_stage_one_frozen(tmp_path):
    from ganzoo import export, zoo

    rng = np.random.default_rng(0)
    ids = np.stack([text.token_ids(["a man with glasses", "a young woman"])] * 16)
    stage1 = get_family("stackgan")(training_stage=1, **STACK)
    stage1.compile()
    stage1.fit(rng.integers(0, 256, (16, 16, 16, 3), dtype=np.uint8), ids, batch_size=8, epochs=1, verbose=0)
    assert stage1.sample(2, captions="a man", seed=0).shape == (2, 16, 16, 3)
    with pytest.raises(ValueError, match="needs a Stage II model"):
        stage1.sample(2, captions="a man", return_stages=True)

    stage2 = get_family("stackgan")(training_stage=2, **STACK)
    stage2.load_stage1(stage1)
    stage2.compile()
    frozen = weights_of(stage2.stage1_generator)
    trained = weights_of(stage2.stage2_generator)
    stage2.fit(rng.integers(0, 256, (16, 32, 32, 3), dtype=np.uint8), ids, batch_size=8, epochs=1, verbose=0)
    assert not moved(frozen, stage2.stage1_generator) and moved(trained, stage2.stage2_generator)
    rough, fine = stage2.sample(2, captions="a man", seed=0, return_stages=True)
    np.testing.assert_array_equal(rough, stage1.sample(2, captions="a man", seed=0))  # Stage I as it was trained
    assert fine.shape == (2, 32, 32, 3)
    again = zoo.load_folder(export.save_weights_folder(stage2, tmp_path / "stack"))  # (export re-measures the
    np.testing.assert_array_equal(again.sample(2, captions="a man", seed=0),       # average's batch-norm statistics)
                                  stage2.sample(2, captions="a man", seed=0))
    # the card's stages.png: each row's tiles alternate Stage I (enlarged x2, nearest) and Stage II
    assert (tmp_path / "stack" / "stages.png").exists()
    pairs = stage2.stages_grid(2, seed=0, captions=["a man"])  # one row: I, II, I, II; 2-pixel gaps
    tiles = [pairs[2:34, 2 + k * 34:34 + k * 34] for k in range(4)]
    rough, fine = stage2.sample(2, captions="a man", seed=0, return_stages=True)
    np.testing.assert_array_equal(tiles[0], rough[0].repeat(2, axis=0).repeat(2, axis=1))
    np.testing.assert_array_equal(tiles[3], fine[1])
    with pytest.raises(ValueError, match="needs a Stage II model"):
        stage1.stages_grid(2)
    with pytest.raises(ValueError, match=r"shape \(N, 32, 32, 3\)"):  # Stage II trains on its own size
        stage2.fit(rng.integers(0, 256, (16, 16, 16, 3), dtype=np.uint8), ids, batch_size=8, epochs=1, verbose=0)


@pytest.mark.parametrize("overrides, message", [
    ({"training_stage": 3}, "training_stage"), ({"resolution": 8, "stage1_resolution": 8}, "power of two"),
    ({"resolution": 16, "stage1_resolution": 32}, "at least Stage I"), ({"kl_weight": -1}, ">= 0"),
])
def test_stackgan_refuses_bad_configs(overrides, message):
    with pytest.raises(ValueError, match=message):
        get_family("stackgan")(**{**STACK, **overrides})


# -- evaluation: do the samples show what their captions say? ----------------------------------
def test_stated_agreement_counts_each_stated_value_against_the_judge():
    from ganzoo.metrics.captions import stated_agreement

    readings = np.array([[1, 0], [0, 0], [1, 1]])
    stated = [{"Male": 1, "Smiling": 1}, {"Male": 0, "Eyeglasses": 1}, {"Male": 1}]
    assert stated_agreement(readings, stated, ["Male", "Smiling"]) == {
        ("Male", 0): (1.0, 1), ("Male", 1): (1.0, 2), ("Smiling", 1): (0.0, 1)}  # Eyeglasses: not judged
    with pytest.raises(ValueError, match=r"expected \(3, 3\)"):
        stated_agreement(readings, stated, ["Male", "Smiling", "Young"])


@pytest.mark.parametrize("family", ["gan_cls", "stackgan"])
def test_caption_evaluation_judges_samples_of_held_out_captions_beside_the_real_faces(tmp_path, monkeypatch, family):
    """One sample per held-out face's first caption; the judge's reading of each stated attribute in the
    samples beside the real faces'; FID stubbed (the Inception network takes minutes). A StackGAN of two
    stages is judged at Stage I too."""
    from ganzoo import data, evaluate, export, zoo
    from ganzoo.metrics import fid
    from ganzoo.metrics.captions import stated_agreement
    from ganzoo.metrics.classifier import predict_attributes
    from test_stargan import _tiny_attribute_judge

    weights, manifest = tmp_path / "weights", tmp_path / "manifest.json"
    if family == "gan_cls":
        model = tiny(resolution=64)
    else:
        model = get_family("stackgan")(training_stage=2, **{**STACK, "resolution": 64, "stage1_resolution": 32})
    folder = export.save_weights_folder(model, weights / "tiny")
    entry = export.build_entry("tiny", model, folder, description="tiny", recipe="recipes/x.py", command="x",
                               dataset={"name": "celeba", "license": "research"}, training={"steps": 0},
                               evaluation={"n_samples": 10, "seed": 0, "captions": {"classifier": "tiny_judge"}})
    zoo.write_entry("tiny", entry, manifest)
    classes = ["Male", "Young", "Smiling", "Eyeglasses", "Black_Hair", "Blond_Hair"]
    judge = _tiny_attribute_judge(weights, manifest, classes)
    monkeypatch.setattr(zoo, "MANIFEST_PATH", manifest)
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(weights))
    handed = []

    def fid_stub(samples, real, key, reference, progress, fake=None):
        handed.append(samples)
        return {f"fid/{reference}": float(len(handed)), "fid_samples": len(samples)}

    def copying_stub(samples, ref, progress, sample_features):
        copying.append((samples, ref, sample_features))
        return {"nn_ratio/celeba/train": 1.25}

    copying = []
    monkeypatch.setattr(evaluate, "_fid", fid_stub)
    monkeypatch.setattr(evaluate, "memorisation_scores", copying_stub)
    monkeypatch.setattr(fid, "inception_features", lambda images, **k: np.asarray(images, np.float64).reshape(len(images), -1))
    results, n, seed = evaluate.evaluate("tiny", weights_dir=weights, progress=False)
    faces, attributes = data.load("celeba", "test")
    texts = [c[0] for c in captions.captions(attributes[:10], data.load_celeba_attributes()[1], per_face=1, seed=0)]
    stated = [captions.mentioned_attributes(t) for t in texts]
    samples = model.generate(model.sampling_inputs(10, 0, captions=texts)[0])
    assert (n, seed, results["captions"]) == (10, 0, 10)
    np.testing.assert_array_equal(handed[0], samples)
    expected = stated_agreement(predict_attributes(judge, samples) > 0.5, stated, classes)
    real = stated_agreement(predict_attributes(judge, faces[:10]) > 0.5, stated, classes)
    assert ("Male", 0) in expected or ("Male", 1) in expected  # every caption says who
    for (name, value), (share, count) in expected.items():
        assert results[f"tiny_judge/{name}={value}/follows"] == round(share, 4)
        assert results[f"real_tiny_judge/{name}={value}/follows"] == round(real[name, value][0], 4)
        assert results[f"{name}={value}/captions"] == count
    assert results["mean_follows"] == round(float(np.mean([s for s, _ in expected.values()])), 4)
    shuffled = [stated[i] for i in np.random.default_rng(0).permutation(10)]  # chance: another caption's statements
    chance = stated_agreement(predict_attributes(judge, samples) > 0.5, shuffled, classes)
    assert {k: v for k, v in results.items() if k.startswith("shuffled_tiny_judge/")} == {
        f"shuffled_tiny_judge/{name}={value}/follows": round(share, 4) for (name, value), (share, _) in chance.items()}
    assert results["shuffled_mean_follows"] == round(float(np.mean([s for s, _ in chance.values()])), 4)
    assert results["fid/celeba/train"] == 1.0
    assert results["nn_ratio/celeba/train"] == 1.25 and len(copying) == 1  # the samples only, not Stage I or real
    np.testing.assert_array_equal(copying[0][0], samples)
    assert copying[0][1] == evaluate.CELEBA_TRAINING_FACES == evaluate.copying_reference(entry)
    np.testing.assert_array_equal(copying[0][2], samples.reshape(10, -1))  # features computed once, shared with FID
    np.testing.assert_array_equal(handed[-1], faces[:10])
    if family == "stackgan":
        assert len(handed) == 3 and handed[1].shape == (10, 64, 64, 3)  # Stage I, enlarged for the judge
        assert results["stage1_fid/celeba/train"] == 2.0 and "stage1_mean_follows" in results
        assert results["real_fid/celeba/train"] == 3.0
    else:
        assert len(handed) == 2 and results["real_fid/celeba/train"] == 2.0


@needs_data
def test_stackgan_trains_in_two_runs_from_a_new_folder_and_exports(tmp_path):
    """The recipe's two runs, tiny: Stage I in a folder that does not exist yet pre-trains the text
    encoder and keeps it there, Stage II starts from Stage I's checkpoint
    in its own folder and exports the two-stage entry."""
    import subprocess
    import sys

    from conftest import REPO_ROOT

    def stage(number, *args):
        tiny_run = ["--stackgan_width=8", "--text_epochs=1", "--captions_per_face=1", "--steps=1",
                    "--steps_per_epoch=1", "--batch_size=8"]
        result = subprocess.run(
            [sys.executable, "recipes/stackgan_celeba_captions.py", f"--stage={number}", *tiny_run, *args],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    stage1_dir, stage2_dir = tmp_path / "new" / "stage1", tmp_path / "new" / "stage2"
    assert "held-out retrieval among 100 faces" in stage(1, f"--output_dir={stage1_dir}")
    assert json.loads((stage1_dir / "text_encoder.json").read_text())["epochs"] == 1
    assert (stage1_dir / "backup").is_dir()
    manifest = tmp_path / "manifest.json"
    out = stage(2, f"--stage1_dir={stage1_dir}", f"--output_dir={stage2_dir}", "--export",
                f"--export_dir={tmp_path / 'weights'}", f"--manifest={manifest}")
    assert "Stage I from its checkpoint at step 1" in out and (stage2_dir / "backup").is_dir()
    entry = json.loads(manifest.read_text())["models"]["stackgan_celeba_captions"]
    assert entry["config"]["training_stage"] == 2
