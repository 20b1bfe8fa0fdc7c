"""Where weights come from: a local weights folder, the Hugging Face cache, or the Hub.

Order: `weights_dir` argument, $GANZOO_WEIGHTS_DIR, this repository's weights/
folder (each a root holding `<name>/` in the Hub layout), then `hf_hub_download`
at the entry's pinned revision. Every file is checked against the manifest's sha256,
and the folder's config.json against the manifest entry.

Waits on the network are bounded by huggingface_hub's own settings, read when a download
starts (not only when huggingface_hub is imported): HF_HUB_ETAG_TIMEOUT (seconds to wait
for the answer to the first request of each file, default 10) and HF_HUB_DOWNLOAD_TIMEOUT
(seconds without data before a transfer is abandoned, default 10; huggingface_hub resumes
a broken transfer up to 5 times, so a stalled one costs about 6x that plus 5 s). A Hub that
cannot be reached fails after one request per file instead of huggingface_hub's 23 s of
retries. Every failure of the transfer is raised as HubTransferError, a
WeightsNotAvailableError, saying what failed, after how long, and what to do.
"""

import hashlib
import json
import math
import os
import time
from pathlib import Path

from ganzoo.data import REPO_ROOT
from ganzoo.zoo import ManifestError, plain_file_name

REPO_WEIGHTS_DIR = REPO_ROOT / "weights"


class IntegrityError(ValueError):
    """A weights file does not match the sha256 in the manifest."""


class WeightsNotAvailableError(FileNotFoundError):
    """The weights could be found neither locally nor on the Hub."""


class HubTransferError(WeightsNotAvailableError):
    """The Hub could not be reached, or a transfer from it broke, stalled or was refused."""


class WeightsConfigError(ManifestError):
    """A weights folder's config.json is not JSON, or contradicts its manifest entry."""


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


def _file_in(folder, name, record):
    """`folder / record['path']`, refusing any name that could point outside `folder`."""
    if not plain_file_name(record.get("path")):
        raise ManifestError(
            f"The manifest entry {name!r} names the file {record.get('path')!r}: file names must be "
            f"plain names inside the entry's folder (no '/', '..' or absolute paths); fix weights_manifest.json.")
    return Path(folder) / record["path"]


def _local_folder(name, entry, root):
    folder = Path(root) / name
    if not folder.is_dir():
        return None
    paths = [_file_in(folder, name, record) for record in entry["files"]]  # every name checked first
    for record, path in zip(entry["files"], paths):
        if not path.exists():
            raise WeightsNotAvailableError(
                f"{folder} lacks '{record['path']}'; restore the folder or remove it so the "
                f"weights are downloaded from the Hub ({entry['hub']['repo_id']}).")
        verify_file(path, record)
    return folder


def _offline():
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _seconds(variable, default):
    """A positive number of seconds from the environment variable, else `default`."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value > 0 or math.isinf(value):
        raise ValueError(f"{variable} must be a positive number of seconds, got {text!r}.")
    return value


def _timeouts(etag_timeout=None, download_timeout=None):
    """(etag, download) timeouts: the arguments, else HF_HUB_ETAG_TIMEOUT / HF_HUB_DOWNLOAD_TIMEOUT
    as set now, else huggingface_hub's values (read at its import)."""
    from huggingface_hub import constants

    etag = etag_timeout or _seconds("HF_HUB_ETAG_TIMEOUT", constants.HF_HUB_ETAG_TIMEOUT)
    download = download_timeout or _seconds("HF_HUB_DOWNLOAD_TIMEOUT", constants.HF_HUB_DOWNLOAD_TIMEOUT)
    return etag, download


class _download_timeout:
    """huggingface_hub reads its transfer timeout from a module constant; set it for one download."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        from huggingface_hub import constants

        self.saved = constants.HF_HUB_DOWNLOAD_TIMEOUT
        constants.HF_HUB_DOWNLOAD_TIMEOUT = self.seconds

    def __exit__(self, *exc):
        from huggingface_hub import constants

        constants.HF_HUB_DOWNLOAD_TIMEOUT = self.saved


def _cause(error, limit=300):
    """One line naming an exception and its message (huggingface_hub's run over several lines)."""
    text = " ".join(str(error).split())
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _transport_errors():
    """The exceptions a broken, refused, stalled or failing transfer raises from huggingface_hub."""
    import httpx2
    from huggingface_hub import errors as hf_errors

    return (httpx2.HTTPError, hf_errors.HfHubHTTPError, hf_errors.FileMetadataError, ConnectionError)


class _Unreachable(Exception):
    """The first request for a file failed and no copy is cached (internal)."""

    def __init__(self, cause):
        super().__init__(cause)
        self.cause = cause


def _fetch(repo_id, filename, revision, cache_dir, endpoint, etag_timeout, download_timeout, offline):
    """hf_hub_download of one file, after one HEAD request without retries when online."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url
    from huggingface_hub import errors as hf_errors

    def fetch(local_files_only):
        with _download_timeout(download_timeout):
            return hf_hub_download(repo_id, filename, revision=revision, cache_dir=cache_dir, endpoint=endpoint,
                                   etag_timeout=etag_timeout, local_files_only=local_files_only)

    if offline:
        return fetch(local_files_only=True)
    try:  # a Hub that is down or stalled fails here after one request (huggingface_hub retries 23 s)
        get_hf_file_metadata(hf_hub_url(repo_id, filename, revision=revision, endpoint=endpoint),
                             timeout=etag_timeout, endpoint=endpoint)
    except (hf_errors.RepositoryNotFoundError, hf_errors.RevisionNotFoundError, hf_errors.RemoteEntryNotFoundError):
        raise
    except _transport_errors() as e:
        try:
            return fetch(local_files_only=True)  # a cached copy will do
        except hf_errors.LocalEntryNotFoundError:
            raise _Unreachable(e) from None
    return fetch(local_files_only=False)


def download(name, entry, cache_dir=None, endpoint=None, etag_timeout=None, download_timeout=None):
    """Fetch every file of an entry with huggingface_hub; returns the snapshot folder.

    HF_ENDPOINT, HF_HUB_CACHE, HF_HUB_OFFLINE=1, HF_HUB_ETAG_TIMEOUT and HF_HUB_DOWNLOAD_TIMEOUT
    are honoured when set after import (huggingface_hub itself reads them once, at import:
    unsetting HF_HUB_OFFLINE later does not bring downloads back); `etag_timeout` and
    `download_timeout` (seconds) override the last two. A file whose hash is wrong is removed
    from the cache. Online, each file is first asked for with one HEAD request and no retries:
    when that fails, a cached copy is used if there is one, else HubTransferError is raised at
    once. Any failure of a transfer is raised as HubTransferError.
    """
    from huggingface_hub import constants
    from huggingface_hub import errors as hf_errors

    repo_id, revision = entry["hub"]["repo_id"], entry["hub"]["revision"]
    endpoint = endpoint or os.environ.get("HF_ENDPOINT") or None
    cache_dir = cache_dir or os.environ.get("HF_HUB_CACHE") or None
    etag_timeout, download_timeout = _timeouts(etag_timeout, download_timeout)
    where = endpoint or constants.ENDPOINT
    how_to = (f"Connect to the internet (and unset HF_HUB_OFFLINE), or put the files of "
              f"{repo_id}@{revision} in a folder '<dir>/{name}/' and set GANZOO_WEIGHTS_DIR=<dir>.")
    for record in entry["files"]:
        _file_in(".", name, record)  # plain names only, never a path into or out of the cache
    paths = []
    for record in entry["files"]:
        offline = _offline()
        start = time.monotonic()

        def transfer_error(unreachable, error):
            what = (f"Weights of {name!r} are not cached and the Hub cannot be reached (asking {where} for "
                    if unreachable else "Downloading failed (")
            return HubTransferError(
                f"{what}'{record['path']}' of {repo_id}@{revision}"
                f"{'' if unreachable else ' from ' + where}): {_cause(error)}; gave up after "
                f"{time.monotonic() - start:.1f} s (timeouts: HF_HUB_ETAG_TIMEOUT={etag_timeout:g} s, "
                f"HF_HUB_DOWNLOAD_TIMEOUT={download_timeout:g} s). Check the network and HF_ENDPOINT and "
                f"retry, or put the files in a folder '<dir>/{name}/' and set GANZOO_WEIGHTS_DIR=<dir>.")

        try:
            path = _fetch(repo_id, record["path"], revision, cache_dir, endpoint, etag_timeout,
                          download_timeout, offline)
        except (hf_errors.RepositoryNotFoundError, hf_errors.RevisionNotFoundError,
                hf_errors.RemoteEntryNotFoundError) as e:
            raise WeightsNotAvailableError(
                f"The Hub has no '{record['path']}' in {repo_id} at revision {revision} "
                f"({type(e).__name__}). {how_to}") from None
        except _Unreachable as e:
            raise transfer_error(True, e.cause) from None
        except (hf_errors.LocalEntryNotFoundError, hf_errors.OfflineModeIsEnabled) as e:
            if not offline:  # the Hub went away between the first request and the download
                raise transfer_error(True, e) from None
            raise WeightsNotAvailableError(
                f"Weights of {name!r} are not cached and offline mode is on (HF_HUB_OFFLINE). {how_to}") from None
        except _transport_errors() as e:
            raise transfer_error(False, e) from None
        except OSError as e:
            if "Consistency check failed" not in str(e):  # a short transfer, in huggingface_hub's words
                raise
            raise transfer_error(False, e) from None
        try:
            verify_file(path, record)
        except IntegrityError:
            _remove_cached(path)
            raise
        paths.append(Path(path))
    return paths[0].parent


def _remove_cached(path):
    """Delete a cached file: the snapshot entry, and the file it links to when that lies inside
    the cache (a link to a file elsewhere is removed, never its target)."""
    path = Path(path)
    snapshots = next((p for p in path.parents if p.name == "snapshots"), None)
    cache = snapshots.parent.parent if snapshots is not None else path.parent
    targets = [path]
    if path.is_symlink():
        blob = path.resolve()
        if blob.is_relative_to(cache.resolve()):
            targets.append(blob)
    for p in targets:
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def read_config(folder):
    """The folder's config.json as a dict; WeightsConfigError naming the file otherwise."""
    path = Path(folder) / "config.json"
    try:
        config = json.loads(path.read_text())
    except FileNotFoundError:
        raise WeightsConfigError(f"{path} does not exist: a weights folder needs its config.json.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise WeightsConfigError(f"{path} is not valid JSON ({e}); re-export the weights folder.") from None
    if not isinstance(config, dict):
        raise WeightsConfigError(f"{path} must hold a JSON object, not {type(config).__name__}.")
    return config


def check_config(name, entry, folder):
    """WeightsConfigError unless the folder's config.json agrees with the manifest entry
    (same family, same config); entries without a config.json, family or config are not checked."""
    if "config.json" not in [r.get("path") for r in entry.get("files", ())]:
        return
    path = Path(folder) / "config.json"
    config = read_config(folder)
    problems = []
    if "family" in entry and "family" in config and config["family"] != entry["family"]:
        problems.append(f"family {config['family']!r} (the manifest says {entry['family']!r})")
    if isinstance(entry.get("config"), dict) and "config" in config:
        if not isinstance(config["config"], dict):
            problems.append("a 'config' that is not an object")
        else:
            differ = sorted(k for k in set(entry["config"]) | set(config["config"])
                            if entry["config"].get(k, "<absent>") != config["config"].get(k, "<absent>"))
            if differ:
                problems.append("config values that differ from the manifest's: " + ", ".join(
                    f"{k}={config['config'].get(k, '<absent>')!r} (manifest: {entry['config'].get(k, '<absent>')!r})"
                    for k in differ[:5]) + (f" and {len(differ) - 5} more" if len(differ) > 5 else ""))
    if problems:
        raise WeightsConfigError(
            f"{path} contradicts the manifest entry {name!r}: it has {'; '.join(problems)}. The weights "
            f"would not fit the model the manifest builds; fix weights_manifest.json or re-export the entry.")


def resolve(name, entry, weights_dir=None, training=False):
    """The folder holding the verified files of entry `name` (config.json checked against the entry):
    those that sampling needs, and with training=True also those of role "training" (the
    discriminator), so that a sampling user never downloads them."""
    entry = dict(entry, files=[record for record in entry["files"]
                               if training or record.get("role", "sampling") != "training"])
    folder = _resolve(name, entry, weights_dir)
    check_config(name, entry, folder)
    return folder


def _resolve(name, entry, weights_dir):
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


HF_PREFIX = "hf://"


def _check_repo_id(repo_id):
    parts = str(repo_id).split("/")
    if len(parts) != 2 or not all(parts) or any(c.isspace() for c in repo_id):
        raise ValueError(f"A Hub repository is 'user/name' (or 'org/name'), got {repo_id!r}.")
    return repo_id


def download_repo(repo_id, revision="main", cache_dir=None, endpoint=None):
    """The local folder of a whole Hub repository in the zoo's layout (snapshot_download: cached,
    resumable); what `ganzoo.load("hf://user/repo")` reads. Failures are HubTransferError."""
    from huggingface_hub import snapshot_download

    endpoint = endpoint or os.environ.get("HF_ENDPOINT") or None
    try:
        folder = snapshot_download(_check_repo_id(repo_id), revision=revision, endpoint=endpoint,
                                   cache_dir=cache_dir or os.environ.get("HF_HUB_CACHE") or None)
    except Exception as error:  # network, 404, offline: one kind of error, with what to do
        raise HubTransferError(f"Could not download {repo_id}@{revision} from {endpoint or 'the Hub'}: "
                               f"{_cause(error)}. Check the name, the network (and HF_HUB_OFFLINE), and, for a "
                               "private repository, that you are logged in (huggingface-cli login).") from None
    return Path(folder)


def push(folder, repo_id, private=False, endpoint=None, token=None, message=None):
    """Create Hub repository `repo_id` (or reuse it) and upload the weights folder to it; then
    download every file back into a fresh cache and check its sha256 against the local file.
    Returns the commit URL. The folder must be in the zoo's layout (config.json naming the family)."""
    import tempfile

    from huggingface_hub import HfApi, hf_hub_download

    folder = Path(folder)
    _check_repo_id(repo_id)
    if not (folder / "config.json").is_file():
        raise ValueError(f"{folder} is not a model folder (no config.json): push a zoo entry's folder or one that "
                         "`ganzoo export` wrote.")
    read_config(folder)  # a config.json that names no family fails here, before anything is sent
    endpoint = endpoint or os.environ.get("HF_ENDPOINT") or None
    api = HfApi(endpoint=endpoint, token=token)
    try:
        api.create_repo(repo_id, private=private, exist_ok=True)
        commit = api.upload_folder(folder_path=str(folder), repo_id=repo_id,
                                   commit_message=message or f"Upload {folder.name} with ganzoo push")
    except Exception as error:
        raise HubTransferError(f"Uploading {folder} to {repo_id} on {endpoint or 'the Hub'} failed: {_cause(error)}. "
                               "Check the network and that you may write there (huggingface-cli login).") from None
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    with tempfile.TemporaryDirectory() as cache:
        for path in files:
            name = path.relative_to(folder).as_posix()
            copy = hf_hub_download(repo_id, name, endpoint=endpoint, cache_dir=cache, token=token)
            if sha256_of(copy) != sha256_of(path):
                raise IntegrityError(f"{name} on {repo_id} differs from the local file after the upload: push again.")
    return str(commit)
