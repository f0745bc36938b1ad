"""The commands behind :mod:`anthology.cli`: load, build, check, edit, print the results."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import build
from .cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, _interrupted, _Terminated
from .errors import AnthologyError, Diagnostic, Diagnostics
from .index import build_index, people_json, people_text
from .load import load_book
from .load.book import slugify
from .load.memo import ReviewMemo
from .load.store import ReviewStore
from .render.html import check_templates
from .render.lock import build_lock
from .render.parallel import Workers, default_workers

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

    from .model import Book
    from .render.build import BuildResult

# What only some commands need is imported by them: a build starts sooner without it.


@cache
def _err() -> Console:
    """Standard error, through rich: colours only on a terminal; NO_COLOR respected."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _show(diagnostics: Sequence[Diagnostic] | Diagnostics, root: Path, *, quiet: bool = False,
          strict: bool = False) -> None:
    for d in diagnostics:
        if quiet and d.severity == "warning" and not strict:
            continue
        from rich.text import Text

        style = "red" if d.severity == "error" or strict else "yellow"
        _err().print(Text(_located(d, root), style=style))


class _Progress:
    """A progress bar on a terminal (steps, and chapters laid out); elsewhere (CI, a pipe) one
    plain line a step; nothing when quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: RichProgress | None = None
        self.task: TaskID | None = None
        self.step = -1

    def __enter__(self) -> _Progress:
        if not self.quiet and _err().is_terminal:
            from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                    TimeElapsedColumn(), console=_err(), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("loading", total=4)
        return self

    def __call__(self, step: str, done: int, total: int) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, description=step, completed=done, total=total)
        elif not self.quiet and step != "done" and done != self.step:
            self.step = done
            print(f"[{done + 1}/{total}] {step}", file=sys.stderr)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _located(d: Diagnostic, root: Path) -> str:
    """Diagnostics name files relative to the project; show them as the user can open them."""
    if d.file and root != Path("."):
        d = Diagnostic(str(root / d.file), d.line, d.col, d.severity, d.code, d.message)
    return str(d)


def _human(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 2**20:.1f} MB"


def _preflight(book: Book, out: Path) -> int:
    from .render.preflight import preflight

    slug = slugify(book.title)
    report = preflight(book, out / f"{slug}.pdf", out / f"{slug}.epub")
    marks = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
    for status, text in report.lines:
        print(f"{marks[status]}  {text}")
    print("preflight failed" if report.failed else "preflight passed")
    return EXIT_ERROR if report.failed else EXIT_OK


def _preview(root: Path, port: int) -> int:
    from .preview import Preview

    try:
        preview = Preview(root, port=port)
    except OSError as exc:
        print(f"anthology: cannot listen on 127.0.0.1:{port}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE

    def report(state) -> None:
        _show(state.diagnostics, root)
        print("rebuilt" if state.ok else "the book has errors: the page shows them", flush=True)

    preview.on_rebuild = report
    preview.on_wait = lambda message: print(f"anthology: {message}", file=sys.stderr, flush=True)
    preview.start()
    report(preview.state)
    print(f"serving {preview.url} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        preview.stop()
    return EXIT_OK


def _init(target: Path, force: bool) -> int:
    try:
        from .scaffold import init_project

        written = init_project(target, force=force)
    except AnthologyError as exc:
        _show(exc.diagnostics, target)
        return EXIT_ERROR
    for path in written:
        print(f"wrote {path}")
    cd = "" if target == Path(".") else f"cd {shlex.quote(str(target))} && "
    print(f"next: {cd}anthology build")
    return EXIT_OK


def _edit(args: argparse.Namespace, root: Path) -> int:
    """chapters, move, add, remove: errors reach main() as AnthologyError."""
    from .edit import add_chapters, chapters_json, chapters_text, list_chapters, move_chapter, remove_chapter

    if args.command == "chapters":
        rows = list_chapters(root)
        print(chapters_json(rows) if args.json else chapters_text(rows))
    elif args.command == "move":
        print(move_chapter(root, args.file, before=args.before, after=args.after, to=args.to, part=args.part))
    elif args.command == "add":
        print(add_chapters(root, args.files, part=args.part, at=args.at))
    else:
        print(remove_chapter(root, args.file))
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    """Run the parsed command."""
    if args.command == "schema":
        from .load.schema import schema_text

        print(schema_text(args.which), end="")
        return EXIT_OK
    if args.command == "init":
        return _init(Path(args.project), args.force)
    root = Path(args.project)
    if not root.is_dir():
        print(f"anthology: {root}: no such project folder", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "preview":
        return _preview(root, args.port)
    diags = Diagnostics()
    try:
        if args.command in ("chapters", "move", "add", "remove"):
            return _edit(args, root)
        if args.command == "check":
            book, diags = load_book(root, diags)
            check_templates(root, diags)
            if book is not None:
                diags.extend(build_index(book).diagnostics)
            _show(diags, root, quiet=args.quiet, strict=args.strict)
            if book is None or diags.errors or (args.strict and diags.warnings):
                return EXIT_ERROR
            if not args.quiet:
                print(f"{len(book.chapters)} chapters, {len(diags.warnings)} warnings: ready to build")
            if args.output:
                return _preflight(book, Path(args.out) if args.out else root / "build")
            return EXIT_OK
        if args.command == "people":
            book, diags = load_book(root, diags)
            if book is None:
                _show(diags, root)
                return EXIT_ERROR
            index = build_index(book)
            diags.extend(index.diagnostics)
            _show(diags, root)
            print(people_json(book, index) if args.json else people_text(book, index))
            return EXIT_OK
        if args.jobs is not None and args.jobs < 1:
            print("anthology: --jobs takes a number of processes, 1 or more", file=sys.stderr)
            return EXIT_USAGE
        if args.watch:
            return _watch(args, root)
        result, diags = _build_once(args, root, diags)
    except AnthologyError as exc:
        shown = []
        for d in [*diags, *exc.diagnostics]:
            if d not in shown:
                shown.append(d)
        _show(shown, root, quiet=getattr(args, "quiet", False), strict=getattr(args, "strict", False))
        return EXIT_ERROR
    except KeyboardInterrupt as exc:
        return _interrupted(exc, "; the previous book is untouched")
    _show(diags, root, quiet=args.quiet)
    if not args.quiet:
        print(_summary(result, len(diags.warnings)))
    return EXIT_OK


def _build_once(args: argparse.Namespace, root: Path, diags: Diagnostics, workers: int | Workers | None = None,
                memo: ReviewMemo | None = None) -> tuple[BuildResult, Diagnostics]:
    """One build under the project's lock, with the progress display; AnthologyError on failure."""
    out = Path(args.out) if args.out else None

    def waiting(message: str) -> None:
        if not args.quiet:
            print(f"anthology: {message}", file=sys.stderr, flush=True)

    with build_lock(root, on_wait=waiting), _Progress(args.quiet) as progress:
        return build(root, out, pdf=not args.epub, epub=not args.pdf, diags=diags, strict=args.strict,
                     progress=progress, use_cache=not args.no_cache,
                     workers=workers if workers is not None else getattr(args, "workers", None) or args.jobs,
                     memo=memo)


def _watch(args: argparse.Namespace, root: Path) -> int:
    """Build, then rebuild on every change until Ctrl-C. A bad edit prints its errors and
    leaves the last good book in place; the next save is built again."""
    import watchfiles

    from .render.cachedir import cache_dir

    out = (Path(args.out) if args.out else root / "build").resolve()
    # The layout workers stay from one rebuild to the next: WeasyPrint imported, fonts loaded.
    count = args.jobs if args.jobs is not None else default_workers()
    kept: Workers | None = None
    # and the reviews, read again only when saved (and stored in the project's cache, as by a build)
    memo = ReviewMemo(None if args.no_cache else ReviewStore(root))

    def workers() -> Workers | None:
        nonlocal kept
        if count <= 1 or args.epub:
            return None
        if kept is None or kept.broken:
            if kept is not None:
                kept.close()
            kept = Workers(count, kept=True)
        return kept

    def once(reason: str) -> None:
        diags = Diagnostics()
        started = time.monotonic()
        try:
            result, diags = _build_once(args, root, diags, workers(), memo)
        except AnthologyError as exc:
            shown = list(dict.fromkeys([*diags, *exc.diagnostics]))
            _show(shown, root, quiet=args.quiet, strict=args.strict)
            print(f"{reason}: not rebuilt, the book has errors (the last good book is untouched); "
                  "waiting for the next change", flush=True)
            return
        _show(diags, root, quiet=args.quiet)
        print(f"{reason}: rebuilt in {time.monotonic() - started:.2f} s ({result.laid_out} laid out, "
              f"{result.reused} reused; "
              f"{result.pages} pages, {len(diags.warnings)} warnings)", flush=True)

    class Changes(watchfiles.DefaultFilter):
        def __call__(self, change: watchfiles.Change, path: str) -> bool:
            here = Path(path).resolve()
            ignored = (out, cache_dir(root).resolve())
            if any(here == folder or folder in here.parents for folder in ignored):
                return False
            return super().__call__(change, path)

    try:
        once("built")
        print(f"watching {root} for changes (Ctrl-C to stop)", flush=True)
        try:
            for changes in watchfiles.watch(root, watch_filter=Changes(), debounce=300, step=100,
                                            raise_interrupt=True):
                names = sorted({str(Path(p).resolve().relative_to(root.resolve())) for _c, p in changes})
                shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
                once(f"changed {shown}")
        except KeyboardInterrupt as exc:
            print("stopped watching" if not isinstance(exc, _Terminated) else "terminated", flush=True)
    finally:
        if kept is not None:
            kept.close()
    return EXIT_OK


def _summary(result: BuildResult, warnings: int) -> str:
    """Chapters, pages, warnings, outputs with their sizes, time."""
    lines = [f"wrote {path} ({_human(result.sizes[kind])})" for kind, path in result.outputs.items()]
    pages = f", {result.pages} pages" if result.pages else ""
    plural = "" if warnings == 1 else "s"
    lines.append(f"{result.chapters} chapters{pages}, {warnings} warning{plural}, {result.seconds:.1f} s")
    return "\n".join(lines)

