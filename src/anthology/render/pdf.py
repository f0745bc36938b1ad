"""Book → HTML (Jinja) → PDF (WeasyPrint), with bookmarks, TOC page numbers and metadata."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

import font_source_serif_pro
import jinja2
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration

from ..errors import AnthologyError, Diagnostics
from ..index import PeopleIndex, page_locators
from ..model import Book
from .context import AnyIndex, index_view, template_context
from .fetcher import ConfinedFetcher
from .html import THEME_DIR, render, stylesheet

# Trim sizes (width, height). ISO sizes from ISO 216; the inch sizes are the common
# trade formats offered by print-on-demand services.
PAGE_SIZES: dict[str, tuple[str, str]] = {
    "a4": ("210mm", "297mm"),
    "a5": ("148mm", "210mm"),
    "b5": ("176mm", "250mm"),
    "letter": ("8.5in", "11in"),
    "5x8in": ("5in", "8in"),
    "5.25x8in": ("5.25in", "8in"),
    "5.5x8.5in": ("5.5in", "8.5in"),
    "6x9in": ("6in", "9in"),
}
_CUSTOM_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|pt)?\s*[x×]\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|pt)\s*$")

FONT_DIR = Path(font_source_serif_pro.font_directory)
FONT_FACES = (  # (file, weight, style)
    ("SourceSerifPro-Regular.otf", 400, "normal"),
    ("SourceSerifPro-It.otf", 400, "italic"),
    ("SourceSerifPro-Semibold.otf", 600, "normal"),
    ("SourceSerifPro-SemiboldIt.otf", 600, "italic"),
    ("SourceSerifPro-Bold.otf", 700, "normal"),
    ("SourceSerifPro-BoldIt.otf", 700, "italic"),
)


@dataclass(frozen=True, slots=True)
class PdfResult:
    data: bytes
    pages: int


def page_size(value: str) -> tuple[str, str] | None:
    """CSS width and height for a preset name or 'W x H' with units; None if invalid."""
    key = value.strip().lower().replace(" ", "")
    if key in PAGE_SIZES:
        return PAGE_SIZES[key]
    m = _CUSTOM_SIZE.match(value)
    if m:
        return f"{m.group(1)}{m.group(2) or m.group(4)}", f"{m.group(3)}{m.group(4)}"
    return None


def page_css(book: Book) -> str:
    options = book.pdf
    size = page_size(options.get("page", "a5"))
    if size is None:
        raise AnthologyError.single(
            "anthology.yaml", 0, 0, "bad-page",
            f"pdf.page '{options.get('page')}' is not a known size ({', '.join(PAGE_SIZES)}) "
            "nor 'W x H' with units such as 140mm x 216mm",
        )
    rules = [f"size: {size[0]} {size[1]};"]
    if "bleed" in options:
        rules.append(f"bleed: {options['bleed']};")
    marks = options.get("marks", "none").lower()
    if marks != "none":
        rules.append(f"marks: {marks};")
    return "@page { " + " ".join(rules) + " }\n"


def font_css() -> str:
    faces = []
    for name, weight, style in FONT_FACES:
        url = (FONT_DIR / name).as_uri()
        faces.append(
            f'@font-face {{ font-family: "Source Serif"; src: url("{url}"); '
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(faces) + "\n"


_NOTDEF = re.compile(r'unsupported by fonts: "(.+)" \((U\+[0-9A-F]+)\)')


class _Capture(logging.Handler):
    """Collect WeasyPrint's warnings (refused resources, CSS problems) as diagnostics."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _source_date_epoch(when: datetime) -> Iterator[None]:
    """fontTools stamps subset fonts with the clock unless SOURCE_DATE_EPOCH is set."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(when.timestamp()))
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def render_pdf(book: Book, env: jinja2.Environment, diags: Diagnostics, when: datetime,
               people: PeopleIndex | None = None, indexes: list[AnyIndex] | None = None) -> PdfResult:
    """Lay out the book as three documents, then merge their pages.

    The body (parts and chapters) is laid out first, its page counter starting after the
    front matter; the indexes are laid out from the pages where each anchor landed; the
    front matter last, its table of contents filled with those page numbers. No page number
    comes from a single-pass ``target-counter``, so all stay exact however the body is laid
    out (in one piece or, later, chapter by chapter).
    """
    indexes = indexes or []
    context = template_context(book, people, indexes, lambda entry_id: f"#{entry_id}")
    href = lambda target: f"#{target}"  # noqa: E731
    fetcher = ConfinedFetcher([book.root, THEME_DIR, FONT_DIR])
    base = book.root.resolve().as_uri() + "/"
    fonts = FontConfiguration()
    sheets = [font_css() + page_css(book), stylesheet(env, "common.css"), stylesheet(env, "print.css")]

    def layout(source: str, first_page: int = 1) -> Document:
        extra = f"@page :first {{ counter-reset: page {first_page} }}" if first_page != 1 else ""
        stylesheets = [CSS(string=text, base_url=base, url_fetcher=fetcher, font_config=fonts)
                       for text in [*sheets, extra] if text]
        return HTML(string=source, base_url=base, url_fetcher=fetcher).render(
            stylesheets=stylesheets, presentational_hints=False, font_config=fonts)

    def front(numbers: dict[str, int]) -> Document:
        return layout(render(
            env, book.root, "front_matter.html.j2", book=book, output="pdf", href=href,
            page=lambda target: str(numbers.get(target, 999)),
            meta={"modified": when.strftime("%Y-%m-%dT%H:%M:%SZ")},
            toc_title=book.epub.get("toc_title", "Contents"), **context,
        ))

    body_html = render(env, book.root, "book.html.j2", book=book, output="pdf", href=href, **context)
    logger = logging.getLogger("weasyprint")
    capture = _Capture()
    logger.addHandler(capture)
    try:
        with _source_date_epoch(when):
            blank = layout(_BLANK)
            front_doc = front({})
            for _attempt in range(3):
                front_pages = _even(list(front_doc.pages), blank)
                first = len(front_pages) + 1
                body_doc = layout(body_html, first)
                body_pages = list(body_doc.pages)
                page_of = _anchors(body_pages, first)
                tail: list = []
                index_pages: list = []
                if indexes:
                    last = first + len(body_pages) - 1
                    tail = [blank.pages[0]] if last % 2 else []  # the indexes open on a recto
                    start = last + len(tail) + 1
                    views = [index_view(ix, partial(page_locators, page_of=page_of)) for ix in indexes]
                    index_doc = layout(render(env, book.root, "index_document.html.j2", book=book, output="pdf",
                                              href=href, indexes=views), start)
                    index_pages = list(index_doc.pages)
                    page_of.update(_anchors(index_pages, start))
                front_doc = front(page_of)
                if len(_even(list(front_doc.pages), blank)) == len(front_pages):
                    break
            pages = _even(list(front_doc.pages), blank) + body_pages + tail + index_pages
            if people is not None:
                _check_locators(people, page_of, diags)
            data = front_doc.copy(pages).write_pdf(attachments=[], pdf_identifier=_identifier(book))
    finally:
        logger.removeHandler(capture)
    missing = {m.group(1) for m in map(_NOTDEF.search, capture.messages) if m}
    _report_missing_glyphs(book, missing, diags)
    for url in dict.fromkeys(fetcher.refused):
        name = url.rsplit("/", 1)[-1]
        owner = next((c.source for c in book.chapters if name and name in c.body_html), "templates")
        diags.warning(owner, 0, 0, "resource-refused", f"not read: {url} (outside the project or remote)")
    return PdfResult(data, len(pages))


_BLANK = '<!DOCTYPE html><html><head><style>@page { @top-left { content: none } @top-right { content: none } ' \
         '@bottom-center { content: none } }</style></head><body></body></html>'


def _even(pages: list, blank: Document) -> list:
    """Front matter ends on a verso, so that the book's first page is a recto."""
    return pages + [blank.pages[0]] if len(pages) % 2 else pages


def _anchors(pages: list, first: int) -> dict[str, int]:
    """Anchor id → printed number of the page where the element starts (a box split across
    pages lists its anchor on each of them)."""
    found: dict[str, int] = {}
    for number, page in enumerate(pages, start=first):
        for anchor in page.anchors:
            found.setdefault(anchor, number)
    return found


def _check_locators(index: PeopleIndex, page_of: dict[str, int], diags: Diagnostics) -> None:
    """Every credit and mention must have landed on a page; a template that drops one is a bug to see."""
    lost = [loc for e in index.entries for loc in e.locators if loc.anchor not in page_of]
    if lost:
        diags.warning("templates", 0, 0, "index-anchor-lost",
                      f"{len(lost)} index locators have no place in the PDF (first: {lost[0].anchor}): "
                      "does a template override drop the chapter body or the credit box?")


def _report_missing_glyphs(book: Book, missing: set[str], diags: Diagnostics) -> None:
    """One warning per chapter naming the characters no font could draw."""
    if not missing:
        return
    for chapter in book.chapters:
        text = " ".join([chapter.title, chapter.body_html, *(c.value for c in chapter.credits)])
        chars = sorted({ch for ch in missing if ch in text})
        if chars:
            shown = ", ".join(f"{ch} (U+{ord(ch):04X})" for ch in chars[:12])
            more = f" and {len(chars) - 12} more" if len(chars) > 12 else ""
            diags.warning(chapter.source, 0, 0, "missing-glyphs",
                          f"no font covers {shown}{more}: printed as empty boxes in the PDF")


def _identifier(book: Book) -> bytes:
    return hashlib.md5(book.identifier.encode()).hexdigest().encode()
