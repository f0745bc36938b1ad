"""Parsed reviews kept by a process that builds the same book again and again (build --watch).

Reading 200 reviews (front matter, Markdown, sanitising) takes a seventh of a second; a
watcher's rebuild after one save needs only the saved file read again. A review is kept
under everything its parse depends on: the file's identity and its change times and size
(``os.stat``: a save changes them), its place in the manifest (title, language), the book's
language and limits. A review whose parse looked at other files (images: whether they
exist, their size and pixels) is never kept: it is parsed again each time, as is one that
could not be read. The diagnostics of a kept parse are given again with it, so a warning
stays shown for as long as its cause is there.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import Diagnostic, Diagnostics
from ..limits import Limits
from .review import Review, parse_review

_Key = tuple[object, ...]


class ReviewMemo:
    """A cache of :func:`parse_review` results for one long-running process, one project."""

    def __init__(self) -> None:
        self._kept: dict[_Key, tuple[Review, tuple[Diagnostic, ...]]] = {}
        self._used: set[_Key] = set()
        self.parsed = 0  # reviews parsed (not taken from the memo) since the last load

    def parse(self, path: Path, root: Path, file: str, diags: Diagnostics, title_override: str, lang: str,
              default_lang: str, limits: Limits) -> Review | None:
        """:func:`parse_review`'s result for this file as it is now."""
        key = _key(path, root, file, title_override, lang, default_lang, limits)
        if key is not None and key in self._kept:
            self._used.add(key)
            review, found = self._kept[key]
            diags.extend(found)
            return review
        self.parsed += 1
        local = Diagnostics()
        review = parse_review(path, root, file, local, title_override, lang, default_lang, limits)
        found = tuple(local)
        diags.extend(found)
        # Unchanged since the parse began (a save in between is parsed again next time).
        if (key is not None and review is not None and not review.images
                and not any(d.code.startswith("image") for d in found)
                and key == _key(path, root, file, title_override, lang, default_lang, limits)):
            self._kept[key] = (review, found)
            self._used.add(key)
        return review

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
