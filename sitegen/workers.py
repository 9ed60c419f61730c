"""Worker processes that never outlive the build that started them."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

PR_SET_PDEATHSIG = 1


def init_worker() -> None:
    """Pool initializer. The worker ends when the process that started it is killed (even by SIGKILL),
    instead of lingering with a language model or a digest in memory (Linux only; elsewhere that part
    is a no-op); SIGTERM ends it as by default. And its garbage collector is on, even when the build
    forked it while loading with the collector paused (sitegen.memo.collector_paused): a worker makes
    garbage, cycles included."""
    gc.enable()
    # Ended by its pool with SIGTERM, silently, even when forked from `sitegen serve`, which turns SIGTERM
    # into a clean stop of its own (and would otherwise print a traceback for each worker).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    # A parent that ended between the fork and the line above sends no signal: the worker would wait for
    # work forever (seen: a build failing just after its background process started a pool, which the
    # build then stopped, left the pool's workers waiting, holding the site's lock file open).
    parent = mp.parent_process()
    if parent is not None and os.getppid() != parent.pid:
        os._exit(1)


@contextlib.contextmanager
def in_background(work: Callable[..., object], *args: Any, **kwargs: Any) -> Iterator[None]:
    """Run `work(*args, **kwargs)` in a forked process while the body of the `with` runs; wait for it
    at the end (stop it if the body fails).

    The work must leave what it makes where the caller looks next (files in a cache): nothing comes
    back, and its failure is not raised here. The caller, finding something missing, makes it itself,
    and any error is reported then, once, in the build's own words. Where processes cannot be forked
    the work is left to the caller entirely.
    """
    if "fork" not in mp.get_all_start_methods():
        yield
        return
    # Not a daemon: daemons may not start processes, and the work may use a pool of its own.
    process = mp.get_context("fork").Process(target=_quietly, args=(work, args, kwargs), name="sitegen-background")
    process.start()
    try:
        yield
    except BaseException:
        process.terminate()
        raise
    finally:
        process.join()


@contextlib.contextmanager
def on_idle_core(work: Callable[..., object], *args: Any) -> Iterator[Callable[[], None]]:
    """Run `work(*args)` in a forked process at the lowest priority, so that it takes only a core the
    caller leaves idle; yields a function that stops it, called at the end in any case. As with
    `in_background`, the work leaves files that the caller takes if they are there when it needs them
    (and makes the rest itself)."""
    if "fork" not in mp.get_all_start_methods():
        yield lambda: None
        return
    process = mp.get_context("fork").Process(target=_quietly, args=(work, args, {}, 19), name="sitegen-ahead")
    process.start()

    def stop() -> None:
        process.terminate()  # a no-op once it has ended
        process.join()

    try:
        yield stop
    finally:
        stop()


def _quietly(work: Callable[..., object], args: tuple[Any, ...], kwargs: dict[str, Any], niceness: int = 0) -> None:
    init_worker()
    if niceness:
        os.nice(niceness)
    try:
        work(*args, **kwargs)
    except BaseException:  # no traceback from here: the caller redoes what is missing and reports
        sys.exit(1)


class KeptWorker:
    """One worker process that a process building again and again (`sitegen serve`) keeps from build to
    build, with what it loaded or learnt. The worker is a fresh interpreter (spawned, not forked):
    forked from a server, it would start with the server's gigabyte mapped, and a process with threads
    is no safe thing to fork. It ends with the thread that started it (see `init_worker`): start it from
    one that lives as long as the server."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        """The worker's pool, once the worker is ready (done with what it was given before); a new one
        when the worker has died."""
        if self._pool is not None:
            try:  # a pool whose worker died refuses the task, or fails it as soon as it notices
                self._pool.submit(int).result()
            except BrokenProcessPool:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"),
                                             initializer=init_worker)
        return self._pool

    def close(self) -> None:
        """Stop the worker (what it was doing is dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
