"""What every template receives besides the book: links into the index, its title."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..index import PeopleIndex
from ..model import Book, Chapter, Part

INDEX_TITLE = "Index of People"


def with_anchors(book: Book, index: PeopleIndex | None) -> Book:
    """The book whose chapter bodies carry the index's mention anchors."""
    if index is None:
        return book

    def anchored(chapter: Chapter) -> Chapter:
        return replace(chapter, body_html=index.bodies.get(chapter.id, chapter.body_html))

    entries = tuple(
        replace(e, chapters=tuple(anchored(c) for c in e.chapters)) if isinstance(e, Part) else anchored(e)
        for e in book.entries
    )
    return replace(book, entries=entries)


def template_context(book: Book, index: PeopleIndex | None, index_href: Callable[[str], str]) -> dict[str, object]:
    """Variables shared by the PDF and EPUB templates."""

    def person_ref(chapter_id: str, credit: int, name: int) -> dict[str, str] | None:
        if index is None:
            return None
        anchor, entry_id = index.credit_ref(chapter_id, credit, name)
        return {"anchor": anchor, "href": index_href(entry_id)}

    return {
        "person_ref": person_ref,
        "has_index": index is not None,
        "index_title": book.epub.get("index_title", INDEX_TITLE),
    }
