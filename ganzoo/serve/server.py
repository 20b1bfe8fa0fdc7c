"""waitress runs the page: a threaded WSGI server in pure Python (no compiler, any OS), so that a
slow request for one model leaves the other threads free for the rest."""

import contextlib
import errno
import threading

THREADS = 8  # more than the CPUs: most wait on one model's lock, not on the CPU


def make_server(app, host="127.0.0.1", port=7860, threads=THREADS):
    """A waitress server of `app` bound to host:port (0: any free port), not yet running; a port in
    use or a host that is not this computer's is an OSError that says what to do."""
    import waitress

    try:
        return waitress.create_server(app, host=host, port=port, threads=threads, ident="ganzoo")
    except ValueError:  # waitress' word for a host name that does not resolve
        raise ValueError(f"cannot listen on {host!r}: it is not an address or name of this computer; give --host "
                         "an address such as 127.0.0.1.") from None
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise OSError(f"port {port} on {host} is in use (another ganzoo serve?): choose another with --port, "
                          "or --port 0 for any free one.") from None
        if e.errno == errno.EADDRNOTAVAIL:
            raise OSError(f"cannot listen on {host} ({e.strerror}): give --host an address of this computer, "
                          "e.g. 127.0.0.1.") from None
        raise


def url_of(server):
    """http://host:port of the server's first socket (the port it really got when asked for 0)."""
    listening = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    host, port = listening[0][:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def serve_forever(host="127.0.0.1", port=7860, weights_dir=None):
    """`ganzoo serve`: build the app, say where it is, serve until Ctrl+C."""
    from ganzoo.serve.app import create_app

    server = make_server(create_app(weights_dir=weights_dir), host, port)
    print(f"ganzoo serve: {url_of(server)}  (Ctrl+C stops it)", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"  listening on {host}: anyone who can reach this computer there can use the page.", flush=True)
    server.run()  # returns on Ctrl+C, the server closed
    print("ganzoo serve: stopped", flush=True)


@contextlib.contextmanager
def in_background(app, host="127.0.0.1", port=0):
    """Serve `app` from a thread for the block (tests, notebooks); yields its URL."""
    server = make_server(app, host, port)
    thread = threading.Thread(target=server.run, name="ganzoo-serve", daemon=True)
    thread.start()
    try:
        yield url_of(server)
    finally:
        stop(server)
        thread.join(timeout=10)


def stop(server):
    """End a server that runs in another thread: its worker threads, then every socket, the open
    connections included (a browser keeps some alive, and run() goes on while any is open)."""
    from waitress import wasyncore

    server.task_dispatcher.shutdown()
    wasyncore.close_all(server.map if hasattr(server, "effective_listen") else server._map)
