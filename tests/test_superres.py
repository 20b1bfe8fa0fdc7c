"""Super-resolution data (ganzoo.superres): MATLAB bicubic, the benchmarks, training crops, tiles.

Numpy only, except the stream test, which runs through the backend's input pipeline."""

import numpy as np
import pytest

from ganzoo import pipeline, superres


@pytest.fixture(scope="module")
def set5():
    return superres.load_benchmark("Set5")


def test_imresize_reproduces_the_benchmarks_lr_images_exactly(set5):
    # The LR images were made by bicubic x1/4 with antialiasing: ours must give the same pixels,
    # or the network would train on a different degradation than it is tested on.
    assert [name for name, _, _ in set5] == [f"img_00{i}" for i in range(1, 6)]
    for _, low_res, high_res in set5:
        assert high_res.shape[:2] == (4 * low_res.shape[0], 4 * low_res.shape[1])
        np.testing.assert_array_equal(superres.imresize(high_res, low_res.shape[:2]), low_res)


def test_resize_matrix_rows_sum_to_one_and_shrinking_is_antialiased():
    down, up = superres.resize_matrix(96, 24), superres.resize_matrix(24, 96)
    np.testing.assert_allclose(down.sum(axis=1), 1.0)
    np.testing.assert_allclose(up.sum(axis=1), 1.0)
    assert (np.abs(down) > 1e-12).sum(axis=1).max() == 16  # the x4-widened kernel: 16 taps
    assert (np.abs(up) > 1e-12).sum(axis=1).max() == 4


def test_imresize_keeps_a_constant_image_and_checks_its_input():
    flat = np.full((40, 28, 3), 77, np.uint8)
    np.testing.assert_array_equal(superres.imresize(flat, (10, 7)), flat[:10, :7])
    np.testing.assert_array_equal(superres.upscale_bicubic(flat[:10, :7]), flat)
    with pytest.raises(ValueError, match="uint8"):
        superres.imresize(flat.astype(np.float32), (10, 7))


def test_benchmarks_and_training_images_load(set5):
    with pytest.raises(ValueError, match="Set5, Set14"):
        superres.load_benchmark("Urban100")
    images = superres.load_training_images()
    assert len(images) == 200
    assert {im.shape for im in images} <= {(321, 481, 3), (481, 321, 3)}


def test_crop_stream_is_aligned_deterministic_and_varied():
    rng = np.random.default_rng(0)
    photos = [rng.integers(0, 256, (64, 80, 3), dtype=np.uint8), rng.integers(0, 256, (72, 64, 3), dtype=np.uint8)]
    stream = superres.CropStream(photos, crop=32)
    low, high = stream.batch_at(0, 5, 8)
    assert low.shape == (8, 8, 8, 3) and high.shape == (8, 32, 32, 3)
    assert low.dtype == high.dtype == np.uint8
    for a, b in zip(stream.batch_at(0, 5, 8), (low, high)):
        np.testing.assert_array_equal(a, b)  # a function of (seed, step)
    assert not np.array_equal(stream.batch_at(0, 6, 8)[1], high)
    assert not np.array_equal(stream.batch_at(1, 5, 8)[1], high)
    # Each LR crop is a window of its image's whole LR, flipped/rotated like its HR crop: away from
    # the crop's edges (2 LR pixels: half the x4 kernel) it is the HR crop's own bicubic LR, to the
    # one grey level that rounding between the row and column passes makes once a crop is rotated
    # (on these noise images a shift by one pixel would differ by tens of levels).
    for lr_crop, hr_crop in zip(low, high):
        difference = np.abs(superres.imresize(hr_crop, (8, 8)).astype(int) - lr_crop)[2:-2, 2:-2]
        assert difference.max() <= 1
    assert len({h.tobytes() for h in high}) == 8  # eight different crops in one batch
    with pytest.raises(ValueError, match="smaller than"):
        superres.CropStream([photos[0][:20]], crop=32)


def test_dihedral_gives_eight_distinct_transforms():
    square = np.arange(16, dtype=np.uint8).reshape(4, 4, 1)
    outputs = {superres._dihedral(square, t).tobytes() for t in range(8)}
    assert len(outputs) == 8


def test_the_training_pipeline_streams_the_same_batches_from_any_start():
    rng = np.random.default_rng(1)
    stream = superres.CropStream([rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)], crop=16)
    batches = pipeline.training_batches(stream, None, 4, seed=3, start_step=2)
    first = next(iter(batches))
    for part, expected in zip(first, stream.batch_at(3, 2, 4)):
        np.testing.assert_array_equal(np.asarray(part), expected)


def test_tiles_cover_the_image_once_with_clipped_context():
    boxes = superres.tiles(10, 7, tile=4, context=2)
    covered = np.zeros((10, 7), int)
    for (top, left, bottom, right), (ctop, cleft, cbottom, cright) in boxes:
        covered[top:bottom, left:right] += 1
        assert (ctop, cleft) == (max(0, top - 2), max(0, left - 2))
        assert (cbottom, cright) == (min(10, bottom + 2), min(7, right + 2))
    assert (covered == 1).all()
    assert len(boxes) == 3 * 2
