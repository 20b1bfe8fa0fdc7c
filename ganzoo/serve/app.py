"""The Flask application of `ganzoo serve`.

    GET  /                        the gallery: every entry of the manifest
    GET  /m/NAME                  the entry's page, with the controls that fit its family
    GET  /m/NAME/card/            its model card (weights/NAME/README.md), rendered
    GET  /m/NAME/card/FILE        a file the entry lists (samples.png, the card's pictures)
    POST /api/NAME/ACTION         run an action (actions.py) -> JSON: pictures, download, note; or error

Bad input gets a 4xx answer whose "error" is the one-line message the command line prints; an
unexpected failure a 500 with its one line too. The traceback goes to the server's log, never to
the page.
"""

import base64
import io
import logging

from flask import Flask, jsonify, render_template, request, send_file
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from ganzoo import cli, images, zoo
from ganzoo.quality import quality
from ganzoo.serve import actions
from ganzoo.serve.controls import controls
from ganzoo.serve.models import Models, NoSuchFile
from ganzoo.serve.uploads import MAX_PIXELS, Uploads

MAX_UPLOAD_MB = 32
VERBS = {"translate": "Translate", "upscale": "Upscale", "inpaint": "Fill the hole", "edit": "Edit"}
log = logging.getLogger("ganzoo.serve")


def png_data_url(image, scale=1):
    """A uint8 HWC image as a data: URL of its PNG, enlarged `scale` times (nearest pixels)."""
    buffer = io.BytesIO()
    images.save_png(image, buffer, scale=scale)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def card_html(text):
    """A model card's Markdown as HTML, its YAML front matter left out; raw HTML in it is escaped."""
    from markdown_it import MarkdownIt

    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        text = text[end + 4:] if end >= 0 else text
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(text)


def create_app(weights_dir=None, manifest_path=None, max_pixels=MAX_PIXELS):
    """The application for the entries of the manifest (the zoo's own by default); app.extensions
    ["ganzoo.models"] is its cache of loaded models."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD_MB * 1024 * 1024
    models = Models(weights_dir, manifest_path)
    app.extensions["ganzoo.models"] = models

    def wants_json():
        return request.path.startswith("/api/")

    def answer(message, status):
        if wants_json():
            return jsonify(error=message), status
        return render_template("error.html", message=message, status=status), status

    @app.get("/")
    def gallery():
        entries = [(name, models.entry(name)) for name in models.names()]
        return render_template("gallery.html", entries=entries, quality=quality)

    @app.get("/m/<name>")
    def entry_page(name):
        entry = models.entry(name)
        return render_template("entry.html", name=name, entry=entry, page=controls(name, entry),
                               quality=quality(entry["metrics"]), verbs=VERBS)

    @app.get("/m/<name>/card/")
    def card(name):
        entry = models.entry(name)
        text = models.file(name, "README.md").read_text(encoding="utf-8")
        return render_template("card.html", name=name, entry=entry, card=Markup(card_html(text)))

    @app.get("/m/<name>/card/<file_name>")
    def entry_file(name, file_name):
        return send_file(models.file(name, file_name), max_age=3600)

    @app.post("/api/<name>/<action>")
    def run(name, action):
        if action not in actions.ACTIONS:
            return answer(f"No action {action!r}; the page's actions: {', '.join(actions.ACTIONS)}.", 404)
        with Uploads(request.files, max_pixels) as uploads:
            try:
                result = actions.ACTIONS[action](name, models.entry(name), request.form, uploads, models)
            except HTTPException:
                raise
            except zoo.UnknownModelError as e:
                return answer(cli._one_line(e), 404)
            except (ValueError, OSError) as e:  # the API's and the command line's messages
                return answer(uploads.plain(cli._one_line(e)), 400)
            except Exception as e:  # noqa: BLE001  (a bug: one line on the page, the traceback in the log)
                log.exception("%s %s failed", name, action)
                return answer(f"{name} failed: {type(e).__name__}: {uploads.plain(cli._one_line(e))} "
                              "(the server's log has the details).", 500)
        return jsonify(pictures=[{"label": label, "src": png_data_url(picture, scale),
                                  "width": picture.shape[1] * scale, "height": picture.shape[0] * scale}
                                 for label, picture, scale in result.pictures],
                       download=result.download, file_name=result.file_name, note=result.note)

    @app.errorhandler(zoo.UnknownModelError)
    def unknown_entry(error):
        return answer(cli._one_line(error), 404)

    @app.errorhandler(NoSuchFile)
    def unknown_file(error):
        return answer(cli._one_line(error), 404)

    @app.errorhandler(413)
    def too_large(error):
        return answer(f"The upload is larger than {MAX_UPLOAD_MB} MB: shrink the image first.", 413)

    @app.errorhandler(Exception)
    def failed(error):  # e.g. weights that cannot be downloaded for a card: the message, not a traceback
        if isinstance(error, HTTPException):
            return answer(f"{error.code} {error.name}: {error.description}", error.code)
        if not isinstance(error, (ValueError, OSError)):
            log.exception("%s failed", request.path)
        return answer(cli._one_line(error), 500 if not isinstance(error, (ValueError, OSError)) else 503)

    return app
