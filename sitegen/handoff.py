"""A build handed to the server that holds a site's lock (sitegen.sitelock): what `sitegen build` sends
and is answered, and the server it starts for that (`--keep-warm`) and stops (`sitegen stop`).

Kept apart from sitegen.serve and sitegen.build, which import the annotator and the renderer (0.6 s): a
command whose build a server makes needs none of them, and that time was a fifth of such a command.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, NamedTuple

from sitegen.errors import SitegenError
from sitegen.model import Site
from sitegen.sitelock import Holder, lock_holder, try_lock

if TYPE_CHECKING:
    from sitegen.build import BuildReport

BUILD_PATH = "/__sitegen/build"
TOKEN_HEADER = "X-Sitegen-Token"
SERVER_LOG = "server.log"
"""What the warm build server of `sitegen build --keep-warm` prints, in the cache folder."""


@dataclass(frozen=True)
class BuildSummary:
    """What `sitegen build` prints of a build, whichever process made it: its own, or the `sitegen serve`
    it handed the build to (which sends it as JSON)."""

    up_to_date: bool = False
    pages: int = 0
    annotated: int = 0
    """How many articles were annotated."""
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    timings: tuple[tuple[str, float], ...] = ()
    """Seconds per stage, in the order of the stages."""

    @classmethod
    def of(cls, report: BuildReport) -> BuildSummary:
        annotated = len(report.annotated.written) if report.annotated else 0
        return cls(report.up_to_date, report.pages, annotated, tuple(map(str, report.errors)),
                   tuple(report.warnings), tuple(report.timings.items()))


class Outcome(NamedTuple):
    """What a rebuild reports: an error that stopped it, or what the build said."""

    error: str | None = None
    summary: BuildSummary = BuildSummary()

    def to_json(self) -> bytes:
        return json.dumps({"error": self.error, **asdict(self.summary)}, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Outcome:
        """The outcome a server sent; ValueError for anything else."""
        try:
            sent = json.loads(data)
            error = sent["error"]
            summary = BuildSummary(
                up_to_date=bool(sent["up_to_date"]), pages=int(sent["pages"]), annotated=int(sent["annotated"]),
                errors=tuple(map(str, sent["errors"])), warnings=tuple(map(str, sent["warnings"])),
                timings=tuple((str(stage), float(seconds)) for stage, seconds in sent["timings"]))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a build's outcome: {exc}") from None
        return cls(error=None if error is None else str(error), summary=summary)


def ask_server(holder: Holder, force: bool = False) -> Outcome | None:
    """Have the `sitegen serve` holding the site's lock build it; None where it does not answer (it is
    stopping, or has not opened its port yet)."""
    if not holder.port:
        return None
    # Connecting may time out; the build, once asked for, takes as long as it takes.
    connection = http.client.HTTPConnection(holder.host, holder.port, timeout=5)
    try:
        connection.connect()
        if connection.sock is not None:
            connection.sock.settimeout(None)
        connection.request("POST", BUILD_PATH, body=json.dumps({"force": force}).encode(),
                           headers={TOKEN_HEADER: holder.token, "Content-Type": "application/json"})
        response = connection.getresponse()
        return Outcome.from_json(response.read()) if response.status == 200 else None
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        connection.close()


def server_running(site: Site) -> bool:
    """Whether a `sitegen serve` holds the site's lock (as far as its lock file tells)."""
    holder = lock_holder(site.cache_dir)
    return holder is not None and holder.command == "serve" and _running(holder.pid)


def start_warm_server(site: Site, minutes: float, say: Callable[[str], None], on_demand: bool = True) -> None:
    """Start a warm build server for `site` (`sitegen build --keep-warm`): a `sitegen serve` of its own,
    detached from this terminal, that stops after `minutes` without a build asked for. `on_demand`, it
    makes no build until one is asked for; otherwise it makes its session's first build at once, in the
    background. Returns once it holds the site's lock with its address said, so that a build asked for
    next is made by it; if it ends before that (its log is in the cache folder), the caller builds as
    it would have without it."""
    site.cache_dir.mkdir(parents=True, exist_ok=True)
    log_path = site.cache_dir / SERVER_LOG
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "--root", str(site.root.resolve()), "serve", "--port", "0",
             "--no-watch", "--stop-after", f"{minutes:g}", *(["--on-demand"] if on_demand else [])],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
    waiting = False
    while process.poll() is None:
        holder = lock_holder(site.cache_dir)
        if holder is not None and holder.pid == process.pid and holder.port:
            return
        if holder is not None and holder.pid != process.pid and not waiting and _running(holder.pid):
            waiting = True
            say(f"waiting for {holder.describe()} to finish building this site")
        time.sleep(0.05)
    say(f"the build server did not start (see {log_path}); building here")


def stop_server(site: Site, say: Callable[[str], None]) -> bool:
    """Stop the `sitegen serve` holding the site's lock (as Ctrl-C would: it saves its session first) and
    wait until it has; False when none runs."""
    lock = try_lock(site.cache_dir)
    if lock is not None:  # nobody holds it
        lock.release()
        return False
    holder = lock_holder(site.cache_dir)
    if holder is None or holder.command != "serve":
        return False
    say(f"stopping {holder.describe()}")
    try:
        os.kill(holder.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    except PermissionError:
        raise SitegenError(f"{holder.describe()} is another user's; it cannot be stopped from here") from None
    # Stopped once it lets go of the lock, having saved its session (its process may outlive that a moment).
    while (lock := try_lock(site.cache_dir)) is None:
        time.sleep(0.1)
    lock.release()
    return True


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process with that number
        return True
    return True
