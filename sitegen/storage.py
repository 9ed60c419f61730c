"""Writing files people edit: atomically, so a crash leaves the old or the new file, never half of one."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import IO


def atomic_write_text(path: Path, text: str, durable: bool = True) -> None:
    """Write `text` to `path` through a temporary file in the same folder and a rename (see below)."""
    atomic_write_bytes(path, text.encode("utf-8"), durable)


def atomic_write_bytes(path: Path, data: bytes, durable: bool = True) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename (with `durable`,
    on disk before the rename, so that a crash leaves the old file or the new one)."""
    atomic_write_with(path, lambda handle: handle.write(data), durable)


def atomic_write_with(path: Path, write: Callable[[IO[bytes]], object], durable: bool = True) -> None:
    """As `atomic_write_bytes`, the bytes written by `write(handle)`: a large file written piece by
    piece, never whole in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file readable by its owner alone. Renamed over an editor's annotation file,
        # that took away the group's and others' read (or write) permission; as a search index linked
        # into the site, it made search fail on a web server running as another user. So the file gets
        # the mode of the one it replaces, or that of a file made by `open`.
        with os.fdopen(fd, "wb") as handle:
            _set_mode(handle.fileno(), _mode_of(path))
            write(handle)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _set_mode(fd: int, mode: int) -> None:
    """Give the open file `mode` where the system and file system allow (os.fchmod is missing on Windows
    before Python 3.13, and some mounted file systems refuse it): the file is written either way."""
    if hasattr(os, "fchmod"):
        with contextlib.suppress(OSError):
            os.fchmod(fd, mode)


def _mode_of(path: Path) -> int:
    """The permission bits of `path`, or those `open` gives a new file when there is none."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


@cache
def _umask() -> int:
    """The process's umask. Reading it means setting it, so it is read once, when a file is first
    written, and set back at once; Linux shows it in /proc, which is read where it can be."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_if_changed(path: Path, text: str) -> bool:
    """Atomically write `text` unless the file already holds exactly it; say whether it wrote."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    atomic_write_text(path, text)
    return True


def source_key(name: str, digest: bytes) -> str:
    """What identifies a file's content where it is read: its name and the hash of its bytes."""
    return hashlib.sha256(name.encode("utf-8", "surrogateescape") + b"\0" + digest).hexdigest()
