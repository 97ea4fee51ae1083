"""Opening the files a user names (exports, payloads, schemas) so a wrong one fails at once.

A FIFO blocks `open()` until some writer comes, and `/dev/zero` never ends: both would hang a
command instead of failing. Files are opened without blocking and refused unless they are regular
files, before a single byte is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO


class NotRegularFileError(OSError):
    """The path names a device, a pipe or a folder, not a regular file."""

    def __init__(self, path: Path | str):
        super().__init__(f"{path}: not a regular file (a device, a pipe or a folder)")
        self.strerror = "not a regular file (a device, a pipe or a folder)"
        self.filename = str(path)


class FileTooLargeError(OSError):
    def __init__(self, path: Path | str, limit: int):
        super().__init__(f"{path}: more than {limit} bytes")
        self.strerror = f"more than {limit} bytes"
        self.filename = str(path)
        self.limit = limit


def open_regular(path: Path | str) -> BinaryIO:
    """The file opened for binary reading. Raises NotRegularFileError (without blocking on a FIFO)
    or the OSError of the failed open."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFileError(path)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path | str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Raises OSError (see `open_regular`,
    FileTooLargeError) without reading more than `limit + 1` bytes."""
    with open_regular(path) as handle:
        if os.fstat(handle.fileno()).st_size > limit:
            raise FileTooLargeError(path, limit)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooLargeError(path, limit)
    return data
