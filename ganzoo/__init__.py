"""ganzoo: a Keras 3 model zoo of GANs with pretrained weights.

    import ganzoo
    ganzoo.list_models("dcgan*")
    images = ganzoo.load("cgan_mnist").sample(16, seed=0)
"""

__version__ = "0.1.0"

from ganzoo.zoo import list_models, load  # noqa: E402

__all__ = ["load", "list_models", "__version__"]
