"""Multi-column layout (the index's two columns) without the measuring WeasyPrint discards.

For each column it fills, WeasyPrint's ``columns_layout`` lays out everything that is left
of the multi-column box a second time, at an infinite height, only to learn how tall the
next box is (``next_box_height``). That figure serves the balancing of the columns alone,
and WeasyPrint balances only a box whose ``column-fill`` is ``balance`` or whose run of
columns a ``column-span: all`` element follows. For the index (``column-fill: auto``, no
spanning element) each page's columns paid for laying out the rest of the index again: the
index of a 200-review book (four pages) took 1.36 s to lay out and write, 1.21 s without.

Where the figure cannot be used, that layout is not made: the call returns an empty column
box, and WeasyPrint goes on exactly as before (what the discarded layout left in the layout
context, floats and footnotes, WeasyPrint removes right after it; here there is none). Any
other multi-column box is laid out by WeasyPrint's own code, unchanged.

Importing this module imports WeasyPrint (through render/engine.py).
"""

from __future__ import annotations

from math import inf
from typing import Any

from .engine import load

_BLOCK = load("weasyprint.layout.block")
_WEASYPRINT_COLUMNS_LAYOUT = _BLOCK.columns_layout
_WEASYPRINT_BLOCK_BOX_LAYOUT = _BLOCK.block_box_layout

# Whether the innermost multi-column box being laid out never balances (a stack: a
# multi-column box may hold another).
_unbalanced: list[bool] = []


def never_balanced(box: Any) -> bool:
    """WeasyPrint never balances this multi-column box's columns, so never reads the height of
    the box that would come next in a column (layout/column.py: ``balancing`` is set only when
    ``column_fill`` is ``balance`` or a run of columns ends before a spanning element)."""
    return box.style["column_fill"] == "auto" and all(
        child.style["column_span"] != "all" for child in box.children)


def columns_layout(context: Any, box: Any, *args: Any, **kwargs: Any) -> Any:
    """WeasyPrint's columns_layout; while it runs, ``block_box_layout`` is :func:`_measured`
    (columns_layout imports that name from layout/block.py each time it is called)."""
    _unbalanced.append(never_balanced(box))
    before = _BLOCK.block_box_layout
    _BLOCK.block_box_layout = _measured
    try:
        return _WEASYPRINT_COLUMNS_LAYOUT(context, box, *args, **kwargs)
    finally:
        _BLOCK.block_box_layout = before
        _unbalanced.pop()


def _measured(context: Any, box: Any, bottom_space: float, *args: Any, **kwargs: Any) -> Any:
    """WeasyPrint's block_box_layout, except for the measure of the next box in a column box
    (the only call with a column box and an infinite height) where it cannot be used: an empty
    column box, of which columns_layout reads the children (none) and nothing else."""
    if bottom_space == inf and box.is_column and _unbalanced and _unbalanced[-1]:
        return box.copy_with_children([]), None, {"break": "any", "page": None}, [], False, None
    return _WEASYPRINT_BLOCK_BOX_LAYOUT(context, box, bottom_space, *args, **kwargs)


_BLOCK.columns_layout = columns_layout  # the name block_box_layout calls
