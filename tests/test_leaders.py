"""Dot leaders drawn as one run of text (render/leaders.py): the same glyphs at the same places
as WeasyPrint's one box per repetition, the same extracted text, and the copies kept
wherever one box would not draw the same."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support import pdf_pages_text

from anthology.render import engine
from anthology.render.pdf import FONT_DIR, FONT_FACES

_FACES = "".join(
    f'@font-face {{ font-family: "Source Serif"; src: url("{(FONT_DIR / name).as_uri()}"); '
    f"font-weight: {weight}; font-style: {style}; }}\n" for name, weight, style in FONT_FACES)
_CSS = _FACES + """
@page { size: 120mm 160mm; margin: 15mm; }
html { font-family: "Source Serif"; font-size: 10pt; text-align: justify; }
li { list-style: none; }
.dots::before { content: leader(". "); }
.dashes::before { content: leader("-"); }
.dotted::before { content: leader(dotted); }
"""
_ENTRIES = ["Escape", "Les Rencontres d'après minuit", "A title long enough to be set on two lines of "
            "the contents, its leader on the second", "Tōkyō Monogatari"]


def _html() -> str:
    items = "".join(f'<li><a href="#x">{title}<span class="{kind}">{n}</span></a></li>'
                    for kind in ("dots", "dashes", "dotted") for n, title in enumerate(_ENTRIES, start=7))
    return f'<!DOCTYPE html><html lang="en"><body><ol id="x">{items}</ol></body></html>'


def _render(monkeypatch: pytest.MonkeyPatch, patched: bool):
    from anthology.render import leaders

    inline = engine.load("weasyprint.layout.inline")
    monkeypatch.setattr(inline, "handle_leader",
                        leaders.handle_leader if patched else leaders._WEASYPRINT_HANDLE_LEADER)
    weasyprint = engine.load()
    fonts = weasyprint.text.fonts.FontConfiguration()
    return weasyprint.HTML(string=_html()).render(
        stylesheets=[weasyprint.CSS(string=_CSS, font_config=fonts)], font_config=fonts)


def _leaders(document) -> list[list[tuple[str, float, float, float]]]:
    """Per leader box: its text boxes (text, x, y, width), left to right."""
    found = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if getattr(box, "is_leader", False):
                found.append(sorted(((child.text, child.position_x, child.position_y, child.width)
                                     for child in box.children), key=lambda found_box: found_box[1]))
    return found


def test_leader_copies_become_one_run_with_the_same_glyph_places(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    original = _leaders(_render(monkeypatch, patched=False))
    joined = _leaders(_render(monkeypatch, patched=True))
    assert len(original) == len(joined) == 3 * len(_ENTRIES)
    for copies, boxes in zip(original, joined, strict=True):
        assert len(copies) > 10, copies  # dozens of repetitions on each line
        assert len(boxes) == 2, boxes  # the leftmost copy, then one box for the rest
        assert boxes[0] == copies[0]
        text, x, y, width = boxes[1]
        assert text == "".join(copy[0] for copy in copies[1:])
        assert x == pytest.approx(copies[1][1], abs=1e-6)
        assert y == copies[1][2]
        assert width == pytest.approx(copies[-1][1] + copies[-1][3] - copies[1][1], abs=1e-5)

    pdfs = []
    for patched in (False, True):
        out = tmp_path / f"leaders-{patched}.pdf"
        _render(monkeypatch, patched).write_pdf(out)
        pdfs.append(out)
    before, after = (_layout_text(pdf) for pdf in pdfs)
    assert after == before
    assert "Escape . . . . . ." in after
    # in content order, the repetitions now read as one run (WeasyPrint's: one line per copy)
    raw = pdf_pages_text(pdfs[1])[0]
    assert "Escape . . . . . . . . . ." in raw and "Escape ---------" in raw, raw
    assert len(raw.splitlines()) < len(pdf_pages_text(pdfs[0])[0].splitlines()) / 5


def _layout_text(pdf: Path) -> str:
    pdf_pages_text(pdf)  # skips when poppler is missing
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, check=True).stdout.decode("utf-8")


def test_copies_that_one_box_would_not_draw_the_same_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    from anthology.render import leaders

    document = _render(monkeypatch, patched=False)
    context = None  # not reached: every case below is refused before any layout
    leader = next(box for page in document.pages for box in page._page_box.descendants()
                  if getattr(box, "is_leader", False))
    copies = leader.children
    assert leaders.joined_copies(context, copies[:1]) is None  # nothing to join
    moved = copies[3].copy()
    moved.position_x += 0.5
    assert leaders.joined_copies(context, (*copies[:3], moved, *copies[4:])) is None
    other = copies[2].copy_with_text("-")
    assert leaders.joined_copies(context, (*copies[:2], other, *copies[3:])) is None
