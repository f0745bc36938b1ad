"""One build of a project at a time: an advisory lock on ``<project>/.anthology-cache/build.lock``
(the project's cache folder, or its folder under ``ANTHOLOGY_CACHE_DIR``: render/cachedir.py).

Two builds of the same project (two terminals, an editor's build-on-save and a preview) would
otherwise race to write the same outputs. The second waits for the first, telling its caller
once through ``on_wait`` (the library never prints), and gives up with a located error after
``timeout`` seconds. ``fcntl.flock`` locks belong to the open file, so the kernel releases
them when the holder exits, however it exits (``kill -9`` included): a stale lock cannot
outlive its build, and the lock file itself is never deleted (deleting it would let two
builds lock two different files). A forked process (the layout workers) closes its copy of
the lock's descriptor at once: a worker orphaned by ``kill -9`` must not keep the lock.

Where the lock file cannot be created (a read-only project built with ``--out`` elsewhere),
the build runs without it rather than fail.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import AnthologyError
from .cachedir import cache_dir

LOCK_NAME = "build.lock"
LOCK_TIMEOUT = 600.0  # seconds a build waits for another build of the same project
_POLL = 0.1

OnWait = Callable[[str], None]

_held: set[int] = set()  # descriptors of the locks this process holds


def _close_in_child() -> None:
    for fd in _held:
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


def lock_path(project: Path) -> Path:
    return cache_dir(project) / LOCK_NAME


def _holder(fd: int) -> str:
    """The pid the running build wrote into the lock file, as ' (pid N)', or ''."""
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii").strip()
        if text.isdigit():
            return f" (pid {int(text)})"
    return ""


@contextlib.contextmanager
def build_lock(project: Path | str, *, timeout: float | None = None, on_wait: OnWait | None = None) -> Iterator[None]:
    """Hold the project's build lock for the ``with`` block.

    ``on_wait(message)`` is called once if another build holds the lock; after ``timeout``
    seconds of waiting (default: ``LOCK_TIMEOUT``) an :class:`AnthologyError` located on
    ``anthology.yaml`` is raised.
    """
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    path = lock_path(Path(project))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        # A read-only project (built with --out elsewhere), a missing one (the loader says so),
        # a file where the cache folder should be: never fail a build over its lock.
        yield
        return
    try:
        deadline = time.monotonic() + max(0.0, timeout)
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            if not told and on_wait is not None:
                on_wait(f"waiting for another build of this project{_holder(fd)} to finish…")
            told = True
            if time.monotonic() >= deadline:
                raise AnthologyError.single(
                    "anthology.yaml", 0, 0, "locked",
                    f"another build of this project is running{_holder(fd)}; waited {timeout:.0f} s for it "
                    f"to finish: try again when it is done (its lock is {path})")
            time.sleep(_POLL)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        _held.add(fd)
        yield
    finally:
        _held.discard(fd)
        os.close(fd)  # releases the lock
