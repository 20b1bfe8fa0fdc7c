"""The zoo as the web page sees it: entries loaded on first use and kept, one lock per entry.

A request holds the lock of the entry it runs, so one model serves one request at a time while
requests for other entries go on in the server's other threads. Limits on each request
(actions.py) keep the wait behind a slow one short.
"""

import contextlib
import threading

from ganzoo import hub, zoo


class NoSuchFile(LookupError):
    """The entry lists no such file to show."""


class Models:
    """The entries of a manifest (the zoo's own unless `manifest_path` is given), their weights from
    `weights_dir` or where ganzoo.load finds them."""

    def __init__(self, weights_dir=None, manifest_path=None):
        self.weights_dir, self.manifest_path = weights_dir, manifest_path
        self._loaded, self._locks, self._files = {}, {}, {}
        self._guard = threading.Lock()  # for the three dicts
        # Models are built one at a time: Keras does not promise that building layers in two threads
        # at once is safe. Downloads happen before, outside this lock.
        self._building = threading.Lock()

    def names(self):
        return zoo.list_models(manifest_path=self.manifest_path)

    def entry(self, name):
        """The manifest entry; zoo.UnknownModelError (with did-you-mean) for other names."""
        return zoo.get_entry(name, self.manifest_path)

    def _lock(self, name):
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())

    def is_loaded(self, name):
        return name in self._loaded

    @contextlib.contextmanager
    def use(self, name):
        """The loaded model of entry `name`, with its lock held for the block."""
        entry = self.entry(name)
        with self._lock(name):
            model = self._loaded.get(name)
            if model is None:
                hub.resolve(name, entry, weights_dir=self.weights_dir)  # a download waits here, not in _building
                with self._building:
                    model = zoo.load(name, weights_dir=self.weights_dir, manifest_path=self.manifest_path)
                with self._guard:
                    self._loaded[name] = model
            yield model

    def file(self, name, file_name):
        """The path of one file of an entry (samples.png, README.md, the card's pictures), sha256-checked,
        from the local folder or downloaded alone; NoSuchFile for a name the entry does not list."""
        key = (name, file_name)
        with self._guard:
            if key in self._files:
                return self._files[key]
        entry = self.entry(name)
        record = next((r for r in entry["files"] if r["path"] == file_name), None)
        if record is None or file_name.endswith(".h5"):  # weights are for ganzoo.load, not for the page
            raise NoSuchFile(f"{name} has no file {file_name!r} to show.")
        path = hub.resolve(name, dict(entry, files=[record]), weights_dir=self.weights_dir) / file_name
        with self._guard:
            self._files[key] = path
        return path
