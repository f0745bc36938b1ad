"""Book → HTML (Jinja) → PDF (WeasyPrint): laid out in pieces, merged, finished.

The body is laid out first, each part and chapter as a document of its own (in worker
processes, or from the layout cache), without folios: every section opens on a recto, so
its layout does not depend on its page numbers. The sections are then placed on numbered
pages (a blank verso where needed); the folios are laid out on their own and drawn over the
pages; the indexes are laid out from the pages where each anchor landed; the front matter
(half-title, title page, colophon, contents) last, its table of contents filled with those
numbers. No number comes from a single-pass ``target-counter``, so all stay exact. The
pieces are merged (render/merge.py) with exact page boxes, printer's marks and page labels.

A book that asks for a PDF standard, or overrides book.html.j2, is laid out in one process
as three documents (body, indexes, front matter) merged by WeasyPrint itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

import font_source_serif_pro
import fontpkg_amiri
import jinja2
import noto_cjk_sans_jp_regular

from ..errors import AnthologyError, Diagnostics
from ..index import PeopleIndex, page_locators
from ..limits import how_to_raise
from ..model import Book, Chapter, Part
from ..paper import Geometry, geometry
from .cache import LayoutCache, file_digests
from .context import AnyIndex, index_view, template_context
from .engine import CSS, HTML, ConfinedFetcher, Document, font_configuration, release_fonts
from .html import THEME_DIR, USER_TEMPLATES, render, stylesheet
from .jobs import BLANK, KEEP_ALL, KEEP_FOLIOS_ONLY, KEEP_NO_FOLIOS, Capture, Job, LaidOut, Slot, source_date_epoch
from .pagelist import PageBreak, find_breaks
from .parallel import LayoutFailed, LayoutTimeout, Named, Runner, Tick, Workers
from .subset import font_programs, own_programs

FONT_DIR = Path(font_source_serif_pro.font_directory)
FONT_FACES = (  # (file, weight, style)
    ("SourceSerifPro-Regular.otf", 400, "normal"),
    ("SourceSerifPro-It.otf", 400, "italic"),
    ("SourceSerifPro-Semibold.otf", 600, "normal"),
    ("SourceSerifPro-SemiboldIt.otf", 600, "italic"),
    ("SourceSerifPro-Bold.otf", 700, "normal"),
    ("SourceSerifPro-BoldIt.otf", 700, "italic"),
)
# Fallbacks for scripts Source Serif lacks, tried in this order after it (OFL, from PyPI).
CJK_FONT = Path(str(noto_cjk_sans_jp_regular.FONT_PATH))
ARABIC_DIR = Path(fontpkg_amiri.ROOT) / "files"
FALLBACK_FACES = (  # (family, file, weight, style)
    ("Fallback CJK", CJK_FONT, 400, "normal"),
    ("Fallback Arabic", ARABIC_DIR / "Amiri-Regular.ttf", 400, "normal"),
    ("Fallback Arabic", ARABIC_DIR / "Amiri-Italic.ttf", 400, "italic"),
    ("Fallback Arabic", ARABIC_DIR / "Amiri-Bold.ttf", 700, "normal"),
    ("Fallback Arabic", ARABIC_DIR / "Amiri-BoldItalic.ttf", 700, "italic"),
)
FONT_ROOTS = [FONT_DIR, CJK_FONT.parent, ARABIC_DIR]
_BLANK = ('<!DOCTYPE html><html><head><style>@page { @top-left { content: none } @top-right { content: none } '
          '@bottom-center { content: none } }</style></head><body></body></html>')


@dataclass(frozen=True, slots=True)
class PdfResult:
    data: bytes
    pages: int
    breaks: tuple[PageBreak, ...] = ()  # where each page of the body begins, for the EPUB
    laid_out: int = 0  # documents laid out by this build
    reused: int = 0  # documents taken from the layout cache


def font_css() -> str:
    faces = [("Source Serif", FONT_DIR / name, weight, style) for name, weight, style in FONT_FACES]
    rules = [
        f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); '
        f"font-weight: {weight}; font-style: {style}; }}"
        for family, path, weight, style in [*faces, *FALLBACK_FACES]
    ]
    return "\n".join(rules) + "\n"


_NOTDEF = re.compile(r'unsupported by fonts: "(.+)" \((U\+[0-9A-F]+)\)')


def _stylesheets(book: Book, env: jinja2.Environment, geo: Geometry) -> tuple[str, str, str]:
    """The PDF's stylesheets in cascade order: fonts, colour profile and page geometry, then
    the theme's (or the project's) common.css and print.css."""
    profile = ""
    if book.pdf.get("output_profile"):  # PDF/X: the printer's CMYK profile is the output intent
        url = (book.root / str(book.pdf["output_profile"])).resolve().as_uri()
        profile = f'@color-profile device-cmyk {{ src: url("{url}"); }}\n'
    return font_css() + profile + geo.css(), stylesheet(env, "common.css"), stylesheet(env, "print.css")


def _front_html(env: jinja2.Environment, book: Book, when: datetime, page_of: dict[str, int],
                context: dict) -> str:
    """The front matter, its contents numbered from where each anchor landed."""
    return render(
        env, book.root, "front_matter.html.j2", book=book, output="pdf", href=_href,
        page=partial(_page_number, page_of), meta={"modified": when.strftime("%Y-%m-%dT%H:%M:%SZ")},
        toc_title=book.epub.get("toc_title", "Contents"), **context,
    )


def _href(target: str) -> str:
    return f"#{target}"


class _Layout:
    """WeasyPrint with our stylesheets, fonts and confined fetcher, for one geometry."""

    def __init__(self, book: Book, env: jinja2.Environment, geo: Geometry) -> None:
        self.fetcher = ConfinedFetcher([book.root, THEME_DIR, *FONT_ROOTS])
        self.base = book.root.resolve().as_uri() + "/"
        self.fonts = font_configuration()
        self.sheets = _stylesheets(book, env, geo)

    def __call__(self, source: str, first_page: int = 1) -> Document:
        extra = f"@page :first {{ counter-reset: page {first_page} }}" if first_page != 1 else ""
        stylesheets = [CSS(string=text, base_url=self.base, url_fetcher=self.fetcher, font_config=self.fonts)
                       for text in [*self.sheets, extra] if text]
        return HTML(string=source, base_url=self.base, url_fetcher=self.fetcher).render(
            stylesheets=stylesheets, presentational_hints=False, font_config=self.fonts)


def _single_pass(book: Book) -> bool:
    """A PDF standard needs one tagged document, and an override of book.html.j2 lays out the
    whole book: either is laid out in one pass, without workers or the cache."""
    return bool(_variant(book)) or (book.root / USER_TEMPLATES / "book.html.j2").is_file()


def warm_up(book: Book, env: jinja2.Environment, when: datetime, workers: Workers, hyphenation_cache: str = "") -> None:
    """Have the early workers load this book's fonts and stylesheets and lay out a page
    (:func:`_warm_up_html`) while this process makes the index. ``hyphenation_cache``: the
    folder of parsed hyphenation patterns (render/hyphenation.py), "" for none."""
    geo, _problem = geometry(dict(book.pdf))
    if geo is None or _single_pass(book):
        return
    setup = _Setup(book, env, geo, int(when.timestamp()))
    workers.warm_up(setup.job("warm-up", _warm_up_html(book)), _known_fonts(), hyphenation_cache)


def _warm_up_html(book: Book) -> str:
    """A chapter head and a line in bold, italic and both: each face of the fonts is loaded,
    and the font subsetter's C types are made, before the first chapter comes. (A paragraph
    of the chapters read anew as well, for their hyphenation patterns, made a rebuild after
    an edit slower: the worker had no time to spare for it.)"""
    title = html.escape(book.title)
    return (f'<!DOCTYPE html><html lang="{html.escape(book.language)}"><body><section class="chapter">'
            f'<header class="chapter-head"><h1 class="chapter-title">{title}</h1></header>'
            f'<div class="chapter-body"><p><b>{title}</b> <i>{title}</i> <b><i>{title}</i></b></p>'
            f'</div></section></body></html>')


def render_pdf(book: Book, env: jinja2.Environment, diags: Diagnostics, when: datetime,
               people: PeopleIndex | None = None, indexes: list[AnyIndex] | None = None, *,
               cache: LayoutCache | None = None, workers: int | Workers | None = None, merge_pdf: bool = True,
               progress: Tick | None = None, meanwhile: Callable[[tuple[PageBreak, ...]], None] | None = None,
               ) -> PdfResult:
    """Lay out, merge and finish the book's PDF.

    Each part and chapter is laid out as a document of its own, in worker processes, and
    reused from ``cache`` when its input has not changed; then the folios, the indexes and
    the front matter, which depend on page numbers; then the merge (render/merge.py).
    ``merge_pdf=False`` stops after the sections: enough for the EPUB's page-list.
    ``meanwhile(breaks)`` is called once the page breaks are final, while a worker merges
    the PDF (the EPUB is made then).
    A PDF standard (PDF/A, PDF/UA, PDF/X) needs one tagged document: that book is laid out
    in a single pass, as is a book whose templates/ overrides book.html.j2.
    """
    geo, problem = geometry(dict(book.pdf))
    if geo is None:
        raise AnthologyError.single("anthology.yaml", 0, 0, "bad-pdf-options", problem)
    if _single_pass(book):
        return _render_single(book, env, diags, when, geo, people, indexes)
    indexes = indexes or []
    context = template_context(book, people, indexes, lambda entry_id: f"#{entry_id}")
    href = _href
    sections = [render(env, book.root, "book.html.j2", book=book, output="pdf", href=href, sections=[s], **context)
                for s in book.sections]
    epoch = int(when.timestamp())
    try:
        return _render_pieces(book, env, diags, when, people, indexes, geo, sections, context, href, epoch,
                              cache=cache, workers=workers, merge_pdf=merge_pdf, progress=progress,
                              meanwhile=meanwhile)
    except (LayoutTimeout, LayoutFailed) as exc:
        owner = next((s.source for s, html in zip(book.sections, sections, strict=True)
                      if html == exc.job.html and isinstance(s, Chapter)), "")
        what = "this chapter" if owner else {"index": "the index", "front": "the front matter",
                                              "folios": "the folios"}.get(exc.job.kind, "a part divider")
        if isinstance(exc, LayoutTimeout):
            raise AnthologyError.single(
                owner or "anthology.yaml", 0, 0, "layout-time",
                f"laying out {what} took more than {exc.seconds:.0f} s and was stopped: "
                f"{how_to_raise('layout_seconds')}") from None
        raise AnthologyError.single(
            owner or "templates", 0, 0, "layout-failed",
            f"WeasyPrint could not lay out {what} ({exc}): simplify its markup (the previous book is "
            "untouched); if the review is ordinary, please report it") from None


def _render_pieces(book: Book, env: jinja2.Environment, diags: Diagnostics, when: datetime,
                   people: PeopleIndex | None, indexes: list[AnyIndex], geo: Geometry, sections: list[str],
                   context: dict, href: Callable[[str], str], epoch: int, *, cache: LayoutCache | None,
                   workers: int | Workers | None, merge_pdf: bool, progress: Tick | None,
                   meanwhile: Callable[[tuple[PageBreak, ...]], None] | None) -> PdfResult:
    with Runner(cache, _known_fonts(), workers, book.limits.layout_seconds) as runner:
        for _attempt in range(2):  # a second pass only when KDP's gutter changes with the page count
            setup = _Setup(book, env, geo, epoch)
            laying_out = runner.start([setup.job("section", html, keep=KEEP_NO_FOLIOS) for html in sections],
                                      progress)
            if merge_pdf:  # meanwhile: what comes after the body, ready when it is (an EPUB alone has no use for most)
                _compile_templates(env)
            laid = laying_out()
            body = _Body(book.sections, laid)
            # With KDP's gutter the page count may change the layout: the EPUB's page-list
            # waits for the final pass, and an EPUB alone needs the whole book's page count.
            if not merge_pdf and not geo.kdp_gutter:
                if meanwhile is not None:
                    meanwhile(tuple(body.breaks))
                return PdfResult(b"", body.pages, tuple(body.breaks), runner.laid_out, runner.reused)
            page_of = dict(body.page_of)
            folio_jobs = [setup.job("folios", html, first_page=first, keep=KEEP_FOLIOS_ONLY, extra=_FOLIO_CSS)
                          for first, html in body.folio_documents()]
            index_start = body.pages + 1 + body.pages % 2  # the indexes open on a recto
            index_job = None
            identifier = (("pdf_identifier", _identifier(book)),)
            if indexes:
                views = [index_view(ix, partial(page_locators, page_of=page_of)) for ix in indexes]
                index_job = setup.job("index", render(env, book.root, "index_document.html.j2", book=book,
                                                      output="pdf", href=href, indexes=views), first_page=index_start)
            # The front matter's contents need the indexes' pages: it is laid out alongside them
            # with the first index on its first page, and again only if the real numbers differ.
            guess = {**page_of, indexes[0].id: index_start} if indexes else page_of
            guessed_html = _front_html(env, book, when, guess, context)
            # The longest first (the index, then the contents), the short folio documents after:
            # both workers stay busy to the end.
            jobs = [*([index_job] if index_job else []), setup.job("front", guessed_html, pdf_options=identifier),
                    *folio_jobs]
            done = runner.run(jobs)
            index_doc = done[0] if index_job else None
            folios = done[len(jobs) - len(folio_jobs):]
            if index_doc is not None:
                page_of.update(_numbered(index_doc, index_start))
            front_html = _front_html(env, book, when, page_of, context)
            front = done[len(jobs) - len(folio_jobs) - 1] if front_html == guessed_html else runner.run(
                [setup.job("front", front_html, pdf_options=identifier)])[0]
            front_count = front.pages + front.pages % 2
            total = front_count + body.pages + (index_start - 1 - body.pages) + (index_doc.pages if index_doc else 0)
            wanted = geo.with_pages(total)
            if wanted == geo:
                break
            geo = wanted
        if not merge_pdf:
            return PdfResult(b"", body.pages, tuple(body.breaks), runner.laid_out, runner.reused)
        docs, slots = _assemble(front, body, laid, folios, index_doc)
        # The fonts here (their files are large), the merge in a worker when there are workers
        # (it is the build's largest use of memory), while this process makes the EPUB.
        fonts_kept = (cache.fonts, cache.used_fonts) if cache is not None else (None, None)
        programs = font_programs(docs, _font_bytes, epoch, *fonts_kept)
        own = own_programs(docs, _font_bytes, epoch, *fonts_kept, programs)
        finish = partial(Named(f"{__package__}.prepress", "finish_pdf"), geo=geo, front_pages=front_count)
        merged = runner.start_call(Named(f"{__package__}.merge", "merge"), docs, slots, programs, finish, own)
        if meanwhile is not None:
            meanwhile(tuple(body.breaks))
        data = merged()
    if people is not None:
        _check_locators(people, page_of, diags)
    all_docs = [*laid, *([index_doc] if index_doc else []), front]
    missing = {m.group(1) for d in all_docs for m in map(_NOTDEF.search, d.messages) if m}
    _report_missing_glyphs(book, missing, diags)
    owners = [s.source if isinstance(s, Chapter) else "templates" for s in book.sections]
    refused = {url: owner for doc, owner in zip(laid, owners, strict=True) for url in doc.refused}
    for doc in all_docs[len(laid):]:
        refused.update({url: "templates" for url in doc.refused if url not in refused})
    for url, owner in refused.items():
        diags.warning(owner, 0, 0, "resource-refused", f"not read: {url} (outside the project or remote)")
    return PdfResult(data, len(slots), tuple(body.breaks), runner.laid_out, runner.reused)


_FOLIO_CSS = "@page { background: transparent !important; } html, body { background: transparent !important; }"


class _Setup:
    """What every layout job of one build shares: stylesheets, base URL, allowed folders."""

    def __init__(self, book: Book, env: jinja2.Environment, geo: Geometry, epoch: int) -> None:
        self.sheets = _stylesheets(book, env, geo)
        self.base = book.root.resolve().as_uri() + "/"
        self.roots = tuple(str(r) for r in [book.root.resolve(), THEME_DIR, *FONT_ROOTS])
        self.epoch = epoch

    def job(self, kind: str, html: str, *, first_page: int = 1, keep: str = KEEP_ALL, extra: str = "",
            pdf_options: tuple[tuple[str, object], ...] = ()) -> Job:
        return Job(kind, html, (*self.sheets, extra) if extra else self.sheets, self.base, self.roots,
                   first_page, keep, pdf_options, self.epoch, " ".join(sorted(font_files())))


class _Body:
    """The sections placed on the body's pages: every section opens on a recto (odd page),
    after a blank verso when the previous one ended on a recto."""

    def __init__(self, sections: tuple[Chapter | Part, ...], laid: list[LaidOut]) -> None:
        self.starts: list[int] = []  # first page number of each section
        self.page_of: dict[str, int] = {}
        self.breaks: list[PageBreak] = []
        self.names: dict[int, str] = {}  # page number → named page, for the folios
        self.folioed: set[int] = set()  # page numbers that carry a folio
        pending: list[str] = []
        page = 1
        for _section, doc in zip(sections, laid, strict=True):
            if page % 2 == 0:
                pending.append(str(page))  # the blank verso begins where the section does
                page += 1
            self.starts.append(page)
            offset = page - 1
            for n in range(doc.pages):
                self.names[page + n] = doc.page_names[n]
                if not doc.blank[n]:
                    self.folioed.add(page + n)
            self.page_of.update(_numbered(doc, page))
            for b in doc.breaks:
                if pending:
                    self.breaks += [PageBreak(label, b.section, b.block, b.offset) for label in pending]
                    pending = []
                self.breaks.append(PageBreak(str(int(b.label) + offset), b.section, b.block, b.offset))
            pending += [str(offset + doc.pages - k) for k in range(doc.trailing - 1, -1, -1)]
            page += doc.pages
        self.pages = page - 1

    def folio_documents(self, size: int = 32) -> list[tuple[int, str]]:
        """(first page number, HTML) of the folio documents: pages 1-32, 33-64, … each page
        a named page like the body's, so that the folio is the one the stylesheets give it."""
        documents = []
        for first in range(1, self.pages + 1, size):
            pages = []
            for number in range(first, min(first + size, self.pages + 1)):
                name = self.names.get(number, "")
                style = f"page: {name}" if name else "page: auto"
                pages.append(f'<div style="{style}; break-before: page"></div>')
            documents.append((first, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>"
                              + "".join(pages) + "</body></html>"))
        return documents


def _page_number(page_of: dict[str, int], target: str) -> str:
    return str(page_of.get(target, 999))


def _numbered(doc: LaidOut, first: int) -> dict[str, int]:
    """Anchor id → printed number of the page where it starts (the first occurrence)."""
    found: dict[str, int] = {}
    for n, anchors in enumerate(doc.anchors):
        for name, _x, _y in anchors:
            found.setdefault(name, first + n)
    return found


def _assemble(front: LaidOut, body: _Body, laid: list[LaidOut], folios: list[LaidOut],
              index_doc: LaidOut | None) -> tuple[list[LaidOut], list[Slot]]:
    """The merged book's pages: front matter (ending on a verso), the body, the indexes."""
    docs: list[LaidOut] = [front, *laid, *folios, *([index_doc] if index_doc else [])]
    slots = [Slot(0, n) for n in range(front.pages)]
    if front.pages % 2:
        slots.append(Slot(BLANK))
    folio_base = 1 + len(laid)
    page = 1
    for n, (doc, start) in enumerate(zip(laid, body.starts, strict=True)):
        while page < start:
            slots.append(Slot(BLANK))
            page += 1
        for k in range(doc.pages):
            number = start + k
            folio = None
            if number in body.folioed:
                chunk, within = divmod(number - 1, 32)
                folio = (folio_base + chunk, within)
            slots.append(Slot(1 + n, k, folio))
            page += 1
    if index_doc is not None:
        if body.pages % 2:
            slots.append(Slot(BLANK))
        slots += [Slot(len(docs) - 1, k) for k in range(index_doc.pages)]
    return docs, slots


def _compile_templates(env: jinja2.Environment) -> None:
    """Compile the templates of the contents, the indexes and the EPUB (Jinja compiles a
    template on first use: 30 ms in all, after a rebuild's chapter and before its merge)."""
    for name in _LATER_TEMPLATES:
        with contextlib.suppress(jinja2.TemplateError, OSError):  # an error is reported where it is used
            env.get_template(name)


_LATER_TEMPLATES = ("index_document.html.j2", "index.html.j2", "front_matter.html.j2", "title_page.html.j2",
                    "toc.html.j2", "document.xhtml.j2", "cover.html.j2", "nav.xhtml.j2")


def _known_fonts() -> frozenset[str]:
    return frozenset(font_files())


_FONT_FILES: dict[str, Path] = {}


def font_files(memo: Path | None = None) -> dict[str, Path]:
    """sha256 → path of the fonts the theme declares (the merge re-subsets from these), found
    once per process; ``memo``: where digests computed before are kept (render/cache.py)."""
    if not _FONT_FILES:
        paths = [FONT_DIR / name for name, _w, _s in FONT_FACES] + [path for _f, path, _w, _s in FALLBACK_FACES]
        _FONT_FILES.update({digest: path for path, digest in file_digests(paths, memo).items()})
    return _FONT_FILES


def _font_bytes(digest: str) -> bytes | None:
    path = font_files().get(digest)
    return path.read_bytes() if path is not None else None


def _render_single(book: Book, env: jinja2.Environment, diags: Diagnostics, when: datetime, geo: Geometry,
                   people: PeopleIndex | None = None, indexes: list[AnyIndex] | None = None) -> PdfResult:
    """The whole book in one process: body, indexes and front matter as three documents
    merged by WeasyPrint itself (the path for tagged PDF standards)."""
    indexes = indexes or []
    context = template_context(book, people, indexes, lambda entry_id: f"#{entry_id}")
    href = _href
    body_html = render(env, book.root, "book.html.j2", book=book, output="pdf", href=href, **context)

    front_html = partial(_front_html, env, book, when, context=context)

    logger = logging.getLogger("weasyprint")
    capture = Capture()
    logger.addHandler(capture)
    layouts: list[_Layout] = []
    try:
        with source_date_epoch(int(when.timestamp())):
            for _attempt in range(2):  # a second pass only when KDP's gutter changes with the page count
                layout = _Layout(book, env, geo)
                layouts.append(layout)
                pages, front_count, page_of, breaks = _lay_out(layout, body_html, front_html, indexes, env, book,
                                                               href)
                wanted = geo.with_pages(len(pages))
                if wanted == geo:
                    break
                geo = wanted
            data = pages[0].document.copy([p.page for p in pages]).write_pdf(
                attachments=[], pdf_identifier=_identifier(book), pdf_variant=_variant(book))
            from .prepress import finish

            data = finish(data, geo, front_count)
    finally:
        logger.removeHandler(capture)
        for used in layouts:
            release_fonts(used.fonts)
    if people is not None:
        _check_locators(people, page_of, diags)
    missing = {m.group(1) for m in map(_NOTDEF.search, capture.messages) if m}
    _report_missing_glyphs(book, missing, diags)
    for url in dict.fromkeys(layout.fetcher.refused):
        name = url.rsplit("/", 1)[-1]
        owner = next((c.source for c in book.chapters if name and name in c.body_html), "templates")
        diags.warning(owner, 0, 0, "resource-refused", f"not read: {url} (outside the project or remote)")
    return PdfResult(data, len(pages), tuple(breaks), laid_out=4 if indexes else 3)  # blank, body, [index], front


@dataclass(frozen=True, slots=True)
class _Placed:
    """A laid-out page and the document it came from (its fonts, metadata)."""

    page: object
    document: Document


def _lay_out(layout: _Layout, body_html: str, front_html, indexes: list[AnyIndex], env: jinja2.Environment,
             book: Book, href) -> tuple[list[_Placed], int, dict[str, int], list[PageBreak]]:
    """Body, then indexes, then front matter; returns the merged pages, the front matter's
    page count, where each anchor landed (printed page numbers) and where each page begins."""
    blank = layout(_BLANK)
    body = layout(body_html)
    page_of = _anchors(body.pages, 1)
    breaks = find_breaks(body.pages, 1)
    tail: list[_Placed] = []
    if indexes:
        last = len(body.pages)
        pad = [_Placed(blank.pages[0], blank)] if last % 2 else []  # the indexes open on a recto
        start = last + len(pad) + 1
        views = [index_view(ix, partial(page_locators, page_of=page_of)) for ix in indexes]
        index_doc = layout(render(env, book.root, "index_document.html.j2", book=book, output="pdf",
                                  href=href, indexes=views), start)
        page_of.update(_anchors(index_doc.pages, start))
        tail = pad + [_Placed(p, index_doc) for p in index_doc.pages]
    front = layout(front_html(page_of))
    front_pages = [_Placed(p, front) for p in front.pages]
    if len(front_pages) % 2:  # the front matter ends on a verso: page 1 is a recto
        front_pages.append(_Placed(blank.pages[0], blank))
    pages = front_pages + [_Placed(p, body) for p in body.pages] + tail
    return pages, len(front_pages), page_of, breaks


def _anchors(pages: list, first: int) -> dict[str, int]:
    """Anchor id → printed number of the page where the element starts (a box split across
    pages lists its anchor on each of them)."""
    found: dict[str, int] = {}
    for number, page in enumerate(pages, start=first):
        for anchor in page.anchors:
            found.setdefault(anchor, number)
    return found


def _variant(book: Book) -> str | None:
    standard = str(book.pdf.get("standard", "")).lower()
    return standard or None


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
