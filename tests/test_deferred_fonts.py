"""Documents laid out for the merge carry stand-in font programs; the merge puts the subsets in
(render/subset.py). The book is byte for byte the one built with each document's own subsets,
also when a font cannot be merged into one program and each document gets its subset back."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest

from anthology import Diagnostics, load_book
from anthology.paper import geometry
from anthology.render import layout, pdf, subset
from anthology.render.build import build as render_book
from anthology.render.html import make_environment

REVIEW = "Title: {title}\nDirector: Ann Director\n{body}\n"
BODY = "A review of the film, with a sentence or two about the light and the harbour. " * 12


def _project(root: Path, bodies: list[str]) -> Path:
    (root / "reviews").mkdir(parents=True)
    for n, body in enumerate(bodies):
        (root / f"reviews/r{n}.txt").write_text(REVIEW.format(title=f"Film {n}", body=body), encoding="utf-8")
    listed = "".join(f"  - reviews/r{n}.txt\n" for n in range(len(bodies)))
    (root / "anthology.yaml").write_text(f"title: Fonts Test\nchapters:\n{listed}", encoding="utf-8")
    return root


def _built_pdf(root: Path, out: Path) -> bytes:
    book, diags = load_book(root, Diagnostics())
    assert book is not None, [str(d) for d in diags]
    result = render_book(book, out, diags, use_cache=False, workers=1, epub=False)
    return result.outputs["pdf"].read_bytes()


def _without_stand_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every document embeds its own subsets, as before stand-ins."""
    monkeypatch.setattr(layout, "deferring", lambda known, originals: subset.deferring(frozenset(), originals))


def _font_programs(data: bytes) -> list[tuple[str, int]]:
    """(BaseFont, program size) of every font program in the PDF."""
    found = []
    with pikepdf.open(io.BytesIO(data)) as book:
        for obj in book.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                for key in ("/FontFile2", "/FontFile3"):
                    if key in obj:
                        found.append((str(obj.FontName), len(obj[key].read_bytes())))
    return found


def test_a_document_for_the_merge_carries_four_byte_stand_ins(repo_root: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    book, _diags = load_book(repo_root)
    assert book is not None
    geo, problem = geometry(dict(book.pdf))
    assert geo is not None, problem
    when = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    html = ('<!DOCTYPE html><html lang="en"><body><section class="chapter"><div class="chapter-body">'
            f'<p>Östlund and <b>Lee Je-hoon</b> (이제훈) in <i>Escape</i>. {BODY}</p></div></section></body></html>')
    job = pdf._Setup(book, make_environment(book.root), geo, when).job("section", html)
    known = pdf._known_fonts()

    laid = layout.lay_out(job, known)
    assert laid.fonts and all(use.deferred for use in laid.fonts)
    programs = _font_programs(laid.pdf)
    assert len(programs) == len(laid.fonts) >= 3  # regular, bold, italic, the CJK fallback
    assert all(size == 4 for _name, size in programs)

    own = layout.lay_out(job)  # a caller that cannot read the font files: real subsets
    assert not any(use.deferred for use in own.fonts)
    assert all(size > 1000 for _name, size in _font_programs(own.pdf))
    assert len(laid.pdf) < len(own.pdf) / 2
    assert [use.to_unicode for use in laid.fonts] == [use.to_unicode for use in own.fonts]


def test_the_book_is_the_one_built_with_each_documents_own_subsets(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path / "book", [BODY, f"<b>{BODY}</b>", f"*{BODY}*"])
    with_stand_ins = _built_pdf(root, tmp_path / "a")
    _without_stand_ins(monkeypatch)
    assert _built_pdf(root, tmp_path / "b") == with_stand_ins
    # one program per font for the whole book
    names = [name for name, _size in _font_programs(with_stand_ins)]
    assert len(names) == len(set(names))


def test_a_font_that_is_not_merged_gets_each_documents_own_subset_back(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # a character no font of the theme has: WeasyPrint draws .notdef with Source Serif in
    # that chapter, and Source Serif's regular face is then not merged (render/subset.py)
    root = _project(tmp_path / "book", [BODY, f"An unknown sign \U00013000 here. {BODY}", BODY])
    given: list[dict[int, dict[str, bytes]]] = []
    real = pdf.own_programs

    def spy(*args: object) -> dict[int, dict[str, bytes]]:
        given.append(real(*args))  # type: ignore[arg-type]
        return given[-1]

    monkeypatch.setattr(pdf, "own_programs", spy)
    with_stand_ins = _built_pdf(root, tmp_path / "a")
    assert given and len(given[-1]) >= 3  # each chapter's own subsets went back in
    programs = _font_programs(with_stand_ins)
    regular = [size for name, size in programs if name.endswith("+Source-Serif")]
    assert len(regular) > 1 and min(regular) > 1000, programs  # a real subset per document

    _without_stand_ins(monkeypatch)
    assert _built_pdf(root, tmp_path / "b") == with_stand_ins


def test_a_font_file_changed_during_the_build_is_a_clear_error(tmp_path: Path) -> None:
    from anthology.errors import AnthologyError
    from anthology.render.jobs import FontUse, LaidOut

    use = FontUse(key="ABCDEF", original="0" * 64, index=0, widths={3: 500.0}, to_unicode={3: "a"},
                  missing=True, deferred=True)
    doc = LaidOut(pdf=b"", pages=1, anchors=((),), bookmarks=((),), page_names=("",), blank=(False,),
                  breaks=(), trailing=1, fonts=(use,), messages=(), refused=())
    with pytest.raises(AnthologyError, match="font file of the theme changed"):
        subset.own_programs([doc], lambda digest: None, 0, None, None, {})
    assert subset.own_programs([doc], lambda digest: None, 0, None, None, {"ABCDEF": b"merged"}) == {}


def test_with_no_font_merged_every_document_gets_its_own_subsets_back(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # CFF (Source Serif, the CJK fallback) and TrueType (Amiri) programs, every one put back
    root = _project(tmp_path / "book", [BODY, f"Lee Je-hoon (이제훈) in Escape. {BODY}", f"Amiri: مرحبا. {BODY}"])
    monkeypatch.setattr(subset, "_mergeable", lambda group: False)
    with_stand_ins = _built_pdf(root, tmp_path / "a")
    sizes = [size for _name, size in _font_programs(with_stand_ins)]
    assert len(sizes) > 8 and min(sizes) > 1000, sizes
    _without_stand_ins(monkeypatch)
    assert _built_pdf(root, tmp_path / "b") == with_stand_ins
