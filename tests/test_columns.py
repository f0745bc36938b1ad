"""Multi-column boxes laid out without the layouts WeasyPrint discards (render/columns.py):
the same PDF as WeasyPrint's own columns_layout, for boxes it balances, boxes it never does,
and boxes holding content out of the normal flow."""

from __future__ import annotations

import pytest

from anthology.render import engine
from anthology.render.pdf import FONT_DIR, FONT_FACES

_FACES = "".join(
    f'@font-face {{ font-family: "Source Serif"; src: url("{(FONT_DIR / name).as_uri()}"); '
    f"font-weight: {weight}; font-style: {style}; }}\n" for name, weight, style in FONT_FACES)
_ENTRY = '<li id="e{n}">Person number {n}, <a href="#e{m}">{n}</a>, <b>{m}</b>, <i>see</i> {n}{m}</li>'
_NO_MARKERS = "ul { list-style: none; padding: 0; } "  # as the index's: WeasyPrint positions markers absolutely
_RUNNING = "@page { @top-center { content: element(head); } } .head { position: running(head); }"


def _html(entries: int, extra: str = "") -> str:
    items = "".join(_ENTRY.format(n=n, m=n * 7 % 97) for n in range(entries))
    return (f'<!DOCTYPE html><html lang="en"><body><h1>Index</h1><div class="cols">'
            f'<h2>A</h2><ul>{items}</ul>{extra}<h2>B</h2><ul>{items}</ul></div></body></html>')


def _pdf(monkeypatch: pytest.MonkeyPatch, patched: bool, html: str, css: str) -> tuple[int, int, int, bytes]:
    """(pages, layouts of a column box at an infinite height (measures), other layouts of a
    column box with a list of adjoining margins (trials), PDF bytes)."""
    from anthology.render import columns

    block = engine.load("weasyprint.layout.block")
    original = columns._WEASYPRINT_BLOCK_BOX_LAYOUT
    measures, trials = [], []

    def counted(context, box, bottom_space, *args, **kwargs):  # type: ignore[no-untyped-def]
        if box.is_column and args[5] is not None:  # adjoining_margins: None for the real columns
            (measures if bottom_space == float("inf") else trials).append(box)
        return original(context, box, bottom_space, *args, **kwargs)

    monkeypatch.setattr(columns, "_WEASYPRINT_BLOCK_BOX_LAYOUT", counted)
    monkeypatch.setattr(block, "block_box_layout", counted)
    monkeypatch.setattr(block, "columns_layout",
                        columns.columns_layout if patched else columns._WEASYPRINT_COLUMNS_LAYOUT)
    weasyprint = engine.load()
    fonts = weasyprint.text.fonts.FontConfiguration()
    sheet = weasyprint.CSS(string=_FACES + "@page { size: A6; margin: 10mm; } html { font: 8pt 'Source Serif'; }"
                           + _NO_MARKERS + css, font_config=fonts)
    document = weasyprint.HTML(string=html).render(stylesheets=[sheet], font_config=fonts)
    return len(document.pages), len(measures), len(trials), document.write_pdf()


# (css, markup inside the columns, whether WeasyPrint's measures and trials are skipped)
CASES = [
    (".cols { columns: 2; column-fill: auto; } li { break-inside: avoid; }", "", True),  # the index's case
    (".cols { columns: 3; column-fill: auto; column-gap: 4mm; } h2 { break-after: avoid; }", "", True),
    (".cols { columns: 2; column-fill: balance; }", "", False),  # balanced: WeasyPrint's own code
    (".cols { columns: 2; column-fill: auto; } .span { column-span: all; }", '<p class="span">Spanning</p>',
     False),
    # Nested: the outer box's layouts are skipped, the inner (balanced) box's made, and counted.
    (".cols { columns: 2; column-fill: auto; } .inner { columns: 2; column-fill: balance; }",
     '<div class="inner"><p>' + "Nested columns of words. " * 40 + "</p></div>", False),
    # Out of the normal flow: WeasyPrint's own code (its measures and trials leave something behind).
    (".cols { columns: 2; column-fill: auto; } .f { float: right; width: 20mm; height: 10mm; }",
     '<div class="f"></div>', False),
    (".cols { columns: 2; column-fill: auto; } .n { float: footnote; }",
     '<p>A note here<span class="n">The footnote of the columns, long enough for two lines of it '
     'at the foot of the page.</span> and text.</p>', False),
    (".cols { columns: 2; column-fill: auto; position: relative; } .a { position: absolute; top: 0; right: 0; }",
     '<p class="a">Placed</p>', False),
    (".cols { columns: 2; column-fill: auto; }" + _RUNNING, '<p class="head">Running head</p>', False),
    (".cols { columns: 2; column-fill: auto; } ul { list-style: disc inside; } ul.out { list-style: square; }",
     '<ul class="out"><li>An item with an outside marker</li></ul>', False),
]


@pytest.mark.parametrize(("css", "extra", "skipped"), CASES)
def test_the_same_pdf_as_weasyprints_columns(monkeypatch: pytest.MonkeyPatch, css: str, extra: str,
                                             skipped: bool) -> None:
    html = _html(120, extra)
    pages, measured, tried, ours = _pdf(monkeypatch, True, html, css)
    their_pages, their_measures, their_trials, theirs = _pdf(monkeypatch, False, html, css)
    assert pages == their_pages >= 3  # columns continued from page to page
    assert their_measures > 0 and their_trials > 0
    assert (measured == 0) is skipped  # the layouts WeasyPrint would discard were not made
    assert (tried == 0) is skipped
    assert ours == theirs


def _received(monkeypatch: pytest.MonkeyPatch, html: str, css: str) -> list:
    """The boxes columns_layout was called with while ``html`` was laid out."""
    from anthology.render import columns

    boxes: list = []
    original = columns._WEASYPRINT_COLUMNS_LAYOUT

    def recording(context, box, *args, **kwargs):  # type: ignore[no-untyped-def]
        boxes.append(box)
        return original(context, box, *args, **kwargs)

    monkeypatch.setattr(columns, "_WEASYPRINT_COLUMNS_LAYOUT", recording)
    weasyprint = engine.load()
    weasyprint.HTML(string=html).render(stylesheets=[weasyprint.CSS(string=_NO_MARKERS + css)])
    return boxes


@pytest.mark.parametrize(("css", "extra", "balanced", "in_flow"), [
    (".cols { columns: 2; column-fill: auto; }", "", False, True),
    (".cols { columns: 2; }", "", True, True),  # column-fill: balance is the default
    (".cols { columns: 2; column-fill: auto; } .span { column-span: all; }", '<p class="span">x</p>', True, True),
    (".cols { columns: 2; column-fill: auto; } .f { float: left; }", '<p class="f">x</p>', False, False),
    (".cols { columns: 2; column-fill: auto; } .n { float: footnote; }", '<p>x<span class="n">y</span></p>',
     False, False),
    (".cols { columns: 2; column-fill: auto; } .a { position: fixed; }", '<p class="a">x</p>', False, False),
    (".cols { columns: 2; column-fill: auto; }" + _RUNNING, '<p class="head">x</p>', False, False),
    (".cols { columns: 2; column-fill: auto; } ul.out { list-style: disc; }", '<ul class="out"><li>x</li></ul>',
     False, False),
])
def test_what_is_skipped_is_read_from_the_box_columns_layout_gets(
        monkeypatch: pytest.MonkeyPatch, css: str, extra: str, balanced: bool, in_flow: bool) -> None:
    from anthology.render import columns

    boxes = _received(monkeypatch, _html(40, extra), css)
    assert boxes and all(box.element_tag == "div" for box in boxes)  # the .cols box, page after page
    for box in boxes:
        assert columns.never_balanced(box) is not balanced
        assert columns.all_in_flow(box) is in_flow
