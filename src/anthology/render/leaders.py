"""Dot leaders (``leader(". ")``, the contents' page numbers) drawn as one run of text.

WeasyPrint fills a leader with one copy of its text box per repetition: a line of the
contents gets some sixty boxes of ". ", each drawn as a text object of its own. For the 204
lines of a 200-review book that is 8,000 boxes, half the time of the front matter's layout.
Once WeasyPrint has placed the copies (:func:`handle_leader`, unchanged), they are replaced
by one box holding the same text repeated, where that box is exactly as wide as the copies
side by side: the same glyphs at the same places, in one text object. Where it is not (a
font that kerns the text against itself, say) the copies stay.

Importing this module imports WeasyPrint (through render/engine.py).
"""

from __future__ import annotations

from math import inf

from .engine import load

_INLINE = load("weasyprint.layout.inline")
_LEADER = load("weasyprint.layout.leader")
_LINE_BREAK = load("weasyprint.text.line_break")
_WEASYPRINT_HANDLE_LEADER = _LEADER.handle_leader

_TOLERANCE = 1e-6  # CSS px: WeasyPrint's own positions are sums of the same floats


def handle_leader(context: object, line: object, containing_block: object) -> None:
    """WeasyPrint's handle_leader, then the copies of the leader's text joined into one box."""
    _WEASYPRINT_HANDLE_LEADER(context, line, containing_block)
    _index, leader = _LEADER.leader_index(line)
    if leader is not None:
        copies = leader.children
        joined = joined_copies(context, copies[:-1])
        if joined is not None:
            # The leftmost copy kept apart, drawn last: text extraction by position (pdftotext
            # -layout) then reads the contents exactly as it read WeasyPrint's copies.
            leader.children = (joined, copies[-1])


def joined_copies(context: object, copies: tuple) -> object | None:
    """One text box for ``copies`` (WeasyPrint's, from right to left, each one ``width`` to the
    left of the previous), or None when one box would not draw the same."""
    if len(copies) < 2:
        return None
    unit = copies[0]
    step = unit.width
    for n, copy in enumerate(copies):
        if (copy.text != unit.text or copy.style is not unit.style or copy.width != step
                or abs(unit.position_x - n * step - copy.position_x) > _TOLERANCE
                or copy.position_y != unit.position_y):
            return None
    text = unit.text * len(copies)
    layout, length, resume, width, height, baseline = _LINE_BREAK.split_first_line(
        text, unit.style, context, inf, unit.justification_spacing, is_line_start=False)
    if (resume is not None or length != len(text.encode()) or height != unit.height
            or abs(width - step * len(copies)) > _TOLERANCE * len(copies)):
        return None
    joined = copies[-1].copy_with_text(layout.text)
    joined.pango_layout = layout
    joined.width = width
    return joined


_INLINE.handle_leader = handle_leader  # the name iter_line_boxes calls
