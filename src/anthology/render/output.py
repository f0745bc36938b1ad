"""Atomic writes: every output is staged in a temporary file beside its target, then all
are renamed into place, so a failure leaves the previous book untouched."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def _stage(target: Path, data: bytes) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
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


def write_all_atomic(outputs: dict[Path, bytes]) -> None:
    """Stage every output first; only when all are on disk, rename them over the targets."""
    staged: list[tuple[str, Path]] = []
    try:
        for target, data in outputs.items():
            if target.is_dir():
                raise IsADirectoryError(f"{target} is a directory")
            staged.append((_stage(target, data), target))
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
