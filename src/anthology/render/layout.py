"""One WeasyPrint document laid out and written: what the book's PDF is assembled from.

:func:`lay_out` turns a :class:`~.jobs.Job` into a :class:`~.jobs.LaidOut` (render/jobs.py:
what they are, without WeasyPrint). Importing this module imports WeasyPrint (through
render/engine.py): it is imported only when a job must really be laid out.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

from . import columns, glyphs, hyphenation, leaders  # noqa: F401  (imported for their patches: text drawn from the layout's lines, columns laid out once where nothing is balanced, dot leaders as one run, hyphenation patterns from the cache)
from .confine import url_path
from .engine import CSS, HTML, URLFetcherResponse, font_configuration, load, release_fonts
from .fetcher import ConfinedFetcher
from .jobs import KEEP_ALL, KEEP_FOLIOS_ONLY, Capture, FontUse, Job, LaidOut, current_sha256, source_date_epoch
from .pagelist import find_breaks
from .subset import deferring, original_of

SCALE = 0.75  # CSS px → PDF points (WeasyPrint's default zoom)


class _RecordingFetcher(ConfinedFetcher):
    """The confined fetcher, remembering which files of the project each document asked for:
    what it read (by SHA-256), and what it could not read ("": a missing file, a link out of
    the project), so that the cache sees an image appear, change or go."""

    def __init__(self, roots: list[Path]) -> None:
        super().__init__(roots)
        self.project = roots[0].resolve()
        self.read: dict[str, str] = {}  # file URL → sha256 of what was read, "" when nothing was

    def _in_project(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme != "file":
            return False
        path = url_path(parts.path)
        return path == self.project or self.project in path.parents

    def fetch(self, url: str, headers: dict | None = None):  # type: ignore[override]
        try:
            response = super().fetch(url, headers)
        except Exception:
            if self._in_project(url):
                self.read[url] = ""
            raise
        data = response.read()
        if self._in_project(response.url):
            self.read[response.url] = hashlib.sha256(data).hexdigest()
        return URLFetcherResponse(response.url, data, response.headers)


class _Styles:
    """The font configuration and parsed stylesheets shared by every job of a build (parsing
    the @font-face rules, which copies each font file to a temporary folder, once per process
    and build, not once per chapter). The theme's files are in the cache key through the
    package versions; project files a stylesheet reads are recorded with the sheet."""

    def __init__(self, job: Job) -> None:
        self.base_url = job.base
        self.fetcher = _RecordingFetcher([Path(r) for r in job.roots])
        self.fonts = font_configuration()
        self.parsed: dict[str, CSS] = {}
        self.reads: dict[str, dict[str, str]] = {}  # sheet text → the project files parsing it read
        self.originals: dict[str, tuple[str, bytes]] = {}  # font description → its file (render/merge.py)
        self.sheets(job.sheets)

    def sheets(self, texts: tuple[str, ...]) -> list[CSS]:
        for text in texts:
            if text and text not in self.parsed:
                self.fetcher.read.clear()
                self.parsed[text] = CSS(string=text, base_url=self.base_url, url_fetcher=self.fetcher,
                                        font_config=self.fonts)
                self.reads[text] = dict(self.fetcher.read)
        return [self.parsed[text] for text in texts if text]

    def unchanged(self) -> bool:
        """Whether every project file the parsed stylesheets read is as it was (a font file
        replaced under the same name must not survive in a --watch process)."""
        return all(current_sha256(url, self.fetcher.project) == digest
                   for reads in self.reads.values() for url, digest in reads.items())

    def sheet_reads(self, texts: tuple[str, ...]) -> dict[str, str]:
        found: dict[str, str] = {}
        for text in texts:
            found.update(self.reads.get(text, {}))
        return found


_STYLES: dict[tuple[str, tuple[str, ...], str], _Styles] = {}


def _styles(job: Job) -> _Styles:
    """One set at a time, keyed by what the font configuration depends on: the project, the
    folders it may read and the first stylesheet (fonts and page geometry)."""
    key = (job.base, job.roots, job.sheets[0] if job.sheets else "")
    if key not in _STYLES or not _STYLES[key].unchanged():
        _STYLES.clear()
        _STYLES[key] = _Styles(job)
    return _STYLES[key]


def prepare(job: Job) -> None:
    """Load the fonts and stylesheets here, before workers are forked: they inherit them."""
    _styles(job).sheets(job.sheets)


def _forget_inherited() -> None:
    """In a forked worker: the font configuration inherited from the build's process is used
    as it is, but it is the parent's. Should the worker drop it, its temporary font folder,
    which the parent still uses, must not be deleted with it."""
    for styles in _STYLES.values():
        styles.fonts._folder = None  # WeasyPrint's FontConfiguration removes _folder when deleted


def release() -> None:
    """At exit: the temporary font folders removed here and now (the command line ends with
    os._exit, which runs no destructor: see cli.console), then the configurations released
    before the interpreter tears modules down (pango objects freed in arbitrary order at that
    point crash the process on its way out)."""
    for styles in _STYLES.values():
        release_fonts(styles.fonts)
    _STYLES.clear()


os.register_at_fork(after_in_child=_forget_inherited)
atexit.register(release)


def _is_folio(box: object) -> bool:
    """A margin box whose content uses counter(page) (or counters(page))."""
    return _content_is_folio(box.style["content"])  # type: ignore[attr-defined]


def _content_is_folio(content: object) -> bool:
    if not isinstance(content, (list, tuple)):
        return False
    for item in content:
        if isinstance(item, tuple) and len(item) == 2 and item[0] in ("counter()", "counters()"):
            args = item[1]
            if args and args[0] == "page":
                return True
    return False


def _filter_margin_boxes(page_box: object, keep: str) -> None:
    if keep == KEEP_ALL:
        return
    children = page_box.children  # type: ignore[attr-defined]
    kept = []
    for child in children:
        if type(child).__name__ == "MarginBox" and _is_folio(child) != (keep == KEEP_FOLIOS_ONLY):
            continue
        kept.append(child)
    page_box.children = kept  # type: ignore[attr-defined]


_SIDES = tuple((f"@{side}-{a}", f"@{side}-{b}", f"@{side}-{c}") for side, (a, b, c) in (
    ("top", ("left", "center", "right")), ("bottom", ("left", "center", "right")),
    ("left", ("top", "middle", "bottom")), ("right", ("top", "middle", "bottom"))))
_CORNERS = ("@top-left-corner", "@top-right-corner", "@bottom-left-corner", "@bottom-right-corner")
_NOT_GENERATED = ("normal", "inhibit", "none")
_keeping: list[str] = [KEEP_ALL]  # the margin boxes the job being laid out keeps (see _unlaid)


def _unlaid(style_for: object, page_type: object, keep: str) -> set[str]:
    """The margin boxes of a page that :func:`_filter_margin_boxes` would drop and that can be
    left out before layout without changing the others: a whole side (its three boxes share
    its width, so a side is left out only when all its generated boxes would go), or a corner."""
    if keep == KEEP_ALL:
        return set()
    dropped: set[str] = set()

    def goes(keyword: str) -> bool | None:  # None: not generated
        style = style_for(page_type, keyword)  # type: ignore[operator]
        if style is None or style["content"] in _NOT_GENERATED:
            return None
        return _content_is_folio(style["content"]) != (keep == KEEP_FOLIOS_ONLY)

    for group in [*_SIDES, *((corner,) for corner in _CORNERS)]:
        verdicts = [goes(keyword) for keyword in group]
        if any(v is not None for v in verdicts) and all(v is not False for v in verdicts):
            dropped.update(group)
    return dropped


def _make_margin_boxes(context: object, page: object, state: object):  # type: ignore[no-untyped-def]
    """WeasyPrint's make_margin_boxes, without laying out the boxes this job drops anyway (a
    chapter's folios, a folio document's running heads: a tenth of a chapter's layout), and
    with the page's anonymous style for the boxes that are not generated (``content: none``):
    WeasyPrint gives them zero size and never reads their style, but computing it for each
    page cost a sixth of a folio document."""
    dropped = _unlaid(context.style_for, page.page_type, _keeping[-1])  # type: ignore[attr-defined]
    style_for = context.style_for  # type: ignore[attr-defined]

    def kept_only(page_type: object, keyword: str | None = None):  # type: ignore[no-untyped-def]
        if keyword in dropped:
            return None
        style = style_for(page_type, keyword)
        if style is not None and keyword is not None and style["content"] in _NOT_GENERATED:
            return None
        return style

    context.style_for = kept_only  # type: ignore[attr-defined]
    try:
        yield from _WEASYPRINT_MARGIN_BOXES(context, page, state)
    finally:
        context.style_for = style_for  # type: ignore[attr-defined]


hyphenation.install()

_WEASYPRINT_LAYOUT = load("weasyprint.layout")
_WEASYPRINT_MARGIN_BOXES = _WEASYPRINT_LAYOUT.make_margin_boxes
_WEASYPRINT_LAYOUT.make_margin_boxes = _make_margin_boxes  # the name layout_document calls


def lay_out(job: Job, known_fonts: frozenset[str] = frozenset(), hyphenation_cache: str = "") -> LaidOut:
    """Lay out and write one document. ``known_fonts``: sha256 of font files the caller can
    read itself (their bytes are not sent back). ``hyphenation_cache``: the folder of parsed
    hyphenation patterns (render/hyphenation.py), "" for none."""
    hyphenation.use(Path(hyphenation_cache) if hyphenation_cache else None)
    styles = _styles(job)
    sheets = styles.sheets(job.sheets)
    styles.fetcher.read.clear()
    refused_before = len(styles.fetcher.refused)
    extra = [CSS(string=f"@page :first {{ counter-reset: page {job.first_page} }}", font_config=styles.fonts)
             ] if job.first_page != 1 else []
    logger = logging.getLogger("weasyprint")
    capture = Capture()
    logger.addHandler(capture)
    _keeping.append(job.keep)
    try:
        with source_date_epoch(job.when), glyphs.keeping():
            document = HTML(string=job.html, base_url=job.base, url_fetcher=styles.fetcher).render(
                stylesheets=[*sheets, *extra], presentational_hints=False, font_config=styles.fonts)
            pages = document.pages
            anchors, bookmarks, names, blank = [], [], [], []
            for page in pages:
                height = page.height
                anchors.append(tuple((name, x * SCALE, (height - y) * SCALE)
                                     for name, (x, y, *_rest) in page.anchors.items()))
                bookmarks.append(tuple((level, label, x * SCALE, (height - y) * SCALE, state)
                                       for level, label, (x, y), state in page.bookmarks))
                page_type = page._page_box.page_type
                names.append(page_type.name or "")
                blank.append(bool(page_type.blank))
            breaks = find_breaks(pages, 1)  # pages at the end with no text get no break: counted in ``trailing``
            _keep_cross_links(pages)
            for page in pages:
                _filter_margin_boxes(page._page_box, job.keep)
            with deferring(known_fonts, styles.originals) as deferral:  # the merge makes their subsets
                data = document.write_pdf(attachments=[], **dict(job.pdf_options))
            fonts = tuple(_font_use(font, known_fonts, styles.originals, deferral.deferred)
                          for font in document.fonts.values())
    finally:
        _keeping.pop()
        logger.removeHandler(capture)
    read = tuple(sorted({**styles.sheet_reads(job.sheets), **styles.fetcher.read}.items()))
    return LaidOut(
        pdf=data, pages=len(pages), anchors=tuple(anchors), bookmarks=tuple(bookmarks), page_names=tuple(names),
        blank=tuple(blank), breaks=tuple(breaks), trailing=len(pages) - len(breaks), fonts=fonts,
        messages=tuple(capture.messages), refused=tuple(styles.fetcher.refused[refused_before:]), read=read,
    )


def _keep_cross_links(pages: list) -> None:
    """Links to anchors in other documents (the contents, the index, the chapters) would be
    dropped by WeasyPrint; a stand-in anchor keeps each one, and the merge resolves it."""
    if not pages:
        return
    present = {name for page in pages for name in page.anchors}
    wanted = {target for page in pages for kind, target, *_ in page.links if kind == "internal"}
    for name in sorted(wanted - present):
        pages[0].anchors[name] = (0, 0, 0, 0)


def _font_use(font: object, known: frozenset[str], originals: dict[str, tuple[str, bytes]],
              deferred: dict[str, bool]) -> FontUse:
    """``originals``: font description → (sha256, bytes) of its file, hashed once per font
    configuration (the CJK fallback is 16 MB). ``deferred``: the fonts written with a stand-in
    program (render/subset.py), with their hinting flag."""
    key = font.hash  # type: ignore[attr-defined]
    digest, original = original_of(font, originals)
    return FontUse(
        key=key,
        original=digest,
        index=int(font.index),  # type: ignore[attr-defined]
        widths=dict(font.widths),  # type: ignore[attr-defined]
        to_unicode=dict(font.to_unicode),  # type: ignore[attr-defined]
        missing=bool(font.missing),  # type: ignore[attr-defined]
        data=b"" if digest in known else bytes(original),
        deferred=key in deferred,
        hinting=deferred.get(key, False),
    )
