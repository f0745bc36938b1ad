"""tinyhtml5's cache of regular expressions, made to work (render/htmlparse.py): the same
expressions, the same trees, and each expression built once."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anthology.render import engine, htmlparse

engine.load()  # WeasyPrint imports tinyhtml5; load() installs the cache
import tinyhtml5  # noqa: E402
import tinyhtml5.inputstream as inputstream  # noqa: E402

# Every state of the tokenizer that reads a run of characters: text, character references,
# attribute names and values in three quotings, comments, CDATA, RCDATA and RAWTEXT, doctypes.
_DOCUMENT = (
    '<!DOCTYPE html><html lang="fr"><head><title>Index &amp; “notes”</title>'
    "<style>p > a { color: red }</style><script>if (a < b && c) { x = ']]>' }</script></head>"
    '<body><!-- a comment -- with dashes --><svg><![CDATA[ raw ]] text ]]></svg>'
    "<p class=entry data-x='single &quot;' id=\"e1\">Léa Seydoux, <a href=\"#p12\">12</a>, "
    "<a href='#p13'>13&ndash;15</a>, <A HREF=#p99 CLASS=Upper>99</A> &#x4E0A;&#26481; 東京</p>"
    "<textarea>a < b &lt; c</textarea><p>\u0000nul and \r\n carriage returns\r</p>"
    "<img alt=unquoted src=x.png/><br/>< not a tag & not a reference</body></html>")


def _tree(html: str, cache: dict[Any, Any]) -> bytes:
    """The tree tinyhtml5 makes of ``html`` with ``cache`` as its cache of expressions."""
    kept = inputstream.characters_until_regex
    inputstream.characters_until_regex = cache
    try:
        return ET.tostring(tinyhtml5.parse(html))
    finally:
        inputstream.characters_until_regex = kept


class _Recorder(dict[Any, Any]):
    """tinyhtml5's own behaviour with a plain dict, the keys looked up and the expressions
    it built for each, in order (each miss is followed by the store of what it built)."""

    def __init__(self) -> None:
        super().__init__()
        self.missed: list[Any] = []
        self.built: list[re.Pattern[str]] = []

    def __missing__(self, key: Any) -> Any:
        self.missed.append(key)
        raise KeyError(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.built.append(value)
        super().__setitem__(key, value)


def test_load_puts_the_working_cache_in_tinyhtml5() -> None:
    assert isinstance(inputstream.characters_until_regex, htmlparse.Expressions)
    assert htmlparse.install() is True  # again: left as it is


def test_each_expression_is_the_one_tinyhtml5_builds() -> None:
    recorder = _Recorder()
    _tree(_DOCUMENT, recorder)
    assert len(recorder.missed) == len(recorder.built) > 20  # tinyhtml5's own cache never hits
    ours = htmlparse.Expressions()
    for key, built in zip(recorder.missed, recorder.built, strict=True):
        assert ours[key].pattern == built.pattern
    assert len({key for key in recorder.missed}) == len(ours) < 15


def test_the_expressions_are_built_once_and_found_after() -> None:
    cache = htmlparse.Expressions()
    _tree(_DOCUMENT, cache)
    keys = dict(cache)
    assert keys and not any(isinstance(characters, re.Pattern) for characters, _ in keys)
    _tree(_DOCUMENT * 3, cache)
    assert cache == keys and all(cache[key] is keys[key] for key in keys)  # the same objects: found


def test_weasyprint_parses_through_the_cache() -> None:
    cache = htmlparse.Expressions()
    kept = inputstream.characters_until_regex
    inputstream.characters_until_regex = cache
    try:
        engine.HTML(string=_DOCUMENT).render()
    finally:
        inputstream.characters_until_regex = kept
    assert len(cache) > 3


def test_the_same_tree_as_without_it() -> None:
    entries = "".join(f'<li id="e{n}">Person {n}, <a href="#p{n}">{n}</a>, <i class=see>see</i></li>'
                      for n in range(300))
    for html in (_DOCUMENT, f"<!DOCTYPE html><ul>{entries}</ul>"):
        assert _tree(html, htmlparse.Expressions()) == _tree(html, {})


_PIECES = st.sampled_from([
    "<", ">", "</", "/>", "&", "&amp;", "&#x41;", "&#9", ";", "=", '"', "'", " ", "\t", "\n", "\r\n",
    "\u0000", "-", "--", "<!--", "-->", "<!", "]]>", "<![CDATA[", "?", "p", "a", "A", "href", "class",
    "é", "東", "<p", "<a href=", "<script>", "</script>", "<style>", "<textarea>", "<title>",
    "<!DOCTYPE html>", "<svg>", "</svg>", "x1", "_"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_the_same_tree_as_without_it_for_any_markup(html: str) -> None:
    assert _tree(html, htmlparse.Expressions()) == _tree(html, {})


@pytest.mark.parametrize("found", [None, "absent", htmlparse.Expressions, type("Other", (dict,), {})])
def test_install_changes_nothing_it_does_not_know(monkeypatch: pytest.MonkeyPatch, found: Any) -> None:
    if found == "absent":
        monkeypatch.delattr(inputstream, "characters_until_regex")
    else:
        monkeypatch.setattr(inputstream, "characters_until_regex", found() if found else None)
    before = getattr(inputstream, "characters_until_regex", "absent")
    assert htmlparse.install() is (found is htmlparse.Expressions)
    assert getattr(inputstream, "characters_until_regex", "absent") is before


def test_install_replaces_tinyhtml5s_plain_dict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputstream, "characters_until_regex", {})
    assert htmlparse.install() is True
    assert type(inputstream.characters_until_regex) is htmlparse.Expressions
