"""What every template receives besides the book: the indexes and links into them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..index import NOTES, BookIndex, PeopleIndex, view
from ..index import Shown as Shown
from ..model import Book, Chapter, Part
from .pagelist import PageBreak, marker, with_block_ids

AnyIndex = PeopleIndex | BookIndex


def with_anchors(book: Book, people: PeopleIndex | None) -> Book:
    """The book whose chapter bodies carry the index's mention anchors and block ids."""

    def anchored(chapter: Chapter) -> Chapter:
        body = people.bodies.get(chapter.id, chapter.body_html) if people is not None else chapter.body_html
        return replace(chapter, body_html=with_block_ids(body, chapter.id))

    entries = tuple(
        replace(e, chapters=tuple(anchored(c) for c in e.chapters)) if isinstance(e, Part) else anchored(e)
        for e in book.entries
    )
    return replace(book, entries=entries)


def index_view(ix: AnyIndex, shown: Callable[[Any], list[Shown]]) -> dict[str, Any]:
    """What index.html.j2 receives as ``ix``: the index with each entry's locators to print."""
    groups = [(letter, [view(e, shown(e)) for e in entries]) for letter, entries in ix.groups()]
    return {"id": ix.id, "key": ix.key, "title": ix.title, "note": NOTES[ix.key], "groups": groups}


def template_context(book: Book, people: PeopleIndex | None, indexes: list[AnyIndex],
                     people_href: Callable[[str], str], breaks: list[PageBreak] | None = None) -> dict[str, Any]:
    """Variables shared by the PDF and EPUB templates. ``breaks``: the print edition's page
    breaks, for the EPUB's pagebreak markers (none in the PDF itself)."""

    def pagebreaks(section_id: str) -> str:
        """Markers for the print pages that begin at the start of this chapter or part."""
        return "".join(marker(b.label) for b in breaks or () if b.section == section_id and not b.block)

    def person_ref(chapter_id: str, credit: int, name: int) -> dict[str, str] | None:
        if people is None:
            return None
        anchor, entry_id = people.credit_ref(chapter_id, credit, name)
        return {"anchor": anchor, "href": people_href(entry_id)}

    return {
        "person_ref": person_ref,
        "pagebreaks": pagebreaks,
        "indexes": [{"id": ix.id, "key": ix.key, "title": ix.title} for ix in indexes],
    }
