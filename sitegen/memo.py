"""Results kept between builds in one file of the cache folder, for one version of the code making them.

A build at 10,000 articles reads 10,000 parsed annotations: as 10,000 small cache files, opening and
decoding them cost more than anything done with them. One pickle per kind of result loads in a
fraction of that. The file is written only by sitegen into its own cache folder (whoever can write
there can as well change the code sitegen runs), and it is dropped whole when the modules that make
its values change, so nothing in it was made by other code than the code that would make it now.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import os
import pickle
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from sitegen.storage import atomic_write_with

CODE = Path(__file__).parent
CHUNK_ENTRIES = 512
"""Entries pickled and written at a time when a memo is saved (see `_write_entries`)."""
SETTLED_NS = 2_000_000_000
"""A file last changed longer ago than this (2 s) has its hash kept under its status (see file_hash)."""


@lru_cache(maxsize=8)
def code_version(modules: tuple[str, ...] = ()) -> str:
    """A hash of sitegen's Python code (of `modules` only, paths below sitegen/, when given)."""
    digest = hashlib.sha256()
    for path in sorted(CODE / m for m in modules) if modules else sorted(CODE.rglob("*.py")):
        digest.update(f"\n{path.relative_to(CODE)}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Loading a million small objects triggers the cyclic garbage collector again and again, to find
    nothing: it took three quarters of the time of reading the annotations of 10,000 articles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Memo:
    """A dictionary loaded from `path` (None: nothing kept) and saved with only the entries this build
    read or made, so results nobody uses any more are dropped. `made_by` names the modules whose code
    makes the values (all of sitegen when empty): when one changes, the kept values are dropped.

    Each value is kept pickled on its own and unpickled when asked for: after an edit, saving writes
    the bytes of the 9,999 unchanged entries as they are instead of pickling them all again. A
    `resident` memo keeps the unpickled values as well, for the next build in the same process.
    """

    def __init__(self, path: Path | None, made_by: tuple[str, ...] = (), resident: bool = False) -> None:
        self.path = path
        self.version = code_version(made_by)
        self._kept: dict[Any, bytes] = self._load() if path is not None else {}
        self._used: dict[Any, bytes | None] = {}  # None: a resident value, pickled when saved
        self._changed = False
        # Resident (a memo kept by `sitegen serve` from build to build): values stay unpickled, and a key
        # gives the same object every time, so what did not change is the same object in the next build.
        # Their bytes are let go (at 10,000 articles, 136 MB) and made again when the memo is saved.
        self._objects: dict[Any, Any] | None = {} if resident else None

    @property
    def resident(self) -> bool:
        """Whether values are kept unpickled for the next build in this process."""
        return self._objects is not None

    def _load(self) -> dict[Any, bytes]:
        assert self.path is not None
        entries: dict[Any, bytes] = {}
        try:
            with self.path.open("rb") as handle:
                if pickle.load(handle) != self.version:
                    return {}
                while (chunk := pickle.load(handle)) is not None:  # as `save` writes them
                    if not isinstance(chunk, dict):
                        return {}
                    entries.update(chunk)
        except Exception:  # missing, damaged, cut short or from another Python: the results are made again
            return {}
        return entries

    def get(self, key: Any) -> Any:
        """The kept value, or None."""
        if self._objects is not None and key in self._objects:
            self._used[key] = None
            return self._objects[key]
        data = self._kept.get(key)
        if data is None:
            return None
        try:
            with collector_paused():
                value = pickle.loads(data)
        except Exception:
            return None
        if self._objects is not None:
            del self._kept[key]
            self._objects[key] = value
            self._used[key] = None
        else:
            self._used[key] = data
        return value

    def put(self, key: Any, value: Any) -> None:
        self._changed = True
        if self._objects is not None:
            self._objects[key] = value
            self._used[key] = None
        else:
            self._used[key] = pickle.dumps(_fresh_strings(value), protocol=pickle.HIGHEST_PROTOCOL)

    def save(self) -> None:
        """Write the entries this build used, unless they are exactly those already kept, and let go of
        them all (they are the size of what they hold); a resident memo keeps them. Not synced to disk:
        a file cut short by a crash is a damaged one, and that only means making the results again."""
        used, changed = self._used, self._changed or len(self._used) != len(self._kept)
        self._kept, self._used, self._changed = {}, {}, False
        objects = self._objects if self._objects is not None else {}
        if self._objects is not None:  # resident: what this build used is what the next one starts from
            self._objects = {key: objects[key] for key in used}
            changed = True  # the bytes of what was read were let go: nothing to compare with
        if self.path is not None and changed:
            atomic_write_with(self.path, lambda handle: _write_entries(handle, self.version, used, objects),
                              durable=False)


def _fresh_strings(value: Any) -> Any:
    """`value` with copies of its strings that are not all ASCII (itself, or a dataclass's own fields:
    an article's body), to be pickled in its place. Pickling such a str attaches a UTF-8 copy to it for the rest of
    its life (CPython), and the build goes on with the values it put here: in a build that parsed every
    article, their bodies and texts held 91 MB more at 10,000 articles."""
    if isinstance(value, str):
        return value if value.isascii() else (value + ".")[:-1]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        copies = {f.name: _fresh_strings(text) for f in dataclasses.fields(value)
                  if f.init and isinstance(text := getattr(value, f.name), str) and not text.isascii()}
        return dataclasses.replace(value, **copies) if copies else value
    return value


def _write_entries(handle: IO[bytes], version: str, used: dict[Any, bytes | None], objects: dict[Any, Any]) -> None:
    """The memo's file: its version, then its entries (key -> pickled value) a chunk at a time, then None.
    Pickled whole, a resident memo's entries and then the file's bytes were all in memory at once: at
    10,000 articles, `sitegen serve` stopping went from 1.09 to 1.30 GB saving its three memos."""
    pickle.dump(version, handle, protocol=pickle.HIGHEST_PROTOCOL)
    keys = list(used)
    for start in range(0, len(keys), CHUNK_ENTRIES):
        chunk: dict[Any, bytes] = {}
        for key in keys[start:start + CHUNK_ENTRIES]:
            data = used[key]  # None: a resident value, pickled now
            chunk[key] = data if data is not None else pickle.dumps(objects[key], protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(chunk, handle, protocol=pickle.HIGHEST_PROTOCOL)
    pickle.dump(None, handle, protocol=pickle.HIGHEST_PROTOCOL)


def file_hash(path: Path, memo: Memo | None) -> tuple[bytes, bytes | None]:
    """The SHA-256 of a file's bytes, and the bytes when they had to be read for it (always, without
    a memo).

    In a memo, the hash is kept under the file's status: size, modification and change times, inode.
    A write changes the change time, which no program can set, so an unchanged status means unchanged
    bytes, as the build's own "nothing changed" check already assumes for every input. Reading and
    hashing the 20,000 files of 10,000 articles took 0.8 s of every build. A file changed in the
    last two seconds is read every time: a second write in the same tick of the clock could leave
    its times as they were."""
    status = os.stat(path)
    # The file itself (device and inode), not its path as given: `--root .` and `--root /abs` are one site.
    key = ("status", status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
    known = memo.get(key) if memo is not None else None
    if isinstance(known, bytes):
        return known, None
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).digest()
    if memo is not None and time.time_ns() - status.st_ctime_ns > SETTLED_NS:
        memo.put(key, digest)
    return digest, raw
