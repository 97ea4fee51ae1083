"""File locks shared by every worker process (and thread) that sees the same state folder.

`flock` locks belong to an open file description, so two threads of one process exclude each
other as two processes do. A lock dies with its process: a killed worker never leaves one behind.
Waiting is bounded so an execution fails with a clear message (and Data Factory retries it later)
rather than hanging.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class LockTimeout(TimeoutError):
    """The lock was held by someone else for longer than the caller would wait."""


@contextmanager
def file_lock(path: Path, *, shared: bool = False, timeout: float = 600.0, poll: float = 0.2,
              sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic
              ) -> Iterator[None]:
    """Hold `path` locked (exclusive, or shared with `shared=True`) for the `with` block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
        deadline = clock() + timeout
        while True:
            try:
                fcntl.flock(fd, mode)
                break
            except BlockingIOError:
                if clock() >= deadline:
                    raise LockTimeout(f"{path} is held by another worker") from None
                sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
