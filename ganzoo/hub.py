"""Where weights come from: a local weights folder, the Hugging Face cache, or the Hub.

Order: `weights_dir` argument, $GANZOO_WEIGHTS_DIR, this repository's weights/
folder (each a root holding `<name>/` in the Hub layout), then `hf_hub_download`
at the entry's pinned revision. Every file is checked against the manifest's sha256.
"""

import hashlib
import os
from pathlib import Path

from ganzoo.data import REPO_ROOT

REPO_WEIGHTS_DIR = REPO_ROOT / "weights"


class IntegrityError(ValueError):
    """A weights file does not match the sha256 in the manifest."""


class WeightsNotAvailableError(FileNotFoundError):
    """The weights could be found neither locally nor on the Hub."""


def sha256_of(path, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path, record):
    """Raise IntegrityError naming the file and both hashes unless `path` matches `record`."""
    actual = sha256_of(path)
    if actual != record["sha256"]:
        raise IntegrityError(
            f"{path} is corrupt: sha256 {actual} but the manifest expects {record['sha256']} "
            f"for '{record['path']}'.")


def _local_folder(name, entry, root):
    folder = Path(root) / name
    if not folder.is_dir():
        return None
    for record in entry["files"]:
        path = folder / record["path"]
        if not path.exists():
            raise WeightsNotAvailableError(
                f"{folder} lacks '{record['path']}'; restore the folder or remove it so the "
                f"weights are downloaded from the Hub ({entry['hub']['repo_id']}).")
        verify_file(path, record)
    return folder


def _offline():
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def download(name, entry, cache_dir=None, endpoint=None):
    """Fetch every file of an entry with huggingface_hub; returns the snapshot folder.

    HF_ENDPOINT, HF_HUB_CACHE and HF_HUB_OFFLINE=1 are honoured when set after import
    (huggingface_hub itself reads them once, at import: unsetting HF_HUB_OFFLINE later
    does not bring downloads back). A file whose hash is wrong is removed from the cache.
    """
    from huggingface_hub import hf_hub_download
    from huggingface_hub import errors as hf_errors

    repo_id, revision = entry["hub"]["repo_id"], entry["hub"]["revision"]
    endpoint = endpoint or os.environ.get("HF_ENDPOINT") or None
    cache_dir = cache_dir or os.environ.get("HF_HUB_CACHE") or None
    how_to = (f"Connect to the internet (and unset HF_HUB_OFFLINE), or put the files of "
              f"{repo_id}@{revision} in a folder '<dir>/{name}/' and set GANZOO_WEIGHTS_DIR=<dir>.")
    paths = []
    for record in entry["files"]:
        try:
            path = hf_hub_download(repo_id, record["path"], revision=revision, cache_dir=cache_dir,
                                   endpoint=endpoint, local_files_only=_offline())
        except (hf_errors.RepositoryNotFoundError, hf_errors.RevisionNotFoundError,
                hf_errors.RemoteEntryNotFoundError) as e:
            raise WeightsNotAvailableError(
                f"The Hub has no '{record['path']}' in {repo_id} at revision {revision} "
                f"({type(e).__name__}). {how_to}") from None
        except (hf_errors.LocalEntryNotFoundError, hf_errors.OfflineModeIsEnabled):
            state = "offline mode is on (HF_HUB_OFFLINE)" if _offline() else "the Hub cannot be reached"
            raise WeightsNotAvailableError(
                f"Weights of {name!r} are not cached and {state}. {how_to}") from None
        try:
            verify_file(path, record)
        except IntegrityError:
            _remove_cached(path)
            raise
        paths.append(Path(path))
    return paths[0].parent


def _remove_cached(path):
    """Delete a cached file: the snapshot link and the blob it points to."""
    path = Path(path)
    blob = path.resolve()
    for p in {path, blob}:
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def resolve(name, entry, weights_dir=None):
    """The folder holding the verified files of entry `name`."""
    if weights_dir is not None:
        folder = _local_folder(name, entry, weights_dir)
        if folder is None:
            raise WeightsNotAvailableError(f"weights_dir={str(weights_dir)!r} has no folder '{name}/'.")
        return folder
    for root in (os.environ.get("GANZOO_WEIGHTS_DIR"), REPO_WEIGHTS_DIR):
        if root:
            folder = _local_folder(name, entry, root)
            if folder is not None:
                return folder
    return download(name, entry)
