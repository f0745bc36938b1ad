"""Limits (src/anthology/limits.py): named once, documented, overridable under 'limits:' in anthology.yaml."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from anthology.errors import Diagnostics
from anthology.limits import DEFAULT, Limits
from anthology.load import load_book
from anthology.load.body import flatten_deep
from anthology.load.manifest import load_manifest
from anthology.load.schema import manifest_schema

REVIEW = "Title: A Film\nDirector: Ann Lee\nFirst paragraph.\n"


def project(root: Path, limits: str = "", files: dict[str, str | bytes] | None = None,
            chapters: tuple[str, ...] = ("reviews/a.txt",)) -> Path:
    """A project whose manifest puts 'limits:' (if any) on line 2, before the chapters."""
    manifest = "title: Limits\n" + limits + "chapters:\n" + "".join(f"  - {c}\n" for c in chapters)
    for name, content in {"anthology.yaml": manifest, "reviews/a.txt": REVIEW, **(files or {})}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


def shown(diags: Diagnostics) -> list[str]:
    return [str(d) for d in diags]


# -- the declaration ------------------------------------------------------------------------

def test_every_limit_has_a_default_a_ceiling_a_unit_and_a_docstring() -> None:
    for name in Limits.names():
        info = Limits.info(name)
        assert isinstance(info["default"], int) and 1 <= info["default"] <= info["ceiling"], name
        assert info["unit"] and len(info["doc"]) > 40, name


def test_the_defaults_are_the_ones_the_catalogue_relies_on() -> None:
    assert DEFAULT.review_megabytes == 16 and DEFAULT.review_bytes == 16 * 2**20
    assert DEFAULT.list_items == 5_000
    assert DEFAULT.nesting_depth == 32
    assert DEFAULT.image_pixels == 100_000_000
    assert "resource_megabytes" in Limits.names() and "resource_megabytes" not in Limits.overridable()


def test_limits_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT.list_items = 1  # type: ignore[misc]


def test_the_user_guide_documents_every_limit_with_its_default(repo_root: Path) -> None:
    guide = (repo_root / "docs" / "index.md").read_text(encoding="utf-8")
    section = guide.split("## Limits", 1)[1].split("\n## ", 1)[0]
    for name in Limits.names():
        row = next((line for line in section.splitlines() if f"`{name}`" in line), "")
        assert row, f"docs/index.md's Limits section does not name {name}"
        assert f"{Limits.info(name)['default']:,}" in row, f"{name}: the default is not in its row"


def test_the_schema_declares_the_overridable_limits() -> None:
    props = manifest_schema()["properties"]["limits"]["properties"]
    assert list(props) == list(Limits.overridable())
    assert props["nesting_depth"]["maximum"] == Limits.info("nesting_depth")["ceiling"]


# -- reading 'limits:' ----------------------------------------------------------------------

def test_no_limits_key_gives_the_defaults(tmp_path: Path) -> None:
    diags = Diagnostics()
    manifest = load_manifest(project(tmp_path), diags)
    assert manifest is not None and manifest.limits == DEFAULT and not diags.errors


def test_overrides_are_read_and_carried_by_the_book(tmp_path: Path) -> None:
    root = project(tmp_path, "limits:\n  list_items: 20_000\n  nesting_depth: '40'\n  chapters: 1,000\n")
    book, diags = load_book(root)
    assert book is not None, shown(diags)
    assert book.limits == dataclasses.replace(DEFAULT, list_items=20_000, nesting_depth=40, chapters=1000)


@pytest.mark.parametrize(("yaml_text", "expected"), [
    ("limits:\n  list_itmes: 10\n",
     r"anthology\.yaml:3:3: error: unknown key 'list_itmes' \(expected one of: .*list_items"),
    ("limits:\n  list_items: many\n",
     r"anthology\.yaml:3:15: error: 'limits\.list_items' must be a whole number of items, not 'many' "
     r"\(the default is 5,000\)"),
    ("limits:\n  list_items: 1.5\n", r"anthology\.yaml:3:15: error: 'limits\.list_items' must be a whole number"),
    ("limits:\n  list_items: -3\n", r"anthology\.yaml:3:15: error: 'limits\.list_items' must be a whole number"),
    ("limits:\n  list_items: [1, 2]\n",
     r"anthology\.yaml:3:15: error: 'limits\.list_items' must be a whole number of items, not a list"),
    ("limits:\n  list_items: 0\n", r"anthology\.yaml:3:15: error: 'limits\.list_items' must be between 1 and 200,000"),
    ("limits:\n  nesting_depth: 10000\n", r"anthology\.yaml:3:18: error: 'limits\.nesting_depth' must be between 1 "
                                          r"and 100 levels"),
    ("limits: 5000\n", r"anthology\.yaml:2:9: error: 'limits' must be a mapping such as \{list_items: 20000\}"),
    ("limits:\n  resource_megabytes: 128\n", r"anthology\.yaml:3:3: error: 'limits\.resource_megabytes' is a fixed "
                                             r"limit"),
])
def test_bad_limits_are_located_errors(tmp_path: Path, yaml_text: str, expected: str) -> None:
    book, diags = load_book(project(tmp_path, yaml_text))
    assert book is None
    assert any(re.search(expected, line) for line in shown(diags)), shown(diags)


def test_every_bad_limit_is_reported_at_once(tmp_path: Path) -> None:
    _, diags = load_book(project(tmp_path, "limits:\n  list_items: x\n  chapters: 0\n  colour: red\n"))
    assert [(d.line, d.col) for d in diags.errors] == [(3, 15), (4, 13), (5, 3)]


# -- a lower limit triggers the located error -----------------------------------------------

def test_a_lower_chapter_limit_names_the_first_chapter_over_it(tmp_path: Path) -> None:
    files = {f"reviews/r{i}.txt": REVIEW for i in range(3)}
    root = project(tmp_path, "limits: {chapters: 2}\n", files, tuple(files))
    _, diags = load_book(root)
    assert any(re.search(r"anthology\.yaml:6:5: error: 3 chapters are more than the limit of 2 \(chapters\): "
                         r"split the book, or raise it with 'limits: \{chapters: …\}'", s) for s in shown(diags)), \
        shown(diags)


def test_a_lower_list_item_limit_is_a_located_error(tmp_path: Path) -> None:
    items = "".join(f"- item {i}\n" for i in range(5))
    root = project(tmp_path, "limits: {list_items: 3}\n", {"reviews/l.md": "# Listed\n\n" + items},
                   ("reviews/l.md",))
    book, diags = load_book(root)
    assert book is None
    assert any(re.search(r"reviews/l\.md:6: error: 5 list items are too many for one review \(limit 3, list_items; "
                         r"this is item 4\)", s) for s in shown(diags)), shown(diags)


def test_a_raised_list_item_limit_accepts_the_list(tmp_path: Path) -> None:
    items = "".join(f"- item {i}\n" for i in range(6000))
    root = project(tmp_path, "limits: {list_items: 6000}\n", {"reviews/l.md": "# Listed\n\n" + items},
                   ("reviews/l.md",))
    book, diags = load_book(root)
    assert book is not None, shown(diags)[:3]
    assert "item 5999" in book.chapters[0].body_html


def test_a_lower_review_size_limit_refuses_the_file(tmp_path: Path) -> None:
    big = "Title: Big\nDirector: Ann Lee\n" + ("A line of prose about the film.\n" * 70_000)  # ~2.2 MB
    root = project(tmp_path, "limits: {review_megabytes: 2}\n", {"reviews/a.txt": big})
    _, diags = load_book(root)
    assert any(re.search(r"reviews/a\.txt: error: 2 MB is too large for a review \(limit 2 MB\): split it, or raise "
                         r"it with 'limits: \{review_megabytes: …\}'", s) for s in shown(diags)), shown(diags)


def test_a_lower_nesting_depth_flattens_quotes_and_keeps_their_text(tmp_path: Path) -> None:
    root = project(tmp_path, "limits: {nesting_depth: 4}\n",
                   {"reviews/q.md": "# Quoted\n\nDirector: Ann Lee\n\n> > > > > > deepest words\n"}, ("reviews/q.md",))
    book, diags = load_book(root)
    assert book is not None, shown(diags)
    html = book.chapters[0].body_html
    assert "deepest words" in html and ">" not in html.split("deepest words")[0].rsplit(">", 1)[-1]
    assert html.count("<blockquote>") <= 4
    assert any(re.search(r"reviews/q\.md:5: warning: quotes or lists nested more than 4 deep \(the limit "
                         r"nesting_depth\)", s) for s in shown(diags)), shown(diags)


def test_a_lower_nesting_depth_flattens_html_and_names_its_line(tmp_path: Path) -> None:
    body = "# Nested\n\nDirector: Ann Lee\n\nProse.\n\n" + "<div>" * 8 + "inner text" + "</div>" * 8 + "\n"
    root = project(tmp_path, "limits: {nesting_depth: 5}\n", {"reviews/d.md": body}, ("reviews/d.md",))
    book, diags = load_book(root)
    assert book is not None, shown(diags)
    assert "inner text" in book.chapters[0].body_html and book.chapters[0].body_html.count("<div>") == 5
    assert any(re.search(r"reviews/d\.md:7: warning: HTML elements nested more than 5 deep .*3 deeper tags removed",
                         s) for s in shown(diags)), shown(diags)


def test_a_lower_front_matter_depth_is_a_located_error(tmp_path: Path) -> None:
    root = project(tmp_path, "limits: {yaml_depth: 3}\n",
                   {"reviews/y.md": "---\ntitle: Y\ntags: [[[[deep]]]]\n---\nText.\n"}, ("reviews/y.md",))
    _, diags = load_book(root)
    assert any(re.search(r"reviews/y\.md:3:\d+: error: YAML nested too deeply: more than 3 levels", s)
               for s in shown(diags)), shown(diags)


def test_the_manifest_itself_is_read_with_the_default_depth(tmp_path: Path) -> None:
    # The limits are in the manifest, so the manifest cannot lower the depth it is read with.
    root = project(tmp_path, "limits: {yaml_depth: 1}\nsubtitle: plain\n")
    book, diags = load_book(root)
    assert book is not None, shown(diags)


def test_a_lower_image_limit_leaves_the_image_out(tmp_path: Path) -> None:
    from PIL import Image

    (tmp_path / "assets").mkdir(parents=True)
    Image.new("RGB", (40, 30), (1, 2, 3)).save(tmp_path / "assets" / "still.png")
    root = project(tmp_path, "limits: {image_pixels: 1000}\n",
                   {"reviews/i.md": "# Still\n\nDirector: Ann Lee\n\n![a still](../assets/still.png)\n"},
                   ("reviews/i.md",))
    book, diags = load_book(root)
    assert book is not None and not book.chapters[0].images
    assert any(re.search(r"reviews/i\.md:5: warning: image \.\./assets/still\.png is 40×30 pixels, too large to print "
                         r"\(the limit image_pixels is 1,000\)", s) for s in shown(diags)), shown(diags)


def test_a_lower_image_limit_refuses_the_cover(tmp_path: Path) -> None:
    from PIL import Image

    (tmp_path / "assets").mkdir(parents=True)
    Image.new("RGB", (60, 90), (1, 2, 3)).save(tmp_path / "assets" / "cover.png")
    root = project(tmp_path, "limits: {image_pixels: 1000}\ncover: assets/cover.png\n")
    _, diags = load_book(root)
    assert any(re.search(r"anthology\.yaml:3:8: error: the cover image is 60×90 pixels", s) for s in shown(diags))


# -- the flattening itself ------------------------------------------------------------------

def test_flatten_deep_keeps_text_attributes_and_void_elements() -> None:
    markup = '<div title="a>b"><div><p>one<br>two <img src="x.png" alt="x"></p></div></div>'
    assert flatten_deep(markup, 5) == (markup, 0)
    flat, dropped = flatten_deep(markup, 2)
    assert dropped == 1 and flat == '<div title="a>b"><div>one<br>two <img src="x.png" alt="x"></div></div>'
