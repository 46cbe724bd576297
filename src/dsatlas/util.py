"""Small shared helpers: writing files so that an interrupted run never leaves half a file, and saying in
one line why a read or write failed."""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path


def write_atomic(path: Path, text: str | bytes, durable: bool = True) -> None:
    """Write to a temporary file beside `path`, then rename over it (atomic on POSIX): a reader sees the
    old file or the new one, never a part. `durable` syncs the file to disk before the rename, so a
    crash leaves the old or the new file too; a file made again on every start can skip it.

    The file gets the permissions `open()` would give it (0666 minus the umask): the kernel applies the
    umask to the mode passed to os.open, where mkstemp would leave every file 0600. The temporary name
    is short and fixed in length, so a file whose own name is near the 255-byte limit can still be
    written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    tmp = path.parent / f".dsatlas-{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


_HINTS = {
    errno.ENOSPC: "the disk is full: free some space and run again",
    errno.EDQUOT: "the disk quota is used up: free some space and run again",
    errno.EROFS: "the file system is mounted read-only: work in a writable copy, or remount it read-write",
    errno.EACCES: "permission denied: make the folder readable/writable for you (chmod u+rwx) or run as its owner",
    errno.EPERM: "the operation is not permitted here: check the folder's owner and flags (lsattr, chattr -i)",
    errno.ENAMETOOLONG: "a name is longer than the file system allows (255 bytes per name): shorten the file "
                        "or folder name",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) or use fewer --jobs",
}


def os_error_message(err: OSError) -> str:
    """One line for a failed read or write: which path (when the system says), what failed, what to do."""
    reason = err.strerror or str(err)
    if err.filename is not None:
        reason = f"{err.filename}: {reason}"
        if err.filename2 is not None:
            reason = f"{err.filename} → {err.filename2}: {err.strerror or err}"
    hint = _HINTS.get(err.errno)
    return reason + (f"; {hint}" if hint else "")
