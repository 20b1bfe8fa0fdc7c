"""ganzoo.folders (ganzoo.data.from_folder and friends): your own pictures as uint8 NHWC arrays.

Tiny folders made in tmp_path: PNG, JPEG and WebP files of mixed sizes and modes, one corrupt file,
hidden and non-image files, sub-folders for labels, two folders of paired names.
"""

import os
import warnings

import numpy as np
import pytest
from PIL import Image

from ganzoo import data, folders


def _save(path, array, mode=None, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(array) if mode is None else Image.fromarray(array).convert(mode)
    image.save(path, **kwargs)
    return path


def _mixed_folder(root):
    """root/ with 12 readable images of mixed sizes, modes and formats (two in a sub-folder), one
    corrupt file, and files that are not read (hidden, not images); the readable count."""
    rng = np.random.default_rng(0)
    sizes = [(20, 40), (48, 64), (33, 33), (100, 30)]
    kinds = [("png", "RGB", {}), ("jpg", "RGB", {"quality": 90}), ("png", "L", {}), ("webp", "RGB", {}),
             ("png", "P", {}), ("JPEG", "L", {}), ("jpeg", "CMYK", {}), ("png", "RGBA", {})]
    for i, (suffix, mode, options) in enumerate(kinds):
        h, w = sizes[i % 4]
        _save(root / f"img_{i}.{suffix}", rng.integers(0, 256, (h, w, 4), dtype=np.uint8), mode, **options)
    for i in range(2):
        _save(root / "nested" / "deeper" / f"sub_{i}.png", rng.integers(0, 256, (24, 18, 3), dtype=np.uint8))
    _save(root / "grey16.png", (rng.integers(0, 256, (30, 20)) * 257).astype(np.uint16))
    _save(root / "grey_alpha.png", rng.integers(0, 256, (16, 16, 4), dtype=np.uint8), "LA")
    (root / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not an image")
    (root / "notes.txt").write_text("not an image")
    _save(root / ".thumbnails" / "hidden.png", np.zeros((8, 8, 3), np.uint8))
    return len(kinds) + 2 + 2


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


@pytest.fixture
def mixed(tmp_path):
    root = tmp_path / "photos"
    return root, _mixed_folder(root)


def test_a_folder_of_mixed_files_is_one_uint8_array_and_one_warning(mixed, cache):
    root, count = mixed
    with pytest.warns(folders.FolderWarning) as caught:
        images = data.from_folder(root, 16, cache_dir=cache)
    assert images.shape == (count, 16, 16, 3) and images.dtype == np.uint8
    messages = [str(w.message) for w in caught if issubclass(w.category, folders.FolderWarning)]
    assert len(messages) == 1
    assert "skipped 1 of" in messages[0] and "broken.png" in messages[0]
    with pytest.warns(folders.FolderWarning, match="broken.png"):  # from the cache too
        grey = data.from_folder(root, 8, channels=1, cache_dir=cache)
    assert grey.shape == (count, 8, 8, 1)
    assert data.from_folder is folders.from_folder


def test_conversions_crop_and_alpha(tmp_path, cache):
    root = tmp_path / "c"
    band = np.zeros((10, 30, 3), np.uint8)
    band[:, 10:20] = 255  # the centre square of a wide image is the white middle third
    _save(root / "a_band.png", band)
    clear = np.zeros((12, 12, 4), np.uint8)
    clear[..., 0] = 255  # red, fully transparent: composited on white
    _save(root / "b_clear.png", clear)
    _save(root / "c_grey16.png", np.full((8, 8), 128 * 257, np.uint16))  # 16-bit grey, scaled not clipped
    images = folders.from_folder(root, 8, cache_dir=cache)
    assert images[0].min() >= 250  # crop, then resize: none of the black sides
    assert (images[1] == 255).all()
    assert (images[2] == 128).all()
    assert Image.open(root / "c_grey16.png").mode.startswith("I")


def test_the_cache_is_hit_then_invalidated_when_a_file_changes(mixed, cache, monkeypatch):
    root, count = mixed
    calls = []
    decode = folders._decode
    monkeypatch.setattr(folders, "_decode", lambda *args: calls.append(args[0]) or decode(*args))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", folders.FolderWarning)
        first = folders.from_folder(root, 16, cache_dir=cache)
        assert len(calls) == count + 1  # the corrupt file is tried too
        again = folders.from_folder(root, 16, cache_dir=cache)
        assert len(calls) == count + 1  # read from the cache: nothing decoded
        np.testing.assert_array_equal(first, again)
        assert len(list(cache.glob("*.npy"))) == 1
        folders.from_folder(root, 12, cache_dir=cache)  # another resolution: another key
        assert len(calls) == 2 * (count + 1)
        target = root / "img_0.png"
        _save(target, np.zeros((20, 40, 3), np.uint8))  # same size on disk or not, the mtime moves
        os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
        changed = folders.from_folder(root, 16, cache_dir=cache)
        assert len(calls) == 3 * (count + 1)
        i = folders.read_folder(root, 16, cache_dir=cache)[1].index("img_0.png")  # (cached: no decoding)
        assert len(calls) == 3 * (count + 1)
        assert (changed[i] == 0).all() and not (first[i] == 0).all()


def test_the_default_cache_is_under_ganzoo_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(tmp_path / "c"))
    _save(tmp_path / "one" / "x.png", np.zeros((9, 9, 3), np.uint8))
    folders.from_folder(tmp_path / "one", 4)
    assert len(list((tmp_path / "c" / "folders").glob("*.npy"))) == 1


def test_labels_from_sub_folders(tmp_path, cache):
    root = tmp_path / "animals"
    for name, value, n in (("zebra", 200, 3), ("cat", 50, 2)):
        for i in range(n):
            _save(root / name / f"{i}.png", np.full((20, 30, 3), value, np.uint8))
    _save(root / "cat" / "kittens" / "k.jpg", np.full((20, 20, 3), 50, np.uint8))  # deeper: still a cat
    images, labels, names = folders.from_folder(root, 8, cache_dir=cache, labels=True)
    assert names == ["cat", "zebra"]
    assert labels.dtype == np.int64 and list(labels) == [0, 0, 0, 1, 1, 1]
    assert abs(int(images[labels == 1].mean()) - 200) <= 2 and abs(int(images[labels == 0].mean()) - 50) <= 2
    _save(root / "loose.png", np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="sub-folder per class.*loose.png"):
        folders.from_folder(root, 8, cache_dir=cache, labels=True)


def test_pairs_match_file_names_and_report_the_rest(tmp_path, cache):
    a, b = tmp_path / "sketches", tmp_path / "photos"
    for i in range(5):
        _save(a / f"{i}.png", np.full((16, 16), 10 * i, np.uint8), "L")
        _save(b / f"{i}.jpg", np.full((16, 16, 3), 10 * i, np.uint8), quality=95)
    _save(a / "only_a.png", np.zeros((8, 8, 3), np.uint8))
    _save(b / "only_b.png", np.zeros((8, 8, 3), np.uint8))
    with pytest.warns(folders.FolderWarning, match=r"5 pairs.*only_a.*only_b"):
        inputs, targets = folders.pairs_from_folders(a, b, 8, channels=1, channels_b=3, cache_dir=cache)
    assert inputs.shape == (5, 8, 8, 1) and targets.shape == (5, 8, 8, 3)
    np.testing.assert_allclose(inputs.mean(axis=(1, 2, 3)), targets.mean(axis=(1, 2, 3)), atol=2)
    c = tmp_path / "other"
    _save(c / "nothing_alike.png", np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="No file names match"):
        folders.pairs_from_folders(a, c, 8, cache_dir=cache)


def test_domains_from_two_folders(tmp_path, cache):
    a, b = tmp_path / "horses", tmp_path / "zebras"
    for i in range(5):
        _save(a / f"h{i}.png", np.full((12, 12, 3), 0, np.uint8))
    for i in range(3):
        _save(b / f"z{i}.webp", np.full((12, 12, 3), 255, np.uint8), lossless=True)
    domain_a, domain_b = folders.domains_from_folders(a, b, 8, cache_dir=cache)
    assert domain_a.shape == domain_b.shape == (5, 8, 8, 3)  # aligned: the smaller set repeated
    assert (domain_a == 0).all() and (domain_b == 255).all()
    raw_a, raw_b = folders.domains_from_folders(a, b, 8, cache_dir=cache, align=False)
    assert len(raw_a) == 5 and len(raw_b) == 3


def test_clear_errors(tmp_path, cache):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("no pictures here")
    with pytest.raises(ValueError, match=r"empty holds no images.*\.png, \.jpg, \.jpeg, \.webp"):
        folders.from_folder(empty, 8, cache_dir=cache)
    with pytest.raises(FileNotFoundError, match="No such folder.*missing"):
        folders.from_folder(tmp_path / "missing", 8, cache_dir=cache)
    (tmp_path / "file.png").write_bytes(b"x")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        folders.from_folder(tmp_path / "file.png", 8, cache_dir=cache)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.png").write_bytes(b"junk")
    with pytest.raises(ValueError, match="None of the 1 image files"):
        folders.from_folder(broken, 8, cache_dir=cache)
    with pytest.raises(ValueError, match="channels must be 1"):
        folders.from_folder(broken, 8, channels=4, cache_dir=cache)
    with pytest.raises(ValueError, match="resolution must be a positive int"):
        folders.from_folder(broken, 0, cache_dir=cache)
