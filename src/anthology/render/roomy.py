"""Room on the interpreter's frame stack for a deep call (a workaround for CPython 3.11/3.12).

CPython keeps the frames of Python calls on a stack of 16 KiB chunks. Before 3.13.13 and
3.14.4 it frees a chunk as soon as the frame that opened it returns (python/cpython#142183):
a call made again and again exactly at a chunk's end maps and unmaps 16 KiB each time.
WeasyPrint's layout does that, or not, depending on the depth it starts at: laying out the
200-review benchmark book made 50,000 to 160,000 mmap/munmap pairs, up to 3 s of system time
(and chapters 10% slower), with the depth changing with where the worker process was started.

:func:`call` calls a function from a frame of 64 KiB of local slots (never filled), which
opens a 128 KiB chunk: the call and everything below it then run on the 64 KiB left, without
crossing a chunk's end. With 40 chapters laid out, 26,781 munmaps became 338. On a fixed
CPython this costs one allocation per call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_SLOTS = 8192  # of 8 bytes: 64 KiB


def _call(function: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> Any:
    return function(*args, **kwargs)


# The same code with 8,192 more local variables, which nothing uses: only the frame grows.
_names = _call.__code__.co_varnames + tuple(f"_{n}" for n in range(_SLOTS))
_call.__code__ = _call.__code__.replace(co_varnames=_names, co_nlocals=len(_names))


def call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)``, with room below it on the frame stack."""
    return _call(function, args, kwargs)
