"""Book → PDF and EPUB: render both in memory, then write both atomically."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..errors import AnthologyError, Diagnostic, Diagnostics
from ..index import build_indexes
from ..load.body import IMAGE_TYPES
from ..load.book import slugify
from ..model import Book
from .cache import LayoutCache, SortKeyCache, hyphenation_folder
from .cachedir import cache_dir
from .confine import ConfinedPaths  # the policy alone: the EPUB reads without WeasyPrint
from .context import with_anchors
from .cover import cached_cover
from .epub import render_epub
from .html import make_environment
from .output import write_all_atomic
from .pagelist import PageBreak
from .parallel import Workers
from .pdf import FONT_DIR, font_files, render_pdf, warm_up


@dataclass(slots=True)
class BuildResult:
    outputs: dict[str, Path] = field(default_factory=dict)  # "pdf"/"epub" → path
    sizes: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    chapters: int = 0
    seconds: float = 0.0  # anthology.build: from loading the reviews to the files written
    laid_out: int = 0  # documents laid out by this build
    reused: int = 0  # documents taken from the layout cache


def build_date(book: Book) -> datetime:
    """SOURCE_DATE_EPOCH when set; else the manifest's date; else a fixed epoch.

    Never the clock: two plain builds of the same input must give the same bytes.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    if book.date:
        parts = [int(p) for p in book.date.split("-")] + [1, 1]
        return datetime(parts[0], parts[1], parts[2], tzinfo=UTC)
    return datetime(1980, 1, 1, tzinfo=UTC)


def read_assets(book: Book) -> dict[str, bytes]:
    """The bytes of every image the chapters embed, read through the confined fetcher."""
    fetcher = ConfinedPaths([book.root])
    assets: dict[str, bytes] = {}
    for chapter in book.chapters:
        for image in chapter.images:
            path = book.root / image.path
            if image.path not in assets and fetcher.allows(path) and path.is_file():
                assets[image.path] = path.read_bytes()
    return assets


def read_cover(book: Book) -> tuple[str, str, bytes] | None:
    """The manifest's cover image: (path in the EPUB, media type, bytes), or None."""
    if not book.cover:
        return None
    path = book.root / book.cover
    if not ConfinedPaths([book.root]).allows(path) or not path.is_file():
        return None
    return book.cover, IMAGE_TYPES[path.suffix.lower()], path.read_bytes()


Progress = Callable[[str, int, int], None]  # (what is being done, steps done, steps in all)
STEPS = ("indexing", "laying out the PDF", "making the EPUB", "writing")


def build(book: Book, out_dir: Path, diags: Diagnostics, *, pdf: bool = True, epub: bool = True,
          strict: bool = False, progress: Progress | None = None, use_cache: bool = True,
          workers: int | Workers | None = None, tidy: Callable[[], None] | None = None) -> BuildResult:
    """Render the requested outputs, then write them; on any failure nothing is replaced.

    ``strict``: any warning fails the build (before anything is written). ``use_cache``:
    reuse and keep laid-out sections in the project's ``.anthology-cache/``. ``workers``:
    processes laying out sections (default: one per core), or processes already started.
    ``tidy``: called, like the pruning of the layout cache, once the build has read what it
    needs from the caches.
    """
    started = time.monotonic()

    def step(n: int) -> None:
        if progress is not None:
            progress(STEPS[n], n, len(STEPS))

    step(0)
    env = make_environment(book.root)
    when = build_date(book)
    font_files(cache_dir(book.root) / "font-digests.json" if use_cache else None)
    cache = LayoutCache(book.root) if use_cache else None
    if pdf and isinstance(workers, Workers):
        warm_up(book, env, when, workers, hyphenation_folder(cache))
    collation = SortKeyCache(book.root) if use_cache else None
    keys = collation.load() if collation is not None else None
    people, indexes = build_indexes(book, keys)
    if people is not None:
        diags.extend(people.diagnostics)
    book = with_anchors(book, people)
    slug = slugify(book.title)
    rendered: dict[Path, bytes] = {}
    result = BuildResult(chapters=len(book.chapters))
    # The EPUB carries the print edition's page numbers, so it needs the PDF's layout too.
    step(1)

    def sections_done(done: int, total: int) -> None:
        if progress is not None:
            progress(f"laying out the PDF: {done}/{total} sections", 1, len(STEPS))

    epub_path = out_dir / f"{slug}.epub"

    tidied = False

    def make_epub(breaks: tuple[PageBreak, ...]) -> None:
        """The EPUB, made while a worker merges the PDF; then the caches are tidied (nothing
        more is read from them): all of it in what would be this process's idle time."""
        nonlocal tidied
        if epub and epub_path not in rendered:
            step(2)
            drawn = cache_dir(book.root) if use_cache else None
            cover = read_cover(book) or ("images/cover.png", "image/png", cached_cover(book, FONT_DIR, drawn))
            rendered[epub_path] = render_epub(book, env, when, read_assets(book), people, indexes, breaks, cover)
        if not tidied:
            tidied = True
            if cache is not None:
                cache.prune()
            if collation is not None and keys is not None:
                collation.save(keys)
            if tidy is not None:
                tidy()

    pdf_result = render_pdf(book, env, diags, when, people, indexes, cache=cache, workers=workers, merge_pdf=pdf,
                            progress=sections_done, meanwhile=make_epub)
    make_epub(pdf_result.breaks)  # a single-pass layout calls nobody meanwhile
    if pdf:
        rendered = {out_dir / f"{slug}.pdf": pdf_result.data, **rendered}
        result.pages = pdf_result.pages
    if strict and diags.warnings:
        raise AnthologyError([*diags, Diagnostic(
            "anthology.yaml", 0, 0, "error", "strict",
            f"--strict: {len(diags.warnings)} warnings fail the build (the previous book is untouched)")])
    step(3)
    try:
        write_all_atomic(rendered)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if out_dir.exists() and not out_dir.is_dir():
            reason = f"{out_dir.name} is a file, not a folder: rename it or choose another --out"
        raise AnthologyError.single(
            str(out_dir if out_dir.is_file() else (exc.filename or out_dir)), 0, 0, "write-failed",
            f"cannot write the book: {reason} (the previous files are untouched)",
        ) from None
    result.laid_out, result.reused = pdf_result.laid_out, pdf_result.reused
    for path, data in rendered.items():
        kind = path.suffix.lstrip(".")
        result.outputs[kind] = path
        result.sizes[kind] = len(data)
    result.seconds = time.monotonic() - started
    if progress is not None:
        progress("done", len(STEPS), len(STEPS))
    return result
