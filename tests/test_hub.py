"""ganzoo.hub against a local server that speaks the Hub's file protocol (tests/hub_server.py).

Real `hf_hub_download` calls, real cache layout, no internet.
"""

import hashlib
import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from ganzoo import hub
from ganzoo.export import file_records
from hub_server import HubServer, commit_of

NAME = "test_entry"
REPO_ID, REVISION = "ganzoo/test_entry", "v0.1.0"
DEAD_ENDPOINT = "http://127.0.0.1:9"  # the discard port: nothing listens there
FILES = {
    "config.json": b'{"family": "dcgan", "latent_dim": 8}\n',
    "model.weights.h5": bytes(range(256)) * 8,  # arbitrary bytes: the hub layer never opens it
    "README.md": b"# test_entry\n\nA tiny fake zoo entry.\n",
}


def write_folder(root, files=FILES):
    folder = Path(root) / NAME
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No weights or Hub settings leak in from the machine running the tests, and a request
    that misses the local server goes to a closed port, never to huggingface.co."""
    import huggingface_hub.constants as hf_constants
    for var in ("GANZOO_WEIGHTS_DIR", "HF_ENDPOINT", "HF_HUB_CACHE", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(hub, "REPO_WEIGHTS_DIR", tmp_path / "repo_weights")  # empty
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hf_constants, "ENDPOINT", DEAD_ENDPOINT)
    monkeypatch.setattr(hf_constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                        DEAD_ENDPOINT + "/{repo_id}/resolve/{revision}/{filename}")


@pytest.fixture
def entry(tmp_path):
    folder = write_folder(tmp_path / "published")
    return {"files": file_records(folder, list(FILES)), "hub": {"repo_id": REPO_ID, "revision": REVISION}}


@pytest.fixture
def server():
    with HubServer({(REPO_ID, REVISION): FILES}) as s:
        yield s


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "hf_cache"


@pytest.fixture(autouse=True)
def no_backoff_sleep(monkeypatch):
    """huggingface_hub retries a dead endpoint 6 times, sleeping 1+2+4+8+8 = 23 s; record the
    sleeps instead of sleeping."""
    import huggingface_hub.utils._http as hf_http
    sleeps = []
    monkeypatch.setattr(hf_http, "time", SimpleNamespace(sleep=sleeps.append))
    return sleeps


def snapshot_dir(cache, revision=REVISION):
    return Path(cache) / f"models--{REPO_ID.replace('/', '--')}" / "snapshots" / commit_of(REPO_ID, revision)


def assert_files(folder):
    for name, data in FILES.items():
        assert (Path(folder) / name).read_bytes() == data, name


# -- download ---------------------------------------------------------------------------

def test_download_fetches_every_file_into_the_snapshot(entry, server, cache):
    folder = hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    assert folder == snapshot_dir(cache)
    assert_files(folder)
    assert sorted(server.gets()) == sorted(f"/{REPO_ID}/resolve/{REVISION}/{n}" for n in FILES)


def test_download_reads_endpoint_and_cache_from_the_environment(entry, server, cache, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    assert hub.download(NAME, entry) == snapshot_dir(cache)
    assert len(server.gets()) == len(FILES)


def test_cache_hit_makes_no_get(entry, server, cache):
    first = hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    server.log.clear()
    second = hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    assert second == first
    assert_files(second)
    assert server.gets() == []
    assert server.requests("HEAD")  # the tag is still resolved online


def test_cache_hit_with_the_server_down(entry, server, cache, no_backoff_sleep):
    hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    server.stop()
    start = time.monotonic()
    assert_files(hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint))
    assert time.monotonic() - start < 5
    assert no_backoff_sleep == []  # a cached file is returned without any retry


# -- offline ----------------------------------------------------------------------------

def test_offline_with_a_warm_cache_makes_no_request(entry, server, cache, monkeypatch):
    hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    server.log.clear()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert_files(hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint))
    assert server.log == []


def test_offline_with_an_empty_cache_says_how_to_get_the_weights(entry, server, cache, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "true")
    with pytest.raises(hub.WeightsNotAvailableError) as err:
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    assert "GANZOO_WEIGHTS_DIR" in str(err.value) and f"{REPO_ID}@{REVISION}" in str(err.value)
    assert server.log == []


def test_offline_with_an_empty_cache_blames_offline_mode(entry, server, cache, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(hub.WeightsNotAvailableError) as err:
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    assert "offline mode is on" in str(err.value)
    assert "The Hub has no" not in str(err.value)


# -- errors from the Hub ----------------------------------------------------------------

@pytest.mark.parametrize("repo_id, revision, missing, expected", [
    (REPO_ID, REVISION, "model.weights.h5", ["'model.weights.h5'", "RemoteEntryNotFoundError"]),
    (REPO_ID, "v9.9.9", None, ["revision v9.9.9", "RevisionNotFoundError"]),
    ("ganzoo/no_such_repo", REVISION, None, ["ganzoo/no_such_repo", "RepositoryNotFoundError"]),
])
def test_missing_on_the_hub(entry, server, cache, repo_id, revision, missing, expected):
    if missing:
        del server.repos[(REPO_ID, REVISION)][missing]
    entry["hub"] = {"repo_id": repo_id, "revision": revision}
    start = time.monotonic()
    with pytest.raises(hub.WeightsNotAvailableError) as err:
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    assert time.monotonic() - start < 5
    for text in expected + ["GANZOO_WEIGHTS_DIR"]:
        assert text in str(err.value)


def test_server_down_with_an_empty_cache_fails_fast(entry, server, cache, no_backoff_sleep):
    server.stop()
    start = time.monotonic()
    with pytest.raises(hub.WeightsNotAvailableError) as err:
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    assert time.monotonic() - start < 5
    assert "GANZOO_WEIGHTS_DIR" in str(err.value)
    assert no_backoff_sleep == []  # one request, no retries: huggingface_hub's own would sleep 23 s


def test_server_down_with_an_empty_cache_blames_the_connection(entry, server, cache, no_backoff_sleep):
    server.stop()
    with pytest.raises(hub.WeightsNotAvailableError) as err:
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    assert "the Hub cannot be reached" in str(err.value)


# -- integrity --------------------------------------------------------------------------

def test_corrupt_download_is_rejected_removed_and_refetched_once_fixed(entry, server, cache):
    server.corrupt(REPO_ID, REVISION, "model.weights.h5")
    bad = bytes([FILES["model.weights.h5"][0] ^ 0xFF]) + FILES["model.weights.h5"][1:]
    expected = hashlib.sha256(FILES["model.weights.h5"]).hexdigest()
    with pytest.raises(hub.IntegrityError) as err:
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    message = str(err.value)
    assert "model.weights.h5" in message
    assert expected in message and hashlib.sha256(bad).hexdigest() in message
    snapshot_file = snapshot_dir(cache) / "model.weights.h5"
    assert not os.path.lexists(snapshot_file)
    blob = snapshot_dir(cache).parent.parent / "blobs" / expected  # the blob is named by the ETag
    assert not blob.exists()

    server.repair(REPO_ID, REVISION, "model.weights.h5")
    server.log.clear()
    assert_files(hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint))
    url = f"/{REPO_ID}/resolve/{REVISION}/"
    assert server.gets() == [url + "model.weights.h5", url + "README.md"]  # config.json stayed cached


def test_tampered_cache_is_rejected_removed_and_refetched(entry, server, cache):
    folder = hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    (folder / "config.json").resolve().write_bytes(b'{"tampered": true}\n')
    with pytest.raises(hub.IntegrityError, match="config.json"):
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    assert not os.path.lexists(folder / "config.json")
    assert_files(hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint))


# -- resolve order ----------------------------------------------------------------------

def test_resolve_explicit_weights_dir_wins(entry, server, tmp_path, monkeypatch):
    explicit = write_folder(tmp_path / "explicit")
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(write_folder(tmp_path / "env").parent))
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    assert hub.resolve(NAME, entry, weights_dir=tmp_path / "explicit") == explicit
    assert server.log == []


def test_resolve_explicit_weights_dir_without_the_entry(entry, tmp_path):
    with pytest.raises(hub.WeightsNotAvailableError, match=NAME):
        hub.resolve(NAME, entry, weights_dir=tmp_path)


def test_resolve_env_weights_dir_before_download(entry, server, tmp_path, monkeypatch):
    env_folder = write_folder(tmp_path / "env")
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(env_folder.parent))
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    assert hub.resolve(NAME, entry) == env_folder
    assert server.log == []


def test_resolve_repo_weights_dir_before_download(entry, server, tmp_path, monkeypatch):
    repo_folder = write_folder(hub.REPO_WEIGHTS_DIR)
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(tmp_path / "env_without_the_entry"))
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    assert hub.resolve(NAME, entry) == repo_folder
    assert server.log == []


def test_resolve_downloads_when_no_local_folder(entry, server, cache, tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(tmp_path / "env_without_the_entry"))
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    assert hub.resolve(NAME, entry) == snapshot_dir(cache)
    assert len(server.gets()) == len(FILES)


def test_resolve_tampered_local_file_raises_instead_of_downloading(entry, server, tmp_path, monkeypatch):
    folder = write_folder(tmp_path / "env")
    (folder / "model.weights.h5").write_bytes(b"not the published weights")
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(folder.parent))
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    with pytest.raises(hub.IntegrityError) as err:
        hub.resolve(NAME, entry)
    assert "model.weights.h5" in str(err.value)
    assert hashlib.sha256(b"not the published weights").hexdigest() in str(err.value)
    assert server.log == []


def test_resolve_local_folder_missing_a_file(entry, server, tmp_path, monkeypatch):
    folder = write_folder(tmp_path / "env")
    (folder / "README.md").unlink()
    monkeypatch.setenv("GANZOO_WEIGHTS_DIR", str(folder.parent))
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    with pytest.raises(hub.WeightsNotAvailableError, match="README.md"):
        hub.resolve(NAME, entry)
    assert server.log == []
