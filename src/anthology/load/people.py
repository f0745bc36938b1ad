"""people.yaml → Person records: canonical names, aliases, sort keys.

Strict like the manifest: unknown keys, duplicate people and an alias claimed by two
people are located errors.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import Diagnostics
from ..model import Person
from .text import decode
from .yamlnodes import compose, is_null, kind, where

PERSON_KEYS = {"name", "aliases", "sort_as", "order", "see"}
ORDERS = {"family-first", "given-first"}


def load_people(path: Path, file: str, diags: Diagnostics) -> tuple[Person, ...]:
    try:
        text = decode(path.read_bytes(), file, diags)
    except OSError as exc:
        diags.error(file, 0, 0, "unreadable", f"cannot read the file: {exc.strerror}")
        return ()
    if text is None:
        return ()
    node = compose(text, file, diags)
    if node is None or is_null(node):
        return ()
    if not isinstance(node, yaml.SequenceNode):
        line, col = where(node)
        diags.error(file, line, col, "people-type",
                    f"people.yaml must be a list of '- name: …' entries, not {kind(node)}")
        return ()

    def err(n: yaml.Node, code: str, message: str) -> None:
        line, col = where(n)
        diags.error(file, line, col, code, message)

    def string(n: yaml.Node, key: str) -> str:
        if not isinstance(n, yaml.ScalarNode) or is_null(n):
            err(n, "people-type", f"'{key}' must be a string, not {kind(n)}")
            return ""
        return " ".join(n.value.split())

    people: list[Person] = []
    see_nodes: dict[str, yaml.Node] = {}
    claimed: dict[str, tuple[str, int]] = {}  # lower-cased name or alias → (person, line)
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            err(item, "people-type", f"each person must be a mapping with 'name:', not {kind(item)}")
            continue
        values: dict[str, yaml.Node] = {}
        for k, v in item.value:
            if k.value not in PERSON_KEYS:
                err(k, "people-unknown-key",
                    f"unknown key '{k.value}' (expected one of: {', '.join(sorted(PERSON_KEYS))})")
            else:
                values[k.value] = v
        if "name" not in values:
            err(item, "people-missing-name", "this person has no 'name:'")
            continue
        name = string(values["name"], "name")
        aliases: list[str] = []
        alias_nodes: list[yaml.Node] = []
        if "aliases" in values:
            a = values["aliases"]
            if isinstance(a, yaml.SequenceNode):
                for x in a.value:
                    alias = string(x, "aliases")
                    if alias and alias not in aliases:
                        aliases.append(alias)
                        alias_nodes.append(x)
            else:
                err(a, "people-type", f"'aliases' must be a list such as [Other Spelling], not {kind(a)}")
        order = string(values["order"], "order") if "order" in values else ""
        if order and order not in ORDERS:
            err(values["order"], "people-order", f"'order' must be family-first or given-first, not '{order}'")
            order = ""
        sort_as = string(values["sort_as"], "sort_as") if "sort_as" in values else ""
        see = string(values["see"], "see") if "see" in values else ""
        if see:
            see_nodes[name] = values["see"]
        if not name:
            continue
        line = where(values["name"])[0]
        for spelling, n in [(name, values["name"]), *zip(aliases, alias_nodes, strict=True)]:
            key = spelling.casefold()
            if key in claimed and claimed[key][0] != name:
                other, other_line = claimed[key]
                err(n, "people-duplicate",
                    f"'{spelling}' is already {other} (line {other_line}): a spelling can belong to one person only")
            elif key in claimed and spelling == name:
                err(n, "people-duplicate", f"'{name}' is listed twice (first on line {claimed[key][1]})")
            else:
                claimed[key] = (name, line)
        people.append(Person(name, tuple(aliases), sort_as, order, see))
    _check_see(people, see_nodes, err)
    return tuple(people)


def _check_see(people: list[Person], nodes: dict[str, yaml.Node], err) -> None:
    """A 'see' names another person of the file, and no chain of them loops."""
    by_name = {p.name: p for p in people}
    for person in people:
        if not person.see or person.name not in nodes:
            continue
        node = nodes[person.name]
        if person.see == person.name:
            err(node, "people-see", f"{person.name} cannot 'see' itself")
            continue
        if person.see not in by_name:
            err(node, "people-see", f"'see: {person.see}' names no one in people.yaml: add '- name: {person.see}'")
            continue
        seen, current = {person.name}, by_name[person.see]
        while current.see and current.see in by_name:
            if current.name in seen:
                err(node, "people-see", f"'see' entries loop: {' → '.join([*seen, current.name])} (a cycle)")
                break
            seen.add(current.name)
            current = by_name[current.see]
