"""`sitegen serve`: build, serve site/ on 127.0.0.1, rebuild when content, templates or config change,
and reload open pages. Only files inside the output folder are ever served. While it runs it holds the
site's lock (sitegen.sitelock) and builds for `sitegen build` commands run beside it."""

from __future__ import annotations

import contextlib
import gc
import http.server
import json
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from sitegen.annotate.run import KeptAnnotator
from sitegen.build import Session, build
from sitegen.config import CONFIG_NAME, load_config
from sitegen.errors import SitegenError
from sitegen.handoff import BUILD_PATH, TOKEN_HEADER, BuildSummary, Outcome
from sitegen.model import Site
from sitegen.search import KeptIndexer
from sitegen.sitelock import Holder, claim

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


class Desk(NamedTuple):
    """Where a server takes builds from `sitegen build` commands: the secret they must show, and what
    builds (forced or not) and reports."""

    token: str
    build: Callable[[bool], Outcome]


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files from the output folder, with a reload script added to HTML pages; and builds asked for
    by `sitegen build` (a POST to BUILD_PATH with the server's token)."""

    state: State
    desk: Desk | None

    def __init__(self, *args: Any, directory: str, state: State, desk: Desk | None = None, **kwargs: Any) -> None:
        self.state = state
        self.desk = desk
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

    def do_POST(self) -> None:
        if unquote(urlsplit(self.path).path) != BUILD_PATH or self.desk is None:
            self.send_error(404, "Not found")
            return
        # Only a process that could read the lock file knows the token: a web page open in a browser
        # cannot make the server build (or learn anything from the answer).
        if not secrets.compare_digest(self.headers.get(TOKEN_HEADER, "").encode(), self.desk.token.encode()):
            self.send_error(403, "Forbidden")
            return
        try:
            length = min(max(int(self.headers.get("Content-Length") or 0), 0), 1024)  # read(-1) waits for EOF
            asked = json.loads(self.rfile.read(length) or b"{}")
            force = asked.get("force") is True
        except (ValueError, AttributeError):
            self.send_error(400, "Bad request")
            return
        outcome = self.desk.build(force)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the command was interrupted
            self._send(200, "application/json", outcome.to_json())

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def make_server(site: Site, state: State, host: str = "127.0.0.1", port: int = 8000,
                desk: Desk | None = None) -> http.server.HTTPServer:
    """An HTTP server for the built site (port 0 picks a free one), taking builds at `desk` if given."""
    handler = partial(Handler, directory=str(site.out), state=state, desk=desk)
    return http.server.ThreadingHTTPServer((host, port), handler)


class Builds:
    """Rebuilds in this process, one session kept from each to the next (sitegen.build.Session): an
    edited article is linked, checked and drawn again for what it changed, annotated by the
    `annotator`'s worker, which has the language model loaded already, and its search shard indexed by
    the `indexer`'s, which has most of its words counted. At 10,000 articles an edit took 9-10 s as a
    build of its own (in a process forked for it), and 2.4-2.6 s from saving the file in the session.
    Builds asked for by the watcher and by `sitegen build` commands run one at a time."""

    def __init__(self, root: Path, annotator: KeptAnnotator | None = None, indexer: KeptIndexer | None = None) -> None:
        self.root = root
        self.annotator = annotator
        self.indexer = indexer
        self.session: Session | None = None
        self._one_at_a_time = threading.RLock()  # a build closes the session when the config changed

    def build(self, force: bool = False) -> Outcome:
        with self._one_at_a_time:
            try:
                site = load_config(self.root)
                if self.session is None or self.session.site != site:  # a new config starts afresh
                    self.close()
                    self.session = Session.start(site)
                report = build(site, force=force, session=self.session, annotator=self.annotator,
                               indexer=self.indexer)
            except SitegenError as exc:
                self._drop()
                return Outcome(error=str(exc))
            except Exception as exc:  # a bug: reported, and the server carries on with a new session
                self._drop()
                return Outcome(error=f"the rebuild stopped unexpectedly ({type(exc).__name__}: {exc})")
            return Outcome(summary=BuildSummary.of(report))

    def _drop(self) -> None:
        """Forget a session whose build failed part way: what it holds may not match the site on disk."""
        self.session = None
        gc.unfreeze()

    def close(self) -> None:
        """Save what the session kept for builds in other processes (memos, the page record)."""
        with self._one_at_a_time:
            if self.session is not None:
                self.session.end()
                self.session = None


def rebuild(root: Path, state: State, log: Callable[[str], None], builds: Builds | None = None) -> bool:
    """Rebuild after a change; errors are shown, the last good site keeps being served. True when the
    build finished."""
    return logged_build(root, state, log, builds).error is None


def logged_build(root: Path, state: State, log: Callable[[str], None], builds: Builds | None = None,
                 force: bool = False, asked_by: str = "") -> Outcome:
    """A rebuild (after a change, or asked for by `asked_by`), its outcome shown in the server's log."""
    started = time.perf_counter()
    if builds is None:  # one build on its own: what its session kept is saved at once
        builds = Builds(root)
        outcome = builds.build(force)
        builds.close()
    else:
        outcome = builds.build(force)
    if outcome.error is not None:
        log(f"error: {outcome.error}")
        return outcome
    for problem in outcome.summary.errors:
        log(f"error: {problem}")
    state.bump()
    seconds = time.perf_counter() - started
    done = ("site is up to date" if outcome.summary.up_to_date
            else f"rebuilt {outcome.summary.pages} pages in {seconds:.1f} s")
    log(f"{done} (asked by {asked_by})" if asked_by else done)
    return outcome


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
    # Once: a SIGTERM sent again while the server stops (an impatient `kill`) would cut short the saving of
    # its session, and print tracebacks from wherever it landed. SIGKILL still stops it at once.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


class Idle:
    """How long a server has gone without a build asked for by `sitegen build` (none counts while one runs)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._building = 0
        self._since = time.monotonic()

    @contextlib.contextmanager
    def building(self) -> Iterator[None]:
        with self._lock:
            self._building += 1
        try:
            yield
        finally:
            with self._lock:
                self._building -= 1
                self._since = time.monotonic()

    def seconds(self) -> float:
        with self._lock:
            return 0.0 if self._building else time.monotonic() - self._since


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, watching: bool = True, on_demand: bool = False,
          stop_after: float | None = None) -> None:
    """Build, then serve until interrupted, holding the site's lock all along: builds asked for by
    `sitegen build` meanwhile are made here, with what the session keeps. `on_demand`: no build until a
    `sitegen build` asks for one; `stop_after`: stop after this many minutes without one (the warm build
    server that `sitegen build --keep-warm` starts is both)."""
    state = State()
    site = load_config(root)
    # Stopped by a service manager or `kill` as by Ctrl-C: what the session kept is saved on the way out.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with claim(site.cache_dir, Holder(os.getpid(), "serve"), log, _already_served) as lock, \
            contextlib.closing(KeptAnnotator()) as annotator, contextlib.closing(KeptIndexer()) as indexer:
        builds = Builds(root, annotator, indexer)
        token = secrets.token_urlsafe(32)
        idle = Idle()

        def build_asked(force: bool) -> Outcome:
            with idle.building():
                return logged_build(root, state, log, builds, force, "`sitegen build`")

        desk = Desk(token, build_asked)
        # The port is taken before the first build, so that a busy one is said at once, not a build later.
        try:
            server = make_server(site, state, host, port, desk)
        except OSError as exc:
            raise SitegenError(f"cannot serve at {host}:{port}: {exc.strerror or exc}; choose another "
                               "address or port (--host, --port)") from None
        address, bound_port = str(server.server_address[0]), int(server.server_address[1])
        # Where `sitegen build` finds this server; a request made before the first build is done waits for it.
        lock.announce(Holder(os.getpid(), "serve", LOOPBACK.get(address, address), bound_port, token))
        if stop_after is not None:
            threading.Thread(target=_stop_when_idle, args=(server, idle, stop_after, log), daemon=True).start()
        try:
            _serve(server, site, builds, state, log, watching, on_demand)
        finally:
            server.server_close()
            builds.close()  # after a build asked for meanwhile has finished


def _stop_when_idle(server: http.server.HTTPServer, idle: Idle, minutes: float, log: Callable[[str], None]) -> None:
    """Stop `server` once no build was asked of it for `minutes` (it then saves its session and ends)."""
    while True:
        left = minutes * 60 - idle.seconds()
        if left <= 0:
            log(f"stopping: no build asked for in {minutes:g} min")
            server.shutdown()
            return
        time.sleep(min(max(left, 0.05), 5.0))


def _serve(server: http.server.HTTPServer, site: Site, builds: Builds, state: State, log: Callable[[str], None],
           watching: bool, on_demand: bool = False) -> None:
    # The kept workers start beside the first build, so that the first edit does not wait for them (the
    # language model loads), and from this thread, which lives as long as the server: a worker is stopped
    # when the thread that started it ends (Linux's parent-death signal, see sitegen.workers.init_worker).
    if builds.annotator is not None:
        builds.annotator.warm_up()
        log("loading the language model in a worker of its own, for quick rebuilds")
    if builds.indexer is not None:
        builds.indexer.warm_up()
    if not on_demand and not rebuild(builds.root, state, log, builds):
        raise SitegenError("the first build failed; fix the errors above and run `sitegen serve` again")
    stop = threading.Event()
    watcher: threading.Thread | None = None
    if watching:
        watcher = threading.Thread(target=watch, args=(builds.root, site, state, stop, log, builds), daemon=True)
        watcher.start()
    address, bound_port = server.server_address[:2]
    print(f"serving {site.out} at http://{address!s}:{bound_port}/ (Ctrl-C or `sitegen stop` to stop)", flush=True)
    try:
        server.serve_forever()
    finally:
        stop.set()
        if watcher is not None:
            watcher.join(timeout=60)  # a rebuild under way ends first


LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
"""Where to reach a server listening on every address."""


def _already_served(holder: Holder) -> None:
    """Two servers of one site would each build it and keep their own memory of it: the second stops."""
    if holder.command == "serve":
        where = f" at http://{holder.host}:{holder.port}/" if holder.port else ""
        raise SitegenError(f"{holder.describe()} is already serving this site{where}; "
                           "stop it first (`sitegen stop`) to serve it from here")
