"""Trust model and never losing a book: hostile reviews leak nothing; failures keep outputs."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from support import epubcheck_messages

from anthology import AnthologyError, build
from anthology.cli import main
from anthology.render.fetcher import ConfinedFetcher, RefusedURL

SECRET = "TOP-SECRET-OUTSIDE-THE-PROJECT"


def _project(root: Path, reviews: dict[str, str], extra: str = "") -> Path:
    (root / "reviews").mkdir(parents=True)
    for name, text in reviews.items():
        (root / "reviews" / name).write_text(text, encoding="utf-8")
    chapters = "".join(f"  - reviews/{name}\n" for name in reviews)
    (root / "anthology.yaml").write_text(f"title: Test Book\n{extra}chapters:\n{chapters}", encoding="utf-8")
    return root


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    return secret


def test_hostile_review_leaks_nothing(tmp_path: Path, secret_file: Path) -> None:
    root = tmp_path / "book"
    (root / "assets").mkdir(parents=True)
    os.symlink(secret_file, root / "assets" / "link.png")
    hostile = f"""# Hostile

Director: Mallory Evil

<img src="file://{secret_file}" alt="direct file URL">
<img src="../outside/secret.txt" alt="relative escape">
<img src="/assets/link.png" alt="symlink out">
<link rel="attachment" href="file://{secret_file}">
<a rel="attachment" href="file://{secret_file}">attach</a>
<style>@import url("file://{secret_file}"); body {{ background: url("file://{secret_file}") }}</style>
<script>document.write("{SECRET}")</script>
<iframe src="file://{secret_file}"></iframe>
<object data="file://{secret_file}"></object>
<embed src="file://{secret_file}">
<form action="https://evil.example"><input name="x"></form>
<p onclick="alert(1)" style="background:url(file://{secret_file})">Clickable text.</p>
<a href="javascript:alert(1)">a script link</a>
<img src="https://evil.example/track.png" alt="remote">

The prose survives.
"""
    _project(root, {"hostile.md": hostile})
    result, diags = build(root, root / "build")
    pdf, epub = result.outputs["pdf"], result.outputs["epub"]

    assert SECRET.encode() not in pdf.read_bytes()
    reader = PdfReader(str(pdf))
    assert not reader.attachments
    text = "".join(page.extract_text() or "" for page in reader.pages)
    assert "The prose survives." in text and "Clickable text." in text
    assert SECRET not in text

    with zipfile.ZipFile(epub) as z:
        everything = b"".join(z.read(n) for n in z.namelist())
        chapter = z.read("EPUB/ch-hostile.xhtml").decode()
    assert SECRET.encode() not in everything
    for banned in ("<script", "<iframe", "<object", "<embed", "<form", "<link rel=\"attachment",
                   "onclick", "javascript:", "<style", "evil.example", "file:"):
        assert banned not in chapter, banned
    assert epubcheck_messages(epub) == []
    codes = {d.code for d in diags.warnings}
    assert {"image-remote", "image-missing"} <= codes


def test_fetcher_refuses_everything_outside_its_roots(tmp_path: Path, secret_file: Path) -> None:
    root = tmp_path / "book"
    root.mkdir()
    inside = root / "ok.css"
    inside.write_text("p{}", encoding="utf-8")
    os.symlink(secret_file, root / "escape.css")
    fetcher = ConfinedFetcher([root])
    assert fetcher.fetch(inside.as_uri()).read() == b"p{}"
    for url in (secret_file.as_uri(), (root / "escape.css").as_uri(), "https://example.com/x.png",
                "http://127.0.0.1/", f"file://{root}/../outside/secret.txt", "data:text/plain,hi"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def _good_then(tmp_path: Path) -> tuple[Path, dict[Path, bytes]]:
    root = _project(tmp_path / "book", {"a.txt": "Title: A\nDirector: Some One\nFirst paragraph.\n"})
    assert main(["build", str(root)]) == 0
    outputs = {p: p.read_bytes() for p in (root / "build").iterdir()}
    assert len(outputs) == 2
    return root, outputs


def _unchanged(root: Path, before: dict[Path, bytes]) -> None:
    after = {p: p.read_bytes() for p in (root / "build").iterdir()}
    assert after == before, "the previous book changed, or temporary files were left behind"


def test_load_error_keeps_previous_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, before = _good_then(tmp_path)
    (root / "reviews" / "a.txt").write_bytes(b"Title: A\n\xff\xfe broken bytes\n")
    assert main(["build", str(root)]) == 1
    err = capsys.readouterr().err
    assert "reviews/a.txt:2:1: error: not valid UTF-8" in err
    assert "Traceback" not in err
    _unchanged(root, before)


def test_template_error_keeps_previous_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, before = _good_then(tmp_path)
    (root / "templates").mkdir()
    (root / "templates" / "chapter.html.j2").write_text("<section>\n{{ chapter.no_such_field }}\n", encoding="utf-8")
    assert main(["build", str(root)]) == 1
    err = capsys.readouterr().err
    assert "templates/chapter.html.j2:2" in err and "no_such_field" in err
    _unchanged(root, before)
    (root / "templates" / "chapter.html.j2").write_text("{% if %}\n", encoding="utf-8")
    assert main(["build", str(root)]) == 1
    assert "templates/chapter.html.j2:1: error: template syntax error" in capsys.readouterr().err
    _unchanged(root, before)


def test_disk_full_keeps_previous_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, before = _good_then(tmp_path)
    (root / "reviews" / "a.txt").write_text("Title: A changed\nDirector: X\nNew text.\n", encoding="utf-8")
    real_fsync = os.fsync
    calls = []

    def fsync_then_full(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:  # the PDF is staged; the disk fills up while staging the EPUB
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync_then_full)
    with pytest.raises(AnthologyError) as info:
        build(root)
    monkeypatch.undo()
    assert "No space left on device" in str(info.value)
    assert "previous files are untouched" in str(info.value)
    _unchanged(root, before)


def test_output_path_that_is_a_directory_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path / "book", {"a.txt": "Title: A\nDirector: Some One\nText.\n"})
    (root / "build" / "test-book.pdf").mkdir(parents=True)
    assert main(["build", str(root)]) == 1
    err = capsys.readouterr().err
    assert "is a directory" in err and "Traceback" not in err
    assert not (root / "build" / "test-book.epub").exists()
