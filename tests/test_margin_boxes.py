"""Margin boxes a job drops (a chapter's folios, a folio document's running heads) are not laid
out at all, and what is laid out is exactly what laying out everything and dropping would give."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support import pdf_pages_text

from anthology import load_book
from anthology.paper import geometry
from anthology.render import engine
from anthology.render.html import make_environment
from anthology.render.jobs import KEEP_ALL, KEEP_FOLIOS_ONLY, KEEP_NO_FOLIOS
from anthology.render.pdf import _Setup

# top: a running head and a folio share the side (laid out whole whatever is kept); bottom:
# folios only; left: a running head only; two corners, one of each; boxes that are styled but
# not generated (they take the page's anonymous style)
_CSS = """
@page { size: 120mm 160mm; margin: 20mm;
  @top-left { content: "HEAD" string(title) }
  @top-right { content: "TOPFOLIO" counter(page) }
  @bottom-center { content: "FOLIO" counter(page) }
  @left-middle { content: "SIDEHEAD" }
  @top-left-corner { content: "CF" counter(page) }
  @bottom-right-corner { content: "CH" }
  @bottom-left { content: none; padding: 0 9mm; border-left: 2pt solid; width: 30mm }
  @right-middle { content: normal; margin: 3mm }
}
h1 { string-set: title content() }
"""
_HTML = ('<!DOCTYPE html><html lang="en"><body><h1>Escape</h1>'
         + "<p>A paragraph of the chapter, long enough to be set on a line or two.</p>" * 40
         + "</body></html>")
_BOTTOM = {"@bottom-left", "@bottom-center", "@bottom-right"}
_LEFT = {"@left-top", "@left-middle", "@left-bottom"}


def _job(root: Path, keep: str):
    book, _diags = load_book(root)
    assert book is not None
    geo, problem = geometry(dict(book.pdf))
    assert geo is not None, problem
    when = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    job = _Setup(book, make_environment(book.root), geo, when).job("section", _HTML)
    return dataclasses.replace(job, sheets=(_CSS,), keep=keep)


@pytest.mark.parametrize(("keep", "unlaid", "seen", "unseen"), [
    (KEEP_ALL, set(), {"HEADEscape", "TOPFOLIO1", "FOLIO1", "SIDEHEAD", "CF1", "CH"}, set()),
    (KEEP_NO_FOLIOS, _BOTTOM | {"@top-left-corner"}, {"HEADEscape", "SIDEHEAD", "CH"},
     {"TOPFOLIO", "FOLIO", "CF"}),
    (KEEP_FOLIOS_ONLY, _LEFT | {"@bottom-right-corner"}, {"TOPFOLIO1", "FOLIO1", "CF1"},
     {"HEAD", "SIDEHEAD", "CH"}),
])
def test_dropped_margin_boxes_are_not_laid_out_and_the_pdf_is_unchanged(
        repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        keep: str, unlaid: set[str], seen: set[str], unseen: set[str]) -> None:
    from anthology.render import layout

    job = _job(repo_root, keep)
    skipped: list[set[str]] = []
    real_unlaid = layout._unlaid

    def spy(*args: object) -> set[str]:
        skipped.append(real_unlaid(*args))  # type: ignore[arg-type]
        return skipped[-1]

    monkeypatch.setattr(layout, "_unlaid", spy)
    laid = layout.lay_out(job)
    assert laid.pages >= 2
    assert skipped == [unlaid] * laid.pages
    assert not laid.messages, laid.messages

    # the same job with WeasyPrint's own make_margin_boxes: every box laid out, then filtered
    monkeypatch.setattr(engine.load("weasyprint.layout"), "make_margin_boxes", layout._WEASYPRINT_MARGIN_BOXES)
    assert layout.lay_out(job).pdf == laid.pdf

    out = tmp_path / "laid.pdf"
    out.write_bytes(laid.pdf)
    first = pdf_pages_text(out)[0]
    words = set(first.split())
    assert seen <= words, first
    assert not any(word.startswith(prefix) for word in words for prefix in unseen), first
