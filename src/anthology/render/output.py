"""Atomic writes: every output is staged in a temporary file beside its target, then all
are renamed into place, so a failure leaves the previous book untouched.

A temporary file is named ``.<target>.anthology-<pid>-<random>.tmp``. Ctrl-C and SIGTERM
remove it on the way out; ``kill -9`` cannot, so every write first removes the temporary
files of builds whose process is gone. While the renames run, Ctrl-C and SIGTERM are held
back, so the PDF and the EPUB are replaced together: never a new PDF beside an old EPUB.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

_UMASK = os.umask(0o022)
os.umask(_UMASK)

TEMP_MARK = ".anthology-"
_TEMP = re.compile(r"^\..+\.anthology-(\d+)-[^.]+\.tmp$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return pid > 0  # someone else's process, or a nonsense number
    return True


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files that killed builds left in ``folder``; return them.

    Only our own names (``.NAME.anthology-PID-XXXX.tmp``) whose PID is no longer running.
    """
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        m = _TEMP.match(name)
        if m is None or int(m.group(1)) == os.getpid() or _alive(int(m.group(1))):
            continue
        path = folder / name
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                path.unlink()
                removed.append(path)
    return removed


def _stage(target: Path, data: bytes) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}{TEMP_MARK}{os.getpid()}-", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes it private; a book is an ordinary file
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back for the block, then deliver them (main thread only:
    Python runs signal handlers nowhere else, so other threads cannot be interrupted)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def hold(signum: int, frame: object) -> None:
        pending.append(signum)

    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(signum)
        if handler is not None and handler != signal.SIG_IGN:
            previous[signum] = signal.signal(signum, hold)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(pending):
            signal.raise_signal(signum)


def _own_temporaries(target: Path) -> list[Path]:
    """This process's temporary files for ``target`` (a signal may land between ``mkstemp``
    and the line that would have remembered the name: look on the disk, not in a list)."""
    prefix = f".{target.name}{TEMP_MARK}{os.getpid()}-"
    try:
        return [target.parent / n for n in os.listdir(target.parent) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return []


def write_all_atomic(outputs: dict[Path, bytes]) -> None:
    """Stage every output first; only when all are on disk, rename them over the targets."""
    for folder in dict.fromkeys(target.parent for target in outputs):
        remove_stale_temporaries(folder)
    staged: list[tuple[str, Path]] = []
    try:
        for target, data in outputs.items():
            if target.is_dir():
                raise IsADirectoryError(f"{target} is a directory")
            staged.append((_stage(target, data), target))
        with _signals_held():
            for tmp, target in staged:
                os.replace(tmp, target)
    finally:
        for target in outputs:
            for tmp in _own_temporaries(target):
                with contextlib.suppress(OSError):
                    tmp.unlink()
