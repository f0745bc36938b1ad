"""End to end: build the sample, the seed and the corpus; check both outputs' structure."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader
from support import (
    NS,
    copy_project,
    epub_names,
    epub_nav,
    epub_read,
    epub_spine,
    epubcheck_messages,
    pdf_outline,
    pdf_page_labels,
    pdf_pages_text,
)

from anthology import build, load_book
from anthology.cli import main
from anthology.model import Part


def _built(root: Path, out: Path) -> tuple[Path, Path]:
    result, _ = build(root, out)
    return result.outputs["pdf"], result.outputs["epub"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from conftest import REPO

    return _built(REPO, tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from conftest import SHARED

    if not (SHARED / "seed" / "anthology.yaml").is_file():
        pytest.skip("../shared/seed is not present")
    return _built(SHARED / "seed", tmp_path_factory.mktemp("seed"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from conftest import SHARED

    if not (SHARED / "corpus" / "anthology.yaml").is_file():
        pytest.skip("../shared/corpus is not present")
    return _built(SHARED / "corpus", tmp_path_factory.mktemp("corpus"))


INDEX = "Index of People"


def _expected_outline(root: Path) -> list[tuple[int, str]]:
    """Parts and chapters in manifest order, then the index of people."""
    book, _ = load_book(root)
    assert book is not None
    out: list[tuple[int, str]] = []
    for entry in book.entries:
        out.append((1, entry.title))
        if isinstance(entry, Part):
            out += [(2, c.title) for c in entry.chapters]
    return out + [(1, INDEX)]


# -- EPUBCheck ---------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["sample", "seed", "corpus"])
def test_epubcheck_reports_no_message(which: str, request: pytest.FixtureRequest) -> None:
    _, epub = request.getfixturevalue(which)
    assert epubcheck_messages(epub) == []


# -- order -------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["sample", "seed", "corpus"])
def test_chapters_follow_the_manifest_in_nav_and_bookmarks(which: str, request: pytest.FixtureRequest) -> None:
    from conftest import REPO, SHARED

    root = {"sample": REPO, "seed": SHARED / "seed", "corpus": SHARED / "corpus"}[which]
    pdf, epub = request.getfixturevalue(which)
    expected = _expected_outline(root)
    assert [(d, t) for d, t, _ in epub_nav(epub)] == expected
    bookmarks = [(d, t) for d, t, _ in pdf_outline(pdf) if t != "Contents"]
    assert bookmarks == expected


def test_corpus_chapter_titles_match_manifest_tsv(corpus: tuple[Path, Path], corpus_root: Path) -> None:
    with open(corpus_root / "MANIFEST.tsv", encoding="utf-8") as fh:
        expected = {row["file"]: row["title"] for row in csv.DictReader(fh, delimiter="\t")}
    book, _ = load_book(corpus_root)
    assert book is not None
    assert {c.source: c.title for c in book.chapters} == expected
    _, epub = corpus
    nav_titles = {href: title for _, title, href in epub_nav(epub)}
    for chapter in book.chapters:
        assert nav_titles[f"{chapter.id}.xhtml"] == expected[chapter.source]


def test_bookmarks_point_at_the_page_where_the_chapter_starts(sample: tuple[Path, Path]) -> None:
    pdf, _ = sample
    pages = pdf_pages_text(pdf)
    for _, title, page in pdf_outline(pdf):
        if title == "Contents":
            continue
        assert title.split()[0] in pages[page - 1], f"{title!r} not on page {page}"
        assert page % 2 == 1, f"{title!r} opens on a left-hand page ({page})"


def test_toc_page_numbers_match_bookmarks(sample: tuple[Path, Path]) -> None:
    pdf, _ = sample
    pages = pdf_pages_text(pdf)
    labels = pdf_page_labels(pdf)
    toc_page = next(i for i, text in enumerate(pages) if text.lstrip().startswith("Contents"))
    toc = " ".join(pages[toc_page].split())
    for _, title, page in pdf_outline(pdf):
        if title == "Contents":
            continue
        m = re.search(re.escape(title) + r"[ .]+(\d+)\b", toc)
        assert m, f"{title!r} missing from the table of contents"
        assert m.group(1) == labels[page - 1]


def test_reordering_the_manifest_reorders_both_outputs(tmp_path: Path, repo_root: Path) -> None:
    project = copy_project(repo_root, tmp_path / "book")
    book, _ = load_book(project)
    assert book is not None
    by_file = {c.source: c for c in book.chapters}
    reordered = list(reversed(by_file))
    manifest = (project / "anthology.yaml").read_text(encoding="utf-8")
    head = manifest.split("\nchapters:")[0]
    (project / "anthology.yaml").write_text(
        head + "\nchapters:\n"
        + "".join(f"  - file: {f}\n    title: {by_file[f].title}\n" for f in reordered),
        encoding="utf-8",
    )
    assert main(["build", str(project)]) == 0
    pdf = project / "build" / "night-crossings.pdf"
    epub = project / "build" / "night-crossings.epub"
    titles = [by_file[f].title for f in reordered] + [INDEX]
    assert [t for _, t, _ in epub_nav(epub)] == titles
    assert [t for _, t, _ in pdf_outline(pdf) if t != "Contents"] == titles
    assert epub_spine(epub)[3:] == [by_file[f].id for f in reordered] + ["index-people"]


# -- content ------------------------------------------------------------------------------

def test_seed_credits_appear_in_both_outputs(seed: tuple[Path, Path]) -> None:
    pdf, epub = seed
    chapter = epub_read(epub, "EPUB/ch-escape.xhtml").decode()
    for label, name in [("Director", "Lee Jong-pil"), ("Starring", "Koo Kyo-hwan"),
                        ("Country", "South Korea"), ("Running time", "1hr 34m")]:
        assert re.search(rf"<dt>{label}</dt>\s*<dd>.*{re.escape(name)}", chapter), label
    pages = pdf_pages_text(pdf)
    opening = next(p for p in pages if "Escape" in p and "Lee Jong-pil" in p)
    for text in ("Director", "Lee Je-hoon", "Hong Sa-bin", "South Korea", "1hr 34m"):
        assert text.lower() in opening.lower(), text


def test_seed_every_prose_line_is_its_own_paragraph(seed: tuple[Path, Path], seed_root: Path) -> None:
    _, epub = seed
    lines = (seed_root / "reviews" / "escape.txt").read_text(encoding="utf-8").split("\n")
    prose = [line for line in lines[4:] if line.strip()]
    assert len(prose) == 32
    root = etree.fromstring(epub_read(epub, "EPUB/ch-escape.xhtml"))
    paragraphs = ["".join(p.itertext()) for p in root.xpath("//x:div[@class='chapter-body']/x:p", namespaces=NS)]
    assert len(paragraphs) == 32
    assert paragraphs[0] == prose[0]
    assert paragraphs[-1] == prose[-1]


def test_sample_template_override_is_used_in_both_outputs(sample: tuple[Path, Path]) -> None:
    pdf, epub = sample
    part = epub_read(epub, "EPUB/part-harbour-lights.xhtml").decode()
    assert "3 reviews" in part
    assert any("3 reviews" in text for text in pdf_pages_text(pdf))


def test_local_image_is_embedded_in_both_outputs(sample: tuple[Path, Path]) -> None:
    pdf, epub = sample
    assert "EPUB/assets/laundromat-still.png" in epub_names(epub)
    chapter = epub_read(epub, "EPUB/ch-the-night-laundromat.xhtml").decode()
    assert re.search(r'<img src="assets/laundromat-still.png" alt="[^"]+"', chapter)
    reader = PdfReader(str(pdf))
    assert any(page.images for page in reader.pages)


def test_chapter_language_reaches_both_outputs(sample: tuple[Path, Path]) -> None:
    _, epub = sample
    chapter = epub_read(epub, "EPUB/ch-le-passeur-de-zeebruges.xhtml").decode()
    assert '<html xmlns="http://www.w3.org/1999/xhtml"' in chapter
    assert 'lang="fr" xml:lang="fr"' in chapter


def test_pdf_carries_title_author_and_language(sample: tuple[Path, Path]) -> None:
    pdf, _ = sample
    reader = PdfReader(str(pdf))
    assert reader.metadata.title == "Night Crossings"
    assert reader.metadata.author == "The Anthology Sample Desk"
    assert reader.trailer["/Root"].get("/Lang") == "en"


def test_pdf_embeds_the_theme_fonts(sample: tuple[Path, Path]) -> None:
    pdf, _ = sample
    reader = PdfReader(str(pdf))
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("Source-Serif" in f or "Fallback-" in f for f in fonts), fonts
    assert any("Fallback-CJK" in f for f in fonts), "the sample's Korean, Japanese and Chinese titles"


def test_epub_metadata(sample: tuple[Path, Path]) -> None:
    _, epub = sample
    opf = epub_read(epub, "EPUB/content.opf").decode()
    assert "<dc:title>Night Crossings</dc:title>" in opf
    assert "<dc:language>en</dc:language>" in opf
    assert "The Anthology Sample Desk" in opf
    assert '<meta property="dcterms:modified">2026-05-01T00:00:00Z</meta>' in opf
    assert "EPUB/toc.ncx" in epub_names(epub)


def test_source_date_epoch_sets_modified(tmp_path: Path, seed_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    result, _ = build(seed_root, tmp_path, pdf=False)
    opf = epub_read(result.outputs["epub"], "EPUB/content.opf").decode()
    assert "2023-11-14T22:13:20Z" in opf


def test_two_builds_are_byte_identical(tmp_path: Path, seed_root: Path) -> None:
    first, _ = build(seed_root, tmp_path / "a")
    second, _ = build(seed_root, tmp_path / "b")
    for kind in ("pdf", "epub"):
        assert first.outputs[kind].read_bytes() == second.outputs[kind].read_bytes(), kind


def test_pdf_only_and_epub_only(tmp_path: Path, seed_root: Path) -> None:
    assert main(["build", str(seed_root), "--pdf", "--out", str(tmp_path / "p")]) == 0
    assert [p.suffix for p in (tmp_path / "p").iterdir()] == [".pdf"]
    assert main(["build", str(seed_root), "--epub", "--out", str(tmp_path / "e")]) == 0
    assert [p.suffix for p in (tmp_path / "e").iterdir()] == [".epub"]
