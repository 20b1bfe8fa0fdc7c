"""A local stand-in for the Hugging Face Hub's file endpoint, for tests (standard library only).

Serves HEAD and GET on /{repo_id}/resolve/{revision}/{filename} with the headers that
`hf_hub_download` needs (X-Repo-Commit, ETag, Content-Length), and the Hub's error codes
(X-Error-Code: RepoNotFound, RevisionNotFound, EntryNotFound) otherwise.

    with HubServer({("org/name", "v1"): {"config.json": b"{}"}}) as hub:
        hf_hub_download("org/name", "config.json", revision="v1", endpoint=hub.endpoint)
        hub.gets()                                   # ["/org/name/resolve/v1/config.json"]
        hub.corrupt("org/name", "v1", "config.json")  # same ETag, other bytes
        hub.stop()                                   # connection refused from now on

Faults of the transfer itself, for one file (`hub.fault(filename, kind)`; `hub.fault(filename, None)` clears):
    "close"      GET sends the headers and half the body, then closes the connection
    "die"        GET sends half the body, then the whole server goes down (refused from then on)
    "stall"      GET sends half the body, then sends nothing more until the server stops
    "stall_head" HEAD and GET send nothing at all until the server stops
"""

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit


def commit_of(repo_id, revision):
    """A stable 40-hex commit sha for a (repo, revision)."""
    return hashlib.sha1(f"{repo_id}@{revision}".encode()).hexdigest()


class HubServer:
    def __init__(self, repos):
        self.repos = {key: dict(files) for key, files in repos.items()}  # (repo_id, revision) -> {name: bytes}
        self.corrupted = set()  # (repo_id, revision, filename) served with altered bytes
        self.log = []  # (method, path) of every request, in order
        self.faults = {}  # filename -> "close" | "die" | "stall" | "stall_head"
        self._httpd = self._thread = None
        self._stopping = threading.Event()

    # -- control -------------------------------------------------------------------------
    def start(self):
        self._stopping.clear()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        self.endpoint = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        return self

    def stop(self):
        """Take the server down: later requests get 'connection refused'."""
        self._stopping.set()  # release stalled handlers
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join()
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def corrupt(self, repo_id, revision, filename):
        """Serve other bytes of the same length under the same ETag (corruption in storage or transit)."""
        self.corrupted.add((repo_id, revision, filename))

    def repair(self, repo_id, revision, filename):
        self.corrupted.discard((repo_id, revision, filename))

    def fault(self, filename, kind):
        """Make transfers of `filename` fail in the way `kind` says (see the module docstring); None clears."""
        if kind is None:
            self.faults.pop(filename, None)
        else:
            assert kind in ("close", "die", "stall", "stall_head"), kind
            self.faults[filename] = kind

    def requests(self, method=None):
        return [path for m, path in self.log if method is None or m == method]

    def gets(self):
        return self.requests("GET")

    # -- protocol ------------------------------------------------------------------------
    def respond(self, path):
        """(status, headers, body) for a resolve URL."""
        repo_id, sep, rest = urlsplit(path).path.lstrip("/").partition("/resolve/")
        revision, _, filename = rest.partition("/")
        revision, filename = unquote(revision), unquote(filename)
        if not sep or not any(repo == repo_id for repo, _ in self.repos):
            return 401, {"X-Error-Code": "RepoNotFound"}, b"Repository not found"
        if (repo_id, revision) not in self.repos:
            return 404, {"X-Error-Code": "RevisionNotFound"}, b"Invalid rev id"
        commit = commit_of(repo_id, revision)
        files = self.repos[(repo_id, revision)]
        if filename not in files:
            return 404, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": commit}, b"Entry not found"
        data = files[filename]
        etag = f'"{hashlib.sha256(data).hexdigest()}"'
        if (repo_id, revision, filename) in self.corrupted:
            data = bytes([data[0] ^ 0xFF]) + data[1:] if data else b"x"
        return 200, {"X-Repo-Commit": commit, "ETag": etag}, data


def _handler_for(hub):
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, send_body):
            hub.log.append((self.command, self.path))
            fault = hub.faults.get(unquote(urlsplit(self.path).path).rpartition("/")[2])
            if fault == "stall_head":
                hub._stopping.wait(60)
                self.close_connection = True
                return
            status, headers, body = hub.respond(self.path)
            self.send_response(status)
            for key, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(key, value)
            self.end_headers()
            if not send_body:
                return
            if status != 200 or fault is None:
                self.wfile.write(body)
                return
            self.wfile.write(body[:len(body) // 2])  # Content-Length promised all of it
            self.wfile.flush()
            self.close_connection = True
            if fault == "die":
                hub.stop()
            elif fault == "stall":
                hub._stopping.wait(60)

        def do_HEAD(self):
            self._reply(send_body=False)

        def do_GET(self):
            self._reply(send_body=True)

        def log_message(self, *args):  # keep test output quiet
            pass

    return Handler
