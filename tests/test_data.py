"""ganzoo.data: the real IDX and CelebA files under ../shared/data, the data directory
order (argument > $GANZOO_DATA_DIR > ../shared/data), SHA256SUMS checks, the TFDS
fallback (with tensorflow_datasets patched: no network), and bad arguments.

The real data sets are read in place; only small synthetic files (and copies of the
MNIST files to corrupt) are written, under pytest's tmp_path. The tests of the real files
skip without them (conftest.NO_DATA_REASON); the formats, the directory order and the
checks run on small synthetic folders, so they run on a plain clone too.
"""

import hashlib
import io
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

from conftest import idx_bytes, needs_data
from ganzoo import data

SHARED = data.REPO_ROOT.parent / "shared" / "data"
ATTRIBUTE_COUNT = 40
# CelebA's 40 attributes, in the order of its attributes file (and of TFDS's sorted names)
CELEBA_ATTRIBUTES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair "
    "Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup "
    "High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose "
    "Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat "
    "Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young").split()


@pytest.fixture(autouse=True)
def no_env_data_dir(monkeypatch):
    """The machine's $GANZOO_DATA_DIR never leaks into a test."""
    monkeypatch.delenv("GANZOO_DATA_DIR", raising=False)


# ---------------------------------------------------------------- helpers


def write_idx_folder(root, name, n, label, fill):
    """A fake data set `root/name/` with n train and n test images of value `fill`, all `label`."""
    folder = Path(root) / name
    folder.mkdir(parents=True, exist_ok=True)
    for split, (image_file, label_file) in data._IDX_FILES.items():
        (folder / image_file).write_bytes(idx_bytes(np.full((n, 28, 28), fill, np.uint8)))
        (folder / label_file).write_bytes(idx_bytes(np.full((n,), label, np.uint8)))
    return Path(root)


def jpeg_bytes(value, size=(89, 109)):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (value, value, value)).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def write_fake_celeba(root, values):
    """root/celeba/ with one flat-gray face per value; the tar holds them in reverse order
    (so the loader must order faces by the attributes file, not by the archive)."""
    info = data.DATASETS["celeba"]
    folder = Path(root) / "celeba"
    folder.mkdir(parents=True)
    files = [f"{i + 1:06d}.jpg" for i in range(len(values))]
    with tarfile.open(folder / info["archive"], "w:gz") as tar:
        for name, value in reversed(list(zip(files, values))):
            blob = jpeg_bytes(value)
            member = tarfile.TarInfo(f"celebA/{name}")
            member.size = len(blob)
            tar.addfile(member, io.BytesIO(blob))
    names = [f"attr_{k}" for k in range(ATTRIBUTE_COUNT)]
    # face i has attribute k set when k == i (and -1 elsewhere)
    rows = [f"{f} " + " ".join("1" if k == i else "-1" for k in range(ATTRIBUTE_COUNT))
            for i, f in enumerate(files)]
    (folder / info["attributes"]).write_text("\n".join([str(len(files)), " ".join(names), *rows]) + "\n")
    return Path(root)


# ---------------------------------------------------------------- MNIST and Fashion-MNIST, real files


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
@pytest.mark.parametrize("split, count", [("train", 60000), ("test", 10000)])
def test_idx_data_sets_from_the_real_files(name, split, count):
    images, labels = data.load(name, split, source="local")
    assert images.shape == (count, 28, 28, 1)
    assert images.dtype == np.uint8
    assert labels.shape == (count,)
    assert np.issubdtype(labels.dtype, np.integer)
    assert set(np.unique(labels).tolist()) == set(range(10))
    assert images.min() == 0 and images.max() == 255
    # mostly background, not noise or a mis-parsed header
    assert 10 < images.mean() < 100
    assert (images == 0).mean() > 0.4


def test_first_mnist_training_image_is_a_five():
    images, labels = data.load_idx("mnist", "train")
    assert labels[0] == 5
    assert labels[:5].tolist() == [5, 0, 4, 1, 9]  # the well-known start of MNIST
    assert images[0].sum() > 0


def test_mnist_and_fashion_mnist_differ():
    (digits, _), (clothes, _) = data.load_idx("mnist", "test"), data.load_idx("fashion_mnist", "test")
    assert not np.array_equal(digits[:10], clothes[:10])


def test_load_idx_through_load_with_a_resolution(tmp_path):
    root = write_idx_folder(tmp_path, "mnist", n=3, label=4, fill=200)
    images, labels = data.load("mnist", "train", data_dir=root, resolution=32, source="local")
    assert images.shape == (3, 32, 32, 1) and images.dtype == np.uint8
    assert labels.tolist() == [4, 4, 4]
    assert np.all(np.abs(images.astype(int) - 200) <= 2)


# ---------------------------------------------------------------- the data directory


def test_default_data_dir_is_shared_data_beside_the_repo():
    assert data.default_data_dir() == data.REPO_ROOT.parent / "shared" / "data"


@needs_data
def test_the_default_data_dir_holds_the_checksums():
    assert (data.default_data_dir() / "SHA256SUMS").is_file()


def test_env_var_overrides_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_DATA_DIR", str(tmp_path))
    assert data.default_data_dir() == tmp_path
    monkeypatch.setenv("GANZOO_DATA_DIR", "")  # empty counts as unset
    assert data.default_data_dir() == SHARED


def test_argument_beats_env_beats_default(tmp_path, monkeypatch):
    env_root = write_idx_folder(tmp_path / "env", "mnist", n=3, label=7, fill=10)
    arg_root = write_idx_folder(tmp_path / "arg", "mnist", n=2, label=3, fill=20)
    # the default, shared/data beside the repo, here beside a stand-in repo (the real files may be absent)
    write_idx_folder(tmp_path / "shared" / "data", "mnist", n=4, label=9, fill=30)
    monkeypatch.setattr(data, "PACKAGE_DIR", tmp_path / "repo" / "ganzoo")

    # default: the files in shared/data
    images, labels = data.load_idx("mnist", "test")
    assert len(images) == 4 and labels.tolist() == [9, 9, 9, 9] and images.max() == 30

    monkeypatch.setenv("GANZOO_DATA_DIR", str(env_root))
    images, labels = data.load_idx("mnist", "test")
    assert len(images) == 3 and labels.tolist() == [7, 7, 7] and images.max() == 10
    images, labels = data.load("mnist", "train", source="local")
    assert labels.tolist() == [7, 7, 7]

    for given in (arg_root, str(arg_root)):
        images, labels = data.load_idx("mnist", "test", data_dir=given)
        assert len(images) == 2 and labels.tolist() == [3, 3] and images.max() == 20
        images, labels = data.load("mnist", "train", data_dir=given, source="local")
        assert labels.tolist() == [3, 3]


# ---------------------------------------------------------------- integrity and missing files


def copy_mnist(tmp_path):
    root = tmp_path / "copy"
    (root / "mnist").mkdir(parents=True)
    for f in (SHARED / "mnist").iterdir():
        shutil.copy(f, root / "mnist" / f.name)
    lines = [line for line in (SHARED / "SHA256SUMS").read_text().splitlines() if " mnist/" in line]
    assert len(lines) == 4
    (root / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    return root


def small_mnist_with_sums(tmp_path):
    """root/mnist/ in MNIST's layout (6 train digits; 5 test digits labelled 7 2 1 0 4, as MNIST's
    test split begins) with a SHA256SUMS listing its four files, as the real folder's does."""
    root = tmp_path / "small"
    folder = root / "mnist"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    labels = {"train": [5, 0, 4, 1, 9, 2], "test": [7, 2, 1, 0, 4]}
    for split, (image_file, label_file) in data._IDX_FILES.items():
        n = len(labels[split])
        (folder / image_file).write_bytes(idx_bytes(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)))
        (folder / label_file).write_bytes(idx_bytes(np.array(labels[split], np.uint8)))
    lines = [f"{hashlib.sha256(f.read_bytes()).hexdigest()}  mnist/{f.name}" for f in sorted(folder.iterdir())]
    assert len(lines) == 4
    (root / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    return root


# the real MNIST files (copied) where they are, and everywhere a small folder of the same layout
MNIST_COPIES = {"small": (small_mnist_with_sums, 6), "real": (copy_mnist, 60000)}
WITH_SUMS = pytest.mark.parametrize("copy", ["small", pytest.param("real", marks=needs_data)])


@WITH_SUMS
def test_a_corrupt_file_raises_value_error(tmp_path, copy):
    make, train_count = MNIST_COPIES[copy]
    root = make(tmp_path)
    images, labels = data.load_idx("mnist", "test", data_dir=root)  # intact copies pass the check
    assert labels[:3].tolist() == [7, 2, 1]

    path = root / "mnist" / "t10k-labels-idx1-ubyte.gz"
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(ValueError, match="SHA256SUMS") as info:
        data.load_idx("mnist", "test", data_dir=root)
    message = str(info.value)
    assert "corrupt" in message and "t10k-labels-idx1-ubyte.gz" in message
    assert not isinstance(info.value, data.DataNotFoundError)
    # the other split, untouched, still loads
    assert len(data.load_idx("mnist", "train", data_dir=root)[0]) == train_count


def test_a_missing_folder_says_how_to_point_at_the_data(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "load_tfds", lambda *a, **k: pytest.fail("source='local' used TFDS"))
    missing = tmp_path / "nowhere"
    for call in (lambda: data.load_idx("mnist", "train", data_dir=missing),
                 lambda: data.load("mnist", "train", data_dir=missing, source="local"),
                 lambda: data.load("celeba", "test", data_dir=missing, source="local")):
        with pytest.raises(data.DataNotFoundError) as info:
            call()
        message = str(info.value)
        assert "--data_dir" in message and "GANZOO_DATA_DIR" in message
        assert str(missing) in message
    assert issubclass(data.DataNotFoundError, FileNotFoundError)


# ---------------------------------------------------------------- TFDS fallback (no network)


class FakeTFDS:
    """Stands in for tensorflow_datasets.load / as_numpy and records the calls."""

    def __init__(self, examples):
        self.examples, self.calls = examples, []

    def load(self, name, split=None, **kwargs):
        self.calls.append((name, split))
        return list(self.examples)

    @staticmethod
    def as_numpy(ds):
        return iter(ds)


@pytest.fixture
def fake_tfds(monkeypatch):
    import tensorflow_datasets as tfds

    monkeypatch.setenv("GANZOO_ONLINE", "1")  # the default source falls back to TFDS only when told so

    def install(examples):
        fake = FakeTFDS(examples)
        monkeypatch.setattr(tfds, "load", fake.load)
        monkeypatch.setattr(tfds, "as_numpy", fake.as_numpy)
        return fake

    return install


@pytest.mark.parametrize("name, tfds_name", [("mnist", "mnist"), ("fashion_mnist", "fashion_mnist")])
def test_auto_falls_back_to_tfds_for_idx_sets(tmp_path, fake_tfds, name, tfds_name):
    fake = fake_tfds([{"image": np.full((28, 28, 1), 9, np.uint8), "label": 6}] * 3)
    images, labels = data.load(name, "test", data_dir=tmp_path / "empty")
    assert fake.calls == [(tfds_name, "test")]
    assert images.shape == (3, 28, 28, 1) and images.dtype == np.uint8
    assert labels.tolist() == [6, 6, 6]


def test_auto_falls_back_to_tfds_celeb_a(tmp_path, fake_tfds):
    fake = fake_tfds([{"image": np.full((218, 178, 3), 77, np.uint8)}] * 2)
    images, _ = data.load("celeba", "train", data_dir=tmp_path / "empty")
    assert fake.calls == [("celeb_a", "train")]  # the DATASETS mapping
    assert images.shape == (2, 64, 64, 3)  # resolution defaults to 64 for CelebA
    assert np.all(np.abs(images.astype(int) - 77) <= 1)


def test_auto_passes_split_and_resolution_to_load_tfds(tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_ONLINE", "1")
    calls = []
    monkeypatch.setattr(data, "load_tfds", lambda *args: calls.append(args) or ("images", "labels"))
    assert data.load("celeba", "test", data_dir=tmp_path) == ("images", "labels")
    assert data.load("mnist", "train", data_dir=tmp_path) == ("images", "labels")
    assert data.load("fashion_mnist", "test", data_dir=tmp_path, resolution=32) == ("images", "labels")
    assert calls == [("celeba", "test", 64), ("mnist", "train", None), ("fashion_mnist", "test", 32)]
    assert data.DATASETS["celeba"]["tfds"] == "celeb_a"


def test_auto_prefers_local_files_and_tfds_source_skips_them(tmp_path, monkeypatch):
    root = write_idx_folder(tmp_path, "mnist", n=2, label=1, fill=5)
    calls = []
    monkeypatch.setattr(data, "load_tfds", lambda *args: calls.append(args) or ("tfds", "tfds"))
    images, labels = data.load("mnist", "train", data_dir=root)
    assert calls == [] and labels.tolist() == [1, 1]
    assert data.load("mnist", "train", data_dir=root, source="tfds") == ("tfds", "tfds")
    assert calls == [("mnist", "train", None)]


@WITH_SUMS
def test_a_corrupt_file_does_not_fall_back_to_tfds(tmp_path, monkeypatch, copy):
    root = MNIST_COPIES[copy][0](tmp_path)
    path = root / "mnist" / "train-labels-idx1-ubyte.gz"
    blob = bytearray(path.read_bytes())
    blob[-5] ^= 0x01
    path.write_bytes(bytes(blob))
    monkeypatch.setattr(data, "load_tfds", lambda *a, **k: pytest.fail("a corrupt file fell back to TFDS"))
    with pytest.raises(ValueError, match="corrupt"):
        data.load("mnist", "train", data_dir=root)


def test_tfds_celeba_labels_are_the_40_attributes(tmp_path, fake_tfds):
    attributes = {n: i % 2 == 0 for i, n in enumerate(CELEBA_ATTRIBUTES)}
    fake_tfds([{"image": np.zeros((218, 178, 3), np.uint8), "attributes": attributes}] * 2)
    _, labels = data.load("celeba", "train", data_dir=tmp_path / "empty")
    assert labels.shape == (2, ATTRIBUTE_COUNT)


def test_tfds_mnist_with_a_resolution(tmp_path, fake_tfds):
    fake_tfds([{"image": np.zeros((28, 28, 1), np.uint8), "label": 0}])
    images, _ = data.load("mnist", "train", data_dir=tmp_path / "empty", resolution=32)
    assert images.shape == (1, 32, 32, 1)


# ---------------------------------------------------------------- CelebA


@pytest.fixture(scope="module")
def celeba_all():
    return data.load_celeba("all")


def test_celeba_all(celeba_all):
    images, attributes = celeba_all
    assert images.shape == (10000, 64, 64, 3) and images.dtype == np.uint8
    assert attributes.shape == (10000, ATTRIBUTE_COUNT)
    assert set(np.unique(attributes).tolist()) == {0, 1}
    some = images[::20]
    assert 40 < some.mean() < 220 and some.std() > 30  # real faces, not blank
    # aligned faces: the centre differs from one image to the next
    assert len({images[i, 32, 32].tobytes() for i in range(20)}) > 10


def test_celeba_test_split_is_the_last_1000(celeba_all):
    images, attributes = celeba_all
    test_images, test_attributes = data.load_celeba("test")
    assert data.DATASETS["celeba"]["holdout"] == 1000
    assert test_images.shape == (1000, 64, 64, 3) and test_attributes.shape == (1000, ATTRIBUTE_COUNT)
    np.testing.assert_array_equal(test_images, images[-1000:])
    np.testing.assert_array_equal(test_attributes, attributes[-1000:])
    # so the train split, all[:-1000], has the other 9000
    assert len(images) - len(test_images) == 9000


def test_celeba_attributes_match_the_file(celeba_all):
    files, names, attributes = data.load_celeba_attributes()
    assert len(files) == 10000 and files[0] == "000001.jpg" and files[-1] == "010000.jpg"
    assert len(names) == ATTRIBUTE_COUNT
    assert {"Black_Hair", "Blond_Hair", "Male", "Smiling"} <= set(names)
    assert names == CELEBA_ATTRIBUTES and names == sorted(names)  # as load_tfds orders them
    assert attributes.dtype == np.int8
    np.testing.assert_array_equal(attributes, celeba_all[1])
    # 000001.jpg's row in CelebA: -1 1 1 -1 ... (not 5 o'clock shadow, arched eyebrows, attractive)
    assert attributes[0, :4].tolist() == [0, 1, 1, 0]
    assert 0.3 < attributes[:, names.index("Male")].mean() < 0.6


def test_celeba_split_logic_on_a_small_fake(tmp_path, monkeypatch):
    values = [0, 60, 120, 180, 240]
    root = write_fake_celeba(tmp_path, values)
    monkeypatch.setitem(data.DATASETS["celeba"], "holdout", 2)
    expected = {"train": values[:3], "test": values[3:], "all": values}
    for split, split_values in expected.items():
        images, attributes = data.load_celeba(split, resolution=16, data_dir=root)
        assert images.shape == (len(split_values), 16, 16, 3) and images.dtype == np.uint8
        means = images.reshape(len(images), -1).mean(axis=1)
        np.testing.assert_allclose(means, split_values, atol=3)  # ordered by the attributes file
        first = values.index(split_values[0])
        assert attributes.shape == (len(split_values), ATTRIBUTE_COUNT)
        np.testing.assert_array_equal(attributes, np.eye(ATTRIBUTE_COUNT, dtype=np.int8)[first:first + len(split_values)])
    images, _ = data.load("celeba", "test", data_dir=root, source="local")  # via load: 64x64
    assert images.shape == (2, 64, 64, 3)


def test_center_crop_resize_keeps_the_centre():
    # 40 high, 100 wide: red | green | blue thirds at columns 0-30, 30-70, 70-100
    image = np.zeros((40, 100, 3), np.uint8)
    image[:, :30, 0] = 255
    image[:, 30:70, 1] = 255
    image[:, 70:, 2] = 255
    out = data.center_crop_resize(image, 20)
    # short side 40 -> 20 makes it 20x50; the centre 20 columns are original columns 30-70
    assert out.shape == (20, 20, 3) and out.dtype == np.uint8
    inner = out[:, 2:-2].astype(int)
    assert inner[..., 1].min() > 230 and inner[..., 0].max() < 25 and inner[..., 2].max() < 25

    # portrait, grayscale: a bright middle band of rows survives, the top and bottom are cropped
    tall = np.zeros((90, 30), np.uint8)
    tall[30:60] = 200
    out = data.center_crop_resize(tall, 10)
    assert out.shape == (10, 10)
    assert np.all(np.abs(out[1:-1].astype(int) - 200) <= 10)

    # upscaling works, and a square image at its own size is returned unchanged
    assert data.center_crop_resize(image, 64).shape == (64, 64, 3)
    square = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    np.testing.assert_array_equal(data.center_crop_resize(square, 16), square)


# ---------------------------------------------------------------- bad arguments


def test_bad_split_lists_the_choices():
    with pytest.raises(ValueError, match=r"'train', 'test'") as info:
        data.load_idx("mnist", "validation")
    assert "'validation'" in str(info.value)
    with pytest.raises(ValueError, match=r"'train', 'test', 'all'"):
        data.load_celeba("validation")
    with pytest.raises(ValueError, match=r"'train', 'test'"):
        data.load("fashion_mnist", "val", source="local")


def test_unknown_data_set_lists_the_choices(monkeypatch):
    monkeypatch.setattr(data, "load_tfds", lambda *a, **k: pytest.fail("an unknown name reached TFDS"))
    for source in ("auto", "local", "tfds"):
        with pytest.raises(ValueError, match="Unknown data set 'cifar10'") as info:
            data.load("cifar10", source=source)
        assert all(name in str(info.value) for name in ("celeba", "fashion_mnist", "mnist"))


def test_bad_source():
    with pytest.raises(ValueError, match="'auto', 'local' or 'tfds'"):
        data.load("mnist", source="web")
