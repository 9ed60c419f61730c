"""Worker processes that never outlive the build that started them."""

from __future__ import annotations

import gc
import signal

PR_SET_PDEATHSIG = 1


def init_worker() -> None:
    """Pool initializer. The worker ends when the process that started it is killed (even by SIGKILL),
    instead of lingering with a language model or a digest in memory (Linux only; elsewhere that part
    is a no-op). And its garbage collector is on, even when the build forked it while loading with the
    collector paused (sitegen.memo.collector_paused): a worker makes garbage, cycles included."""
    gc.enable()
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
