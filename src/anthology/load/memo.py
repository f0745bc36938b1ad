"""Parsed reviews kept by a process that builds the same book again and again (build --watch).

Reading 200 reviews (front matter, Markdown, sanitising) takes a seventh of a second; a
watcher's rebuild after one save needs only the saved file read again. A review is kept
under everything its parse depends on: the file's identity and its change times and size
(``os.stat``: a save changes them), its place in the manifest (title, language), the book's
language and limits. A review whose parse looked at other files (images: where they are,
their bytes) is kept with what it saw of each and given again only while every one is as it
was (load/body.py); one that could not be read is parsed again each time. The diagnostics
of a kept parse are given again with it, so a warning stays shown for as long as its cause
is there.

A memo with a :class:`~anthology.load.store.ReviewStore` also looks on disk, under the file's
bytes, for what it has not kept: a fresh process (one `anthology build`) then parses only the
reviews saved since the last build.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import Diagnostic, Diagnostics
from ..limits import Limits
from .body import Look, looking, unchanged
from .review import Review, parse_review, read_bytes
from .store import ReviewStore

_Key = tuple[object, ...]


class ReviewMemo:
    """A cache of :func:`parse_review` results for one long-running process, one project."""

    def __init__(self, store: ReviewStore | None = None) -> None:
        self.store = store
        # what was parsed, its warnings, the store's key, the files the parse looked at
        self._kept: dict[_Key, tuple[Review, tuple[Diagnostic, ...], str, tuple[Look, ...]]] = {}
        self._used: set[_Key] = set()
        self.parsed = 0  # reviews parsed (not taken from the memo) since the last load

    def parse(self, path: Path, root: Path, file: str, diags: Diagnostics, title_override: str, lang: str,
              default_lang: str, limits: Limits) -> Review | None:
        """:func:`parse_review`'s result for this file as it is now."""
        key = _key(path, root, file, title_override, lang, default_lang, limits)
        if key is not None and key in self._kept and unchanged(root, self._kept[key][3]):
            self._used.add(key)
            review, found, disk, _looks = self._kept[key]
            if disk and self.store is not None:
                self.store.used.add(disk)  # kept by the store's prune() too
            diags.extend(found)
            return review
        local = Diagnostics()
        data = disk = None
        if self.store is not None:
            data = read_bytes(path, file, local, limits)
            if data is None:  # unreadable: said once, in local
                diags.extend(local)
                return None
            disk = self.store.key(data, path, root, file, title_override, lang, default_lang, limits)
            stored = self.store.get(disk)
            if stored is not None and unchanged(root, stored[2]):
                review, found, looks = stored
                diags.extend(found)
                self._keep(key, (review, found, disk, looks), path, root, file, title_override, lang, default_lang,
                           limits)
                return review
        self.parsed += 1
        with looking() as seen:
            review = parse_review(path, root, file, local, title_override, lang, default_lang, limits, data)
        looks = tuple(seen)
        found = tuple(local)
        diags.extend(found)
        if review is not None:
            if disk is not None:
                self.store.put(disk, review, found, looks)  # type: ignore[union-attr]
            self._keep(key, (review, found, disk or "", looks), path, root, file, title_override, lang,
                       default_lang, limits)
        return review

    def _keep(self, key: _Key | None, kept: tuple[Review, tuple[Diagnostic, ...], str, tuple[Look, ...]],
              *args: object) -> None:
        # Only if unchanged since the parse began (a save in between is parsed again next time).
        if key is not None and key == _key(*args):  # type: ignore[arg-type]
            self._kept[key] = kept
            self._used.add(key)

    def loaded(self) -> None:
        """One load is over: forget reviews it did not use (files edited, removed, unlisted)."""
        self._kept = {key: value for key, value in self._kept.items() if key in self._used}
        self._used = set()
        self.parsed = 0


def _key(path: Path, root: Path, file: str, title_override: str, lang: str, default_lang: str,
         limits: Limits) -> _Key | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (str(path), str(root), file, title_override, lang, default_lang, limits,
            info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
