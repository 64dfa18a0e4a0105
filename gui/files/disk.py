"""Writing the user's graph file as an editor should: never half-written, and still the same
file afterwards.

- A symlink is written through: its target is replaced, the link stays a link.
- The file keeps its permission bits (and owner, where we may set it); a new file gets the
  usual 0666 minus the umask, not a temp file's 0600.
- A file with no write permission is refused (`ReadOnlyFile`): the caller offers Save As.
- A file with several hard links is written in place, so every name keeps seeing it (what
  vim and GLib's g_file_replace do); a backup copy next to it restores the old text if that
  write fails half-way.
- Anything else: a temp file in the same folder, fsync, then an atomic rename over it.

`DiskStamp` remembers what a file looked like when we read or wrote it, so a save can notice
that another program (or another Gradflow Studio window) changed it since.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path


class ReadOnlyFile(OSError):
    """The file exists and has no write permission."""


@dataclass(frozen=True)
class DiskStamp:
    mtime_ns: int
    size: int
    sha256: str

    def as_list(self) -> list[int | str]:
        return [self.mtime_ns, self.size, self.sha256]

    @classmethod
    def from_list(cls, raw: object) -> DiskStamp | None:
        if (isinstance(raw, list) and len(raw) == 3 and isinstance(raw[0], int)
                and isinstance(raw[1], int) and isinstance(raw[2], str)):
            return cls(raw[0], raw[1], raw[2])
        return None


def real_target(path: str | os.PathLike[str]) -> Path:
    """The file a write to `path` must change: symlinks followed (a dangling one too)."""
    return Path(os.path.realpath(path))


def stamp_of(path: str | os.PathLike[str], data: bytes | None = None) -> DiskStamp | None:
    """How the file looks now (None if it cannot be read); `data` if its content is known."""
    target = real_target(path)
    try:
        st = target.stat()
        content = target.read_bytes() if data is None else data
    except OSError:
        return None
    return DiskStamp(st.st_mtime_ns, st.st_size, hashlib.sha256(content).hexdigest())


def changed_since(path: str | os.PathLike[str], stamp: DiskStamp | None) -> bool:
    """Did the file's content change since `stamp`? A touched but identical file did not; a
    file that is gone has nothing to lose."""
    if stamp is None:
        return False
    target = real_target(path)
    try:
        st = target.stat()
        if (st.st_mtime_ns, st.st_size) == (stamp.mtime_ns, stamp.size):
            return False
        return hashlib.sha256(target.read_bytes()).hexdigest() != stamp.sha256
    except FileNotFoundError:
        return False
    except OSError:
        return True  # cannot tell: let the user decide


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_file(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` as the new content of `path` (see the module docstring); returns the file
    actually written. Raises ReadOnlyFile or OSError; the old content is then intact."""
    target = real_target(path)
    try:
        st: os.stat_result | None = target.stat()
    except FileNotFoundError:
        st = None
    if st is None:
        _replace(target, data, 0o666 & ~_umask(), None)
        return target
    mode = stat.S_IMODE(st.st_mode)
    # the permission bits, not os.access: an administrator may write anything, but a file
    # its owner made read-only should not be overwritten silently
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise ReadOnlyFile(errno.EACCES, "the file is read-only", str(target))
    if st.st_nlink > 1:
        _write_in_place(target, data)
    else:
        _replace(target, data, mode, st)
    return target


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _replace(target: Path, data: bytes, mode: int, old: os.stat_result | None) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        try:
            os.fchmod(fd, mode)
            if old is not None and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
                os.fchown(fd, old.st_uid, old.st_gid)
        except (OSError, AttributeError):
            pass  # not allowed to give the file away: it is ours then, as with any editor
        _write_all(fd, data)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, target)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def _write_in_place(target: Path, data: bytes) -> None:
    old = target.read_bytes()
    fd, backup = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".backup", dir=target.parent)
    try:
        _write_all(fd, old)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        _overwrite(target, data)
    except BaseException as exc:
        try:
            _overwrite(target, old)
        except OSError:
            raise OSError(exc.errno if isinstance(exc, OSError) else errno.EIO,
                          f"{exc}; the previous content is kept in {backup}") from exc
        Path(backup).unlink(missing_ok=True)
        raise
    Path(backup).unlink(missing_ok=True)


def _overwrite(target: Path, data: bytes) -> None:
    fd = os.open(target, os.O_WRONLY)
    try:
        _write_all(fd, data)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
