"""Start-up (issue 6): what a fresh `anthology` process imports, and what that costs.

WeasyPrint is imported only through render/engine.py, without the ldconfig/gcc/ld processes
``ctypes.util.find_library`` spawns for its Windows and macOS library names; and a build
that lays nothing out (an EPUB whose layout is all in the cache) never imports it at all.
Each check runs in a fresh interpreter: the test process has long imported everything.
"""

from __future__ import annotations

import ctypes.util
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from support import copy_project

from anthology.render.engine import no_library_search

IMPORTS_WITHOUT_LIBRARY_SEARCH = r"""
import ctypes.util, json, sys

searched = []
original = ctypes.util.find_library


def recording(name):
    searched.append(name)
    return original(name)


ctypes.util.find_library = recording
import anthology.commands
import anthology.render.pdf

before_layout = "weasyprint" in sys.modules
import anthology.render.layout
import weasyprint

after_imports = list(searched)
pdf = weasyprint.HTML(string="<!DOCTYPE html><p>Hello</p>").write_pdf()
print(json.dumps({"searched": after_imports, "before_layout": before_layout, "pdf": pdf[:5].decode("latin-1"),
                  "restored": ctypes.util.find_library is recording}))
"""

NEVER_IMPORTS_WEASYPRINT = r"""
import json, sys


class Watch:
    seen = []
    unneeded = []

    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint" or name.startswith("weasyprint."):
            self.seen.append(name)
        if name in ("urllib.request", "http.client", "ssl", "markdown_it", "uharfbuzz", "multiprocessing", "ctypes"):
            self.unneeded.append(name)
        return None


sys.meta_path.insert(0, Watch())
from anthology.cli import main

status = main(sys.argv[1:])
print(json.dumps({"status": status, "weasyprint": Watch.seen, "unneeded": Watch.unneeded}))
"""


def _python(code: str, *args: str, env: dict[str, str] | None = None) -> dict:
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300,
                         env=env)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the library search is skipped on Linux only")
def test_weasyprint_is_imported_without_searching_for_libraries_and_still_renders() -> None:
    seen = _python(IMPORTS_WITHOUT_LIBRARY_SEARCH)
    assert seen["searched"] == [], "find_library was asked (and spawned ldconfig, gcc, ld) while importing"
    assert seen["before_layout"] is False, "importing the commands or render/pdf.py imported WeasyPrint"
    assert seen["restored"], "find_library was not given back after WeasyPrint's import"
    assert seen["pdf"] == "%PDF-"


def test_the_library_search_comes_back_even_after_an_error() -> None:
    original = ctypes.util.find_library
    with pytest.raises(RuntimeError), no_library_search():
        assert ctypes.util.find_library("c") is None
        raise RuntimeError("the import failed")
    assert ctypes.util.find_library is original


def test_an_epub_from_a_warm_cache_never_imports_weasyprint(tmp_path: Path, repo_root: Path) -> None:
    """The EPUB's page-list needs the PDF's page breaks: from the cache, not from WeasyPrint."""
    project = copy_project(repo_root, tmp_path / "book")
    env = {**os.environ, "ANTHOLOGY_CACHE_DIR": str(tmp_path / "cache")}
    # -j 1: laid out in this process, which shows the watch sees WeasyPrint when it is imported
    full = _python(NEVER_IMPORTS_WEASYPRINT, "build", str(project), "-q", "-j", "1", "--out", str(tmp_path / "full"),
                   env=env)
    assert full["status"] == 0 and full["weasyprint"], "the full build should have laid out with WeasyPrint"
    alone = _python(NEVER_IMPORTS_WEASYPRINT, "build", str(project), "--epub", "-q", "--out", str(tmp_path / "epub"),
                    env=env)
    assert alone["status"] == 0
    assert alone["weasyprint"] == [], "an EPUB with every layout in the cache imported WeasyPrint"
    # what an EPUB from the cache has no use for: urllib.request (with http.client and ssl), the
    # Markdown parser (every review from the store), the font subsetter (nothing is subset),
    # multiprocessing and ctypes (no worker is started)
    assert alone["unneeded"] == [], "each of these is a hundredth of a second or more at every start"
    [full_epub] = (tmp_path / "full").glob("*.epub")
    [epub] = (tmp_path / "epub").glob("*.epub")
    assert epub.read_bytes() == full_epub.read_bytes()
    assert not list((tmp_path / "epub").glob("*.pdf"))


@pytest.mark.parametrize("how", ["workers", "serial", "single-pass"])
def test_the_command_exits_quickly_yet_leaves_no_temporary_font_folder(tmp_path: Path, repo_root: Path,
                                                                       how: str) -> None:
    """``anthology`` ends with os._exit (no interpreter tear-down, cli.console): the exit
    handlers still run, so WeasyPrint's temporary @font-face folders are gone, whether the
    fonts were loaded here, before workers were forked, or for a single-pass layout."""
    project = copy_project(repo_root, tmp_path / "book")
    options = {"workers": [], "serial": ["-j", "1"], "single-pass": []}[how]
    if how == "single-pass":  # a book.html.j2 override is laid out in one pass (render/pdf.py)
        theme = Path(__file__).resolve().parents[1] / "src" / "anthology" / "theme" / "templates"
        (project / "templates" / "book.html.j2").write_text((theme / "book.html.j2").read_text(encoding="utf-8"),
                                                            encoding="utf-8")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "ANTHOLOGY_CACHE_DIR": str(tmp_path / "cache"), "TMPDIR": str(temp)}
    run = subprocess.run([sys.executable, "-m", "anthology", "build", str(project), "--no-cache", "-q",
                          "--out", str(tmp_path / "out"), *options], capture_output=True, text=True, timeout=300,
                         env=env)
    assert run.returncode == 0, run.stderr
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".epub", ".pdf"]
    assert list(temp.iterdir()) == [], "a temporary folder was left behind"


def test_what_the_command_prints_to_a_pipe_is_all_there(repo_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """os._exit drops unflushed output: the command flushes it first."""
    from anthology.cli import main

    assert main(["people", str(repo_root), "--json"]) == 0
    expected = capsys.readouterr().out
    run = subprocess.run([sys.executable, "-m", "anthology", "people", str(repo_root), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == expected and len(expected) > 1000


def test_font_folders_of_processes_that_are_gone_are_removed(tmp_path: Path, repo_root: Path) -> None:
    """WeasyPrint's copies of the @font-face files (19 MB a configuration) outlive a killed build
    or a stopped worker: named after their process, they are removed by the next build once
    that process is gone, and never while it runs."""
    from anthology.render.engine import FONT_FOLDER

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    temp = tmp_path / "tmp"
    stale = temp / f"{FONT_FOLDER}{int(gone.stdout)}-abc123"
    running = temp / f"{FONT_FOLDER}{os.getpid()}-def456"  # this test's own process: alive
    other = temp / "weasyprint-xyz"  # not ours: left alone
    for folder in (stale, running, other):
        folder.mkdir(parents=True)
        (folder / "font").write_bytes(b"x" * 100)
    project = copy_project(repo_root, tmp_path / "book")
    env = {**os.environ, "ANTHOLOGY_CACHE_DIR": str(tmp_path / "cache"), "TMPDIR": str(temp)}
    run = subprocess.run([sys.executable, "-m", "anthology", "build", str(project), "-q", "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in temp.iterdir()) == sorted([running.name, other.name])


def test_file_url_paths_are_decoded_once() -> None:
    from anthology.render.confine import url_path

    path = Path("/tmp/a b/100%41 é.png")
    assert url_path(urlsplit(path.as_uri()).path) == path
