"""Command line: argv → calls → exit code. This module and commands.py are the only ones that print.

This module is kept light (the standard library only) so that ``main`` runs, and Ctrl-C is
answered with a message instead of a traceback, before WeasyPrint and the rest are imported
by :mod:`anthology.commands`. A build's layout workers are started first of all
(render/parallel.py), so that they import WeasyPrint while this process imports the rest.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from . import __version__

if TYPE_CHECKING:
    from .render.parallel import Workers

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
            args = _parser().parse_args(argv)
            args.workers = _early_workers(args)
            try:
                from .commands import run

                return run(args)
            finally:
                if args.workers is not None:
                    args.workers.close()
        except KeyboardInterrupt as exc:  # outside a build: nothing to say about the book
            return _interrupted(exc, "")
        except Exception as exc:
            stop = _interruption(exc)
            if stop is None:
                raise
            return _interrupted(stop, "")


def _interruption(exc: BaseException | None) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM ``exc`` was raised from, if any: CPython wraps an exception raised
    while a class is being made (in ``__set_name__``: the signal came while ``platform`` was
    imported, say) in a RuntimeError whose cause it is."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, KeyboardInterrupt):
            return exc
        exc = exc.__cause__
    return None


def _early_workers(args: argparse.Namespace) -> Workers | None:
    """A build's layout workers, started before the rest of anthology is imported: the
    first is ready (WeasyPrint imported) a tenth of a second sooner, before the book is loaded,
    and has time to lay out its warm-up page before the rebuild's chapter comes."""
    if args.command != "build" or args.watch or args.epub or (args.jobs is not None and args.jobs <= 1):
        return None
    from .render.parallel import Workers, default_workers

    count = args.jobs if args.jobs is not None else default_workers()
    if count <= 1 or not os.path.isdir(args.project):
        return None
    return Workers(count, eager=getattr(args, "no_cache", False) or not _has_layouts(args.project))


def _has_layouts(project: str) -> bool:
    """Whether the project's layout cache has any entry (if not, every section is laid out:
    a first build, or one after the cache was deleted)."""
    from pathlib import Path

    from .render.cachedir import layout_dir

    try:
        with os.scandir(layout_dir(Path(project))) as entries:
            return any(entry.name.endswith(".json") for entry in entries)
    except OSError:
        return False


def console() -> None:
    """The ``anthology`` command (and ``python -m anthology``): ``main()``, then a quick exit.

    Tearing the interpreter down after a build (WeasyPrint, fontTools, pikepdf and the
    laid-out book, object by object) takes 50 to 100 ms that nobody waits for on purpose. So
    once ``main()`` has returned, the exit handlers run (temporary folders removed, logs
    flushed: ``atexit._run_exitfuncs``, CPython's own, as ``multiprocessing`` uses), the
    output is flushed and the process ends with ``os._exit``. An exception (``--help``, a
    usage error, a bug) leaves the ordinary way."""
    status = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(status)


if __name__ == "__main__":
    console()
