"""Worker processes that never outlive the build that started them."""

from __future__ import annotations

import signal

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Pool initializer: the worker ends when the process that started it is killed (even by SIGKILL),
    instead of lingering with a language model or a digest in memory. Linux only; elsewhere a no-op."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
