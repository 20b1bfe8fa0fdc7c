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


def _import_all():
    from ganzoo.families import (  # noqa: F401
        cgan, cyclegan, dcgan, discogan, gan, gan_cls, infogan, inpaint, lsgan, pix2pix, srgan, stackgan, stargan,
        stylegan, wgan_gp)
