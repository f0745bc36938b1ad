"""Hyphenation patterns parsed once per project, not once per process and language.

WeasyPrint hyphenates with pyphen, which parses a language's patterns file the first time a
process meets the language: English (``hyph_en_US.dic``, 11,000 patterns) takes 80 ms, in
each worker of every build, and in a rebuild after an edit that is on the way to the book
(the worker's first page). Here the parsed patterns are kept in the project's cache
(``hyphenation/``: render/cache.py names the folder and prunes it) as JSON, named by the
SHA-256 of the patterns file and of this module's format: reading them back takes 15 ms.
What is read is checked (a project folder may come from anyone: no pickle, and nothing but
strings and integers is accepted); a file that is missing, damaged or holds anything else
is parsed again, and the patterns written back. Patterns with nonstandard hyphenation
(``ff=f``, as in Hungarian) are not kept: their values carry more than integers, and pyphen
parses them as it always does.

:func:`install` makes pyphen's dictionaries these; :func:`use` says where the cache is (None:
a build without a cache reads nothing from it and writes nothing to it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

import pyphen

from .cache import write_atomic

FORMAT = "hyphenation-1"  # bump when what is stored changes

_folder: list[Path | None] = [None]
_PYPHEN_DICT = pyphen.HyphDict


def use(where: Path | None) -> None:
    """Where the parsed patterns are read and written from now on in this process (None: nowhere)."""
    _folder[0] = where


class CachedHyphDict(_PYPHEN_DICT):  # type: ignore[misc, valid-type]
    """pyphen's dictionary of a patterns file, its patterns read from the cache when they are there."""

    def __init__(self, path: Path) -> None:
        entry = _entry(Path(path))
        patterns = _read(entry) if entry is not None else None
        if patterns is None:
            super().__init__(path)
            if entry is not None:
                _write(entry, self.patterns)
            return
        self.patterns = patterns
        self.cache = {}
        self.maxlen = max(len(text) for text in patterns)


def _entry(patterns_file: Path) -> Path | None:
    """The cache file of this patterns file's parsed patterns; None without a cache (or a file)."""
    where = _folder[0]
    if where is None:
        return None
    try:
        key = hashlib.sha256(FORMAT.encode() + b"\0" + patterns_file.read_bytes()).hexdigest()
    except OSError:
        return None
    return where / f"{key}.json"


def _read(path: Path) -> dict[str, tuple[int, tuple[int, ...]]] | None:
    try:
        data = json.loads(path.read_bytes())
        os.utime(path)  # recently used: kept by the cache's prune()
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not data:
        return None
    patterns: dict[str, tuple[int, tuple[int, ...]]] = {}
    for text, item in data.items():
        if not (isinstance(item, list) and len(item) == 2 and type(item[0]) is int and isinstance(item[1], list)
                and item[1] and all(type(v) is int for v in item[1]) and text):
            return None
        patterns[text] = (item[0], tuple(item[1]))
    return patterns


def _write(path: Path, patterns: dict[str, tuple[int, tuple[int, ...]]]) -> None:
    """Only patterns whose values are plain integers (pyphen's nonstandard ones are integers
    that carry data: not kept). A cache that cannot be written only makes the next build slower."""
    if not patterns or any(type(v) is not int for _start, values in patterns.values() for v in values):
        return
    data = json.dumps({text: [start, list(values)] for text, (start, values) in patterns.items()},
                      ensure_ascii=False, separators=(",", ":"))
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data.encode("utf-8"))


def install() -> None:
    """pyphen makes its dictionaries with :class:`CachedHyphDict` (``Pyphen`` looks the class up
    in its module when it meets a language). Dictionaries already made are kept."""
    pyphen.HyphDict = CachedHyphDict
