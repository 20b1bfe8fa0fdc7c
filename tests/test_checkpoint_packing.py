import shutil

import numpy as np
import pytest

from ganzoo import checkpoint_packing, training


def array_bytes(path):
    import h5py

    with h5py.File(path, "r") as file:
        return sum(array.nbytes for array in checkpoint_packing.arrays(file))


def test_a_packed_checkpoint_is_smaller_and_resumes_with_exact_weights_and_close_optimizer_state(tmp_path, tiny_images):
    config = dict(resolution=28, channels=1, width=8, latent_dim=8)
    model, info = training.train("dcgan", config, tiny_images, steps=4, steps_per_epoch=2, batch_size=16,
                                 output_dir=tmp_path / "run", verbose=0)
    checkpoint = tmp_path / "run" / "backup" / "latest.weights.h5"
    shutil.copytree(tmp_path / "run", tmp_path / "back", ignore=shutil.ignore_patterns("*.h5"))
    checkpoint_packing.pack(checkpoint, tmp_path / "packed.h5")
    # weights + two Adam moments in float32, against weights in float32 and moments in bfloat16: 2/3
    assert array_bytes(tmp_path / "packed.h5") < 0.7 * array_bytes(checkpoint)
    checkpoint_packing.unpack(tmp_path / "packed.h5", tmp_path / "back" / "backup" / "latest.weights.h5")

    restored, step = training.load_checkpoint(tmp_path / "back")
    original, _ = training.load_checkpoint(tmp_path / "run")
    assert step == info["steps"] == 4
    for mine, theirs in zip(restored.generator.weights + restored.discriminator.weights,
                            original.generator.weights + original.discriminator.weights):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))
    moments = [(np.asarray(a), np.asarray(b)) for a, b in zip(restored.d_optimizer.variables,
                                                              original.d_optimizer.variables)
               if np.asarray(b).ndim > 0]
    assert moments and any(not np.array_equal(a, b) for a, b in moments)  # bfloat16: rounded ...
    for mine, theirs in moments:  # ... to 8 bits of mantissa
        np.testing.assert_allclose(mine, theirs, rtol=2.0 ** -8, atol=0)


def test_unpacking_a_checkpoint_that_was_not_packed_says_so(tmp_path, tiny_images):
    training.train("dcgan", dict(resolution=28, channels=1, width=8, latent_dim=8), tiny_images, steps=2,
                   steps_per_epoch=2, batch_size=16, output_dir=tmp_path, verbose=0)
    with pytest.raises(ValueError, match="not a packed checkpoint"):
        checkpoint_packing.unpack(tmp_path / "backup" / "latest.weights.h5", tmp_path / "out.h5")
