"""Weights trained on one backend load and sample the same on the other."""

import numpy as np
import pytest

from conftest import run_python

TRAIN = """
import numpy as np, keras
from ganzoo.families.dcgan import DCGAN
images = np.random.default_rng(0).integers(0, 256, (32, 28, 28, 1)).astype("uint8")
gan = DCGAN(resolution=28, channels=1, width=8, latent_dim=8, seed=0)
gan.compile()
gan.fit(images, batch_size=16, epochs=1, verbose=0)
gan.save_weights({path!r} + "/gan.weights.h5")
np.save({path!r} + "/samples.npy", gan.sample(8, seed=5))
np.save({path!r} + "/raw.npy", keras.ops.convert_to_numpy(gan.generator(gan.latent_numpy(8, 5))))
print(keras.backend.backend())
"""

LOAD = """
import numpy as np, keras
from ganzoo.families.dcgan import DCGAN
gan = DCGAN(resolution=28, channels=1, width=8, latent_dim=8)
gan.load_weights({path!r} + "/gan.weights.h5")
np.save({path!r} + "/samples_other.npy", gan.sample(8, seed=5))
np.save({path!r} + "/raw_other.npy", keras.ops.convert_to_numpy(gan.generator(gan.latent_numpy(8, 5))))
print(keras.backend.backend())
"""


@pytest.mark.parametrize("source,target", [("tensorflow", "torch"), ("torch", "tensorflow")])
def test_weights_move_between_backends(tmp_path, source, target):
    path = str(tmp_path)
    assert run_python(TRAIN.format(path=path), env={"KERAS_BACKEND": source}).split()[-1] == source
    assert run_python(LOAD.format(path=path), env={"KERAS_BACKEND": target}).split()[-1] == target
    raw, raw_other = np.load(tmp_path / "raw.npy"), np.load(tmp_path / "raw_other.npy")
    np.testing.assert_allclose(raw, raw_other, atol=1e-5)
    samples, other = np.load(tmp_path / "samples.npy"), np.load(tmp_path / "samples_other.npy")
    # identical up to a float rounding at a .5 boundary
    assert np.abs(samples.astype(int) - other.astype(int)).max() <= 1
    assert (samples == other).mean() > 0.999
