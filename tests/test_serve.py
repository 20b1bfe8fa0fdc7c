"""`ganzoo serve` without a browser: the gallery, each entry's page and card, and every action of the
JSON endpoints through Flask's test client, on small shipped entries and a private zoo of tiny
StarGAN and GAN-CLS models (the families without a shipped entry); then a real server on a free port.

Bad input gets the command line's one-line message with status 400, never a traceback.
"""

import html
import json
import socket
import threading
import urllib.parse
import urllib.request

import numpy as np
import pytest

from conftest import add_to_private_zoo, tiny_dcgan
from ganzoo import cli, images, zoo
from ganzoo.quality import quality
from serve_helpers import decoded, face, needs_demo, png_bytes, zoo_app

pytestmark = needs_demo


@pytest.fixture(scope="module")
def client():
    return zoo_app().test_client()


def models():
    return zoo_app().extensions["ganzoo.models"]


def post(client, name, action, expect=200, files=None, **fields):
    """The JSON answer of an action; `files`: {field: (file name, bytes)}."""
    import io

    data = dict(fields)
    for field, (file_name, content) in (files or {}).items():
        data[field] = (io.BytesIO(content), file_name)
    response = client.post(f"/api/{name}/{action}", data=data, content_type="multipart/form-data")
    answer = response.get_json()
    assert response.status_code == expect, answer
    if expect >= 400:
        assert set(answer) == {"error"} and "Traceback" not in answer["error"] and "\n" not in answer["error"]
    return answer


def fails(client, name, action, match, files=None, **fields):
    message = post(client, name, action, 400, files, **fields)["error"]
    assert match in message, message
    assert "ganzoo-serve-" not in message  # the user's file name, not the server's temporary folder
    return message


# -- pages ----------------------------------------------------------------------------------------


def test_the_gallery_shows_every_entry_with_its_facts_samples_and_card(client):
    page = client.get("/").get_data(as_text=True)
    manifest = zoo.read_manifest()["models"]
    assert page.count('class="entry"') == len(manifest)
    for name, entry in manifest.items():
        card = page.split(f'id="entry-{name}"')[1].split("</article>")[0]
        assert f"/m/{name}/card/samples.png" in card and f'href="/m/{name}/card/"' in card
        assert f">{entry['family']}<" in card and f">{entry['dataset']['name']}<" in card
        assert html.escape(quality(entry["metrics"])) in card


EXPECTED_FORMS = {"dcgan": ["sample-form"], "gan": ["sample-form"], "lsgan": ["sample-form"], "wgan_gp": ["sample-form"],
                  "cgan": ["sample-form"], "infogan": ["sample-form"], "stylegan_lite": ["sample-form", "style-mix-form"],
                  "pix2pix": ["translate-form"], "cyclegan": ["translate-form"], "discogan": ["translate-form"],
                  "inpaint": ["inpaint-form"], "gan_cls": ["sample-form"], "stackgan": ["sample-form"],
                  "srresnet": ["upscale-form"], "srgan": ["upscale-form"]}


@pytest.mark.parametrize("name", zoo.list_models())
def test_each_entry_page_has_the_controls_of_its_family(client, name):
    import re

    page = client.get(f"/m/{name}").get_data(as_text=True)
    family = zoo.get_entry(name)["family"]
    assert re.findall(r'<form class="run" id="([^"]+)"', page) == EXPECTED_FORMS[family]
    assert ('name="direction"' in page) == (family in ("cyclegan", "discogan"))  # the two-domain families
    assert ('name="truncation"' in page) == (family == "stylegan_lite")
    assert ('name="jacobian_truncation"' in page) == (family in ("gan", "dcgan", "lsgan", "wgan_gp"))
    assert ('name="labels"' in page) == (family == "cgan") and ('name="codes"' in page) == (family == "infogan")
    assert ('name="box"' in page and 'id="strokes"' in page and 'name="mask"' in page) == (family == "inpaint")


def test_pages_load_no_model():
    from ganzoo.serve.app import create_app

    app = create_app()
    for path in ["/", "/m/stylegan_lite_celeba", "/m/srresnet_x4", "/m/srresnet_x4/card/", "/m/srresnet_x4/card/samples.png"]:
        assert app.test_client().get(path).status_code == 200, path
    assert not any(app.extensions["ganzoo.models"].is_loaded(name) for name in zoo.list_models())


def test_the_card_is_rendered_and_its_pictures_served(client):
    page = client.get("/m/inpaint_celeba/card/").get_data(as_text=True)
    assert "<h1>inpaint_celeba</h1>" in page and 'src="samples.png"' in page and "license:" not in page
    for file_name in ("samples.png", "versus_biharmonic.png"):
        served = client.get(f"/m/inpaint_celeba/card/{file_name}")
        assert served.status_code == 200 and served.mimetype == "image/png"
        assert served.data == (zoo.REPO_ROOT / "weights" / "inpaint_celeba" / file_name).read_bytes()
    for file_name in ("model.weights.h5", "secrets.txt", "..%2Fcgan_mnist%2FREADME.md"):
        missing = client.get(f"/m/inpaint_celeba/card/{file_name}")
        assert missing.status_code == 404 and "Traceback" not in missing.get_data(as_text=True)


def test_an_unknown_entry_gets_did_you_mean(client):
    page = client.get("/m/cgan_mnst")
    assert page.status_code == 404 and "Did you mean &#39;cgan_mnist&#39;" in page.get_data(as_text=True)
    answer = post(client, "cgan_mnst", "sample", 404)
    assert "Did you mean 'cgan_mnist'" in answer["error"]
    assert "No action 'dance'" in post(client, "cgan_mnist", "dance", 404)["error"]


# -- generators -----------------------------------------------------------------------------------


def test_sampling_follows_the_seed_and_downloads_what_ganzoo_sample_writes(client, tmp_path):
    first = post(client, "cgan_mnist", "sample", seed="0", n="16")
    again = post(client, "cgan_mnist", "sample", seed="0", n="16")
    other = post(client, "cgan_mnist", "sample", seed="1", n="16")
    assert first == again and first["pictures"][0]["src"] != other["pictures"][0]["src"]
    assert first["file_name"] == "cgan_mnist_seed0.png" and first["download"] == 0
    assert cli.main(["sample", "cgan_mnist", "-n", "16", "--seed", "0", "-o", str(tmp_path / "cli.png")]) == 0
    written = images.load_image(tmp_path / "cli.png")[..., 0]
    np.testing.assert_array_equal(decoded(first["pictures"][0]["src"]), written)


def test_labels_draw_one_row_per_class(client):
    answer = post(client, "cgan_mnist", "sample", seed="3", n="5", labels="7,1")
    grid = decoded(answer["pictures"][0]["src"])
    assert grid.shape == ((2 * 28 + 3 * 2) * 4, (5 * 28 + 6 * 2) * 4)  # 2 rows of 5, each pixel 4x4
    assert answer["pictures"][0]["label"] == "10 samples, seed 3"


def test_codes_draw_one_row_per_category(client):
    answer = post(client, "infogan_mnist", "sample", seed="0", n="4", codes="0,9")
    assert decoded(answer["pictures"][0]["src"]).shape == ((2 * 28 + 3 * 2) * 4, (4 * 28 + 5 * 2) * 4)
    fails(client, "infogan_mnist", "sample", "--codes takes category ids 0..9, got 'one'", codes="one")
    fails(client, "infogan_mnist", "sample", "--labels needs a cgan entry", labels="1")


@pytest.mark.parametrize("fields, match", [
    ({"seed": "-1"}, "seed: expected a non-negative integer, got -1."),
    ({"seed": "abc"}, "seed: expected a non-negative integer, got 'abc'."),
    ({"n": "0"}, "n: expected a positive integer, got 0."),
    ({"n": "1000"}, "The page draws at most 256 images at a time"),
    ({"labels": "eleven"}, "Unknown class 'eleven': this model knows ids 0..9"),
    ({"labels": "1", "codes": "2"}, "not both"),
    ({"truncation": "0.5"}, "--truncation is for stylegan_lite entries; cgan_mnist is a cgan model."),
    ({"jacobian_truncation": "0.1"}, "--jacobian-truncation is for entries that sample from noise alone"),
])
def test_bad_sampling_input_gets_the_command_lines_message(client, fields, match):
    fails(client, "cgan_mnist", "sample", match, **fields)


def test_jacobian_truncation_draws_what_the_command_line_draws(client):
    from ganzoo import images, zoo

    drawn = decoded(post(client, "dcgan_mnist", "sample", seed="0", n="4", jacobian_truncation="0.2")["pictures"][0]["src"])
    plain = decoded(post(client, "dcgan_mnist", "sample", seed="0", n="4", jacobian_truncation="0")["pictures"][0]["src"])
    expected = images.grid(zoo.load("dcgan_mnist").sample(4, seed=0, jacobian_truncation=0.2))
    np.testing.assert_array_equal(drawn[::4, ::4], expected[..., 0])  # the page enlarges 28-px digits 4x
    assert not np.array_equal(drawn, plain)
    fails(client, "dcgan_mnist", "sample", "a number in [0, 0.9]", jacobian_truncation="0.95")


def test_truncation_and_style_mixing(client):
    average = decoded(post(client, "stylegan_lite_celeba", "sample", seed="0", n="4", truncation="0")["pictures"][0]["src"])
    tiles = [average[4 + r * 132 : 4 + r * 132 + 128, 4 + c * 132 : 4 + c * 132 + 128] for r in (0, 1) for c in (0, 1)]
    assert all(np.array_equal(tiles[0], tile) for tile in tiles[1:])  # psi 0: every seed gives the average face
    mix = post(client, "stylegan_lite_celeba", "style-mix", rows="1,2", cols="3,4,5", layers="0-3")
    assert decoded(mix["pictures"][0]["src"]).shape == ((3 * 64 + 4 * 2) * 2, (4 * 64 + 5 * 2) * 2, 3)
    fails(client, "stylegan_lite_celeba", "style-mix", "--layers must be a range like 0-3", layers="coarse")
    fails(client, "stylegan_lite_celeba", "sample", "truncation must be in [0, 2]", truncation="3")
    fails(client, "stylegan_lite_celeba", "sample", "truncation: expected a number", truncation="lots")


# -- images in ------------------------------------------------------------------------------------


def test_a_face_is_translated_as_ganzoo_translate_does(client):
    answer = post(client, "pix2pix_celeba_colorize", "translate", files={"image": ("my face.png", png_bytes(face()))})
    (seen, seen_label), (output, output_label) = [(decoded(p["src"]), p["label"]) for p in answer["pictures"]]
    assert seen.shape == (64, 64) and output.shape == (64, 64, 3) and answer["download"] == 1
    assert answer["file_name"] == "pix2pix_celeba_colorize_my_face.png"
    assert "my_face.png (128x128) was fitted to 64x64" in answer["note"]
    with models().use("pix2pix_celeba_colorize") as model:
        source, expected = cli._translation(model, face(), False, None)
    np.testing.assert_array_equal(seen, source[..., 0])
    np.testing.assert_array_equal(output, expected)
    fails(client, "pix2pix_celeba_colorize", "translate", "--direction is for cyclegan and discogan entries",
          files={"image": ("face.png", png_bytes(face()))}, direction="b2a")


def test_a_two_way_entry_translates_either_way(client):
    upload = {"image": ("face.png", png_bytes(face()))}
    a2b, b2a = (decoded(post(client, "cyclegan_celeba_black2blond", "translate", files=upload, direction=d)
                        ["pictures"][1]["src"]) for d in ("a2b", "b2a"))
    assert a2b.shape == b2a.shape == (64, 64, 3) and not np.array_equal(a2b, b2a)
    fails(client, "cyclegan_celeba_black2blond", "translate", "direction must be 'a2b'", files=upload,
          direction="sideways")


def test_bad_uploads_get_clear_messages(client):
    from PIL import Image

    name = "pix2pix_celeba_colorize"
    fails(client, name, "translate", "Cannot read notes.txt as an image", files={"image": ("notes.txt", b"hello")})
    fails(client, name, "translate", "Choose an image to upload first")
    huge = Image.new("L", (6000, 5000))
    import io

    buffer = io.BytesIO()
    huge.save(buffer, format="PNG")
    fails(client, name, "translate", "huge.png is 6000x5000 pixels (30 million); the page takes images of at most 25",
          files={"image": ("huge.png", buffer.getvalue())})
    fails(client, "srresnet_x4", "upscale", "wide.png is 600x500 pixels; the page upscales images of at most",
          files={"image": ("wide.png", png_bytes(np.zeros((500, 600, 3), np.uint8)))})
    fails(client, "cgan_mnist", "translate", "cgan_mnist is a cgan model: it samples images, it does not translate")


def test_an_image_is_upscaled(client):
    small = np.random.default_rng(0).integers(0, 256, (20, 24, 3), dtype=np.uint8)
    answer = post(client, "srresnet_x4", "upscale", files={"image": ("small.png", png_bytes(small))})
    before, after = (decoded(p["src"]) for p in answer["pictures"])
    np.testing.assert_array_equal(before, small)
    with models().use("srresnet_x4") as model:
        np.testing.assert_array_equal(after, model.upscale(small))
    assert answer["pictures"][1]["label"] == "x4, 96x80"


def test_a_hole_is_filled_from_a_box_or_a_mask_file(client):
    upload = {"image": ("face.png", png_bytes(face()))}
    boxed = post(client, "inpaint_celeba", "inpaint", files=upload, box="16,16,32,32")
    mask = np.zeros((128, 128), np.uint8)  # the same square at the upload's size: fitted alike
    mask[32:96, 32:96] = 255
    masked = post(client, "inpaint_celeba", "inpaint", files={**upload, "mask": ("face.png", png_bytes(mask))})
    assert boxed["pictures"] == masked["pictures"]
    shown, filled = (decoded(p["src"]) for p in boxed["pictures"])
    assert (shown[16:48, 16:48] == 255).all() and np.array_equal(shown[:16], filled[:16])  # known pixels kept
    fails(client, "inpaint_celeba", "inpaint", "say where the hole is", files=upload)
    fails(client, "inpaint_celeba", "inpaint", "say where the hole is", box="1,1,4,4",
          files={**upload, "mask": ("m.png", png_bytes(mask))})
    fails(client, "inpaint_celeba", "inpaint", "Mask 0 marks no pixel as missing",
          files={**upload, "mask": ("empty.png", png_bytes(np.zeros((64, 64), np.uint8)))})
    fails(client, "inpaint_celeba", "inpaint", "must have a positive size and lie inside the 64x64 image",
          files=upload, box="60,60,10,10")


# -- the families without a shipped entry: a private zoo of tiny models ------------------------------


@pytest.fixture(scope="module")
def tiny_zoo(tmp_path_factory):
    """The application over a private zoo: tiny_stargan (edits faces), tiny_gan_cls (captions), tiny_dcgan."""
    from ganzoo.families import get_family
    from ganzoo.serve.app import create_app

    root = tmp_path_factory.mktemp("tiny_zoo")
    celeba = {"name": "celeba", "split": "train", "license": "CelebA: non-commercial research purposes only"}
    tiny = {"tiny_stargan": get_family("stargan")(resolution=16, width=4, blocks=1, seed=0),
            "tiny_gan_cls": get_family("gan_cls")(resolution=32, channels=3, width=8, latent_dim=16, embedding_dim=16,
                                                  text_width=16, condition_dim=8, seed=0),
            "tiny_dcgan": tiny_dcgan()}
    for name, model in tiny.items():
        add_to_private_zoo(root, name, model, f"a tiny untrained {model.family} for the page's tests", celeba,
                           "recipes/dcgan_mnist.py")
    return create_app(weights_dir=root / "weights", manifest_path=root / "manifest.json")


def test_a_face_is_edited_and_bad_attributes_get_the_command_lines_message(tiny_zoo):
    client = tiny_zoo.test_client()
    page = client.get("/m/tiny_stargan").get_data(as_text=True)
    assert 'id="edit-form"' in page and 'value="Blond_Hair=1"' in page
    upload = {"image": ("face.png", png_bytes(face()))}
    answer = post(client, "tiny_stargan", "edit", files=upload, set=["Blond_Hair=1", "Young=0"])
    assert decoded(answer["pictures"][1]["src"]).shape == (16, 16, 3)
    assert answer["pictures"][1]["label"] == "Blond_Hair=1, Young=0"
    every = post(client, "tiny_stargan", "edit", files=upload, grid="on")
    assert decoded(every["pictures"][1]["src"]).shape[1] == 6 * 16 + 7 * 2  # the face, then each of 5 edits
    fails(client, "tiny_stargan", "edit", "Unknown attribute 'Purple_Hair'", files=upload, set="Purple_Hair=1")
    fails(client, "tiny_stargan", "edit", "--set takes NAME=0 or NAME=1", files=upload, set="Blond_Hair=2")
    fails(client, "tiny_stargan", "edit", "one hair colour at a time", files=upload, set=["Blond_Hair=1", "Black_Hair=1"])
    fails(client, "tiny_stargan", "edit", "say what to change", files=upload)


def test_captions_draw_one_row_each(tiny_zoo):
    client = tiny_zoo.test_client()
    page = client.get("/m/tiny_gan_cls").get_data(as_text=True)
    assert 'name="captions"' in page and "a young man with black hair" in page
    answer = post(client, "tiny_gan_cls", "sample", seed="0", n="3",
                  captions="a young man with black hair\na smiling young woman with wavy blond hair")
    assert decoded(answer["pictures"][0]["src"]).shape == ((2 * 32 + 3 * 2) * 4, (3 * 32 + 4 * 2) * 4, 3)
    fails(client, "tiny_gan_cls", "sample", "zebra", captions="a zebra with black hair")
    fails(client, "tiny_dcgan", "sample", "--caption is for text-to-image entries", captions="a young man")


def test_a_request_waits_only_for_its_own_model(tiny_zoo):
    """While one request holds tiny_stargan (a slow edit, say), a sample of tiny_dcgan goes through."""
    client, cache = tiny_zoo.test_client(), tiny_zoo.extensions["ganzoo.models"]
    done = {}

    def ask(name, **fields):
        done[name] = tiny_zoo.test_client().post(f"/api/{name}/sample", data=fields).status_code

    with cache.use("tiny_stargan"):
        other = threading.Thread(target=ask, args=("tiny_dcgan",), kwargs={"seed": "1", "n": "4"})
        other.start()
        other.join(timeout=60)
        assert done.get("tiny_dcgan") == 200
        same = threading.Thread(target=ask, args=("tiny_stargan",), kwargs={"seed": "1"})
        same.start()
        same.join(timeout=1)
        assert same.is_alive()  # waits for the lock
    same.join(timeout=60)
    assert done["tiny_stargan"] == 400  # a stargan edits faces rather than sampling them: its message
    assert "edits faces rather than sampling" in client.post("/api/tiny_stargan/sample").get_json()["error"]


# -- the real server and the command ----------------------------------------------------------------


def test_a_real_server_answers_on_a_free_port():
    from ganzoo.serve.server import in_background

    with in_background(zoo_app()) as url:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "/", timeout=30) as response:
            assert response.status == 200 and "cgan_mnist" in response.read().decode()
        form = urllib.parse.urlencode({"seed": "2", "n": "4"}).encode()
        with urllib.request.urlopen(url + "/api/cgan_mnist/sample", data=form, timeout=60) as response:
            assert json.load(response)["file_name"] == "cgan_mnist_seed2.png"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "/api/cgan_mnist/sample", data=b"seed=-4", timeout=60)
        assert refused.value.code == 400 and "got -4" in json.load(refused.value)["error"]


def test_ganzoo_serve_starts_the_server_with_its_options(monkeypatch):
    from ganzoo.serve import server

    started = {}
    monkeypatch.setattr(server, "serve_forever", lambda host, port, weights_dir: started.update(
        host=host, port=port, weights_dir=weights_dir))
    assert cli.main(["serve"]) == 0 and started == {"host": "127.0.0.1", "port": 7860, "weights_dir": None}
    assert cli.main(["serve", "--port", "0", "--host", "0.0.0.0", "--weights-dir", "w"]) == 0
    assert started == {"host": "0.0.0.0", "port": 0, "weights_dir": "w"}


def test_ganzoo_serve_says_what_to_do_on_one_line(capsys, monkeypatch):
    from ganzoo import serve

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error == [f"ganzoo: error: port {port} on 127.0.0.1 is in use (another ganzoo serve?): choose another "
                     "with --port, or --port 0 for any free one."]
    assert cli.main(["serve", "--port", "70000"]) == 2
    assert "expected a port number 0..65535, got 70000" in capsys.readouterr().err
    assert cli.main(["serve", "--host", "no-such-host.invalid", "--port", "0"]) == 2
    assert capsys.readouterr().err.strip() == ("ganzoo: error: cannot listen on 'no-such-host.invalid': it is not an "
                                               "address or name of this computer; give --host an address such as "
                                               "127.0.0.1.")
    monkeypatch.setattr(serve, "missing_packages", lambda: ["Flask", "waitress"])
    assert cli.main(["serve"]) == 2
    assert capsys.readouterr().err.strip() == ("ganzoo: error: ganzoo serve needs Flask, waitress: pip install "
                                               "'ganzoo[demo]' (in a checkout: pip install -e '.[demo]').")
