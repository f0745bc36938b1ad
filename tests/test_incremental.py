"""Parallel layout and the layout cache (issue 6): the book is the same however it is built.

Every test compares a build that used the cache (or workers) with a *cold* build of the same
input made without any cache, byte for byte: an incremental build may never give a book
that differs from a fresh one, whatever was edited.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from support import copy_project, epubcheck_messages, pdf_outline, pdf_page_labels, pdf_pages_text

from anthology import Diagnostics, load_book
from anthology.render.build import BuildResult
from anthology.render.build import build as render_book
from anthology.render.cachedir import CACHE_DIR, ENVIRONMENT, cache_dir
from anthology.render.layout import Job, LaidOut, lay_out

REVIEW = ("Title: {title}\nDirector: Ann Director\nStarring: Bob Actor, Cy Actor\n"
          "{body}\n\nBob Actor is in every scene; Cy Actor in the second half.\n")
PARAGRAPH = ("A paragraph of the review that goes on for a while about the light, the harbour, the "
             "long takes and the way the sound of the sea carries the film from one scene to the next. ")


def _project(root: Path, chapters: int = 4) -> Path:
    (root / "reviews").mkdir(parents=True)
    names = []
    for n in range(chapters):
        name = f"reviews/r{n}.txt"
        (root / name).write_text(REVIEW.format(title=f"Film {n}", body=PARAGRAPH * (3 + n)), encoding="utf-8")
        names.append(name)
    listed = "".join(f"  - {name}\n" for name in names[:1]) + "  - part: Second Part\n    chapters:\n" + "".join(
        f"      - {name}\n" for name in names[1:])
    (root / "anthology.yaml").write_text(f"title: Cache Test\nchapters:\n{listed}", encoding="utf-8")
    return root


def _build(root: Path, out: Path, *, cache: bool = True, workers: int | None = None,
           pdf: bool = True, epub: bool = True) -> BuildResult:
    diags = Diagnostics()
    book, diags = load_book(root, diags)
    assert book is not None, [str(d) for d in diags]
    return render_book(book, out, diags, use_cache=cache, workers=workers, pdf=pdf, epub=epub)


def _bytes(result: BuildResult) -> dict[str, bytes]:
    return {kind: path.read_bytes() for kind, path in result.outputs.items()}


@pytest.fixture
def in_project_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache where users have it: <project>/.anthology-cache (the suite moves it elsewhere)."""
    monkeypatch.delenv(ENVIRONMENT, raising=False)


def _same_as_cold(root: Path, tmp: Path, name: str, **options: object) -> BuildResult:
    """Build with the cache, build cold without it: the same bytes. Returns the cached build."""
    cached = _build(root, tmp / f"{name}-cached", **options)  # type: ignore[arg-type]
    cold = _build(root, tmp / f"{name}-cold", cache=False, workers=1)
    assert _bytes(cached) == _bytes(cold), f"{name}: the cached build differs from a cold one"
    return cached


def test_the_cache_lives_in_the_project_and_a_rebuild_lays_out_nothing(tmp_path: Path, in_project_cache: None) -> None:
    root = _project(tmp_path / "book")
    first = _build(root, tmp_path / "one")
    assert (root / CACHE_DIR / "layout").is_dir()
    assert first.laid_out > 0 and first.reused == 0
    second = _build(root, tmp_path / "two")
    assert second.laid_out == 0, "nothing changed, yet something was laid out again"
    assert second.reused == first.laid_out
    assert _bytes(first) == _bytes(second)


def test_editing_one_review_lays_out_only_that_section_again(tmp_path: Path, in_project_cache: None) -> None:
    root = _project(tmp_path / "book")
    _build(root, tmp_path / "before")
    review = root / "reviews" / "r2.txt"
    review.write_text(review.read_text(encoding="utf-8").replace("long takes", "long, patient takes"),
                      encoding="utf-8")
    after = _same_as_cold(root, tmp_path, "edit")
    # The edited section; its folios are the same pages, the index and front matter unchanged.
    assert after.laid_out == 1, after


def test_an_edit_that_changes_the_page_count_gives_the_fresh_book(tmp_path: Path, in_project_cache: None) -> None:
    root = _project(tmp_path / "book")
    before = _build(root, tmp_path / "before")
    review = root / "reviews" / "r1.txt"
    review.write_text(review.read_text(encoding="utf-8") + ("\n" + PARAGRAPH * 6) * 8, encoding="utf-8")
    after = _same_as_cold(root, tmp_path, "longer")
    assert after.pages > before.pages
    # Later sections keep their layout: only the folios move.
    assert after.reused >= 2, after
    texts = pdf_pages_text(after.outputs["pdf"])
    labels = pdf_page_labels(after.outputs["pdf"])
    assert len(texts) == len(labels) == after.pages


def test_undoing_an_edit_finds_the_earlier_layout(tmp_path: Path, in_project_cache: None) -> None:
    root = _project(tmp_path / "book")
    first = _build(root, tmp_path / "v1")
    review = root / "reviews" / "r0.txt"
    original = review.read_text(encoding="utf-8")
    review.write_text(original.replace("harbour", "harbor"), encoding="utf-8")
    _build(root, tmp_path / "v2")
    review.write_text(original, encoding="utf-8")
    undone = _build(root, tmp_path / "v1-again")
    assert undone.laid_out == 0
    assert _bytes(undone) == _bytes(first)


def test_reordering_chapters_reuses_their_layout(tmp_path: Path, in_project_cache: None) -> None:
    root = _project(tmp_path / "book")
    _build(root, tmp_path / "before")
    manifest = root / "anthology.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("      - reviews/r1.txt\n      - reviews/r2.txt\n",
                                     "      - reviews/r2.txt\n      - reviews/r1.txt\n"), encoding="utf-8")
    after = _same_as_cold(root, tmp_path, "reordered")
    titles = [title for _depth, title, _page in pdf_outline(after.outputs["pdf"])]
    assert titles.index("Film 2") < titles.index("Film 1")


def test_a_changed_image_is_seen_though_its_name_is_the_same(tmp_path: Path, in_project_cache: None) -> None:
    from PIL import Image

    root = _project(tmp_path / "book", chapters=2)
    (root / "assets").mkdir()
    Image.new("RGB", (300, 200), (200, 30, 30)).save(root / "assets" / "still.png")
    review = root / "reviews" / "r1.txt"
    (root / "reviews" / "r1.md").write_text("# Film 1\n\nDirector: Ann Director\n\nText before.\n\n"
                                            "![A still](../assets/still.png)\n\nText after.\n", encoding="utf-8")
    review.unlink()
    manifest = root / "anthology.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("r1.txt", "r1.md"), encoding="utf-8")
    first = _build(root, tmp_path / "red")
    Image.new("RGB", (300, 200), (30, 30, 200)).save(root / "assets" / "still.png")
    after = _same_as_cold(root, tmp_path, "blue")
    assert _bytes(after)["pdf"] != _bytes(first)["pdf"]


def test_a_file_a_stylesheet_reads_is_a_dependency(tmp_path: Path, in_project_cache: None) -> None:
    """A user stylesheet's url() names a project file: changing that file (same name, same
    stylesheet text) must not let the cache give the old book; nor may its appearing."""
    from PIL import Image

    root = _project(tmp_path / "book", chapters=2)
    (root / "templates").mkdir()
    (root / "assets").mkdir()
    (root / "templates" / "print.css").write_text(
        (Path(__file__).resolve().parents[1] / "src/anthology/theme/templates/print.css").read_text(encoding="utf-8")
        + "\n.chapter-head { background: url(assets/band.png) no-repeat; }\n", encoding="utf-8")
    missing = _build(root, tmp_path / "missing")
    Image.new("RGB", (40, 10), (200, 30, 30)).save(root / "assets" / "band.png")
    red = _same_as_cold(root, tmp_path, "appeared")
    assert _bytes(red)["pdf"] != _bytes(missing)["pdf"]
    Image.new("RGB", (40, 10), (30, 30, 200)).save(root / "assets" / "band.png")
    blue = _same_as_cold(root, tmp_path, "changed")
    assert _bytes(blue)["pdf"] != _bytes(red)["pdf"]


def test_a_font_a_stylesheet_loads_is_a_dependency(tmp_path: Path, in_project_cache: None) -> None:
    """@font-face files are read when the stylesheet is parsed, not per chapter: replacing the
    project's font file (same name) must still give a fresh book."""
    import font_source_serif_pro

    fonts = Path(font_source_serif_pro.font_directory)
    root = _project(tmp_path / "book", chapters=2)
    (root / "templates").mkdir()
    (root / "assets").mkdir()
    shutil.copy(fonts / "SourceSerifPro-Regular.otf", root / "assets" / "display.otf")
    (root / "templates" / "print.css").write_text(
        (Path(__file__).resolve().parents[1] / "src/anthology/theme/templates/print.css").read_text(encoding="utf-8")
        + '\n@font-face { font-family: "Display"; src: url(assets/display.otf); }\n'
        + '.chapter-title { font-family: "Display"; }\n', encoding="utf-8")
    regular = _build(root, tmp_path / "regular")
    shutil.copy(fonts / "SourceSerifPro-Bold.otf", root / "assets" / "display.otf")
    bold = _same_as_cold(root, tmp_path, "bold")
    assert _bytes(bold)["pdf"] != _bytes(regular)["pdf"]


def test_a_template_override_invalidates_every_section(tmp_path: Path, in_project_cache: None) -> None:
    root = _project(tmp_path / "book")
    first = _build(root, tmp_path / "before")
    (root / "templates").mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "src/anthology/theme/templates/print.css",
                root / "templates" / "print.css")
    with (root / "templates" / "print.css").open("a", encoding="utf-8") as css:
        css.write("\n.chapter-title { font-size: 2.2em; }\n")
    after = _same_as_cold(root, tmp_path, "template")
    assert after.reused == 0, "a stylesheet changed, yet a section came from the cache"
    assert _bytes(after)["pdf"] != _bytes(first)["pdf"]


def test_a_damaged_or_deleted_cache_is_only_a_miss(tmp_path: Path, in_project_cache: None) -> None:
    root = _project(tmp_path / "book")
    good = _build(root, tmp_path / "good")
    entries = sorted((root / CACHE_DIR / "layout").glob("*.pdf"))
    entries[0].write_bytes(b"%PDF-1.7 not really")
    sorted((root / CACHE_DIR / "layout").glob("*.json"))[1].write_text("{ broken", encoding="utf-8")
    damaged = _build(root, tmp_path / "damaged")
    assert _bytes(damaged) == _bytes(good)
    assert damaged.laid_out >= 2
    shutil.rmtree(root / CACHE_DIR)
    assert _bytes(_build(root, tmp_path / "deleted")) == _bytes(good)


def test_parallel_and_serial_layout_give_the_same_bytes(tmp_path: Path) -> None:
    root = _project(tmp_path / "book", chapters=5)
    serial = _build(root, tmp_path / "serial", cache=False, workers=1)
    parallel = _build(root, tmp_path / "parallel", cache=False, workers=2)
    assert _bytes(serial) == _bytes(parallel)
    assert epubcheck_messages(parallel.outputs["epub"]) == []


def test_the_merged_pdf_matches_a_single_pass_build(tmp_path: Path, repo_root: Path) -> None:
    """The sample laid out section by section and merged, against the same book laid out in
    one WeasyPrint pass (forced by overriding book.html.j2): the same text on every page,
    the same bookmarks and labels, and fonts not duplicated (≤ 1.15× the size)."""
    merged_root = copy_project(repo_root, tmp_path / "merged")
    single_root = copy_project(repo_root, tmp_path / "single")
    (single_root / "templates").mkdir(exist_ok=True)
    shutil.copy(repo_root / "src/anthology/theme/templates/book.html.j2", single_root / "templates" / "book.html.j2")
    merged = _build(merged_root, tmp_path / "m", cache=False)
    single = _build(single_root, tmp_path / "s", cache=False)
    m_pdf, s_pdf = merged.outputs["pdf"], single.outputs["pdf"]
    assert pdf_pages_text(m_pdf) == pdf_pages_text(s_pdf)
    assert pdf_outline(m_pdf) == pdf_outline(s_pdf)
    assert pdf_page_labels(m_pdf) == pdf_page_labels(s_pdf)
    assert m_pdf.stat().st_size <= 1.15 * s_pdf.stat().st_size, (m_pdf.stat().st_size, s_pdf.stat().st_size)
    with pikepdf.open(m_pdf) as pdf:
        programs = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/FontDescriptor"]
        names = [str(o.FontName) for o in programs]
    assert len(names) == len(set(names)), f"a font is embedded more than once: {sorted(names)}"
    # The EPUB's page-list comes from the same page breaks either way.
    assert _bytes(merged)["epub"] == _bytes(single)["epub"]


def test_fonts_with_missing_glyphs_are_kept_per_section(tmp_path: Path) -> None:
    """A character no font has makes WeasyPrint draw .notdef with an encoding of its own: such
    a font is not merged, every section keeps its subset, and the text still comes out."""
    root = _project(tmp_path / "book", chapters=3)
    first = root / "reviews" / "r0.txt"
    first.write_text(first.read_text(encoding="utf-8").replace("harbour", "harbour \ue000 \u51ac\u306e"),
                     encoding="utf-8")
    single = copy_project(root, tmp_path / "single")
    (single / "templates").mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "src/anthology/theme/templates/book.html.j2",
                single / "templates" / "book.html.j2")
    merged = _build(root, tmp_path / "m", cache=False)
    reference = _build(single, tmp_path / "s", cache=False)
    texts = pdf_pages_text(merged.outputs["pdf"])
    assert texts == pdf_pages_text(reference.outputs["pdf"])
    assert any("\u51ac\u306e" in page for page in texts)


def test_links_across_sections_resolve(tmp_path: Path, repo_root: Path) -> None:
    """Contents → chapters, chapters → index, index → chapters: every internal link of the
    merged PDF names a destination that exists, and none is a link to a file (the index's
    page numbers once were: WeasyPrint read their bare anchors as relative URLs)."""
    root = copy_project(repo_root, tmp_path / "book")
    result = _build(root, tmp_path / "out", cache=False)
    with pikepdf.open(result.outputs["pdf"]) as pdf:
        dests = pdf.Root.Names.Dests.Names
        names = {str(dests[i]) for i in range(0, len(dests), 2)}
        annots = [a for page in pdf.pages for a in page.obj.get("/Annots", []) if a.get("/Subtype") == "/Link"]
        links = [str(a.Dest) for a in annots if "/Dest" in a]
        uris = [str(a.A.URI) for a in annots if "/A" in a and a.A.get("/S") == "/URI"]
    assert len(links) > 50
    assert sorted(set(links) - names) == []
    assert [uri for uri in uris if uri.startswith("file:")] == []


def test_an_epub_alone_needs_no_pdf_merge(tmp_path: Path, in_project_cache: None) -> None:
    root = _project(tmp_path / "book")
    full = _build(root, tmp_path / "full")
    alone = _build(root, tmp_path / "epub", pdf=False)
    assert alone.laid_out == 0 and "pdf" not in alone.outputs
    assert alone.outputs["epub"].read_bytes() == full.outputs["epub"].read_bytes()


def test_with_kdps_gutter_an_epub_alone_is_the_epub_of_the_full_build(tmp_path: Path) -> None:
    """KDP's gutter depends on the page count, so the layout may take a second pass: the EPUB's
    page-list must come from the final one, with or without the PDF."""
    root = _project(tmp_path / "book", chapters=3)
    manifest = root / "anthology.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "pdf:\n  preset: kdp-6x9\n", encoding="utf-8")
    full = _build(root, tmp_path / "full", cache=False)
    alone = _build(root, tmp_path / "alone", cache=False, pdf=False)
    assert alone.outputs["epub"].read_bytes() == full.outputs["epub"].read_bytes()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_chapter_past_the_layout_time_limit_stops_the_build(tmp_path: Path, workers: int) -> None:
    """limits.layout_seconds: a chapter that takes too long is named, whether it was laid out in
    this process (an alarm) or in a worker (the worker is stopped)."""
    import time

    from anthology import AnthologyError

    root = _project(tmp_path / "book", chapters=2)
    (root / "reviews" / "slow.md").write_text(
        "# Slow\n\nDirector: Ann Director\n\n" + "".join(f"- item {n} of a long filmography\n" for n in range(4000)),
        encoding="utf-8")
    manifest = root / "anthology.yaml"
    text = manifest.read_text(encoding="utf-8").replace("chapters:\n", "chapters:\n  - reviews/slow.md\n", 1)
    manifest.write_text(text + "limits:\n  layout_seconds: 1\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(AnthologyError) as caught:
        _build(root, tmp_path / "out", cache=False, workers=workers)
    assert time.monotonic() - started < 30
    [error] = caught.value.diagnostics
    assert (error.file, error.code) == ("reviews/slow.md", "layout-time"), error
    assert "took more than 1 s" in error.message and "layout_seconds" in error.message
    assert not (tmp_path / "out").exists()


def _failing_lay_out(job: Job, known: frozenset[str] = frozenset(), hyphenation_cache: str = "") -> LaidOut:
    """lay_out, failing on one chapter (module level: workers receive it by name)."""
    if job.kind == "section" and "Film 1" in job.html:
        raise RuntimeError("the layout engine gave up")
    return lay_out(job, known, hyphenation_cache)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_layout_engine_failure_is_named_not_a_traceback(tmp_path: Path, workers: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Should WeasyPrint raise on some chapter (a bug of its own, an input no limit foresaw),
    the build stops with that chapter's name, in this process as in a worker."""
    from anthology import AnthologyError
    from anthology.render import parallel

    monkeypatch.setattr(parallel, "lay_out", _failing_lay_out)
    root = _project(tmp_path / "book", chapters=3)
    with pytest.raises(AnthologyError) as caught:
        _build(root, tmp_path / "out", cache=False, workers=workers)
    [error] = caught.value.diagnostics
    assert (error.file, error.code) == ("reviews/r1.txt", "layout-failed"), error
    assert "RuntimeError: the layout engine gave up" in error.message
    assert not (tmp_path / "out").exists()


def test_a_swallowed_time_limit_is_still_reported() -> None:
    """The alarm's exception may land where Python swallows it (a garbage-collector callback
    did so in CI): the job then runs to its end, and the limit is reported after it."""
    import contextlib
    import time

    from anthology.render.parallel import LayoutTimeout, _alarm

    job = Job("section", "<p>x</p>", (), "file:///", ())
    with pytest.raises(LayoutTimeout), _alarm(0.2, job):
        deadline = time.monotonic() + 0.6
        while time.monotonic() < deadline:
            with contextlib.suppress(LayoutTimeout):  # swallowed, as in a gc callback
                time.sleep(0.01)


@pytest.mark.parametrize(("indexes", "fronts"), [("", 1), ("indexes: [people, films]\n", 2)])
def test_the_front_matter_is_laid_out_alongside_the_indexes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            indexes: str, fronts: int) -> None:
    """The contents need the indexes' page numbers; the front matter is laid out with the
    indexes, the first one guessed on the recto after the body, and laid out again only when
    the contents come out different (here: a second index, whose page the guess cannot know).
    Either way the book is the same as a build without any guess: the contents' numbers are
    checked against the pages in test_index and test_print."""
    from anthology.render import parallel

    kinds: list[str] = []
    real = parallel.lay_out

    def counting(job: Job, *args: object) -> LaidOut:
        kinds.append(job.kind)
        return real(job, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "lay_out", counting)
    root = _project(tmp_path / "book")
    manifest = root / "anthology.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + indexes, encoding="utf-8")
    result = _build(root, tmp_path / "out", cache=False, workers=1)
    assert kinds.count("front") == fronts, kinds
    assert kinds.count("index") == 1
    outline = pdf_outline(result.outputs["pdf"])
    labels = pdf_page_labels(result.outputs["pdf"])
    pages = [" ".join(text.split()) for text in pdf_pages_text(result.outputs["pdf"])]
    toc = next(text for text in pages if text.startswith("Contents"))
    listed = [(title, labels[page - 1]) for _depth, title, page in outline if title.startswith("Index of")]
    assert len(listed) == fronts
    for title, label in listed:
        assert re.search(re.escape(title) + r"[ .]+" + label + r"\b", toc), (title, label, toc)


def test_kept_workers_serve_the_next_build_until_one_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """build --watch keeps its workers from one rebuild to the next (WeasyPrint imported, fonts
    loaded): the same processes give the same book as a serial build; a build that fails stops
    them and says so, and the watcher starts others."""
    from anthology import AnthologyError
    from anthology.render import parallel
    from anthology.render.parallel import Workers

    root = _project(tmp_path / "book", chapters=3)
    kept = Workers(2, kept=True)
    try:
        pids = sorted(process.pid for process in kept.pool._pool)  # type: ignore[attr-defined]
        first = _build(root, tmp_path / "one", cache=False, workers=kept)
        second = _build(root, tmp_path / "two", cache=False, workers=kept)
        assert sorted(process.pid for process in kept.pool._pool) == pids  # type: ignore[attr-defined]
        assert not kept.broken
        serial = _build(root, tmp_path / "serial", cache=False, workers=1)
        assert _bytes(first) == _bytes(second) == _bytes(serial)
        monkeypatch.setattr(parallel, "lay_out", _failing_lay_out)
        with pytest.raises(AnthologyError):
            _build(root, tmp_path / "three", cache=False, workers=kept)
        assert kept.broken
    finally:
        kept.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_hyphenation_patterns_are_kept_in_the_cache_and_change_nothing(tmp_path: Path, workers: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The patterns the chapters were hyphenated with (render/hyphenation.py) land in the cache's
    hyphenation/ folder; laid out again from them, in this process or in workers, the book is
    the same bytes; without a cache there is no such folder."""
    import pyphen

    monkeypatch.setattr(pyphen, "hdcache", {})  # as in a new process (workers forked from this one inherit it)
    root = _project(tmp_path / "book", chapters=3)
    first = _build(root, tmp_path / "out", workers=workers)
    stored = sorted((cache_dir(root) / "hyphenation").iterdir())
    assert stored and all(p.suffix == ".json" for p in stored)
    before = _bytes(first)
    shutil.rmtree(cache_dir(root) / "layout")  # everything laid out again, the patterns read back
    pyphen.hdcache.clear()
    again = _build(root, tmp_path / "out", workers=workers)
    assert again.laid_out == first.laid_out > 0
    assert _bytes(again) == before
    assert sorted((cache_dir(root) / "hyphenation").iterdir()) == stored

    pyphen.hdcache.clear()
    assert _bytes(_build(root, tmp_path / "out", cache=False, workers=workers)) == before  # pyphen's own parse
    other = _project(tmp_path / "uncached", chapters=3)
    _build(other, tmp_path / "out-other", cache=False, workers=workers)
    assert not cache_dir(other).exists()
