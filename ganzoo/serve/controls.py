"""Which controls fit an entry, read from its family class and config without loading any weights."""

import inspect

from ganzoo import cli
from ganzoo.families import get_family

# what a family does with images, in the order asked: a class has at most one of these
IMAGE_ACTIONS = ("upscale", "inpaint", "edit", "translate")


def controls(name, entry):
    """A dict for the entry's page: "kind" (sample, translate, upscale, inpaint or edit) and the options
    its controls need (class names, code count, captions, attributes, directions, resolution)."""
    family = get_family(entry["family"])
    config = entry["config"]
    kind = next((action for action in IMAGE_ACTIONS if hasattr(family, action)), "sample")
    page = {"kind": kind, "resolution": config.get("resolution"), "style_mix": hasattr(family, "style_mix")}
    if kind == "sample":  # what sample() takes says which conditions the family has
        takes = inspect.signature(family.sample).parameters
        if "labels" in takes:
            page["labels"] = list(config.get("class_names") or range(config.get("num_classes", 0)))
        if "codes" in takes:
            page["codes"] = config.get("num_categories")
        if "captions" in takes:
            from ganzoo.text import DEFAULT_CAPTIONS

            page["captions"] = list(DEFAULT_CAPTIONS)
        page["truncation"] = "truncation" in takes
        page["jacobian_truncation"] = "jacobian_truncation" in takes
    elif kind == "translate":
        page["two_way"] = cli._check_translation(name, entry["family"], None)
    elif kind == "inpaint":
        size = config["resolution"]
        page["box"] = f"{size // 4},{size // 4},{size // 2},{size // 2}"  # the centre square
    elif kind == "edit":
        from ganzoo.families.stargan import ATTRIBUTES, HAIR_GROUP

        page["attributes"] = list(config.get("attributes", ATTRIBUTES))
        page["hair_group"] = list(config.get("hair_group", HAIR_GROUP))
    return page
