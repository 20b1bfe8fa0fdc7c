"""ganzoo.metrics.compare: folders, arrays and zoo entries measured against each other."""

import numpy as np
import pytest

from ganzoo.metrics import compare, fid


def summary_features(images, **kwargs):
    """A cheap stand-in for the Inception network: 6 statistics of each image, from any batches."""
    batches = [images] if isinstance(images, np.ndarray) else list(images)
    rows = [np.concatenate([im.reshape(-1, im.shape[-1]).mean(0), im.reshape(-1, im.shape[-1]).std(0)])
            for batch in batches for im in batch.astype(np.float64)]
    if rows and len(rows[0]) == 2:  # grey: as RGB
        rows = [np.repeat(r, 3) for r in rows]
    return np.asarray(rows)


def write_folder(folder, seed, n=12, bright=0):
    from PIL import Image

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    for i in range(n):
        size = (20 + 4 * (i % 3), 24)  # three sizes in one folder
        pixels = np.clip(rng.normal(100 + bright, 40, size + (3,)), 0, 255).astype(np.uint8)
        image = Image.fromarray(pixels)
        if i % 4 == 0:
            image = image.convert("L")  # grey files mixed with RGB
        image.save(folder / f"{i:03d}.{'png' if i % 2 else 'jpg'}")
    (folder / "notes.txt").write_text("not an image")
    return folder


@pytest.fixture
def stand_in_network(monkeypatch):
    calls = []

    def features(images, **kwargs):
        calls.append(1)
        return summary_features(images)

    monkeypatch.setattr(fid, "inception_features", features)
    monkeypatch.setattr(fid, "inception_sha256", lambda path=None: "0" * 64)
    return calls


def test_a_folder_against_itself_and_against_another(tmp_path, stand_in_network):
    a = write_folder(tmp_path / "a", seed=0)
    same = compare.compare(a, a, progress=False, cache_dir=tmp_path / "cache")
    assert same["fid"] == pytest.approx(0.0, abs=1e-6)
    assert same["precision"] == same["recall"] == same["coverage"] == 1.0
    assert same["images_a"] == same["images_b"] == 12
    assert len(stand_in_network) == 1  # the folder's statistics were cached after the first read
    b = write_folder(tmp_path / "b", seed=1, bright=80)
    other = compare.compare(a, b, progress=False, cache_dir=tmp_path / "cache")
    assert other["fid"] > 100 and other["precision"] < 0.5
    assert set(compare.MEASURES) <= set(other)


def test_changed_contents_are_measured_again(tmp_path, stand_in_network):
    a = write_folder(tmp_path / "a", seed=0)
    compare.compare(a, a, progress=False, cache_dir=tmp_path / "cache")
    (a / "000.jpg").unlink()
    again = compare.compare(a, a, progress=False, cache_dir=tmp_path / "cache")
    assert again["images_a"] == 11 and len(stand_in_network) == 2


def test_arrays_and_npz_files(tmp_path, stand_in_network):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (10, 16, 16, 3), dtype=np.uint8)
    np.savez(tmp_path / "samples.npz", images=images)
    np.save(tmp_path / "samples.npy", images)
    from_npz = compare.compare(tmp_path / "samples.npz", images, progress=False, cache_dir=tmp_path / "c")
    from_npy = compare.compare(tmp_path / "samples.npy", images, progress=False, cache_dir=tmp_path / "c")
    assert from_npz["fid"] == pytest.approx(0.0, abs=1e-6) and from_npy["fid"] == pytest.approx(0.0, abs=1e-6)
    assert compare.compare(images, images[:5], n=5, progress=False)["images_a"] == 5


def test_a_zoo_entry_is_sampled(tmp_path, stand_in_network):
    import ganzoo

    samples = ganzoo.load("cgan_mnist").sample(8, seed=3)
    scores = compare.compare(samples, "cgan_mnist", n=8, seed=3, progress=False)
    assert scores["fid"] == pytest.approx(0.0, abs=1e-4) and "cgan_mnist" in scores["b"]


def test_bad_sets_get_clear_errors(tmp_path, stand_in_network):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no image files"):
        compare.compare(tmp_path / "empty", tmp_path / "empty", progress=False)
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(ValueError, match="expected a folder of images"):
        compare.compare(tmp_path / "x.txt", tmp_path / "x.txt", progress=False)
    np.save(tmp_path / "floats.npy", np.zeros((4, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="uint8"):
        compare.compare(tmp_path / "floats.npy", tmp_path / "floats.npy", progress=False)
    from ganzoo.zoo import UnknownModelError

    with pytest.raises(UnknownModelError, match="cgan_mnist"):
        compare.compare("cgan_mnst", "cgan_mnist", progress=False)


def test_the_real_network_on_two_tiny_folders(tmp_path):
    """One pass through the real Inception network: same folder, FID 0; a brighter one, far."""
    torch = pytest.importorskip("torch")
    try:
        fid.inception_path()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        a = write_folder(tmp_path / "a", seed=0, n=6)
        b = write_folder(tmp_path / "b", seed=1, n=6, bright=100)
        same = compare.compare(a, a, progress=False, cache_dir=tmp_path / "cache")
        other = compare.compare(a, b, progress=False, cache_dir=tmp_path / "cache")
    finally:
        torch.set_num_threads(threads)
    assert abs(same["fid"]) < 1e-3 and other["fid"] > 10 * max(abs(same["fid"]), 1.0)


def test_the_command_line_prints_every_measure_and_json(tmp_path, stand_in_network, capsys):
    import json

    from ganzoo import cli

    a, b = write_folder(tmp_path / "a", seed=0), write_folder(tmp_path / "b", seed=1, bright=80)
    assert cli.main(["metrics", str(a), str(b), "--cache-dir", str(tmp_path / "cache")]) in (0, None)
    shown = capsys.readouterr().out
    for measure in compare.MEASURES:
        assert f"  {measure} " in shown
    assert cli.main(["metrics", str(a), str(b), "--json", "--cache-dir", str(tmp_path / "cache")]) in (0, None)
    results = json.loads(capsys.readouterr().out)
    assert results["images_a"] == 12 and results["fid"] > 100
    assert cli.main(["metrics", str(tmp_path / "nowhere"), str(b)]) == 2  # one clear line, exit 2
    assert "No such folder or file" in capsys.readouterr().err
