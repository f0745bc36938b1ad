"""The index of people: headings, collation, who is indexed, and exact locators."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from support import NS, epub_read, epubcheck_messages, pdf_page_labels, pdf_pages_text

from anthology import build, load_book
from anthology.cli import main
from anthology.index import Entry, Locator, build_index, collation_key, letter_group, page_locators
from anthology.names import heading

# -- headings and sort order ---------------------------------------------------------------


@pytest.mark.parametrize("name, options, expected", [
    ("Ryan Gosling", {}, "Gosling, Ryan"),                          # Western: inverted
    ("Lars von Trier", {}, "Trier, Lars von"),                      # particle after the given name
    ("Carice van Houten", {}, "Houten, Carice van"),
    ("Ludwig van Beethoven", {}, "Beethoven, Ludwig van"),
    ("Anouk van der Berg", {}, "Berg, Anouk van der"),              # two-word particle
    ("Marina de Tavira", {}, "Tavira, Marina de"),
    ("Luis de la Vega", {}, "Vega, Luis de la"),
    ("Haifaa al-Mansour", {}, "Mansour, Haifaa al-"),               # Arabic article
    ("Robert De Niro", {}, "De Niro, Robert"),                      # capitalised: part of the name
    ("Nancy García García", {}, "García García, Nancy"),            # Spanish compound surname
    ("Gael García Bernal", {}, "García Bernal, Gael"),
    ("Jorge Antonio Guerrero", {}, "Guerrero, Jorge Antonio"),      # a middle name is not a surname
    ("Lee Je-hoon", {}, "Lee Je-hoon"),                             # Korean, family first
    ("Bong Joon Ho", {}, "Bong Joon Ho"),
    ("Lin Wen-hsuan", {}, "Lin Wen-hsuan"),                         # Chinese (Taiwan)
    ("Katori Shingo", {}, "Katori Shingo"),                         # Japanese, family first
    ("Sakura Ando", {}, "Ando, Sakura"),                            # Japanese, given first
    ("Chan-wook Park", {}, "Park, Chan-wook"),                      # Korean written given first
    ("Tang Wei", {"order": "family-first"}, "Tang Wei"),            # people.yaml decides
    ("Daniel Park", {"order": "given-first"}, "Park, Daniel"),
    ("Song Kang", {"country": "South Korea"}, "Song Kang"),         # country of origin decides
    ("Grímur Hákonarson", {}, "Grímur Hákonarson"),                 # Icelandic patronymic
    ("Ingrid Ólafsdóttir", {}, "Ingrid Ólafsdóttir"),
    ("Madonna", {}, "Madonna"),                                     # mononym
    ("Martin Luther King Jr.", {}, "King, Martin Luther, Jr."),
    ("Lars von Trier", {"sort_as": "Von Trier, Lars"}, "Von Trier, Lars"),  # sort_as always wins
])
def test_index_heading_follows_chicago(name: str, options: dict, expected: str) -> None:
    assert heading(name, **options) == expected


def test_collation_folds_diacritics_and_files_by_family_name() -> None:
    headings = ["Östlund, Ruben", "Almodóvar, Pedro", "Ångström, Anders", "Oz, Frank", "Łukasz, Anna",
                "Lynch, David", "Lee Je-hoon", "Lee, Ang", "Aalto, Alvar", "Ostrowski, Jan"]
    ordered = sorted(headings, key=collation_key)
    assert ordered == ["Aalto, Alvar", "Almodóvar, Pedro", "Ångström, Anders", "Lee, Ang", "Lee Je-hoon",
                       "Łukasz, Anna", "Lynch, David", "Östlund, Ruben", "Ostrowski, Jan", "Oz, Frank"]
    assert [letter_group(h) for h in ("Östlund, Ruben", "Ångström, Anders", "Łukasz, Anna", "Lee Je-hoon")] \
        == ["O", "A", "L", "L"]


def test_page_locators_deduplicate_join_ranges_and_keep_credits_apart() -> None:
    locs = [Locator("c", a, role, "X Y") for a, role in
            [("a1", "director"), ("a2", ""), ("a3", ""), ("a4", ""), ("a5", ""), ("a6", "")]]
    entry = Entry("ix-x", "X Y", "Y, X", "Y", locators=tuple(locs))
    page_of = {"a1": 12, "a2": 12, "a3": 13, "a4": 14, "a5": 14, "a6": 20}
    shown = [(s.text, s.href, s.credited) for s in page_locators(entry, page_of)]
    assert shown == [("12", "#a1", True), ("13–14", "#a3", False), ("20", "#a6", False)]


# -- who is indexed ------------------------------------------------------------------------

def _seed_index(seed_root: Path):
    book, _ = load_book(seed_root)
    assert book is not None
    return book, build_index(book)


def test_seed_indexes_credited_people_and_the_declared_alias(seed_root: Path) -> None:
    _, index = _seed_index(seed_root)
    people = {e.name: e for e in index.entries if not e.see}
    assert set(people) == {"Lee Jong-pil", "Lee Je-hoon", "Koo Kyo-hwan", "Hong Sa-bin"}
    hong = people["Hong Sa-bin"]
    assert "Hong Xa-bin" in {loc.spelling for loc in hong.locators}
    assert [loc.role for loc in hong.locators if loc.credited] == ["starring"]
    assert people["Lee Jong-pil"].role_nouns == ("director",)
    see = [e for e in index.entries if e.see]
    assert [(e.heading, e.see) for e in see] == [("Hong Xa-bin", "Hong Sa-bin")]


def test_seed_character_names_are_not_people(seed_root: Path) -> None:
    _, index = _seed_index(seed_root)
    names = " ".join(e.heading for e in index.entries)
    for character in ("Lim Gyu-nam", "Kim Dong-hyuk", "Lee Hyung-sang", "Seon Woo-min"):
        assert character not in names


def test_seed_mentions_are_anchored_in_the_body(seed_root: Path) -> None:
    book, index = _seed_index(seed_root)
    body = index.bodies[book.chapters[0].id]
    assert re.search(r'\(<span class="person" id="ch-escape-m\d+">Lee Je-hoon</span>\)', body)
    assert re.search(r'<span class="person" id="[^"]+">Hong Xa-bin</span>', body)
    assert "Lim Gyu-nam (" in body  # the character is left alone


def test_seed_suggests_the_uncredited_actor(seed_root: Path) -> None:
    _, index = _seed_index(seed_root)
    suggestions = [d for d in index.diagnostics if d.code == "uncredited-actor"]
    assert len(suggestions) == 1
    assert suggestions[0].file == "reviews/escape.txt" and suggestions[0].line == 33
    assert "Song Kang plays Seon Woo-min" in suggestions[0].message


def _one_review_book(root: Path, review: str):
    """The book of a project whose one chapter, reviews/a.md, is ``review``."""
    (root / "reviews").mkdir()
    (root / "reviews" / "a.md").write_text(review, encoding="utf-8")
    (root / "anthology.yaml").write_text("title: T\nchapters:\n  - reviews/a.md\n", encoding="utf-8")
    book, _ = load_book(root)
    assert book is not None
    return book


def test_titles_in_italics_or_bold_are_not_uncredited_actors(tmp_path: Path) -> None:
    """A filmography's "**Sanjuro (Tsubaki Sanjûrô)**" is a title and its original, as an
    italic "*Ikiru (To Live)*" is; "Simin (Leila Hatami)" in the prose is a character and actor."""
    book = _one_review_book(tmp_path, "# A\n\nDirector: Ann Lee-Smith\n\n**One Wonderful Sunday (Subarashiki "
                            "Nichiyôbi)**  \n1947\n\n*Ikiru (To Live)* came later. Simin (Leila Hatami) leaves.\n")
    suggestions = [(d.line, d.message) for d in build_index(book).diagnostics if d.code == "uncredited-actor"]
    assert suggestions == [(8, "Leila Hatami plays Simin but is not credited: add them to this review's cast "
                               "to put them in the index")]


def test_undeclared_variant_spelling_is_a_located_warning(tmp_path: Path, seed_root: Path) -> None:
    project = tmp_path / "seed"
    shutil.copytree(seed_root, project)
    (project / "people.yaml").unlink()
    book, _ = load_book(project)
    assert book is not None
    index = build_index(book)
    variants = [d for d in index.diagnostics if d.code == "name-variant"]
    assert [(d.file, d.line) for d in variants] == [("reviews/escape.txt", 14)]
    assert variants[0].message.startswith("Hong Xa-bin looks like Hong Sa-bin, credited in this review: "
                                          "add it to aliases in people.yaml")
    hong = next(e for e in index.entries if e.name == "Hong Sa-bin")
    assert "Hong Xa-bin" not in {loc.spelling for loc in hong.locators}


def test_mentions_cross_line_breaks_take_possessives_and_skip_urls(tmp_path: Path) -> None:
    book = _one_review_book(tmp_path, "# A\n\nDirector: Ann Lee-Smith\n\nAnn\nLee-Smith's new film. See "
                            "https://example.com/Ann Lee-Smith and [Ann Lee-Smith](https://example.com).\n")
    index = build_index(book)
    entry = next(e for e in index.entries if e.name == "Ann Lee-Smith")
    assert entry.mentions == 2  # across the line break, and the link text; not inside the URL
    assert "Lee-Smith</span>’s" in index.bodies[book.chapters[0].id]  # typographic apostrophe


def test_people_command_prints_text_and_json(seed_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["people", str(seed_root)]) == 0
    out = capsys.readouterr().out
    assert "Hong Sa-bin (actor): 1 credit, 2 mentions in reviews/escape.txt" in out
    assert "Hong Xa-bin, see Hong Sa-bin" in out
    assert main(["people", str(seed_root), "--json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    hong = next(p for p in data["people"] if p.get("name") == "Hong Sa-bin")
    assert hong["aliases"] == ["Hong Xa-bin"] and hong["mentions"] == 2 and hong["roles"] == ["actor"]
    assert data["warnings"][0]["code"] == "uncredited-actor"


# -- the index in the outputs ----------------------------------------------------------------

def _norm(text: str) -> str:
    return " ".join(text.split())


def _named(text: str, spellings: set[str]) -> bool:
    return any(re.search(r"(?<![\w-])" + re.escape(s) + r"(?![\w-])", text) for s in spellings)


def _printed_index(pages: list[str], labels: list[str], start: int, entries: list[Entry]) -> dict[str, list[int]]:
    """Page numbers printed after each heading in the PDF's index pages (text in reading order)."""
    return {name: [n for first, last in ranges for n in range(first, last + 1)]
            for name, ranges in _printed_ranges(pages, labels, start, entries).items()}


def _printed_ranges(pages: list[str], labels: list[str], start: int,
                    entries: list[Entry]) -> dict[str, list[tuple[int, int]]]:
    """The locators printed after each heading, (first, last) page, in the order printed."""
    lines = []
    for text, label in zip(pages[start - 1:], labels[start - 1:], strict=True):
        for line in text.splitlines():
            if line.strip() and line.strip() != label:  # the folio
                lines.append(line)
    text = _norm(" ".join(lines))
    printed: dict[str, list[tuple[int, int]]] = {}
    pos = 0
    spots = []
    for entry in entries:
        at = text.find(entry.heading, pos)
        assert at >= 0, f"{entry.heading!r} not found in the printed index"
        spots.append(at)
        pos = at + len(entry.heading)
    for entry, at, nxt in zip(entries, spots, [*spots[1:], len(text)], strict=True):
        segment = text[at + len(entry.heading): nxt]
        if entry.see:
            assert segment.strip(" ,").startswith(f"see {entry.see}")
            continue
        segment = re.sub(r"\([^)]*\)", "", segment)
        printed[entry.name] = [(int(first), int(last or first))
                               for first, last in re.findall(r"(\d+)(?:–(\d+))?", segment)]
    return printed


def _check_pdf_index(pdf: Path, root: Path) -> tuple[int, int]:
    """Every printed page holds the name; every page naming a people.yaml person is listed.

    Printed numbers are folios: page labels map them to the PDF's pages."""
    book, _ = load_book(root)
    assert book is not None
    index = build_index(book)
    raw = pdf_pages_text(pdf)
    pages = [_norm(p) for p in raw]
    labels = pdf_page_labels(pdf)
    physical = {label: n for n, label in enumerate(labels)}
    start = next(n for n, p in enumerate(pages, start=1) if p.startswith("Index of People"))
    body_start = labels.index("1")
    entries = list(index.entries)
    printed = _printed_index(raw, labels, start, entries)
    checked = 0
    for entry in entries:
        if entry.see:
            continue
        spellings = {loc.spelling for loc in entry.locators} | {entry.name, *entry.aliases}
        assert printed[entry.name], f"no page printed for {entry.name}"
        for folio in printed[entry.name]:
            n = physical[str(folio)]
            assert body_start <= n < start - 1 and _named(pages[n], spellings), \
                f"{entry.name} printed with page {folio}, which does not name them"
            checked += 1
    for person in book.people:
        if person.see:
            continue
        spellings = {person.name, *person.aliases}
        for n in range(body_start, start - 1):
            if _named(pages[n], spellings):
                assert int(labels[n]) in printed.get(person.name, []), f"page {labels[n]} names {person.name}"
    return checked, sum(len(v) for v in printed.values())


def _pdf_links(pdf: Path) -> tuple[list[list[int]], list[str]]:
    """Each page's links, in order, as the (0-based) page each one goes to; and every URI link.
    A link that is neither (a named destination nowhere) fails here."""
    with pikepdf.open(pdf) as doc:
        tree = doc.Root.Names.Dests.Names
        page_at = {page.objgen: n for n, page in enumerate(doc.pages)}
        dests = {str(tree[i]): page_at[tree[i + 1][0].objgen] for i in range(0, len(tree), 2)}
        annots = [[a for a in page.obj.get("/Annots", []) if a.get("/Subtype") == "/Link"] for page in doc.pages]
        uris = [str(a.A.URI) for page in annots for a in page if "/A" in a and a.A.get("/S") == "/URI"]
        links = [[dests[str(a.Dest)] for a in page if not ("/A" in a and a.A.get("/S") == "/URI")] for page in annots]
    return links, uris


def _check_pdf_index_links(pdf: Path, root: Path) -> int:
    """Every page number printed in the index links to that page (a range to its first), within
    the book: a named destination, never a URI. Links and text follow the same order (WeasyPrint
    writes both in document order); a link from one entry to another ("see") goes to an index page."""
    book, _ = load_book(root)
    assert book is not None
    entries = list(build_index(book).entries)
    raw = pdf_pages_text(pdf)
    labels = pdf_page_labels(pdf)
    start = next(n for n, p in enumerate(raw, start=1) if _norm(p).startswith("Index of People"))
    printed = [first for ranges in _printed_ranges(raw, labels, start, entries).values() for first, _ in ranges]
    links, uris = _pdf_links(pdf)
    assert not [uri for uri in uris if not uri.startswith(("http://", "https://", "mailto:"))]
    targets = [n for page in links[start - 1:] for n in page]
    linked = [int(labels[n]) for n in targets if n < start - 1]
    assert all(n >= start - 1 for n in targets if n >= start - 1)  # "see": within the index
    assert linked == printed
    return len(linked)


def _check_epub_index(epub: Path, root: Path) -> int:
    """Every index link leads to an element that names the person."""
    book, _ = load_book(root)
    assert book is not None
    entries = {e.id: e for e in build_index(book).entries}
    index_doc = etree.fromstring(epub_read(epub, "EPUB/index-people.xhtml"))
    assert index_doc.xpath("//*[@epub:type='index']", namespaces=NS)
    documents: dict[str, etree._Element] = {}
    links = 0
    for li in index_doc.xpath("//x:li[@epub:type='index-entry']", namespaces=NS):
        entry = entries[li.get("id")]
        spellings = {loc.spelling for loc in entry.locators} | {entry.name, *entry.aliases}
        for a in li.xpath(".//x:a[@epub:type='index-locator']", namespaces=NS):
            file, anchor = a.get("href").split("#")
            doc = documents.setdefault(file, etree.fromstring(epub_read(epub, f"EPUB/{file}")))
            target = doc.xpath(f"//*[@id='{anchor}']")
            assert len(target) == 1, a.get("href")
            assert _norm("".join(target[0].itertext())) in spellings
            links += 1
    return links


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    cache: dict[Path, tuple[Path, Path]] = {}

    def get(root: Path) -> tuple[Path, Path]:
        if root not in cache:
            result, _ = build(root, tmp_path_factory.mktemp("out"))
            cache[root] = (result.outputs["pdf"], result.outputs["epub"])
        return cache[root]

    return get


@pytest.mark.parametrize("which", ["repo", "seed", "corpus"])
def test_every_printed_page_number_names_the_person(which: str, request: pytest.FixtureRequest, built) -> None:
    root = request.getfixturevalue(f"{which}_root")
    pdf, _ = built(root)
    checked, printed = _check_pdf_index(pdf, root)
    assert checked == printed > 0


@pytest.mark.parametrize("which", ["repo", "seed", "corpus"])
def test_every_printed_page_number_links_to_its_page(which: str, request: pytest.FixtureRequest, built) -> None:
    root = request.getfixturevalue(f"{which}_root")
    pdf, _ = built(root)
    assert _check_pdf_index_links(pdf, root) > 0


@pytest.mark.parametrize("which", ["repo", "seed", "corpus"])
def test_every_epub_index_link_reaches_the_person(which: str, request: pytest.FixtureRequest, built) -> None:
    root = request.getfixturevalue(f"{which}_root")
    _, epub = built(root)
    assert _check_epub_index(epub, root) > 0
    assert epubcheck_messages(epub) == []


def test_credit_names_link_to_their_index_entry(built, repo_root: Path) -> None:
    _, epub = built(repo_root)
    chapter = epub_read(epub, "EPUB/ch-the-salt-archive.xhtml").decode()
    m = re.search(r'<a class="name" id="ch-the-salt-archive-c\d+-0" '
                  r'href="index-people.xhtml#(ix-[a-z-]+)">Håkon Strand</a>', chapter)
    assert m, "the director's credit should link to the index"
    index = epub_read(epub, "EPUB/index-people.xhtml").decode()
    assert f'id="{m.group(1)}"' in index
    nav = epub_read(epub, "EPUB/nav.xhtml").decode()
    assert 'epub:type="index" href="index-people.xhtml"' in nav


# -- more indexes ----------------------------------------------------------------------------

def test_films_and_countries_indexes_in_both_outputs(tmp_path: Path, repo_root: Path) -> None:
    from support import copy_project, epub_nav, pdf_outline

    project = copy_project(repo_root, tmp_path / "book")
    manifest = project / "anthology.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "indexes: [people, films, countries]\n",
                        encoding="utf-8")
    result, _ = build(project, project / "build")
    pdf, epub = result.outputs["pdf"], result.outputs["epub"]
    assert epubcheck_messages(epub) == []
    nav = [title for _, title, _ in epub_nav(epub)]
    assert nav[-3:] == ["Index of People", "Index of Films", "Index of Countries"]
    films = epub_read(epub, "EPUB/index-films.xhtml").decode()
    assert "Salt Archive, The" in films and "Kiosk całodobowy" in films  # article moved; original title
    assert '<a class="index-locator" epub:type="index-locator" href="ch-the-salt-archive.xhtml#ch-the-salt-archive">' \
        in films
    countries = epub_read(epub, "EPUB/index-countries.xhtml").decode()
    assert "South Korea" in countries

    outline = pdf_outline(pdf)
    starts = {title: page for depth, title, page in outline}
    assert [t for _, t, _ in outline][-3:] == ["Index of People", "Index of Films", "Index of Countries"]
    assert all(starts[t] % 2 == 1 for t in ("Index of People", "Index of Films", "Index of Countries"))
    pages = [_norm(p) for p in pdf_pages_text(pdf)]
    films_page = pages[starts["Index of Films"] - 1]
    labels = pdf_page_labels(pdf)
    m = re.search(r"Salt Archive, The,? (\d+)", films_page)
    assert m and m.group(1) == labels[starts["The Salt Archive"] - 1]
    toc = next(p for p in pages if p.startswith("Contents"))
    for title in ("Index of People", "Index of Films", "Index of Countries"):
        assert re.search(re.escape(title) + r"[ .]+" + labels[starts[title] - 1] + r"\b", toc), title
    links, uris = _pdf_links(pdf)  # the films' and countries' page numbers link to their pages too
    assert not [uri for uri in uris if uri.startswith("file:")]
    assert starts["The Salt Archive"] - 1 in links[starts["Index of Films"] - 1]
    assert links[starts["Index of Countries"] - 1]
    assert all(n < starts["Index of People"] - 1 for n in links[starts["Index of Countries"] - 1])


def test_indexes_option_is_validated(tmp_path: Path) -> None:
    (tmp_path / "reviews").mkdir()
    (tmp_path / "reviews" / "a.txt").write_text("Title: A\nDirector: Ann Lee\nText.\n", encoding="utf-8")
    (tmp_path / "anthology.yaml").write_text(
        "title: T\nindexes: [people, places]\nchapters:\n  - reviews/a.txt\n", encoding="utf-8")
    book, diags = load_book(tmp_path)
    assert book is None
    assert [(d.line, d.col, d.code) for d in diags.errors] == [(2, 19, "bad-index")]


def test_an_empty_indexes_list_turns_the_index_off(tmp_path: Path) -> None:
    (tmp_path / "reviews").mkdir()
    (tmp_path / "reviews" / "a.txt").write_text("Title: A\nDirector: Ann Lee\nText.\n", encoding="utf-8")
    (tmp_path / "anthology.yaml").write_text("title: T\nindexes: []\nchapters:\n  - reviews/a.txt\n",
                                             encoding="utf-8")
    result, _ = build(tmp_path, tmp_path / "out")
    from support import epub_names

    assert not [n for n in epub_names(result.outputs["epub"]) if "index" in n]
    assert epubcheck_messages(result.outputs["epub"]) == []


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=20))
def test_fold_is_decomposition_less_marks_table_and_casefold(text: str) -> None:
    """names.fold's shortcut for ASCII text gives what the whole recipe gives."""
    import unicodedata

    from anthology.names import _FOLD_TABLE, fold

    decomposed = unicodedata.normalize("NFKD", text)
    expected = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD_TABLE).casefold()
    assert fold(text) == expected
    ascii_only = text.encode("ascii", "ignore").decode()
    assert fold(ascii_only) == ascii_only.casefold()
