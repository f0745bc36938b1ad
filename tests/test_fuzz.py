"""Property-based fuzzing (issue 8, item 3): any input gives a result or our own diagnostics,
never another exception.

Targets: the review parser (``parse_review``), the credit splitter (``split_names``,
``make_credit``, ``role_for``), the manifest loader (``load_manifest``, ``load_book``) and the
name/collation code (``names.heading``, ``index.collation_key``, ``index.letter_group``).

Budget. The default profile, ``ci``, is bounded (the whole file runs in well under 60 s on two
cores) and derandomised, so CI sees the same examples every run and never flakes. For a longer
campaign by hand, pick the ``long`` profile (many more examples, random seeds, Hypothesis's example
database keeps whatever it finds for the next run)::

    HYPOTHESIS_PROFILE=long .venv/bin/pytest -q tests/test_fuzz.py
    HYPOTHESIS_PROFILE=long HYPOTHESIS_EXAMPLES=100000 .venv/bin/pytest -q tests/test_fuzz.py -k review

``HYPOTHESIS_EXAMPLES`` overrides the number of examples per test of the ``long`` profile
(default 5,000). A failure prints the smallest input Hypothesis found; add it as an
``@example`` (or a row of tests/test_hostile.py) before fixing it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from anthology.errors import Diagnostics
from anthology.index import collation_key, letter_group
from anthology.load.book import load_book
from anthology.load.credits import ROLES, make_credit, role_for, split_names
from anthology.load.manifest import load_manifest
from anthology.load.review import Review, parse_review
from anthology.model import Credit
from anthology.names import heading

settings.register_profile(
    "ci", max_examples=500, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long", max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "5000")), deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="module")
def project() -> Iterator[Path]:
    """One scratch project reused by every example (a function-scoped tmp_path would not be reset
    between Hypothesis examples anyway)."""
    with tempfile.TemporaryDirectory(prefix="anthology-fuzz-") as tmp:
        root = Path(tmp)
        (root / "reviews").mkdir()
        (root / "reviews" / "a.txt").write_text("Title: A\nDirector: Some One\nText.\n", encoding="utf-8")
        yield root


# -- strategies -----------------------------------------------------------------------------

LABELS = ["Title", "Director", "Directed by", "Starring", "Cast", "With", "Writer", "Screenplay",
          "Country", "Country of origin", "Running time", "Runtime", "Year", "Stars", "Rating", "By",
          "Reviewer", "Synopsis", "REVIEW", "Aspect ratio", "Original title", "Music", "Language", "Date"]
NAMES = ["Lee Jong-pil", "Koo Kyo-hwan", "Hong Sa-bin", "Lars von Trier", "Marina de Tavira",
         "Haifaa al-Mansour", "Nancy García García", "Grímur Hákonarson", "Robert De Niro", "Ruben Östlund",
         "Bong Joon Ho", "Katori Shingo", "Jean-Luc Godard", "Cher", "A. N. Other Jr.", "Ludwig van Beethoven"]
SEPARATORS = [", ", " and ", " & ", "; ", " / ", " et ", ",", " et al.", " (Screenplay)", "", " "]
TRICKY = ["{{ 7*7 }}", "{{ config }}", "{% for x in y %}", "{% endfor %}", "{{< param title >}}", "{{% note %}}",
          "<script>x</script>", "<div>", "</div>", "<img src=../../etc/passwd>", "![x](data:,A)", "---", "+++",
          "...", "# ", "## ", "> ", "- ", "1. ", "```", "    ", "\t", "\r\n", "\r", "\x00", "\ufeff", "\u202e",
          "\u200b", "&amp;", "&#0;", "&#x110000;", "]]>", "<!--", "-->", "*", "_", "**", "\\", "|", ":", ": ",
          "'", '"', "[", "]", "{", "}", "&a", "*a", "!!python/object:os.system", "ü", "한국", "ع", "𝔘"]

label_lines = st.builds(lambda label, value: f"{label}: {value}", st.sampled_from(LABELS),
                        st.one_of(st.text(max_size=40), st.sampled_from(NAMES)))
pieces = st.one_of(st.text(max_size=30), st.sampled_from(TRICKY), st.sampled_from(NAMES), label_lines)
review_like = st.lists(st.one_of(pieces, st.just("\n")), max_size=40).map("".join)


def front_matter(body: str, yaml_like: str, fence: str) -> str:
    return f"{fence}\n{yaml_like}\n{fence}\n{body}"


yaml_atoms = st.one_of(st.sampled_from(["title", "director", "cast", "tags", "layout", "params", "lang", "date",
                                        "subtitle", "metadata", "credits", "aka", "draft"]),
                       st.text(alphabet="abc:-[]{},&*!|>'\"#\n\t =.+0123456789", max_size=12))
yaml_like = st.lists(st.one_of(yaml_atoms, st.sampled_from([": ", "\n", "  ", "- ", "[", "]", "{", "}", ", ",
                                                             "&a ", "*a", "'", '"', "=", " = "])),
                     max_size=30).map("".join)
reviews = st.one_of(
    st.text(max_size=400),
    review_like,
    st.builds(front_matter, review_like, yaml_like, st.sampled_from(["---", "+++"])),
)


def assert_result(result: object, diags: Diagnostics) -> None:
    if result is None:
        assert diags.errors, "nothing was returned and no error says why"
    for d in diags:
        assert d.file and d.message and d.line >= 0 and d.col >= 0


# -- review parser ----------------------------------------------------------------------------

@given(text=reviews, suffix=st.sampled_from([".md", ".txt"]), title=st.sampled_from(["", "Override"]))
@example(text="---\n---\n", suffix=".md", title="")
@example(text="+++\n+++\n", suffix=".md", title="")
@example(text="# \n", suffix=".md", title="")
@example(text="Title:\nDirector: , , and\n", suffix=".txt", title="")
@example(text="\r\r\r", suffix=".txt", title="Override")
def test_review_parser_never_raises(project: Path, text: str, suffix: str, title: str) -> None:
    path = project / "reviews" / f"fuzz{suffix}"
    path.write_text(text, encoding="utf-8")
    diags = Diagnostics()
    review = parse_review(path, project, f"reviews/fuzz{suffix}", diags, title)
    assert_result(review, diags)
    if review is not None:
        assert isinstance(review, Review) and review.title.strip()
        assert all(isinstance(c, Credit) for c in review.credits)
        assert "<script" not in review.body_html.lower()


@given(data=st.binary(max_size=600), suffix=st.sampled_from([".md", ".txt"]))
@example(data=b"\xff\xfe\x00", suffix=".txt")
@example(data=b"\xfe\xff\xd8\x00", suffix=".md")
@example(data=b"\xef\xbb\xbf", suffix=".md")
def test_review_parser_on_raw_bytes_never_raises(project: Path, data: bytes, suffix: str) -> None:
    path = project / "reviews" / f"raw{suffix}"
    path.write_bytes(data)
    diags = Diagnostics()
    assert_result(parse_review(path, project, f"reviews/raw{suffix}", diags), diags)


# -- credits ------------------------------------------------------------------------------------

names_text = st.lists(st.one_of(st.sampled_from(NAMES), st.sampled_from(SEPARATORS), st.text(max_size=15)),
                      max_size=12).map("".join)


@given(value=st.one_of(st.text(max_size=200), names_text))
@example(value=".\r0")  # the long profile found it: a leading dot hid the whitespace after it
def test_split_names_gives_clean_distinct_names(value: str) -> None:
    names = split_names(value)
    assert isinstance(names, tuple)
    assert len(names) == len(set(names))
    for name in names:
        assert isinstance(name, str) and name and name == name.strip()


@given(label=st.one_of(st.sampled_from(LABELS), st.text(max_size=40)), value=st.text(max_size=80))
def test_role_for_returns_a_role_or_none(label: str, value: str) -> None:
    role = role_for(label, value)
    assert role is None or role in ROLES


@given(role=st.one_of(st.none(), st.sampled_from(ROLES)), label=st.text(max_size=30),
       value=st.one_of(names_text, st.text(max_size=100),
                       st.lists(st.one_of(st.none(), st.text(max_size=20), st.integers(), st.floats()), max_size=6)),
       line=st.integers(min_value=0, max_value=10**6))
def test_make_credit_returns_a_credit_or_none(role, label: str, value, line: int) -> None:
    credit = make_credit(role, label, value, line)
    if credit is None:
        return
    assert isinstance(credit, Credit) and credit.value
    assert credit.role == (role.key if role else "")
    if role is None or not role.people:
        assert credit.names == ()
    assert all(n and n == n.strip() for n in credit.names)


# -- manifest -------------------------------------------------------------------------------------

MANIFEST_KEYS = ["title", "subtitle", "editor", "authors", "language", "identifier", "date", "cover", "people",
                 "chapters", "indexes", "pdf", "epub", "file", "part", "page", "bleed", "marks", "titel"]
scalars = st.one_of(st.sampled_from(["reviews/a.txt", "reviews/../reviews/a.txt", "../x.txt", "/etc/passwd",
                                     "reviews", "en", "xx-!!", "2026-05-01", "a5", "3mm", "crop", "", "~", "NO",
                                     "1:45", "people.yaml", "anthology.yaml", "C:\\x.txt", "file:///etc/passwd"]),
                    st.text(max_size=20))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(MANIFEST_KEYS), inner, max_size=4)), max_leaves=20)
structured = st.dictionaries(st.sampled_from(MANIFEST_KEYS), values, max_size=8).map(
    lambda d: yaml.safe_dump(d, allow_unicode=True, sort_keys=False))
manifests = st.one_of(st.text(max_size=300), yaml_like, structured)


@given(text=manifests)
@example(text="")
@example(text="title: T\nchapters: [*a]\n")
@example(text="title: T\nchapters:\n  - part:\n    chapters: []\n")
@example(text="? [a]\n: b\n")
@example(text="title: T\nchapters: [reviews/a.txt, reviews/a.txt]\npdf: {page: 1x1in, bleed: 99in}\n")
@example(text='chapters:\n- "\\0"')  # the long profile found it: a NUL in a path (ValueError from resolve)
def test_manifest_loader_never_raises(project: Path, text: str) -> None:
    (project / "anthology.yaml").write_text(text, encoding="utf-8")
    diags = Diagnostics()
    manifest = load_manifest(project, diags)
    assert_result(manifest, diags)


@given(text=manifests)
@example(text="title: T\nchapters: [reviews/a.txt]\n")
@example(text='title: T\nchapters:\n- "\\0"')
def test_load_book_never_raises(project: Path, text: str) -> None:
    (project / "anthology.yaml").write_text(text, encoding="utf-8")
    book, diags = load_book(project)
    assert_result(book, diags)
    if book is not None:
        assert not diags.errors and book.title and book.chapters


# -- names and collation -----------------------------------------------------------------------

person_names = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(st.sampled_from(NAMES), st.sampled_from(["van", "de", "al-", "Jr.", "II", "-", " "]),
                       st.text(max_size=8)), max_size=6).map(" ".join),
)


@given(name=person_names, order=st.sampled_from(["", "family-first", "given-first"]),
       sort_as=st.one_of(st.just(""), st.text(max_size=20)),
       country=st.one_of(st.sampled_from(["", "South Korea", "Japan", "Iceland", "Spain"]), st.text(max_size=10)))
@example(name="al- ", order="", sort_as="", country="")
@example(name="a Jr.", order="given-first", sort_as="", country="")
def test_heading_never_raises(name: str, order: str, sort_as: str, country: str) -> None:
    head = heading(name, order=order, sort_as=sort_as, country=country)
    assert isinstance(head, str)
    if sort_as:
        assert head == sort_as


@given(text=st.one_of(st.text(max_size=60), person_names))
@example(text="")
@example(text=", ")
@example(text="\x00")
def test_collation_key_and_letter_group_never_raise(text: str) -> None:
    key = collation_key(text)
    assert isinstance(key, tuple)
    group = letter_group(text)
    assert isinstance(group, str) and group


@given(a=person_names, b=person_names)
def test_collation_key_orders_totally(a: str, b: str) -> None:
    ka, kb = collation_key(a), collation_key(b)
    assert (ka < kb) + (ka > kb) + (ka == kb) == 1


# -- long runs and deep nesting ------------------------------------------------------------------

repeated = st.builds(lambda token, n, tail: token * n + tail,
                     st.sampled_from(["[", "{", "- ", "> ", "<div>", "<b>", "* ", "(", "&a ", "    ", "a, "]),
                     st.integers(min_value=0, max_value=6_000), st.text(max_size=10))


# Shrinking 10,000-character runs takes minutes, and each example is a large input: a fifth of the budget.
@settings(phases=(Phase.explicit, Phase.reuse, Phase.generate), max_examples=max(settings.default.max_examples // 5, 1))
@given(run=repeated, where=st.sampled_from(["manifest", "front matter", "md body", "txt body"]))
@example(run="[" * 1740, where="manifest")
@example(run="{" * 3301 + "r", where="front matter")
def test_deep_repetition_never_raises(project: Path, run: str, where: str) -> None:
    if where == "manifest":
        (project / "anthology.yaml").write_text(f"title: T\nchapters: [reviews/a.txt]\nsubtitle: {run}\n",
                                                encoding="utf-8")
        diags = Diagnostics()
        assert_result(load_manifest(project, diags), diags)
        return
    text = {"front matter": f"---\ntitle: T\ntags: {run}\n---\nText.\n", "md body": f"# T\n\n{run}\n",
            "txt body": f"Title: T\n{run}\n"}[where]
    suffix = ".txt" if where == "txt body" else ".md"
    path = project / "reviews" / f"deep{suffix}"
    path.write_text(text, encoding="utf-8")
    diags = Diagnostics()
    assert_result(parse_review(path, project, f"reviews/deep{suffix}", diags), diags)
