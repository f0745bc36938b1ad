"""anthology.yaml: strict YAML, every problem located as anthology.yaml:LINE:COL, all at once."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from anthology.cli import main
from anthology.errors import Diagnostic, Diagnostics
from anthology.load import load_book
from anthology.model import Chapter, Part

MANIFEST = "anthology.yaml"

# Small reviews that load cleanly on their own: each carries its title and a credit.
REVIEWS = {
    "reviews/alpha.md": "Title: Alpha\nDirector: Ann Lee\nAlpha prose.\n",
    "reviews/beta.md": "Title: Beta\nDirector: Bo Kim\nBeta prose.\n",
    "reviews/gamma.txt": "Title: Gamma\nDirector: Cy Dunn\nGamma prose.\n",
}


def write_project(root: Path, manifest: str | bytes, files: dict[str, str | bytes] | None = None,
                  ) -> Path:
    """Write anthology.yaml and review files (text written byte for byte, no newline mangling)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in {MANIFEST: manifest, **(REVIEWS if files is None else files)}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


def errors_of(diags: Diagnostics) -> list[Diagnostic]:
    return list(diags.errors)


def only_error(diags: Diagnostics) -> Diagnostic:
    """The single error of a run (fails, listing them, when there are more or none)."""
    errors = errors_of(diags)
    assert len(errors) == 1, "\n".join(str(e) for e in errors)
    return errors[0]


def assert_located(d: Diagnostic, line: int, col: int, code: str) -> None:
    assert (d.file, d.line, d.col, d.code) == (MANIFEST, line, col, code), str(d)


# -- YAML itself ---------------------------------------------------------------------------

def test_yaml_syntax_error_is_located_with_a_quoting_hint(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: Night: Crossings\nchapters:\n  - reviews/alpha.md\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 1, 13, "yaml-syntax")
    assert "quoted" in err.message


def test_tab_indentation_is_a_located_syntax_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\nchapters:\n\t- reviews/alpha.md\n")
    book, diags = load_book(root)
    assert book is None
    assert_located(only_error(diags), 3, 1, "yaml-syntax")


def test_tab_error_message_says_to_indent_with_spaces(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\nchapters:\n\t- reviews/alpha.md\n")
    _, diags = load_book(root)
    assert "spaces" in only_error(diags).message


def test_duplicate_key_is_an_error_with_its_line(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\ntitle: U\nchapters:\n  - reviews/alpha.md\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 2, 1, "yaml-duplicate-key")
    assert "'title'" in err.message and "line 1" in err.message


def test_duplicate_key_inside_a_chapter_mapping_is_an_error(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        "title: T\nchapters:\n  - file: reviews/alpha.md\n    title: A\n    title: B\n",
    )
    book, diags = load_book(root)
    assert book is None
    assert_located(only_error(diags), 5, 5, "yaml-duplicate-key")


# -- keys and types ------------------------------------------------------------------------

def test_unknown_top_level_key_is_an_error_listing_the_known_keys(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\ntitel: U\nchapters:\n  - reviews/alpha.md\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 2, 1, "manifest-unknown-key")
    assert "'titel'" in err.message
    assert "title" in err.message.split("expected", 1)[1]


def test_unknown_key_in_a_chapter_mapping_is_an_error(tmp_path: Path) -> None:
    root = write_project(
        tmp_path, "title: T\nchapters:\n  - file: reviews/alpha.md\n    titel: A\n"
    )
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 4, 5, "manifest-unknown-key")
    assert "'titel'" in err.message and "file" in err.message


def test_chapter_mapping_without_file_is_an_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\nchapters:\n  - title: A\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 3, 5, "manifest-missing-key")
    assert "file:" in err.message


def test_title_as_a_list_is_a_type_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: [A, B]\nchapters:\n  - reviews/alpha.md\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 1, 8, "manifest-type")
    assert "'title' must be a string, not a list" in err.message


def test_chapters_as_a_mapping_is_a_type_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\nchapters:\n  one: reviews/alpha.md\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 3, 3, "manifest-type")
    assert "'chapters' must be a list, not a mapping" in err.message


def test_empty_chapter_list_is_an_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\nchapters: []\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 2, 11, "no-chapters")
    assert "at least one" in err.message


def test_missing_title_is_an_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, "chapters:\n  - reviews/alpha.md\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 1, 1, "manifest-missing-key")
    assert "'title:'" in err.message


def test_empty_title_is_an_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: ''\nchapters:\n  - reviews/alpha.md\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 1, 8, "manifest-empty-title")
    assert "empty" in err.message


def test_missing_chapters_is_an_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 1, 1, "manifest-missing-key")
    assert "'chapters:'" in err.message


def test_empty_manifest_is_an_error_naming_the_required_keys(tmp_path: Path) -> None:
    root = write_project(tmp_path, "")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 1, 1, "manifest-empty")
    assert "title:" in err.message and "chapters:" in err.message


def test_comment_only_manifest_is_an_empty_manifest(tmp_path: Path) -> None:
    root = write_project(tmp_path, "# nothing yet\n")
    book, diags = load_book(root)
    assert book is None
    assert only_error(diags).code == "manifest-empty"


def test_top_level_list_instead_of_mapping_is_a_type_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, "- reviews/alpha.md\n- reviews/beta.md\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 1, 1, "manifest-type")
    assert "mapping" in err.message and "a list" in err.message


def test_missing_manifest_says_how_to_create_one(tmp_path: Path) -> None:
    book, diags = load_book(tmp_path)
    assert book is None
    err = only_error(diags)
    assert err.code == "no-manifest"
    assert "anthology init" in err.message


def test_manifest_values_are_validated_inside_the_pdf_block(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        "title: T\npdf:\n  bleed: lots\n  colour: red\nchapters:\n  - reviews/alpha.md\n",
    )
    book, diags = load_book(root)
    assert book is None
    got = [(e.line, e.col, e.code) for e in errors_of(diags)]
    assert got == [(3, 10, "bad-length"), (4, 3, "manifest-unknown-key")]


# -- chapter paths ---------------------------------------------------------------------------

def test_missing_review_file_is_located(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\nchapters:\n  - reviews/alpha.md\n  - reviews/nope.md\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 4, 5, "missing-file")
    assert "'reviews/nope.md' does not exist" in err.message


def test_chapter_path_that_is_a_folder_is_an_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\nchapters:\n  - reviews\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 3, 5, "not-a-file")
    assert "folder" in err.message


def test_parent_path_outside_the_project_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.md").write_text("Title: Outside\nSecret prose.\n")
    root = write_project(tmp_path / "proj", "title: T\nchapters:\n  - ../outside.md\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 3, 5, "path-outside")
    assert "outside the project" in err.message


def test_absolute_path_is_refused_even_inside_the_project(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    absolute = (root / "reviews" / "alpha.md").resolve()
    write_project(root, f"title: T\nchapters:\n  - {absolute}\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 3, 5, "path-outside")
    assert "relative" in err.message


def test_symlink_pointing_outside_the_project_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.md").write_text("Title: Secret\nSecret prose.\n")
    root = write_project(tmp_path / "proj", "title: T\nchapters:\n  - reviews/link.md\n")
    try:
        os.symlink(elsewhere / "secret.md", root / "reviews" / "link.md")
    except (OSError, NotImplementedError):
        pytest.skip("symlinks are not available here")
    book, diags = load_book(root)
    assert book is None
    assert_located(only_error(diags), 3, 5, "path-outside")


def test_symlinked_folder_pointing_outside_the_project_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.md").write_text("Title: Secret\nSecret prose.\n")
    root = write_project(tmp_path / "proj", "title: T\nchapters:\n  - ext/secret.md\n")
    try:
        os.symlink(elsewhere, root / "ext", target_is_directory=True)
    except (OSError, NotImplementedError):
        pytest.skip("symlinks are not available here")
    book, diags = load_book(root)
    assert book is None
    assert_located(only_error(diags), 3, 5, "path-outside")


def test_file_name_case_mismatch_names_the_spelling_on_disk(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\nchapters:\n  - reviews/Alpha.md\n")
    if (root / "reviews" / "Alpha.md").exists():
        pytest.skip("case-insensitive file system")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 3, 5, "missing-file")
    assert "'reviews/alpha.md'" in err.message


def test_duplicate_chapter_is_an_error_naming_the_first_line(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        "title: T\nchapters:\n  - reviews/alpha.md\n  - reviews/beta.md\n  - reviews/alpha.md\n",
    )
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 5, 5, "duplicate-chapter")
    assert "line 3" in err.message


def test_duplicate_chapter_is_detected_across_spellings_and_parts(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        "title: T\nchapters:\n  - reviews/alpha.md\n  - part: P\n    chapters:\n"
        "      - file: ./reviews/../reviews/alpha.md\n",
    )
    book, diags = load_book(root)
    assert book is None
    assert_located(only_error(diags), 6, 15, "duplicate-chapter")


def test_chapter_that_is_not_md_or_txt_is_an_error(tmp_path: Path) -> None:
    files = dict(REVIEWS, **{"reviews/delta.html": "<p>Delta</p>\n"})
    root = write_project(tmp_path, "title: T\nchapters:\n  - reviews/delta.html\n", files)
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 3, 5, "review-suffix")
    assert ".md" in err.message and ".txt" in err.message


def test_bad_book_language_tag_is_an_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\nlanguage: English!\nchapters:\n  - reviews/alpha.md\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 2, 11, "bad-language")
    assert "BCP 47" in err.message


def test_bad_chapter_language_tag_is_an_error(tmp_path: Path) -> None:
    root = write_project(
        tmp_path, "title: T\nchapters:\n  - file: reviews/alpha.md\n    language: fr_FR!\n"
    )
    book, diags = load_book(root)
    assert book is None
    assert_located(only_error(diags), 4, 15, "bad-language")


def test_part_inside_a_part_is_an_error(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        "title: T\nchapters:\n  - part: Outer\n    chapters:\n      - part: Inner\n"
        "        chapters:\n          - reviews/alpha.md\n",
    )
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 5, 9, "nested-part")


def test_part_without_chapters_is_an_error(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\nchapters:\n  - part: Empty\n  - reviews/alpha.md\n")
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 3, 5, "no-chapters")
    assert "Empty" in err.message


@pytest.mark.parametrize("title", ['""', "'  '"])
def test_part_with_empty_title_is_an_error(tmp_path: Path, title: str) -> None:
    root = write_project(
        tmp_path,
        f"title: T\nchapters:\n  - reviews/alpha.md\n  - part: {title}\n    chapters:\n"
        "      - reviews/beta.md\n",
    )
    book, diags = load_book(root)
    assert book is None
    err = only_error(diags)
    assert_located(err, 4, 11, "part-title")
    assert "part: " in err.message


# -- strict scalars ----------------------------------------------------------------------------

def test_yaml_one_one_booleans_numbers_and_dates_stay_strings(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        "title: NO\nsubtitle: 1:45\ndate: 2026-05-01\neditor: yes\npublisher: on\n"
        "rights: 0x1F\ndescription: 1e3\nchapters:\n  - reviews/alpha.md\n",
    )
    book, diags = load_book(root)
    assert not diags.errors, [str(e) for e in diags.errors]
    assert book is not None
    assert book.title == "NO"
    assert book.subtitle == "1:45"
    assert book.date == "2026-05-01"
    assert book.editors == ("yes",)
    assert book.publisher == "on"
    assert book.rights == "0x1F"
    assert book.description == "1e3"


def test_chapter_title_override_stays_a_string(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\nchapters:\n  - file: reviews/alpha.md\n    title: Off\n")
    book, _ = load_book(root)
    assert book is not None
    assert book.chapters[0].title == "Off"


# -- all at once, and the CLI ----------------------------------------------------------------

def test_all_manifest_errors_are_reported_in_one_run(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        "title: T\nfoo: 1\nlanguage: bad tag\nchapters:\n  - reviews/nope.md\n",
    )
    book, diags = load_book(root)
    assert book is None
    got = [(e.line, e.col, e.code) for e in errors_of(diags)]
    assert got == [
        (2, 1, "manifest-unknown-key"),
        (3, 11, "bad-language"),
        (5, 5, "missing-file"),
    ]


def test_manifest_and_review_errors_are_reported_together(tmp_path: Path) -> None:
    files = dict(REVIEWS, **{"reviews/broken.txt": b"Title: Broken\nBad \xff byte.\n"})
    root = write_project(
        tmp_path, "title: T\nfoo: 1\nchapters:\n  - reviews/alpha.md\n  - reviews/broken.txt\n", files
    )
    book, diags = load_book(root)
    assert book is None
    got = [(e.file, e.line, e.col, e.code) for e in errors_of(diags)]
    assert ("anthology.yaml", 2, 1, "manifest-unknown-key") in got
    assert ("reviews/broken.txt", 2, 5, "encoding") in got


def test_check_command_prints_located_errors_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_project(
        tmp_path, "title: T\nfoo: 1\nchapters:\n  - reviews/alpha.md\n  - reviews/nope.md\n"
    )
    code = main(["check", str(root)])
    out, err = capsys.readouterr()
    assert code != 0
    located = re.findall(r"anthology\.yaml:(\d+):(\d+): error: .* \[([\w-]+)\]$", err, re.M)
    assert located == [("2", "1", "manifest-unknown-key"), ("5", "5", "missing-file")]
    assert "Traceback" not in out + err


def test_check_command_on_yaml_garbage_fails_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_project(tmp_path, "title: [unclosed\nchapters: {\n")
    code = main(["check", str(root)])
    out, err = capsys.readouterr()
    assert code != 0
    assert re.search(r"anthology\.yaml:\d+:\d+: error: YAML syntax error", err)
    assert "Traceback" not in out + err


def test_check_command_succeeds_on_a_valid_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_project(tmp_path, "title: T\nchapters:\n  - reviews/alpha.md\n")
    assert main(["check", str(root)]) == 0
    _, err = capsys.readouterr()
    assert "error:" not in err
    assert "Traceback" not in err


# -- what a valid manifest gives -----------------------------------------------------------------

def test_parts_keep_entry_order_and_part_titles(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        "title: T\nchapters:\n  - reviews/gamma.txt\n  - part: Thrillers\n    chapters:\n"
        "      - reviews/beta.md\n  - part: Comedies\n    chapters:\n      - reviews/alpha.md\n",
    )
    book, diags = load_book(root)
    assert book is not None, [str(e) for e in diags.errors]
    shape = [
        (e.title, [c.title for c in e.chapters]) if isinstance(e, Part) else e.title
        for e in book.entries
    ]
    assert shape == ["Gamma", ("Thrillers", ["Beta"]), ("Comedies", ["Alpha"])]
    assert [c.source for c in book.chapters] == [
        "reviews/gamma.txt", "reviews/beta.md", "reviews/alpha.md"]
    assert all(c.part_id == book.entries[1].id for c in book.entries[1].chapters)
    assert isinstance(book.entries[0], Chapter) and book.entries[0].part_id == ""


def test_reordering_the_manifest_reorders_the_chapters(tmp_path: Path) -> None:
    forward = write_project(tmp_path / "a", "title: T\nchapters:\n  - reviews/alpha.md\n"
                                            "  - reviews/beta.md\n")
    backward = write_project(tmp_path / "b", "title: T\nchapters:\n  - reviews/beta.md\n"
                                             "  - reviews/alpha.md\n")
    first, _ = load_book(forward)
    second, _ = load_book(backward)
    assert first is not None and second is not None
    assert [c.title for c in first.chapters] == ["Alpha", "Beta"]
    assert [c.title for c in second.chapters] == ["Beta", "Alpha"]
    assert {c.id for c in first.chapters} == {c.id for c in second.chapters}


def test_chapter_title_override_wins_over_the_file_title(tmp_path: Path) -> None:
    root = write_project(
        tmp_path, "title: T\nchapters:\n  - file: reviews/alpha.md\n    title: Escape\n"
    )
    book, _ = load_book(root)
    assert book is not None
    assert book.chapters[0].title == "Escape"


def test_chapter_language_reaches_chapter_lang(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        "title: T\nlanguage: en-GB\nchapters:\n  - file: reviews/alpha.md\n    language: fr-CA\n"
        "  - reviews/beta.md\n",
    )
    book, _ = load_book(root)
    assert book is not None
    assert [c.lang for c in book.chapters] == ["fr-CA", "en-GB"]
    assert book.language == "en-GB"


def test_book_language_defaults_to_english(tmp_path: Path) -> None:
    root = write_project(tmp_path, "title: T\nchapters:\n  - reviews/alpha.md\n")
    book, _ = load_book(root)
    assert book is not None
    assert book.language == "en"
    assert book.chapters[0].lang == "en"


def test_default_identifier_is_a_stable_uuid_derived_from_the_title(tmp_path: Path) -> None:
    one = write_project(tmp_path / "one", "title: Night Crossings\nchapters:\n  - reviews/alpha.md\n")
    two = write_project(tmp_path / "two", "title: Night Crossings\nchapters:\n  - reviews/beta.md\n")
    other = write_project(tmp_path / "other", "title: Day Crossings\nchapters:\n"
                                              "  - reviews/alpha.md\n")
    ids = [load_book(root)[0].identifier for root in (one, two, other)]
    assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}",
                        ids[0])
    assert ids[0] == ids[1]
    assert ids[2] != ids[0]


def test_explicit_identifier_wins(tmp_path: Path) -> None:
    root = write_project(
        tmp_path, "title: T\nidentifier: urn:isbn:9780000000002\nchapters:\n  - reviews/alpha.md\n"
    )
    book, _ = load_book(root)
    assert book is not None
    assert book.identifier == "urn:isbn:9780000000002"


def test_editor_and_authors_accept_a_name_or_a_list(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        "title: T\neditor: Jane Doe\nauthors: [Ann Lee, Bo Kim]\nchapters:\n  - reviews/alpha.md\n",
    )
    book, _ = load_book(root)
    assert book is not None
    assert book.editors == ("Jane Doe",)
    assert book.authors == ("Ann Lee", "Bo Kim")
    assert book.creators == ("Ann Lee", "Bo Kim")


def test_a_manifest_that_is_a_folder_says_so(tmp_path: Path) -> None:
    (tmp_path / MANIFEST).mkdir()
    book, diags = load_book(tmp_path)
    assert book is None
    [err] = diags.errors
    assert (err.file, err.code) == (MANIFEST, "not-a-file") and "is a folder, not a file" in err.message


@pytest.mark.parametrize(("text", "where", "needle"), [
    ('title: "Open\nchapters:\n  - reviews/alpha.md\n', (1, 8), 'the quote " opened here is never closed'),
    ("title: A\x00B\nchapters:\n  - reviews/alpha.md\n", (1, 9), "U+0000 (NUL) is not allowed"),
    # the document's mapping is level 1: the 64th '[' (column 74) is level 65
    ("title: T\nsubtitle: " + "[" * 500 + "]" * 500 + "\nchapters:\n  - reviews/alpha.md\n", (2, 74),
     "nested too deeply"),
])
def test_yaml_errors_are_located_where_the_user_must_look(tmp_path: Path, text: str, where: tuple[int, int],
                                                           needle: str) -> None:
    book, diags = load_book(write_project(tmp_path, text))
    assert book is None
    [err] = diags.errors
    assert (err.line, err.col) == where and needle in err.message, str(err)
