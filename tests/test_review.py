"""One review file → title, credits and body: the three credit forms, two body syntaxes."""

from __future__ import annotations

import csv
import html
import os
import re
from pathlib import Path

import pytest

from anthology.errors import Diagnostics
from anthology.load import load_book
from anthology.load.review import Review, parse_review
from anthology.model import Image

SHARED = Path(__file__).resolve().parents[2] / "shared"

# A valid 1x1 PNG, for images that must exist.
PNG = bytes.fromhex(  # a valid 1×1 transparent PNG
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
)


def parse(root: Path, name: str, content: str | bytes, title: str = "",
          ) -> tuple[Review | None, Diagnostics]:
    """Write ``reviews/<name>`` byte for byte under ``root`` and parse it."""
    path = root / "reviews" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    diags = Diagnostics()
    return parse_review(path, root, f"reviews/{name}", diags, title), diags


def parsed(root: Path, name: str, content: str | bytes, title: str = "") -> Review:
    """Parse a review that must load without errors."""
    review, diags = parse(root, name, content, title)
    assert review is not None, [str(d) for d in diags]
    assert not diags.errors, [str(d) for d in diags.errors]
    return review


def credit_map(review: Review) -> dict[str, tuple[str, ...] | str]:
    """role → names (people roles) or value; unknown labels under their label."""
    return {(c.role or c.label): (c.names or c.value) for c in review.credits}


def paragraphs(body_html: str) -> list[str]:
    return re.findall(r"<p>(.*?)</p>", body_html, re.S)


def codes(diags: Diagnostics) -> list[str]:
    return [d.code for d in diags]


# -- the seed: the reference review ----------------------------------------------------------

@pytest.fixture(scope="module")
def seed():
    root = SHARED / "seed"
    if not (root / "anthology.yaml").is_file():
        pytest.skip("../shared/seed is not present")
    book, diags = load_book(root)
    assert book is not None, [str(d) for d in diags]
    text = (root / "reviews" / "escape.txt").read_text(encoding="utf-8-sig")
    return book, diags, text.replace("\r\n", "\n").split("\n")


def test_seed_loads_without_any_diagnostic(seed) -> None:
    _, diags, _ = seed
    assert list(diags) == []


def test_seed_header_gives_its_four_credits(seed) -> None:
    book, _, _ = seed
    credits = book.chapters[0].credits
    assert [(c.role, c.line) for c in credits] == [
        ("director", 1), ("starring", 2), ("country", 3), ("running_time", 4)]
    assert credits[0].names == ("Lee Jong-pil",)
    assert credits[1].names == ("Lee Je-hoon", "Koo Kyo-hwan", "Hong Sa-bin")
    assert credits[2].value == "South Korea" and credits[2].names == ()
    assert credits[3].value == "1hr 34m"


def test_seed_title_comes_from_the_manifest(seed) -> None:
    book, _, lines = seed
    assert book.chapters[0].title == "Escape"
    assert not any(line.lower().startswith("title:") for line in lines)


def test_seed_every_prose_line_is_its_own_paragraph(seed) -> None:
    book, _, lines = seed
    prose = [line.strip() for line in lines[4:] if line.strip()]
    assert len(prose) == 32
    assert paragraphs(book.chapters[0].body_html) == [html.escape(p, quote=False) for p in prose]


def test_seed_blank_line_runs_are_section_breaks(seed) -> None:
    book, _, lines = seed
    body = [line.strip() for line in lines[4:]]
    runs = sum(1 for i in range(1, len(body)) if not body[i] and body[i - 1])
    trailing = 1 if body and not body[-1] else 0
    assert runs - trailing == 3  # counted in the file: two runs of two blank lines, one of one
    assert book.chapters[0].body_html.count("<hr") == 3
    assert book.chapters[0].body_html.count("<p>") == 32


def test_corpus_loads_with_the_titles_its_manifest_tsv_gives() -> None:
    root = SHARED / "corpus"
    if not (root / "anthology.yaml").is_file() or not (root / "MANIFEST.tsv").is_file():
        pytest.skip("../shared/corpus is not present")
    book, diags = load_book(root)
    assert book is not None, [str(d) for d in diags.errors]
    with (root / "MANIFEST.tsv").open(encoding="utf-8", newline="") as f:
        expected = {row["file"]: row["title"] for row in csv.DictReader(f, delimiter="\t")}
    assert {c.source: c.title for c in book.chapters} == expected


# -- (a) header lines ----------------------------------------------------------------------------

def test_header_needs_no_blank_line_before_the_prose(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.txt", "Director: Ann Lee\nCast: Bo Kim, Cy Dunn\nFirst prose.\n",
                    title="T")
    assert credit_map(review) == {"director": ("Ann Lee",), "starring": ("Bo Kim", "Cy Dunn")}
    assert paragraphs(review.body_html) == ["First prose."]


def test_header_ends_at_first_non_label_line(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.txt", "Director: Ann Lee\nFirst prose.\nStarring: Bo Kim\n",
                    title="T")
    assert [c.role for c in review.credits] == ["director"]
    assert paragraphs(review.body_html) == ["First prose.", "Starring: Bo Kim"]


def test_header_after_heading_and_blank_line_takes_the_title_from_the_heading(
    tmp_path: Path,
) -> None:
    review = parsed(tmp_path, "a.md", "# The Ferry\n\nDirector: Ann Lee\nCast: Bo Kim\n\nProse.\n")
    assert review.title == "The Ferry"
    assert credit_map(review) == {"director": ("Ann Lee",), "starring": ("Bo Kim",)}
    assert "The Ferry" not in review.body_html
    assert "<h" not in review.body_html
    assert paragraphs(review.body_html) == ["Prose."]


@pytest.mark.parametrize("content, override", [
    ("# The Ferry\n\nDirector: Ann Lee\nProse.\n", "Manifest Title"),
    ("---\ntitle: The Ferry\n---\n# The Ferry\n\nDirector: Ann Lee\nProse.\n", ""),
], ids=["manifest-title", "front-matter-title"])
def test_header_after_heading_is_read_whatever_gives_the_title(
    tmp_path: Path, content: str, override: str
) -> None:
    review = parsed(tmp_path, "a.md", content, title=override)
    assert credit_map(review)["director"] == ("Ann Lee",)
    assert not [c for c in review.credits if "#" in c.value]
    assert "Director:" not in review.body_html
    assert paragraphs(review.body_html) == ["Prose."]


def test_title_line_then_blank_line_then_credits(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.txt", "Title: The Ferry\n\n\nDirector: Ann Lee\nProse.\n")
    assert review.title == "The Ferry"
    assert credit_map(review) == {"director": ("Ann Lee",)}
    assert review.credits[0].line == 4
    assert paragraphs(review.body_html) == ["Prose."]


def test_prose_line_starting_like_a_label_is_prose(tmp_path: Path) -> None:
    synopsis = ("Synopsis: a ferry captain loses her nerve on the night crossing. The passengers "
                "never notice, and the film is all the better for it.")
    review = parsed(tmp_path, "a.txt", f"Title: T\nDirector: Ann Lee\n{synopsis}\nMore.\n")
    assert [c.role for c in review.credits] == ["director"]
    assert paragraphs(review.body_html) == [synopsis, "More."]


def test_known_label_followed_by_a_paragraph_is_prose(tmp_path: Path) -> None:
    line = ("Cast: the ensemble is uniformly excellent. Bo Kim carries the film with ease, "
            "and the supporting players match him scene for scene.")
    review = parsed(tmp_path, "a.txt", f"Title: T\nDirector: Ann Lee\n{line}\n")
    assert [c.role for c in review.credits] == ["director"]
    assert paragraphs(review.body_html) == [line]


def test_label_followed_by_one_sentence_is_prose(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.txt",
                    "Title: T\nDirector: Ann Lee\nSynopsis: The film follows a soldier.\nMore.\n")
    assert [c.role for c in review.credits] == ["director"]
    assert paragraphs(review.body_html)[0] == "Synopsis: The film follows a soldier."


def test_english_note_line_is_not_a_rating(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.txt",
                    "Title: T\nDirector: Ann Lee\nNote: this review contains spoilers.\nProse.\n")
    assert "rating" not in credit_map(review)


def test_unknown_short_label_next_to_known_ones_is_kept_in_order(tmp_path: Path) -> None:
    review = parsed(
        tmp_path, "a.txt",
        "Title: T\nDirector: Ann Lee\nDistributor: Harbour Films\nRunning time: 90 min\n"
        "Sound mix: Dolby Atmos\nProse.\n",
    )
    unknown = [(c.label, c.value, c.line) for c in review.credits if not c.role]
    assert unknown == [("Distributor", "Harbour Films", 3), ("Sound mix", "Dolby Atmos", 5)]
    assert [c.role for c in review.credits if c.role] == ["director", "running_time"]
    assert paragraphs(review.body_html) == ["Prose."]


def test_run_of_unknown_labels_alone_is_prose(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.txt", "Distributor: Harbour Films\nSound mix: Dolby\nProse.\n",
                    title="T")
    assert review.credits == ()
    assert paragraphs(review.body_html) == ["Distributor: Harbour Films", "Sound mix: Dolby",
                                            "Prose."]


def test_header_labels_may_be_bold_in_markdown(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.md", "**Director:** Ann Lee\n**Starring:** Bo Kim\n\nProse.\n",
                    title="T")
    assert credit_map(review) == {"director": ("Ann Lee",), "starring": ("Bo Kim",)}


def test_repeated_role_keeps_the_first_credit(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.txt", "Director: Ann Lee\nDirected by: Bo Kim\nProse.\n",
                    title="T")
    assert credit_map(review) == {"director": ("Ann Lee",)}


# -- (b) YAML front matter -------------------------------------------------------------------

def test_yaml_front_matter_gives_title_and_credits(tmp_path: Path) -> None:
    review = parsed(
        tmp_path, "a.md",
        "---\ntitle: The Ferry\ndirector: Ann Lee\nstarring:\n  - Bo Kim\n  - Cy Dunn\n"
        "year: 2021\n---\nProse.\n",
    )
    assert review.title == "The Ferry"
    assert credit_map(review) == {
        "director": ("Ann Lee",), "starring": ("Bo Kim", "Cy Dunn"), "year": "2021"}
    assert [c.line for c in review.credits] == [3, 4, 7]
    assert paragraphs(review.body_html) == ["Prose."]


def test_blog_front_matter_keys_are_ignored_quietly(tmp_path: Path) -> None:
    review, diags = parse(
        tmp_path, "a.md",
        "---\ntitle: The Ferry\nlayout: post\ntags: [ferries, night]\nimage: /img/x.jpg\n"
        "draft: false\nslug: the-ferry\ndirector: Ann Lee\n---\nProse.\n",
    )
    assert review is not None
    assert list(diags) == []
    assert credit_map(review) == {"director": ("Ann Lee",)}


def test_front_matter_language_and_subtitle_reach_the_review(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.md",
                    "---\ntitle: Le Passeur\nsubtitle: Une nuit\nlang: fr\n---\nCorps.\n")
    assert (review.title, review.subtitle, review.lang) == ("Le Passeur", "Une nuit", "fr")
    assert review.credits == ()


def test_front_matter_values_stay_strings(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.md", "---\ntitle: NO\nrunning time: 1:45\n---\nProse.\n")
    assert review.title == "NO"
    assert credit_map(review) == {"running_time": "1:45"}


# -- (c) TOML front matter --------------------------------------------------------------------

def test_toml_front_matter_reads_the_params_table(tmp_path: Path) -> None:
    review = parsed(
        tmp_path, "a.md",
        '+++\ntitle = "The Ferry"\ndraft = false\n[params]\ndirector = "Ann Lee"\n'
        'cast = ["Bo Kim", "Cy Dunn"]\ncountry = "France"\n+++\nProse.\n',
    )
    assert review.title == "The Ferry"
    assert credit_map(review) == {
        "director": ("Ann Lee",), "starring": ("Bo Kim", "Cy Dunn"), "country": "France"}


def test_hugo_param_shortcode_is_resolved_from_params(tmp_path: Path) -> None:
    review, diags = parse(
        tmp_path, "a.md",
        '+++\ntitle = "T"\n[params]\nyear = 1999\n+++\nMade in {{< param year >}}, '
        'filmed in {{< param "title" >}}.\n',
    )
    assert review is not None
    assert list(diags) == []
    assert paragraphs(review.body_html) == ["Made in 1999, filmed in T."]


def test_other_shortcodes_are_removed_with_a_warning_naming_the_line(tmp_path: Path) -> None:
    review, diags = parse(
        tmp_path, "a.md",
        '+++\ntitle = "T"\n+++\nFirst.\n\nWatch {{< youtube abc123 >}} this.\n\n'
        "{{% note %}}Kept words{{% /note %}}\n",
    )
    assert review is not None
    found = [(d.severity, d.file, d.line, d.code) for d in diags]
    assert found == [("warning", "reviews/a.md", 6, "shortcode-removed"),
                     ("warning", "reviews/a.md", 8, "shortcode-removed")]
    assert "youtube" in list(diags)[0].message
    assert "{{" not in review.body_html
    assert "Kept words" in review.body_html


def test_param_shortcode_for_a_missing_key_is_removed_with_a_warning(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.md", "# T\n\nBy {{< param nobody >}} alone.\n")
    assert review is not None
    assert [(d.line, d.code) for d in diags] == [(3, "shortcode-param")]
    assert paragraphs(review.body_html) == ["By  alone."]


def test_liquid_tags_are_removed_with_a_warning_and_their_text_kept(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.md", "# T\n\nBefore {% if site.x %}x{% endif %} after.\n")
    assert review is not None
    assert [(d.severity, d.line, d.code) for d in diags] == [
        ("warning", 3, "liquid-removed"), ("warning", 3, "liquid-removed")]
    assert paragraphs(review.body_html) == ["Before x after."]


def test_double_braces_stay_literal_in_markdown(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.md", "# T\n\nSeven squared is {{ 7*7 }}.\n")
    assert review is not None
    assert list(diags) == []
    assert paragraphs(review.body_html) == ["Seven squared is {{ 7*7 }}."]


# -- title resolution ----------------------------------------------------------------------------

@pytest.mark.parametrize("content, override, expected", [
    ("Title: From Line\nProse.\n", "From Manifest", "From Manifest"),
    ("---\ntitle: From Front\n---\nProse.\n", "From Manifest", "From Manifest"),
    ("# From Heading\n\nProse.\n", "From Manifest", "From Manifest"),
    ("---\ntitle: From Front\n---\n# From Heading\n\nProse.\n", "", "From Front"),
    ("Title: From Line\n\n# From Heading\n\nProse.\n", "", "From Line"),
    ("# From Heading\n\nProse.\n", "", "From Heading"),
], ids=["manifest-over-line", "manifest-over-front", "manifest-over-heading",
        "front-over-heading", "line-over-heading", "heading"])
def test_title_resolution_order(tmp_path: Path, content: str, override: str,
                                expected: str) -> None:
    assert parsed(tmp_path, "a.md", content, title=override).title == expected


def test_missing_title_is_an_error_that_says_how_to_fix_it(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "untitled.txt", "Director: Ann Lee\nProse.\n")
    assert review is None
    [err] = diags.errors
    assert (err.file, err.line, err.code) == ("reviews/untitled.txt", 1, "no-title")
    assert "anthology.yaml" in err.message
    assert "reviews/untitled.txt" in err.message
    assert "title:" in err.message and "Title:" in err.message and "# Title" in err.message


# -- body syntax ------------------------------------------------------------------------------

def test_body_heading_becomes_a_section_heading(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.md", "# T\n\nIntro.\n\n# Act One\n\nText.\n\n## Scene\n\nMore.\n")
    assert "<h1" not in review.body_html
    assert "<h2>Act One</h2>" in review.body_html
    assert "<h3>Scene</h3>" in review.body_html


def test_txt_every_non_empty_line_is_a_paragraph(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.txt", "Title: T\nOne line,\nhard-wrapped here.\nThird.\n")
    assert paragraphs(review.body_html) == ["One line,", "hard-wrapped here.", "Third."]


def test_txt_blank_line_runs_are_single_section_breaks(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.txt", "Title: T\n\n\nA\n\n\n\nB\nC\n\nD\n\n\n")
    assert review.body_html.split("\n") == [
        "<p>A</p>", '<hr class="section-break"/>', "<p>B</p>", "<p>C</p>",
        '<hr class="section-break"/>', "<p>D</p>"]


def test_txt_nothing_is_markup(tmp_path: Path) -> None:
    review = parsed(
        tmp_path, "a.txt",
        "Title: T\n*not emphasis* and <b>not bold</b> & [no](link)\n# not a heading\n"
        "<script>alert(1)</script>\n",
    )
    assert paragraphs(review.body_html) == [
        "*not emphasis* and &lt;b&gt;not bold&lt;/b&gt; &amp; [no](link)",
        "# not a heading",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ]
    assert "<em>" not in review.body_html and "<b>" not in review.body_html


def test_markdown_keeps_allowed_inline_html_and_links(tmp_path: Path) -> None:
    review = parsed(
        tmp_path, "a.md",
        '# T\n\n*em* and <strong>strong</strong> and <a href="https://ok.example/">a link</a>.\n',
    )
    assert paragraphs(review.body_html) == [
        '<em>em</em> and <strong>strong</strong> and <a href="https://ok.example/">a link</a>.']


@pytest.mark.parametrize("snippet, gone, kept", [
    ("<script>alert(1)</script>Safe words", ["<script", "alert"], "Safe words"),
    ('<iframe src="https://evil.example/"></iframe>Safe words', ["<iframe", "evil.example"],
     "Safe words"),
    ('<object data="x.swf"></object>Safe words', ["<object", "x.swf"], "Safe words"),
    ('<embed src="x.swf">Safe words', ["<embed", "x.swf"], "Safe words"),
    ("<style>p { color: red }</style>Safe words", ["<style", "color"], "Safe words"),
    ('<link rel="stylesheet" href="https://evil.example/x.css">Safe words',
     ["<link", "evil.example"], "Safe words"),
    ('<form action="https://evil.example/"><input name="q">Safe words</form>',
     ["<form", "<input", "evil.example"], "Safe words"),
    ('<img src="/nowhere.png" onerror="alert(2)" alt="Safe words">', ["onerror", "alert"],
     "Safe words"),
    ('<span onclick="steal()">Safe words</span>', ["onclick", "steal"], "Safe words"),
    ('<a href="javascript:alert(3)">Safe words</a>', ["javascript", "href", "alert"],
     "Safe words"),
    ('<a href="JaVaScRiPt:alert(3)">Safe words</a>', ["javascript", "href", "alert"],
     "Safe words"),
    ('<a href="data:text/html,hi">Safe words</a>', ["data:", "href"], "Safe words"),
], ids=["script", "iframe", "object", "embed", "style", "link", "form", "onerror", "onclick",
        "javascript-link", "javascript-mixed-case", "data-link"])
def test_markdown_inline_html_is_sanitised_and_text_survives(
    tmp_path: Path, snippet: str, gone: list[str], kept: str
) -> None:
    review = parsed(tmp_path, "a.md", f"# T\n\nBefore {snippet} after.\n")
    lowered = review.body_html.lower()
    for needle in gone:
        assert needle.lower() not in lowered, review.body_html
    assert kept in review.body_html
    assert "Before" in review.body_html and "after." in review.body_html


def test_markdown_html_comments_are_dropped(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.md", "# T\n\nText <!-- private note --> after.\n")
    assert "private note" not in review.body_html
    assert "Text" in review.body_html and "after." in review.body_html


# -- images ------------------------------------------------------------------------------------

def test_remote_image_is_left_out_with_a_warning_and_its_alt_text_kept(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.md", "# T\n\nText.\n\n![The harbour](https://example.com/h.jpg)\n")
    assert review is not None
    assert [(d.severity, d.line, d.code) for d in diags] == [("warning", 5, "image-remote")]
    assert "https://example.com/h.jpg" in list(diags)[0].message
    assert "<img" not in review.body_html
    assert "The harbour" in review.body_html
    assert review.images == []


def test_missing_local_image_is_a_warning(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.md", "# T\n\n![A still](/assets/x.jpg)\n")
    assert review is not None
    assert [(d.severity, d.line, d.code) for d in diags] == [("warning", 3, "image-missing")]
    assert "/assets/x.jpg" in list(diags)[0].message
    assert "<img" not in review.body_html
    assert "A still" in review.body_html


def test_local_image_inside_the_project_is_kept_and_listed(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "still.png").write_bytes(PNG)
    (tmp_path / "reviews").mkdir()
    (tmp_path / "reviews" / "beside.png").write_bytes(PNG)
    review, diags = parse(
        tmp_path, "a.md",
        "# T\n\n![A still](/assets/still.png)\n\n![Beside](beside.png)\n\n"
        "![Again](../assets/still.png)\n",
    )
    assert review is not None
    assert list(diags) == []
    assert review.images == [Image("assets/still.png", "image/png"),
                             Image("reviews/beside.png", "image/png")]
    assert '<img src="assets/still.png" alt="A still"/>' in review.body_html
    assert '<img src="reviews/beside.png" alt="Beside"/>' in review.body_html


@pytest.mark.parametrize("src", [
    "../../outside.png", "../outside.png", "/../outside.png", "%2e%2e/%2e%2e/outside.png",
    "assets/link.png", "/assets/link.png", "file://{outside}",
])
def test_image_paths_never_resolve_outside_the_project(tmp_path: Path, src: str) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(PNG)
    root = tmp_path / "proj"
    (root / "assets").mkdir(parents=True)
    try:
        os.symlink(outside, root / "assets" / "link.png")
    except (OSError, NotImplementedError):
        if "link" in src:
            pytest.skip("symlinks are not available here")
    src = src.format(outside=outside)
    review, diags = parse(root, "a.md", f'# T\n\nText.\n\n<img src="{src}" alt="Escapee">\n')
    assert review is not None
    assert review.images == []
    assert "<img" not in review.body_html
    assert "outside" not in review.body_html
    assert "Escapee" in review.body_html
    assert [d.severity for d in diags] == ["warning"]


def test_unsafe_image_warning_names_its_line(tmp_path: Path) -> None:
    _, diags = parse(tmp_path, "a.md",
                     '# T\n\nText.\n\nMore text.\n\n<img src="file:///etc/passwd" alt="pw">\n')
    assert [(d.line, d.code) for d in diags] == [(7, "image-unsafe")]


# -- encodings and line endings ---------------------------------------------------------------

def test_crlf_line_endings_are_read(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.txt", b"Title: T\r\nDirector: Ann Lee\r\nOne.\r\n\r\nTwo.\r\n")
    assert review.title == "T"
    assert credit_map(review) == {"director": ("Ann Lee",)}
    assert "\r" not in review.body_html
    assert paragraphs(review.body_html) == ["One.", "Two."]


def test_bom_is_not_part_of_the_first_line(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.txt", "\ufeffTitle: The Ferry\nDirector: Ann Lee\nProse.\n".encode())
    assert review.title == "The Ferry"
    assert credit_map(review) == {"director": ("Ann Lee",)}
    assert "\ufeff" not in review.body_html


def test_invalid_utf8_is_an_encoding_error_naming_line_and_column(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.txt", b"Title: T\nDirector: Ann Lee\nCaf\xe9 prose.\n")
    assert review is None
    [err] = diags.errors
    assert (err.file, err.line, err.col, err.code) == ("reviews/a.txt", 3, 4, "encoding")
    assert "UTF-8" in err.message and "0xe9" in err.message


def test_utf16_with_bom_is_read_with_a_warning(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.txt",
                          "Title: Ünï\nDirector: Zoë Ärn\nProse.\n".encode("utf-16"))
    assert review is not None
    assert [(d.severity, d.code) for d in diags] == [("warning", "encoding-utf16")]
    assert review.title == "Ünï"
    assert credit_map(review) == {"director": ("Zoë Ärn",)}


def test_empty_body_is_a_warning(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.txt", "Title: T\nDirector: Ann Lee\n")
    assert review is not None
    assert [(d.severity, d.file, d.line, d.code) for d in diags] == [
        ("warning", "reviews/a.txt", 3, "empty-body")]
    assert review.body_html == ""


def test_empty_file_with_manifest_title_is_only_a_warning(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.md", "", title="T")
    assert review is not None
    assert codes(diags) == ["empty-body"]


# -- broken front matter ----------------------------------------------------------------------

def test_unterminated_front_matter_is_an_error(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.md", "---\ntitle: T\ndirector: Ann Lee\nProse.\n")
    assert review is None
    [err] = diags.errors
    assert (err.line, err.col, err.code) == (1, 1, "front-matter-unclosed")
    assert "'---'" in err.message


def test_invalid_yaml_front_matter_is_located(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.md",
                          "---\nlayout: post\ntitle: Review: the film\n---\nProse.\n")
    assert review is None
    [err] = diags.errors
    assert (err.file, err.line, err.col, err.code) == ("reviews/a.md", 3, 14, "yaml-syntax")
    assert "quoted" in err.message


def test_duplicate_key_in_yaml_front_matter_is_located(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.md", "---\ntitle: A\ntitle: B\n---\nProse.\n")
    assert review is None
    [err] = diags.errors
    assert (err.line, err.col, err.code) == (3, 1, "yaml-duplicate-key")


def test_invalid_toml_front_matter_is_located(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.md",
                          '+++\ntitle = "T"\ndirector = Ann Lee\n+++\nProse.\n')
    assert review is None
    [err] = diags.errors
    assert (err.file, err.line, err.col, err.code) == ("reviews/a.md", 3, 12, "toml-syntax")
    assert "TOML" in err.message


def test_front_matter_that_is_a_list_is_an_error(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.md", "---\n- a\n- b\n---\nProse.\n", title="T")
    assert review is None
    [err] = diags.errors
    assert (err.line, err.code) == (2, "front-matter-type")


def test_unquoted_toml_string_says_how_to_quote_it(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.md", '+++\ntitle = "T"\ndirector = Ann Lee\n+++\nProse.\n')
    [err] = diags.errors
    assert 'TOML strings need quotes, write director = "Ann Lee"' in err.message


def test_duplicate_toml_key_is_named_at_its_line(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.md", '+++\ntitle = "A"\nyear = "1999"\ntitle = "B"\n+++\nProse.\n')
    assert review is None
    [err] = diags.errors
    assert (err.line, err.col) == (4, 1)
    assert err.message == "TOML front matter: duplicate key 'title' (first defined on line 2)"


def test_duplicate_toml_keys_in_different_tables_are_allowed(tmp_path: Path) -> None:
    review = parsed(tmp_path, "a.md", '+++\ntitle = "A"\n[params]\ntitle = "B"\n+++\nProse.\n')
    assert review.title == "A"


def test_a_review_that_is_a_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    from anthology.load.review import read_text

    path = tmp_path / "reviews" / "pipe.txt"
    path.parent.mkdir()
    os.mkfifo(path)
    diags = Diagnostics()
    assert read_text(path, "reviews/pipe.txt", diags) is None  # returns at once: nothing writes to the pipe
    [err] = diags.errors
    assert (err.file, err.code) == ("reviews/pipe.txt", "not-a-file") and "not a regular file" in err.message


def test_nul_bytes_are_located_at_the_first(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.txt", "Title: A\nDirector: Ann Lee\nOne\x00 two\x00.\n")
    assert review is not None and "One two." in review.body_html
    [warning] = diags.warnings
    assert (warning.line, warning.col, warning.code) == (3, 4, "control-chars")
    assert warning.message.startswith("2 NUL bytes removed")


def test_an_empty_body_warning_stays_inside_the_file(tmp_path: Path) -> None:
    _, diags = parse(tmp_path, "a.txt", b"", title="Given")
    [warning] = diags.warnings
    assert (warning.line, warning.code) == (1, "empty-body")


def test_a_data_url_image_is_named_as_one(tmp_path: Path) -> None:
    review, diags = parse(tmp_path, "a.md",
                          "# T\n\nDirector: Ann Lee\n\n![a still](data:image/png;base64,iVBORw0KGgo=)\n")
    assert review is not None and "[a still]" in review.body_html and "data:" not in review.body_html
    [warning] = [d for d in diags.warnings if d.code == "image-data-url"]
    assert warning.line == 5 and "assets/" in warning.message
