"""The index of people: who is indexed, under which heading, and where.

Built from the Book alone (never the files): everyone credited, with their roles, plus
every mention in a review body of anyone credited anywhere or listed in people.yaml,
under any alias. Each credit and each mention gets an anchor in the chapter's HTML;
renderers turn anchors into page numbers (PDF, from the laid-out pages) or links (EPUB).
Nothing here depends on how the book is laid out, so locators stay exact however the
chapters are later paginated.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from types import MappingProxyType

import pyuca
from lxml import etree

from .collation import collator, table_path
from .errors import Diagnostic
from .model import Book, Chapter
from .names import fold, heading, normalise_caps

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@functools.cache
def _collator() -> pyuca.Collator:
    """Made on first use, its table read as it is used (collation.py): commands that never
    sort an index, and builds whose keys all come from the cache, do not read it."""
    return collator()


def collation_version() -> str:
    """What the weights of :class:`SortKeys` depend on: pyuca's table, Python's Unicode."""
    try:
        size = os.stat(table_path()).st_size
    except OSError:
        size = -1
    return f"pyuca {pyuca.Collator.UCA_VERSION} {size} unicode {unicodedata.unidata_version}"


class SortKeys:
    """Collation weights of texts, computed once each (a heading is collated for its letter,
    its cross-references and its sort). ``known``: weights computed before, for
    :func:`collation_version` (the build's cache keeps them between builds)."""

    def __init__(self, known: dict[str, tuple[int, ...]] | None = None) -> None:
        self.known: dict[str, tuple[int, ...]] = dict(known or {})
        self.asked: set[str] = set()
        self.computed = 0
        self._letters: dict[int, str] | None = None

    def __call__(self, text: str) -> tuple[int, ...]:
        self.asked.add(text)
        key = self.known.get(text)
        if key is None:
            key = self.known[text] = tuple(_collator().sort_key(text))
            self.computed += 1
        return key

    def letters(self) -> dict[int, str]:
        """The primary weight of each letter A-Z → that letter."""
        if self._letters is None:
            self._letters = {self(c)[0]: c for c in LETTERS}
        return self._letters

    def used(self) -> dict[str, tuple[int, ...]]:
        """The weights this build asked for (what is worth keeping)."""
        return {text: self.known[text] for text in self.asked}


# How a role reads after a name in the index: "Lee Je-hoon (actor)".
ROLE_NOUNS = {
    "director": "director", "writer": "writer", "starring": "actor", "producer": "producer",
    "cinematography": "cinematographer", "editor": "editor", "music": "composer", "reviewer": "critic",
}
_URLISH = re.compile(r"(://|www\.|\.com\b|\.org\b|/)")
_CHARACTER_ACTOR = re.compile(
    r"\b([A-Z][\w’'.-]+(?:[ ][A-Z][\w’'-]+){0,3})[ ]\(([A-Z][\w’'-]+(?:[ ][A-Z][\w’'-]+){1,3})\)"
)
# Capitalised words separated by single spaces only: a name never spans punctuation.
_CAPITALISED_RUN = re.compile(r"(?<![\w’'-])[^\W\d_a-z][\w’'-]*(?:[ ][^\W\d_a-z][\w’'-]*)+")
_ARTICLES = frozenset({"The", "A", "An", "Le", "La", "Les", "Il", "El", "Los", "Las", "Der", "Die", "Das"})


@dataclass(frozen=True, slots=True)
class Locator:
    chapter_id: str
    anchor: str  # element id in the chapter
    role: str  # credit role key, or "" for a mention in the prose
    spelling: str  # the words as printed there

    @property
    def credited(self) -> bool:
        return bool(self.role)


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    name: str  # canonical name, as written
    heading: str  # what the index prints: "Trier, Lars von", "Lee Je-hoon"
    group: str  # letter group: "T"
    roles: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    locators: tuple[Locator, ...] = ()
    see: str = ""  # a cross-reference entry: the heading to look under instead
    see_id: str = ""

    @property
    def mentions(self) -> int:
        return sum(1 for loc in self.locators if not loc.credited)

    @property
    def role_nouns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(ROLE_NOUNS.get(r, r) for r in self.roles))


TITLES = {"people": "Index of People", "films": "Index of Films", "countries": "Index of Countries"}
NOTES = {
    "people": "Page numbers in bold are credits; others are mentions in the reviews.",
    "films": "Films under review, by title and original title.",
    "countries": "Countries of origin of the films under review.",
}


def group_entries(entries: tuple[Entry, ...]) -> list[tuple[str, list[Entry]]]:
    out: dict[str, list[Entry]] = {}
    for entry in entries:
        out.setdefault(entry.group, []).append(entry)
    return list(out.items())


@dataclass(frozen=True, slots=True)
class BookIndex:
    """One index of the book: its entries, sorted, cross-references included."""

    key: str  # "people", "films", "countries"
    entries: tuple[Entry, ...]

    @property
    def id(self) -> str:
        return f"index-{self.key}"

    @property
    def title(self) -> str:
        return TITLES[self.key]

    def groups(self) -> list[tuple[str, list[Entry]]]:
        return group_entries(self.entries)


@dataclass(frozen=True, slots=True)
class PeopleIndex(BookIndex):
    """The index of people, with what rendering needs to anchor it in the chapters."""

    bodies: Mapping[str, str]  # chapter id → body HTML with mention anchors
    credit_refs: Mapping[tuple[str, int, int], tuple[str, str]]  # (chapter, credit, name) → (anchor, entry id)
    diagnostics: tuple[Diagnostic, ...] = ()

    def credit_ref(self, chapter_id: str, credit: int, name: int) -> tuple[str, str]:
        return self.credit_refs[(chapter_id, credit, name)]


def spelling_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def collation_key(text: str, keys: SortKeys | None = None) -> tuple[tuple[int, ...], ...]:
    """Word-by-word, diacritic-aware (Unicode Collation Algorithm): 'Östlund' files under O."""
    keys = keys if keys is not None else SortKeys()
    return tuple(keys(part) for part in text.split(", ", 1))


def letter_group(text: str, keys: SortKeys | None = None) -> str:
    keys = keys if keys is not None else SortKeys()
    for ch in text:
        if ch.isalnum():
            if ch.isdigit():
                return "#"
            weights = keys(ch)
            return keys.letters().get(weights[0], ch.upper()) if weights else ch.upper()
    return "#"


@dataclass(slots=True)
class _Person:
    name: str
    aliases: list[str] = field(default_factory=list)
    sort_as: str = ""
    order: str = ""
    see: str = ""
    declared: bool = False
    roles: list[str] = field(default_factory=list)
    country: str = ""
    spellings: set[str] = field(default_factory=set)  # every form that means this person
    locators: list[Locator] = field(default_factory=list)


class _Roster:
    """Persons by every spelling that names them."""

    def __init__(self) -> None:
        self.people: dict[str, _Person] = {}
        self.by_spelling: dict[str, str] = {}
        self._found: dict[str, _Person | None] = {}  # find()'s answers since the last change

    def add(self, person: _Person) -> None:
        self.people[person.name] = person
        for spelling in [person.name, *person.aliases]:
            self.claim(spelling, person)

    def claim(self, spelling: str, person: _Person) -> None:
        self._found.clear()
        self.by_spelling.setdefault(spelling_key(spelling), person.name)
        person.spellings.add(" ".join(spelling.split()))

    def find(self, spelling: str) -> _Person | None:
        """The person a spelling names; a people.yaml 'see' entry leads to its target."""
        if spelling in self._found:
            return self._found[spelling]
        key = self.by_spelling.get(spelling_key(spelling)) or self.by_spelling.get(
            spelling_key(normalise_caps(spelling)))
        person = self.people.get(key) if key else None
        for _ in range(10):  # people.yaml rejects loops; this bound only guards against one
            if person is None or not person.see or person.see not in self.people:
                break
            person = self.people[person.see]
        self._found[spelling] = person
        return person


def build_index(book: Book, keys: SortKeys | None = None) -> PeopleIndex:
    """Every credited or mentioned person of the book, with exact anchors."""
    roster = _Roster()
    diags: list[Diagnostic] = []
    for p in book.people:
        roster.add(_Person(p.name, list(p.aliases), p.sort_as, p.order, p.see, declared=True))

    credit_refs: dict[tuple[str, int, int], tuple[str, str]] = {}
    for chapter in book.chapters:
        for ci, credit in enumerate(chapter.credits):
            for ni, spelling in enumerate(credit.names):
                person = roster.find(spelling)
                if person is None:
                    person = _Person(normalise_caps(spelling))
                    roster.add(person)
                roster.claim(spelling, person)
                if credit.role not in person.roles:
                    person.roles.append(credit.role)
                person.country = person.country or chapter.country
                anchor = f"{chapter.id}-c{ci}-{ni}"
                person.locators.append(Locator(chapter.id, anchor, credit.role, spelling))
                credit_refs[(chapter.id, ci, ni)] = (anchor, "")

    bodies = {}
    matcher = _mention_pattern(roster)
    buckets = _buckets(roster)
    for chapter in book.chapters:
        bodies[chapter.id] = _anchor_mentions(chapter, matcher, roster)
        diags += _variant_warnings(chapter, roster, book, buckets)
        diags += _uncredited_actors(chapter, roster)
    diags += _credit_variant_warnings(book, roster, buckets)

    entries = _entries(roster, keys if keys is not None else SortKeys())
    ids = {e.name: e.id for e in entries if not e.see}
    refs = {key: (anchor, ids[_owner(roster, book, key)]) for key, (anchor, _) in credit_refs.items()}
    return PeopleIndex(
        key="people",
        entries=tuple(entries),
        bodies=MappingProxyType(bodies),
        credit_refs=MappingProxyType(refs),
        diagnostics=tuple(diags),
    )


def _owner(roster: _Roster, book: Book, key: tuple[str, int, int]) -> str:
    chapter = next(c for c in book.chapters if c.id == key[0])
    person = roster.find(chapter.credits[key[1]].names[key[2]])
    assert person is not None
    return person.name


# -- mentions ------------------------------------------------------------------------------

def _mention_pattern(roster: _Roster) -> re.Pattern[str] | None:
    spellings = sorted({s for p in roster.people.values() for s in p.spellings if len(s.split()) >= 2},
                       key=len, reverse=True)
    if not spellings:
        return None
    alternatives = [r"\s+".join(re.escape(w) for w in s.split()) for s in spellings]
    # The lookahead on the first letters lets the regex engine skip, at C speed, the places
    # where no name begins (a fifth of the time of trying every name everywhere).
    first = "".join(sorted({re.escape(s[0]) for s in spellings}))
    return re.compile(rf"(?=[{first}])(?<![\w-])(" + "|".join(alternatives) + r")(?![\w-])")


def _anchor_mentions(chapter: Chapter, pattern: re.Pattern[str] | None, roster: _Roster) -> str:
    """The chapter body with every mention wrapped in <span class="person" id=…>."""
    if pattern is None or not chapter.body_html:
        return chapter.body_html
    root = etree.fromstring(f"<div>{chapter.body_html}</div>")
    counter = [0]

    def wrap(text: str | None) -> tuple[str | None, list[etree._Element]]:
        """Split ``text`` around mentions: (leading text, [span, span…] with tails)."""
        if not text:
            return text, []
        spans: list[etree._Element] = []
        lead: str | None = None
        last = 0
        for m in pattern.finditer(text):
            if _inside_url(text, m.start(), m.end()):
                continue
            person = roster.find(m.group(1))
            if person is None:
                continue
            counter[0] += 1
            anchor = f"{chapter.id}-m{counter[0]}"
            span = etree.Element("span", {"class": "person", "id": anchor})
            span.text = m.group(1)
            if spans:
                spans[-1].tail = text[last:m.start()]
            else:
                lead = text[:m.start()]
            spans.append(span)
            last = m.end()
            person.locators.append(Locator(chapter.id, anchor, "", " ".join(m.group(1).split())))
        if not spans:
            return text, []
        spans[-1].tail = text[last:]
        return lead, spans

    for el in list(root.iter()):
        if el is root or not isinstance(el.tag, str):
            continue
        lead, spans = wrap(el.text)
        if spans:
            el.text = lead
            for i, span in enumerate(spans):
                el.insert(i, span)
    for el in list(root.iter()):
        if el is root or not isinstance(el.tag, str) or el.get("class") == "person":
            continue
        lead, spans = wrap(el.tail)
        if spans:
            el.tail = lead
            parent = el.getparent()
            at = parent.index(el)
            for i, span in enumerate(spans, start=1):
                parent.insert(at + i, span)
    text, spans = wrap(root.text)
    if spans:
        root.text = text
        for i, span in enumerate(spans):
            root.insert(i, span)
    inner = (etree.tostring(root, encoding="unicode", method="xml"))
    return inner[len("<div>"):-len("</div>")] if inner.startswith("<div>") else chapter.body_html


def _inside_url(text: str, start: int, end: int) -> bool:
    left = text.rfind(" ", 0, start) + 1
    right = text.find(" ", end)
    token = text[left: right if right >= 0 else len(text)]
    return bool(_URLISH.search(token.replace(text[start:end], "")))


# -- warnings and suggestions --------------------------------------------------------------

def _line(chapter: Chapter, needle: str) -> int:
    """Line of the file where ``needle`` is written (words may be split across lines)."""
    m = re.search(r"\s+".join(re.escape(w) for w in needle.split()), chapter.text)
    return chapter.text.count("\n", 0, m.start()) + 1 if m else 0


def _similar(a: str, b: str) -> bool:
    fa, fb = fold(a), fold(b)
    if fa == fb:
        return True
    wa, wb = fa.split(), fb.split()
    if len(wa) != len(wb) or len(fa) < 6 or (wa[0] != wb[0] and wa[-1] != wb[-1]):
        return False
    return SequenceMatcher(None, fa, fb).ratio() >= 0.84


def _buckets(roster: _Roster) -> dict[str, list[tuple[str, _Person]]]:
    out: dict[str, list[tuple[str, _Person]]] = defaultdict(list)
    for person in roster.people.values():
        for spelling in person.spellings:
            words = fold(spelling).split()
            if len(words) >= 2:
                out[words[0]].append((spelling, person))
                out[words[-1]].append((spelling, person))
    return out


def _describe(person: _Person, chapter: Chapter, book: Book) -> str:
    if any(loc.chapter_id == chapter.id and loc.credited for loc in person.locators):
        return "credited in this review"
    credited = next((loc for loc in person.locators if loc.credited), None)
    if credited is not None:
        source = next(c.source for c in book.chapters if c.id == credited.chapter_id)
        return f"credited in {source}"
    return "listed in people.yaml"


def _variant_warnings(chapter: Chapter, roster: _Roster, book: Book,
                      buckets: dict[str, list[tuple[str, _Person]]]) -> list[Diagnostic]:
    """Spellings in the prose close to a known name but not declared as its alias."""
    text = re.sub(r"<[^>]+>", " ", chapter.body_html)
    out: list[Diagnostic] = []
    seen: set[str] = set()
    for run in _CAPITALISED_RUN.finditer(text):
        words = run.group(0).split()
        windows = [(n, i) for n in (2, 3) for i in range(len(words) - n + 1)]
        for size, i in windows:
            candidate = " ".join(w.removesuffix("’s").removesuffix("'s") for w in words[i:i + size])
            if roster.find(candidate) or candidate in seen:
                continue
            folded = fold(candidate).split()
            for spelling, person in buckets.get(folded[0], []) + buckets.get(folded[-1], []):
                if len(spelling.split()) == size and _similar(candidate, spelling):
                    seen.add(candidate)
                    out.append(Diagnostic(
                        chapter.source, _line(chapter, candidate), 0, "warning", "name-variant",
                        f"{candidate} looks like {person.name}, {_describe(person, chapter, book)}: "
                        f"add it to aliases in people.yaml (or correct the spelling)",
                    ))
                    break
    return out


def _credit_variant_warnings(book: Book, roster: _Roster,
                             buckets: dict[str, list[tuple[str, _Person]]]) -> list[Diagnostic]:
    """Two credited people whose names differ by a letter or an accent: probably one person."""
    out: list[Diagnostic] = []
    reported: set[frozenset[str]] = set()
    for chapter in book.chapters:
        for credit in chapter.credits:
            for spelling in credit.names:
                person = roster.find(spelling)
                if person is None:
                    continue
                folded = fold(spelling).split()
                if len(folded) < 2:
                    continue
                for other_spelling, other in buckets.get(folded[0], []) + buckets.get(folded[-1], []):
                    pair = frozenset((person.name, other.name))
                    if other is person or pair in reported or not _similar(spelling, other_spelling):
                        continue
                    reported.add(pair)
                    out.append(Diagnostic(
                        chapter.source, credit.line, 0, "warning", "name-variant",
                        f"{spelling} looks like {other.name}, {_describe(other, chapter, book)}: "
                        "if they are one person, add it to aliases in people.yaml",
                    ))
    return out


def _uncredited_actors(chapter: Chapter, roster: _Roster) -> list[Diagnostic]:
    """'Character (Actor)' where the actor is nobody we know: suggest crediting them."""
    # Titles in italics ("Ikiru (To Live)") or bold (a filmography's "**Sanjuro (Tsubaki
    # Sanjûrô)**") are not characters and actors.
    text = re.sub(r"<(em|i|cite|strong|b)>.*?</\1>", " ", chapter.body_html)
    text = re.sub(r"<[^>]+>", "", text)
    out: list[Diagnostic] = []
    for m in _CHARACTER_ACTOR.finditer(text):
        character, actor = m.group(1), m.group(2)
        if roster.find(actor) or roster.find(character) or not _person_shaped(actor) \
                or character.split()[0] in _ARTICLES or character.isupper():
            continue
        out.append(Diagnostic(
            chapter.source, _line(chapter, actor), 0, "warning", "uncredited-actor",
            f"{actor} plays {character} but is not credited: add them to this review's cast "
            "to put them in the index",
        ))
    return out


def _person_shaped(name: str) -> bool:
    """Two or three capitalised words, no article, no Roman numeral: 'Song Kang', not 'The King'."""
    words = name.split()
    return (2 <= len(words) <= 3 and words[0] not in _ARTICLES and not name.isupper()
            and not any(re.fullmatch(r"[IVXL]+", w) for w in words))


# -- entries -------------------------------------------------------------------------------

def _entry_id(name: str, used: set[str]) -> str:
    base = "ix-" + (re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-") or "x")
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    used.add(candidate)
    return candidate


def _entries(roster: _Roster, keys: SortKeys) -> list[Entry]:
    entries: list[Entry] = []
    used: set[str] = set()
    main: dict[str, Entry] = {}
    for person in roster.people.values():
        if person.see or not person.locators:
            continue
        head = heading(person.name, order=person.order, sort_as=person.sort_as, country=person.country)
        entry = Entry(
            id=_entry_id(person.name, used), name=person.name, heading=head, group=letter_group(head, keys),
            roles=tuple(person.roles), aliases=tuple(person.aliases), locators=tuple(person.locators),
        )
        main[person.name] = entry
        entries.append(entry)
    # Cross-references: declared aliases that file elsewhere, and people.yaml 'see' entries.
    for person in roster.people.values():
        target = main.get(person.see) if person.see else main.get(person.name)
        if target is None:
            continue
        sources = [person.name] if person.see else [a for a in person.aliases if fold(a) != fold(person.name)]
        for alias in sources:
            head = heading(alias, order=person.order)
            group = letter_group(head, keys)
            if group == target.group and collation_key(head, keys)[0] == collation_key(target.heading, keys)[0]:
                continue  # it would sit right beside its target
            entries.append(Entry(id=_entry_id(alias, used), name=alias, heading=head, group=group,
                                 see=target.heading, see_id=target.id))
    entries.sort(key=lambda e: (collation_key(e.heading, keys), e.heading))
    return entries


# -- locators for each output -------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Shown:
    """One printed locator: '12', '14–16' (PDF) or a chapter title (EPUB), and its link."""

    text: str
    href: str
    credited: bool


def view(entry: Entry, shown: list[Shown]) -> dict[str, object]:
    """What index.html.j2 receives for one entry."""
    return {"id": entry.id, "heading": entry.heading, "role_nouns": entry.role_nouns,
            "see": entry.see, "see_id": entry.see_id, "shown": shown}


def page_locators(entry: Entry, page_of: Mapping[str, int]) -> list[Shown]:
    """Page numbers, deduplicated, consecutive pages joined as ranges; credited pages apart."""
    pages: dict[int, tuple[bool, str]] = {}
    for loc in entry.locators:
        page = page_of.get(loc.anchor)
        if page is None:
            continue
        credited, anchor = pages.get(page, (False, loc.anchor))
        pages[page] = (credited or loc.credited, anchor)
    out: list[Shown] = []
    run: list[int] = []

    def flush() -> None:
        if run:
            credited, anchor = pages[run[0]]
            text = str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}"
            out.append(Shown(text, f"#{anchor}", credited))  # a link within the book

    for page in sorted(pages):
        if run and page == run[-1] + 1 and pages[page][0] == pages[run[0]][0]:
            run.append(page)
            continue
        flush()
        run = [page]
    flush()
    return out


def chapter_locators(entry: Entry, titles: Mapping[str, str], order: list[str],
                     link: Callable[[str, str], str]) -> list[Shown]:
    """For the EPUB: per chapter, its title linking to the first place, then each further place."""
    by_chapter: dict[str, list[Locator]] = defaultdict(list)
    for loc in entry.locators:
        by_chapter[loc.chapter_id].append(loc)
    out: list[Shown] = []
    for chapter_id in sorted(by_chapter, key=order.index):
        locs = by_chapter[chapter_id]
        out.append(Shown(titles[chapter_id], link(chapter_id, locs[0].anchor), locs[0].credited))
        for n, loc in enumerate(locs[1:], start=2):
            out.append(Shown(str(n), link(chapter_id, loc.anchor), loc.credited))
    return out


# -- films and countries -----------------------------------------------------------------

_ARTICLE_PREFIX = re.compile(r"^(the|a|an|le|la|les|l’|l'|el|los|las|il|der|die|das|o|os|as)\s+(.+)$", re.IGNORECASE)
_COUNTRY_SPLIT = re.compile(r"\s*(?:/|,|;|\s&\s|\s+and\s+)\s*")


def title_heading(title: str) -> str:
    """'The Third Murder' → 'Third Murder, The': a title files under its first main word."""
    m = _ARTICLE_PREFIX.match(title)
    return f"{m.group(2)}, {m.group(1)}" if m else title


def _simple_index(key: str, items: list[tuple[str, str, Chapter]], keys: SortKeys | None) -> BookIndex:
    """Entries from (heading, name, chapter) triples; each locator is the chapter's opening."""
    by_heading: dict[str, list[Chapter]] = {}
    names: dict[str, str] = {}
    for head, name, chapter in items:
        chapters = by_heading.setdefault(head, [])
        names.setdefault(head, name)
        if chapter not in chapters:
            chapters.append(chapter)
    used: set[str] = set()
    keys = keys if keys is not None else SortKeys()
    entries = [
        Entry(id=_entry_id(f"{key}-{head}", used), name=names[head], heading=head, group=letter_group(head, keys),
              locators=tuple(Locator(c.id, c.id, "", names[head]) for c in chapters))
        for head, chapters in by_heading.items()
    ]
    entries.sort(key=lambda e: (collation_key(e.heading, keys), e.heading))
    return BookIndex(key, tuple(entries))


def build_film_index(book: Book, keys: SortKeys | None = None) -> BookIndex:
    """Films by title (the 'Film' credit, else the chapter title) and by original title."""
    items: list[tuple[str, str, Chapter]] = []
    for chapter in book.chapters:
        credits = {c.role: c.value for c in chapter.credits}
        film = credits.get("film") or chapter.title
        items.append((title_heading(film), film, chapter))
        original = credits.get("original_title")
        if original and fold(original) != fold(film):
            items.append((title_heading(original), original, chapter))
    return _simple_index("films", items, keys)


def build_country_index(book: Book, keys: SortKeys | None = None) -> BookIndex:
    items = [(country, country, chapter) for chapter in book.chapters
             for country in _COUNTRY_SPLIT.split(chapter.country) if country]
    return _simple_index("countries", items, keys)


def build_indexes(book: Book, keys: SortKeys | None = None) -> tuple[PeopleIndex | None, list[PeopleIndex | BookIndex]]:
    """Every index the manifest turns on (people by default), empty ones left out.
    ``keys``: collation weights known from earlier builds (the cache's), and added to."""
    keys = keys if keys is not None else SortKeys()
    people = build_index(book, keys) if "people" in book.indexes else None
    out: list[PeopleIndex | BookIndex] = []
    if people is not None and any(not e.see for e in people.entries):
        out.append(people)
    else:
        people = None
    for key, builder in (("films", build_film_index), ("countries", build_country_index)):
        if key in book.indexes:
            index = builder(book, keys)
            if index.entries:
                out.append(index)
    return people, out


# -- reports -------------------------------------------------------------------------------

def people_records(book: Book, entries: tuple[Entry, ...] | list[Entry]) -> list[dict[str, object]]:
    """One record per index entry: what `anthology people` prints."""
    sources = {c.id: c.source for c in book.chapters}
    records: list[dict[str, object]] = []
    for entry in entries:
        if entry.see:
            records.append({"heading": entry.heading, "see": entry.see})
            continue
        records.append({
            "name": entry.name,
            "heading": entry.heading,
            "group": entry.group,
            "roles": list(entry.role_nouns),
            "chapters": list(dict.fromkeys(sources[loc.chapter_id] for loc in entry.locators)),
            "credits": sum(1 for loc in entry.locators if loc.credited),
            "mentions": entry.mentions,
            "aliases": list(entry.aliases),
            "spellings": sorted({loc.spelling for loc in entry.locators}),
        })
    return records


def people_json(book: Book, index: PeopleIndex) -> str:
    import json

    warnings = [{"file": d.file, "line": d.line, "code": d.code, "message": d.message}
                for d in index.diagnostics]
    return json.dumps({"people": people_records(book, index.entries), "warnings": warnings},
                      ensure_ascii=False, indent=2)


def people_text(book: Book, index: PeopleIndex) -> str:
    lines: list[str] = []
    for letter, entries in index.groups():
        lines.append(letter)
        for record in people_records(book, entries):
            if "see" in record:
                lines.append(f"  {record['heading']}, see {record['see']}")
                continue
            roles = f" ({', '.join(record['roles'])})" if record["roles"] else ""
            chapters = ", ".join(record["chapters"])
            lines.append(f"  {record['heading']}{roles}: {_count(record['credits'], 'credit')}, "
                         f"{_count(record['mentions'], 'mention')} in {chapters}")
    people = sum(1 for e in index.entries if not e.see)
    lines.append(f"{people} people, {sum(len(e.locators) for e in index.entries)} locators")
    return "\n".join(lines)


def _count(n: object, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
