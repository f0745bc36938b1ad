"""The parsed reviews build --watch keeps (load/memo.py): never a stale chapter.

Each load with the memo is compared with a fresh load without it: the same Book and the
same diagnostics, whatever changed in between.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from anthology import Diagnostics, load_book
from anthology.load.memo import ReviewMemo

REVIEW = "Title: Film {n}\nDirector: Ann Director\n\nA review of film {n}, about the harbour.\n"


def _project(root: Path) -> Path:
    (root / "reviews").mkdir(parents=True)
    (root / "assets").mkdir()
    for n in range(3):
        (root / "reviews" / f"r{n}.txt").write_text(REVIEW.format(n=n), encoding="utf-8")
    (root / "reviews" / "pic.md").write_text(
        "# With a still\n\nDirector: Bo Director\n\n![The harbour at dawn](../assets/still.png)\n\nText.\n",
        encoding="utf-8")
    (root / "anthology.yaml").write_text(
        "title: Memo Test\nchapters:\n  - reviews/r0.txt\n  - reviews/r1.txt\n  - reviews/r2.txt\n"
        "  - reviews/pic.md\n", encoding="utf-8")
    return root


def _same_as_fresh(root: Path, memo: ReviewMemo) -> list[str]:
    kept_book, kept = load_book(root, Diagnostics(), memo)
    fresh_book, fresh = load_book(root, Diagnostics())
    assert kept_book == fresh_book
    assert list(kept) == list(fresh)
    return [str(d) for d in fresh]


def test_unchanged_reviews_are_not_read_again_and_an_edit_is(tmp_path: Path, parses: list[str]) -> None:
    root = _project(tmp_path / "book")
    memo = ReviewMemo()
    _same_as_fresh(root, memo)
    assert sorted(parses) == ["pic.md", "r0.txt", "r1.txt", "r2.txt"]
    parses.clear()
    _same_as_fresh(root, memo)
    assert parses == [], "nothing changed: nothing is read again (the image is still missing)"
    parses.clear()
    edited = root / "reviews" / "r1.txt"
    edited.write_text(REVIEW.format(n=1) + "\nOne more sentence.\n", encoding="utf-8")
    _same_as_fresh(root, memo)
    assert sorted(parses) == ["r1.txt"]
    parses.clear()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(root / "assets" / "still.png")
    _same_as_fresh(root, memo)
    assert parses == ["pic.md"], "the image it looked for is there now: read again"


def test_a_same_size_rewrite_in_the_same_instant_is_read_again(tmp_path: Path, parses: list[str]) -> None:
    """The key holds the change time too: a save that keeps the size and the modification
    time (an editor restoring it, a copy with -p) is still a change."""
    root = _project(tmp_path / "book")
    memo = ReviewMemo()
    _same_as_fresh(root, memo)
    target = root / "reviews" / "r2.txt"
    before = target.stat()
    target.write_text(REVIEW.format(n=2).replace("harbour", "harvest"), encoding="utf-8")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert target.stat().st_size == before.st_size and target.stat().st_mtime_ns == before.st_mtime_ns
    parses.clear()
    _same_as_fresh(root, memo)
    assert "r2.txt" in parses


def test_images_and_manifest_changes_reach_the_book(tmp_path: Path) -> None:
    root = _project(tmp_path / "book")
    memo = ReviewMemo()
    assert any("image-missing" in d or "not found" in d or "still.png" in d for d in _same_as_fresh(root, memo))
    Image.new("RGB", (40, 30), (10, 20, 30)).save(root / "assets" / "still.png")
    assert not any("still.png" in d for d in _same_as_fresh(root, memo))
    (root / "assets" / "still.png").write_bytes(b"not a png")
    assert any("still.png" in d for d in _same_as_fresh(root, memo))
    manifest = root / "anthology.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "  - reviews/r0.txt\n", "  - file: reviews/r0.txt\n    title: Another Title\n    language: fr\n"),
        encoding="utf-8")
    _same_as_fresh(root, memo)
    (root / "reviews" / "r2.txt").unlink()
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("  - reviews/r2.txt\n", ""), encoding="utf-8")
    _same_as_fresh(root, memo)
    (root / "reviews" / "r1.txt").write_bytes(b"\xff\xfe\x00broken")
    kept_book, kept = load_book(root, Diagnostics(), memo)
    fresh_book, fresh = load_book(root, Diagnostics())
    assert kept_book is None and fresh_book is None and list(kept) == list(fresh)

