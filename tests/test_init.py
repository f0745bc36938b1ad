"""anthology init: a fresh folder becomes a project that builds at once; nothing is overwritten
without --force; the scaffold ships as package data."""

from __future__ import annotations

import glob
import re
import tomllib
from pathlib import Path

import pytest
from support import epub_nav, pdf_outline

from anthology import build, load_book
from anthology.errors import AnthologyError
from anthology.render.html import THEME_DIR
from anthology.scaffold import SCAFFOLD_DIR, init_project, scaffold_files

REPO = Path(__file__).resolve().parents[1]
EXPECTED = {".gitignore", "anthology.yaml", "people.yaml", "reviews/the-quiet-orchard.md",
            "reviews/tidewater-radio.txt", "templates/README.md", ".schemas/anthology.schema.json",
            ".schemas/people.schema.json"}


def test_init_then_build(tmp_path: Path) -> None:
    root = tmp_path / "new" / "book"
    written = init_project(root)
    assert {p.relative_to(root).as_posix() for p in written} == EXPECTED
    result, diags = build(root)
    assert [str(d) for d in diags] == []
    pdf, epub = result.outputs["pdf"], result.outputs["epub"]
    assert pdf == root / "build" / "late-screenings.pdf" and pdf.stat().st_size > 0
    assert epub == root / "build" / "late-screenings.epub" and epub.stat().st_size > 0
    titles = ["Tidewater Radio", "The Quiet Orchard"]
    assert [t for _, t, _ in epub_nav(epub) if t in titles] == titles
    assert [t for _, t, _ in pdf_outline(pdf) if t in titles] == titles
    first_line = (root / "anthology.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=.schemas/anthology.schema.json"
    assert (root / ".schemas" / "anthology.schema.json").is_file()


def test_the_sample_reviews_show_both_credit_forms(tmp_path: Path) -> None:
    init_project(tmp_path)
    txt = (tmp_path / "reviews" / "tidewater-radio.txt").read_text(encoding="utf-8").splitlines()
    assert txt[0].startswith("Title: ") and txt[1].startswith("Director: ")
    prose = next(i for i, line in enumerate(txt) if not re.match(r"^[A-Z][a-z ]+: ", line))
    assert txt[prose - 1].startswith("Reviewer: ") and txt[prose].strip()  # no blank line before the prose
    assert (tmp_path / "reviews" / "the-quiet-orchard.md").read_text(encoding="utf-8").startswith("---\n")
    book, _ = load_book(tmp_path)
    assert book is not None
    for chapter in book.chapters:
        roles = [c.role for c in chapter.credits]
        assert {"director", "starring", "year", "reviewer"} <= set(roles), chapter.title
        assert not chapter.body_html.lstrip().startswith("<p>Director")
    gitignore = (tmp_path / ".gitignore").read_text(encoding="utf-8").split()
    assert "build/" in gitignore and ".anthology-cache/" in gitignore


def test_init_refuses_an_existing_manifest_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "anthology.yaml").write_text("title: Mine\n", encoding="utf-8")
    with pytest.raises(AnthologyError) as exc:
        init_project(tmp_path)
    assert [d.code for d in exc.value.diagnostics] == ["init-exists"]
    assert "--force" in str(exc.value)
    assert (tmp_path / "anthology.yaml").read_text(encoding="utf-8") == "title: Mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anthology.yaml"]  # nothing else written
    init_project(tmp_path, force=True)
    assert (tmp_path / "anthology.yaml").read_bytes() == (SCAFFOLD_DIR / "anthology.yaml").read_bytes()


def test_init_refuses_to_overwrite_any_other_file(tmp_path: Path) -> None:
    (tmp_path / "people.yaml").write_text("- name: Someone Else\n", encoding="utf-8")
    with pytest.raises(AnthologyError) as exc:
        init_project(tmp_path)
    assert [d.file for d in exc.value.diagnostics] == ["people.yaml"]
    assert not (tmp_path / "anthology.yaml").exists()


def test_init_extends_an_existing_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.pyc\nbuild/", encoding="utf-8")
    init_project(tmp_path)
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == "*.pyc\nbuild/\n\n# anthology\n.anthology-cache/\n"


def test_init_needs_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(AnthologyError) as exc:
        init_project(tmp_path / "file")
    assert exc.value.diagnostics[0].code == "init-not-a-folder"


def test_the_scaffold_is_package_data() -> None:
    """Every scaffold file matches the package-data globs (which skip dot-files)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["anthology"]
    package = SCAFFOLD_DIR.parent
    shipped = {Path(p) for pattern in patterns for p in glob.glob(str(package / pattern), recursive=True)}
    sources = set(scaffold_files().values())
    assert sources and sources <= shipped
    assert set(scaffold_files()) == {f for f in EXPECTED if not f.startswith(".schemas/")}  # generated


def test_the_templates_readme_names_every_theme_file() -> None:
    readme = (SCAFFOLD_DIR / "templates" / "README.md").read_text(encoding="utf-8")
    theme = sorted(p.name for p in (THEME_DIR / "templates").iterdir() if p.suffix in (".j2", ".css"))
    assert theme
    assert [name for name in theme if f"`{name}`" not in readme] == []


def test_cli_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from anthology.cli import main

    root = tmp_path / "mybook"
    assert main(["init", str(root)]) == 0
    assert "anthology build" in capsys.readouterr().out
    assert main(["init", str(root)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["init", str(root), "--force"]) == 0
    assert main(["build", str(root), "--quiet"]) == 0
    assert (root / "build" / "late-screenings.pdf").is_file()
