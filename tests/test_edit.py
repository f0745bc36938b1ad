"""anthology chapters / move / add / remove: the manifest is rewritten in place, every line
that is not edited stays byte for byte, and a following build follows the new order."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from support import epub_nav, pdf_outline

from anthology import build, load_book
from anthology.edit import (
    _check_same_content,
    add_chapter,
    add_chapters,
    chapters_json,
    chapters_text,
    list_chapters,
    move_chapter,
    remove_chapter,
)
from anthology.errors import AnthologyError

MANIFEST = """\
# Night Owls: a book for the tests.
title: "Night Owls"              # quoted on purpose
language: en
pdf:  { page: a5 }

chapters:
  # The opener.
  - reviews/alpha.txt

  - file: 'reviews/bravo.md'     # single-quoted, with an override
    title: Bravo!

  # Part one holds two.
  - part: Part One
    chapters:
      - reviews/charlie.txt   # c
      - reviews/delta.txt

  - reviews/echo.txt
# the end
epub: {toc_title: Contents}
"""

REVIEWS = {
    "alpha.txt": "Title: Alpha\nDirector: Ana Alves\nYear: 2001\nAlpha has one paragraph.\n",
    "bravo.md": "---\ndirector: Bo Berg\nyear: 2002\n---\n\nBravo has *one* paragraph.\n",
    "charlie.txt": "Title: Charlie\nDirector: Cy Cole\nCharlie has one paragraph.\n",
    "delta.txt": "Title: Delta\nDirector: Di Dunn\nYear: 2004\nDelta has one paragraph.\n",
    "echo.txt": "Title: Echo\nDirected by: Eli Ek\nYear: 2005\nEcho has one paragraph.\n",
    "foxtrot.txt": "Title: Foxtrot\nDirector: Fe Fox\nFoxtrot is not in the book yet.\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    (root / "reviews").mkdir(parents=True)
    for name, text in REVIEWS.items():
        (root / "reviews" / name).write_text(text, encoding="utf-8")
    (root / "anthology.yaml").write_text(MANIFEST, encoding="utf-8")
    return root


def manifest(root: Path) -> str:
    return (root / "anthology.yaml").read_text(encoding="utf-8")


def order(root: Path) -> list[str]:
    book, diags = load_book(root)
    assert book is not None, [str(d) for d in diags]
    return [c.title for c in book.chapters]


# -- listing ---------------------------------------------------------------------------------


def test_chapters_lists_the_book_order(project: Path) -> None:
    rows = list_chapters(project)
    assert [(r.position, r.part, r.file, r.title, r.director, r.year) for r in rows] == [
        (1, "", "reviews/alpha.txt", "Alpha", "Ana Alves", "2001"),
        (2, "", "reviews/bravo.md", "Bravo!", "Bo Berg", "2002"),
        (3, "Part One", "reviews/charlie.txt", "Charlie", "Cy Cole", ""),
        (4, "Part One", "reviews/delta.txt", "Delta", "Di Dunn", "2004"),
        (5, "", "reviews/echo.txt", "Echo", "Eli Ek", "2005"),
    ]
    text = chapters_text(rows)
    assert text.splitlines()[0].split() == ["#", "part", "file", "title", "director", "year"]
    assert "Part One  reviews/charlie.txt" in text
    assert '"file": "reviews/bravo.md"' in chapters_json(rows)


# -- move: the text, exactly ---------------------------------------------------------------


def test_move_after_a_chapter_in_a_part_changes_only_the_moved_lines(project: Path) -> None:
    message = move_chapter(project, "reviews/echo.txt", after="reviews/charlie.txt")
    assert manifest(project) == MANIFEST.replace(
        "      - reviews/delta.txt\n\n  - reviews/echo.txt\n",
        "      - reviews/echo.txt\n      - reviews/delta.txt\n",
    )
    assert "position 4 of 5" in message and "Part One" in message
    assert order(project) == ["Alpha", "Bravo!", "Charlie", "Echo", "Delta"]


def test_move_to_a_position_takes_its_comment_along(project: Path) -> None:
    move_chapter(project, "reviews/alpha.txt", to=2)
    assert manifest(project) == MANIFEST.replace(
        "  # The opener.\n  - reviews/alpha.txt\n\n", ""
    ).replace(
        "    title: Bravo!\n",
        "    title: Bravo!\n\n  # The opener.\n  - reviews/alpha.txt\n",
    )
    assert order(project) == ["Bravo!", "Alpha", "Charlie", "Delta", "Echo"]


def test_move_into_a_new_part_reindents_a_mapping_entry(project: Path) -> None:
    message = move_chapter(project, "reviews/bravo.md", part="Part Two")
    bravo = "  - file: 'reviews/bravo.md'     # single-quoted, with an override\n    title: Bravo!\n"
    assert manifest(project) == MANIFEST.replace(bravo + "\n", "").replace(
        "  - reviews/echo.txt\n",
        "  - reviews/echo.txt\n\n  - part: Part Two\n    chapters:\n"
        "      - file: 'reviews/bravo.md'     # single-quoted, with an override\n        title: Bravo!\n",
    )
    assert "created the part 'Part Two'" in message
    book, _ = load_book(project)
    assert book is not None and [p.title for p in book.parts] == ["Part One", "Part Two"]
    assert [c.title for c in book.parts[1].chapters] == ["Bravo!"]


def test_move_into_an_existing_part_appends_at_its_end(project: Path) -> None:
    move_chapter(project, "reviews/alpha.txt", part="Part One")
    assert order(project) == ["Bravo!", "Charlie", "Delta", "Alpha", "Echo"]
    assert "      - reviews/delta.txt\n      # The opener.\n      - reviews/alpha.txt\n\n" in manifest(project)


def test_move_before_a_part_puts_the_chapter_outside_it(project: Path) -> None:
    move_chapter(project, "reviews/delta.txt", before="Part One")
    book, _ = load_book(project)
    assert book is not None
    assert [c.title for c in book.chapters] == ["Alpha", "Bravo!", "Delta", "Charlie", "Echo"]
    assert [c.title for c in book.parts[0].chapters] == ["Charlie"]


def test_moving_a_parts_last_chapter_out_removes_the_part(project: Path) -> None:
    move_chapter(project, "reviews/charlie.txt", to=1)
    message = move_chapter(project, "reviews/delta.txt", to=5)
    assert "removed the part 'Part One'" in message
    text = manifest(project)
    assert "Part One" not in text and "# Part one holds two." not in text
    assert order(project) == ["Charlie", "Alpha", "Bravo!", "Echo", "Delta"]


def test_move_a_part(project: Path) -> None:
    move_chapter(project, "Part One", before="reviews/alpha.txt")
    assert order(project) == ["Charlie", "Delta", "Alpha", "Bravo!", "Echo"]
    assert manifest(project).startswith(MANIFEST.split("  # The opener.")[0] + "  # Part one holds two.\n")


def test_a_move_to_where_it_already_is_writes_nothing(project: Path) -> None:
    before = (project / "anthology.yaml").stat().st_mtime_ns
    assert "already" in move_chapter(project, "reviews/bravo.md", to=2)
    assert "already" in move_chapter(project, "reviews/delta.txt", part="Part One")
    assert manifest(project) == MANIFEST
    assert (project / "anthology.yaml").stat().st_mtime_ns == before


# -- move: a following build follows ---------------------------------------------------------


def test_a_build_after_a_move_reorders_the_epub_nav_and_the_pdf_bookmarks(project: Path, tmp_path: Path) -> None:
    move_chapter(project, "reviews/echo.txt", to=1)
    move_chapter(project, "reviews/delta.txt", before="reviews/charlie.txt")
    result, _ = build(project, tmp_path / "out")
    titles = {"Alpha", "Bravo!", "Charlie", "Delta", "Echo", "Part One"}
    expected = ["Echo", "Alpha", "Bravo!", "Part One", "Delta", "Charlie"]
    nav = [title for _, title, _ in epub_nav(result.outputs["epub"]) if title in titles]
    assert nav == expected
    bookmarks = [title for _, title, _ in pdf_outline(result.outputs["pdf"]) if title in titles]
    assert bookmarks == expected
    depth = {title: d for d, title, _ in pdf_outline(result.outputs["pdf"])}
    assert depth["Delta"] == depth["Part One"] + 1  # still inside the part


# -- refusals ------------------------------------------------------------------------------


def code_of(exc: pytest.ExceptionInfo[AnthologyError]) -> str:
    return exc.value.diagnostics[0].code


def test_unknown_files_are_refused_with_a_hint(project: Path) -> None:
    with pytest.raises(AnthologyError) as exc:
        move_chapter(project, "reviews/echo.tx", to=1)
    assert code_of(exc) == "edit-unknown"
    assert "did you mean 'reviews/echo.txt'" in str(exc.value)
    with pytest.raises(AnthologyError) as exc:
        move_chapter(project, "reviews/alpha.txt", after="reviews/nowhere.txt")
    assert code_of(exc) == "edit-unknown"
    with pytest.raises(AnthologyError) as exc:
        remove_chapter(project, "reviews/foxtrot.txt")
    assert "add it with 'anthology add reviews/foxtrot.txt'" in str(exc.value)
    with pytest.raises(AnthologyError) as exc:
        move_chapter(project, "reviews/alpha.txt", to=6)
    assert code_of(exc) == "edit-position"
    with pytest.raises(AnthologyError) as exc:
        move_chapter(project, "Part One", before="reviews/delta.txt")
    assert code_of(exc) == "nested-part"
    assert manifest(project) == MANIFEST


def test_names_are_matched_as_written_or_as_the_same_path(project: Path) -> None:
    move_chapter(project, "./reviews/bravo.md", to=1)
    assert order(project)[0] == "Bravo!"


# -- add and remove --------------------------------------------------------------------------


def test_add_appends_to_the_book_and_validates(project: Path) -> None:
    message = add_chapter(project, "reviews/foxtrot.txt")
    assert manifest(project) == MANIFEST.replace(
        "  - reviews/echo.txt\n", "  - reviews/echo.txt\n\n  - reviews/foxtrot.txt\n"
    )
    assert "position 6 of 6" in message
    with pytest.raises(AnthologyError) as exc:
        add_chapter(project, "reviews/foxtrot.txt")
    assert code_of(exc) == "duplicate-chapter" and "already chapter 6" in str(exc.value)


def test_add_into_a_part_at_a_position(project: Path) -> None:
    add_chapter(project, "reviews/foxtrot.txt", part="Part One", at=1)
    assert order(project) == ["Alpha", "Bravo!", "Foxtrot", "Charlie", "Delta", "Echo"]
    assert "    chapters:\n      - reviews/foxtrot.txt\n      - reviews/charlie.txt   # c\n" in manifest(project)


def test_add_at_a_book_position(project: Path) -> None:
    (project / "reviews" / "golf.txt").write_text("Title: Golf\nGolf.\n", encoding="utf-8")
    add_chapters(project, ["reviews/foxtrot.txt", "reviews/golf.txt"], at=1)
    assert order(project) == ["Foxtrot", "Golf", "Alpha", "Bravo!", "Charlie", "Delta", "Echo"]


@pytest.mark.parametrize(("file", "code"), [
    ("reviews/missing.txt", "missing-file"),
    ("../outside.txt", "path-outside"),
    ("reviews", "not-a-file"),
    ("anthology.yaml", "review-suffix"),
])
def test_add_refuses_what_is_not_a_review_of_the_project(project: Path, file: str, code: str) -> None:
    with pytest.raises(AnthologyError) as exc:
        add_chapter(project, file)
    assert code_of(exc) == code
    assert manifest(project) == MANIFEST


def test_an_edit_that_would_break_the_book_is_rolled_back(project: Path) -> None:
    (project / "reviews" / "untitled.txt").write_text("Director: Nobody\nNo title anywhere.\n", encoding="utf-8")
    with pytest.raises(AnthologyError) as exc:
        add_chapter(project, "reviews/untitled.txt")
    assert code_of(exc) == "edit-invalid"
    assert any(d.code == "no-title" for d in exc.value.diagnostics)
    assert manifest(project) == MANIFEST
    assert sorted(p.name for p in project.iterdir()) == ["anthology.yaml", "reviews"]  # no temporary file left


def test_errors_the_project_already_had_do_not_block_a_reorder(project: Path) -> None:
    (project / "reviews" / "charlie.txt").write_text("Director: Cy Cole\nNo title now.\n", encoding="utf-8")
    move_chapter(project, "reviews/echo.txt", to=1)
    assert manifest(project).split("chapters:\n")[1].startswith("  - reviews/echo.txt\n")


def test_remove(project: Path) -> None:
    message = remove_chapter(project, "reviews/bravo.md")
    assert manifest(project) == MANIFEST.replace(
        "  - file: 'reviews/bravo.md'     # single-quoted, with an override\n    title: Bravo!\n\n", ""
    )
    assert "was chapter 2" in message
    assert (project / "reviews" / "bravo.md").is_file()
    remove_chapter(project, "reviews/charlie.txt")
    assert "removed the part 'Part One'" in remove_chapter(project, "reviews/delta.txt")
    remove_chapter(project, "reviews/echo.txt")
    assert order(project) == ["Alpha"]
    with pytest.raises(AnthologyError) as exc:
        remove_chapter(project, "reviews/alpha.txt")
    assert code_of(exc) == "no-chapters"


# -- layouts ---------------------------------------------------------------------------------


def test_flow_lists_are_written_out_one_entry_per_line(project: Path) -> None:
    (project / "anthology.yaml").write_text(
        'title: Flow\npdf:  { page: a5 }\nchapters: [reviews/alpha.txt, "reviews/echo.txt", '
        "{file: reviews/bravo.md, title: B}]  # three\nepub: {toc_title: Contents}\n", encoding="utf-8")
    move_chapter(project, "reviews/bravo.md", to=1)
    assert manifest(project) == (
        "title: Flow\npdf:  { page: a5 }\nchapters:  # three\n  - {file: reviews/bravo.md, title: B}\n"
        '  - reviews/alpha.txt\n  - "reviews/echo.txt"\nepub: {toc_title: Contents}\n'
    )


def test_indentless_lists_crlf_bom_and_file_mode_are_kept(project: Path) -> None:
    text = ("title: Plain\r\nchapters:\r\n# first\r\n- reviews/alpha.txt\r\n- part: P\r\n  chapters:\r\n"
            "  - reviews/echo.txt   # e\r\n# after\r\npdf:\r\n  page: a5\r\n")
    path = project / "anthology.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    os.chmod(path, 0o640)
    move_chapter(project, "reviews/alpha.txt", part="P")
    assert path.read_bytes() == b"\xef\xbb\xbf" + text.replace(
        "# first\r\n- reviews/alpha.txt\r\n", "").replace(
        "# e\r\n", "# e\r\n  # first\r\n  - reviews/alpha.txt\r\n").encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_add_to_a_manifest_without_chapters(project: Path) -> None:
    (project / "anthology.yaml").write_text("title: Empty  # for now\n", encoding="utf-8")
    add_chapters(project, ["reviews/alpha.txt", "reviews/echo.txt"])
    assert manifest(project) == "title: Empty  # for now\n\nchapters:\n  - reviews/alpha.txt\n  - reviews/echo.txt\n"


def test_new_part_names_are_quoted_when_yaml_needs_it(project: Path) -> None:
    move_chapter(project, "reviews/echo.txt", part="Act: Two")
    assert '  - part: "Act: Two"\n' in manifest(project)
    book, _ = load_book(project)
    assert book is not None and book.parts[-1].title == "Act: Two"


def test_the_safety_net_notices_a_lost_key() -> None:
    with pytest.raises(AnthologyError) as exc:
        _check_same_content(MANIFEST, MANIFEST.replace("epub: {toc_title: Contents}\n", ""),
                            ["reviews/alpha.txt", "reviews/bravo.md", "reviews/charlie.txt", "reviews/delta.txt",
                             "reviews/echo.txt"])
    assert code_of(exc) == "edit-internal"


# -- the command line ----------------------------------------------------------------------------


def test_cli(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from anthology.cli import main

    assert main(["move", "reviews/echo.txt", "--to", "1", "-C", str(project)]) == 0
    assert "moved reviews/echo.txt" in capsys.readouterr().out
    assert main(["move", "reviews/nope.txt", "--after", "reviews/echo.txt", "-C", str(project)]) == 1
    assert "is not a chapter" in capsys.readouterr().err
    monkeypatch.chdir(project)
    assert main(["add", "reviews/foxtrot.txt", "--part", "Part One", "--at", "1"]) == 0
    assert main(["remove", "reviews/alpha.txt"]) == 0
    capsys.readouterr()
    assert main(["chapters"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[-1] for line in out.splitlines()[1:3]] == ["2005", "2002"]
    assert order(project) == ["Echo", "Bravo!", "Foxtrot", "Charlie", "Delta"]
