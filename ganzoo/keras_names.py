"""Keras finds ganzoo's families by their registered names ("ganzoo>DCGAN") once keras is imported,
so that `keras.saving.load_model("weights/NAME")` or `("hf://user/repo")` works after `import ganzoo`.

`import ganzoo` must stay fast (the command line's `list` and `info` never import keras, which takes
seconds), and keras is often first imported from inside a ganzoo module that is itself still being
imported, where importing the families would be circular. So Keras' registry gets a stand-in per
family (FamilyStandIn) the moment keras finishes importing, through a one-shot import hook; the
stand-in imports its family when Keras first builds one, and a family module, once imported,
registers its real class under the same name.
"""

import importlib
import importlib.abc
import importlib.util
import sys

PACKAGE = "ganzoo"


class FamilyStandIn:
    """In Keras' registry until the family's module is imported: from_config imports it."""

    def __init__(self, class_name, module):
        self.class_name, self.module = class_name, module

    def from_config(self, config):
        family = getattr(importlib.import_module(f"ganzoo.families.{self.module}"), self.class_name)
        return family.from_config(config)


def register_stand_ins():
    import keras

    from ganzoo.families import FAMILY_CLASSES  # the package's __init__ only: no keras layers, no cycle

    registry = keras.saving.get_custom_objects()
    for class_name, module in FAMILY_CLASSES.items():
        registry.setdefault(f"{PACKAGE}>{class_name}", FamilyStandIn(class_name, module))


class _AfterKerasImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps keras' own loader so that the stand-ins register right after it runs."""

    def find_spec(self, name, path=None, target=None):
        if name != "keras":
            return None
        sys.meta_path.remove(self)  # once; and so that the lookup below finds the real keras
        spec = importlib.util.find_spec("keras")
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run_keras = spec.loader.exec_module

        def exec_module(module):
            run_keras(module)
            register_stand_ins()

        spec.loader.exec_module = exec_module
        return spec


def register_when_keras_loads():
    if "keras" in sys.modules:
        register_stand_ins()
    elif not any(isinstance(finder, _AfterKerasImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AfterKerasImport())
