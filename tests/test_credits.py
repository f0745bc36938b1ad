"""The one synonym table (labels and front-matter keys → roles) and name splitting."""

from __future__ import annotations

from pathlib import Path

import pytest

from anthology.errors import Diagnostics
from anthology.load.credits import make_credit, role_for, split_names
from anthology.load.review import parse_review


@pytest.mark.parametrize("label, key", [
    ("Director", "director"),
    ("Directed by", "director"),
    ("Starring", "starring"),
    ("Cast", "starring"),
    ("With", "starring"),
    ("Writer", "writer"),
    ("Written by", "writer"),
    ("Screenplay", "writer"),
    ("Country", "country"),
    ("Country of origin", "country"),
    ("Running time", "running_time"),
    ("Runtime", "running_time"),
    ("Original title", "original_title"),
    ("Year", "year"),
    ("Producer", "producer"),
    ("Cinematography", "cinematography"),
    ("Music", "music"),
    ("Editor", "editor"),
    ("Language", "language"),
    ("Genre", "genre"),
    ("Rating", "rating"),
    ("Reviewer", "reviewer"),
    ("By", "reviewer"),
    ("Date", "date"),
    ("Title", "title"),
])
def test_synonym_table_maps_labels_to_role_keys(label: str, key: str) -> None:
    role = role_for(label)
    assert role is not None and role.key == key


@pytest.mark.parametrize("label", [
    "directed by", "DIRECTED BY", "Directed By", "  directed   by  ", "directed_by", "directed-by",
    "**Directed by**",
])
def test_label_matching_ignores_case_spacing_and_separators(label: str) -> None:
    role = role_for(label)
    assert role is not None and role.key == "director"


@pytest.mark.parametrize("key, role_key", [
    ("running_time", "running_time"), ("country-of-origin", "country"), ("cast", "starring"),
])
def test_front_matter_keys_go_through_the_same_table(key: str, role_key: str) -> None:
    role = role_for(key)
    assert role is not None and role.key == role_key


@pytest.mark.parametrize("label", ["Distributor", "Synopsis", "Sound mix", ""])
def test_unknown_label_has_no_role(label: str) -> None:
    assert role_for(label) is None


@pytest.mark.parametrize("value, names", [
    ("Ann Lee, Bo Kim, Cy Dunn", ("Ann Lee", "Bo Kim", "Cy Dunn")),
    ("Ann Lee and Bo Kim", ("Ann Lee", "Bo Kim")),
    ("Ann Lee & Bo Kim", ("Ann Lee", "Bo Kim")),
    ("Ann Lee, Bo Kim & Cy Dunn", ("Ann Lee", "Bo Kim", "Cy Dunn")),
    ("Ann Lee; Bo Kim", ("Ann Lee", "Bo Kim")),
    ("  Ann   Lee  ,  Bo Kim  ", ("Ann Lee", "Bo Kim")),
], ids=["commas", "and", "ampersand", "comma-and-ampersand", "semicolon", "spaces"])
def test_split_names_on_commas_and_ampersand(value: str, names: tuple[str, ...]) -> None:
    got = split_names(value)
    assert tuple(" ".join(n.split()) for n in got) == names
    assert all(n == n.strip() for n in got)


def test_split_names_oxford_comma_gives_three_clean_names() -> None:
    assert split_names("Ann Lee, Bo Kim, and Cy Dunn") == ("Ann Lee", "Bo Kim", "Cy Dunn")


@pytest.mark.parametrize("value", ["Sandra Bernhard", "Randy Andrews", "Andy Serkis",
                                   "Ana de Armas", "Fernando Meirelles"])
def test_split_names_does_not_split_inside_a_name(value: str) -> None:
    assert split_names(value) == (value,)


def test_split_names_drops_parenthesised_notes() -> None:
    assert split_names("Hirokazu Koreeda (screenplay), Bong Joon-ho (uncredited)") == (
        "Hirokazu Koreeda", "Bong Joon-ho")


def test_split_names_keeps_each_name_once() -> None:
    assert split_names("Ann Lee, Bo Kim, Ann Lee") == ("Ann Lee", "Bo Kim")


def test_split_names_et_al_is_not_a_person() -> None:
    assert split_names("Ann Lee, Bo Kim et al.") == ("Ann Lee", "Bo Kim")


@pytest.mark.parametrize("value", ["4", "3.5/5", "4 stars", "★★★★", "★★★½"])
def test_stars_with_a_score_is_a_rating(value: str) -> None:
    role = role_for("Stars", value)
    assert role is not None and role.key == "rating"


@pytest.mark.parametrize("value", ["Ann Lee, Bo Kim", "Tom Hanks"])
def test_stars_with_names_is_the_cast(value: str) -> None:
    role = role_for("Stars", value)
    assert role is not None and role.key == "starring"


def test_make_credit_splits_people_and_uses_the_plural_label() -> None:
    credit = make_credit(role_for("Directed by"), "Directed by", "Ann  Lee and Bo Kim", line=7)
    assert credit is not None
    assert (credit.role, credit.label, credit.value, credit.names, credit.line) == (
        "director", "Directors", "Ann Lee and Bo Kim", ("Ann Lee", "Bo Kim"), 7)


def test_make_credit_single_name_uses_the_singular_label() -> None:
    credit = make_credit(role_for("director"), "director", "Ann Lee")
    assert credit is not None
    assert (credit.label, credit.names) == ("Director", ("Ann Lee",))


def test_make_credit_from_a_front_matter_list() -> None:
    credit = make_credit(role_for("cast"), "cast", ["Ann Lee", "Bo Kim & Cy Dunn", ""])
    assert credit is not None
    assert credit.value == "Ann Lee, Bo Kim & Cy Dunn"
    assert credit.names == ("Ann Lee", "Bo Kim", "Cy Dunn")


def test_make_credit_for_a_non_people_role_has_no_names() -> None:
    credit = make_credit(role_for("Country of origin"), "Country of origin", "France, Belgium")
    assert credit is not None
    assert (credit.role, credit.value, credit.names) == ("country", "France, Belgium", ())


def test_make_credit_keeps_an_unknown_label_as_written() -> None:
    credit = make_credit(None, " Sound mix ", "Dolby Atmos", line=3)
    assert credit is not None
    assert (credit.role, credit.label, credit.value, credit.names, credit.line) == (
        "", "Sound mix", "Dolby Atmos", (), 3)


def test_make_credit_with_an_empty_value_gives_nothing() -> None:
    assert make_credit(role_for("Director"), "Director", "   ") is None
    assert make_credit(role_for("Cast"), "Cast", []) is None


def _header_credits(tmp_path: Path, header: str):
    path = tmp_path / "reviews" / "a.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"Title: T\n{header}Prose.\n", encoding="utf-8")
    diags = Diagnostics()
    review = parse_review(path, tmp_path, "reviews/a.txt", diags)
    assert review is not None and not diags.errors, [str(d) for d in diags]
    return review.credits


def test_header_synonyms_map_to_roles_in_a_review(tmp_path: Path) -> None:
    credits = _header_credits(
        tmp_path,
        "DIRECTED BY: Ann Lee\nWith: Bo Kim and Cy Dunn\nScreenplay: Di Ro\n"
        "Country of origin: France\nRuntime: 94 min\nStars: 4\n",
    )
    got = {c.role: (c.names or c.value) for c in credits}
    assert got == {
        "director": ("Ann Lee",), "starring": ("Bo Kim", "Cy Dunn"), "writer": ("Di Ro",),
        "country": "France", "running_time": "94 min", "rating": "4"}


def test_credit_box_order_is_fixed_whatever_the_file_order(tmp_path: Path) -> None:
    credits = _header_credits(
        tmp_path,
        "Running time: 94 min\nCast: Bo Kim\nCountry: France\nDirector: Ann Lee\n",
    )
    assert [c.role for c in credits] == ["director", "starring", "country", "running_time"]
    assert [c.line for c in credits] == [5, 3, 4, 2]
