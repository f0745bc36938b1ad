"""Print readiness: page geometry, presets, marks, recto openings, page labels, standards,
fonts, the EPUB's print page list."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from lxml import etree
from support import NS, copy_project, epub_read, epubcheck_messages, pdf_outline, pdf_page_labels, pdf_pages_text

from anthology import build, load_book
from anthology.paper import MARK_ZONE, PRESETS

IN = 72.0


def _seed_with(tmp_path: Path, seed_root: Path, pdf_block: str) -> Path:
    project = tmp_path / "seed"
    shutil.copytree(seed_root, project)
    manifest = project / "anthology.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + pdf_block, encoding="utf-8")
    return project


def _boxes(pdf: Path) -> dict[str, list[float]]:
    with pikepdf.open(pdf) as doc:
        page = doc.pages[0].obj
        return {name: [float(v) for v in page[f"/{name}"]] for name in ("MediaBox", "BleedBox", "TrimBox")}


def _size(box: list[float]) -> tuple[float, float]:
    return round(box[2] - box[0], 2), round(box[3] - box[1], 2)


def test_6x9_with_bleed_and_crop_marks_has_nested_boxes(tmp_path: Path, seed_root: Path) -> None:
    project = _seed_with(tmp_path, seed_root, "pdf:\n  page: 6x9in\n  bleed: 0.125in\n  marks: crop\n")
    result, _ = build(project, project / "build", epub=False)
    boxes = _boxes(result.outputs["pdf"])
    assert _size(boxes["TrimBox"]) == (6 * IN, 9 * IN)
    assert _size(boxes["BleedBox"]) == (6 * IN + 18, 9 * IN + 18)
    assert _size(boxes["MediaBox"]) == (6 * IN + 18 + 2 * MARK_ZONE, 9 * IN + 18 + 2 * MARK_ZONE)
    trim, bleed, media = boxes["TrimBox"], boxes["BleedBox"], boxes["MediaBox"]
    assert [round(b - t, 2) for b, t in zip(bleed, trim, strict=True)] == [-9, -9, 9, 9]
    assert [round(m - b, 2) for m, b in zip(media, bleed, strict=True)] == [-MARK_ZONE, -MARK_ZONE, MARK_ZONE,
                                                                             MARK_ZONE]


def test_crop_marks_are_drawn_outside_the_bleed(tmp_path: Path, seed_root: Path) -> None:
    project = _seed_with(tmp_path, seed_root, "pdf:\n  page: 6x9in\n  bleed: 3mm\n  marks: crop cross\n")
    result, _ = build(project, project / "build", epub=False)
    with pikepdf.open(result.outputs["pdf"]) as doc:
        page = doc.pages[0]
        bleed = [float(v) for v in page.obj.BleedBox]
        ops = pikepdf.parse_content_stream(page)
    points = []
    for operands, operator in ops:
        if str(operator) in ("m", "l"):
            points.append((float(operands[0]), float(operands[1])))
    marks = [(x, y) for x, y in points if not (bleed[0] <= x <= bleed[2] and bleed[1] <= y <= bleed[3])]
    assert len(marks) >= 16, "each corner has two crop lines, each side a registration target"
    assert not any(bleed[0] < x < bleed[2] and bleed[1] < y < bleed[3] and (x, y) in marks for x, y in marks)


def test_kdp_preset_sets_trim_bleed_no_marks_and_gutter(tmp_path: Path, seed_root: Path) -> None:
    assert {"kdp-6x9", "ingramspark-6x9"} <= set(PRESETS)
    project = _seed_with(tmp_path, seed_root, "pdf:\n  preset: kdp-6x9\n")
    result, _ = build(project, project / "build", epub=False)
    boxes = _boxes(result.outputs["pdf"])
    assert _size(boxes["TrimBox"]) == (432.0, 648.0)
    assert _size(boxes["MediaBox"]) == _size(boxes["BleedBox"]) == (450.0, 666.0)  # KDP: no marks


def test_unknown_preset_and_bad_page_are_located_errors(tmp_path: Path, seed_root: Path) -> None:
    project = _seed_with(tmp_path, seed_root, "pdf:\n  preset: lulu-9x12\n")
    book, diags = load_book(project)
    assert book is None
    assert [d.code for d in diags.errors] == ["bad-pdf-options"]
    assert "unknown pdf.preset 'lulu-9x12'" in diags.errors[0].message and diags.errors[0].line > 0


def test_chapters_and_parts_open_on_rectos_and_labels_match_folios(repo_root: Path, tmp_path: Path) -> None:
    result, _ = build(repo_root, tmp_path, epub=False)
    pdf = result.outputs["pdf"]
    labels = pdf_page_labels(pdf)
    first = labels.index("1")
    assert labels[:first] == ["i", "ii", "iii", "iv", "v", "vi"][:first]
    assert first % 2 == 0, "page 1 is a recto"
    assert labels[first:] == [str(n) for n in range(1, len(labels) - first + 1)]
    texts = pdf_pages_text(pdf)
    for n, label in enumerate(labels[first:], start=first):
        lines = [line.strip() for line in texts[n].splitlines() if line.strip()]
        if lines:  # a printed folio equals the page label (blank pages print none)
            assert label in (lines[0], lines[-1]), f"page {label} prints {lines[0]!r} … {lines[-1]!r}"
    for _, title, page in pdf_outline(pdf):
        if title != "Contents":
            assert page % 2 == 1, f"{title} opens on a verso"


@pytest.mark.parametrize("standard, check", [
    ("pdf/a-3b", lambda pdf: "/OutputIntents" in pdf.Root),
    ("pdf/ua-1", lambda pdf: "/StructTreeRoot" in pdf.Root and bool(pdf.Root.MarkInfo.Marked)),
])
def test_standards_on_request(tmp_path: Path, seed_root: Path, standard: str, check) -> None:
    project = _seed_with(tmp_path, seed_root, f"pdf:\n  standard: {standard}\n")
    result, _ = build(project, project / "build", epub=False)
    with pikepdf.open(result.outputs["pdf"]) as pdf:
        assert check(pdf)
        metadata = str(pdf.open_metadata())
    assert "Escape" in metadata


def test_scripts_source_serif_lacks_use_the_bundled_fallbacks(tmp_path: Path) -> None:
    (tmp_path / "reviews").mkdir()
    (tmp_path / "reviews" / "a.txt").write_text(
        "Title: Separation\nOriginal title: جدایی نادر از سیمین\nDirector: Asghar Farhadi\n"
        "The Korean title 밤의 건널목, the Japanese 冬の貸しボート and the Chinese 雨季郵差 all print.\n",
        encoding="utf-8")
    (tmp_path / "anthology.yaml").write_text("title: Scripts\nchapters:\n  - reviews/a.txt\n", encoding="utf-8")
    result, diags = build(tmp_path, tmp_path / "out", epub=False)
    assert [d for d in diags if d.code == "missing-glyphs"] == []
    with pikepdf.open(result.outputs["pdf"]) as pdf:
        fonts = {str(f.BaseFont) for page in pdf.pages for f in page.Resources.get("/Font", {}).values()}
    assert any("Fallback-CJK" in f for f in fonts) and any("Fallback-Arabic" in f for f in fonts)
    import subprocess

    logical = subprocess.run(["pdftotext", str(result.outputs["pdf"]), "-"], capture_output=True, check=True,
                             text=True).stdout
    visual = " ".join(pdf_pages_text(result.outputs["pdf"]))  # content order: as set on the page
    assert "جدایی نادر از سیمین" in re.sub("[\u202a-\u202e]", "", logical)
    assert "سیمین از نادر جدایی" in re.sub("[\u202a-\u202e]", "", visual), "set right to left"


def test_a_character_no_font_covers_is_named_with_its_file(tmp_path: Path) -> None:
    (tmp_path / "reviews").mkdir()
    (tmp_path / "reviews" / "a.txt").write_text("Title: A\nDirector: Ann Lee\nA Linear B sign: 𐀀.\n",
                                                encoding="utf-8")
    (tmp_path / "anthology.yaml").write_text("title: T\nchapters:\n  - reviews/a.txt\n", encoding="utf-8")
    _, diags = build(tmp_path, tmp_path / "out", epub=False)
    missing = [d for d in diags if d.code == "missing-glyphs"]
    assert missing and missing[0].file == "reviews/a.txt" and "U+10000" in missing[0].message


# -- the EPUB's print page list ---------------------------------------------------------------

def _solid(text: str) -> str:
    return re.sub(r"[\s\u2010\u00ad-]+", "", text)


def test_page_list_markers_sit_where_the_print_pages_begin(repo_root: Path, tmp_path: Path) -> None:
    result, _ = build(repo_root, tmp_path)
    pdf, epub = result.outputs["pdf"], result.outputs["epub"]
    assert epubcheck_messages(epub) == []
    labels = pdf_page_labels(pdf)
    texts = {label: _solid(text) for label, text in zip(labels, pdf_pages_text(pdf), strict=True)}
    nav = etree.fromstring(epub_read(epub, "EPUB/nav.xhtml"))
    entries = nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)
    body_labels = [label for label in labels if label.isdigit()]
    assert [a.text for a in entries] == body_labels[:len(entries)] and len(entries) >= 20
    checked = 0
    for a in entries:
        file, anchor = a.get("href").split("#")
        xhtml = epub_read(epub, f"EPUB/{file}").decode()
        after = xhtml.split(f'id="{anchor}"', 1)[1]
        following = _solid(re.sub(r"<[^>]+>", "", after.split(">", 1)[1]))[:12]
        if not following:
            continue
        page_text = texts[a.text]
        if not page_text:  # a blank verso: its marker sits with the next page's
            continue
        assert following in page_text[:80], f"page {a.text} does not begin with {following!r}"
        checked += 1
    assert checked >= len(entries) * 0.8


# -- cover and languages ------------------------------------------------------------------------

def test_generated_cover_is_the_cover_image_and_first_page(tmp_path: Path, seed_root: Path) -> None:
    result, _ = build(seed_root, tmp_path, pdf=False)
    epub = result.outputs["epub"]
    opf = epub_read(epub, "EPUB/content.opf").decode()
    assert re.search(r'<item href="images/cover.png" id="cover-image" media-type="image/png" '
                     r'properties="cover-image"/>', opf)
    assert re.search(r'<meta name="cover" content="cover-image"(/>|></meta>)', opf)
    assert re.search(r'<spine[^>]*>\s*<itemref idref="cover"/>', opf)
    nav = epub_read(epub, "EPUB/nav.xhtml").decode()
    assert 'epub:type="cover" href="cover.xhtml"' in nav
    from PIL import Image

    with Image.open(__import__("io").BytesIO(epub_read(epub, "EPUB/images/cover.png"))) as image:
        assert image.size == (1600, 2560)


def test_manifest_cover_is_used(tmp_path: Path, seed_root: Path) -> None:
    from PIL import Image

    project = tmp_path / "seed"
    shutil.copytree(seed_root, project)
    (project / "assets").mkdir()
    Image.new("RGB", (400, 640), (200, 30, 30)).save(project / "assets" / "cover.jpg")
    manifest = project / "anthology.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "cover: assets/cover.jpg\n", encoding="utf-8")
    result, _ = build(project, project / "build", pdf=False)
    epub = result.outputs["epub"]
    opf = epub_read(epub, "EPUB/content.opf").decode()
    assert 'href="assets/cover.jpg" id="cover-image" media-type="image/jpeg" properties="cover-image"' in opf
    assert epubcheck_messages(epub) == []


def test_a_french_chapter_gets_french_quotes_and_lang(repo_root: Path, tmp_path: Path) -> None:
    result, _ = build(repo_root, tmp_path, pdf=False)
    chapter = epub_read(result.outputs["epub"], "EPUB/ch-le-passeur-de-zeebruges.xhtml").decode()
    assert 'lang="fr" xml:lang="fr"' in chapter
    assert "«" in chapter and '"' not in re.sub(r"<[^>]+>", "", chapter)


# -- preflight ----------------------------------------------------------------------------------

def test_the_sample_with_the_kdp_preset_passes_the_preflight(repo_root: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from anthology.cli import main

    project = copy_project(repo_root, tmp_path / "book")
    manifest = project / "anthology.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "pdf:\n  preset: kdp-6x9\n", encoding="utf-8")
    assert main(["build", str(project)]) == 0
    capsys.readouterr()
    assert main(["check", str(project), "--output"]) == 0
    out = capsys.readouterr().out
    assert "boxes: trim 432.0×648.0 pt, bleed 9.0 pt on every page" in out
    assert "all embedded and subset" in out and "all at least 300 dpi" in out
    assert "EPUBCheck reports no error and no warning" in out and "preflight passed" in out


def test_preflight_flags_a_low_resolution_image_and_missing_outputs(tmp_path: Path) -> None:
    from PIL import Image

    from anthology.render.preflight import preflight

    (tmp_path / "reviews").mkdir()
    Image.new("RGB", (120, 80), (10, 120, 200)).save(tmp_path / "still.png")
    (tmp_path / "reviews" / "a.md").write_text("# A\n\nDirector: Ann Lee\n\n![A blue still](../still.png)\n",
                                               encoding="utf-8")
    (tmp_path / "anthology.yaml").write_text("title: T\nchapters:\n  - reviews/a.md\n", encoding="utf-8")
    book, _ = load_book(tmp_path)
    assert book is not None
    report = preflight(book, tmp_path / "build" / "t.pdf", tmp_path / "build" / "t.epub")
    assert report.failed and sum(status == "fail" for status, _ in report.lines) == 2
    result, _ = build(tmp_path, tmp_path / "build")
    report = preflight(book, result.outputs["pdf"], result.outputs["epub"])
    assert any(status == "warn" and "dpi" in text for status, text in report.lines)


def test_pdf_x_without_the_printers_profile_is_a_located_error(tmp_path: Path, seed_root: Path) -> None:
    project = _seed_with(tmp_path, seed_root, "pdf:\n  standard: pdf/x-4\n")
    book, diags = load_book(project)
    assert book is None
    error = diags.errors[0]
    assert error.code == "pdf-x-profile" and error.line > 0 and "pdf.output_profile" in error.message


def test_blank_versos_carry_no_head_and_no_folio(repo_root: Path, tmp_path: Path) -> None:
    result, _ = build(repo_root, tmp_path, epub=False)
    texts = pdf_pages_text(result.outputs["pdf"])
    blank = [n for n, t in enumerate(texts, start=1) if not t.strip()]
    assert blank, "the sample has blank versos before its rectos"
    folio_only = [n for n, t in enumerate(texts, start=1) if re.fullmatch(r"\s*[0-9ivx]+\s*", t)]
    assert folio_only == []


def test_two_builds_of_the_sample_are_byte_identical(repo_root: Path, tmp_path: Path) -> None:
    first, _ = build(repo_root, tmp_path / "a")
    second, _ = build(repo_root, tmp_path / "b")
    for kind in ("pdf", "epub"):
        assert first.outputs[kind].read_bytes() == second.outputs[kind].read_bytes(), kind
