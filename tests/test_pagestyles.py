"""Pages of the same kind share their styles (render/pagestyles.py): the same PDF, byte for byte,
as WeasyPrint's own ``set_page_type_computed_styles``, with the @page cascade made once per kind
of page, and by WeasyPrint's code for every page when a selector reads the page's index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support import pdfs_without_and_with

from anthology.render import engine, pagestyles
from anthology.render.pdf import font_css

engine.load()  # installs it
import weasyprint.layout.page  # noqa: E402

# Every kind of page selector but :nth(): sides, :first, :blank, named pages (one of another
# size), margin boxes with page counters, running strings, viewport units (the first page's).
_CSS = font_css() + """
@page { size: 105mm 148mm; margin: 14mm 12mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; } }
@page :left { margin-left: 16mm; @top-left { content: string(title); font-style: italic; font-size: 3vw; } }
@page :right { @top-right { content: string(chapter, first-except); } }
@page :first { @top-right { content: none; } @bottom-center { content: "title page"; } }
@page :blank { @bottom-center { content: "(blank)"; } }
@page opening { margin-top: 40mm; @top-center { content: "Part " counter(part, upper-roman); } }
@page opening:left { background: #eee; }
@page wide { size: 148mm 105mm; @bottom-right { content: "wide " counter(page); } }
body { string-set: title "An anthology"; font-family: "Source Serif"; font-size: 10pt; }
h1 { string-set: chapter content(text); break-before: right; }
.part { page: opening; counter-increment: part; break-before: right; }
.wide { page: wide; }
p { text-align: justify; hyphens: auto; }
"""

_PARAGRAPH = ("<p>The camera waits at the door of the ferry office while the clerk counts the tickets "
              "twice, and the harbour never quite stops under the dialogue. </p>")


def _html(extra_css: str = "") -> str:
    chapters = []
    for n in range(1, 7):
        if n in (1, 4):
            chapters.append(f'<section class="part"><h1>Part {n}</h1></section>')
        chapters.append(f"<section><h1>Chapter {n}</h1>{_PARAGRAPH * (3 + 4 * n)}</section>")
        if n == 5:
            chapters.append(f'<section class="wide"><h1>A wide page</h1>{_PARAGRAPH * 6}</section>')
    return (f'<!DOCTYPE html><html lang="en"><head><style>{_CSS}{extra_css}</style></head>'
            f'<body>{"".join(chapters)}</body></html>')


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The page types whose styles WeasyPrint's function computed."""
    made: list[object] = []
    original = pagestyles._state["original"]

    def counting(page_type, html, style_for):  # type: ignore[no-untyped-def]
        made.append(page_type)
        return original(page_type, html, style_for)

    monkeypatch.setitem(pagestyles._state, "original", counting)
    return made


@pytest.fixture
def weasyprints_own() -> Iterator[None]:
    """WeasyPrint's function for the block, ours back after it."""
    pagestyles.uninstall()
    try:
        yield
    finally:
        assert pagestyles.install()


def _pdf(html: str) -> tuple[int, bytes]:
    document = engine.load().HTML(string=html).render()
    return len(document.pages), document.write_pdf()


def test_ours_is_in_place() -> None:
    assert weasyprint.layout.page.set_page_type_computed_styles is pagestyles.set_page_type_computed_styles


def test_each_kind_of_page_is_styled_once_and_the_pdf_is_weasyprints(counted: list[object]) -> None:
    pages, ours = _pdf(_html())
    kinds = {(t.side, t.blank, t.index == 0, t.name) for t in counted}  # type: ignore[attr-defined]
    assert len(counted) == len(kinds) < pages  # once per kind, each kind once
    assert pages > 20 and {t.name for t in counted} >= {"opening", "wide"}  # type: ignore[attr-defined]
    assert any(t.blank for t in counted)  # type: ignore[attr-defined]
    pagestyles.uninstall()
    try:
        assert _pdf(_html()) == (pages, ours)
    finally:
        assert pagestyles.install()


def test_a_page_selector_reading_the_index_leaves_every_page_to_weasyprint(counted: list[object]) -> None:
    nth = "@page :nth(3) { @top-center { content: 'the third page'; } }"
    pages, ours = _pdf(_html(nth))
    assert len(counted) == pages
    pagestyles.uninstall()
    try:
        assert _pdf(_html(nth)) == (pages, ours)
    finally:
        assert pagestyles.install()


def test_install_changes_nothing_it_does_not_follow(weasyprints_own: None, monkeypatch: pytest.MonkeyPatch) -> None:
    theirs = weasyprint.layout.page.set_page_type_computed_styles
    monkeypatch.setitem(pagestyles.FOLLOWS, "weasyprint.css", "0" * 64)  # another WeasyPrint's
    assert pagestyles.install() is False
    assert weasyprint.layout.page.set_page_type_computed_styles is theirs
    monkeypatch.undo()


@pytest.mark.parametrize("project", ["repo_root", "seed_root", "corpus_root"])
def test_a_whole_book_is_the_same_pdf(project: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """The book laid out in this process (one worker), with WeasyPrint's function and with ours."""
    root = request.getfixturevalue(project)
    without, with_ours = pdfs_without_and_with(root, tmp_path, pagestyles.uninstall, pagestyles.install)
    assert without == with_ours
