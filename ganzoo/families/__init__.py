"""One file per family; FAMILIES maps the manifest's family names to classes."""

FAMILIES = {}


def register_family(name):
    """Class decorator: make a family loadable by name and serialisable by Keras."""
    import keras

    def wrap(cls):
        cls.family = name
        FAMILIES[name] = keras.saving.register_keras_serializable(package="ganzoo")(cls)
        return cls

    return wrap


def get_family(name):
    _import_all()
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"Unknown family {name!r}; known: {sorted(FAMILIES)}.") from None


# Each family class and its module: what _import_all imports, and what Keras' registry names before
# any family is imported (ganzoo.keras_names); tests check it against the classes registered.
FAMILY_CLASSES = {
    "ConditionalGAN": "cgan", "CycleGAN": "cyclegan", "DCGAN": "dcgan", "DiscoGAN": "discogan",
    "FullyConnectedGAN": "gan", "GANCLS": "gan_cls", "InfoGAN": "infogan", "Inpainter": "inpaint", "LSGAN": "lsgan",
    "Pix2Pix": "pix2pix", "SRResNet": "srgan", "SRGAN": "srgan", "StackGAN": "stackgan", "StarGAN": "stargan",
    "StyleGANLite": "stylegan", "WGANGP": "wgan_gp",
}


def _import_all():
    import importlib

    for module in sorted(set(FAMILY_CLASSES.values())):
        importlib.import_module(f"ganzoo.families.{module}")
