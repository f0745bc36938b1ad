"""Font subsets inside WeasyPrint: uharfbuzz on every machine (render/subset.py, render/engine.py).

Without the system's libharfbuzz-subset, WeasyPrint falls back to fontTools, which parses the
whole 16 MB CJK fallback for every document that uses it: a 200-review book took 74 s
instead of 12 s on such a machine. These tests fail if that fallback is ever taken again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from anthology import load_book
from anthology.paper import geometry
from anthology.render import engine, subset
from anthology.render.html import make_environment
from anthology.render.pdf import CJK_FONT, _Setup

_HTML = ('<!DOCTYPE html><html lang="en"><body><section class="chapter"><div class="chapter-body">'
         '<p>Östlund and <b>Lee Je-hoon</b> (이제훈) in <i>Escape</i>, 탈주.</p></div></section></body></html>')


def _job(root: Path):
    book, _diags = load_book(root)
    assert book is not None
    geo, problem = geometry(dict(book.pdf))
    assert geo is not None, problem
    when = datetime(2026, 1, 1, tzinfo=UTC)
    return _Setup(book, make_environment(book.root), geo, int(when.timestamp())).job("section", _HTML)


def test_weasyprint_subsets_with_uharfbuzz_once_imported() -> None:
    engine.load()
    from weasyprint.pdf.fonts import Font

    assert Font.subset is subset.subset_for_weasyprint
    engine._subset_with_uharfbuzz()  # a second time changes nothing: the original is kept once
    assert subset._WEASYPRINT_SUBSET[0] is not subset.subset_for_weasyprint


def test_a_document_with_the_cjk_fallback_is_subset_without_fonttools(repo_root: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    engine.load()
    from weasyprint.pdf.fonts import Font

    def no_fonttools(*args, **kwargs):
        raise AssertionError("WeasyPrint subset a font with fontTools")

    monkeypatch.setattr(Font, "_fonttools_subset", no_fonttools)
    from anthology.render.layout import lay_out

    laid = lay_out(_job(repo_root))
    originals = {use.original for use in laid.fonts}
    assert len(originals) >= 2  # Source Serif (three faces) and the CJK fallback
    # every program embedded is a subset: the document is a small fraction of the CJK font alone
    assert len(laid.pdf) < CJK_FONT.stat().st_size / 50
    assert not laid.messages, laid.messages


def test_what_uharfbuzz_cannot_subset_goes_to_weasyprints_own_method(monkeypatch: pytest.MonkeyPatch) -> None:
    engine.load()
    calls = []
    monkeypatch.setattr(subset, "_harfbuzz_subset", lambda *args, **kwargs: None)
    monkeypatch.setattr(subset, "_WEASYPRINT_SUBSET", [lambda font, to_unicode, hinting: calls.append(hinting)])

    class Font:
        file_content, index, missing = b"variable", 0, {}

    font = Font()
    subset.subset_for_weasyprint(font, {3: "a"}, True)
    assert calls == [True] and font.file_content == b"variable"
    subset.subset_for_weasyprint(font, {}, True)  # nothing drawn: nothing to do, as in WeasyPrint
    assert calls == [True]


def test_the_flags_keep_hinting_and_the_notdef_outline_when_asked() -> None:
    from anthology.render.pdf import ARABIC_DIR

    original = (ARABIC_DIR / "Amiri-Regular.ttf").read_bytes()  # a TrueType font: glyf outlines, hints
    gids = [5, 40, 41]
    plain = subset._harfbuzz_subset(original, 0, gids)
    assert plain and len(plain) < len(original) / 100
    assert len(subset._harfbuzz_subset(original, 0, gids, notdef=True)) > len(plain)  # glyph 0's outline
    assert len(subset._harfbuzz_subset(original, 0, gids, hinting=True)) > len(plain)  # the instructions
