"""Strict YAML: every scalar stays a string, duplicate keys are errors, positions are kept.

We compose the YAML into PyYAML nodes without implicit type resolution (so ``NO``,
``yes`` and ``1:45`` stay the strings the user typed) and validate against the node
tree, which carries the line and column of every key and value.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import Diagnostics
from ..limits import DEFAULT, Limits


class _StringsOnlyLoader(yaml.SafeLoader):
    """A loader whose resolver knows no implicit types: plain scalars are all strings.

    It also counts how deep collections nest while composing, and stops at ``max_depth``
    with the position of the collection that went too deep (PyYAML's composer recurses once
    per level, so without this 10,000 '[' would end in a RecursionError).
    """

    yaml_implicit_resolvers: dict = {}

    def __init__(self, stream: str, max_depth: int) -> None:
        super().__init__(stream)
        self.max_depth = max_depth
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:  # type: ignore[override]
        if self.check_event(yaml.CollectionStartEvent):
            if self.depth >= self.max_depth:
                raise _TooDeep(self.peek_event().start_mark)
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1
        return super().compose_node(parent, index)


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__("too deep")
        self.mark = mark


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def compose(text: str, file: str, diags: Diagnostics, limits: Limits = DEFAULT) -> yaml.Node | None:
    """Parse ``text`` into a node tree, reporting syntax errors and duplicate keys."""
    loader: _StringsOnlyLoader | None = None
    try:
        loader = _StringsOnlyLoader(text, limits.yaml_depth)  # checks every character at once
        node = loader.get_single_node()
    except _TooDeep as exc:
        diags.error(file, exc.mark.line + 1, exc.mark.column + 1, "yaml-too-deep",
                    f"YAML nested too deeply: more than {limits.yaml_depth} levels of lists or mappings "
                    f"(the limit yaml_depth; is a bracket or brace never closed?)")
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        hint = ""
        if "\t" in text and ("tab" in problem.lower() or "\\t" in problem):
            hint = " (indent with spaces, not tabs)"
        elif "mapping values are not allowed" in problem:
            hint = " (a value containing ': ' must be quoted)"
        elif exc.context_mark and ("end of stream" in problem or "<stream end>" in problem):
            # Something opened and never closed: point at where it opened, not at the file's end.
            opened = exc.context_mark
            char = text[opened.index] if 0 <= opened.index < len(text) else ""
            if char in "'\"":
                ended = f" (the file ended at line {mark.line + 1})" if mark else ""
                problem = f"the quote {char} opened here is never closed: add the closing {char}{ended}"
                mark = opened
            elif char in _CLOSERS:
                hint = (f" (the {char} opened at line {opened.line + 1}, column {opened.column + 1} "
                        f"is never closed: add the closing {_CLOSERS[char]})")
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        diags.error(file, line, col, "yaml-syntax", f"YAML syntax error: {problem}{hint}")
        return None
    except yaml.reader.ReaderError as exc:
        line, col = _position(text, exc.position)
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        name = " (NUL)" if exc.character == 0 else ""
        diags.error(file, line, col, "yaml-syntax",
                    f"character {char}{name} is not allowed in YAML: delete it (was the file saved as text?)")
        return None
    except yaml.YAMLError as exc:
        diags.error(file, 0, 0, "yaml-syntax", f"YAML error: {exc}")
        return None
    except RecursionError:
        diags.error(file, 0, 0, "yaml-too-deep", "YAML nested too deeply: is a bracket or brace never closed?")
        return None
    finally:
        if loader is not None:
            loader.dispose()
    if node is not None:
        try:
            _check_duplicates(node, file, diags, set())
        except RecursionError:
            diags.error(file, 0, 0, "yaml-too-deep", "YAML nested too deeply")
            return None
    return node


_CLOSERS = {'"': '"', "'": "'", "[": "]", "{": "}"}


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


def to_python(node: yaml.Node, limits: Limits = DEFAULT) -> Any:
    """Plain Python value of a node: dict, list, str, or None for an empty scalar."""
    budget = [limits.yaml_values]

    def walk(n: yaml.Node) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise TooLarge(f"YAML document expands to too many values (more than {limits.yaml_values:,}, "
                               "the limit yaml_values: are aliases repeating a list?)")
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
