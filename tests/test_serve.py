"""`sitegen serve`: loopback by default, nothing outside the site is served, changes rebuild."""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import sitegen.serve as serve_module
from sitegen.cli import parser
from sitegen.config import load_config
from sitegen.serve import VERSION_PATH, State, load_model, make_server, rebuild, watch

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
    load_model(logged.append)  # as `sitegen serve` does: rebuilds annotate in this process, with the model loaded
    threading.Thread(target=watch, args=(root, site, state, stop, logged.append), daemon=True).start()
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
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


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


def test_the_server_stopped_by_sigterm_saves_what_its_session_kept(tmp_path: Path, nlp) -> None:
    """`sitegen serve` as a service manager runs it: edited while serving, then stopped with SIGTERM. It stops
    cleanly, and what its session kept (parsed files, the page record) is saved for the next build."""
    import os
    import signal
    import subprocess
    import sys

    root = make_site(tmp_path, with_seeds=False)
    article = root / "content" / "articles" / "one.md"
    article.write_text("---\ntitle: First title\npublished: 2024-03-07\n---\n\nMayor Anna Lindqvist spoke.\n")
    server = subprocess.Popen([sys.executable, "-m", "sitegen", "--root", str(root), "serve", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
    lines: list[str] = []

    def wait_for(prefix: str) -> None:
        assert server.stdout is not None
        for line in server.stdout:
            lines.append(line)
            if line.startswith(prefix):
                return
        raise AssertionError(f"no line starting {prefix!r}: {lines}")

    try:
        wait_for("serving ")
        time.sleep(1)  # the watcher starts after the server
        article.write_text(article.read_text().replace("First title", "Second title"))
        wait_for("rebuilt ")
        assert not (root / ".sitegen-cache" / "pages.pickle").exists()  # kept by the session until it ends
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) != 0
    finally:
        if server.poll() is None:
            server.kill()
    assert not [line for line in lines if "Traceback" in line], lines
    assert (root / ".sitegen-cache" / "pages.pickle").exists()
    assert "Second title" in (root / "site" / "articles" / "one.html").read_text()
    from sitegen.build import build

    assert build(load_config(root)).up_to_date
