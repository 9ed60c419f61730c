"""One build of a site at a time: the site's lock, and a build that waits for it."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sitegen.errors import SitegenError
from sitegen.sitelock import Holder, claim, lock_holder, try_lock

from .conftest import SUBPROCESS_ENV as ENV
from .conftest import make_site


def test_the_lock_is_one_holders_and_says_who_to_its_user_only(tmp_path: Path) -> None:
    first = try_lock(tmp_path / "cache")
    assert first is not None
    first.announce(Holder(123, "serve", "127.0.0.1", 8000, "secret"))
    assert try_lock(tmp_path / "cache") is None  # another open of the file, as another process would
    assert lock_holder(tmp_path / "cache") == Holder(123, "serve", "127.0.0.1", 8000, "secret")
    assert stat.S_IMODE((tmp_path / "cache" / "build.lock").stat().st_mode) == 0o600
    first.release()
    assert lock_holder(tmp_path / "cache") is None  # a stopped server's address is not left behind
    second = try_lock(tmp_path / "cache")
    assert second is not None
    second.release()


def test_the_lock_of_a_process_killed_outright_is_free(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from sitegen.sitelock import try_lock; lock = try_lock(Path(sys.argv[1])); "
                               "print(lock is not None, flush=True); time.sleep(60)", str(tmp_path)],
                              stdout=subprocess.PIPE, text=True, env=ENV)
    assert holder.stdout is not None and holder.stdout.readline() == "True\n"
    assert try_lock(tmp_path) is None
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    lock = try_lock(tmp_path)
    assert lock is not None
    lock.release()


def test_the_lock_is_free_once_released_though_a_forked_worker_lives_on(tmp_path: Path) -> None:
    lock = try_lock(tmp_path)
    assert lock is not None
    worker = os.fork()
    if worker == 0:  # a worker of the build, sharing the lock file's descriptor, still busy
        time.sleep(5)
        os._exit(0)
    try:
        lock.release()
        again = try_lock(tmp_path)
        assert again is not None
        again.release()
    finally:
        os.kill(worker, signal.SIGKILL)
        os.waitpid(worker, 0)


def test_claim_waits_for_the_holder_and_says_so_once(tmp_path: Path) -> None:
    held = try_lock(tmp_path)
    assert held is not None
    held.announce(Holder(77, "build"))
    said: list[str] = []
    asked: list[Holder] = []

    def instead(holder: Holder) -> None:
        asked.append(holder)
        if len(asked) == 3:
            held.release()

    lock = claim(tmp_path, Holder(os.getpid(), "build"), said.append, instead, poll=0.01)
    assert said == ["waiting for `sitegen build` (process 77) to finish building this site"]
    assert asked == [Holder(77, "build")] * 3
    assert lock_holder(tmp_path) == Holder(os.getpid(), "build")
    lock.release()


def test_a_build_waits_while_another_holds_the_site(tmp_path: Path, nlp) -> None:
    """Two builds at once shared one staging folder: the second deleted the first one's half-built site."""
    root = make_site(tmp_path, with_seeds=False)
    (root / "content" / "articles" / "one.md").write_text(
        "---\ntitle: First title\npublished: 2024-03-07\n---\n\nMayor Anna Lindqvist spoke.\n")
    held = try_lock(root / ".sitegen-cache")
    assert held is not None
    held.announce(Holder(4242, "build"))
    build = subprocess.Popen([sys.executable, "-m", "sitegen", "--root", str(root), "build"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        time.sleep(3)
        assert build.poll() is None and not (root / "site").exists()
    finally:
        held.release()
    _, err = build.communicate(timeout=120)
    assert build.returncode == 0, err
    assert err.startswith("waiting for `sitegen build` (process 4242) to finish building this site\n")
    assert "First title" in (root / "site" / "articles" / "one.html").read_text()


def test_a_lock_that_cannot_be_opened_is_said_plainly(tmp_path: Path) -> None:
    (tmp_path / "build.lock").mkdir()  # whatever is in the way, the build stops with the path and the reason
    with pytest.raises(SitegenError, match=r"build\.lock: cannot open the site's build lock \(Is a directory\)"):
        try_lock(tmp_path)
