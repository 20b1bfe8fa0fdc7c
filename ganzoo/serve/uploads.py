"""Uploaded images, read as the command line reads files (ganzoo.images.load_image), so that a wrong
file type or a decompression bomb gets the same message; with a pixel limit of the page's own."""

import re
import tempfile
import warnings
from pathlib import Path

from ganzoo import images

# Larger images are refused from their header, before any pixel is decoded: a page request should
# not hold gigabytes. (The command line takes up to PIL's limit, ~89 million pixels.)
MAX_PIXELS = 25_000_000


def image_size(path):
    """(width, height) from the file's header, or None when PIL cannot tell (load_image then says why)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                return im.size
    except Exception:  # noqa: BLE001  (any unreadable file: load_image's message names the problem)
        return None


class Uploads:
    """The files of one request, each saved under its own (sanitised) name in a temporary folder, so
    that the messages about it name the user's file. A context manager: the folder goes on exit."""

    def __init__(self, files, max_pixels=MAX_PIXELS):
        self.files, self.max_pixels = files, max_pixels
        self._folder = tempfile.TemporaryDirectory(prefix="ganzoo-serve-")
        self.folder = Path(self._folder.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._folder.cleanup()

    def path(self, field):
        """The saved file of form field `field`, or None when none was chosen."""
        from werkzeug.utils import secure_filename

        storage = self.files.get(field)
        if storage is None or not storage.filename:
            return None
        folder = self.folder / field  # one folder per field: an image and its mask may share a name
        folder.mkdir()
        path = folder / (secure_filename(storage.filename) or "upload")
        storage.save(path)
        size = image_size(path)
        if size is not None and size[0] * size[1] > self.max_pixels:
            raise ValueError(f"{path} is {size[0]}x{size[1]} pixels ({size[0] * size[1] / 1e6:.0f} million); "
                             f"the page takes images of at most {self.max_pixels / 1e6:g} million pixels: "
                             "shrink it first.")
        return path

    def image(self, field, what="an image"):
        """The uploaded image of `field` as uint8 HWC (as load_image returns it) and its file name."""
        path = self.path(field)
        if path is None:
            raise ValueError(f"Choose {what} to upload first (PNG or JPEG).")
        return images.load_image(path), path.name

    def plain(self, message):
        """`message` with this request's temporary folders left out: it names the user's files."""
        return re.sub(re.escape(str(self.folder)) + r"[/\\][^/\\]+[/\\]", "", message)
