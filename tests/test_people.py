"""people.yaml: canonical names, aliases and sort keys, strict like the manifest."""

from __future__ import annotations

from pathlib import Path

from anthology.errors import Diagnostic, Diagnostics
from anthology.load import load_book
from anthology.load.people import load_people
from anthology.model import Person


def people(tmp_path: Path, text: str | bytes, name: str = "people.yaml",
           ) -> tuple[tuple[Person, ...], Diagnostics]:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    diags = Diagnostics()
    return load_people(path, name, diags), diags


def only_error(diags: Diagnostics) -> Diagnostic:
    errors = diags.errors
    assert len(errors) == 1, "\n".join(str(e) for e in errors)
    return errors[0]


def assert_located(d: Diagnostic, line: int, col: int, code: str) -> None:
    assert (d.file, d.line, d.col, d.code) == ("people.yaml", line, col, code), str(d)


def test_people_file_gives_person_records(tmp_path: Path) -> None:
    found, diags = people(
        tmp_path,
        "- name: Hong Sa-bin\n  aliases: [Hong Xa-bin]\n  sort_as: Hong Sa-bin\n"
        "- name: Ludwig van Beethoven\n  sort_as: Beethoven, Ludwig van\n"
        "- name: Bong Joon-ho\n  order: family-first\n",
    )
    assert list(diags) == []
    assert found == (
        Person("Hong Sa-bin", ("Hong Xa-bin",), "Hong Sa-bin"),
        Person("Ludwig van Beethoven", (), "Beethoven, Ludwig van"),
        Person("Bong Joon-ho", order="family-first"),
    )


def test_people_values_stay_strings(tmp_path: Path) -> None:
    found, diags = people(tmp_path, "- name: No\n  aliases: [yes, 1:45]\n")
    assert list(diags) == []
    assert found == (Person("No", ("yes", "1:45")),)


def test_duplicate_person_is_an_error_on_the_second_entry(tmp_path: Path) -> None:
    _, diags = people(tmp_path, "- name: Ann Lee\n- name: Bo Kim\n- name: Ann Lee\n")
    err = only_error(diags)
    assert_located(err, 3, 9, "people-duplicate")
    assert "Ann Lee" in err.message and "line 1" in err.message


def test_duplicate_person_differing_only_in_case_is_an_error(tmp_path: Path) -> None:
    _, diags = people(tmp_path, "- name: Ann Lee\n- name: ann lee\n")
    assert_located(only_error(diags), 2, 9, "people-duplicate")


def test_alias_claimed_by_two_people_is_an_error(tmp_path: Path) -> None:
    _, diags = people(
        tmp_path,
        "- name: Ann Lee\n  aliases: [A. Lee]\n- name: Al Lee\n  aliases: [A. Lee]\n",
    )
    err = only_error(diags)
    assert_located(err, 4, 13, "people-duplicate")  # the alias itself, inside [ ]
    assert "'A. Lee'" in err.message and "Ann Lee" in err.message


def test_alias_that_is_another_persons_name_is_an_error(tmp_path: Path) -> None:
    _, diags = people(tmp_path, "- name: Ann Lee\n- name: Bo Kim\n  aliases: [Ann Lee]\n")
    err = only_error(diags)
    assert_located(err, 3, 13, "people-duplicate")
    assert "Ann Lee" in err.message


def test_alias_conflict_points_at_the_alias_itself(tmp_path: Path) -> None:
    _, diags = people(
        tmp_path,
        "- name: Ann Lee\n  aliases:\n    - A. Lee\n- name: Al Lee\n  aliases:\n"
        "    - Alan Lee\n    - A. Lee\n",
    )
    assert_located(only_error(diags), 7, 7, "people-duplicate")


def test_unknown_key_is_a_located_error_listing_the_known_keys(tmp_path: Path) -> None:
    _, diags = people(tmp_path, "- name: Ann Lee\n  nickname: Annie\n")
    err = only_error(diags)
    assert_located(err, 2, 3, "people-unknown-key")
    assert "'nickname'" in err.message and "aliases" in err.message and "sort_as" in err.message


def test_aliases_must_be_a_list(tmp_path: Path) -> None:
    _, diags = people(tmp_path, "- name: Ann Lee\n  aliases: A. Lee\n")
    err = only_error(diags)
    assert_located(err, 2, 12, "people-type")
    assert "list" in err.message and "[" in err.message


def test_bad_order_value_is_a_located_error(tmp_path: Path) -> None:
    _, diags = people(tmp_path, "- name: Bong Joon-ho\n  order: surname-first\n")
    err = only_error(diags)
    assert_located(err, 2, 10, "people-order")
    assert "family-first" in err.message and "given-first" in err.message


def test_name_must_be_a_string(tmp_path: Path) -> None:
    _, diags = people(tmp_path, "- name: [Ann, Lee]\n")
    assert_located(only_error(diags), 1, 9, "people-type")


def test_person_without_a_name_is_an_error(tmp_path: Path) -> None:
    _, diags = people(tmp_path, "- aliases: [A. Lee]\n")
    assert_located(only_error(diags), 1, 3, "people-missing-name")


def test_people_file_must_be_a_list(tmp_path: Path) -> None:
    _, diags = people(tmp_path, "name: Ann Lee\n")
    err = only_error(diags)
    assert_located(err, 1, 1, "people-type")
    assert "- name:" in err.message


def test_person_entry_must_be_a_mapping(tmp_path: Path) -> None:
    _, diags = people(tmp_path, "- name: Ann Lee\n- Bo Kim\n")
    assert_located(only_error(diags), 2, 3, "people-type")


def test_duplicate_key_in_a_person_is_an_error(tmp_path: Path) -> None:
    _, diags = people(tmp_path, "- name: Ann Lee\n  name: Bo Kim\n")
    assert_located(only_error(diags), 2, 3, "yaml-duplicate-key")


def test_people_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    _, diags = people(tmp_path, "- name: Ann Lee\n  aliases: [A. Lee\n")
    err = only_error(diags)
    assert err.file == "people.yaml" and err.code == "yaml-syntax" and err.line >= 2


def test_empty_people_file_means_no_people(tmp_path: Path) -> None:
    found, diags = people(tmp_path, "# nobody yet\n")
    assert found == ()
    assert list(diags) == []


def test_every_people_error_is_reported_in_one_run(tmp_path: Path) -> None:
    _, diags = people(
        tmp_path,
        "- name: Ann Lee\n  nickname: Annie\n- name: Bo Kim\n  order: sideways\n"
        "- name: Ann Lee\n",
    )
    assert [(e.line, e.code) for e in diags.errors] == [
        (2, "people-unknown-key"), (4, "people-order"), (5, "people-duplicate")]


def _project(root: Path, manifest_extra: str, people_file: str, people_text: str) -> Path:
    (root / "reviews").mkdir(parents=True)
    (root / "reviews" / "a.txt").write_text("Title: A\nDirector: Ann Lee\nProse.\n")
    (root / "anthology.yaml").write_text(f"title: T\n{manifest_extra}chapters:\n  - reviews/a.txt\n")
    (root / people_file).write_text(people_text)
    return root


def test_people_yaml_beside_the_manifest_is_read_by_default(tmp_path: Path) -> None:
    root = _project(tmp_path, "", "people.yaml", "- name: Ann Lee\n  aliases: [A. Lee]\n")
    book, diags = load_book(root)
    assert book is not None, [str(d) for d in diags]
    assert book.people == (Person("Ann Lee", ("A. Lee",)),)


def test_manifest_people_key_names_another_file(tmp_path: Path) -> None:
    root = _project(tmp_path, "people: cast.yaml\n", "cast.yaml", "- name: Ann Lee\n")
    book, diags = load_book(root)
    assert book is not None, [str(d) for d in diags]
    assert [p.name for p in book.people] == ["Ann Lee"]


def test_people_errors_stop_the_book_with_their_location(tmp_path: Path) -> None:
    root = _project(tmp_path, "", "people.yaml", "- name: Ann Lee\n  nickname: Annie\n")
    book, diags = load_book(root)
    assert book is None
    assert [(e.file, e.line, e.col, e.code) for e in diags.errors] == [
        ("people.yaml", 2, 3, "people-unknown-key")]
