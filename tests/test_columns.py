"""Multi-column boxes laid out without the measures WeasyPrint discards (render/columns.py):
the same PDF as WeasyPrint's own columns_layout, for boxes it balances and boxes it never does."""

from __future__ import annotations

import pytest

from anthology.render import engine
from anthology.render.pdf import FONT_DIR, FONT_FACES

_FACES = "".join(
    f'@font-face {{ font-family: "Source Serif"; src: url("{(FONT_DIR / name).as_uri()}"); '
    f"font-weight: {weight}; font-style: {style}; }}\n" for name, weight, style in FONT_FACES)
_ENTRY = '<li id="e{n}">Person number {n}, <a href="#e{m}">{n}</a>, <b>{m}</b>, <i>see</i> {n}{m}</li>'


def _html(entries: int, extra: str = "") -> str:
    items = "".join(_ENTRY.format(n=n, m=n * 7 % 97) for n in range(entries))
    return (f'<!DOCTYPE html><html lang="en"><body><h1>Index</h1><div class="cols">'
            f'<h2>A</h2><ul>{items}</ul>{extra}<h2>B</h2><ul>{items}</ul></div></body></html>')


def _pdf(monkeypatch: pytest.MonkeyPatch, patched: bool, html: str, css: str) -> tuple[int, int, bytes]:
    """(pages, layouts of a column box at an infinite height, PDF bytes)."""
    from anthology.render import columns

    block = engine.load("weasyprint.layout.block")
    original = columns._WEASYPRINT_BLOCK_BOX_LAYOUT
    measures = []

    def counted(context, box, bottom_space, *args, **kwargs):  # type: ignore[no-untyped-def]
        if bottom_space == float("inf") and box.is_column:
            measures.append(box)
        return original(context, box, bottom_space, *args, **kwargs)

    monkeypatch.setattr(columns, "_WEASYPRINT_BLOCK_BOX_LAYOUT", counted)
    monkeypatch.setattr(block, "block_box_layout", counted)
    monkeypatch.setattr(block, "columns_layout",
                        columns.columns_layout if patched else columns._WEASYPRINT_COLUMNS_LAYOUT)
    weasyprint = engine.load()
    fonts = weasyprint.text.fonts.FontConfiguration()
    sheet = weasyprint.CSS(string=_FACES + "@page { size: A6; margin: 10mm; } html { font: 8pt 'Source Serif'; }"
                           + css, font_config=fonts)
    document = weasyprint.HTML(string=html).render(stylesheets=[sheet], font_config=fonts)
    return len(document.pages), len(measures), document.write_pdf()


@pytest.mark.parametrize(("css", "extra"), [
    (".cols { columns: 2; column-fill: auto; } li { break-inside: avoid; }", ""),  # the index's case
    (".cols { columns: 3; column-fill: auto; column-gap: 4mm; } h2 { break-after: avoid; }", ""),
    (".cols { columns: 2; column-fill: balance; }", ""),  # balanced: WeasyPrint's own code
    (".cols { columns: 2; column-fill: auto; } .span { column-span: all; }", '<p class="span">Spanning</p>'),
    (".cols { columns: 2; column-fill: auto; } .f { float: right; width: 20mm; height: 10mm; }",
     '<div class="f"></div>'),
    (".cols { columns: 2; column-fill: auto; } .inner { columns: 2; column-fill: balance; }",
     '<div class="inner"><p>' + "Nested columns of words. " * 40 + "</p></div>"),
])
def test_the_same_pdf_as_weasyprints_columns(monkeypatch: pytest.MonkeyPatch, css: str, extra: str) -> None:
    html = _html(120, extra)
    pages, measured, ours = _pdf(monkeypatch, True, html, css)
    their_pages, their_measures, theirs = _pdf(monkeypatch, False, html, css)
    assert pages == their_pages >= 3  # columns continued from page to page
    assert their_measures > 0
    if "column-fill: auto" in css and "span" not in css and "inner" not in css:
        assert measured == 0  # the measures WeasyPrint would discard were not made
    assert ours == theirs


def test_never_balanced_only_without_balance_or_spanning_elements() -> None:
    from anthology.render import columns

    weasyprint = engine.load()
    for css, expected in ((".cols { columns: 2; column-fill: auto; }", True),
                          (".cols { columns: 2; }", False),
                          (".cols { columns: 2; column-fill: auto; } .span { column-span: all; }", False)):
        document = weasyprint.HTML(string=_html(3, '<p class="span">x</p>')).render(
            stylesheets=[weasyprint.CSS(string=css)])
        box = next(b for b in document.pages[0]._page_box.descendants()
                   if getattr(b, "element_tag", "") == "div")
        assert columns.never_balanced(box) is expected
