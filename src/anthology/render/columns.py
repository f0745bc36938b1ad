"""Multi-column layout (the index's two columns) without the layouts WeasyPrint discards.

WeasyPrint's ``columns_layout`` lays out a page's run of columns up to three times:

1. a *trial*: the columns at the full height left on the page, to learn whether the content
   fits and how tall the columns would be;
2. within the trial, for each column it fills, everything left of the multi-column box again
   at an infinite height, only to learn how tall the next box is (``next_box_height``);
3. the columns for real, at the height the trial chose.

Both figures serve the balancing of the columns alone, and WeasyPrint balances only a box
whose ``column-fill`` is ``balance`` or whose run of columns a ``column-span: all`` element
follows. For a box it never balances (the index: ``column-fill: auto``, no spanning element)
the height stays the full height left, and the real columns are laid out from the same break
as the trial's first. What the trial and the measures can still leave behind for the real
columns is what laying out content records in the layout context, and only content out of
the normal flow records anything: floats (excluded shapes), footnotes (the footnote area's
height; for footnotes WeasyPrint even lays out the trial again), running elements, absolutely
positioned boxes (list markers outside the text among them). So for a box never balanced and
holding none of those, neither is made: the call returns an empty column box, as if the
columns were empty, and WeasyPrint goes on to lay out the real columns exactly as before.
Any other multi-column box is laid out by WeasyPrint's own code, unchanged. (Skipping the
measures alone for any box never balanced, as the first version of this module did, made
WeasyPrint fail on a footnote in the columns: the measure's layout of the footnote was part
of the footnote area's bookkeeping.)

Laying out and writing the index of a 200-review book (four pages of two columns), the CPU
time of the job alternately with WeasyPrint's code and with this module's, medians of two
runs on a machine whose speed varied a lot: 1.39 s → 1.08 s and 2.09 s → 1.43 s (0.7 to 0.8
times). The PDF is the same, byte for byte (tests/test_columns.py; and the whole book).

Importing this module imports WeasyPrint (through render/engine.py).
"""

from __future__ import annotations

from typing import Any

from .engine import load

_BLOCK = load("weasyprint.layout.block")
_WEASYPRINT_COLUMNS_LAYOUT = _BLOCK.columns_layout
_WEASYPRINT_BLOCK_BOX_LAYOUT = _BLOCK.block_box_layout


# Whether the layouts of the innermost multi-column box being laid out that WeasyPrint does
# not use are skipped (a stack: a multi-column box may hold another).
_skipping: list[bool] = []

# The attribute all_in_flow keeps its answer in, on the box.
_IN_FLOW = "_anthology_all_in_flow"


def never_balanced(box: Any) -> bool:
    """WeasyPrint never balances this multi-column box's columns, so never reads the height of
    the box that would come next in a column (layout/column.py: ``balancing`` is set only when
    ``column_fill`` is ``balance`` or a run of columns ends before a spanning element)."""
    return box.style["column_fill"] == "auto" and all(
        child.style["column_span"] != "all" for child in box.children)


def all_in_flow(box: Any) -> bool:
    """Nothing in ``box`` is out of the normal flow (floated, absolutely positioned or running)
    nor calls a footnote or a note (WeasyPrint keeps those apart from the tree, on the box of
    their call): laying it out records nothing in the layout context that a later layout of
    the same content would see. Remembered on the box: columns_layout gets the same
    box on every page it continues to (the index's, from each page's first entry), and a copy
    of it holds no more than it does."""
    known = getattr(box, _IN_FLOW, None)
    if known is None:
        known = all(d.is_in_normal_flow() and d.footnote is None and d.note is None
                    for d in box.descendants() if hasattr(d, "is_in_normal_flow"))
        setattr(box, _IN_FLOW, known)
    return known


def columns_layout(context: Any, box: Any, *args: Any, **kwargs: Any) -> Any:
    """WeasyPrint's columns_layout; while it runs, ``block_box_layout`` is :func:`_column`
    (columns_layout imports that name from layout/block.py each time it is called)."""
    _skipping.append(never_balanced(box) and all_in_flow(box))
    before = _BLOCK.block_box_layout
    _BLOCK.block_box_layout = _column
    try:
        return _WEASYPRINT_COLUMNS_LAYOUT(context, box, *args, **kwargs)
    finally:
        _BLOCK.block_box_layout = before
        _skipping.pop()


def _column(context: Any, box: Any, bottom_space: float, skip_stack: Any, containing_block: Any,
            page_is_empty: bool, absolute_boxes: Any, fixed_boxes: Any, adjoining_margins: Any,
            *args: Any, **kwargs: Any) -> Any:
    """WeasyPrint's block_box_layout, except for the layouts of a column box whose result is not
    used: an empty column box. columns_layout calls it for a column box in three ways: the
    measure at an infinite height, the trial (both with lists for the adjoining margins) and
    the real columns (with None)."""
    if box.is_column and adjoining_margins is not None and _skipping and _skipping[-1]:
        return box.copy_with_children([]), None, {"break": "any", "page": None}, [], False, None
    return _WEASYPRINT_BLOCK_BOX_LAYOUT(context, box, bottom_space, skip_stack, containing_block, page_is_empty,
                                        absolute_boxes, fixed_boxes, adjoining_margins, *args, **kwargs)


_BLOCK.columns_layout = columns_layout  # the name block_box_layout calls
