"""The loader under faults: transfers that break, die or stall, a Hub that is down, a cache
entry that links outside the cache, file names that leave the entry's folder, and a
config.json that is not JSON or contradicts the manifest (tests/hub_server.py, no internet).

Waits are kept short by configuration (tiny HF_HUB_* timeouts); huggingface_hub's own pauses
between retries are recorded instead of slept where a test says so.
"""

import json
import os
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from ganzoo import hub, zoo
from ganzoo.export import file_records
from hub_server import HubServer
from test_hub import (DEAD_ENDPOINT, FILES, NAME, REPO_ID, REVISION, assert_files, cache, entry,  # noqa: F401
                      isolated, server, snapshot_dir, write_folder)  # (the fixtures are test_hub's)

REPO_ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = "model.weights.h5"
SHORT = {"etag_timeout": 1, "download_timeout": 0.3}  # seconds, for the tests' stalls



@pytest.fixture
def pauses(monkeypatch):
    """Record huggingface_hub's pauses between retries (backoff and resume) instead of sleeping."""
    import huggingface_hub.file_download as hf_download
    import huggingface_hub.utils._http as hf_http
    slept = []
    monkeypatch.setattr(hf_http, "time", SimpleNamespace(sleep=slept.append))
    monkeypatch.setattr(hf_download, "time", SimpleNamespace(sleep=slept.append, time=time.time))
    return slept


def fails_clearly(err, *words):
    """The error is the loader's own, one line, says how long it took and what to do."""
    message = str(err.value)
    assert isinstance(err.value, hub.HubTransferError)
    assert isinstance(err.value, hub.WeightsNotAvailableError) and isinstance(err.value, FileNotFoundError)
    assert "\n" not in message
    assert "gave up after" in message and " s " in message
    for text in ("HF_ENDPOINT", "GANZOO_WEIGHTS_DIR", "retry", f"{REPO_ID}@{REVISION}") + words:
        assert text in message, (text, message)
    assert err.value.__cause__ is None and err.value.__suppress_context__  # no httpx chain to print


# -- item 1: a failed hash check removes only what is inside the cache -------------------

def test_failed_hash_check_keeps_a_file_outside_the_cache(entry, server, cache, tmp_path):
    folder = hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    outside = tmp_path / "my_own_file.h5"
    outside.write_bytes(b"the user's precious file, not the published weights")
    link = folder / WEIGHTS
    blob = link.resolve()
    link.unlink()
    link.symlink_to(outside)
    with pytest.raises(hub.IntegrityError, match=WEIGHTS):
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    assert outside.read_bytes() == b"the user's precious file, not the published weights"
    assert not os.path.lexists(link)  # the link, inside the cache, is gone
    assert blob.exists()  # a blob the link no longer pointed to is left alone
    assert_files(hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint))


def test_failed_hash_check_removes_the_link_and_its_blob_inside_the_cache(entry, server, cache):
    folder = hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    blob = (folder / WEIGHTS).resolve()
    assert blob.is_relative_to(cache.resolve()) and blob.parent.name == "blobs"
    blob.write_bytes(b"tampered")
    with pytest.raises(hub.IntegrityError):
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    assert not os.path.lexists(folder / WEIGHTS) and not blob.exists()


def test_failed_hash_check_removes_a_plain_file_in_the_snapshot(entry, server, cache):
    folder = hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    (folder / WEIGHTS).unlink()
    (folder / WEIGHTS).write_bytes(b"a copy, not a link")  # caches without symlinks hold copies
    with pytest.raises(hub.IntegrityError):
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    assert not os.path.lexists(folder / WEIGHTS)


# -- item 2: transfer failures become the loader's own error, in bounded time -----------

@pytest.mark.parametrize("kind, cause", [
    ("close", "RemoteProtocolError"),  # the connection closed half-way through the body
    ("die", "ConnectError"),  # the server went down mid-transfer: the resumes are refused
    ("stall", "ReadTimeout"),  # the body stopped coming
])
def test_broken_transfer_is_one_clear_error(entry, server, cache, pauses, kind, cause):
    server.fault(WEIGHTS, kind)
    start = time.monotonic()
    with pytest.raises(hub.WeightsNotAvailableError) as err:
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint, **SHORT)
    elapsed = time.monotonic() - start
    assert elapsed < 6
    fails_clearly(err, f"'{WEIGHTS}'", "Downloading failed", cause, server.endpoint,
                  "HF_HUB_DOWNLOAD_TIMEOUT=0.3 s")
    assert len(pauses) == 5 and sum(pauses) == 5  # huggingface_hub resumes 5 times, 1 s apart
    assert not os.path.lexists(snapshot_dir(cache) / WEIGHTS)  # nothing half-written in the snapshot
    if kind == "stall":  # 6 attempts of 0.3 s each, not 6 of 10 s
        assert 6 * 0.3 <= elapsed < 6 * 0.3 + 3


def test_stalled_hub_with_an_empty_cache_fails_after_the_etag_timeout(entry, server, cache, pauses):
    server.fault("config.json", "stall_head")  # accepts the connection, never answers
    start = time.monotonic()
    with pytest.raises(hub.WeightsNotAvailableError) as err:
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint, etag_timeout=0.5)
    elapsed = time.monotonic() - start
    assert 0.5 <= elapsed < 3
    fails_clearly(err, "the Hub cannot be reached", "'config.json'", "Timeout", "HF_HUB_ETAG_TIMEOUT=0.5 s")
    assert pauses == []  # one request, no retries
    assert len(server.requests("HEAD")) == 1 and server.gets() == []


@pytest.mark.parametrize("how", ["stopped", "nothing_listens"])
def test_dead_hub_with_an_empty_cache_fails_at_once_without_retry_pauses(entry, server, cache, how):
    """No pauses recorded here: real time. huggingface_hub alone retries for 23 s."""
    endpoint = server.endpoint if how == "stopped" else DEAD_ENDPOINT
    server.stop()
    start = time.monotonic()
    with pytest.raises(hub.WeightsNotAvailableError) as err:
        hub.download(NAME, entry, cache_dir=cache, endpoint=endpoint)
    assert time.monotonic() - start < 3
    fails_clearly(err, "the Hub cannot be reached", "ConnectError", endpoint)


@pytest.mark.parametrize("fault", ["stop", "stall_head"])
def test_cached_weights_load_while_the_hub_is_dead_or_stalled(entry, server, cache, pauses, fault):
    hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    if fault == "stop":
        server.stop()
    else:
        for name in FILES:
            server.fault(name, "stall_head")
    start = time.monotonic()
    assert_files(hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint, etag_timeout=0.3))
    assert time.monotonic() - start < 3 * 0.3 + 2
    assert pauses == []


def test_timeouts_come_from_the_environment_set_after_import(entry, server, cache, pauses, monkeypatch):
    from huggingface_hub import constants
    before = constants.HF_HUB_DOWNLOAD_TIMEOUT
    monkeypatch.setenv("HF_HUB_DOWNLOAD_TIMEOUT", "0.2")
    monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "0.7")
    server.fault(WEIGHTS, "stall")
    start = time.monotonic()
    with pytest.raises(hub.HubTransferError) as err:
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    assert time.monotonic() - start < 6 * 0.2 + 3
    assert "HF_HUB_DOWNLOAD_TIMEOUT=0.2 s" in str(err.value) and "HF_HUB_ETAG_TIMEOUT=0.7 s" in str(err.value)
    assert constants.HF_HUB_DOWNLOAD_TIMEOUT == before  # huggingface_hub's setting is restored


@pytest.mark.parametrize("value", ["soon", "0", "-3", "inf"])
def test_a_bad_timeout_setting_is_named(entry, server, cache, monkeypatch, value):
    monkeypatch.setenv("HF_HUB_DOWNLOAD_TIMEOUT", value)
    expected = f"HF_HUB_DOWNLOAD_TIMEOUT must be a positive number of seconds, got '{value}'"
    with pytest.raises(ValueError, match=expected):
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    assert server.log == []


def test_a_server_error_is_one_clear_error(entry, server, cache, pauses, monkeypatch):
    monkeypatch.setattr(server, "respond", lambda path: (500, {}, b"Internal Server Error"))
    start = time.monotonic()
    with pytest.raises(hub.HubTransferError) as err:
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint, **SHORT)
    assert time.monotonic() - start < 3
    fails_clearly(err, "500")
    assert pauses == []


# -- the command line shows the loader's error as one line, exit 2 ----------------------

def cgan_mnist_server():
    entry = zoo.get_entry("cgan_mnist")
    folder = REPO_ROOT / "weights" / "cgan_mnist"
    files = {r["path"]: (folder / r["path"]).read_bytes() for r in entry["files"]}
    return HubServer({(entry["hub"]["repo_id"], entry["hub"]["revision"]): files})


@pytest.mark.parametrize("fault", ["close", "dead"])
def test_cli_reports_a_transfer_failure_in_one_line(fault, tmp_path, monkeypatch, capsys, pauses):
    from ganzoo import cli
    monkeypatch.setattr(hub, "REPO_WEIGHTS_DIR", tmp_path / "no_weights_here")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf_cache"))
    monkeypatch.setenv("HF_HUB_DOWNLOAD_TIMEOUT", "0.3")
    with cgan_mnist_server() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
        if fault == "dead":
            server.stop()
        else:
            server.fault(WEIGHTS, "close")
        start = time.monotonic()
        code = cli.main(["sample", "cgan_mnist", "-o", str(tmp_path / "out.png")])
    assert time.monotonic() - start < 10
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ganzoo: error: "), err
    assert "Traceback" not in err and "GANZOO_WEIGHTS_DIR" in err and "gave up after" in err
    assert not (tmp_path / "out.png").exists()


# -- item 3: manifest file names stay inside the entry's folder -------------------------

BAD_NAMES = ["../../etc/passwd", "/etc/passwd", "sub/model.weights.h5", "..\\secret.h5", "C:\\x.h5", "..", ".", ""]


@pytest.mark.parametrize("bad", BAD_NAMES)
def test_manifest_rejects_a_file_name_that_is_not_plain(bad):
    entry = json.loads(json.dumps(zoo.read_manifest()["models"]["cgan_mnist"]))
    assert zoo.validate_entry("cgan_mnist", entry) == []
    entry["files"][0]["path"] = bad
    problems = zoo.validate_entry("cgan_mnist", entry)
    assert any(repr(bad) in p and "plain name" in p for p in problems), problems


def test_manifest_file_with_a_path_outside_the_folder_is_invalid(tmp_path):
    manifest = json.loads((REPO_ROOT / "weights_manifest.json").read_text())
    manifest["models"]["cgan_mnist"]["files"][1]["path"] = "../../etc/passwd"
    path = tmp_path / "weights_manifest.json"
    path.write_text(json.dumps(manifest))
    with pytest.raises(zoo.ManifestError, match=r"cgan_mnist: file name '\.\./\.\./etc/passwd'"):
        zoo.list_models(manifest_path=path)


@pytest.mark.parametrize("where", ["parent", "absolute"])
def test_local_folder_never_reads_a_file_outside_it(entry, tmp_path, monkeypatch, where):
    root = tmp_path / "weights_root"
    write_folder(root)
    secret = tmp_path / "secret.bin"  # outside the entry's folder, and its hash is in the entry
    secret.write_bytes(b"not yours to read")
    entry["files"] += file_records(tmp_path, ["secret.bin"])
    entry["files"][-1]["path"] = "../../secret.bin" if where == "parent" else str(secret)
    hashed, sha256_of = [], hub.sha256_of
    monkeypatch.setattr(hub, "sha256_of", lambda p, *a: hashed.append(Path(p)) or sha256_of(p, *a))
    with pytest.raises(zoo.ManifestError, match="plain names inside the entry's folder") as err:
        hub.resolve(NAME, entry, weights_dir=root)
    assert repr(entry["files"][-1]["path"]) in str(err.value)
    assert hashed == []  # every name is checked before any file is read


def test_download_refuses_a_file_name_that_is_not_plain(entry, server, cache):
    entry["files"][0]["path"] = "../config.json"
    with pytest.raises(zoo.ManifestError, match="plain names"):
        hub.download(NAME, entry, cache_dir=cache, endpoint=server.endpoint)
    assert server.log == []


# -- item 4: config.json must be JSON and agree with the manifest -----------------------

def entry_for(folder, family="dcgan", config=None):
    return {"family": family, "config": config if config is not None else {"latent_dim": 8},
            "files": file_records(folder, list(FILES)), "hub": {"repo_id": REPO_ID, "revision": REVISION}}


def config_bytes(family="dcgan", **config):
    return json.dumps({"family": family, "config": {"latent_dim": 8, **config}}).encode()


def test_config_json_that_is_not_json_is_named(tmp_path):
    folder = write_folder(tmp_path / "root", {**FILES, "config.json": b'{"family": "dcgan", '})
    with pytest.raises(hub.WeightsConfigError) as err:
        hub.resolve(NAME, entry_for(folder), weights_dir=folder.parent)
    assert str(folder / "config.json") in str(err.value) and "not valid JSON" in str(err.value)
    assert isinstance(err.value, zoo.ManifestError) and isinstance(err.value, ValueError)  # the CLI's one line
    with pytest.raises(hub.WeightsConfigError, match="config.json is not valid JSON"):
        zoo.load_weights_folder(None, folder)  # read before the model is touched


def test_config_json_that_is_not_an_object_is_named(tmp_path):
    folder = write_folder(tmp_path / "root", {**FILES, "config.json": b"[1, 2]"})
    with pytest.raises(hub.WeightsConfigError, match="config.json must hold a JSON object"):
        hub.resolve(NAME, entry_for(folder), weights_dir=folder.parent)


@pytest.mark.parametrize("family, config, expected", [
    ("wgan_gp", {}, ["family 'wgan_gp'", "manifest says 'dcgan'"]),
    ("dcgan", {"latent_dim": 16}, ["latent_dim=16", "manifest: 8"]),
    ("dcgan", {"objective": "hinge"}, ["objective='hinge'", "manifest: '<absent>'"]),
])
def test_config_json_that_contradicts_the_manifest_is_refused(tmp_path, family, config, expected):
    folder = write_folder(tmp_path / "root", {**FILES, "config.json": config_bytes(family, **config)})
    with pytest.raises(hub.WeightsConfigError) as err:
        hub.resolve(NAME, entry_for(folder), weights_dir=folder.parent)
    message = str(err.value)
    assert str(folder / "config.json") in message and f"entry {NAME!r}" in message
    for text in expected:
        assert text in message, (text, message)


def test_config_json_that_agrees_with_the_manifest_is_accepted(tmp_path):
    folder = write_folder(tmp_path / "root", {**FILES, "config.json": config_bytes()})
    assert hub.resolve(NAME, entry_for(folder), weights_dir=folder.parent) == folder


def test_downloaded_config_json_is_checked_too(tmp_path, cache, monkeypatch):
    files = {**FILES, "config.json": config_bytes(latent_dim=99)}
    folder = write_folder(tmp_path / "published", files)
    with HubServer({(REPO_ID, REVISION): files}) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
        monkeypatch.setenv("HF_HUB_CACHE", str(cache))
        with pytest.raises(hub.WeightsConfigError, match="latent_dim=99"):
            hub.resolve(NAME, entry_for(folder))


def test_zoo_load_refuses_a_manifest_config_the_weights_do_not_have(tmp_path):
    """Before, a manifest entry whose config differed from its config.json loaded silently."""
    manifest = json.loads((REPO_ROOT / "weights_manifest.json").read_text())
    manifest["models"]["cgan_mnist"]["config"]["objective"] = "hinge"
    path = tmp_path / "weights_manifest.json"
    path.write_text(json.dumps(manifest))
    shutil.copytree(REPO_ROOT / "weights" / "cgan_mnist", tmp_path / "w" / "cgan_mnist")
    with pytest.raises(hub.WeightsConfigError, match=r"cgan_mnist.config\.json contradicts .*objective="):
        zoo.load("cgan_mnist", weights_dir=tmp_path / "w", manifest_path=path)
