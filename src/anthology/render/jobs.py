"""What a layout job is and what it gives back: plain values, no WeasyPrint.

A :class:`Job` says what to lay out (a complete HTML document, the stylesheets, the page
number of its first page, which margin boxes to keep); render/layout.py turns it into a
:class:`LaidOut`: the PDF bytes plus everything the merge needs and can no longer read from
WeasyPrint's objects once they are gone: where each anchor landed, the bookmarks, where
each page begins in the text (for the EPUB's page-list), the fonts' glyphs, the files read.

Jobs and results are plain picklable values, so a job runs the same in this process or in
a worker process (render/parallel.py), and a result can be kept in the cache (render/cache.py).
They live apart from the layout itself so that a build whose every job is in the cache (an
EPUB alone, say) never imports WeasyPrint.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .confine import url_path
from .pagelist import PageBreak

# Which margin boxes a job keeps. The body's sections are laid out without their folios
# (a section does not know its page numbers); the folios are laid out on their own and
# stamped over the pages (render/merge.py). A margin box is a folio when its content
# uses counter(page).
KEEP_ALL, KEEP_NO_FOLIOS, KEEP_FOLIOS_ONLY = "all", "no-folios", "folios-only"


@dataclass(frozen=True, slots=True)
class Job:
    kind: str  # "section", "folios", "index", "front", "blank": for the cache's key and messages
    html: str
    sheets: tuple[str, ...]  # stylesheet texts, in cascade order
    base: str  # base URL (the project folder)
    roots: tuple[str, ...]  # folders the fetcher may read
    first_page: int = 1
    keep: str = KEEP_ALL
    pdf_options: tuple[tuple[str, object], ...] = ()  # extra write_pdf options (identifier, variant)
    when: int = 0  # SOURCE_DATE_EPOCH for fontTools' subsets
    fonts: str = ""  # what the theme's font files are (their SHA-256s): a font package update is new input

    def key(self, salt: str) -> str:
        digest = hashlib.sha256()
        for part in (salt, self.kind, self.html, *self.sheets, self.base, *self.roots, str(self.first_page),
                     self.keep, repr(self.pdf_options), str(self.when), self.fonts):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class FontUse:
    """One font of a laid-out document: enough to merge it with the same font elsewhere."""

    key: str  # WeasyPrint's resource name (a hash of the font description)
    original: str  # sha256 of the whole font file
    index: int  # face index in a collection
    widths: dict[int, float]
    to_unicode: dict[int, str]
    missing: bool  # WeasyPrint drew .notdef for some characters (a custom encoding)
    data: bytes = b""  # the whole font file, only when it is not one of the known font files
    deferred: bool = False  # the PDF holds a stand-in program: the merge puts the subset in (render/subset.py)
    hinting: bool = False  # the subset keeps the hinting instructions (WeasyPrint's option)


@dataclass(frozen=True, slots=True)
class LaidOut:
    pdf: bytes
    pages: int
    anchors: tuple[tuple[tuple[str, float, float], ...], ...]  # per page: (name, x, y) in PDF points
    bookmarks: tuple[tuple[tuple[int, str, float, float, str], ...], ...]  # per page: level, label, x, y, state
    page_names: tuple[str, ...]  # the named page of each page ("" = none), for the folios
    blank: tuple[bool, ...]  # pages WeasyPrint left blank (:blank)
    breaks: tuple[PageBreak, ...]  # where each page begins (labels are 1-based page indexes)
    trailing: int  # pages at the end with no text: they begin where the next document does
    fonts: tuple[FontUse, ...]
    messages: tuple[str, ...]  # WeasyPrint's warnings
    refused: tuple[str, ...]  # URLs the fetcher refused
    read: tuple[tuple[str, str], ...] = field(default=())  # (file, sha256) of every project file read


class Capture(logging.Handler):
    """Collect WeasyPrint's warnings (refused resources, CSS problems, missing glyphs)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def source_date_epoch(epoch: int) -> Iterator[None]:
    """fontTools stamps subset fonts with the clock unless SOURCE_DATE_EPOCH is set."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def current_sha256(url: str, project: Path) -> str:
    """What layout would read at this URL now: the SHA-256 of a regular file inside the project
    (links resolved), or "" (missing, or outside: never read, as the fetcher would refuse it)."""
    path = url_path(urlsplit(url).path)
    try:
        real = path.resolve()
        if project not in real.parents or not real.is_file():
            return ""
        return hashlib.sha256(real.read_bytes()).hexdigest()
    except OSError:
        return ""


# -- the merged book's pages (render/merge.py) ----------------------------------------------

@dataclass(frozen=True, slots=True)
class Slot:
    """One page of the merged book: page ``page`` of document ``doc``, or a blank page (doc -1),
    with the folio page drawn over it (document, page) if any."""

    doc: int
    page: int = 0
    folio: tuple[int, int] | None = None


BLANK = -1
