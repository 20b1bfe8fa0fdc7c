"""`ganzoo serve`: a local web page to try every zoo entry (docs/serve.md).

    app.py       the Flask application: the gallery, a page per entry, its card, the JSON actions
    models.py    entries loaded on first use and kept, one lock per entry; the entries' own files
    controls.py  which controls fit an entry (from its family and config, without loading it)
    actions.py   what each control runs: the command line's own checks and steps (ganzoo.cli)
    uploads.py   uploaded images, read as the command line reads files, with the page's limits
    server.py    waitress, a threaded pure-Python WSGI server, runs the application

Flask, waitress and markdown-it-py (the cards) come with the demo extra: pip install 'ganzoo[demo]'.
"""

import importlib.util

NEEDED = {"flask": "Flask", "waitress": "waitress", "markdown_it": "markdown-it-py"}


def missing_packages():
    """The pip names of the demo extra's packages that are not installed."""
    return [name for module, name in NEEDED.items() if importlib.util.find_spec(module) is None]


def require():
    """A ValueError that says how to install the web page's packages, unless they are installed."""
    missing = missing_packages()
    if missing:
        raise ValueError(f"ganzoo serve needs {', '.join(missing)}: pip install 'ganzoo[demo]' "
                         "(in a checkout: pip install -e '.[demo]').")
