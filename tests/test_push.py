"""`ganzoo push` and `ganzoo.load("hf://user/repo")` against the local Hub server (tests/hub_server.py),
which speaks the upload endpoints huggingface_hub uses (create repo, preupload, commit)."""

import numpy as np
import pytest

import ganzoo
from conftest import tiny_dcgan
from ganzoo import cli, export, hub, zoo
from hub_server import HubServer

DEAD_ENDPOINT = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    import huggingface_hub.constants as hf_constants

    for var in ("GANZOO_WEIGHTS_DIR", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf_cache"))
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hf_constants, "ENDPOINT", DEAD_ENDPOINT)  # a request that misses the local Hub fails here
    monkeypatch.setattr(hf_constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                        DEAD_ENDPOINT + "/{repo_id}/resolve/{revision}/{filename}")


@pytest.fixture
def server(monkeypatch):
    with HubServer({}) as s:
        monkeypatch.setenv("HF_ENDPOINT", s.endpoint)
        yield s


@pytest.fixture
def exported(tmp_path, tiny_images):
    model = tiny_dcgan(ema_decay=0.9)
    model.compile()
    model.fit(tiny_images[:32], batch_size=16, epochs=1, verbose=0)
    return export.save_weights_folder(model, tmp_path / "mine", generator_only=True), model


def test_push_uploads_reads_back_and_loads_through_hf(server, exported, capsys):
    folder, model = exported
    code = cli.main(["push", str(folder), "--repo", "me/tiny-dcgan"])
    assert code == 0, capsys.readouterr().err
    assert "every file read back matches" in capsys.readouterr().out
    uploaded = server.repos[("me/tiny-dcgan", "main")]
    assert set(uploaded) == {p.name for p in folder.iterdir()}  # weights, D, config, card, grid
    assert uploaded["model.weights.h5"] == (folder / "model.weights.h5").read_bytes()
    assert any(path == "/api/repos/create" for path in server.requests("POST"))
    loaded = ganzoo.load("hf://me/tiny-dcgan")
    np.testing.assert_array_equal(loaded.sample(4, seed=0), zoo.load_folder(folder).sample(4, seed=0))
    assert zoo.describe("hf://me/tiny-dcgan")["family"] == "dcgan"
    assert cli.main(["push", str(folder), "--repo", "me/tiny-dcgan"]) == 0  # again: the repo is reused


@pytest.mark.parametrize("argv, message", [
    (["push", "nowhere_model", "--repo", "me/x"], "Unknown model"),
    (["push", "{tmp}", "--repo", "me/x"], "not a model folder"),
    (["push", "{folder}", "--repo", "just-a-name"], "user/name"),
])
def test_push_refuses_what_it_cannot_send(server, exported, tmp_path, capsys, argv, message):
    folder, _ = exported
    argv = [a.format(tmp=tmp_path, folder=folder) for a in argv]
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err
    assert not server.requests("POST")  # refused before anything was sent


def test_a_missing_hub_repo_is_one_clear_error(server):
    with pytest.raises(hub.HubTransferError, match="Could not download me/absent@main"):
        ganzoo.load("hf://me/absent")
