"""Text drawn faster (render/glyphs.py): the same PDF, byte for byte, as WeasyPrint's own
``draw_first_line``, ``deactivate`` and ``reactivate``, for every kind of glyph and line, and for
whole books; each way of reusing a kept layout is taken where it should be and only there."""

from __future__ import annotations

import collections
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import pdfs_without_and_with

from anthology.render import engine, glyphs
from anthology.render.jobs import Capture
from anthology.render.pdf import font_css

engine.load()  # installs them
import weasyprint.draw.text  # noqa: E402
import weasyprint.text.line_break  # noqa: E402

_CSS = font_css() + """
@page { size: 105mm 148mm; margin: 12mm; }
html { font-family: "Source Serif", "Noto Sans CJK JP", "Amiri"; font-size: 10pt; line-height: 1.4; }
p { text-align: justify; hyphens: auto; margin: 0 0 0.5em; }
.left { text-align: left; }
.spaced { letter-spacing: 0.06em; }
.words { word-spacing: 0.3em; }
.anywhere { overflow-wrap: anywhere; }
.pre { white-space: pre; font-family: "Source Serif"; text-align: left; }
.cut { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; width: 30mm; }
.clamp { line-clamp: 2; }
.caps { font-variant: small-caps; font-variant-numeric: oldstyle-nums; }
.noliga { font-feature-settings: "liga" 0; }
.under { text-decoration: underline; }
.through { text-decoration: line-through; }
.rtl { direction: rtl; text-align: right; }
.toc li { list-style: none; }
.toc span::before { content: leader(". "); }
"""

_LONG = ("Hong Sa-bin plays the lighthouse keeper with a patience the film never rewards, and the "
         "camera, mounted on the unreasonably long dolly track of the island's only road, follows "
         "her through a sequence of increasingly extraordinary, incomprehensible misadventures. ")

_BODY = f"""
<h1>Escape <em>from</em> the Island</h1>
<p lang="en">{_LONG * 3}</p>
<p lang="fr">Le réalisateur, qu'on imaginait désœuvré après « Les Rencontres d'après minuit »,
signe une œuvre extraordinairement maîtrisée, où l'on retrouve Éric Cantona et Agnès Jaoui.</p>
<p class="left" lang="en">{_LONG}</p>
<p class="spaced" lang="en">{_LONG}</p>
<p class="words" lang="en">{_LONG}</p>
<p class="anywhere" lang="en">Averyveryveryveryveryveryveryveryveryverylongwordwithoutanybreaks and more.</p>
<div class="pre">first\tcolumn\tsecond
and a second line\twith a tab</div>
<div class="cut">A title much too long for the box it is given</div>
<p class="clamp left">{_LONG}</p>
<p class="caps">Chapter 1928 in small caps, with 0123456789</p>
<p class="noliga">office affluent fluffy waffle</p>
<p><span class="under">underlined words</span> and <span class="through">struck words</span></p>
<p lang="vi">Nguyễn Thị Kim Chi, Trần Anh Hùng, and a combining e&#x301; accent.</p>
<p lang="ja">是枝裕和の映画「万引き家族」と黒澤明の「七人の侍」。</p>
<p lang="ar" class="rtl">فيلم أَصْغَر فَرْهادي الجديد عن الانفصال</p>
<p>Zero-width&#x200b;space, soft&#xad;hyphen, word&#x2060;joiner, missing &#x10ffff; glyph.</p>
<p>A <strong>bold</strong>, an <em>italic</em> and a <strong><em>both</em></strong> in one line.</p>
<ol class="toc"><li>Escape<span>7</span></li><li>Tōkyō Monogatari<span>12</span></li></ol>
<svg width="200" height="40"><text x="5" y="20" font-family="Source Serif">SVG text line</text></svg>
"""


def _html(body: str = _BODY) -> str:
    return f'<!DOCTYPE html><html lang="en"><head><style>{_CSS}</style></head><body>{body}</body></html>'


@pytest.fixture
def weasyprints_own() -> Iterator[None]:
    """WeasyPrint's functions for the block, ours back after it."""
    glyphs.uninstall()
    try:
        yield
    finally:
        assert glyphs.install()


def _pdf(html: str, keep: bool) -> bytes:
    weasyprint = engine.load()
    if keep:
        with glyphs.keeping():
            return weasyprint.HTML(string=html).write_pdf()
    return weasyprint.HTML(string=html).write_pdf()


def _ways(monkeypatch: pytest.MonkeyPatch, html: str) -> collections.Counter[str]:
    """How the lines were drawn with ours: "lines" and "layout", those reactivate reused from
    their kept lines or kept layout; "anew", the layouts WeasyPrint's reactivate made again
    (for those and for any line an ellipsis made new); "drawn", the lines drawn."""
    seen: collections.Counter[str] = collections.Counter()
    ours, theirs = weasyprint.draw.text.draw_first_line, glyphs._state["reactivate"]

    def drawing(stream, textbox, *args):  # type: ignore[no-untyped-def]
        seen["drawn"] += 1
        seen[getattr(textbox.pango_layout, glyphs._REUSED, None) or "none"] += 1
        return ours(stream, textbox, *args)

    def anew(layout, style):  # type: ignore[no-untyped-def]
        seen["anew"] += 1
        return theirs(layout, style)

    monkeypatch.setattr(weasyprint.draw.text, "draw_first_line", drawing)
    monkeypatch.setitem(glyphs._state, "reactivate", anew)
    _pdf(html, keep=True)
    return seen


def test_ours_are_in_place() -> None:
    assert weasyprint.draw.text.draw_first_line is glyphs.draw_first_line
    assert weasyprint.text.line_break.Layout.deactivate is glyphs._deactivate
    assert weasyprint.text.line_break.Layout.reactivate is glyphs._reactivate
    assert glyphs.install() is True  # again: left as it is


@pytest.fixture
def warnings() -> Iterator[Capture]:
    handler = Capture()
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)


def test_every_kind_of_line_gives_weasyprints_pdf(weasyprints_own: None, warnings: Capture) -> None:
    html = _html()
    theirs = _pdf(html, keep=False)
    their_warnings = list(warnings.messages)
    assert any("U+10FFFF" in message for message in their_warnings)  # a .notdef glyph was drawn
    warnings.messages.clear()
    assert glyphs.install()
    ours = _pdf(html, keep=True)
    unkept = _pdf(html, keep=False)
    assert ours == theirs
    assert unkept == theirs
    assert warnings.messages == their_warnings * 2


def test_each_way_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    ways = _ways(monkeypatch, _html())
    assert ways[glyphs._LINES] > 10  # left-aligned lines, last lines of paragraphs, headings
    assert ways[glyphs._LAYOUT] > 5  # justified lines
    assert ways["anew"] > 5  # letter and word spacing, overflow-wrap, pre, ellipses
    assert ways["anew"] < ways["drawn"] - ways[glyphs._LAYOUT]


@pytest.mark.parametrize("body", [
    f'<p class="spaced">{_LONG}</p>',
    f'<p class="words">{_LONG}</p>',
    '<p class="anywhere">Averyveryveryveryveryveryveryveryverylongword and more words after it.</p>',
    '<div class="pre">one\ttwo\nthree\tfour</div>',
    '<div class="cut">A title much too long for the box it is given</div>',
])
def test_what_a_kept_layout_might_draw_otherwise_is_drawn_anew(monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    ways = _ways(monkeypatch, _html(body))
    assert ways["drawn"] and ways["anew"] == ways["drawn"], ways


def test_a_clamped_paragraphs_last_line_is_drawn_anew(monkeypatch: pytest.MonkeyPatch) -> None:
    """line-clamp: 2 puts an ellipsis on the second line only (the first is drawn as kept)."""
    ways = _ways(monkeypatch, _html(f'<p class="clamp left">{_LONG}</p>'))
    assert ways == {"drawn": 2, glyphs._LINES: 2, "anew": 1}


def test_layouts_are_kept_only_inside_the_block() -> None:
    layout = weasyprint.text.line_break.create_layout(
        "kept", _style(), None, None, 0)
    layout.deactivate()
    assert not hasattr(layout, "layout")  # WeasyPrint's: dropped
    with glyphs.keeping():
        kept = weasyprint.text.line_break.create_layout("kept", _style(), None, None, 0)
        kept.deactivate()
        assert hasattr(kept, "layout")
    assert glyphs._keeping == [False]


def _style():  # type: ignore[no-untyped-def]
    """A computed style of a paragraph (a real one, as layouts need)."""
    weasyprint = engine.load()
    document = weasyprint.HTML(string=_html("<p>x</p>")).render()
    for box in document.pages[0]._page_box.descendants():
        if type(box).__name__ == "TextBox":
            return box.style
    raise AssertionError("no text box")


def test_install_changes_nothing_it_does_not_follow(weasyprints_own: None, monkeypatch: pytest.MonkeyPatch) -> None:
    theirs = weasyprint.draw.text.draw_first_line
    monkeypatch.setitem(glyphs.FOLLOWS, "weasyprint.text.line_break", "0" * 64)  # another WeasyPrint's
    assert glyphs.install() is False
    assert weasyprint.draw.text.draw_first_line is theirs
    assert weasyprint.text.line_break.Layout.reactivate is not glyphs._reactivate
    monkeypatch.undo()


@pytest.mark.parametrize("project", ["repo_root", "seed_root", "corpus_root"])
def test_a_whole_book_is_the_same_pdf(project: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """The book laid out in this process (one worker), with WeasyPrint's functions and with ours."""
    root = request.getfixturevalue(project)
    without, with_ours = pdfs_without_and_with(root, tmp_path, glyphs.uninstall, glyphs.install)
    assert without == with_ours
