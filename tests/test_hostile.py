"""Hostile and broken input: the catalogue (issue 8, item 1).

Every row builds a tiny project in ``tmp_path`` (a copy of one good project whose book was
already built once per session), breaks it in one way, runs ``anthology build`` in-process
and asserts what a serious publishing tool must do:

- the exit code: 1 for an error, 0 (with a located warning) where the input is recoverable;
- a message naming the file, with line and column where there is one, saying how to fix it;
- no traceback, no exception escaping ``main``, no message line longer than 2,000 characters;
- after a failure the whole project, ``build/`` included, is byte-identical (no stray files);
- after a success the outputs exist and are well-formed;
- bounded time (each run is interrupted at its limit, 60 s unless the right answer is instant)
  and bounded memory (the process's peak RSS may not pass ``MEMORY_LIMIT_MB`` during the case).

Rows the tool gets wrong today are written for the right behaviour and marked
``xfail(strict=True, reason="BUG: …")``: they are the bug list. Rows marked ``slow`` run only
with ``ANTHOLOGY_SLOW=1``.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree

from anthology.cli import main

TIME_LIMIT = 60.0
MEMORY_LIMIT_MB = 2048
LONGEST_LINE = 2000
SECRET = "TOP-SECRET-OUTSIDE-THE-PROJECT"
SLUG = "test-book"

GOOD_REVIEW = (
    "Title: A Good Film\nDirector: Some One\nStarring: Ann Actor, Bob Actor\n"
    "First paragraph of the review.\n\nA second section about Ann Actor.\n"
)


def manifest(*chapters: str, extra: str = "") -> str:
    """A manifest whose first chapter sits on line 3 (or 3 + lines of ``extra``), column 5."""
    return f"title: Test Book\n{extra}chapters:\n" + "".join(f"  - {c}\n" for c in chapters)


GOOD_MANIFEST = manifest("reviews/a.txt")


def md(text: str, name: str = "a.md") -> dict[str, str | bytes | None]:
    return {f"reviews/{name}": text, "anthology.yaml": manifest(f"reviews/{name}")}


def txt(text: str | bytes) -> dict[str, str | bytes | None]:
    return {"reviews/a.txt": text}


# -- running one case -----------------------------------------------------------------------

class Hung(BaseException):
    """Raised by the alarm: the run passed its time limit (not an OSError, so nothing swallows it)."""


@dataclass
class Outcome:
    rc: int | None
    out: str
    err: str
    seconds: float
    crash: str  # the traceback of an exception that escaped main(), or "hung after N s"


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str], limit: float = TIME_LIMIT) -> Outcome:
    def on_alarm(signum: int, frame: object) -> None:
        raise Hung(f"hung: still running after {limit:.0f} s")

    capsys.readouterr()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, limit + 0.5)
    started = time.monotonic()
    rc: int | None = None
    crash = ""
    try:
        rc = main(argv)
    except Hung as exc:
        crash = str(exc)
    except KeyboardInterrupt:
        raise
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else 2
    except BaseException:
        crash = traceback.format_exc()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    seconds = time.monotonic() - started
    captured = capsys.readouterr()
    return Outcome(rc, captured.out, captured.err, seconds, crash)


def snapshot(root: Path) -> dict[str, object]:
    """Every entry under ``root``: file bytes, symlink targets, and the kind of anything else.

    Except ``.anthology-cache/``: the tool's own cache (the build lock, layout caches), not the
    user's data. A build may create or update it even when it fails; the promise is about
    ``build/`` and the user's files."""
    found: dict[str, object] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        if Path(folder) == root and ".anthology-cache" in dirs:
            dirs.remove(".anthology-cache")  # os.walk then skips it entirely
        for name in dirs + files:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                found[rel] = ("symlink", os.readlink(path))
            elif stat.S_ISREG(mode):
                found[rel] = path.read_bytes()
            else:
                found[rel] = ("dir",) if stat.S_ISDIR(mode) else ("special", stat.S_IFMT(mode))
    return found


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def written(out: Outcome, kind: str) -> Path:
    m = re.search(rf"^wrote (.+\.{kind}) \(", out.out, re.MULTILINE)
    assert m, f"no .{kind} reported as written:\n{out.out}"
    return Path(m.group(1))


def epub_chapter_text(out: Outcome, name: str = "EPUB/ch-a.xhtml") -> str:
    with zipfile.ZipFile(written(out, "epub")) as z:
        root = etree.fromstring(z.read(name))
    body = root.find("{http://www.w3.org/1999/xhtml}body")
    return "".join(body.itertext())


def everything_written(root: Path) -> bytes:
    """All bytes under build/, with EPUB members decompressed."""
    chunks = []
    for path in sorted((root / "build").rglob("*")):
        if path.is_file():
            chunks.append(path.read_bytes())
            if path.suffix == ".epub":
                with zipfile.ZipFile(path) as z:
                    chunks += [z.read(n) for n in z.namelist()]
    return b"".join(chunks)


# -- the projects ---------------------------------------------------------------------------

def write_project(root: Path, files: Mapping[str, str | bytes | None]) -> None:
    for rel, content in files.items():
        path = root / rel
        if content is None:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            path.unlink()
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def tiny_png(size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def good_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One good project, built once: every case starts from a copy of it and its build/."""
    root = tmp_path_factory.mktemp("good") / "book"
    write_project(root, {"anthology.yaml": GOOD_MANIFEST, "reviews/a.txt": GOOD_REVIEW})
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        rc = main(["build", str(root)])
    assert rc == 0, err.getvalue()
    assert sorted(p.name for p in (root / "build").iterdir()) == [f"{SLUG}.epub", f"{SLUG}.pdf"]
    return root


class Heavy:
    """Large inputs, generated once per session and hard-linked into each project that needs them."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def _file(self, name: str, make: Callable[[Path], None]) -> Path:
        path = self.base / name
        if not path.exists():
            make(path)
        return path

    def review_20mb(self) -> Path:
        def make(path: Path) -> None:
            line = "A long review keeps going, sentence after sentence, about the same film. " * 4 + "\n"
            with path.open("w", encoding="utf-8") as fh:
                fh.write("Title: Huge\nDirector: Some One\n")
                fh.write(line * (20 * 2**20 // len(line) + 1))

        return self._file("big.txt", make)

    def data_url_50mb(self) -> Path:
        def make(path: Path) -> None:
            with path.open("w", encoding="ascii") as fh:
                fh.write("# Data\n\nDirector: Some One\n\n![a still](data:image/png;base64,")
                fh.write("iVBORw0KGgo" + "A" * (50 * 2**20))
                fh.write(")\n\nThe prose after the picture.\n")

        return self._file("data.md", make)

    def png_20000(self) -> Path:
        def make(path: Path) -> None:
            from PIL import Image

            Image.new("1", (20_000, 20_000), 1).save(path, "PNG", optimize=True)

        return self._file("big.png", make)

    def list_100k(self) -> Path:
        def make(path: Path) -> None:
            items = "".join(f"- item {i}\n" for i in range(100_000))
            path.write_text("# Listed\n\nDirector: Some One\n\n" + items + "\nThe end.\n", encoding="utf-8")

        return self._file("list.md", make)

    def reviews_5000(self) -> Path:
        folder = self.base / "reviews5000"
        if not folder.exists():
            folder.mkdir()
            for i in range(5000):
                (folder / f"r{i:04d}.txt").write_text(
                    f"Title: Film number {i}\nCountry: France\nA short review, number {i}.\n", encoding="utf-8")
        return folder


@pytest.fixture(scope="session")
def heavy(tmp_path_factory: pytest.TempPathFactory) -> Heavy:
    return Heavy(tmp_path_factory.mktemp("heavy"))


@dataclass
class Ctx:
    root: Path
    outside: Path
    heavy: Heavy
    monkeypatch: pytest.MonkeyPatch


# -- setups and checks used by the rows -----------------------------------------------------

Setup = Callable[[Ctx], None]
Check = Callable[[Ctx, Outcome], None]


def link(rel: str, target: str) -> Setup:
    """A symlink in the project to ``target`` inside the outside folder (or an absolute path)."""

    def setup(ctx: Ctx) -> None:
        path = ctx.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            path.unlink()
        os.symlink(target if target.startswith("/") else ctx.outside / target, path)

    return setup


def fifo(rel: str) -> Setup:
    def setup(ctx: Ctx) -> None:
        path = ctx.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()
        os.mkfifo(path)

    return setup


def folder_instead(rel: str) -> Setup:
    def setup(ctx: Ctx) -> None:
        path = ctx.root / rel
        if path.is_dir():
            return
        if path.exists():
            path.unlink()
        path.mkdir(parents=True)

    return setup


def hardlink(rel: str, source: Callable[[Heavy], Path]) -> Setup:
    def setup(ctx: Ctx) -> None:
        path = ctx.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        os.link(source(ctx.heavy), path)

    return setup


def five_thousand(*, missing: bool) -> Setup:
    def setup(ctx: Ctx) -> None:
        shutil.copytree(ctx.heavy.reviews_5000(), ctx.root / "reviews", dirs_exist_ok=True, copy_function=os.link)
        names = [f"reviews/r{i:04d}.txt" for i in range(5000)] + (["reviews/missing.txt"] if missing else [])
        (ctx.root / "anthology.yaml").write_text(manifest(*names), encoding="utf-8")

    return setup


def absolute_chapter(ctx: Ctx) -> None:
    (ctx.root / "anthology.yaml").write_text(manifest(str(ctx.outside / "secret.txt")), encoding="utf-8")


def disk_full(ctx: Ctx) -> None:
    real = os.fsync
    calls: list[int] = []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:  # the PDF is staged; the disk fills while staging the EPUB
            raise OSError(28, "No space left on device")
        real(fd)

    ctx.monkeypatch.setattr(os, "fsync", fsync)


def not_writable(ctx: Ctx) -> None:
    real = tempfile.mkstemp
    build = str(ctx.root / "build")

    def mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
        if str(kwargs.get("dir", "")).startswith(build):
            raise PermissionError(13, "Permission denied", build)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    ctx.monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def chain(*setups: Setup) -> Setup:
    def setup(ctx: Ctx) -> None:
        for s in setups:
            s(ctx)

    return setup


def in_chapter(*needles: str, absent: tuple[str, ...] = (), name: str = "EPUB/ch-a.xhtml") -> Check:
    """The EPUB chapter's text holds each needle literally, and none of ``absent``."""

    def check(ctx: Ctx, out: Outcome) -> None:
        text = epub_chapter_text(out, name)
        for needle in needles:
            assert needle in text, f"{needle!r} is not in the chapter's text:\n{text[:2000]}"
        for word in absent:
            assert word not in text, f"{word!r} is in the chapter's text:\n{text[:2000]}"

    return check


def no_secret(ctx: Ctx, out: Outcome) -> None:
    assert SECRET.encode() not in everything_written(ctx.root), "a file outside the project reached the book"
    assert SECRET not in out.out + out.err


def survives_or_located_error(needle: str, where: str) -> Check:
    """Either the text survives into the EPUB (rc 0), or a located error names a limit (rc 1)."""

    def check(ctx: Ctx, out: Outcome) -> None:
        if out.rc == 0:
            in_chapter(needle)(ctx, out)
        else:
            assert re.search(where + r"(:\d+)*: error: .*(nest|deep|limit|too (many|long|large))", out.err), out.err

    return check


def stdout_has(pattern: str) -> Check:
    def check(ctx: Ctx, out: Outcome) -> None:
        assert re.search(pattern, out.out), out.out

    return check


def nothing_created(name: str) -> Check:
    def check(ctx: Ctx, out: Outcome) -> None:
        assert not (ctx.root / name).exists() and not (Path.cwd() / name).exists(), "front matter ran code"

    return check


def epub_lacks(member: str) -> Check:
    def check(ctx: Ctx, out: Outcome) -> None:
        if out.rc == 0:
            with zipfile.ZipFile(written(out, "epub")) as z:
                assert not [n for n in z.namelist() if n.endswith(member)], f"{member} was packed into the EPUB"

    return check


def both(*checks: Check) -> Check:
    def check(ctx: Ctx, out: Outcome) -> None:
        for c in checks:
            c(ctx, out)

    return check


# -- the catalogue --------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    id: str
    files: Mapping[str, str | bytes | None] = field(default_factory=dict)
    rc: int | tuple[int, ...] = 1
    expect: tuple[str, ...] = ()  # regexes stderr must match: file:line:col, message, hint
    setup: Setup | None = None
    check: Check | None = None
    argv: tuple[str, ...] = ("build", "{root}")
    limit: float = TIME_LIMIT
    bug: str = ""  # the tool is wrong today: xfail(strict=True) with this reason
    slow: bool = False


BOMB_YAML = "lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 10))
DEEP = "[" * 10_000 + "]" * 10_000
SVG_EXTERNAL = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">'
    '<image xlink:href="file://{outside}/secret.txt" width="10" height="10"/>'
    '<use xlink:href="https://evil.example/x.svg#a"/></svg>\n'
)
SVG_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY a "' + "x" * 10 + '">\n'
    + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">\n' for n in range(9))
    + ']>\n<svg xmlns="http://www.w3.org/2000/svg"><text>&j;</text></svg>\n'
)
LIQUIDISH = "Seven sevens: {{ 7*7 }}. The config: {{ config }}. A loop: {% for x in films %}once{% endfor %}."
PEOPLE_REVIEW = GOOD_REVIEW  # credits Some One, Ann Actor and Bob Actor

MANIFEST_CASES = [
    Case("manifest-yaml-unquoted-colon", {"anthology.yaml": "title: Night: Crossings\nchapters:\n  - reviews/a.txt\n"},
         expect=(r"anthology\.yaml:1:\d+: error: YAML syntax error: .*quoted",)),
    Case("manifest-yaml-unclosed-bracket", {"anthology.yaml": "title: Test Book\nchapters: [reviews/a.txt\n"},
         expect=(r"anthology\.yaml:\d+:\d+: error: YAML syntax error: .*expected ',' or '\]'",)),
    Case("manifest-yaml-unclosed-quote", {"anthology.yaml": 'title: "Test Book\nchapters:\n  - reviews/a.txt\n'},
         expect=(r"anthology\.yaml:1:8: error: .*quot",)),
    Case("manifest-tab-indent", {"anthology.yaml": "title: Test Book\nchapters:\n\t- reviews/a.txt\n"},
         expect=(r"anthology\.yaml:3:1: error: YAML syntax error: .*spaces, not tabs",)),
    Case("manifest-duplicate-key", {"anthology.yaml": "title: A\ntitle: B\nchapters:\n  - reviews/a.txt\n"},
         expect=(r"anthology\.yaml:2:1: error: duplicate key 'title' \(first defined on line 1\)",)),
    Case("manifest-duplicate-nested-key",
         {"anthology.yaml": "title: T\npdf:\n  page: a5\n  page: 6x9in\nchapters:\n  - reviews/a.txt\n"},
         expect=(r"anthology\.yaml:4:3: error: duplicate key 'page' \(first defined on line 3\)",)),
    Case("manifest-title-is-a-list", {"anthology.yaml": "title: [A, B]\nchapters:\n  - reviews/a.txt\n"},
         expect=(r"anthology\.yaml:1:8: error: 'title' must be a string, not a list",)),
    Case("manifest-chapters-is-a-string", {"anthology.yaml": "title: T\nchapters: reviews/a.txt\n"},
         expect=(r"anthology\.yaml:2:11: error: 'chapters' must be a list",)),
    Case("manifest-chapter-is-a-nested-list", {"anthology.yaml": "title: T\nchapters:\n  - [reviews/a.txt]\n"},
         expect=(r"anthology\.yaml:3:5: error: a chapter must be a file path or a mapping with 'file:'",)),
    Case("manifest-pdf-is-a-string", {"anthology.yaml": manifest("reviews/a.txt", extra="pdf: a5\n")},
         expect=(r"anthology\.yaml:2:6: error: 'pdf' must be a mapping",)),
    Case("manifest-language-is-a-list", {"anthology.yaml": manifest("reviews/a.txt", extra="language: [en, fr]\n")},
         expect=(r"anthology\.yaml:2:11: error: 'language' must be a string, not a list",)),
    Case("manifest-bad-date", {"anthology.yaml": manifest("reviews/a.txt", extra="date: next spring\n")},
         expect=(r"anthology\.yaml:2:7: error: 'date' must be YYYY, YYYY-MM or YYYY-MM-DD",)),
    Case("manifest-null-title", {"anthology.yaml": "title:\nchapters:\n  - reviews/a.txt\n"},
         expect=(r"anthology\.yaml:1:7: error: .*title",)),
    Case("manifest-unknown-key", {"anthology.yaml": manifest("reviews/a.txt", extra="titel: Typo\n")},
         expect=(r"anthology\.yaml:2:1: error: unknown key 'titel' \(expected one of: .*\btitle\b",)),
    Case("manifest-unknown-chapter-key",
         {"anthology.yaml": "title: T\nchapters:\n  - file: reviews/a.txt\n    titel: X\n"},
         expect=(r"anthology\.yaml:4:5: error: unknown key 'titel' \(expected one of: .*\btitle\b",)),
    Case("manifest-empty-file", {"anthology.yaml": b""},
         expect=(r"anthology\.yaml:1:1: error: anthology\.yaml is empty: it needs at least 'title:' and 'chapters:'",)),
    Case("manifest-comments-only", {"anthology.yaml": "# the book, some day\n\n   \n"},
         expect=(r"anthology\.yaml:1:1: error: anthology\.yaml is empty: it needs at least 'title:'",)),
    Case("manifest-list-instead-of-mapping", {"anthology.yaml": "- reviews/a.txt\n"},
         expect=(r"anthology\.yaml:1:1: error: anthology\.yaml must be a mapping of keys \(title:, chapters:",)),
    Case("manifest-plain-string", {"anthology.yaml": "Test Book\n"},
         expect=(r"anthology\.yaml:1:1: error: anthology\.yaml must be a mapping",)),
    Case("manifest-missing-chapter", {"anthology.yaml": manifest("reviews/nope.txt")},
         expect=(r"anthology\.yaml:3:5: error: 'reviews/nope\.txt' does not exist",)),
    Case("manifest-duplicate-chapter", {"anthology.yaml": manifest("reviews/a.txt", "reviews/./a.txt")},
         expect=(r"anthology\.yaml:4:5: error: 'reviews/\./a\.txt' is already a chapter \(line 3\)",)),
    Case("manifest-chapter-is-a-folder", {"anthology.yaml": manifest("reviews")},
         expect=(r"anthology\.yaml:3:5: error: 'reviews' is a folder, not a file",)),
    Case("manifest-chapter-not-a-review", {"anthology.yaml": manifest("anthology.yaml")},
         expect=(r"anthology\.yaml:3:5: error: 'anthology\.yaml' is not a review: review files end in \.md",)),
    Case("manifest-chapter-escapes-with-dotdot", {"anthology.yaml": manifest("../outside/secret.txt")},
         expect=(r"anthology\.yaml:3:5: error: '\.\./outside/secret\.txt' points outside the project",),
         check=no_secret),
    Case("manifest-chapter-absolute-path", setup=absolute_chapter,
         expect=(r"anthology\.yaml:3:5: error: '/.*/secret\.txt' is absolute: paths are relative to anthology\.yaml",),
         check=no_secret),
    Case("manifest-chapter-path-with-nul", {"anthology.yaml": manifest('"reviews/a\\0.txt"')},
         expect=(r"anthology\.yaml:3:5: error: 'reviews/a\\x00\.txt' contains a NUL character: remove it",)),
    Case("manifest-chapter-symlink-out", {"anthology.yaml": manifest("reviews/link.txt")},
         setup=link("reviews/link.txt", "secret.txt"),
         expect=(r"anthology\.yaml:3:5: error: 'reviews/link\.txt' points outside the project",), check=no_secret),
    Case("manifest-chapter-symlink-to-device", {"anthology.yaml": manifest("reviews/zero.txt")},
         setup=link("reviews/zero.txt", "/dev/zero"), limit=10,
         expect=(r"anthology\.yaml:3:5: error: 'reviews/zero\.txt' points outside the project",)),
    Case("manifest-case-mismatch", {"anthology.yaml": manifest("reviews/A.TXT")},
         expect=(r"anthology\.yaml:3:5: error: 'reviews/A\.TXT' does not exist "
                 r"\(on disk it is spelled 'reviews/a\.txt'\)",)),
    Case("manifest-people-outside", {"anthology.yaml": manifest("reviews/a.txt", extra="people: ../outside/p.yaml\n")},
         expect=(r"anthology\.yaml:2:9: error: '\.\./outside/p\.yaml' points outside the project",)),
    Case("manifest-empty-chapter-list", {"anthology.yaml": "title: T\nchapters: []\n"},
         expect=(r"anthology\.yaml:2:11: error: 'chapters' is empty: list at least one review file",)),
    Case("manifest-part-without-chapters", {"anthology.yaml": manifest("reviews/a.txt", "part: Empty")},
         expect=(r"anthology\.yaml:4:5: error: part 'Empty' needs a 'chapters:' list",)),
    Case("manifest-invalid-utf8", {"anthology.yaml": b"title: Caf\xe9\nchapters:\n  - reviews/a.txt\n"},
         expect=(r"anthology\.yaml:1:11: error: not valid UTF-8 \(byte 0xe9\): save the file as UTF-8",)),
    Case("manifest-utf16-with-bom", {"anthology.yaml": GOOD_MANIFEST.encode("utf-16")}, rc=0,
         expect=(r"anthology\.yaml:1:1: warning: file is UTF-16",)),
    Case("manifest-nul-byte", {"anthology.yaml": "title: Test\x00Book\nchapters:\n  - reviews/a.txt\n"},
         expect=(r"anthology\.yaml:1:12: error: ",)),
    Case("manifest-deeply-nested-value", {"anthology.yaml": manifest("reviews/a.txt", extra=f"subtitle: {DEEP}\n")},
         expect=(r"anthology\.yaml:2:\d+: error: .*(nest|deep)",)),
    Case("manifest-alias-bomb", {"anthology.yaml": GOOD_MANIFEST + BOMB_YAML}, limit=10,
         expect=(r"anthology\.yaml:4:1: error: unknown key 'lol0'",)),
    Case("manifest-is-a-folder", {"anthology.yaml": None}, setup=folder_instead("anthology.yaml"),
         expect=(r"anthology\.yaml: error: .*(folder|directory)",)),
    Case("manifest-5000-chapters-one-missing", setup=five_thousand(missing=True),
         expect=(r"anthology\.yaml:5003:5: error: 'reviews/missing\.txt' does not exist",)),
    Case("manifest-5000-chapters-check", rc=0, argv=("check", "{root}"), setup=five_thousand(missing=False),
         check=stdout_has(r"^5000 chapters, 0 warnings: ready to build")),
]

REVIEW_CASES = [
    Case("review-invalid-utf8", txt(b"Title: A\nDirector: Some One\nCaf\xe9 society.\n"),
         expect=(r"reviews/a\.txt:3:4: error: not valid UTF-8 \(byte 0xe9\): save the file as UTF-8",)),
    Case("review-utf16-with-bom", txt(GOOD_REVIEW.encode("utf-16")), rc=0,
         expect=(r"reviews/a\.txt:1:1: warning: file is UTF-16",), check=in_chapter("A Good Film", "Ann Actor")),
    Case("review-utf16-bom-then-odd-bytes", txt(b"\xff\xfe" + "Title: A\n".encode("utf-16-le") + b"\x00"),
         expect=(r"reviews/a\.txt: error: starts like UTF-16 but is not: save it as UTF-8",)),
    Case("review-nul-bytes", txt("Title: A\nDirector: Some One\nText\x00 with a NUL.\n"), rc=0,
         expect=(r"reviews/a\.txt:3(:\d+)?: warning: .*NUL",), check=in_chapter("Text with a NUL.")),
    Case("review-cr-only-newlines", txt("Title: Carriage\rDirector: Some One\rFirst paragraph.\rSecond paragraph.\r"),
         rc=0, check=in_chapter("Carriage", "Some One", "First paragraph.", "Second paragraph.")),
    Case("review-empty-file", txt(b""),
         expect=(r"reviews/a\.txt:1:1: error: no title: in anthology\.yaml write this chapter as .*'title: …'",)),
    Case("review-empty-with-manifest-title",
         {"reviews/a.txt": b"", "anthology.yaml": "title: T\nchapters:\n  - file: reviews/a.txt\n    title: Given\n"},
         rc=0, expect=(r"reviews/a\.txt(:1)?: warning: this review has no text",), check=in_chapter("Given")),
    Case("review-whitespace-only", txt("\n  \n\t\n\n"), expect=(r"reviews/a\.txt:1:1: error: no title",)),
    Case("review-credits-only", txt("Title: A\nDirector: Some One\nStarring: Ann Actor\n"), rc=0,
         expect=(r"reviews/a\.txt:4: warning: this review has no text after its credits",)),
    Case("review-no-title-txt", txt("Director: Some One\nJust prose, and no title anywhere.\n"),
         expect=(r"reviews/a\.txt:1:1: error: no title: .*'# Title' heading",)),
    Case("review-no-title-md", md("Just a paragraph of prose with no heading at all.\n"),
         expect=(r"reviews/a\.md:1:1: error: no title",)),
    Case("review-front-matter-unclosed", md("---\ntitle: A\ndirector: Some One\n\nText.\n"),
         expect=(r"reviews/a\.md:1:1: error: front matter opened with '---' on line 1 is never closed: add a '---'",)),
    Case("review-front-matter-unquoted-colon", md("---\ntitle: Escape: The Movie\n---\nText.\n"),
         expect=(r"reviews/a\.md:2:\d+: error: YAML syntax error: .*quoted",)),
    Case("review-front-matter-bad-indent", md("---\ntitle: A\n  director: Some One\n---\nText.\n"),
         expect=(r"reviews/a\.md:3:\d+: error: YAML syntax error",)),
    Case("review-front-matter-tab", md("---\ntitle: A\n\tdirector: Some One\n---\nText.\n"),
         expect=(r"reviews/a\.md:3:1: error: YAML syntax error: .*spaces, not tabs",)),
    Case("review-front-matter-duplicate-key", md("---\ntitle: A\ntitle: B\n---\nText.\n"),
         expect=(r"reviews/a\.md:3:1: error: duplicate key 'title' \(first defined on line 2\)",)),
    Case("review-front-matter-is-a-list", md("---\n- a\n- b\n---\nText.\n"),
         expect=(r"reviews/a\.md:2:1: error: front matter must be 'key: value' lines, not a list",)),
    Case("review-front-matter-alias-bomb", md("---\ntitle: A\n" + BOMB_YAML + "---\nText.\n"), limit=10,
         expect=(r"reviews/a\.md:\d+(:\d+)?: error: .*too many values",)),
    Case("review-front-matter-deeply-nested", md(f"---\ntitle: A\ntags: {DEEP}\n---\nText.\n"),
         expect=(r"reviews/a\.md:3:\d+: error: .*(nest|deep)",)),
    Case("review-front-matter-python-tag",
         md("---\ntitle: !!python/object/apply:os.system ['touch PWNED']\n---\nText.\n"), rc=(0, 1),
         check=nothing_created("PWNED")),
    Case("review-toml-unquoted-string", md("+++\ntitle = Escape\n+++\nText.\n"),
         expect=(r"reviews/a\.md:2:9: error: TOML front matter: .*quot",)),
    Case("review-toml-unclosed", md('+++\ntitle = "A"\n\nText.\n'),
         expect=(r"reviews/a\.md:1:1: error: front matter opened with '\+\+\+' on line 1 is never closed",)),
    Case("review-toml-duplicate-key", md('+++\ntitle = "A"\ntitle = "B"\n+++\nText.\n'),
         expect=(r"reviews/a\.md:3(:\d+)?: error: TOML front matter: .*title",)),
    Case("review-20mb-file", {"anthology.yaml": manifest("reviews/big.txt")},
         setup=hardlink("reviews/big.txt", Heavy.review_20mb),
         expect=(r"reviews/big\.txt: error: 20 MB is too large for a review \(limit 16 MB\)",)),
    Case("review-200k-char-line-of-words", txt("Title: A\nDirector: Some One\n" + ("word " * 40_000) + "\n"), rc=0,
         check=in_chapter("word word word")),
    Case("review-200k-char-unbreakable-line", txt("Title: A\nDirector: Some One\n" + "x" * 200_000 + "\nEnd.\n"),
         rc=0, check=in_chapter("x" * 1000, "End.")),
    Case("review-10000-nested-blockquotes", md("# Deep\n\nDirector: Some One\n\n" + "> " * 10_000 + "deep end\n"),
         rc=(0, 1), check=survives_or_located_error("deep end", r"reviews/a\.md")),
    Case("review-10000-nested-divs",
         md("# Deep\n\nDirector: Some One\n\n" + "<div>" * 10_000 + "deep end" + "</div>" * 10_000 + "\n"),
         rc=(0, 1), check=survives_or_located_error("deep end", r"reviews/a\.md")),
    Case("review-100000-list-items-check", {"anthology.yaml": manifest("reviews/list.md")},
         argv=("check", "{root}"), setup=hardlink("reviews/list.md", Heavy.list_100k),  # check refuses what build would
         expect=(r"reviews/list\.md:5005: error: 100,000 list items are too many for one review \(limit 5,000, "
                 r"list_items.*limits: \{list_items: …\}",)),
    Case("review-100000-list-items-build", {"anthology.yaml": manifest("reviews/list.md")}, rc=(0, 1),
         setup=hardlink("reviews/list.md", Heavy.list_100k),
         check=survives_or_located_error("item 99999", r"reviews/list\.md"), slow=True),
    Case("review-binary-png", txt(tiny_png()),
         expect=(r"reviews/a\.txt:1:1: error: not valid UTF-8 \(byte 0x89\): save the file as UTF-8",)),
    Case("review-binary-random", txt(b"Title: A\n" + random.Random(8).randbytes(4096)),
         expect=(r"reviews/a\.txt:\d+:\d+: error: not valid UTF-8",)),
    Case("review-template-syntax-txt", txt(f"Title: A\nDirector: Some One\n{LIQUIDISH}\n"), rc=0,
         check=in_chapter("{{ 7*7 }}", "{{ config }}", "{% for x in films %}once{% endfor %}", absent=("49",))),
    Case("review-template-syntax-md",
         md("# Maths\n\nDirector: Some One\n\nSeven sevens: {{ 7*7 }}. The config: {{ config }}. "
            "Self: {{ self }}.\n"), rc=0,
         check=in_chapter("{{ 7*7 }}", "{{ config }}", "{{ self }}", absent=("49",))),
    Case("review-liquid-for-in-md",
         md("# Loop\n\nDirector: Some One\n\nBefore {% for x in films %}once{% endfor %} after.\n"),
         rc=0, expect=(r"reviews/a\.md:5: warning: Liquid tag \{% for x in films %\} removed",),
         check=in_chapter("Before once after.")),
    Case("review-template-syntax-in-title-and-credits",
         txt("Title: {{ 7*7 }} {% if true %}yes{% endif %}\nDirector: {{ config }}\nBody {{ book.title }}.\n"),
         rc=0, check=in_chapter("{{ 7*7 }} {% if true %}yes{% endif %}", "{{ config }}", "Body {{ book.title }}.")),
    Case("review-template-syntax-in-book-title",
         {"anthology.yaml": "title: '{{ 7*7 }} {{ config }}'\nchapters:\n  - reviews/a.txt\n"}, rc=0,
         check=in_chapter("{{ 7*7 }} {{ config }}", name="EPUB/titlepage.xhtml")),
    Case("review-hugo-shortcode-in-txt",
         txt("Title: A\nDirector: Some One\nSee {{< youtube abc >}} and {{% note %}}.\n"),
         rc=0, check=in_chapter("See {{< youtube abc >}} and {{% note %}}.")),
    Case("review-markup-in-title", txt("Title: <script>alert(1)</script> & <b>bold</b>\nDirector: Some One\nText.\n"),
         rc=0, check=in_chapter("<script>alert(1)</script> & <b>bold</b>")),
    Case("review-unclosed-html-md",
         md("# A\n\nDirector: Some One\n\n<div><p>Unclosed <b>bold <i>text\n\nNext paragraph.\n"),
         rc=0, check=in_chapter("Unclosed bold text", "Next paragraph.")),
    Case("review-is-a-fifo", setup=fifo("reviews/a.txt"), limit=10,  # the chapter's entry in the manifest says so
         expect=(r"anthology\.yaml:3:5: error: 'reviews/a\.txt' is not a regular file",)),
]

PEOPLE_CASES = [
    Case("people-duplicate-person", {"people.yaml": "- name: Ann Actor\n- name: Ann Actor\n"},
         expect=(r"people\.yaml:2:9: error: 'Ann Actor' is listed twice \(first on line 1\)",)),
    Case("people-alias-claimed-twice",
         {"people.yaml": "- name: Ann Actor\n  aliases: [A. Actor]\n- name: Bob Actor\n  aliases: [A. Actor]\n"},
         expect=(r"people\.yaml:4:13: error: 'A\. Actor' is already Ann Actor \(line 1\)",)),
    Case("people-see-cycle",
         {"people.yaml": "- name: Ann Actor\n  see: Bob Actor\n- name: Bob Actor\n  see: Ann Actor\n"},
         expect=(r"people\.yaml:[24]:\d+: error: .*cycle",)),
    Case("people-see-self", {"people.yaml": "- name: Ann Actor\n  see: Ann Actor\n"},
         expect=(r"people\.yaml:2:\d+: error: .*(cycle|itself)",)),
    Case("people-see-unknown-person", {"people.yaml": "- name: Ann Actor\n  see: Nobody Known\n"},
         expect=(r"people\.yaml:2:8: error: .*Nobody Known",)),
    Case("people-see-on-a-credited-spelling",
         {"people.yaml": "- name: Ann Actor\n- name: A. Actor\n  see: Ann Actor\n",
          "reviews/a.txt": GOOD_REVIEW.replace("Starring: Ann Actor", "Starring: A. Actor")}, rc=0,
         check=in_chapter("A. Actor")),
    Case("people-name-is-a-list", {"people.yaml": "- name: [Ann, Actor]\n"},
         expect=(r"people\.yaml:1:9: error: 'name' must be a string, not a list",)),
    Case("people-aliases-is-a-string", {"people.yaml": "- name: Ann Actor\n  aliases: A. Actor\n"},
         expect=(r"people\.yaml:2:12: error: 'aliases' must be a list such as \[Other Spelling\]",)),
    Case("people-mapping-not-list", {"people.yaml": "Ann Actor:\n  aliases: [A. Actor]\n"},
         expect=(r"people\.yaml:1:1: error: people\.yaml must be a list of '- name: …' entries",)),
    Case("people-yaml-syntax", {"people.yaml": "- name: Ann: Actor\n"},
         expect=(r"people\.yaml:1:\d+: error: YAML syntax error: .*quoted",)),
    Case("people-invalid-utf8", {"people.yaml": b"- name: Ann \xc3(\n"},
         expect=(r"people\.yaml:1:13: error: not valid UTF-8",)),
    Case("people-unknown-key", {"people.yaml": "- name: Ann Actor\n  alias: [A. Actor]\n"},
         expect=(r"people\.yaml:2:3: error: unknown key 'alias' \(expected one of: aliases",)),
]

TEMPLATE_CASES = [
    Case("template-syntax-error", {"templates/credits.html.j2": "<dl>\n{% if %}\n</dl>\n"},
         expect=(r"templates/credits\.html\.j2:2: error: template syntax error: Expected an expression",)),
    Case("template-unclosed-for",
         {"templates/chapter.html.j2": "<section>\n{% for c in chapter.credits %}\n<p>{{ c.label }}</p>\n</section>\n"},
         expect=(r"templates/chapter\.html\.j2:\d+: error: template syntax error: .*'endfor'",)),
    Case("template-undefined-variable",
         {"templates/title_page.html.j2": "<section>\n<h1>{{ book.title }}</h1>\n<p>{{ no_such_variable }}</p>\n"
                                          "</section>\n"},
         expect=(r"templates/title_page\.html\.j2:3: error: template error: 'no_such_variable' is undefined",)),
    Case("template-undefined-attribute-in-include",
         {"templates/credits.html.j2": "<dl>\n\n{{ chapter.no_such_field }}\n</dl>\n"},
         expect=(r"templates/credits\.html\.j2:3: error: template error: .*no_such_field",)),
    Case("template-division-by-zero", {"templates/chapter.html.j2": "<section>\n{{ 1 // 0 }}\n</section>\n"},
         expect=(r"templates/chapter\.html\.j2:2: error: .*(division|zero)",)),
    Case("template-include-missing",
         {"templates/chapter.html.j2": '<section>\n{% include "nope.html.j2" %}\n</section>\n'},
         expect=(r"templates/chapter\.html\.j2:2: error: .*nope\.html\.j2.*not found",)),
    Case("template-extends-itself", {"templates/chapter.html.j2": '{% extends "chapter.html.j2" %}\n'},
         expect=(r"templates/chapter\.html\.j2:1: error: ",)),
    Case("template-not-well-formed",
         {"templates/chapter.html.j2": "<section>\n<p>unclosed\n<h1>{{ chapter.title }}</h1>\n</section>\n"},
         expect=(r"templates/chapter\.html\.j2(:\d+)*: error: .*not well-formed",)),
    Case("template-invalid-utf8", {"templates/chapter.html.j2": b"<section>\n<h1>Caf\xe9</h1>\n</section>\n"},
         expect=(r"templates/chapter\.html\.j2:2:\d+: error: .*UTF-8",)),
    Case("template-symlink-outside", setup=link("templates/title_page.html.j2", "secret.html"),
         expect=(r"templates/title_page\.html\.j2: error: .*outside the project",), check=no_secret),
    Case("template-css-symlink-outside", setup=link("templates/common.css", "secret.css"),
         expect=(r"templates/common\.css: error: .*outside the project",), check=no_secret),
    Case("template-css-import-outside", rc=0,
         setup=lambda ctx: write_project(ctx.root, {"templates/print.css": (
             f'@import url("file://{ctx.outside}/secret.css");\n'
             f'body {{ background: url("file://{ctx.outside}/secret.png") }}\n')}),
         expect=(r"templates/print\.css(:\d+)*: warning: not read: file://.*secret\.css",), check=no_secret),
]

IMAGE_MD = "# Still\n\nDirector: Some One\n\n![A still](../assets/{name})\n\nThe prose after the picture.\n"

ASSET_CASES = [
    Case("asset-corrupt-png", {**md(IMAGE_MD.format(name="bad.png")), "assets/bad.png": b"\x89PNG\r\n\x1a\nnot really"},
         rc=0, expect=(r"reviews/a\.md:5: warning: .*bad\.png",), check=epub_lacks("bad.png")),
    Case("asset-png-20000x20000", md(IMAGE_MD.format(name="big.png")), rc=(0, 1),
         setup=hardlink("assets/big.png", Heavy.png_20000),
         expect=(r"reviews/a\.md:5: (warning|error): .*big\.png.*(20,?000|pixels|too large)",),
         check=epub_lacks("big.png")),
    Case("asset-svg-external-references", md(IMAGE_MD.format(name="x.svg")), rc=0,
         setup=lambda ctx: write_project(ctx.root, {"assets/x.svg": SVG_EXTERNAL.format(outside=ctx.outside)}),
         expect=(r"reviews/a\.md:5: warning: image \.\./assets/x\.svg .*not a PNG, JPEG, GIF or WebP",),
         check=both(no_secret, epub_lacks("x.svg"))),
    Case("asset-svg-entity-bomb",
         {**md("# Bomb\n\nDirector: Some One\n\n<img src=\"../assets/bomb.svg\" alt=\"a bomb\">\n"),
          "assets/bomb.svg": SVG_BOMB}, rc=0, limit=20,
         expect=(r"reviews/a\.md:5: warning: image \.\./assets/bomb\.svg .*not a PNG",), check=epub_lacks("bomb.svg")),
    Case("asset-svg-cover", {"anthology.yaml": manifest("reviews/a.txt", extra="cover: assets/c.svg\n"),
                             "assets/c.svg": SVG_BOMB}, limit=20,
         expect=(r"anthology\.yaml:2:8: error: the cover must be a PNG or JPEG image",)),
    Case("asset-cover-outside", {"anthology.yaml": manifest("reviews/a.txt", extra="cover: ../outside/cover.png\n")},
         expect=(r"anthology\.yaml:2:8: error: '\.\./outside/cover\.png' points outside the project",)),
    Case("asset-cover-symlink-out", {"anthology.yaml": manifest("reviews/a.txt", extra="cover: assets/cover.png\n")},
         setup=link("assets/cover.png", "cover.png"),
         expect=(r"anthology\.yaml:2:8: error: 'assets/cover\.png' points outside the project",)),
    Case("asset-cover-missing", {"anthology.yaml": manifest("reviews/a.txt", extra="cover: assets/nope.png\n")},
         expect=(r"anthology\.yaml:2:8: error: 'assets/nope\.png' does not exist",)),
    Case("asset-cover-corrupt", {"anthology.yaml": manifest("reviews/a.txt", extra="cover: assets/cover.png\n"),
                                 "assets/cover.png": b"\x89PNG\r\n\x1a\nnot really"}, rc=(0, 1),
         expect=(r"(anthology\.yaml:2:8|assets/cover\.png)(:\d+)*: (warning|error): .*(cover|image)",)),
    Case("asset-data-url-50mb", {"anthology.yaml": manifest("reviews/data.md")},
         setup=hardlink("reviews/data.md", Heavy.data_url_50mb),
         expect=(r"reviews/data\.md: error: \d+ MB is too large for a review \(limit 16 MB\)",)),
    Case("asset-data-url-1mb", md("# Data\n\nDirector: Some One\n\n![a still](data:image/png;base64,iVBORw0KGgo"
                                  + "A" * 2**20 + ")\n\nThe prose after the picture.\n"), rc=0,
         expect=(r"reviews/a\.md:5: warning: .*data: .*assets/",), check=in_chapter("The prose after the picture.")),
    Case("asset-image-is-a-fifo", md(IMAGE_MD.format(name="x.png")), rc=0, limit=10, setup=fifo("assets/x.png"),
         expect=(r"reviews/a\.md:5: warning: image \.\./assets/x\.png",)),
]

OUTPUT_CASES = [
    Case("output-build-is-a-file", setup=chain(lambda ctx: shutil.rmtree(ctx.root / "build"),
                                               lambda ctx: write_project(ctx.root, {"build": "not a folder\n"})),
         expect=(r"build: error: cannot write the book: .*(not a (folder|directory)|is a file)",)),
    Case("output-out-is-a-file", {"notes.txt": "my notes\n"}, argv=("build", "{root}", "--out", "{root}/notes.txt"),
         expect=(r"notes\.txt: error: cannot write the book: .*(not a (folder|directory)|is a file)",)),
    Case("output-target-is-a-directory", {f"build/{SLUG}.epub": None}, setup=folder_instead(f"build/{SLUG}.epub"),
         expect=(rf"build(/{SLUG}\.epub)?(:\d+)*: error: .*{SLUG}\.epub is a directory",)),
    Case("output-disk-full", txt("Title: A changed film\nDirector: Some One\nNew text.\n"), setup=disk_full,
         expect=(r"error: cannot write the book: No space left on device \(the previous files are untouched\)",)),
    Case("output-not-writable", txt("Title: A changed film\nDirector: Some One\nNew text.\n"), setup=not_writable,
         expect=(r"build: error: cannot write the book: Permission denied",)),
]

CATALOGUE = MANIFEST_CASES + REVIEW_CASES + PEOPLE_CASES + TEMPLATE_CASES + ASSET_CASES + OUTPUT_CASES
SLOW = not os.environ.get("ANTHOLOGY_SLOW")


def _param(case: Case) -> object:
    marks = []
    if case.bug:
        marks.append(pytest.mark.xfail(strict=True, reason=case.bug))
    if case.slow:
        marks += [pytest.mark.slow, pytest.mark.skipif(SLOW, reason="slow: run with ANTHOLOGY_SLOW=1")]
    return pytest.param(case, id=case.id, marks=marks)


def test_catalogue_is_large_and_ids_unique() -> None:
    ids = [c.id for c in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert len(ids) + 1 >= 60  # +1: test_output_two_builds_at_once


@pytest.mark.parametrize("case", [_param(c) for c in CATALOGUE])
def test_hostile(case: Case, good_project: Path, heavy: Heavy, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "book"
    shutil.copytree(good_project, root, symlinks=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"Title: Secret\nDirector: Some One\n{SECRET}\n", encoding="utf-8")
    (outside / "secret.html").write_text(f"<p>{SECRET}</p>\n", encoding="utf-8")
    (outside / "secret.css").write_text(f"/* {SECRET} */ body {{ color: black }}\n", encoding="utf-8")
    (outside / "cover.png").write_bytes(tiny_png((60, 90)))
    (outside / "p.yaml").write_text("- name: Ann Actor\n", encoding="utf-8")
    ctx = Ctx(root, outside, heavy, monkeypatch)
    write_project(root, case.files)
    if case.setup is not None:
        case.setup(ctx)
    before = snapshot(root)
    peak_before = peak_mb()

    out = run_cli([a.format(root=root) for a in case.argv], capsys, case.limit)
    monkeypatch.undo()

    shown = f"exit {out.rc} in {out.seconds:.1f} s\n--- stderr ---\n{out.err[:4000]}\n--- stdout ---\n{out.out[:2000]}"
    assert not out.crash, f"an exception escaped main():\n{out.crash}\n{shown}"
    assert out.seconds <= case.limit, shown
    allowed = case.rc if isinstance(case.rc, tuple) else (case.rc,)
    assert out.rc in allowed, shown
    assert "Traceback" not in out.err + out.out, shown
    longest = max((len(line) for line in (out.err + out.out).splitlines()), default=0)
    assert longest <= LONGEST_LINE, f"a message line of {longest} characters\n{shown[:3000]}"
    for pattern in case.expect:
        assert re.search(pattern, out.err), f"no match for {pattern!r}\n{shown}"
    if out.rc != 0:
        assert re.search(r": error: ", out.err), shown
        assert snapshot(root) == before, "a failed build changed the project or its build/ (or left stray files)"
    elif case.argv[0] == "build":
        for kind in ("pdf", "epub"):
            path = written(out, kind)
            assert path.is_file() and path.stat().st_size > 0
        assert written(out, "pdf").read_bytes().startswith(b"%PDF-")
        with zipfile.ZipFile(written(out, "epub")) as z:
            assert z.testzip() is None
        stray = [p.name for p in (root / "build").iterdir() if p.name.startswith(".")]
        assert not stray, f"temporary files left in build/: {stray}"
    peak_after = peak_mb()
    assert not (peak_after > MEMORY_LIMIT_MB and peak_after > peak_before), f"peak RSS {peak_after} MB"
    if case.check is not None:
        case.check(ctx, out)


# -- two builds at once: real processes ------------------------------------------------------

def test_output_two_builds_at_once(good_project: Path, tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(good_project, root, symlinks=True)
    names = []
    for i in range(30):  # long enough (a few seconds) that the two builds overlap
        (root / "reviews" / f"r{i:02d}.txt").write_text(
            f"Title: Film {i}\nDirector: Some One\n" + "A paragraph of the review. " * 40 + "\n", encoding="utf-8")
        names.append(f"reviews/r{i:02d}.txt")
    (root / "anthology.yaml").write_text(manifest("reviews/a.txt", *names), encoding="utf-8")
    cmd = [sys.executable, "-m", "anthology.cli", "build", str(root)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    started = time.monotonic()
    results = [p.communicate(timeout=2 * TIME_LIMIT) for p in procs]
    assert time.monotonic() - started <= 2 * TIME_LIMIT
    codes = [p.returncode for p in procs]
    errs = [err for _, err in results]
    # Neither corrupts the other: at least one finished, the files are whole, nothing stray.
    assert 0 in codes and all(c in (0, 1) for c in codes), (codes, errs)
    assert not any("Traceback" in e for e in errs), errs
    pdf, epub = root / "build" / f"{SLUG}.pdf", root / "build" / f"{SLUG}.epub"
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.read_bytes().rstrip().endswith(b"%%EOF")
    with zipfile.ZipFile(epub) as z:
        assert z.testzip() is None and len([n for n in z.namelist() if n.startswith("EPUB/ch-")]) == 31
    assert not [p.name for p in (root / "build").iterdir() if p.name.startswith(".")]
    # The second waits or says so.
    assert any(re.search(r"another build|lock|waiting", e, re.IGNORECASE) for e in errs), errs

