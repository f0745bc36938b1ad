"""anthology preview in a real headless browser (Debian's chromium; skipped without it)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from anthology.preview import Preview

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _dom(url: str, profile: Path) -> str:
    if CHROMIUM is None:
        pytest.skip("no chromium: apt-get install chromium")
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--virtual-time-budget=3000", "--dump-dom", url]
    return subprocess.run(args, capture_output=True, text=True, timeout=60).stdout


def _version(url: str) -> int:
    with urllib.request.urlopen(url + "__version", timeout=5) as response:
        return json.load(response)["version"]


def _wait_for(url: str, after: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while _version(url) <= after:
        assert time.monotonic() < deadline, "no rebuild after the edit"
        time.sleep(0.2)


def test_preview_serves_rebuilds_shows_errors_and_recovers(tmp_path: Path, seed_root: Path) -> None:
    if CHROMIUM is None:
        pytest.skip("no chromium: apt-get install chromium")
    project = tmp_path / "seed"
    shutil.copytree(seed_root, project)
    preview = Preview(project, port=0, interval=0.2)
    preview.start()
    try:
        url = preview.url
        dom = _dom(url, tmp_path / "profile")
        assert '<h1 class="chapter-title">Escape</h1>' in dom
        assert "Lee Jong-pil" in dom and "/__version" in dom
        assert 'href="/pdf"' in dom and 'href="/epub"' in dom
        with urllib.request.urlopen(url + "pdf", timeout=5) as response:
            assert response.read(5) == b"%PDF-"

        review = project / "reviews" / "escape.txt"
        good = review.read_bytes()
        version = _version(url)
        review.write_bytes(b"Director: X\n\xff broken\n")
        _wait_for(url, version)
        dom = _dom(url, tmp_path / "profile")
        assert "The book could not be built" in dom and "not valid UTF-8" in dom

        version = _version(url)
        review.write_bytes(good.replace(b"Defections", b"Crossings"))
        _wait_for(url, version)
        dom = _dom(url, tmp_path / "profile")
        assert "Crossings from North Korea" in dom and "could not be built" not in dom
    finally:
        preview.stop()


def test_preview_never_serves_files_outside_the_project(tmp_path: Path, seed_root: Path) -> None:
    project = tmp_path / "seed"
    shutil.copytree(seed_root, project)
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    preview = Preview(project, port=0)
    preview.start()
    try:
        for path in ("../secret.txt", "%2e%2e/secret.txt", "/etc/passwd"):
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(preview.url + path, timeout=5)
            assert info.value.code == 404
        with urllib.request.urlopen(preview.url + "reviews/escape.txt", timeout=5) as response:
            assert response.status == 200
    finally:
        preview.stop()


def test_preview_rebuilds_read_again_only_the_saved_review(tmp_path: Path, repo_root: Path, parses: list[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The server keeps the parsed reviews between rebuilds, as ``build --watch`` does, and
    the rebuilt book is the one a fresh load gives."""
    from support import copy_project

    from anthology import Diagnostics, load_book
    from anthology.load.memo import ReviewMemo
    from anthology.load.store import ReviewStore
    from anthology.preview import State, rebuild

    monkeypatch.setenv("ANTHOLOGY_CACHE_DIR", str(tmp_path / "cache"))
    project = copy_project(repo_root, tmp_path / "book")
    memo, state, out = ReviewMemo(ReviewStore(project)), State(), tmp_path / "out"
    rebuild(project, out, state, memo=memo)
    assert state.ok and parses
    review = sorted(p for p in (project / "reviews").iterdir() if p.suffix in (".md", ".txt"))[0]
    review.write_text(review.read_text(encoding="utf-8") + "\nOne more sentence for the preview.\n",
                      encoding="utf-8")
    parses.clear()
    rebuild(project, out, state, memo=memo)
    assert state.ok
    assert review.name in parses
    assert len(parses) < len(list((project / "reviews").iterdir())), "unchanged reviews are not read again"
    kept, _ = load_book(project, Diagnostics(), memo)
    fresh, _ = load_book(project, Diagnostics())
    assert kept == fresh
