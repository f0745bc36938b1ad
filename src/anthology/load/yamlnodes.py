"""Strict YAML: every scalar stays a string, duplicate keys are errors, positions are kept.

We compose the YAML into PyYAML nodes without implicit type resolution (so ``NO``,
``yes`` and ``1:45`` stay the strings the user typed) and validate against the node
tree, which carries the line and column of every key and value.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import Diagnostics

MAX_NODES = 200_000  # alias expansion ("billion laughs") stops here


class _StringsOnlyLoader(yaml.SafeLoader):
    """A loader whose resolver knows no implicit types: plain scalars are all strings."""

    yaml_implicit_resolvers: dict = {}


def compose(text: str, file: str, diags: Diagnostics) -> yaml.Node | None:
    """Parse ``text`` into a node tree, reporting syntax errors and duplicate keys."""
    try:
        node = yaml.compose(text, Loader=_StringsOnlyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or "invalid YAML"
        hint = ""
        if "\t" in text and ("tab" in problem.lower() or "\\t" in problem):
            hint = " (indent with spaces, not tabs)"
        elif "mapping values are not allowed" in problem:
            hint = " (a value containing ': ' must be quoted)"
        diags.error(file, line, col, "yaml-syntax", f"YAML syntax error: {problem}{hint}")
        return None
    except yaml.YAMLError as exc:
        diags.error(file, 0, 0, "yaml-syntax", f"YAML error: {exc}")
        return None
    except RecursionError:
        diags.error(file, 0, 0, "yaml-too-deep", "YAML nested too deeply: is a bracket or brace never closed?")
        return None
    if node is not None:
        try:
            _check_duplicates(node, file, diags, set())
        except RecursionError:
            diags.error(file, 0, 0, "yaml-too-deep", "YAML nested too deeply")
            return None
    return node


def _check_duplicates(node: yaml.Node, file: str, diags: Diagnostics, seen: set[int]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: dict[str, yaml.Node] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in keys:
                    first = keys[key.value].start_mark.line + 1
                    line, col = where(key)
                    diags.error(
                        file, line, col, "yaml-duplicate-key",
                        f"duplicate key '{key.value}' (first defined on line {first})",
                    )
                else:
                    keys[key.value] = key
            _check_duplicates(value, file, diags, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicates(item, file, diags, seen)


def where(node: yaml.Node) -> tuple[int, int]:
    """1-based (line, column) of a node."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.style is None and node.value in (
        "", "~", "null", "Null", "NULL",
    )


def kind(node: yaml.Node) -> str:
    """A word for the node's type, for error messages."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return "empty" if is_null(node) else "a string"


class TooLarge(ValueError):
    pass


def to_python(node: yaml.Node) -> Any:
    """Plain Python value of a node: dict, list, str, or None for an empty scalar."""
    budget = [MAX_NODES]

    def walk(n: yaml.Node) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise TooLarge("YAML document expands to too many values")
        if isinstance(n, yaml.MappingNode):
            return {
                (k.value if isinstance(k, yaml.ScalarNode) else str(walk(k))): walk(v)
                for k, v in n.value
            }
        if isinstance(n, yaml.SequenceNode):
            return [walk(i) for i in n.value]
        return None if is_null(n) else n.value

    try:
        return walk(node)
    except RecursionError:
        raise TooLarge("YAML nested too deeply") from None
