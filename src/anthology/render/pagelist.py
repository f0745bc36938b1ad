"""Print page numbers in the EPUB: where each page of the PDF begins, carried into the
e-book as ``epub:type="pagebreak"`` markers and a ``page-list`` navigation.

Every block of a chapter body has an id (``ch-x-b12``). Walking the laid-out PDF pages,
the first piece of text on each page tells which block the page starts in and after how
many characters of it; the same block in the EPUB gets a marker at that character. Only
non-space characters are counted, so whitespace collapsing and line breaking cannot shift
a marker; the hyphens that hyphenation adds at line ends are not counted either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

BLOCKS = ("p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "figcaption", "dt", "dd",
          "td", "th", "caption")
HYPHEN = "\u2010"  # WeasyPrint's default hyphenate-character
_MARK = re.compile("\ue000([^\ue001]+)\ue001")
_SOLID_RUN = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class PageBreak:
    label: str  # the printed folio
    section: str  # chapter or part id
    block: str = ""  # block id in the chapter body; "" = the start of the section
    offset: int = 0  # non-space characters of the block before the page begins


def with_block_ids(body_html: str, chapter_id: str) -> str:
    """Give every block of a chapter body a stable id, the same in PDF and EPUB."""
    if not body_html:
        return body_html
    root = etree.fromstring(f"<div>{body_html}</div>")
    for n, el in enumerate(root.iter(*BLOCKS), start=1):
        if el.get("id") is None:
            el.set("id", f"{chapter_id}-b{n}")
    inner = etree.tostring(root, encoding="unicode")
    return inner[len("<div>"):-len("</div>")] if inner.startswith("<div>") else body_html


def _solid(text: str) -> int:
    return len(re.sub(r"\s+", "", text))


def find_breaks(pages: list, first_number: int) -> list[PageBreak]:
    """Where each laid-out page begins, from WeasyPrint's box trees (pages in order)."""
    breaks: list[PageBreak] = []
    consumed: dict[str, int] = {}
    pending: list[str] = []  # pages with no text yet: they begin where the next text begins

    for number, page in enumerate(pages, start=first_number):
        pending.append(str(number))
        for box, section, block in _text_boxes(page._page_box):
            if pending and section:
                where = PageBreak("", section, block, consumed.get(block, 0)) if block else PageBreak("", section)
                breaks += [PageBreak(label, where.section, where.block, where.offset) for label in pending]
                pending = []
            if block:
                text = box.text[:-1] if box.text.endswith(HYPHEN) else box.text
                consumed[block] = consumed.get(block, 0) + _solid(text.replace("\u00ad", ""))
    return breaks


def _text_boxes(root: object):
    """(text box, section id, innermost block id) in document order, generated text skipped."""
    stack = [(root, "", "")]
    while stack:
        box, section, block = stack.pop()
        element = getattr(box, "element", None)
        tag = getattr(box, "element_tag", "") or ""
        if "::" in tag or type(box).__name__ == "MarginBox":
            continue
        if element is not None and element is not getattr(box, "_seen", None):
            ident = element.get("id") or ""
            classes = (element.get("class") or "").split()
            if ident and ("chapter" in classes or "part" in classes):
                section, block = ident, ""
            elif ident and element.tag in BLOCKS and section and ident.startswith(section + "-b"):
                block = ident
        if type(box).__name__ == "TextBox":
            yield box, section, block
            continue
        children = getattr(box, "children", None) or []
        stack.extend((child, section, block) for child in reversed(children))


def insert_breaks(body_html: str, breaks: list[PageBreak]) -> str:
    """Put a pagebreak marker in the chapter body at each break's block and character."""
    inside = [b for b in breaks if b.block]
    if not inside or not body_html:
        return body_html
    root = etree.fromstring(f"<div>{body_html}</div>")
    by_block: dict[str, list[PageBreak]] = {}
    for b in inside:
        by_block.setdefault(b.block, []).append(b)
    ids: dict[str, etree._Element] = {}
    for el in root.iter(*BLOCKS):
        ids.setdefault(el.get("id") or "", el)
    for block_id, marks in by_block.items():
        found = ids.get(block_id)
        if found is not None:
            _mark_block(found, marks)
    inner = etree.tostring(root, encoding="unicode")
    inner = inner[len("<div>"):-len("</div>")] if inner.startswith("<div>") else body_html
    return _MARK.sub(lambda m: "".join(marker(label) for label in m.group(1).split("\ue002")), inner)


def marker(label: str) -> str:
    return (f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{label}" '
            f'aria-label="{label}"></span>')


def _mark_block(block: etree._Element, marks: list[PageBreak]) -> None:
    """Insert \ue000label\ue001 placeholders at the right characters of the block's text."""
    wanted = sorted(marks, key=lambda b: b.offset)
    count = 0

    def in_order(el: etree._Element):
        """Text slots in document order: an element's text, its children, then its tail."""
        yield el, "text"
        for child in el:
            if isinstance(child.tag, str):
                yield from in_order(child)
            yield child, "tail"

    for el, attr in in_order(block):
        if not wanted:
            break
        text = getattr(el, attr) or ""
        if count + _solid(text) <= wanted[0].offset:  # no break in this text: counted at C speed
            count += _solid(text)
            continue
        # Each break goes before the character with its number among the block's non-space
        # characters, found run of non-space characters by run (not character by character).
        pieces, done = [], 0
        for run in _SOLID_RUN.finditer(text):
            start, end = run.span()
            while wanted and wanted[0].offset < count + end - start:
                at = start + wanted[0].offset - count
                pieces += [text[done:at], "\ue000" + wanted.pop(0).label + "\ue001"]
                done = at
            count += end - start
        if pieces:
            setattr(el, attr, "".join(pieces) + text[done:])
    if wanted:  # past the last character: at the end of the block
        last = "\ue000" + "\ue002".join(b.label for b in wanted) + "\ue001"
        block.text = (block.text or "") + last if len(block) == 0 else block.text
        if len(block):
            tail_el = block[-1]
            tail_el.tail = (tail_el.tail or "") + last
