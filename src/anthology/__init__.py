"""anthology: a folder of film reviews → a print-ready PDF and a valid EPUB 3.

Public API: :func:`load_book` (phase 1) and :func:`build` (load, then render and write).
"""

from __future__ import annotations

import time
from pathlib import Path

__version__ = "0.1.0"  # before the imports below: render/cache.py keys entries with it

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import AnthologyError, Diagnostic, Diagnostics

if TYPE_CHECKING:
    from .load.memo import ReviewMemo
    from .model import Book, Chapter, Credit, Part, Person
    from .render.build import BuildResult, Progress
    from .render.parallel import Workers

# Imported on first use, so that `import anthology` (and the CLI's start) stays light: the
# command line must be able to answer Ctrl-C before WeasyPrint is even loaded.
_LAZY = {
    "load_book": ".load", "Book": ".model", "Chapter": ".model", "Credit": ".model", "Part": ".model",
    "Person": ".model", "BuildResult": ".render.build", "Progress": ".render.build",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'anthology' has no attribute {name!r}")


def build(project: Path | str, out_dir: Path | str | None = None, *, pdf: bool = True,
          epub: bool = True, diags: Diagnostics | None = None, strict: bool = False,
          progress: Progress | None = None, use_cache: bool = True,
          workers: int | Workers | None = None, memo: ReviewMemo | None = None) -> tuple[BuildResult, Diagnostics]:
    """Load the project and write its book. Raises :class:`AnthologyError` on bad input.

    ``strict`` turns warnings into failures; ``progress(step, done, total)`` is called as
    the build advances (the library never prints). ``use_cache``: reuse laid-out sections
    from the project's ``.anthology-cache/``; ``workers``: layout processes (default: one
    per core), or :class:`~anthology.render.parallel.Workers` kept from one build to the next;
    ``memo``: a :class:`~anthology.load.memo.ReviewMemo` kept likewise (reviews not re-read);
    without one, and with ``use_cache``, reviews parsed before come from the project's cache."""
    from .load import load_book
    from .load.memo import ReviewMemo
    from .load.store import ReviewStore
    from .render.build import build as render_book
    from .render.html import USER_TEMPLATES
    from .render.parallel import early_workers

    started = time.monotonic()
    diags = diags if diags is not None else Diagnostics()
    root = Path(project)
    if memo is None:  # reviews parsed by earlier builds come from the project's cache
        memo = ReviewMemo(ReviewStore(root) if use_cache else None)
    # The PDF's workers start now and import WeasyPrint while the reviews load (a book.html.j2
    # override is laid out in one pass, here: no workers for it).
    with early_workers(workers, pdf and not (root / USER_TEMPLATES / "book.html.j2").is_file()) as workers_started:
        book, diags = load_book(root, diags, memo)
        if book is None:
            raise AnthologyError(list(diags))
        target = Path(out_dir) if out_dir is not None else root / "build"
        result = render_book(book, target, diags, pdf=pdf, epub=epub, strict=strict, progress=progress,
                             use_cache=use_cache, workers=workers_started,
                             tidy=memo.store.prune if memo.store is not None else None)
    result.seconds = time.monotonic() - started  # the whole build: loading the reviews included
    return result, diags


__all__ = [
    "AnthologyError", "Book", "BuildResult", "Chapter", "Credit", "Diagnostic", "Diagnostics",
    "Part", "Person", "build", "load_book",
]
