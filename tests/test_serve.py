"""`sitegen serve`: loopback by default, nothing outside the site is served, changes rebuild."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import sitegen.serve as serve_module
from sitegen.annotate.run import KeptAnnotator
from sitegen.cli import parser
from sitegen.config import load_config
from sitegen.serve import VERSION_PATH, Builds, State, make_server, rebuild, watch

from .conftest import SUBPROCESS_ENV as ENV
from .conftest import make_site


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_default_host_is_loopback() -> None:
    assert parser().parse_args(["serve"]).host == "127.0.0.1"


def test_serves_the_site_only_and_rebuilds_on_change(tmp_path: Path, nlp) -> None:
    root = make_site(tmp_path, with_seeds=False)
    article = root / "content" / "articles" / "one.md"
    article.write_text("---\ntitle: First title\npublished: 2024-03-07\n---\n\nMayor Anna Lindqvist spoke.\n")
    (tmp_path / "secret.txt").write_text("secret")
    state = State()
    assert rebuild(root, state, print)
    assert (root / ".sitegen-cache" / "pages.pickle").exists()  # a rebuild on its own saves its page record
    site = load_config(root)
    server = make_server(site, state, port=0)
    assert server.server_address[0] == "127.0.0.1"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    logged: list[str] = []
    annotator = KeptAnnotator()  # as `sitegen serve` does: rebuilds annotate in its worker, with the model loaded
    annotator.warm_up()
    builds = Builds(root, annotator)
    threading.Thread(target=watch, args=(root, site, state, stop, logged.append, builds), daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        status, body = get(base + "/articles/one.html")
        assert status == 200 and b"First title" in body and VERSION_PATH.encode() in body
        for escape in ("/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/assets/../../secret.txt"):
            assert get(base + escape) != (200, b"secret"), escape
        assert get(base + VERSION_PATH) == (200, b"1")
        time.sleep(0.5)
        article.write_text(article.read_text().replace("First title", "Second title"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and get(base + VERSION_PATH)[1] == b"1":
            time.sleep(0.2)
        assert b"Second title" in get(base + "/articles/one.html")[1]
        assert any(re.fullmatch(r"rebuilt \d+ pages in \d+\.\d s", line) for line in logged), logged
        annotations = root / "content" / "annotations" / "one.yaml"
        article.write_text(article.read_text().replace("spoke.", "spoke on Friday."))  # annotated again
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "dates: []" in annotations.read_text():
            time.sleep(0.2)
        assert "granularity: day" in annotations.read_text()  # the date found by the kept worker
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        builds.close()
        annotator.close()


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/%2e%2e/secret.txt"])
def test_traversal_is_refused_with_404(tmp_path: Path, nlp, path: str) -> None:
    root = make_site(tmp_path, with_seeds=False)
    (tmp_path / "secret.txt").write_text("secret")
    state = State()
    rebuild(root, state, print)
    server = make_server(load_config(root), state, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, body = get(f"http://127.0.0.1:{server.server_address[1]}{path}")
        assert status == 404 and b"secret" not in body
    finally:
        server.shutdown()
        server.server_close()


def test_a_rebuild_that_crashes_is_reported_and_the_next_one_works(tmp_path: Path, nlp, monkeypatch) -> None:
    root = make_site(tmp_path, with_seeds=False)
    (root / "content" / "articles" / "one.md").write_text(
        "---\ntitle: First title\npublished: 2024-03-07\n---\n\nMayor Anna Lindqvist spoke.\n")
    state, logged = State(), []
    assert rebuild(root, state, logged.append)

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug, not bad input")

    monkeypatch.setattr(serve_module, "build", crash)
    assert not rebuild(root, state, logged.append)  # the server itself carries on
    assert logged[-1].startswith("error: the rebuild stopped unexpectedly"), logged
    monkeypatch.undo()
    (root / "content" / "articles" / "one.md").write_text(
        "---\ntitle: Second title\npublished: 2024-03-07\n---\n\nMayor Anna Lindqvist spoke.\n")
    assert rebuild(root, state, logged.append)
    assert "Second title" in (root / "site" / "articles" / "one.html").read_text()


class Server:
    """`sitegen serve` for a site, run as a command: its output read line by line."""

    def __init__(self, root: Path, *args: str) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(sitegen(root, "serve", "--port", "0", *args), stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, env=ENV)

    def wait_for(self, prefix: str) -> str:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError(f"no line starting {prefix!r}: {self.lines}")

    def stop(self, signals: int = 1) -> int:
        """Stop it as a service manager would (SIGTERM; `signals` of them, as an impatient person would);
        its exit status. Its output is read to the end."""
        for _ in range(signals):
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                time.sleep(0.02)
        try:
            return self.process.wait(timeout=60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            assert self.process.stdout is not None
            self.lines.extend(self.process.stdout)


def sitegen(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "sitegen", "--root", str(root), *args]


def test_the_server_stopped_by_sigterm_saves_what_its_session_kept(tmp_path: Path, nlp) -> None:
    """`sitegen serve` as a service manager runs it: edited while serving, then stopped with SIGTERM (sent
    again while it stops). It stops cleanly, and what its session kept (parsed files, the page record) is
    saved for the next build."""
    root = make_site(tmp_path, with_seeds=False)
    article = root / "content" / "articles" / "one.md"
    article.write_text("---\ntitle: First title\npublished: 2024-03-07\n---\n\nMayor Anna Lindqvist spoke.\n")
    server = Server(root)
    try:
        server.wait_for("serving ")
        time.sleep(1)  # the watcher starts after the server
        article.write_text(article.read_text().replace("First title", "Second title"))
        server.wait_for("rebuilt ")
        assert not (root / ".sitegen-cache" / "pages.pickle").exists()  # kept by the session until it ends
    finally:
        assert server.stop(signals=5) != 0
    assert not [line for line in server.lines if "Traceback" in line], server.lines
    assert (root / ".sitegen-cache" / "pages.pickle").exists()
    assert "Second title" in (root / "site" / "articles" / "one.html").read_text()
    from sitegen.build import build

    assert build(load_config(root)).up_to_date


def test_sitegen_build_beside_the_server_is_built_by_it(tmp_path: Path, nlp) -> None:
    """While `sitegen serve` runs (not watching here, so that only the command asks), `sitegen build` has the
    server build the site: with the session the server keeps, not beside it (its page record stays in the
    server until it stops); errors and --force go through; a second server of the site is refused."""
    root = make_site(tmp_path, with_seeds=False)
    article = root / "content" / "articles" / "one.md"
    article.write_text("---\ntitle: First title\npublished: 2024-03-07\n---\n\nMayor Anna Lindqvist spoke.\n")
    server = Server(root, "--no-watch")
    try:
        port = int(server.wait_for("serving ").rsplit(":", 1)[1].split("/")[0])
        article.write_text(article.read_text().replace("First title", "Second title"))
        built = subprocess.run(sitegen(root, "build"), capture_output=True, text=True, env=ENV, timeout=120)
        assert built.returncode == 0, built.stderr
        assert f"built by `sitegen serve` (process {server.process.pid})" in built.stdout
        assert built.stderr == f"`sitegen serve` (process {server.process.pid}) serves this site; it makes the build\n"
        assert re.search(r"^built \d+ pages into .* \(annotated 1 articles\)$", built.stdout, re.MULTILINE)
        assert "Second title" in (root / "site" / "articles" / "one.html").read_text()
        assert not (root / ".sitegen-cache" / "pages.pickle").exists()
        assert server.wait_for("rebuilt ").endswith("(asked by `sitegen build`)\n")

        forced = subprocess.run(sitegen(root, "build", "--force"), capture_output=True, text=True, env=ENV,
                                timeout=120)
        assert forced.returncode == 0, forced.stderr  # unforced, nothing changed would be "up to date"
        assert re.search(r"^built \d+ pages into ", forced.stdout, re.MULTILINE), forced.stdout

        (root / "content" / "articles" / "bad.md").write_text("---\ntitle: [unclosed\n---\n\nText.\n")
        failed = subprocess.run(sitegen(root, "build"), capture_output=True, text=True, env=ENV, timeout=120)
        assert failed.returncode == 1 and "bad.md" in failed.stderr, failed.stderr

        second = subprocess.run(sitegen(root, "serve", "--port", "0"), capture_output=True, text=True, env=ENV,
                                timeout=60)
        assert second.returncode == 1
        assert f"is already serving this site at http://127.0.0.1:{port}/" in second.stderr
    finally:
        server.stop()
    assert (root / ".sitegen-cache" / "pages.pickle").exists()  # saved when the server stopped
    alone = subprocess.run(sitegen(root, "build"), capture_output=True, text=True, env=ENV, timeout=120)
    assert "built by" not in alone.stdout and "waiting" not in alone.stderr


def test_the_server_builds_only_for_whoever_read_its_token(tmp_path: Path, nlp) -> None:
    """The build requests of a web page (any site open in the browser can post to localhost) are refused:
    only a process that could read the lock file knows the token."""
    from sitegen.handoff import BUILD_PATH, TOKEN_HEADER
    from sitegen.sitelock import lock_holder

    root = make_site(tmp_path, with_seeds=False)
    (root / "content" / "articles" / "one.md").write_text(
        "---\ntitle: First title\npublished: 2024-03-07\n---\n\nMayor Anna Lindqvist spoke.\n")
    server = Server(root, "--no-watch")
    try:
        server.wait_for("serving ")
        holder = lock_holder(root / ".sitegen-cache")
        assert holder is not None and holder.token and holder.port
        for headers in ({}, {TOKEN_HEADER: "guessed"}, {TOKEN_HEADER: holder.token[:-1]}):
            request = urllib.request.Request(f"http://127.0.0.1:{holder.port}{BUILD_PATH}", data=b"{}",
                                             headers=headers, method="POST")
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=30)
            assert refused.value.code == 403
        request = urllib.request.Request(f"http://127.0.0.1:{holder.port}{BUILD_PATH}", data=b"{}",
                                         headers={TOKEN_HEADER: holder.token}, method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            assert json.loads(response.read())["error"] is None
    finally:
        server.stop()
    assert [line for line in server.lines if "asked by" in line] == ["site is up to date (asked by `sitegen build`)\n"]


def test_a_busy_port_is_said_before_building(tmp_path: Path) -> None:
    root = make_site(tmp_path, with_seeds=False)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        served = subprocess.run(sitegen(root, "serve", "--port", str(port)), capture_output=True, text=True,
                                env=ENV, timeout=60)
    assert served.returncode == 1
    assert f"error: cannot serve at 127.0.0.1:{port}" in served.stderr and "Traceback" not in served.stderr
    assert not (root / "site").exists()


def test_build_keep_warm_leaves_a_server_that_makes_the_next_builds(tmp_path: Path, nlp) -> None:
    """`keep_warm_minutes` (or `sitegen build --keep-warm`): the build is made by a server started for it,
    which stays and makes the next `sitegen build` with what its session keeps; the site it leaves is the
    one a build from nothing makes; `sitegen stop` stops it (its session saved), after which builds are
    the command's own again."""
    from sitegen.handoff import SERVER_LOG
    from sitegen.sitelock import lock_holder, try_lock

    from .conftest import tree
    from .test_incremental import full_build

    root = tmp_path / "root"
    root.mkdir()
    make_site(root, with_seeds=False)
    with (root / "sitegen.yaml").open("a") as config:
        config.write("keep_warm_minutes: 10\n")
    article = root / "content" / "articles" / "one.md"
    article.write_text("---\ntitle: First title\npublished: 2024-03-07\n---\n\nMayor Anna Lindqvist spoke.\n")
    first = subprocess.run(sitegen(root, "build"), capture_output=True, text=True, env=ENV, timeout=180)
    try:
        assert first.returncode == 0, first.stderr
        holder = lock_holder(root / ".sitegen-cache")
        assert holder is not None and holder.command == "serve" and holder.port
        assert f"built by `sitegen serve` (process {holder.pid})" in first.stdout
        assert "it keeps the site warm for the next build: it stops after 10 min without one" in first.stdout
        assert re.search(r"^built \d+ pages into .* \(annotated 1 articles\)$", first.stdout, re.MULTILINE)

        article.write_text(article.read_text().replace("Mayor Anna Lindqvist spoke.",
                                                       'Mayor Anna Lindqvist said: "The bridge opens in May."'))
        edited = subprocess.run(sitegen(root, "build", "--keep-warm", "10"), capture_output=True, text=True,
                                env=ENV, timeout=120)
        assert edited.returncode == 0, edited.stderr
        assert f"built by `sitegen serve` (process {holder.pid})" in edited.stdout  # the same server
        assert "(annotated 1 articles)" in edited.stdout
        assert "The bridge opens in May." in (root / "site" / "articles" / "one.html").read_text()
        assert tree(root / "site") == full_build(root, tmp_path / "scratch")
    finally:
        stopped = subprocess.run(sitegen(root, "stop"), capture_output=True, text=True, env=ENV, timeout=120)
    assert stopped.returncode == 0 and stopped.stdout == "stopped\n", stopped
    assert stopped.stderr == f"stopping `sitegen serve` (process {holder.pid})\n"
    lock = try_lock(root / ".sitegen-cache")
    assert lock is not None  # nobody holds the site's lock any more
    lock.release()
    assert (root / ".sitegen-cache" / "pages.pickle").exists()  # the server saved its session on the way out
    log = (root / ".sitegen-cache" / SERVER_LOG).read_text()
    assert log.count("(asked by `sitegen build`)") == 2 and "Traceback" not in log, log
    (root / "sitegen.yaml").write_text((root / "sitegen.yaml").read_text().replace("keep_warm_minutes: 10", ""))
    again = subprocess.run(sitegen(root, "build"), capture_output=True, text=True, env=ENV, timeout=120)
    assert "built by" not in again.stdout and lock_holder(root / ".sitegen-cache") is None, again
    nothing = subprocess.run(sitegen(root, "stop"), capture_output=True, text=True, env=ENV, timeout=60)
    assert nothing.returncode == 0 and nothing.stdout == "no server runs for this site\n"

    # Nothing to build: said at once, the server started to warm up in the background for the next build.
    warming = subprocess.run(sitegen(root, "build", "--keep-warm", "10"), capture_output=True, text=True, env=ENV,
                             timeout=120)
    try:
        assert warming.returncode == 0, warming.stderr
        assert "is up to date" in warming.stdout and "a build server warms up for the next build" in warming.stdout
        warm = lock_holder(root / ".sitegen-cache")
        assert warm is not None and warm.command == "serve" and warm.port and warm.pid != holder.pid
        article.write_text(article.read_text().replace("in May", "in June"))
        after = subprocess.run(sitegen(root, "build"), capture_output=True, text=True, env=ENV, timeout=120)
        assert f"built by `sitegen serve` (process {warm.pid})" in after.stdout, after
        assert "(annotated 1 articles)" in after.stdout
        assert tree(root / "site") == full_build(root, tmp_path / "scratch")
    finally:
        subprocess.run(sitegen(root, "stop"), capture_output=True, env=ENV, timeout=120)
    log = (root / ".sitegen-cache" / SERVER_LOG).read_text()
    assert log.count("rebuilt ") == 2 and "Traceback" not in log, log  # its own first build, then the one asked for


def test_a_server_on_demand_builds_nothing_until_asked_and_stops_when_idle(tmp_path: Path, nlp) -> None:
    root = make_site(tmp_path, with_seeds=False)
    server = Server(root, "--no-watch", "--on-demand", "--stop-after", "0.02")
    try:
        server.wait_for("serving ")
        assert server.process.wait(timeout=60) == 0  # by itself, 1.2 s after it started
    finally:
        server.stop()
    assert "stopping: no build asked for in 0.02 min\n" in server.lines, server.lines
    assert not (root / "site").exists()


@pytest.mark.parametrize("minutes", ["-1", "1441", "soon"])
def test_keep_warm_takes_minutes_from_0_to_a_day(minutes: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert parser().parse_args(["build", "--keep-warm", "2.5"]).keep_warm == 2.5
    with pytest.raises(SystemExit):
        parser().parse_args(["build", "--keep-warm", minutes])
    assert "is not a number of minutes from 0 to 1440" in capsys.readouterr().err
