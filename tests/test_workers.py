"""Workers started before the book is loaded, and what keeps a rebuild short.

- The CLI forks a build's workers before it imports the rest of anthology; they are gone when
  the command returns, whether the build succeeded or not.
- The second worker imports WeasyPrint only once there is more than one job (``loaded``); a
  build with one chapter to lay out ends without waiting for it (``done``). When every
  section will be laid out (no layout cache, ``--no-cache``), it imports right after the first.
- Jobs without a cache entry are handed over first; a damaged entry is still laid out again.
- The warm-up page shows each face of the fonts.
- render/roomy.py: a call from a frame with room on CPython's frame stack.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

import pytest
from support import copy_project

import anthology
from anthology import Diagnostics, load_book
from anthology.cli import EXIT_ERROR, EXIT_OK, _early_workers, main
from anthology.render import parallel, roomy
from anthology.render.cache import LayoutCache
from anthology.render.parallel import Workers
from anthology.render.pdf import _warm_up_html


def _children_gone(timeout: float = 30.0) -> list[multiprocessing.process.BaseProcess]:
    deadline = time.monotonic() + timeout
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    return multiprocessing.active_children()


def test_the_command_starts_workers_early_and_leaves_none_behind(tmp_path: Path, repo_root: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_project(repo_root, tmp_path / "book")
    monkeypatch.setenv("ANTHOLOGY_CACHE_DIR", str(tmp_path / "cache"))
    started: list[Workers] = []
    real = parallel.Workers.__init__

    def recording(self: Workers, count: int, **kwargs: object) -> None:
        real(self, count, **kwargs)  # type: ignore[arg-type]
        started.append(self)

    monkeypatch.setattr(parallel.Workers, "__init__", recording)
    assert main(["build", str(project), "-q", "--out", str(tmp_path / "out"), "-j", "2"]) == EXIT_OK
    assert len(started) == 1, "the CLI starts the build's workers itself, once"
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".epub", ".pdf"]
    assert _children_gone() == []


def test_a_failed_build_stops_the_early_workers(tmp_path: Path, repo_root: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_project(repo_root, tmp_path / "book")
    monkeypatch.setenv("ANTHOLOGY_CACHE_DIR", str(tmp_path / "cache"))
    (project / "anthology.yaml").write_text("title: Broken\nchapters:\n  - reviews/missing.txt\n", encoding="utf-8")
    assert main(["build", str(project), "-q", "--out", str(tmp_path / "out"), "-j", "2"]) == EXIT_ERROR
    assert _children_gone() == []


@pytest.mark.parametrize(("command", "options"), [
    ("build", {"epub": True}), ("build", {"jobs": 1}), ("build", {"watch": True}), ("check", {}),
], ids=["epub-only", "one-job", "watch-keeps-its-own", "not-a-build"])
def test_no_early_workers_where_no_pdf_is_laid_out_by_them(command: str, options: dict, tmp_path: Path) -> None:
    args = argparse.Namespace(**{"command": command, "watch": False, "epub": False, "jobs": None,
                                 "project": str(tmp_path), **options})
    assert _early_workers(args) is None


def test_a_worker_waiting_for_work_ends_at_once_when_the_build_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    """With nothing more to do, the second worker does not import WeasyPrint, nor keep the
    pool's join waiting (its wait is made two minutes long here)."""
    monkeypatch.setattr(parallel, "_WAIT_FOR_LOAD", 120.0)
    workers = Workers(2)
    started = time.monotonic()
    workers.done()
    workers.pool.close()
    workers.pool.join()
    assert time.monotonic() - started < 60, "the waiting worker did not end"


def _who_answers(seconds: float) -> tuple[int, bool]:
    time.sleep(seconds)
    return os.getpid(), "weasyprint" in sys.modules


def _answering(workers: Workers, until: float) -> set[tuple[int, bool]]:
    """The workers that took jobs (and whether they had imported WeasyPrint) by ``until``."""
    seen: set[tuple[int, bool]] = set()
    while time.monotonic() < until and len({pid for pid, _ in seen}) < workers.count:
        seen.update(workers.pool.map(_who_answers, [0.2] * 4, chunksize=1))
    return seen


def test_eager_workers_import_one_after_the_other_without_waiting_for_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_WAIT_FOR_LOAD", 120.0)  # only the first worker's turn can start the second
    workers = Workers(2, eager=True)
    try:
        seen = _answering(workers, time.monotonic() + 60)
    finally:
        workers.close()
    assert len({pid for pid, _ in seen}) == 2, "the second worker never started"
    assert all(imported for _, imported in seen), "a worker took jobs before importing WeasyPrint"


def test_other_workers_wait_for_work_unless_eager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_WAIT_FOR_LOAD", 120.0)
    workers = Workers(2)
    try:
        seen = _answering(workers, time.monotonic() + 3)
    finally:
        workers.close()
    assert len({pid for pid, _ in seen}) == 1, "the second worker started with nothing released"


def test_the_command_makes_its_workers_eager_when_every_section_is_to_be_laid_out(
        tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_project(repo_root, tmp_path / "book")
    monkeypatch.setenv("ANTHOLOGY_CACHE_DIR", str(tmp_path / "cache"))
    made: list[dict] = []

    class Recording:
        def __init__(self, count: int, **kwargs: object) -> None:
            made.append({"count": count, **kwargs})

    def eager(**options: object) -> bool:
        args = argparse.Namespace(**{"command": "build", "watch": False, "epub": False, "jobs": 2,
                                     "no_cache": False, "project": str(project), **options})
        monkeypatch.setattr(parallel, "Workers", Recording)
        try:
            assert isinstance(_early_workers(args), Recording)
        finally:
            monkeypatch.undo()
            monkeypatch.setenv("ANTHOLOGY_CACHE_DIR", str(tmp_path / "cache"))
        return bool(made.pop()["eager"])

    assert eager(), "a first build lays out every section"
    anthology.build(project, tmp_path / "out", workers=1)
    assert not eager(), "after a build the cache has sections: a rebuild may need one worker"
    assert eager(no_cache=True)
    for entry in LayoutCache(project).folder.iterdir():
        entry.unlink()
    assert eager(), "an emptied cache is no cache"


def test_a_rebuild_of_one_chapter_does_not_wait_for_the_second_worker(tmp_path: Path, repo_root: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_project(repo_root, tmp_path / "book")
    monkeypatch.setenv("ANTHOLOGY_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    anthology.build(project, out, workers=2)
    review = sorted((project / "reviews").glob("*"))[0]
    review.write_text(review.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    monkeypatch.setattr(parallel, "_WAIT_FOR_LOAD", 120.0)
    workers = Workers(2)
    started = time.monotonic()
    try:
        result, _ = anthology.build(project, out, workers=workers)
    finally:
        workers.close()
    assert time.monotonic() - started < 60, "the build waited for the second worker"
    assert result.laid_out >= 1 and result.reused > 0


def test_a_damaged_entry_is_laid_out_again_by_early_workers(tmp_path: Path, repo_root: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_project(repo_root, tmp_path / "book")
    monkeypatch.setenv("ANTHOLOGY_CACHE_DIR", str(tmp_path / "cache"))
    first, _ = anthology.build(project, tmp_path / "one", workers=2)
    pdf = first.outputs["pdf"].read_bytes()
    entries = sorted(LayoutCache(project).folder.glob("*.pdf"))
    entries[0].write_bytes(entries[0].read_bytes()[:100])  # its .json remains: an entry that looks present
    workers = Workers(2)
    try:
        again, _ = anthology.build(project, tmp_path / "two", workers=workers)
    finally:
        workers.close()
    assert again.laid_out == 1
    assert again.outputs["pdf"].read_bytes() == pdf


def test_the_warm_up_page_shows_each_face_and_escapes_the_title(tmp_path: Path) -> None:
    root = tmp_path / "book"
    (root / "reviews").mkdir(parents=True)
    (root / "reviews" / "en.txt").write_text("Title: In English\nDirector: Ann Director\nA line.\n", encoding="utf-8")
    (root / "anthology.yaml").write_text("title: Tom & <Jerry>\nlanguage: fr\nchapters:\n  - reviews/en.txt\n",
                                         encoding="utf-8")
    book, diags = load_book(root, Diagnostics())
    assert book is not None, list(diags)
    page = _warm_up_html(book)
    assert '<html lang="fr">' in page
    assert "Tom &amp; &lt;Jerry&gt;" in page and "<Jerry>" not in page
    assert '<h1 class="chapter-title">' in page and "<b>" in page and "<i>" in page and "<b><i>" in page
    assert "A line." not in page, "no chapter's text: the worker has no time to spare for it"


def test_a_roomy_call_is_the_call() -> None:
    assert roomy.call(lambda a, b=1: a + b, 1, b=5) == 6
    assert roomy.call(sorted, [3, 1, 2], reverse=True) == [3, 2, 1]
    with pytest.raises(ZeroDivisionError):
        roomy.call(lambda: 1 / 0)


def test_a_roomy_call_runs_below_a_large_frame() -> None:
    """The frame the function is called from has 8,192 more local slots than it uses."""
    caller = roomy.call(sys._getframe)
    assert caller.f_code.co_nlocals >= roomy._SLOTS
    assert caller.f_code.co_name == "_call"
