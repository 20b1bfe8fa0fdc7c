"""ganzoo: a Keras 3 model zoo of GANs with pretrained weights.

    import ganzoo
    ganzoo.list_models("dcgan*")
    images = ganzoo.load("cgan_mnist").sample(16, seed=0)
    keras.saving.load_model("weights/cgan_mnist")   # a zoo folder is a Keras model directory too
"""

__version__ = "0.1.0"

from ganzoo.keras_names import register_when_keras_loads  # noqa: E402
from ganzoo.zoo import list_models, load  # noqa: E402

register_when_keras_loads()

__all__ = ["load", "list_models", "__version__"]
