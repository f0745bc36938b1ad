"""Generated reference documents: the manifest reference (from the schema declarations),
the CLI reference (from the argument parser) and the shipped JSON Schemas.

Regenerate with ``python -m anthology.reference``; a test fails when they are stale.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from .cli import _parser
from .load.schema import HELP, SCHEMAS, schema_text

PACKAGE = Path(__file__).resolve().parent
SCHEMA_FILES = {"manifest": "anthology.schema.json", "people": "people.schema.json"}


def _type(spec: dict) -> str:
    if "enum" in spec:
        return " | ".join(str(v) for v in spec["enum"])
    if "oneOf" in spec:
        return " or ".join(_type(s) for s in spec["oneOf"])
    kind = spec.get("type", "")
    if kind == "array":
        return f"list of {_type(spec.get('items', {}))}"
    return kind


def manifest_reference() -> str:
    schema = SCHEMAS["manifest"]()
    lines = ["# anthology.yaml reference", "",
             "Generated from the declarations the loader validates with "
             "(`python -m anthology.reference` regenerates this file).", "",
             "| key | type | meaning |", "| --- | --- | --- |"]
    for key, spec in schema["properties"].items():
        required = " (required)" if key in schema["required"] else ""
        lines.append(f"| `{key}`{required} | {_type(spec) if key not in ('pdf', 'epub') else 'mapping'} "
                     f"| {spec.get('description', '')} |")
        for sub, subspec in spec.get("properties", {}).items() if key in ("pdf", "epub", "warnings", "limits") else ():
            lines.append(f"| `{key}.{sub}` | {_type(subspec)} | {subspec.get('description', '')} |")
    lines += ["", "## A chapter entry", "", "| key | meaning |", "| --- | --- |"]
    lines += [f"| `{k}` | {HELP[h]} |" for k, h in (("file", "file"), ("title", "chapter.title"),
                                                     ("language", "chapter.language"), ("part", "part"))]
    lines += ["", "## people.yaml", "", "A list of people; each entry:", "", "| key | meaning |", "| --- | --- |"]
    people = SCHEMAS["people"]()["items"]["properties"]
    lines += [f"| `{k}` | {v.get('description', '')} |" for k, v in people.items()]
    return "\n".join(lines) + "\n"


def templates_reference() -> str:
    """Every theme file, with the variables it receives (from each template's header comment)."""
    theme = PACKAGE / "theme" / "templates"
    lines = ["# Theme reference", "",
             "The built-in theme lives in `src/anthology/theme/templates/`. A file of the same name in the",
             "project's `templates/` folder replaces it. Generated from each file's header comment "
             "(`python -m anthology.reference` regenerates this file).", ""]
    for path in sorted(theme.iterdir()):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".j2":
            m = re.match(r"\{#-?(.*?)-?#\}", text, re.DOTALL)
            about = " ".join(m.group(1).split()) if m else ""
        else:
            m = re.match(r"/\*(.*?)\*/", text, re.DOTALL)
            about = " ".join(m.group(1).split()) if m else ""
        lines += [f"## {path.name}", "", about or "(no description)", ""]
    lines += ["## CSS hooks", "",
              "Chapters are `section.chapter` (`.in-part` inside a part) with `h1.chapter-title`, "
              "`dl.credits` (each `div.credit.credit-ROLE` holds `dt`/`dd`; people are `.name`) and "
              "`div.chapter-body`; mentions of people are `span.person`; section breaks are "
              "`hr.section-break`; parts are `section.part`; the indexes are `section.index.index-KEY` with "
              "`li.index-entry`, `.index-term`, `.index-roles` and `a.index-locator.credited`.", ""]
    return "\n".join(lines)


def cli_reference() -> str:
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal: fix the width for a stable file
    parser = _parser()
    parser.prog = "anthology"
    lines = ["# Command-line reference", "",
             "Generated from the argument parser (`python -m anthology.reference` regenerates this file).", "",
             "```", parser.format_help().rstrip(), "```"]
    for action in parser._subparsers._group_actions:  # noqa: SLF001 - argparse keeps subparsers here
        for name, sub in action.choices.items():
            lines += ["", f"## anthology {name}", "", "```", sub.format_help().rstrip(), "```"]
    return "\n".join(lines) + "\n"


def generated(repo: Path) -> dict[Path, str]:
    """Every generated file, by path: what the repository must hold."""
    out = {repo / "docs" / "reference" / "manifest.md": manifest_reference(),
           repo / "docs" / "reference" / "cli.md": cli_reference(),
           repo / "docs" / "reference" / "templates.md": templates_reference()}
    for which, name in SCHEMA_FILES.items():
        out[PACKAGE / "schemas" / name] = schema_text(which)
    return out


def main() -> int:
    repo = PACKAGE.parent.parent
    for path, text in generated(repo).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(repo)}")
    json.loads(schema_text("manifest"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
