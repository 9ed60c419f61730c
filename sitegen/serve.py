"""`sitegen serve`: build, serve site/ on 127.0.0.1, rebuild when content, templates or config change,
and reload open pages. Only files inside the output folder are ever served."""

from __future__ import annotations

import gc
import http.server
import signal
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from sitegen.build import Session, build
from sitegen.config import CONFIG_NAME, load_config
from sitegen.errors import SitegenError
from sitegen.model import Site

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


class Builds:
    """Rebuilds in this process, one session kept from each to the next (sitegen.build.Session): an
    edited article is linked, checked and drawn again for what it changed, with the language model
    loaded here already. At 10,000 articles an edit took 9-10 s as a build of its own (in a process
    forked for it), and 2.4-2.6 s from saving the file in the session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.session: Session | None = None

    def build(self) -> Outcome:
        try:
            site = load_config(self.root)
            if self.session is None or self.session.site != site:  # a new config starts afresh
                self.close()
                self.session = Session.start(site)
            report = build(site, session=self.session)
        except SitegenError as exc:
            self._drop()
            return Outcome(error=str(exc))
        except Exception as exc:  # a bug: reported, and the server carries on with a new session
            self._drop()
            return Outcome(error=f"the rebuild stopped unexpectedly ({type(exc).__name__}: {exc})")
        return Outcome(up_to_date=report.up_to_date, pages=report.pages, problems=tuple(map(str, report.errors)))

    def _drop(self) -> None:
        """Forget a session whose build failed part way: what it holds may not match the site on disk."""
        self.session = None
        gc.unfreeze()

    def close(self) -> None:
        """Save what the session kept for builds in other processes (memos, the page record)."""
        if self.session is not None:
            self.session.save()
            self.session = None


def rebuild(root: Path, state: State, log: Callable[[str], None], builds: Builds | None = None) -> bool:
    """Rebuild after a change; errors are shown, the last good site keeps being served."""
    started = time.perf_counter()
    if builds is None:  # one build on its own: what its session kept is saved at once
        builds = Builds(root)
        outcome = builds.build()
        builds.close()
    else:
        outcome = builds.build()
    if outcome.error is not None:
        log(f"error: {outcome.error}")
        return False
    for problem in outcome.problems:
        log(f"error: {problem}")
    state.bump()
    seconds = time.perf_counter() - started
    log("site is up to date" if outcome.up_to_date else f"rebuilt {outcome.pages} pages in {seconds:.1f} s")
    return True


def load_model(log: Callable[[str], None]) -> None:
    """Load the language model (and the place names and date tables the annotator uses) into this
    process once, so that each rebuild annotates an edited article at once."""
    from sitegen.annotate.run import warm_up

    log("loading the language model, for quick rebuilds")
    warm_up()
    # The model's objects stay for good: frozen, the garbage collector no longer walks them (86,000 objects,
    # 0.03 s in each of the four collections of a build).
    gc.freeze()


def watch(root: Path, site: Site, state: State, stop: threading.Event, log: Callable[[str], None],
          builds: Builds | None = None) -> None:
    """Rebuild whenever a file under content/, templates/ or the config changes."""
    from watchfiles import watch as watch_files

    own = builds is None  # then what its session kept is saved when watching stops
    builds = builds or Builds(root)
    paths = [p for p in (root / site.content_dir, root / site.templates_dir, root / CONFIG_NAME) if p.exists()]
    try:
        for _changes in watch_files(*paths, stop_event=stop, debounce=300):
            rebuild(root, state, log, builds)
    finally:
        if own:
            builds.close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, watching: bool = True) -> None:
    """Build, then serve until interrupted."""
    state = State()
    site = load_config(root)
    builds = Builds(root)
    # Stopped by a service manager or `kill` as by Ctrl-C: what the session kept is saved on the way out.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if not rebuild(root, state, log, builds):
        raise SitegenError("the first build failed; fix the errors above and run `sitegen serve` again")
    if watching:
        load_model(log)
    server = make_server(site, state, host, port)
    stop = threading.Event()
    watcher: threading.Thread | None = None
    if watching:
        watcher = threading.Thread(target=watch, args=(root, site, state, stop, log, builds), daemon=True)
        watcher.start()
    address, bound_port = server.server_address[:2]
    print(f"serving {site.out} at http://{address!s}:{bound_port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    finally:
        stop.set()
        server.server_close()
        if watcher is not None:
            watcher.join(timeout=60)  # a rebuild under way ends first
        builds.close()
