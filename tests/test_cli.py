"""Messages a person reads: one format with codes, --quiet, --strict, silenced codes, summary."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from anthology.cli import main


def _seed(tmp_path: Path, seed_root: Path, extra: str = "") -> Path:
    project = tmp_path / "seed"
    shutil.copytree(seed_root, project)
    if extra:
        manifest = project / "anthology.yaml"
        manifest.write_text(manifest.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return project


def test_build_prints_warnings_with_codes_and_a_summary(tmp_path: Path, seed_root: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    project = _seed(tmp_path, seed_root)
    assert main(["build", str(project)]) == 0
    out, err = capsys.readouterr()
    assert f"{project}/reviews/escape.txt:33: warning: Song Kang plays Seon Woo-min" in err
    assert err.rstrip().endswith("[uncredited-actor]") or "[uncredited-actor]" in err
    assert "[1/4] indexing" in err  # plain progress lines when stderr is not a terminal
    assert "wrote " in out and "escape.pdf" in out and "escape.epub" in out
    assert "1 chapters, " in out and " pages, 1 warning, " in out
    assert "\x1b[" not in out + err  # no colour codes outside a terminal


def test_quiet_prints_nothing_but_errors(tmp_path: Path, seed_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _seed(tmp_path, seed_root)
    assert main(["build", str(project), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")
    (project / "reviews" / "escape.txt").write_bytes(b"\xff")
    assert main(["build", str(project), "-q"]) == 1
    assert "error: not valid UTF-8" in capsys.readouterr().err


def test_strict_turns_warnings_into_a_failure_and_keeps_the_book(tmp_path: Path, seed_root: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    project = _seed(tmp_path, seed_root)
    assert main(["build", str(project)]) == 0
    before = {p.name: p.read_bytes() for p in (project / "build").iterdir()}
    (project / "reviews" / "escape.txt").write_text(
        (project / "reviews" / "escape.txt").read_text(encoding="utf-8") + "\nOne more line.", encoding="utf-8")
    capsys.readouterr()
    assert main(["build", str(project), "--strict"]) == 1
    assert "--strict: 1 warnings fail the build" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (project / "build").iterdir()} == before
    assert main(["check", str(project), "--strict"]) == 1


def test_a_silenced_code_is_neither_shown_nor_strict(tmp_path: Path, seed_root: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    project = _seed(tmp_path, seed_root, "warnings:\n  ignore: [uncredited-actor]\n")
    assert main(["build", str(project), "--strict"]) == 0
    out, err = capsys.readouterr()
    assert "uncredited-actor" not in err and " 0 warnings, " in out


def test_warnings_block_is_validated(tmp_path: Path, seed_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _seed(tmp_path, seed_root, "warnings:\n  silence: [x]\n")
    assert main(["check", str(project)]) == 1
    assert "anthology.yaml:10:3: error: unknown key 'silence' (expected one of: ignore)" in capsys.readouterr().err
