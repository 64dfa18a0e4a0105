"""Reading a user's file without trusting it: regular files only, never more than a limit.

`/dev/zero` reports size 0 and never ends; a FIFO blocks `open` until a writer comes. So the
file is opened without blocking, checked to be a regular file on the open descriptor (no race
between check and read), and read for at most limit + 1 bytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from engine.limits import Limit


class ReadRefused(ValueError):
    """The file cannot be read, is not a regular file, or is over the limit."""


def read_bounded(path: str | os.PathLike[str], limit: Limit) -> bytes:
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ReadRefused(f"cannot read {p}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "a device or a pipe, not a file"
            raise ReadRefused(f"cannot read {p}: it is {kind}")
        chunks: list[bytes] = []
        size = 0
        while size <= limit.value:
            chunk = os.read(fd, min(1 << 20, limit.value + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ReadRefused(f"cannot read {p}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if limit.exceeded(size):
        raise ReadRefused(f"{p.name} is too large: {limit.message()}")
    return b"".join(chunks)
