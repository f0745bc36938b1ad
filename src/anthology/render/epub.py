"""Book → XHTML (Jinja, same partials as the PDF) → EPUB 3 (ebooklib).

Chapters are written as our own complete XHTML documents (``EpubItem``), not through
``EpubHtml``, which re-parses content and silently drops what it cannot parse. The
navigation document is ours too (parts nested, landmarks); ebooklib writes the OPF and
the NCX. The zip is then re-packed with fixed entry times and order so the same book
gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

import jinja2
from ebooklib import epub
from lxml import etree

from ..errors import AnthologyError
from ..index import PeopleIndex, chapter_locators
from ..model import Book, Chapter, Part
from .context import AnyIndex, index_view, template_context
from .cover import generated_cover
from .html import render, stylesheet
from .pagelist import PageBreak, insert_breaks
from .pdf import FONT_DIR

CSS_PATH = "css/book.css"


def _file(target: str) -> str:
    return f"{target}.xhtml"


def _href(target: str) -> str:
    return _file(target)


def _document(env: jinja2.Environment, book: Book, content: str, lang: str, title: str,
              body_class: str, **context: Any) -> bytes:
    text = render(
        env, book.root, "document.xhtml.j2",
        book=book, output="epub", href=_href, content=content, lang=lang,
        doc_title=title, body_class=body_class, **context,
    )
    return _well_formed(text, content)


def _well_formed(text: str, name: str) -> bytes:
    """Parse the XHTML to be sure it is XML; a broken template is an error, not a bad EPUB."""
    data = text.encode("utf-8")
    try:
        etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise AnthologyError.single(
            f"templates/{name}", 0, 0, "template-xhtml",
            f"the EPUB document made from {name} is not well-formed XHTML: {exc}",
        ) from None
    return data


def render_epub(book: Book, env: jinja2.Environment, modified: datetime, assets: dict[str, bytes],
                people: PeopleIndex | None = None, indexes: list[AnyIndex] | None = None,
                breaks: tuple[PageBreak, ...] = (), cover: tuple[str, str, bytes] | None = None) -> bytes:
    """Build the EPUB in memory. ``assets`` maps project-relative image paths to bytes;
    ``breaks`` are the print edition's page breaks (pagebreak markers and page-list)."""
    indexes = indexes or []
    people_file = _file(people.id) if people is not None else ""
    context = template_context(book, people, indexes, lambda entry_id: f"{people_file}#{entry_id}", list(breaks))
    section_file = {c.id: _file(c.id) for c in book.chapters} | {p.id: _file(p.id) for p in book.parts}
    page_list = [(b.label, f"{section_file[b.section]}#page-{b.label}") for b in breaks]
    out = epub.EpubBook()
    out.set_identifier(book.identifier)
    out.set_title(book.title)
    out.set_language(book.language)
    for n, name in enumerate(book.authors):
        out.add_author(name, role="aut", uid=f"creator{n}")
    for n, name in enumerate(book.editors):
        out.add_author(name, role="edt", uid=f"editor{n}")
    if book.publisher:
        out.add_metadata("DC", "publisher", book.publisher)
    if book.date:
        out.add_metadata("DC", "date", book.date)
    if book.rights:
        out.add_metadata("DC", "rights", book.rights)
    if book.description:
        out.add_metadata("DC", "description", book.description)

    _accessibility(out, book, bool(breaks))
    if breaks:  # the page numbers are the print edition's
        out.add_metadata("DC", "source", book.identifier)
        out.add_metadata(None, "meta", book.identifier, {"property": "pageBreakSource"})

    css = stylesheet(env, "common.css") + "\n" + stylesheet(env, "epub.css")
    out.add_item(epub.EpubItem(uid="css", file_name=CSS_PATH, media_type="text/css", content=css.encode()))

    cover_item = _cover(out, book, env, cover, context)
    title_page = epub.EpubItem(
        uid="titlepage", file_name=_file("titlepage"), media_type="application/xhtml+xml",
        content=_document(env, book, "title_page.html.j2", book.language, book.title, "front", **context),
    )
    out.add_item(title_page)

    toc_title = book.epub.get("toc_title", "Contents")
    first = book.entries[0].id if book.entries else "titlepage"
    landmarks = [
        ("cover", _file("cover"), "Cover"),
        ("titlepage", _file("titlepage"), "Title page"),
        ("toc", "nav.xhtml#toc", toc_title),
        ("bodymatter", _file(first), "Start of content"),
    ]
    if indexes:
        landmarks.append(("index", _file(indexes[0].id), indexes[0].title))
    nav_text = render(env, book.root, "nav.xhtml.j2", book=book, output="epub", href=_href,
                      toc_title=toc_title, landmarks=landmarks, page_list=page_list, **context)
    nav = epub.EpubItem(uid="nav", file_name="nav.xhtml", media_type="application/xhtml+xml",
                        content=_well_formed(nav_text, "nav.xhtml.j2"))
    nav.properties = ["nav"]
    out.add_item(nav)

    spine: list[epub.EpubItem | str] = [cover_item, title_page, nav]
    by_section: dict[str, list[PageBreak]] = {}
    for b in breaks:
        by_section.setdefault(b.section, []).append(b)
    toc: list[object] = []

    def chapter_item(chapter: Chapter) -> epub.EpubItem:
        item = epub.EpubItem(
            uid=chapter.id, file_name=_file(chapter.id), media_type="application/xhtml+xml",
            content=_document(env, book, "chapter.html.j2", chapter.lang, chapter.title, "chapter-page",
                              chapter=replace(chapter, body_html=insert_breaks(chapter.body_html, by_section.get(
                                  chapter.id, []))), **context),
        )
        out.add_item(item)
        spine.append(item)
        return item

    for entry in book.entries:
        if isinstance(entry, Part):
            item = epub.EpubItem(
                uid=entry.id, file_name=_file(entry.id), media_type="application/xhtml+xml",
                content=_document(env, book, "part.html.j2", book.language, entry.title,
                                  "part-page", part=entry, **context),
            )
            out.add_item(item)
            spine.append(item)
            links = [epub.Link(_file(c.id), c.title, c.id) for c in entry.chapters]
            for chapter in entry.chapters:
                chapter_item(chapter)
            toc.append((epub.Section(entry.title, _file(entry.id)), links))
        else:
            chapter_item(entry)
            toc.append(epub.Link(_file(entry.id), entry.title, entry.id))

    titles = {c.id: c.title for c in book.chapters}
    order = [c.id for c in book.chapters]
    for ix in indexes:
        ix_view = index_view(ix, partial(chapter_locators, titles=titles, order=order,
                                         link=lambda c, a: f"{_file(c)}#{a}"))
        item = epub.EpubItem(uid=ix.id, file_name=_file(ix.id), media_type="application/xhtml+xml",
                             content=_document(env, book, "index.html.j2", book.language, ix.title,
                                               "index-page", ix=ix_view, **context))
        out.add_item(item)
        spine.append(item)
        toc.append(epub.Link(_file(ix.id), ix.title, ix.id))

    for n, (path, data) in enumerate(sorted(assets.items())):
        media_type = next(i.media_type for c in book.chapters for i in c.images if i.path == path)
        out.add_item(epub.EpubItem(uid=f"img{n}", file_name=path, media_type=media_type, content=data))

    out.toc = toc
    out.spine = spine
    out.add_item(epub.EpubNcx())

    buffer = io.BytesIO()
    writer = _Writer(buffer, out, {
        "epub3_landmark": False, "epub2_guide": False, "epub3_pages": False,
        "mtime": modified, "raise_exceptions": True,
        "compresslevel": 0,  # repack() compresses, once
    })
    writer.process()
    writer.write()
    return repack(buffer.getvalue(), modified)


class _Writer(epub.EpubWriter):
    """ebooklib's writer, with the package's language on <package xml:lang> (Ace's epub-lang)."""

    def _write_opf_file(self, root: etree._Element) -> None:
        root.set("{http://www.w3.org/XML/1998/namespace}lang", self.book.language)
        super()._write_opf_file(root)


def _cover(out: epub.EpubBook, book: Book, env: jinja2.Environment, cover: tuple[str, str, bytes] | None,
           context: dict[str, Any]) -> epub.EpubItem:
    """The cover image (``cover``: path in the EPUB, media type, bytes) and its page."""
    path, media_type, data = cover or ("images/cover.png", "image/png", generated_cover(book, FONT_DIR))
    image = epub.EpubItem(uid="cover-image", file_name=path, media_type=media_type, content=data)
    image.properties = ["cover-image"]
    out.add_item(image)
    out.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})
    page = epub.EpubItem(uid="cover", file_name=_file("cover"), media_type="application/xhtml+xml",
                         content=_document(env, book, "cover.html.j2", book.language, book.title, "cover-page",
                                           cover_src=path, **context))
    out.add_item(page)
    return page


def _accessibility(out: epub.EpubBook, book: Book, pages: bool) -> None:
    """schema.org accessibility metadata (EPUB Accessibility 1.1 discovery fields)."""
    has_images = any(c.images for c in book.chapters)
    modes = ["textual"] + (["visual"] if has_images else [])
    features = ["structuralNavigation", "tableOfContents", "readingOrder"]
    if pages:
        features += ["printPageNumbers", "pageBreakMarkers", "pageNavigation"]
    if has_images:
        features.append("alternativeText")
    summary = book.epub.get(
        "accessibility_summary",
        "Reflowable text with a navigable table of contents and headings for every "
        "chapter; " + ("images carry text alternatives." if has_images else "no images."),
    )
    meta = [("schema:accessMode", m) for m in modes]
    meta += [("schema:accessModeSufficient", "textual")]
    meta += [("schema:accessibilityFeature", f) for f in features]
    meta += [("schema:accessibilityHazard", "none"), ("schema:accessibilitySummary", summary),
             ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA")]
    for prop, value in meta:
        out.add_metadata(None, "meta", value, {"property": prop})


def repack(data: bytes, when: datetime) -> bytes:
    """Same entries, fixed timestamps, mimetype first and stored: reproducible bytes."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    order = ["mimetype"] + [n for n in names if n != "mimetype"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(name))
    return out.getvalue()
