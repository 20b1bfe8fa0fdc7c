"""A local stand-in for the Hugging Face Hub's file endpoint, for tests (standard library only).

Serves HEAD and GET on /{repo_id}/resolve/{revision}/{filename} with the headers that
`hf_hub_download` needs (X-Repo-Commit, ETag, Content-Length), and the Hub's error codes
(X-Error-Code: RepoNotFound, RevisionNotFound, EntryNotFound) otherwise.

    with HubServer({("org/name", "v1"): {"config.json": b"{}"}}) as hub:
        hf_hub_download("org/name", "config.json", revision="v1", endpoint=hub.endpoint)
        hub.gets()                                   # ["/org/name/resolve/v1/config.json"]
        hub.corrupt("org/name", "v1", "config.json")  # same ETag, other bytes
        hub.stop()                                   # connection refused from now on

Uploads, as `huggingface_hub`'s HfApi makes them (create_repo, upload_folder): POST
/api/repos/create, /api/validate-yaml, /api/models/{repo_id}/preupload/{revision} (every file
"regular", sent inline) and /api/models/{repo_id}/commit/{revision} (NDJSON; the files land in
the repo at that revision); GET /api/models/{repo_id}/revision/{revision} and .../tree/{revision}
list a repo's files, as snapshot_download reads them.

Faults of the transfer itself, for one file (`hub.fault(filename, kind)`; `hub.fault(filename, None)` clears):
    "close"      GET sends the headers and half the body, then closes the connection
    "die"        GET sends half the body, then the whole server goes down (refused from then on)
    "stall"      GET sends half the body, then sends nothing more until the server stops
    "stall_head" HEAD and GET send nothing at all until the server stops
"""

import base64
import hashlib
import json
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

    # -- uploads -------------------------------------------------------------------------
    def post(self, path, body):
        """(status, headers, body) for an upload request."""
        route = unquote(urlsplit(path).path)
        if route == "/api/repos/create":
            request = json.loads(body)
            repo_id = f"{request['organization']}/{request['name']}" if request.get("organization") else request["name"]
            exists = (repo_id, "main") in self.repos
            self.repos.setdefault((repo_id, "main"), {})
            self.private = {*getattr(self, "private", set()), *([repo_id] if request.get("private") else [])}
            status = 409 if exists else 200
            return status, {}, json.dumps({"url": f"{self.endpoint}/{repo_id}", "id": repo_id,
                                           **({"error": "You already created this model repo"} if exists else {})}).encode()
        if route == "/api/validate-yaml":
            return 200, {}, b'{"errors": [], "warnings": []}'
        repo_id, sep, rest = route[len("/api/models/"):].partition("/preupload/")
        if route.startswith("/api/models/") and sep:
            files = json.loads(body)["files"]
            return 200, {}, json.dumps({"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                                                  for f in files]}).encode()
        repo_id, sep, revision = route[len("/api/models/"):].partition("/commit/")
        if route.startswith("/api/models/") and sep:
            if (repo_id, revision) not in self.repos:
                return 404, {"X-Error-Code": "RepoNotFound"}, b"Repository not found"
            for line in body.decode().splitlines():
                record = json.loads(line)
                if record["key"] == "file":
                    self.repos[(repo_id, revision)][record["value"]["path"]] = base64.b64decode(record["value"]["content"])
            commit = commit_of(repo_id, revision)
            return 200, {}, json.dumps({"commitUrl": f"{self.endpoint}/{repo_id}/commit/{commit}", "commitOid": commit,
                                        "success": True, "pullRequestUrl": None}).encode()
        return 404, {}, b"Not found"

    def repo_info(self, path):
        """(status, headers, body) for GET /api/models/{repo_id}/revision/{revision} (the repo and its
        files) and /api/models/{repo_id}/tree/{revision or commit} (its files, as snapshot_download
        lists them)."""
        route = unquote(urlsplit(path).path)[len("/api/models/"):]
        kind = "/tree/" if "/tree/" in route else "/revision/"
        repo_id, _, revision = route.partition(kind)
        revision = next((rev for repo, rev in self.repos if repo == repo_id and revision in (rev, commit_of(repo, rev))),
                        None)
        if revision is None:
            return 404, {"X-Error-Code": "RepoNotFound"}, b"Repository not found"
        files = self.repos[(repo_id, revision)]
        if kind == "/tree/":
            return 200, {}, json.dumps([{"type": "file", "path": name, "size": len(data),
                                         "oid": hashlib.sha1(data).hexdigest()}
                                        for name, data in sorted(files.items())]).encode()
        return 200, {}, json.dumps({"id": repo_id, "sha": commit_of(repo_id, revision),
                                    "siblings": [{"rfilename": name} for name in sorted(files)]}).encode()

    # -- protocol ------------------------------------------------------------------------
    def respond(self, path):
        """(status, headers, body) for a resolve URL."""
        repo_id, sep, rest = urlsplit(path).path.lstrip("/").partition("/resolve/")
        revision, _, filename = rest.partition("/")
        revision, filename = unquote(revision), unquote(filename)
        if not sep or not any(repo == repo_id for repo, _ in self.repos):
            return 401, {"X-Error-Code": "RepoNotFound"}, b"Repository not found"
        revision = next((rev for repo, rev in self.repos if repo == repo_id and commit_of(repo, rev) == revision),
                        revision)  # a commit sha names its revision, as snapshot_download asks
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
            route = urlsplit(self.path).path
            info = route.startswith("/api/models/") and ("/revision/" in route or "/tree/" in route)
            status, headers, body = (hub.repo_info if info else hub.respond)(self.path)
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

        def do_POST(self):
            hub.log.append((self.command, self.path))
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, headers, payload = hub.post(self.path, body)
            self.send_response(status)
            for key, value in {**headers, "Content-Type": "application/json",
                               "Content-Length": str(len(payload))}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            self._reply(send_body=True)

        def log_message(self, *args):  # keep test output quiet
            pass

    return Handler
