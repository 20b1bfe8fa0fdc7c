"""`ganzoo serve` in a real browser: Debian's headless Chromium, driven by Selenium through the
system's ChromeDriver (nothing is downloaded), against the server on a free port of 127.0.0.1.
Screenshots of each step land in the test's tmp_path.

Without /usr/bin/chromium and /usr/bin/chromedriver (scripts/test.sh installs them with apt-get
where it can) or without selenium, these tests skip and say why.
"""

import importlib.util
from pathlib import Path

import pytest

from serve_helpers import face, needs_demo, png_bytes, zoo_app

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
WAIT = 120  # seconds: the first request of an entry loads its model, on a busy CI machine

pytestmark = [
    needs_demo,
    pytest.mark.skipif(importlib.util.find_spec("selenium") is None,
                       reason="needs selenium (the test extra): pip install -e '.[test]'"),
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="no Chromium/ChromeDriver at /usr/bin: install Debian's chromium and chromium-driver "
                              "(apt-get install chromium chromium-driver; scripts/test.sh does as root)"),
]


@pytest.fixture(scope="module")
def url():
    from ganzoo.serve.server import in_background

    with in_background(zoo_app()) as address:
        yield address


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    # without the background-networking flags Chromium hangs on refused connections (no internet here)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)  # no Selenium Manager
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def wait(browser, condition, message):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, WAIT).until(lambda driver: condition(driver), message=message)


def runs(browser):
    return int(browser.find_element("id", "pictures").get_attribute("data-runs"))


def shown(browser):
    """(label, src) of each picture the page shows, read in one script (the page may redraw meanwhile)."""
    return [tuple(pair) for pair in browser.execute_script(
        "return [...document.querySelectorAll('#pictures figure')].map("
        "(f) => [f.querySelector('figcaption').textContent.trim(), f.querySelector('img').src])")]


def no_traceback(browser):
    assert "Traceback" not in browser.page_source


def test_the_gallery_leads_to_an_entry_whose_picture_follows_the_seed(browser, url, tmp_path):
    from selenium.webdriver.common.keys import Keys

    browser.get(url + "/")
    entries = browser.find_elements("css selector", "article.entry")
    assert len(entries) == len(zoo_app().extensions["ganzoo.models"].names())
    wait(browser, lambda d: d.execute_script(
        "return [...document.images].every((image) => image.complete && image.naturalWidth > 0)"),
        "the gallery's sample grids did not load")
    browser.save_screenshot(str(tmp_path / "gallery.png"))

    browser.find_element("link text", "cgan_mnist").click()
    wait(browser, lambda d: runs(d) == 1, "the first grid (seed 0) never came")
    (label, seed0), = shown(browser)
    assert label == "16 samples, seed 0"
    seed = browser.find_element("id", "seed")
    seed.clear()
    seed.send_keys("1", Keys.TAB)  # a change: the page draws again
    wait(browser, lambda d: runs(d) >= 2 and [label for label, _ in shown(d)] == ["16 samples, seed 1"],
         "no new grid after changing the seed")
    (label, seed1), = shown(browser)
    assert label == "16 samples, seed 1" and seed1 != seed0
    link = browser.find_element("id", "download")
    assert link.get_attribute("download") == "cgan_mnist_seed1.png" and link.get_attribute("href") == seed1
    browser.save_screenshot(str(tmp_path / "cgan_mnist_seed1.png"))
    no_traceback(browser)


def test_an_uploaded_face_comes_back_translated(browser, url, tmp_path):
    (tmp_path / "face.png").write_bytes(png_bytes(face()))
    browser.get(url + "/m/pix2pix_celeba_colorize")
    browser.find_element("id", "image").send_keys(str(tmp_path / "face.png"))
    browser.find_element("css selector", "#translate-form button[type=submit]").click()
    wait(browser, lambda d: runs(d) == 1, "no translation came back")
    (before, _), (after, after_src) = shown(browser)
    assert before == "input, as the model saw it" and after == "translation"
    sizes = browser.execute_script(
        "return [...document.querySelectorAll('#pictures img')].map((i) => [i.naturalWidth, i.clientWidth])")
    assert sizes == [[64, 256], [64, 256]]  # the model's pixels, shown at 256 px side by side
    assert "face.png (128x128) was fitted to 64x64" in browser.find_element("id", "note").text
    assert browser.find_element("id", "download").get_attribute("href") == after_src
    browser.save_screenshot(str(tmp_path / "translated.png"))
    no_traceback(browser)


def test_a_bad_upload_shows_the_message_not_a_traceback(browser, url, tmp_path):
    (tmp_path / "notes.txt").write_text("not a picture")
    browser.get(url + "/m/pix2pix_celeba_colorize")
    browser.find_element("id", "image").send_keys(str(tmp_path / "notes.txt"))
    browser.find_element("css selector", "#translate-form button[type=submit]").click()
    error = browser.find_element("id", "error")
    wait(browser, lambda d: error.is_displayed(), "no error message appeared")
    assert error.text.startswith("Cannot read notes.txt as an image") and "expected a PNG or JPEG file" in error.text
    assert shown(browser) == [] and runs(browser) == 0
    browser.save_screenshot(str(tmp_path / "bad_upload.png"))
    no_traceback(browser)


def test_a_hole_drawn_on_the_face_is_filled(browser, url, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    (tmp_path / "face.png").write_bytes(png_bytes(face()))
    browser.get(url + "/m/inpaint_celeba")
    browser.find_element("css selector", "input[name=hole][value=draw]").click()
    browser.find_element("id", "image").send_keys(str(tmp_path / "face.png"))
    strokes = browser.find_element("id", "strokes")
    wait(browser, lambda d: strokes.is_displayed(), "the drawing area did not open")
    browser.execute_script("document.getElementById('brush').value = 64")  # 16 of the face's 64 pixels
    # a horizontal stroke across the middle of the 256 px canvas: the face's rows ~24-40, columns ~17-47
    ActionChains(browser).move_to_element_with_offset(strokes, -60, 0).click_and_hold().move_by_offset(120, 0) \
        .release().perform()
    browser.find_element("css selector", "#inpaint-form button[type=submit]").click()
    wait(browser, lambda d: runs(d) == 1 or d.find_element("id", "error").is_displayed(), "nothing came back")
    assert not browser.find_element("id", "error").is_displayed(), browser.find_element("id", "error").text
    hole = browser.execute_script("""
        const image = document.querySelector('#pictures img');
        const canvas = document.createElement('canvas');
        canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
        const context = canvas.getContext('2d');
        context.drawImage(image, 0, 0);
        const white = (x, y) => context.getImageData(x, y, 1, 1).data.slice(0, 3).every((v) => v === 255);
        return [white(32, 31), white(32, 8), white(32, 56), white(4, 31)];""")
    assert hole == [True, False, False, False]  # the stroke is the hole: white there, the face elsewhere
    browser.save_screenshot(str(tmp_path / "inpainted.png"))
    no_traceback(browser)

