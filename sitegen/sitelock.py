"""One build of a site at a time.

Two builds of one site share its staging folder, its cache and the page record saying what each page on
disk was drawn from. Run side by side, the second deleted the first one's half-built site as it started,
and a record saved by one could describe pages the other wrote (a later build then links a stale page as
unchanged). So `sitegen build` holds the site's lock while it builds, and `sitegen serve` for as long as
it runs: its session remembers the site on disk as it left it, and builds by anyone else would make that
memory untrue. A build that finds a server holding the lock hands its build to the server (which builds
it with what its session keeps); otherwise it waits.

The lock is an advisory `flock` on a file in the cache folder, released by the system when its holder's
process ends however it ends, so a crash leaves nothing to clean up. The holder writes who it is into
that file (for a server: where it takes builds and the secret a client must show), readable by its own
user only. Not the `filelock` package: it truncates the file on every attempt to take the lock, which
would erase what the holder wrote, and sitegen's worker processes rely on `fork` (POSIX) anyway.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from sitegen.errors import SitegenError

LOCK_NAME = "build.lock"

T = TypeVar("T")


@dataclass(frozen=True)
class Holder:
    """Who holds a site's lock, as it wrote into the lock file."""

    pid: int
    """Its process."""
    command: str
    """The sitegen command it runs: "build" or "serve"."""
    host: str = ""
    """For a server: the address it takes builds at (a loopback one when it listens on all of them)."""
    port: int = 0
    """For a server: its port; 0 while it has none."""
    token: str = ""
    """For a server: the secret a build request must carry, so that no web page can make it build."""

    def describe(self) -> str:
        return f"`sitegen {self.command}` (process {self.pid})"


class SiteLock:
    """A site's lock, held until `release` (or the end of the process and of the workers it forked, which
    share the lock file's descriptor)."""

    def __init__(self, descriptor: int) -> None:
        self._descriptor: int | None = descriptor

    def announce(self, holder: Holder) -> None:
        """Write who holds the lock, for a process that finds it taken."""
        if self._descriptor is None:
            return
        text = json.dumps(asdict(holder), sort_keys=True).encode()
        os.ftruncate(self._descriptor, 0)
        os.pwrite(self._descriptor, text, 0)

    def release(self) -> None:
        if self._descriptor is not None:
            os.ftruncate(self._descriptor, 0)  # a server's address must not outlive it
            # Unlocked explicitly: closing alone would leave it held by a worker this process forked and
            # that has not ended yet (an annotation worker still loading the model for nothing).
            with contextlib.suppress(OSError):
                fcntl.flock(self._descriptor, fcntl.LOCK_UN)
            os.close(self._descriptor)
            self._descriptor = None

    def __enter__(self) -> SiteLock:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()


def try_lock(cache_dir: Path) -> SiteLock | None:
    """The site's lock, or None while another process holds it. Where the file system has no locks
    (some network file systems), builds are not kept apart: the lock is granted."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(cache_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise SitegenError(f"{cache_dir / LOCK_NAME}: cannot open the site's build lock ({exc.strerror or exc}); "
                           "the cache folder must be writable (it is safe to delete)") from None
    with contextlib.suppress(OSError):
        os.fchmod(descriptor, 0o600)  # it may hold a server's secret
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    except OSError:
        pass
    return SiteLock(descriptor)


def lock_holder(cache_dir: Path) -> Holder | None:
    """Who holds the site's lock, as it says; None while it has said nothing readable (yet)."""
    try:
        said = json.loads((cache_dir / LOCK_NAME).read_bytes())
        return Holder(pid=int(said["pid"]), command=str(said["command"]), host=str(said.get("host", "")),
                      port=int(said.get("port", 0)), token=str(said.get("token", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def claim(cache_dir: Path, me: Holder, say: Callable[[str], None],
          instead: Callable[[Holder], T | None] | None = None, poll: float = 0.2) -> SiteLock | T:
    """Take the site's lock and write who holds it (`me`), waiting while another process holds it (said
    once with `say`). Each time the lock is found taken, `instead(holder)` is asked first: what it returns,
    unless None, is returned instead of the lock (a build handed to the server holding it); it may also
    raise, to stop waiting."""
    waiting = False
    while (lock := try_lock(cache_dir)) is None:
        holder = lock_holder(cache_dir)
        if holder is not None and instead is not None and (outcome := instead(holder)) is not None:
            return outcome
        if not waiting:
            waiting = True
            say(f"waiting for {holder.describe() if holder else 'another sitegen process'} to finish building "
                "this site")
        time.sleep(poll)
    with contextlib.suppress(OSError):
        lock.announce(me)
    return lock
