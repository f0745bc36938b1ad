"""Command line: argv → calls → exit code. The only module that prints."""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.text import Text

from . import __version__, build
from .edit import add_chapters, chapters_json, chapters_text, list_chapters, move_chapter, remove_chapter
from .errors import AnthologyError, Diagnostic, Diagnostics
from .index import build_index, people_json, people_text
from .load import load_book
from .load.book import slugify
from .load.schema import schema_text
from .model import Book
from .render.build import BuildResult
from .render.html import check_templates
from .render.lock import build_lock
from .render.preflight import preflight
from .scaffold import init_project

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="anthology", description="Turn a folder of film reviews into a PDF and an EPUB."
    )
    parser.add_argument("--version", action="version", version=f"anthology {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p_build = sub.add_parser("build", help="build the PDF and the EPUB")
    p_build.add_argument("project", nargs="?", default=".", help="project folder (default: .)")
    which = p_build.add_mutually_exclusive_group()
    which.add_argument("--pdf", action="store_true", help="build the PDF only")
    which.add_argument("--epub", action="store_true", help="build the EPUB only")
    p_build.add_argument("--out", metavar="DIR", help="output folder (default: PROJECT/build)")
    p_build.add_argument("--watch", action="store_true",
                         help="build, then rebuild whenever a file of the project changes (Ctrl-C to stop)")
    p_build.add_argument("-j", "--jobs", type=int, metavar="N",
                         help="processes laying out chapters (default: one per core)")
    p_build.add_argument("--no-cache", action="store_true",
                         help="lay out every chapter again instead of reusing .anthology-cache/")
    _quiet_strict(p_build)

    p_check = sub.add_parser("check", help="validate the project without rendering")
    p_check.add_argument("project", nargs="?", default=".", help="project folder (default: .)")
    p_check.add_argument("--output", action="store_true",
                         help="also preflight the built PDF and run EPUBCheck on the built EPUB")
    p_check.add_argument("--out", metavar="DIR", help="where the book was built (default: PROJECT/build)")
    _quiet_strict(p_check)

    p_preview = sub.add_parser("preview", help="serve the book on 127.0.0.1, rebuilding it on every save")
    p_preview.add_argument("project", nargs="?", default=".", help="project folder (default: .)")
    p_preview.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000; 0 = any)")

    p_schema = sub.add_parser("schema", help="print the JSON Schema of anthology.yaml or people.yaml")
    p_schema.add_argument("which", nargs="?", choices=("manifest", "people"), default="manifest")

    p_people = sub.add_parser("people", help="print the index of people without rendering")
    p_people.add_argument("project", nargs="?", default=".", help="project folder (default: .)")
    p_people.add_argument("--json", action="store_true", help="print JSON instead of text")

    p_init = sub.add_parser("init", help="create a new project that builds at once")
    p_init.add_argument("project", metavar="DIR", help="folder for the project (created if missing)")
    p_init.add_argument("--force", action="store_true",
                        help="overwrite an existing anthology.yaml and the sample's other files")

    p_chapters = sub.add_parser("chapters", help="print the chapters in book order")
    p_chapters.add_argument("project", nargs="?", default=".", help="project folder (default: .)")
    p_chapters.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p_move = sub.add_parser("move", help="move a chapter (or a part) to another place in the book")
    p_move.add_argument("file", metavar="FILE", help="the chapter, as written in anthology.yaml (or a part's name)")
    where = p_move.add_mutually_exclusive_group(required=True)
    where.add_argument("--before", metavar="OTHER", help="just before this chapter, or before this part")
    where.add_argument("--after", metavar="OTHER", help="just after this chapter, or after this part")
    where.add_argument("--to", metavar="N", type=int, help="to position N, as 'anthology chapters' numbers them")
    where.add_argument("--part", metavar="NAME",
                       help="to the end of this part (a new part at the end of the book if there is none)")
    p_move.add_argument("-C", dest="project", metavar="DIR", default=".", help="project folder (default: .)")

    p_add = sub.add_parser("add", help="add review files to the book (at its end, unless told where)")
    p_add.add_argument("files", metavar="FILE", nargs="+", help="review file (.md or .txt) inside the project")
    p_add.add_argument("--part", metavar="NAME",
                       help="at the end of this part (a new part at the end of the book if there is none)")
    p_add.add_argument("--at", metavar="N", type=int,
                       help="at position N of the book (with --part: position N within the part)")
    p_add.add_argument("-C", dest="project", metavar="DIR", default=".", help="project folder (default: .)")

    p_remove = sub.add_parser("remove", help="take a chapter out of the book (the file stays)")
    p_remove.add_argument("file", metavar="FILE", help="the chapter, as written in anthology.yaml")
    p_remove.add_argument("-C", dest="project", metavar="DIR", default=".", help="project folder (default: .)")
    return parser


def _quiet_strict(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


_err = Console(stderr=True, highlight=False, soft_wrap=True)  # colours only on a terminal; NO_COLOR respected


def _show(diagnostics: Sequence[Diagnostic] | Diagnostics, root: Path, *, quiet: bool = False,
          strict: bool = False) -> None:
    for d in diagnostics:
        if quiet and d.severity == "warning" and not strict:
            continue
        style = "red" if d.severity == "error" or strict else "yellow"
        _err.print(Text(_located(d, root), style=style))


class _Progress:
    """A progress bar on a terminal, plain lines elsewhere, nothing when quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: RichProgress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> _Progress:
        if not self.quiet and _err.is_terminal:
            self.bar = RichProgress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                    TimeElapsedColumn(), console=_err, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("loading", total=4)
        return self

    def __call__(self, step: str, done: int, total: int) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, description=step, completed=done, total=total)
        elif not self.quiet and step != "done":
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


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every temporary file is removed on the way out."""


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While ``main`` runs, ``kill`` (SIGTERM) stops a build as cleanly as Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # already stopping: a second kill must not cut the cleanup
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _interrupted(exc: KeyboardInterrupt, what: str) -> int:
    """The message and exit status of a build stopped by Ctrl-C (130) or SIGTERM (143)."""
    terminated = isinstance(exc, _Terminated)
    print(f"anthology: {'terminated' if terminated else 'interrupted'}{what}", file=sys.stderr)
    return 128 + (signal.SIGTERM if terminated else signal.SIGINT)


def main(argv: Sequence[str] | None = None) -> int:
    with _sigterm_as_interrupt():
        try:
            return _main(argv)
        except KeyboardInterrupt as exc:  # outside a build: nothing to say about the book
            return _interrupted(exc, "")


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "schema":
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


def _build_once(args: argparse.Namespace, root: Path, diags: Diagnostics) -> tuple[BuildResult, Diagnostics]:
    """One build under the project's lock, with the progress display; AnthologyError on failure."""
    out = Path(args.out) if args.out else None

    def waiting(message: str) -> None:
        if not args.quiet:
            print(f"anthology: {message}", file=sys.stderr, flush=True)

    with build_lock(root, on_wait=waiting), _Progress(args.quiet) as progress:
        return build(root, out, pdf=not args.epub, epub=not args.pdf, diags=diags, strict=args.strict,
                     progress=progress, use_cache=not args.no_cache, workers=args.jobs)


def _watch(args: argparse.Namespace, root: Path) -> int:
    """Build, then rebuild on every change until Ctrl-C. A bad edit prints its errors and
    leaves the last good book in place; the next save is built again."""
    import watchfiles

    from .render.cachedir import cache_dir

    out = (Path(args.out) if args.out else root / "build").resolve()

    def once(reason: str) -> None:
        diags = Diagnostics()
        try:
            result, diags = _build_once(args, root, diags)
        except AnthologyError as exc:
            shown = list(dict.fromkeys([*diags, *exc.diagnostics]))
            _show(shown, root, quiet=args.quiet, strict=args.strict)
            print(f"{reason}: not rebuilt, the book has errors (the last good book is untouched); "
                  "waiting for the next change", flush=True)
            return
        _show(diags, root, quiet=args.quiet)
        print(f"{reason}: rebuilt in {result.seconds:.1f} s ({result.laid_out} laid out, {result.reused} reused; "
              f"{result.pages} pages, {len(diags.warnings)} warnings)", flush=True)

    class Changes(watchfiles.DefaultFilter):
        def __call__(self, change: watchfiles.Change, path: str) -> bool:
            here = Path(path).resolve()
            ignored = (out, cache_dir(root).resolve())
            if any(here == folder or folder in here.parents for folder in ignored):
                return False
            return super().__call__(change, path)

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
    return EXIT_OK


def _summary(result: BuildResult, warnings: int) -> str:
    """Chapters, pages, warnings, outputs with their sizes, time."""
    lines = [f"wrote {path} ({_human(result.sizes[kind])})" for kind, path in result.outputs.items()]
    pages = f", {result.pages} pages" if result.pages else ""
    plural = "" if warnings == 1 else "s"
    lines.append(f"{result.chapters} chapters{pages}, {warnings} warning{plural}, {result.seconds:.1f} s")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
