"""Interrupted builds (issue 8, item 2) and the build lock, with real processes.

A small project is built once (the "old" book), a review is changed and the new book is
built once to know its bytes and to measure when each step of a build starts. Then the old
book is put back and a rebuild is stopped by SIGINT, SIGTERM or SIGKILL at several points
spread over the build: while Python imports, as soon as the book is loaded, in the middle of
the PDF's layout, while the EPUB is made, and just as the outputs are written. The points are
found from the progress lines ``anthology build`` prints on stderr (``[2/4] laying out the
PDF`` …) plus measured delays, so no hook in the product is needed.

After each run the PDF and the EPUB are both the old ones, byte for byte, or both the new
ones (the signal came after the renames): never a partial file, never a new PDF beside an
old EPUB. Ctrl-C and SIGTERM exit non-zero with a one-line message and no traceback, and
leave no temporary file; after ``kill -9``, the next normal build removes what the killed
one left and finds the lock free.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from anthology.cli import main
from anthology.render import lock as lock_module
from anthology.render.cachedir import cache_dir
from anthology.render.lock import LOCK_NAME, build_lock
from anthology.render.output import remove_stale_temporaries

SLUG = "test-book"
OUTPUTS = (f"{SLUG}.pdf", f"{SLUG}.epub")
CHAPTERS = 5
RUN_LIMIT = 60.0
# ``python -m anthology`` (src/anthology/__main__.py) runs exactly what the ``anthology`` script runs.
COMMAND = [sys.executable, "-m", "anthology", "build"]


def review(i: int, version: str) -> str:
    body = (f"A paragraph of the review of film {i} about Ann Actor, {version}. " * 30 + "\n") * 4
    return f"Title: Film {i}\nDirector: Some One\nStarring: Ann Actor, Bob Actor\n{body}"


def write_project(root: Path) -> None:
    (root / "reviews").mkdir(parents=True)
    for i in range(CHAPTERS):
        (root / "reviews" / f"r{i}.txt").write_text(review(i, "first draft"), encoding="utf-8")
    (root / "anthology.yaml").write_text(
        "title: Test Book\nchapters:\n" + "".join(f"  - reviews/r{i}.txt\n" for i in range(CHAPTERS)),
        encoding="utf-8")


def build_in_process(root: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        rc = main(["build", str(root), "-q"])
    assert rc == 0, err.getvalue()


def outputs(root: Path) -> tuple[bytes, bytes]:
    return tuple((root / "build" / name).read_bytes() for name in OUTPUTS)  # type: ignore[return-value]


@dataclass
class Book:
    root: Path
    old: tuple[bytes, bytes]
    new: tuple[bytes, bytes]
    marks: dict[str, float]  # seconds from the start of ``anthology build`` to each progress line
    seconds: float  # the whole rebuild, Python's start-up included

    def reset(self) -> None:
        """The old book in build/ (nothing else), the changed review in reviews/, an empty
        layout cache (so that every run really lays the book out)."""
        build = self.root / "build"
        for entry in build.iterdir():
            entry.unlink()
        for entry in cache_dir(self.root).iterdir():
            if entry.name != LOCK_NAME:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        for name, data in zip(OUTPUTS, self.old, strict=True):
            (build / name).write_bytes(data)
        (self.root / "reviews" / "r2.txt").write_text(review(2, "second draft"), encoding="utf-8")


def start(root: Path) -> subprocess.Popen[str]:
    """``anthology build`` in a process group of its own, as a shell runs a command."""
    return subprocess.Popen([*COMMAND, str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def send(proc: subprocess.Popen[str], signum: int) -> None:
    """Ctrl-C as a terminal sends it: to the whole group (layout workers too); SIGTERM and
    SIGKILL as ``kill PID`` sends them: to the build's main process only."""
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)


def survivors(group: int, grace: float = 20.0) -> bool:
    """Whether any process of the build's group outlives it by ``grace`` seconds (then killed)."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    return True


def wait_for(proc: subprocess.Popen[str], prefix: str) -> list[str]:
    """Read stderr until a line starts with ``prefix``; return the lines read."""
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.startswith(prefix):
            return lines
    raise AssertionError(f"the build ended before {prefix!r}:\n{''.join(lines)}")


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    root = tmp_path_factory.mktemp("interrupt") / "book"
    write_project(root)
    build_in_process(root)
    old = outputs(root)
    (root / "reviews" / "r2.txt").write_text(review(2, "second draft"), encoding="utf-8")
    # The new book, built the way the interrupted runs build it, timed step by step.
    started = time.monotonic()
    proc = start(root)
    marks = {}
    assert proc.stderr is not None
    for line in proc.stderr:
        marks[line.split("]")[0] + "]"] = time.monotonic() - started
    proc.wait(RUN_LIMIT)
    seconds = time.monotonic() - started
    assert proc.returncode == 0
    new = outputs(root)
    assert new[0] != old[0] and new[1] != old[1]
    assert set(marks) >= {"[1/4]", "[2/4]", "[3/4]", "[4/4]"}, marks
    return Book(root, old, new, marks, seconds)


# Where a build is stopped: (name, the progress line to wait for or None, delay after it).
# The delay of "layout" is half the measured layout time (see ``point_delay``).
POINTS = {
    "importing": (None, 0.1),  # Python is still importing WeasyPrint (about 0.6 s)
    "loaded": ("[1/4]", 0.0),  # the project is loaded, the index is being made
    "layout": ("[2/4]", -1.0),  # in the middle of the PDF's layout
    "epub": ("[3/4]", 0.0),  # the PDF is laid out, the EPUB is being made
    "writing": ("[4/4]", 0.0),  # staging the temporary files, then the renames
}
SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM, "SIGKILL": signal.SIGKILL}


def point_delay(book: Book, point: str) -> float:
    _, delay = POINTS[point]
    if delay < 0:
        return (book.marks["[3/4]"] - book.marks["[2/4]"]) / 2
    return delay


def cases() -> list[object]:
    params = []
    for point in POINTS:
        for name in SIGNALS:
            params.append(pytest.param(point, name, id=f"{name}-{point}"))
    return params


@pytest.mark.parametrize(("point", "signame"), cases())
def test_interrupted_build_keeps_the_book(book: Book, point: str, signame: str) -> None:
    book.reset()
    signum = SIGNALS[signame]
    prefix, _ = POINTS[point]
    started = time.monotonic()
    proc = start(book.root)
    seen = wait_for(proc, prefix) if prefix else []
    time.sleep(point_delay(book, point))
    send(proc, signum)
    proc.wait(RUN_LIMIT)
    orphans = survivors(proc.pid)  # before reading: a live worker would hold the pipes open
    out, err = proc.communicate(timeout=RUN_LIMIT)
    err = "".join(seen) + err
    shown = f"{signame} at {point} ({time.monotonic() - started:.2f} s): exit {proc.returncode}\n{out}{err}"
    assert not orphans, f"processes of the build outlived it by 20 s\n{shown}"

    # Both outputs old, or both new: whole files, never half a book.
    after = outputs(book.root)
    assert after in (book.old, book.new), shown
    assert "Traceback" not in err + out, shown

    build = book.root / "build"
    left = sorted(p.name for p in build.iterdir() if p.name not in OUTPUTS)
    if signum == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL, shown
    else:
        if proc.returncode == 0:  # the signal came after the build had finished
            assert after == book.new, shown
        elif proc.returncode == -signum:  # still in Python's start-up: the default action, nothing begun
            assert point == "importing" and after == book.old, shown
        else:
            assert proc.returncode == 128 + signum, shown
            word = "interrupted" if signum == signal.SIGINT else "terminated"
            assert f"anthology: {word}" in err, shown
        assert not left, f"temporary files left in build/: {left}\n{shown}"

    # The next normal build: the lock is free, the new book is written, nothing stray is left.
    with build_lock(book.root, timeout=5.0):
        pass
    build_in_process(book.root)
    assert outputs(book.root) == book.new
    assert sorted(p.name for p in build.iterdir()) == sorted(OUTPUTS)
    # The user's folder: their files, build/, and at most the cache folder (the lock and layouts).
    assert {p.name for p in book.root.iterdir()} - {".anthology-cache"} == {"anthology.yaml", "build", "reviews"}
    assert sorted(p.name for p in (book.root / "reviews").iterdir()) == [f"r{i}.txt" for i in range(CHAPTERS)]


def test_temporaries_of_killed_builds_are_removed(tmp_path: Path) -> None:
    """What ``kill -9`` leaves in the middle of a write goes at the next write, and only that."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    build = tmp_path / "build"
    build.mkdir()
    stale = build / f".{SLUG}.pdf.anthology-{dead.pid}-k2x9q1ab.tmp"
    running = build / f".{SLUG}.epub.anthology-{os.getppid()}-a8b7c6d5.tmp"  # a live process: not ours to touch
    foreign = build / ".notes.tmp"  # not a name we make
    for path in (stale, running, foreign):
        path.write_bytes(b"partial")
    assert remove_stale_temporaries(build) == [stale]
    assert sorted(p.name for p in build.iterdir()) == sorted([running.name, foreign.name])


def test_lock_times_out_with_a_located_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "book"
    write_project(root)
    build_in_process(root)
    old = outputs(root)
    (root / "reviews" / "r0.txt").write_text(review(0, "changed"), encoding="utf-8")
    monkeypatch.setattr(lock_module, "LOCK_TIMEOUT", 0.5)
    # Another build holds the lock for the whole of this one.
    with build_lock(root), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        rc = main(["build", str(root)])
    assert rc == 1
    assert "waiting for another build of this project" in err.getvalue()
    assert f"{root}/anthology.yaml: error: another build of this project is running" in err.getvalue()
    assert outputs(root) == old


def test_lock_is_released_and_reported(tmp_path: Path) -> None:
    """The second of two holders waits, is told once, and gets the lock when the first lets go."""
    root = tmp_path / "book"
    root.mkdir()
    told: list[str] = []
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from anthology.render.lock import build_lock\n"
         "with build_lock(sys.argv[1]):\n    print('locked', flush=True); time.sleep(1.0)\n", str(root)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    started = time.monotonic()
    with build_lock(root, timeout=RUN_LIMIT, on_wait=told.append):
        waited = time.monotonic() - started
    holder.wait(RUN_LIMIT)
    assert len(told) == 1 and told[0].startswith("waiting for another build of this project")
    assert f"(pid {holder.pid})" in told[0]
    assert 0.1 < waited < RUN_LIMIT


def test_forked_worker_does_not_keep_the_lock(tmp_path: Path) -> None:
    """Layout workers are forked while the lock is held; one left behind (its parent killed
    with ``kill -9``) must not keep the next build waiting."""
    with build_lock(tmp_path):
        child = os.fork()
        if child == 0:  # pragma: no cover - the forked child only waits to be killed
            time.sleep(30)
            os._exit(0)
    try:
        with build_lock(tmp_path, timeout=1.0):
            pass
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


def test_no_lock_file_possible_the_build_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHOLOGY_CACHE_DIR", raising=False)
    root = tmp_path / "book"
    root.mkdir()
    (root / ".anthology-cache").write_text("not a folder")  # the lock cannot be made: the build goes on
    with build_lock(root, timeout=0.1):
        pass


def test_a_signal_wrapped_by_an_import_is_still_an_interruption(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """SIGTERM while ``platform`` is imported reaches us as RuntimeError (CPython wraps what
    ``__set_name__`` raises): still exit 143 and one line, no traceback. Any other error is not
    taken for one."""
    from anthology import cli, commands

    def wrapped(args: object) -> int:
        try:
            raise cli._Terminated
        except cli._Terminated as stop:
            raise RuntimeError("Error calling __set_name__ on 'cached_property' instance") from stop

    monkeypatch.setattr(commands, "run", wrapped)
    assert main(["check", str(tmp_path)]) == 128 + signal.SIGTERM
    assert capsys.readouterr().err == "anthology: terminated\n"

    def broken(args: object) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(commands, "run", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        main(["check", str(tmp_path)])
