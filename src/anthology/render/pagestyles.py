"""Pages of the same kind share their styles: the @page cascade made once per kind of page.

WeasyPrint 70 computes the style of each page and of its margin boxes anew for every page
(layout/page.py, ``set_page_type_computed_styles``), and each style computes its properties
when they are first read, so every page pays again for its margin boxes' fonts, sizes,
counters and percentages. A page's type holds its index and page groups, which only the
``:nth()`` selector reads: any other @page selector tells two pages apart by their side, by
whether they are blank, whether they are the document's first and by their name alone
(css/__init__.py, ``_page_type_match``). And every page's style inherits from the root
element. So when no @page rule of the document uses ``:nth()``, two pages of the same side,
blankness, first-ness and name match the same rules in the same order: their styles are
equal, and the later page is given the earlier one's style objects, as WeasyPrint itself gives
elements whose cascades are equal one shared style (``StyleFor.__init__``, ``computed_cache``).

What WeasyPrint writes into a page's or margin box's style during layout writes the same
value into a shared style every time: the root's ``overflow`` (``make_page``), and the page
counters' standard form (``_standardize_page_based_counters``, which leaves a style it has
already standardized as it is). A document with an ``:nth()`` page selector is laid out by
WeasyPrint's code alone.

What it saves is a third of a folio document's cost (render/pdf.py: 32 pages without content,
a number in each page's margin). The 16 folio documents of a 200-review book, laid out in one
process: 35 % fewer instructions (callgrind), 1.21 → 0.82 s of CPU. A chapter of one to four
pages has little to share. The PDF is the same, byte for byte (tests/test_pagestyles.py).

Importing this module imports WeasyPrint (through render/engine.py).
"""

from __future__ import annotations

import sys
from typing import Any

from .engine import follows

# SHA-256 of the files of the WeasyPrint modules this module follows (WeasyPrint 70.0): how
# layout/page.py computes and uses a page type's styles, how css/__init__.py matches page
# selectors and keeps computed styles. Any change in either file, and WeasyPrint's own code runs.
FOLLOWS = {
    "weasyprint.layout.page": "d99c5aceb36d458619a9cecb466a09df8827b9160fafacab7b4972a0d354dcca",
    "weasyprint.css": "77ad7287f90d7cfaf85eb00ebe7af47d2bedfb856d7dc68717152f2d8a7605fd",
}

_state: dict[str, Any] = {}
_KINDS = "_anthology_page_kinds"  # on a StyleFor: kind of page → (first page type, its pseudo-elements); None: :nth()



def install() -> bool:
    """Our ``set_page_type_computed_styles`` in WeasyPrint's layout/page.py, if WeasyPrint's
    modules are the ones it follows (True when it is in place)."""
    if _state:
        return True
    page, css = sys.modules.get("weasyprint.layout.page"), sys.modules.get("weasyprint.css")
    if page is None or css is None or not (follows(page, FOLLOWS) and follows(css, FOLLOWS)):
        return False
    _state.update(module=page, original=page.set_page_type_computed_styles)
    page.set_page_type_computed_styles = set_page_type_computed_styles
    return True


def uninstall() -> None:
    """WeasyPrint's own function back (for the tests)."""
    if _state:
        _state["module"].set_page_type_computed_styles = _state["original"]
        _state.clear()


def _uses_nth(style_for: Any) -> bool:
    """Whether an @page selector of the document's stylesheets reads the page's index."""
    return any(selector[2].index is not None
               for sheet, _origin, _specificity in style_for._sheets
               for _rule, selectors, _declarations in sheet.page_rules
               for selector in selectors)


def set_page_type_computed_styles(page_type: Any, html: Any, style_for: Any) -> None:
    """WeasyPrint's, made once per kind of page (see the module's docstring)."""
    original = _state["original"]
    kinds = getattr(style_for, _KINDS, False)
    if kinds is False:
        kinds = None if _uses_nth(style_for) else {}
        setattr(style_for, _KINDS, kinds)
    if kinds is None:
        original(page_type, html, style_for)
        return
    kind = (page_type.side, page_type.blank, page_type.index == 0, page_type.name)
    computed = style_for._computed_styles
    same = kinds.get(kind)
    if same is None:
        original(page_type, html, style_for)
        pseudos = [pseudo for element, pseudo in style_for.get_cascaded_styles() if pseudo and element == page_type]
        kinds[kind] = (page_type, [None, *pseudos])  # the styles WeasyPrint's function computed
        return
    earlier, pseudos = same
    for pseudo in pseudos:
        computed[page_type, pseudo] = computed[earlier, pseudo]
