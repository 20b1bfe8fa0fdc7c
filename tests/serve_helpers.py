"""What tests/test_serve.py and tests/test_serve_browser.py share: why they skip, one application over
the zoo's own entries per test session (each model loads once), pictures to upload."""

import functools
import io

import numpy as np
import pytest

from conftest import REPO_ROOT
from ganzoo import serve

DEMO_MISSING = serve.missing_packages()
needs_demo = pytest.mark.skipif(bool(DEMO_MISSING), reason=f"needs the demo extra ({', '.join(DEMO_MISSING)} "
                                "missing): pip install -e '.[demo]'")


@functools.lru_cache(maxsize=None)
def zoo_app():
    """The application of `ganzoo serve` over the zoo's own manifest and weights folder."""
    from ganzoo.serve.app import create_app

    return create_app()


def png_bytes(image):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def face():
    """A real CelebA face, 128x128 RGB: the first tile of the shipped CycleGAN's samples.png (the
    64x64 face drawn at twice its size), so that the tests need no data folder."""
    from PIL import Image

    with Image.open(REPO_ROOT / "weights" / "cyclegan_celeba_black2blond" / "samples.png") as im:
        return np.asarray(im.convert("RGB"))[4:132, 4:132].copy()


def decoded(data_url):
    """The uint8 pixels of a data: URL's PNG (grey images as HW, colour ones as HWC)."""
    import base64

    from PIL import Image

    header, _, payload = data_url.partition(",")
    assert header == "data:image/png;base64", header
    with Image.open(io.BytesIO(base64.b64decode(payload))) as im:
        return np.asarray(im)
